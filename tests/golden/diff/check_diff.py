#!/usr/bin/env python3
"""prof-diff and prof2dot --diff against an independent computation.

    check_diff.py --diff PATH/TO/prof-diff --dot PATH/TO/prof2dot

No reference tool prints a diff table, so this script computes one itself
from what the reference readers load -- Python's pstats.Stats (with its own
strip_dirs()), line_profiler's load_stats and mprof's read_mprofile_file
(through reference.py under an interpreter that has them) -- and compares:

  * every row of `prof-diff --format json`: status (both/new/vanished), how
    it matched (exact, moved: same file and name on another line, none),
    the lines on both sides, and before/after/delta/percent of every metric
    (relative tolerance 1e-12), plus the totals; the row order (largest
    increase of the ranking metric first, ties in row order), --min-delta,
    --limit, --normalize, --strip-dirs, --exact, --sort;
  * --format csv: the same rows, the same numbers exactly;
  * --format text and markdown: the same rows in the same order, a
    well-formed Markdown table (same cell count on every line);
  * the gate: --fail-on rules (percent, absolute, total, peak, decreases)
    give exit 1 and exactly the breach lines computed here, exit 0 when
    nothing is breached, exit 2 and one line for bad rules;
  * prof2dot --diff: every node's and edge's colour direction (red slower,
    blue faster, grey within 5%, purple new) and its label numbers against
    the cumulative times computed here.

Prints `N passed, M failed` last; exit status 1 if M > 0.
"""

import argparse
import colorsys
import csv
import io
import json
import math
import os
import pstats
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
P = os.path.join("samples", "pstats")
D = os.path.join("samples", "diff")
M = os.path.join("samples", "mprof")
L = os.path.join("samples", "lprof")
REF_PYTHONS = ["/usr/bin/python3", sys.executable]

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))
    return ok


def run(tool, args):
    p = subprocess.run([tool] + args, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), \
        p.stderr.decode("utf-8", "surrogateescape")


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-300


# ---- the independent computation ----

def basename(path):
    return path.rsplit("/", 1)[-1]


def match(keys_b, keys_a, exact_only, group=lambda k: None):
    """Pairs AFTER keys with BEFORE keys: equal keys in order, then a
    (group, file, name) left unique on both sides. Keys are
    (file, line, name) tuples; returns {after index: (before index, how)}."""
    pairs, used = {}, set()
    by_key = {}
    for i, k in enumerate(keys_b):
        by_key.setdefault((group(i, "b"), k), []).append(i)
    for j, k in enumerate(keys_a):
        cands = [i for i in by_key.get((group(j, "a"), k), []) if i not in used]
        if cands:
            pairs[j] = (cands[0], "exact")
            used.add(cands[0])
    if exact_only:
        return pairs
    left_b, left_a = {}, {}
    for i, k in enumerate(keys_b):
        if i not in used:
            left_b.setdefault((group(i, "b"), k[0], k[2]), []).append(i)
    for j, k in enumerate(keys_a):
        if j not in pairs:
            left_a.setdefault((group(j, "a"), k[0], k[2]), []).append(j)
    for fk, js in left_a.items():
        if len(js) == 1 and len(left_b.get(fk, [])) == 1:
            pairs[js[0]] = (left_b[fk][0], "moved")
    return pairs


def make_rows(keys_b, vals_b, keys_a, vals_a, pairs, line_of=lambda k: k[1]):
    rows, used = [], set()
    zero = [0.0] * len(vals_a[0] if vals_a else vals_b[0] if vals_b else [])
    for j, k in enumerate(keys_a):
        i, how = pairs.get(j, (None, "none"))
        if i is not None:
            used.add(i)
        rows.append({"status": "both" if i is not None else "new", "match": how,
                     "file": k[0], "function": k[2],
                     "line_before": line_of(keys_b[i]) if i is not None else None,
                     "line_after": line_of(k),
                     "before": list(vals_b[i]) if i is not None else list(zero),
                     "after": list(vals_a[j])})
    for i, k in enumerate(keys_b):
        if i not in used:
            rows.append({"status": "vanished", "match": "none", "file": k[0],
                         "function": k[2], "line_before": line_of(k), "line_after": None,
                         "before": list(vals_b[i]), "after": list(zero)})
    return rows


def pstats_side(path, strip):
    st = pstats.Stats(os.path.join(ROOT, path))
    if strip:
        st.strip_dirs()
    keys = list(st.stats)
    vals = [[v[2], v[3], float(v[1])] for v in st.stats.values()]
    return keys, vals, st.total_tt, st


def expected_functions(before, after, strip=False, exact=False, normalize=False):
    kb, vb, tb, _ = pstats_side(before, strip)
    ka, va, ta, _ = pstats_side(after, strip)
    rows = make_rows(kb, vb, ka, va, match(kb, ka, exact, lambda i, s: 0))
    scale = 1.0
    if normalize:
        scale = ta / tb
        for r in rows:
            r["before"][0] *= scale
            r["before"][1] *= scale
        tb = ta
    return {"metrics": ["tottime", "cumtime", "ncalls"], "units": ["s", "s", ""],
            "rows": rows, "total": (tb, ta), "scale": scale, "default": "tottime"}


def reference(kind, path):
    for py in REF_PYTHONS:
        if not os.path.exists(py):
            continue
        p = subprocess.run([py, os.path.join(HERE, "reference.py"), kind,
                            os.path.join(ROOT, path)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode == 0:
            return json.loads(p.stdout)
    return None


def expected_lines(before, after, strip=False, exact=False, normalize=False):
    rb, ra = reference("lprof", before), reference("lprof", after)
    if rb is None or ra is None:
        return None
    fk = lambda f: (basename(f[0]) if strip else f[0], f[1], f[2])
    fkb, fka = [fk(f) for f in rb["functions"]], [fk(f) for f in ra["functions"]]
    fpairs = match(fkb, fka, exact, lambda i, s: 0)
    group_a = {j: j for j in fpairs}
    group_b = {i: j for j, (i, _) in fpairs.items()}

    def lines(ref, keys, groups, side):
        out = []
        for fi, f in enumerate(ref["functions"]):
            g = groups.get(fi, (side, fi))
            for ln, hits, ticks in f[3]:
                out.append((g, keys[fi], ln, [ticks * ref["unit"], float(hits)]))
        return out

    lb = lines(rb, fkb, group_b, "b")
    la = lines(ra, fka, group_a, "a")
    key = lambda e: (e[1][0], e[2] - e[1][1], "")
    kb = [key(e) for e in lb]
    ka = [key(e) for e in la]
    pairs = match(kb, ka, True, lambda i, s: (lb if s == "b" else la)[i][0])
    for j in list(pairs):
        pairs[j] = (pairs[j][0], fpairs[la[j][0]][1])
    rows = make_rows([(e[1][0], e[2], e[1][2]) for e in lb], [e[3] for e in lb],
                     [(e[1][0], e[2], e[1][2]) for e in la], [e[3] for e in la], pairs)
    tb = sum(e[3][0] for e in lb)
    ta = sum(e[3][0] for e in la)
    scale = 1.0
    if normalize:
        scale = ta / tb
        for r in rows:
            r["before"][0] *= scale
        tb = ta
    return {"metrics": ["time", "hits"], "units": ["s", ""], "rows": rows,
            "total": (tb, ta), "scale": scale, "default": "time"}


def expected_memory(before, after):
    rb, ra = reference("mprof", before), reference("mprof", after)
    if rb is None or ra is None:
        return None

    def side(ref):
        names = sorted(ref["calls"], key=lambda s: s.encode("utf-8", "surrogateescape"))
        vals = []
        for n in names:
            inc = tm = mx = 0.0
            for t0, t1, m0, m1 in ref["calls"][n]:
                inc += m1 - m0
                tm += t1 - t0
                mx = max(mx, m0, m1)
            vals.append([inc, mx, float(len(ref["calls"][n])), tm])
        return [("", 0, n) for n in names], vals

    kb, vb = side(rb)
    ka, va = side(ra)
    rows = make_rows(kb, vb, ka, va, match(kb, ka, True, lambda i, s: 0),
                     line_of=lambda k: None)
    return {"metrics": ["increment", "maxmem", "ncalls", "time"],
            "units": ["MiB", "MiB", "", "s"], "rows": rows,
            "total": (rb["peak"], ra["peak"]), "scale": 1.0, "default": "increment"}


def row_name(kind, r):
    if kind == "memory":
        return r["function"]
    line = r["line_after"] if r["line_after"] is not None else r["line_before"]
    f = r["function"]
    if r["file"] == "~" and line == 0:
        return "{%s}" % f[1:-1] if f.startswith("<") and f.endswith(">") else f
    return "%s:%d(%s)" % (r["file"], line, f)


def percent(b, a):
    return None if b == 0 else 100.0 * (a - b) / b


def ordered(exp, metric, sort="regression", min_delta=None, limit=None):
    m = exp["metrics"].index(metric)
    rows = exp["rows"]
    if min_delta is not None:
        sign, value, is_pct = min_delta
        keep = []
        for r in rows:
            ch = r["after"][m] - r["before"][m]
            ch = ch * sign if sign else abs(ch)
            if not is_pct:
                ok = ch >= value
            elif r["before"][m] == 0:
                ok = ch > 0
            else:
                ok = 100.0 * ch / abs(r["before"][m]) >= value
            if ok:
                keep.append(r)
        rows = keep
    if sort == "regression":
        rows = sorted(rows, key=lambda r: -(r["after"][m] - r["before"][m]))
    elif sort == "value":
        rows = sorted(rows, key=lambda r: -(r["before"][m] if r["status"] == "vanished"
                                             else r["after"][m]))
    return rows[:limit] if limit else rows


# ---- comparing prof-diff's output ----

def compare_json(name, doc, exp, rows, kind):
    bad = []
    if doc["kind"] != kind:
        bad.append("kind %s" % doc["kind"])
    if [m["name"] for m in doc["metrics"]] != exp["metrics"]:
        bad.append("metrics %s" % doc["metrics"])
    tb, ta = exp["total"]
    if not (close(doc["total"]["before"], tb) and close(doc["total"]["after"], ta)):
        bad.append("total %s vs %s" % (doc["total"], exp["total"]))
    if not close(doc["scale"], exp["scale"]):
        bad.append("scale %r vs %r" % (doc["scale"], exp["scale"]))
    if doc["row_count"] != len(exp["rows"]):
        bad.append("row_count %d vs %d" % (doc["row_count"], len(exp["rows"])))
    if len(doc["rows"]) != len(rows):
        bad.append("%d rows printed, expected %d" % (len(doc["rows"]), len(rows)))
    for got, want in zip(doc["rows"], rows):
        if len(bad) > 5:
            break
        ident = ("status", "match", "file", "function", "line_before", "line_after")
        if any(got[k] != want[k] for k in ident):
            bad.append("row %s vs %s" % ({k: got[k] for k in ident},
                                          {k: want[k] for k in ident}))
            continue
        if got["name"] != row_name(kind, want):
            bad.append("name %r vs %r" % (got["name"], row_name(kind, want)))
        for mi, mn in enumerate(exp["metrics"]):
            b, a = want["before"][mi], want["after"][mi]
            triples = [("before", got["before"][mn], b), ("after", got["after"][mn], a),
                       ("delta", got["delta"][mn], a - b),
                       ("percent", got["percent"][mn], percent(b, a))]
            for what, g, w in triples:
                if not close(g, w):
                    bad.append("%s %s %s: %r vs %r" % (got["name"], mn, what, g, w))
    return check(name, not bad, "; ".join(bad[:6]))


def compare_csv(name, text, doc):
    rd = list(csv.DictReader(io.StringIO(text)))
    bad = []
    if len(rd) != len(doc["rows"]):
        bad.append("%d csv rows vs %d json rows" % (len(rd), len(doc["rows"])))
    for c, j in zip(rd, doc["rows"]):
        if c["name"] != j["name"] or c["status"] != j["status"] or c["match"] != j["match"]:
            bad.append("row %s vs %s" % (c["name"], j["name"]))
        for mn in j["before"]:
            for part in ("before", "after", "delta", "percent"):
                cell = c["%s_%s" % (mn, part)]
                v = j[part][mn]
                if (v is None and cell != "") or (v is not None and float(cell) != v):
                    bad.append("%s %s_%s %r vs %r" % (j["name"], mn, part, cell, v))
    return check(name, not bad, "; ".join(bad[:6]))


def compare_text(name, text, doc):
    lines = text.splitlines()
    body = lines[lines.index("") + 3:] if "" in lines else []
    names = [j["name"] for j in doc["rows"]]
    ok = len(body) == len(names) and all(n in l for n, l in zip(names, body))
    return check(name, ok, "%d lines for %d rows" % (len(body), len(names)))


def md_cells(line):
    """Cells of a Markdown table line: '|' not escaped by a backslash."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def compare_markdown(name, text, doc):
    table = [l for l in text.splitlines() if l.startswith("|")]
    bad = []
    if len(table) < 2 or not all(re.fullmatch(r"-+:?", c) for c in md_cells(table[1])):
        bad.append("no header separator")
    width = len(md_cells(table[0])) if table else 0
    if any(len(md_cells(l)) != width for l in table):
        bad.append("rows with another cell count than the header's %d" % width)
    names = [md_cells(l)[0] for l in table[2:]]
    want = ["`%s`" % j["name"].replace("|", "\\|") for j in doc["rows"]]
    if names != want:
        bad.append("names differ: %s vs %s" % (names[:3], want[:3]))
    return check(name, not bad, "; ".join(bad))


def diff_case(tool, name, kind, exp, args, metric=None, sort="regression",
              min_delta=None, limit=None):
    if exp is None:
        print("skip %s: the reference module (line_profiler / mprof) is not installed" % name)
        return
    metric = metric or exp["default"]
    rows = ordered(exp, metric, sort, min_delta, limit)
    rc, out, err = run(tool, args + ["--format", "json"])
    if not check(name + " json exit", rc == 0 and err == "", "rc %d: %s" % (rc, err)):
        return
    doc = json.loads(out)
    compare_json(name + " json", doc, exp, rows, kind)
    rc, out, err = run(tool, args + ["--format", "csv"])
    compare_csv(name + " csv", out, doc)
    rc, out, err = run(tool, args)
    compare_text(name + " text", out, doc)
    rc, out, err = run(tool, args + ["--format", "markdown"])
    compare_markdown(name + " markdown", out, doc)


def pstats_cases(tool):
    v1, v2 = os.path.join(D, "diffapp_v1.pstats"), os.path.join(D, "diffapp_v2.pstats")
    v1b = os.path.join(D, "diffapp_v1b.pstats")
    wf10 = os.path.join(P, "wordfreq_cprofile_py3.10.13.pstats")
    wf11 = os.path.join(P, "wordfreq_cprofile_py3.11.7.pstats")
    sh = os.path.join(P, "shapes_cprofile_py3.11.7.pstats")
    shroot = os.path.join(P, "shapes_cprofile_rootpath_py3.11.7.pstats")
    rec11 = os.path.join(P, "recursion_cprofile_py3.11.7.pstats")
    rec12 = os.path.join(P, "recursion_cprofile_py3.12.1.pstats")
    std2 = os.path.join(P, "stdlib_mix_cprofile_py3.11.2.pstats")
    std7 = os.path.join(P, "stdlib_mix_cprofile_py3.11.7.pstats")

    exp = expected_functions(v1, v2)
    moved = [r for r in exp["rows"] if r["match"] == "moved"]
    check("diffapp v1 -> v2: moved functions found independently", len(moved) >= 5,
          "%d moved" % len(moved))
    diff_case(tool, "diffapp v1 -> v2", "functions", exp, [v1, v2])
    diff_case(tool, "diffapp v1 -> v2 --exact", "functions",
              expected_functions(v1, v2, exact=True), ["--exact", v1, v2])
    diff_case(tool, "diffapp v1 -> v2 by cumtime, 5 rows", "functions", exp,
              ["--sort", "cumtime", "-n", "5", v1, v2], metric="cumtime", limit=5)
    diff_case(tool, "diffapp v1 -> v2 --sort value --metric ncalls", "functions", exp,
              ["--sort", "value", "--metric", "ncalls", v1, v2], metric="ncalls",
              sort="value")
    diff_case(tool, "diffapp v1 -> v1b (run-to-run noise)", "functions",
              expected_functions(v1, v1b), [v1, v1b])
    diff_case(tool, "wordfreq 3.10 -> 3.11", "functions", expected_functions(wf10, wf11),
              [wf10, wf11])
    diff_case(tool, "wordfreq 3.10 -> 3.11 --min-delta 100us", "functions",
              expected_functions(wf10, wf11), ["--min-delta", "100us", wf10, wf11],
              min_delta=(0, 1e-4, False))
    diff_case(tool, "wordfreq 3.10 -> 3.11 --min-delta +20% on cumtime", "functions",
              expected_functions(wf10, wf11),
              ["--min-delta", "+20%", "--metric", "cumtime", wf10, wf11],
              metric="cumtime", min_delta=(1, 20.0, True))
    diff_case(tool, "shapes relative -> rootpath", "functions", expected_functions(sh, shroot),
              [sh, shroot])
    diff_case(tool, "shapes relative -> rootpath --strip-dirs", "functions",
              expected_functions(sh, shroot, strip=True), ["-S", sh, shroot])
    diff_case(tool, "recursion 3.11 -> 3.12 --normalize", "functions",
              expected_functions(rec11, rec12, normalize=True), ["--normalize", rec11, rec12])
    diff_case(tool, "stdlib_mix 3.11.2 -> 3.11.7 -S --normalize", "functions",
              expected_functions(std2, std7, strip=True, normalize=True),
              ["-S", "--normalize", std2, std7])
    return exp


def undecodable_name_case(tool):
    """Python 2 and 3 profiles of a file name that is not UTF-8 name it alike
    (raw byte in one, surrogate in the other), and text shows the byte."""
    u27, u311 = [os.path.join(ROOT, "samples", "pstats", "undecodable_name_cprofile_py%s.pstats" % v)
                 for v in ("2.7.18", "3.11.7")]
    rc, out, err = run(tool, ["--exact", u27, u311])
    rows = [line for line in out.splitlines() if line.endswith(":1(lat_func)")]
    check("undecodable file name: one row for both files, printed as its byte",
          rc == 0 and len(rows) == 1 and rows[0].endswith(" lat\udce9n/latmod.py:1(lat_func)")
          and " new " not in rows[0], "rc %d rows %r %s" % (rc, rows, err))


def other_cases(tool):
    undecodable_name_case(tool)
    v1, v2 = os.path.join(D, "diffapp_v1.lprof"), os.path.join(D, "diffapp_v2.lprof")
    demo = os.path.join(L, "lines_demo.lprof")
    demo_root = os.path.join(L, "lines_demo_rootpath.lprof")
    diff_case(tool, "diffapp.lprof v1 -> v2", "lines", expected_lines(v1, v2), [v1, v2])
    diff_case(tool, "lines_demo -> rootpath -S", "lines",
              expected_lines(demo, demo_root, strip=True), ["-S", demo, demo_root])
    diff_case(tool, "lines_demo -> rootpath --normalize", "lines",
              expected_lines(demo, demo_root, normalize=True), ["--normalize", demo, demo_root])
    for a, b in (("alloc", "alloc_fine"), ("alloc", "alloc_twice"), ("block", "alloc")):
        pa, pb = os.path.join(M, a + ".dat"), os.path.join(M, b + ".dat")
        diff_case(tool, "mprof %s -> %s" % (a, b), "memory", expected_memory(pa, pb), [pa, pb])


# ---- the gate ----

def fmt_value(v, unit):
    return "%.6g%s" % (v, unit)


def breach_line(kind, exp, rule, row, metric):
    mname, thr = rule.split(":", 1)
    sign = -1 if thr.startswith("-") else 1
    text = thr if thr[0] in "+-" else "+" + thr
    if row is None:
        b, a = exp["total"]
        unit = "MiB" if kind == "memory" else "s"
        name = "peak memory" if kind == "memory" else "total time"
    else:
        mi = exp["metrics"].index(metric)
        b, a = row["before"][mi], row["after"][mi]
        unit = exp["units"][mi]
        name = row_name(kind, row) + " " + metric
    change = "%+.1f%%" % (100.0 * (a - b) / b) if thr.endswith("%") else \
        "%+.6g%s" % (a - b, unit)
    return "prof-diff: %s: %s %s (%s -> %s) exceeds %s" % (
        "regression" if sign > 0 else "decrease", name, change, fmt_value(b, unit),
        fmt_value(a, unit), text)


def parse_limit(thr):
    units = {"%": 1.0, "ms": 1e-3, "us": 1e-6, "MiB": 1.0, "KiB": 1 / 1024.0, "s": 1.0}
    sign = -1 if thr.startswith("-") else 1
    body = thr.lstrip("+-")
    for u in ("ms", "us", "MiB", "KiB", "%", "s"):
        if body.endswith(u):
            return sign, float(body[:-len(u)]) * units[u], u == "%"
    return sign, float(body), False


def expected_breaches(kind, exp, rules):
    lines = []
    for rule in rules:
        mname, thr = rule.split(":", 1)
        sign, value, pct = parse_limit(thr)
        if mname in ("total", "peak"):
            cands = [(None, exp["total"])]
        else:
            mi = exp["metrics"].index(mname)
            cands = [(r, (r["before"][mi], r["after"][mi]))
                     for r in ordered(exp, exp["default"])]
        for row, (b, a) in cands:
            ch = sign * (a - b)
            hit = (b > 0 and 100.0 * ch / b > value) if pct else ch > value
            if hit:
                lines.append(breach_line(kind, exp, rule, row, mname))
    return lines


def gate_case(tool, name, kind, exp, files, rules, want_rc):
    args = []
    for r in rules:
        args += ["--fail-on", r]
    rc, out, err = run(tool, args + files)
    want = expected_breaches(kind, exp, rules)
    ok = rc == want_rc and err.splitlines() == want and (want_rc == 1) == bool(want)
    check("gate " + name, ok, "rc %d (want %d), stderr %r, want %r" %
          (rc, want_rc, err.splitlines()[:3], want[:3]))


def gate_cases(tool, exp):
    v1, v2 = os.path.join(D, "diffapp_v1.pstats"), os.path.join(D, "diffapp_v2.pstats")
    gate_case(tool, "cumtime +10%", "functions", exp, [v1, v2], ["cumtime:+10%"], 1)
    gate_case(tool, "total +5% and cumtime +10%", "functions", exp, [v1, v2],
              ["cumtime:+10%", "total:+5%"], 1)
    gate_case(tool, "tottime +5ms (absolute)", "functions", exp, [v1, v2], ["tottime:+5ms"], 1)
    gate_case(tool, "ncalls +10000 (counts)", "functions", exp, [v1, v2], ["ncalls:+10000"], 1)
    gate_case(tool, "tottime -5ms (a decrease)", "functions", exp, [v1, v2], ["tottime:-5ms"], 1)
    gate_case(tool, "total +1000% not breached", "functions", exp, [v1, v2],
              ["total:+1000%"], 0)
    gate_case(tool, "total 50 (no sign, no unit: seconds) not breached", "functions", exp,
              [v1, v2], ["total:50"], 0)
    back = expected_functions(v2, v1)
    gate_case(tool, "v2 -> v1 total +5% not breached", "functions", back, [v2, v1],
              ["total:+5%"], 0)
    mem = expected_memory(os.path.join(M, "alloc.dat"), os.path.join(M, "alloc_fine.dat"))
    if mem is not None:
        gate_case(tool, "mprof peak +1MiB", "memory", mem,
                  [os.path.join(M, "alloc.dat"), os.path.join(M, "alloc_fine.dat")],
                  ["peak:+1MiB", "increment:+10KiB"], 1)
    # min-delta limits the rows the rules see
    rc, out, err = run(tool, ["--min-delta", "1s", "--fail-on", "cumtime:+10%", v1, v2])
    check("gate sees only rows kept by --min-delta", rc == 0 and err == "", "rc %d %r" % (rc, err))
    for bad, why in (("cumtime", "METRIC:THRESHOLD"), ("cumtime:abc", "does not start"),
                     ("cumtime:+5MiB", "in seconds"), ("nosuch:+1%", "no metric 'nosuch'"),
                     ("cumtime:+5parsecs", "unknown unit"), ("peak:+1MiB", "no metric 'peak'")):
        rc, out, err = run(tool, ["--fail-on", bad, v1, v2])
        lines = err.splitlines()
        check("bad rule %r: exit 2, one message" % bad,
              rc == 2 and out == "" and lines and lines[0].startswith("prof-diff: ") and
              why in lines[0] and len([l for l in lines if not l.startswith("try ")]) == 1,
              "rc %d, stderr %r" % (rc, err))
    rc, out, err = run(tool, [v1])
    check("one profile is a usage error", rc == 2 and "two profiles" in err, err)
    rc, out, err = run(tool, [os.path.join(M, "alloc.dat"), v1])
    check("memory against time is an input error", rc == 2 and err.count("\n") == 1, err)


# ---- prof2dot --diff ----

NODE = re.compile(r'^\t(\d+) \[color="(#[0-9a-f]{6})", fontcolor="#[0-9a-f]{6}", '
                  r'fontsize="[0-9.]+", label="((?:[^"\\]|\\.)*)", tooltip="((?:[^"\\]|\\.)*)"\];$',
                  re.M)
EDGE = re.compile(r'^\t(\d+) -> (\d+) \[arrowsize="[0-9.]+", color="(#[0-9a-f]{6})", '
                  r'fontcolor="#[0-9a-f]{6}", fontsize="[0-9.]+", label="((?:[^"\\]|\\.)*)"',
                  re.M)


def unescape(s):
    return s.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def colour_class(hexcol):
    r, g, b = (int(hexcol[i:i + 2], 16) / 255.0 for i in (1, 3, 5))
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.05:
        return "same"
    if abs(h - 0.8) < 0.03:
        return "new"
    if h < 0.03 or h > 0.97:
        return "slower"
    if abs(h - 2 / 3.0) < 0.03:
        return "faster"
    return "?" + hexcol


def expected_class(b, a, band=0.05):
    if b is None:
        return "new"
    rel = (a - b) / b if b > 0 else (1.0 if a > 0 else 0.0)
    if abs(rel) <= band:
        return "same"
    return "slower" if rel > 0 else "faster"


def change_label(b, a):
    if b is None:
        return "new"
    if b > 0:
        return "%+.1f%%" % (100.0 * (a - b) / b)
    return "was 0" if a > 0 else "+0.0%"


def dot_case(dot, name, before, after, normalize=False):
    kb, _, tb, sb = pstats_side(before, False)
    ka, _, ta, sa = pstats_side(after, False)
    scale = ta / tb if normalize else 1.0
    pairs = match(kb, ka, False, lambda i, s: 0)
    b_of = {ka[j]: kb[i] for j, (i, _) in pairs.items()}
    rc, out, err = run(dot, ["--diff", "-n0", "-e0"] + (["--normalize"] if normalize else []) +
                       [before, after])
    if not check("prof2dot --diff %s: exit 0" % name, rc == 0, err):
        return
    nodes, bad = {}, []
    for nid, col, label, tip in NODE.findall(out):
        first = unescape(label).split("\n")
        _, line, fname = first[0].split(":", 2)
        key = (unescape(tip), int(line), fname)
        if key not in sa.stats:
            bad.append("node %s: no function %r" % (nid, key))
            continue
        nodes[nid] = key
        a = sa.stats[key][3]
        bk = b_of.get(key)
        b = sb.stats[bk][3] * scale if bk in sb.stats else None
        want = expected_class(b, a)
        if colour_class(col) != want:
            bad.append("%s: %s is %s, want %s" % (first[0], col, colour_class(col), want))
        times = "%.4gs" % a if b is None else "%.4gs -> %.4gs" % (b, a)
        if first[1:3] != [times, change_label(b, a)]:
            bad.append("%s label %r, want %r" % (first[0], first[1:3], [times, change_label(b, a)]))
    check("prof2dot --diff %s: %d node colours and labels" % (name, len(nodes)),
          nodes and not bad, "; ".join(bad[:5]))
    bad, n = [], 0
    for caller, callee, col, label in EDGE.findall(out):
        ck, ek = nodes.get(caller), nodes.get(callee)
        if ck is None or ek is None:
            continue
        n += 1
        a = sa.stats[ek][4][ck][3]
        bc, be = b_of.get(ck), b_of.get(ek)
        b = sb.stats[be][4][bc][3] * scale if be in sb.stats and bc in sb.stats[be][4] else None
        want = expected_class(b, a)
        if colour_class(col) != want or unescape(label).split("\n")[0] != change_label(b, a):
            bad.append("%s -> %s: %s %r, want %s %r" % (ck[2], ek[2], colour_class(col),
                                                       label, want, change_label(b, a)))
    check("prof2dot --diff %s: %d edge colours and labels" % (name, n), n and not bad,
          "; ".join(bad[:5]))


def dot_cases(dot):
    dot_case(dot, "diffapp v1 -> v2", os.path.join(D, "diffapp_v1.pstats"),
             os.path.join(D, "diffapp_v2.pstats"))
    dot_case(dot, "wordfreq 3.10 -> 3.11", os.path.join(P, "wordfreq_cprofile_py3.10.13.pstats"),
             os.path.join(P, "wordfreq_cprofile_py3.11.7.pstats"))
    dot_case(dot, "diffapp v1 -> v2 --normalize", os.path.join(D, "diffapp_v1.pstats"),
             os.path.join(D, "diffapp_v2.pstats"), normalize=True)
    rc, out, err = run(dot, ["--normalize", os.path.join(D, "diffapp_v2.pstats")])
    check("prof2dot --normalize without --diff: exit 2", rc == 2 and out == "", err)
    rc, out, err = run(dot, ["--diff", os.path.join(D, "diffapp_v1.pstats")])
    check("prof2dot --diff with one file: exit 2", rc == 2 and out == "", err)
    # Without --diff, the DOT is gprof2dot's (tests/golden/prof2dot); with it
    # the same nodes survive the same pruning.
    rc1, plain, _ = run(dot, [os.path.join(D, "diffapp_v2.pstats")])
    rc2, diff, _ = run(dot, ["--diff", os.path.join(D, "diffapp_v1.pstats"),
                             os.path.join(D, "diffapp_v2.pstats")])
    ids = lambda text: [m[0] for m in NODE.findall(text)] or re.findall(r"^\t(\d+) \[", text, re.M)
    check("prof2dot --diff keeps the usual pruning", rc1 == rc2 == 0 and
          re.findall(r"^\t(\d+) \[", plain, re.M) == re.findall(r"^\t(\d+) \[", diff, re.M),
          "%s vs %s" % (ids(plain)[:5], ids(diff)[:5]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--diff", required=True)
    ap.add_argument("--dot", required=True)
    a = ap.parse_args()
    a.diff, a.dot = os.path.abspath(a.diff), os.path.abspath(a.dot)
    exp = pstats_cases(a.diff)
    other_cases(a.diff)
    gate_cases(a.diff, exp)
    dot_cases(a.dot)
    failed = results.count(False)
    print("%d passed, %d failed" % (results.count(True), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
