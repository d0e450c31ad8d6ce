// Our speedscope JSON in speedscope 1.25.0 itself: prof-convert writes the
// file, the built app (node_modules/speedscope/dist/release) opens it in
// headless Chromium from a localhost server (index.html#profileURL=...),
// and the test checks what speedscope parsed and shows:
//   - the file validates against speedscope's own file-format-schema.json
//     (the keywords it uses: $ref, anyOf, const, enum, items, properties,
//     required, type) and the facts of FORMATS.md 5e (samples root-first,
//     as many weights as samples, weights >= 0, endValue = total weight);
//   - speedscope imports it without a script error and its toolbar shows
//     the profile's name ("approximate ..." for pstats input);
//   - speedscope's own Export (its model written back, as an evented
//     profile) has the same frames, the same total weight, and every
//     frame's self and total weight equal to the expected ones: for folded
//     input the folded counts summed here from the input lines, never from
//     our output; otherwise the weights our file's samples give;
//   - the Sandwich view lists every frame with those totals (counts are
//     shown exactly for unit "none"; time units are shown rounded, so
//     there only the names are compared).
// --odd-bytes makes a folded input whose frame names hold a byte that is
// not UTF-8, an encoded lone surrogate (what pstats stores for undecodable
// file names), a control character, a quote and a backslash: speedscope
// must load it and show the names as our escaping documents them. It also
// has a line with an empty stack, which speedscope counts for the root.
//
// usage: node speedscope_consumer.mjs --tool PROF_CONVERT (--input FILE | --odd-bytes)
// exit 0 pass, 1 fail, 77 skip (no Chromium or no playwright-core).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, 'node_modules', 'speedscope', 'dist', 'release');
const UNITS = ['none', 'nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes'];

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : null;
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
  if (!ok) failures++;
}

// ---- the schema, with the keywords speedscope's schema uses ----

function validate(schema, root, value, where, errors) {
  if (schema.$ref) {
    const def = schema.$ref.replace('#/definitions/', '');
    return validate(root.definitions[def], root, value, where, errors);
  }
  if (schema.anyOf) {
    const ok = schema.anyOf.some((s) => validate(s, root, value, where, []));
    if (!ok) errors.push(`${where}: matches none of anyOf`);
    return ok;
  }
  const before = errors.length;
  const types = { object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
    array: Array.isArray, string: (v) => typeof v === 'string', number: (v) => typeof v === 'number' };
  if (schema.type && !types[schema.type](value)) {
    errors.push(`${where}: not ${schema.type}`);
    return false;
  }
  if ('const' in schema && value !== schema.const) errors.push(`${where}: not ${schema.const}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${where}: not in ${schema.enum}`);
  for (const r of schema.required || []) if (!(r in value)) errors.push(`${where}: no ${r}`);
  for (const [k, s] of Object.entries(schema.properties || {})) {
    if (k in value) validate(s, root, value[k], `${where}.${k}`, errors);
  }
  if (schema.items) value.forEach((v, i) => validate(schema.items, root, v, `${where}[${i}]`, errors));
  return errors.length === before;
}

function facts(doc) {
  const bad = [];
  const nframes = doc.shared.frames.length;
  for (const p of doc.profiles) {
    if (p.type !== 'sampled' || !UNITS.includes(p.unit)) bad.push('type/unit');
    if (p.samples.length !== p.weights.length) bad.push('samples/weights length');
    if (p.samples.some((s) => s.some((i) => !Number.isInteger(i) || i < 0 || i >= nframes))) bad.push('frame index');
    if (p.weights.some((w) => !(w >= 0))) bad.push('weight < 0');
    const total = p.weights.reduce((a, b) => a + b, 0);
    if (Math.abs(p.endValue - p.startValue - total) > 1e-9 * Math.max(1, total)) bad.push('endValue');
  }
  return bad;
}

// ---- expected weights ----

const frameKey = (f) => (f.file !== undefined ? `${f.name} (${f.file}:${f.line})` : f.name);

// frame key -> {self, total}, from stacks given as lists of keys.
function weightsOf(stacks) {
  const out = new Map();
  const get = (k) => out.get(k) || out.set(k, { self: 0, total: 0 }).get(k);
  for (const { frames, weight } of stacks) {
    if (frames.length === 0) continue;
    get(frames[frames.length - 1]).self += weight;
    for (const k of new Set(frames)) get(k).total += weight;
  }
  return out;
}

// The folded lines as flamegraph.pl reads them: "stack count". Names are
// decoded as our JSON escaping documents: UTF-8 (encoded surrogates
// included), any other byte as U+00XX.
function decodeName(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
    let cp = len === 1 ? b : b & (0x7f >> len), ok = len > 0 && i + len <= bytes.length;
    for (let k = 1; ok && k < len; k++) {
      ok = (bytes[i + k] & 0xc0) === 0x80;
      cp = (cp << 6) | (bytes[i + k] & 0x3f);
    }
    ok = ok && !(len === 3 && cp < 0x800) && !(len === 4 && (cp < 0x10000 || cp > 0x10ffff));
    s += ok ? String.fromCodePoint(cp) : String.fromCharCode(b);
    i += ok ? len : 1;
  }
  return s;
}

function foldedStacks(buf) {
  const stacks = [];
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    let line = buf.subarray(start, end);
    if (line.length && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    start = end + 1;
    const sp = line.lastIndexOf(32);
    const count = line.subarray(sp + 1).toString('latin1');
    if (sp < 0 || !/^\d+$/.test(count)) continue;
    const frames = [];
    if (sp === 0) { // " 5": samples of the root itself, as flamegraph.pl counts them
      stacks.push({ frames, weight: Number(count) });
      continue;
    }
    let f = 0;
    const stack = line.subarray(0, sp);
    for (let i = 0; i <= stack.length; i++) {
      if (i === stack.length || stack[i] === 59) {
        frames.push(decodeName(stack.subarray(f, i)));
        f = i + 1;
      }
    }
    stacks.push({ frames, weight: Number(count) });
  }
  return stacks;
}

// Frame names of the form "func (file:line)" are split by the writer; put
// the key back the same way for comparison.
function ourStacks(doc) {
  const keys = doc.shared.frames.map(frameKey);
  const p = doc.profiles[0];
  return p.samples.map((s, i) => ({ frames: s.map((j) => keys[j]), weight: p.weights[i] }));
}

// What speedscope's export holds: an evented profile; self time goes to
// the innermost open frame, total time once to every open frame.
function exportedWeights(doc) {
  const keys = doc.shared.frames.map(frameKey);
  const p = doc.profiles[0];
  const out = new Map();
  const get = (k) => out.get(k) || out.set(k, { self: 0, total: 0 }).get(k);
  const open = [];
  let last = p.startValue;
  for (const e of p.events) {
    const dt = e.at - last;
    if (open.length && dt > 0) {
      get(keys[open[open.length - 1]]).self += dt;
      for (const k of new Set(open.map((i) => keys[i]))) get(k).total += dt;
    }
    last = e.at;
    if (e.type === 'O') open.push(e.frame);
    else open.pop();
  }
  return { weights: out, total: p.endValue - p.startValue, unit: p.unit, name: p.name };
}

function sameWeights(a, b, relTol) {
  const close = (x, y) => Math.abs(x - y) <= relTol * Math.max(1, Math.abs(y));
  const bad = [];
  for (const [k, v] of b) {
    const w = a.get(k);
    if (!w || !close(w.self, v.self) || !close(w.total, v.total)) {
      bad.push(`${JSON.stringify(k)}: got ${w ? `${w.self}/${w.total}` : 'nothing'}, want ${v.self}/${v.total}`);
    }
  }
  for (const k of a.keys()) if (!b.has(k) && (a.get(k).self || a.get(k).total)) bad.push(`extra ${JSON.stringify(k)}`);
  return bad;
}

// ---- the browser ----

function serve(dir) {
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const base = path.basename(p) || 'index.html';
    const file = p.startsWith('/profiles/') ? path.join(dir, base) : path.join(DIST, base);
    if (!fs.existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200);
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function sandwichRows(page, frameCount) {
  await page.getByText('Sandwich', { exact: false }).first().click();
  await page.waitForSelector('table tr');
  // Only now tall enough that the table (a virtual list) draws every row:
  // the flame chart before it is drawn at an ordinary size.
  await page.setViewportSize({ width: 1400, height: 12000 });
  // Wait for the redraw at that height; a short table is then the check's to report.
  await page.waitForFunction((n) => Array.from(document.querySelectorAll('table tr'))
    .filter((r) => r.querySelectorAll('td').length >= 3).length >= n, frameCount)
    .catch(() => {});
  return page.evaluate(() => Array.from(document.querySelectorAll('table tr')).map((r) =>
    Array.from(r.querySelectorAll('td')).map((c) => c.innerText.trim())).filter((c) => c.length >= 3));
}

async function inBrowser(chromium, dir, fileName, frameCount) {
  const server = await serve(dir);
  const port = server.address().port;
  const context = await chromium.launchPersistentContext(path.join(dir, 'chromium'), {
    executablePath: CHROMIUM, headless: true, acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--use-gl=swiftshader', '--enable-unsafe-swiftshader',
      '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // Software GL is slow on a busy machine; the GPU watchdog then killed
      // the GPU thread and speedscope lost its WebGL context (its
      // framebuffer check threw "Assertion failed.", about 1 run in 60).
      // Without the watchdog: 0 in 140 runs, under extra load too.
      '--disable-gpu-watchdog'],
  });
  try {
    const page = await context.newPage();
    // Playwright's 30 s default was too short once on a machine loaded ten
    // times over (CI beside other builds): wait longer, fail only on a hang.
    page.setDefaultTimeout(120000);
    await page.setViewportSize({ width: 1400, height: 900 });
    const errors = [];
    const logs = [];
    let phase = 'loading';
    // Say when and where an error came: a bare "Assertion failed." names nothing.
    page.on('pageerror', (e) => errors.push(`${e} (while ${phase}) ${(e.stack || '').split('\n').slice(1, 4).join(' <- ')}`));
    page.on('console', (m) => logs.push(m.text()));
    // Say so when the browser, not the file, broke the drawing.
    await page.addInitScript(() => window.addEventListener('webglcontextlost',
      () => console.error('the browser lost the WebGL context (software GL)'), true));
    const url = `http://127.0.0.1:${port}/profiles/${fileName}`;
    await page.goto(`http://127.0.0.1:${port}/index.html#profileURL=${encodeURIComponent(url)}`);
    await page.getByText('Export').waitFor();
    const toolbar = await page.textContent('body');
    phase = 'exporting';
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Export').click()]);
    const exportedPath = path.join(dir, 'exported.json');
    await download.saveAs(exportedPath);
    phase = 'showing the Sandwich view';
    const rows = await sandwichRows(page, frameCount);
    return { errors, logs, toolbar, exported: JSON.parse(fs.readFileSync(exportedPath, 'utf8')), rows };
  } finally {
    await context.close();
    server.close();
  }
}

function oddBytesInput(dir) {
  const file = path.join(dir, 'odd.folded');
  const lines = [
    Buffer.concat([Buffer.from('main;bad'), Buffer.from([0xff]), Buffer.from('name 3\n')]),
    Buffer.concat([Buffer.from('main;sur'), Buffer.from([0xed, 0xb3, 0xbf]), Buffer.from('rogate (f'),
      Buffer.from([0xc3, 0xa9]), Buffer.from('.py:7) 5\n')]),
    Buffer.from('main;ctl\x01x;quote"back\\slash 2\n'),
    Buffer.from('main 1\n'),
    Buffer.from(' 4\n'), // samples of the root itself: an empty stack
  ];
  fs.writeFileSync(file, Buffer.concat(lines));
  return file;
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`skip: ${CHROMIUM} is missing (tests/install-deps.sh installs it)`);
    process.exit(77);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    console.log('skip: playwright-core is missing (tests/install-deps.sh runs npm ci in tests/browser)');
    process.exit(77);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-speedscope-'));
  try {
    const input = process.argv.includes('--odd-bytes') ? oddBytesInput(dir) : arg('--input');
    const fileName = 'ours.speedscope.json';
    // The odd bytes are no folded text the detector would bet on: say it.
    const from = process.argv.includes('--odd-bytes') ? ['--from', 'folded'] : [];
    const run = spawnSync(arg('--tool'), [...from, input, '-o', path.join(dir, fileName)], { encoding: 'utf8' });
    check(run.status === 0, `prof-convert writes ${fileName} from ${path.basename(input)} ${run.stderr}`);
    if (run.status !== 0) return;
    const text = fs.readFileSync(path.join(dir, fileName), 'utf8');
    const doc = JSON.parse(text);
    const schema = JSON.parse(fs.readFileSync(path.join(DIST, 'file-format-schema.json'), 'utf8'));
    const errs = [];
    validate(schema, schema, doc, '$', errs);
    check(errs.length === 0, `valid against speedscope's file-format-schema.json ${errs.slice(0, 5).join('; ')}`);
    const bad = facts(doc);
    check(bad.length === 0, `FORMATS.md 5e facts hold ${bad.join(', ')}`);

    const folded = input.endsWith('.folded');
    const expected = weightsOf(folded ? foldedStacks(fs.readFileSync(input)) : ourStacks(doc));
    const stacks = folded ? foldedStacks(fs.readFileSync(input)) : ourStacks(doc);
    const expectedTotal = stacks.reduce((a, st) => a + st.weight, 0);
    if (folded) {
      const ours = sameWeights(weightsOf(ourStacks(doc)), expected, 0);
      check(ours.length === 0, `our samples (root-first) give the folded counts ${ours.slice(0, 3).join('; ')}`);
    }

    const shown = await inBrowser(chromium, dir, fileName, expected.size);
    const lost = shown.logs.filter((l) => l.includes('lost the WebGL context'));
    check(shown.errors.length === 0, `speedscope loads it without script errors ${shown.errors.join('; ')} ${lost.join('; ')}`);
    check(shown.logs.includes('Importing as speedscope json file'), 'speedscope imports it as a speedscope file');
    const profName = doc.profiles[0].name;
    check(shown.toolbar.includes(profName), `the toolbar shows the profile name "${profName}"`);
    check(folded || profName.startsWith('approximate'), 'pstats input is named approximate');
    const ex = exportedWeights(shown.exported);
    const relTol = doc.profiles[0].unit === 'none' ? 0 : 1e-9;
    check(Math.abs(ex.total - expectedTotal) <= relTol * expectedTotal,
      `speedscope's total weight ${ex.total} equals ${expectedTotal} (${doc.profiles[0].unit})`);
    check(ex.unit === doc.profiles[0].unit, `speedscope keeps the unit ${ex.unit}`);
    const diff = sameWeights(ex.weights, expected, relTol);
    check(diff.length === 0, `all ${expected.size} frames: speedscope's self and total weights equal the expected ones ${diff.slice(0, 3).join('; ')}`);

    // The Sandwich table: total, self, name (name without its file).
    const nameOf = new Map(doc.shared.frames.map((f) => [frameKey(f), f.name]));
    const want = [...expected].map(([k, v]) => [v.total, v.self, nameOf.get(k)]);
    const num = (s) => Number(s.split(' (')[0].replace(/,/g, ''));
    const got = shown.rows.map((r) => [num(r[0]), num(r[1]), r[2]]);
    const fmt = (rows, withValues) => rows.map((r) => (withValues ? r.join('|') : r[2])).sort().join('\n');
    const exact = doc.profiles[0].unit === 'none';
    check(fmt(got, exact) === fmt(want, exact),
      `the Sandwich view lists the ${want.length} frames${exact ? ' with their total and self counts' : ''}`);
    if (process.argv.includes('--odd-bytes')) {
      const names = shown.rows.map((r) => r[2]);
      check(['bad\u00ffname', 'sur\udcffrogate', 'ctl\u0001x', 'quote"back\\slash'].every((n) =>
        names.includes(n) || names.includes(n.replace('\u0001', ''))),
      `odd names survive: ${JSON.stringify(names)}`);
      check(shown.exported.shared.frames.some((f) => f.name === 'sur\udcffrogate' && f.file === 'f\u00e9.py' && f.line === 7),
        'a surrogate name and a UTF-8 file name reach speedscope\'s model unchanged');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => {
  console.log(failures ? `${failures} check(s) failed` : 'all speedscope checks passed');
  process.exit(failures ? 1 : 0);
}).catch((e) => {
  console.log(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
