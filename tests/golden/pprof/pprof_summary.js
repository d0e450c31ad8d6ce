// Decodes a pprof file with pprof-format (npm, an independent decoder of
// profile.proto; tests/browser/package-lock.json pins it) and prints, as
// JSON, what a consumer sees:
//   - problems: broken pprof rules (string_table[0] not "", an id used but
//     not defined, an id 0 or twice, a value count unlike sample_type's);
//   - type: the sample type pprof shows by default (default_sample_type,
//     else the last) and its unit;
//   - functions: per function key "name|filename|start_line", flat (the
//     value of samples whose leaf frame it is) and cum (of samples where
//     it appears, once per sample), from that sample type;
//   - comments, and counts of samples, locations and functions.
// The leaf frame of a sample is the first Line of its first Location
// (inlined callees come first).
//
// usage: node pprof_summary.js FILE [FILE...]   (exit 77 without pprof-format)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { createRequire } = require('module');

let Profile;
try {
  const req = createRequire(path.join(__dirname, '..', '..', 'browser', 'package.json'));
  ({ Profile } = req('pprof-format'));
} catch (e) {
  console.error('skip: pprof-format is not installed (run tests/install-deps.sh)');
  process.exit(77);
}

function summarize(file) {
  const buf = fs.readFileSync(file);
  const raw = buf[0] === 0x1f && buf[1] === 0x8b ? zlib.gunzipSync(buf) : buf;
  const p = Profile.decode(raw);
  const st = p.stringTable.strings;
  const problems = [];
  const str = (i) => {
    const n = Number(i);
    if (!(n >= 0 && n < st.length)) problems.push(`string index ${i} out of range`);
    return st[n];
  };
  if (st.length === 0 || st[0] !== '') problems.push('string_table[0] is not ""');
  const table = (items, kind) => {
    const m = new Map();
    for (const it of items) {
      const id = String(it.id);
      if (id === '0') problems.push(`${kind} with id 0`);
      if (m.has(id)) problems.push(`${kind} id ${id} twice`);
      m.set(id, it);
    }
    return m;
  };
  const fns = table(p.function, 'function');
  const locs = table(p.location, 'location');
  const maps = table(p.mapping, 'mapping');
  const keyOf = new Map();
  for (const [id, f] of fns) keyOf.set(id, `${str(f.name)}|${str(f.filename)}|${String(f.startLine)}`);
  for (const l of p.location) {
    const mid = String(l.mappingId);
    if (mid !== '0' && !maps.has(mid)) problems.push(`location ${l.id}: mapping ${mid} missing`);
    for (const ln of l.line) {
      if (!fns.has(String(ln.functionId))) problems.push(`location ${l.id}: function ${ln.functionId} missing`);
    }
  }
  const types = p.sampleType.map((t) => [str(t.type), str(t.unit)]);
  let index = types.length - 1;
  const dflt = str(p.defaultSampleType);
  if (dflt) types.forEach((t, i) => { if (t[0] === dflt) index = i; });
  const functions = {};
  const add = (key, flat, cum) => {
    const f = functions[key] || (functions[key] = [0, 0]);
    f[0] += flat;
    f[1] += cum;
  };
  for (const s of p.sample) {
    if (s.value.length !== types.length) problems.push(`sample with ${s.value.length} values`);
    const v = Number(s.value[index]);
    const seen = new Set();
    s.locationId.forEach((lid, depth) => {
      const l = locs.get(String(lid));
      if (!l) { problems.push(`sample: location ${lid} missing`); return; }
      l.line.forEach((ln, k) => {
        const key = keyOf.get(String(ln.functionId));
        if (key === undefined) return;
        if (depth === 0 && k === 0) add(key, v, 0);
        if (!seen.has(key)) { seen.add(key); add(key, 0, v); }
      });
    });
  }
  return {
    file, problems, type: types[index] || null, functions,
    comments: p.comment.map((c) => str(c)),
    samples: p.sample.length, locations: p.location.length, nfunctions: p.function.length,
  };
}

console.log(JSON.stringify(process.argv.slice(2).map(summarize)));
