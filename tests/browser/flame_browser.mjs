// A real-browser test of prof-flame's SVG: headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) opens the flame graph from
// a localhost server, then
//   - hovers a frame: the details line shows "Function: <title>";
//   - clicks a frame: it spans the width, its descendants scale by the same
//     ratio from its left edge, its ancestors span the width faded
//     ("parent"), everything else is hidden, "Reset Zoom" shows, and the
//     URL holds x and y; "Reset Zoom" restores every frame;
//   - searches (Ctrl-F answers the prompt): matching frames turn
//     rgb(230,0,230), the others keep their colour, "Matched: P%" shows the
//     share of samples under the outermost matches, and the URL holds s;
//     "ic" makes the search ignore case; clicking "Reset Search" undoes it;
//   - loads a URL with x, y and s: the zoom and search come back.
// Every expectation is computed here from the SVG's own frames (titles and
// rectangles), independently of the page's script.
//
// usage: node flame_browser.mjs --tool PROF_FLAME --input FILE.folded --search REGEX [--inverted]
// (--inverted draws an icicle graph, where ancestors sit above)
// exit 0 pass, 1 fail, 77 skip (no Chromium or no playwright-core: run
// tests/install-deps.sh).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const FULL = 1180; // width 1200 - 2 * xpad 10
const XPAD = 10;
const INVERTED = process.argv.includes('--inverted');

function arg(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing ${name}`);
  return process.argv[i + 1];
}

let failures = 0;
function check(ok, what) {
  if (ok) {
    console.log(`ok: ${what}`);
  } else {
    console.log(`FAIL: ${what}`);
    failures++;
  }
}
function near(a, b, eps = 0.01) {
  return Math.abs(a - b) <= eps;
}

// Frames as the SVG file has them: title, x, y, width, fill.
function framesOf(svgText) {
  const out = [];
  const re = /<g >\n<title>([^<]*)<\/title><rect x="([^"]*)" y="([^"]*)" width="([^"]*)" height="[^"]*" fill="([^"]*)"/g;
  let m;
  while ((m = re.exec(svgText)) !== null) {
    const title = m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    const cut = title.lastIndexOf(' (');
    out.push({
      title, name: title.substring(0, cut),
      samples: Number(title.substring(cut + 2).split(' ')[0].replace(/,/g, '')),
      xs: m[2], ys: m[3], x: Number(m[2]), y: Number(m[3]), w: Number(m[4]), fill: m[5],
    });
  }
  return out;
}

// Is a an ancestor of b? Ancestors sit lower (larger y; higher in an
// icicle graph) and span b.
function isAncestor(a, b) {
  return (INVERTED ? a.y < b.y : a.y > b.y) && a.x <= b.x + 1e-4 && a.x + a.w + 1e-4 >= b.x + b.w;
}

function expectedMatched(frames, re) {
  const hits = frames.filter((f) => re.test(f.name));
  const root = frames.reduce((r, f) => (f.w > r.w ? f : r));
  const counted = hits.filter((f) => !hits.some((h) => h !== f && isAncestor(h, f)))
    .reduce((s, f) => s + f.samples, 0);
  const pct = (100 * counted) / root.samples;
  return { hits, text: `Matched: ${pct === 100 ? '100' : pct.toFixed(1)}%` };
}

async function pageFrames(page) {
  return page.$$eval('#frames > g', (gs) => gs.map((g) => {
    const r = g.querySelector('rect');
    return {
      title: g.querySelector('title').textContent,
      x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')),
      ys: r.getAttribute('y'), fill: r.getAttribute('fill'),
      label: g.querySelector('text').textContent,
      hidden: g.classList.contains('hide'), parent: g.classList.contains('parent'),
    };
  }));
}

function serve(dir) {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(new URL(req.url, 'http://x').pathname));
    if (!fs.existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'image/svg+xml' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function testZoom(page, frames) {
  // A frame with descendants and ancestors besides the root, at most 60%
  // wide so the zoom is a real one: the widest such frame.
  const root = frames.reduce((r, f) => (f.w > r.w ? f : r));
  const candidates = frames.filter((f) => f !== root && f.w < 0.6 * FULL &&
    frames.some((c) => isAncestor(f, c)) && frames.some((a) => a !== root && isAncestor(a, f)));
  const target = candidates.reduce((b, f) => (f.w > b.w ? f : b));
  const ratio = FULL / target.w;
  const box = await page.locator(`#frames rect[x="${target.xs}"][y="${target.ys}"]`).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const details = await page.textContent('#details');
  check(details === `Function: ${target.title}`, `hover shows the details line (${details})`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);

  const after = await pageFrames(page);
  let scaled = 0, hidden = 0, parents = 0, bad = [];
  after.forEach((f, i) => {
    const o = frames[i];
    if (o === target) {
      if (!near(f.x, XPAD) || !near(f.w, FULL)) bad.push(`target ${f.x} ${f.w}`);
    } else if (isAncestor(target, o) || (o.y === target.y && o.x === target.x)) {
      const wx = (o.x - target.x) * ratio + XPAD, ww = o.w * ratio;
      if (f.hidden || !near(f.x, wx, 1e-6 * FULL) || !near(f.w, ww, 1e-6 * FULL)) bad.push(`child ${o.title}: ${f.x},${f.w} != ${wx},${ww}`);
      scaled++;
    } else if (isAncestor(o, target)) {
      if (!f.parent || !near(f.w, FULL) || !near(f.x, XPAD)) bad.push(`ancestor ${o.title}`);
      parents++;
    } else {
      if (!f.hidden) bad.push(`unrelated ${o.title} not hidden`);
      hidden++;
    }
  });
  check(bad.length === 0, `click zooms: target spans ${FULL}px, ${scaled} descendants scaled x${ratio.toFixed(3)}, ${parents} ancestors faded, ${hidden} others hidden ${bad.slice(0, 3).join('; ')}`);
  const labelled = after.filter((f, i) => !f.hidden && frames[i] !== root && f.w / (12 * 0.59) >= 3);
  check(labelled.every((f) => f.label.length > 0), 'zoomed frames wide enough have labels');
  check(!(await page.getAttribute('#unzoom', 'class')).includes('hide'), '"Reset Zoom" is shown');
  const url = new URL(page.url());
  check(url.searchParams.get('x') === target.xs && url.searchParams.get('y') === target.ys,
    `the URL keeps the zoom (${url.search})`);

  await page.click('#unzoom');
  const back = await pageFrames(page);
  check(back.every((f, i) => near(f.x, frames[i].x, 1e-9) && near(f.w, frames[i].w, 1e-9) && !f.hidden && !f.parent),
    '"Reset Zoom" restores every frame');
  check(!new URL(page.url()).searchParams.has('x'), 'the URL forgets the zoom');
  return target;
}

async function testSearch(page, frames, pattern) {
  const re = new RegExp(pattern);
  const want = expectedMatched(frames, re);
  page.once('dialog', (d) => d.accept(pattern));
  await page.keyboard.press('Control+f');
  await page.waitForFunction(() => document.getElementById('search').textContent === 'Reset Search');
  const after = await pageFrames(page);
  const wrong = after.filter((f, i) => (want.hits.includes(frames[i]) ? f.fill !== 'rgb(230,0,230)' : f.fill !== frames[i].fill));
  check(want.hits.length > 0 && wrong.length === 0, `search /${pattern}/ paints ${want.hits.length} frames`);
  const matched = await page.textContent('#matched');
  check(matched === want.text, `"${matched}" is "${want.text}"`);
  check(new URL(page.url()).searchParams.get('s') === pattern, 'the URL keeps the search');

  // Ignore case: the upper-case pattern finds the same frames.
  await page.click('#search'); // reset
  const reset = await pageFrames(page);
  check(reset.every((f, i) => f.fill === frames[i].fill), '"Reset Search" restores the colours');
  check((await page.getAttribute('#matched', 'class') || '').includes('hide'), 'the Matched text hides');
  await page.click('#ignorecase');
  page.once('dialog', (d) => d.accept(pattern.toUpperCase()));
  await page.click('#search');
  await page.waitForFunction(() => document.getElementById('search').textContent === 'Reset Search');
  check(await page.textContent('#matched') === want.text, `with "ic", /${pattern.toUpperCase()}/ matches the same`);
  await page.click('#search');
  await page.click('#ignorecase');
}

async function testUrlState(page, base, frames, target, pattern) {
  const want = expectedMatched(frames, new RegExp(pattern));
  await page.goto(`${base}?x=${encodeURIComponent(target.xs)}&y=${encodeURIComponent(target.ys)}&s=${encodeURIComponent(pattern)}`);
  const after = await pageFrames(page);
  const t = after[frames.indexOf(target)];
  check(near(t.x, XPAD) && near(t.w, FULL), 'a URL with x and y opens zoomed');
  check(await page.textContent('#matched') === want.text, 'a URL with s opens searched');
}

async function main() {
  let chromium;
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`skip: ${CHROMIUM} is missing (tests/install-deps.sh installs it)`);
    process.exit(77);
  }
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    console.log('skip: playwright-core is missing (tests/install-deps.sh runs npm ci in tests/browser)');
    process.exit(77);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-flame-browser-'));
  const svgPath = path.join(dir, 'flame.svg');
  const run = spawnSync(arg('--tool'), [arg('--input'), '-o', svgPath].concat(INVERTED ? ['--inverted'] : []),
    { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`prof-flame failed: ${run.stderr}`);
  const frames = framesOf(fs.readFileSync(svgPath, 'utf8'));
  const pattern = arg('--search');
  const server = await serve(dir);
  const base = `http://127.0.0.1:${server.address().port}/flame.svg`;
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    // Playwright's 30 s default was too short once on a machine loaded ten
    // times over (CI beside other builds): wait longer, fail only on a hang.
    page.setDefaultTimeout(120000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base);
    const shown = await pageFrames(page);
    check(shown.length === frames.length && frames.length > 10, `${frames.length} frames load`);
    const target = await testZoom(page, frames);
    await testSearch(page, frames, pattern);
    await testUrlState(page, base, frames, target, pattern);
    check(errors.length === 0, `no script errors ${errors.join('; ')}`);
  } finally {
    await context.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(failures ? `${failures} check(s) failed` : 'all browser checks passed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
