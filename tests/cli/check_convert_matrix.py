#!/usr/bin/env python3
"""prof-convert's whole matrix: every readable input x every writable output.

Each input is a real sample with the parts its format carries (function
stats, sampled stacks, line tables, memory series); each output names the
part it needs and the one error line prof-convert gives when the input
lacks it. For every pair the test runs `prof-convert IN -o OUT --to FMT`
and checks:

  - success: exit 0, nothing on stderr, and the output loads back in the
    consumer for its format, with the input's numbers (below);
  - refusal: exit 2, stderr exactly the expected line, and neither OUT nor
    a temporary file left in the directory.

What "loads back" means per output:
  pstats      Python's pstats.Stats() loads it; from pstats input its stats
              dict equals the input's; from folded input every function's
              tottime/cumtime equals the counts summed here from the folded
              lines (leaf samples / samples with the function on the stack);
  folded      from folded input the stacks and their summed counts equal
              the input's, and writing the output again gives the same bytes;
  lprof       line_profiler's load_stats() (Debian's python3, when it has
              line_profiler) gives the input's timings;
  mprof       pstat-view prints the same memory summary for both;
  speedscope  the schema facts of FORMATS.md 5e hold, and for folded input
              every frame's self and total weight equal the folded counts
              (speedscope itself loads these files in tests/browser);
  csv, json   one row per function with the numbers of pstat-view's csv /
              json for the input, json also with every caller and callee.

Merges are checked too: two folded files sum their stacks, two pstats files
equal pstats.Stats(a, b).

  callgrind   read back by profkit, every function's self cost equals the
              input's tottime (whole nanoseconds for times; the real
              consumer, callgrind_annotate, is tests/golden/callgrind);
  pprof       read back by profkit; from folded or pprof input the stacks
              and counts equal the input's (npm pprof-format decodes these
              files in tests/golden/pprof).

Adding a format: add an OUTPUTS row (the part it needs, its refusal line,
a checker) and, for a reader, an INPUTS row.

Usage: check_convert_matrix.py --bindir DIR
"""
import argparse
import collections
import csv
import io
import json
import math
import os
import pstats
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S = os.path.join(ROOT, "samples")

# name -> (path, parts the format carries)
INPUTS = {
    "pstats": (os.path.join(S, "pstats", "wordfreq_cprofile_py3.11.7.pstats"), {"functions"}),
    "pstats-py2.7": (os.path.join(S, "pstats", "recursion_cprofile_py2.7.18.pstats"), {"functions"}),
    "pstats-empty": (os.path.join(S, "pstats", "empty_cprofile_py3.11.7.pstats"), {"empty"}),
    "pstats-gzip": (os.path.join(S, "pstats", "wordfreq_cprofile_py3.11.7.pstats.gz"), {"functions"}),
    "folded": (os.path.join(S, "folded", "wordfreq.folded"), {"functions", "stacks"}),
    "folded-unicode": (os.path.join(S, "folded", "ünïcode_prog.folded"), {"functions", "stacks"}),
    "folded-recursion": (os.path.join(S, "folded", "recursion.folded"), {"functions", "stacks"}),
    "lprof": (os.path.join(S, "lprof", "lines_demo.lprof"), {"functions", "lines"}),
    # mprof with FUNC brackets: functions come from the brackets
    "mprof-func": (os.path.join(S, "mprof", "alloc.dat"), {"functions", "memory"}),
    # a plain memory series: nothing but memory
    "mprof-series": (os.path.join(S, "mprof", "sleep.dat"), {"memory"}),
    # valgrind's callgrind on a C program: functions and call edges, no stacks
    "callgrind": (os.path.join(S, "callgrind", "cgwork_O0.callgrind"), {"functions"}),
    # Go's runtime/pprof: sampled stacks (and the functions derived from them)
    "pprof": (os.path.join(S, "pprof", "go_cpu.pb.gz"), {"functions", "stacks"}),
}

# output -> (parts that allow it, the error line when none is there)
OUTPUTS = {
    "pstats": ({"functions", "empty"},
               "prof-convert: pstats: the profile has no function stats to write as pstats"),
    "folded": ({"stacks"},
               "prof-convert: folded: the profile has no sampled stacks to write as folded"),
    "lprof": ({"lines"},
              "prof-convert: lprof: lprof output needs line data, as read from one .lprof file; "
              "this profile has none"),
    "mprof": ({"memory"},
              "prof-convert: mprof: the profile has no memory samples to write (read an mprof .dat file)"),
    "speedscope": ({"functions", "stacks"},
                   "prof-convert: speedscope: the profile has neither stacks nor function times "
                   "to write as speedscope"),
    "csv": ({"functions", "empty"},
            "prof-convert: csv: the profile has no function stats to tabulate"),
    "json": ({"functions", "empty"},
             "prof-convert: json: the profile has no function stats to tabulate"),
    "callgrind": ({"functions", "empty"},
                  "prof-convert: callgrind: the profile has no function stats to write as callgrind"),
    "pprof": ({"functions", "stacks"},
              "prof-convert: pprof: the profile has neither stacks nor functions to write as pprof"),
}

failures = 0


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# ---- independent readings of the inputs ----

def folded_stacks(path):
    """stack tuple -> summed count, read as flamegraph.pl reads lines."""
    out = collections.Counter()
    with open(path, "rb") as f:
        for raw in f:
            line = raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", "surrogateescape")
            stack, space, count = line.rpartition(" ")
            if not space or not count.isdigit():
                continue
            out[tuple(stack.split(";")) if stack else ()] += int(count)  # " 5": the root
    return out


def frame_key(frame):
    """py-spy's "func (file:line)" as a pstats key; else a built-in key."""
    if frame.endswith(")") and " (" in frame:
        func, _, loc = frame[:-1].partition(" (")
        file, _, line = loc.rpartition(":")
        if file and line.isdigit():
            return (file, int(line), func)
    return ("~", 0, frame)


def folded_function_counts(stacks, key=frame_key):
    """key -> [self, total]: leaf samples, and samples with it on the stack
    (once per sample under recursion)."""
    out = collections.defaultdict(lambda: [0, 0])
    for stack, n in stacks.items():
        if not stack:
            continue  # root samples belong to no function
        out[key(stack[-1])][0] += n
        for k in set(key(f) for f in stack):
            out[k][1] += n
    return out


def python_stats(*paths):
    return pstats.Stats(*paths).stats


def plain_copy(ctx, path):
    """path, or a gunzipped copy of it (pstats does not read gzip)."""
    if not path.endswith(".gz"):
        return path
    import gzip
    copy = os.path.join(ctx.tmp, "plain.pstats")
    with open(copy, "wb") as f:
        f.write(gzip.open(path).read())
    return copy


def profkit_functions(ctx, path):
    """The functions and callers pstat-view --format json finds in path."""
    out = run([os.path.join(ctx.bindir, "pstat-view"), "--format", "json", "--callers", path]).stdout
    return json.loads(out.decode("utf-8"))["functions"]


def profkit_text(bindir, path, *args):
    return run([os.path.join(bindir, "pstat-view"), *args, "--", path]).stdout


# ---- per-output checks of a written file ----

def expected_functions(ctx, name, src):
    """key -> (tottime, cumtime) of the input's functions, read without
    prof-convert: Python's pstats, the folded lines, line_profiler. cumtime
    is None where the source has no such number (line tables)."""
    if name in ("pstats", "pstats-gzip"):
        return {k: (v[2], v[3]) for k, v in python_stats(plain_copy(ctx, src)).items()}
    if name == "pstats-py2.7":  # Python 3 cannot load it; the reader is tested elsewhere
        return {(f["file"], f["line"], f["name"]): (f["tottime"], f["cumtime"])
                for f in profkit_functions(ctx, src)}
    if name == "pstats-empty":
        return {}
    if name.startswith("folded"):
        return {k: (v[0], v[1]) for k, v in folded_function_counts(folded_stacks(src)).items()}
    if name == "lprof" and has_line_profiler():
        return {k: (v, None) for k, v in lprof_function_seconds(src).items()}
    return None


def same_functions(have, want):
    if want is None:
        return len(have) > 0
    def close(a, b):
        return b is None or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return have.keys() == want.keys() and all(
        close(have[k][0], want[k][0]) and close(have[k][1], want[k][1]) for k in want)


def check_pstats(ctx, name, src, out):
    if name == "pstats-empty":
        # pstats refuses an empty profile, the input as much as the output
        import marshal
        check(marshal.load(open(out, "rb")) == {}, f"{name}: the output is the empty stats dict")
        return
    try:
        got = python_stats(out)
    except Exception as e:  # pstats raises TypeError for what it refuses
        check(False, f"{name}: pstats loads the output ({e})")
        return
    if name in ("pstats", "pstats-gzip"):
        check(got == python_stats(plain_copy(ctx, src)), f"{name}: pstats stats dict equals the input's")
    if name == "pstats-py2.7":
        check(profkit_functions(ctx, out) == profkit_functions(ctx, src),
              f"{name}: pstat-view reads functions and callers of output and input alike")
    have = {k: (v[2], v[3]) for k, v in got.items()}
    want = expected_functions(ctx, name, src)
    check(same_functions(have, want),
          f"{name}: Python's pstats loads {len(got)} functions with the input's times")


def check_folded(ctx, name, src, out):
    have = folded_stacks(out)
    if name.startswith("folded"):
        check(have == folded_stacks(src), f"{name}: folded stacks and counts equal the input's")
        again = os.path.join(ctx.tmp, "again.folded")
        r = run([ctx.tool, out, "-o", again])
        check(r.returncode == 0 and open(again, "rb").read() == open(out, "rb").read(),
              f"{name}: folded -> folded again gives the same bytes")
    else:
        check(sum(have.values()) > 0, f"{name}: folded output has stacks")


LPROF_DUMP = r"""
import pickle, sys
from line_profiler import load_stats
s = load_stats(sys.argv[1])
print(repr(s.unit))
for k in sorted(s.timings): print(repr(k), repr(s.timings[k]))
"""


LPROF_PY = "/usr/bin/python3"  # Debian's python3-line-profiler (4.0.2)
LPROF_SECONDS = r"""
import sys
from line_profiler import load_stats
s = load_stats(sys.argv[1])
for (file, line, name), rows in s.timings.items():
    print(repr(((file, line, name), sum(t for _, _, t in rows) * s.unit)))
"""


def has_line_profiler():
    return os.path.exists(LPROF_PY) and run([LPROF_PY, "-c", "import line_profiler"]).returncode == 0


def lprof_function_seconds(path):
    import ast
    out = run([LPROF_PY, "-c", LPROF_SECONDS, path]).stdout.decode("utf-8")
    return dict(ast.literal_eval(line) for line in out.splitlines())


def check_lprof(ctx, name, src, out):
    py = LPROF_PY
    if not has_line_profiler():
        print(f"note: {name}: line_profiler is not installed for {py}; lprof output read by profkit only")
        same = profkit_text(ctx.bindir, out) == profkit_text(ctx.bindir, src)
        check(same, f"{name}: pstat-view prints the same line tables for output and input")
        return
    a = run([py, "-c", LPROF_DUMP, src]).stdout
    b = run([py, "-c", LPROF_DUMP, out]).stdout
    check(a == b and len(a) > 0, f"{name}: line_profiler loads the same unit and timings")


def check_mprof(ctx, name, src, out):
    a = profkit_text(ctx.bindir, src, "--format", "json").replace(src.encode(), b"IN")
    b = profkit_text(ctx.bindir, out, "--format", "json").replace(out.encode(), b"IN")
    check(a == b and len(a) > 0, f"{name}: pstat-view prints the same memory summary")


SPEEDSCOPE_UNITS = {"none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"}


def speedscope_facts(doc):
    """The schema facts of FORMATS.md 5e; returns a list of violations."""
    bad = []
    if doc.get("$schema") != "https://www.speedscope.app/file-format-schema.json":
        bad.append("$schema")
    frames = doc.get("shared", {}).get("frames")
    if not isinstance(frames, list) or not all(isinstance(f.get("name"), str) for f in frames):
        return bad + ["shared.frames"]
    for f in frames:
        if "file" in f and not isinstance(f["file"], str):
            bad.append("frame file")
        if "line" in f and not isinstance(f["line"], int):
            bad.append("frame line")
    for p in doc.get("profiles", []):
        if p.get("type") != "sampled" or p.get("unit") not in SPEEDSCOPE_UNITS:
            bad.append("profile type/unit")
        samples, weights = p.get("samples", []), p.get("weights", [])
        if len(samples) != len(weights):
            bad.append("samples/weights length")
        if any(not isinstance(i, int) or not 0 <= i < len(frames) for s in samples for i in s):
            bad.append("frame index")
        if any(w < 0 for w in weights):
            bad.append("negative weight")
        if not math.isclose(p["endValue"] - p["startValue"], sum(weights), rel_tol=1e-12, abs_tol=1e-9):
            bad.append("endValue - startValue != total weight")
    if not doc.get("profiles"):
        bad.append("profiles")
    return bad


def speedscope_frame_weights(doc):
    """frame text as folded writes it -> [self, total], from the samples."""
    frames = doc["shared"]["frames"]

    def text(i):
        f = frames[i]
        return f"{f['name']} ({f['file']}:{f['line']})" if "file" in f else f["name"]

    out = collections.defaultdict(lambda: [0, 0])
    p = doc["profiles"][0]
    for s, w in zip(p["samples"], p["weights"]):
        if not s:
            continue  # a sample of the root itself (a folded " 5" line)
        out[text(s[-1])][0] += w
        for t in set(text(i) for i in s):
            out[t][1] += w
    return out


def check_speedscope(ctx, name, src, out):
    raw = open(out, "rb").read()
    try:
        doc = json.loads(raw.decode("utf-8"))  # strict: valid UTF-8 JSON
    except ValueError as e:
        check(False, f"{name}: speedscope output is valid UTF-8 JSON ({e})")
        return
    bad = speedscope_facts(doc)
    check(not bad, f"{name}: speedscope schema facts hold {bad or ''}")
    prof = doc["profiles"][0]
    if name.startswith("folded"):
        want = folded_function_counts(folded_stacks(src), key=lambda f: f)
        have = speedscope_frame_weights(doc)
        check(dict(have) == dict(want) and prof["unit"] == "none",
              f"{name}: speedscope frame self/total weights equal the folded counts "
              f"({len(want)} frames, unit {prof['unit']})")
    elif "stacks" in INPUTS[name][1]:  # sampled stacks of their own (pprof)
        check("approximate" not in prof["name"] and sum(prof["weights"]) > 0,
              f"{name}: speedscope profile of sampled stacks ({prof['name']!r}, unit {prof['unit']})")
    else:
        check("approximate" in prof["name"] and prof["unit"] == "microseconds",
              f"{name}: speedscope profile says it is approximate ({prof['name']!r})")


def check_csv(ctx, name, src, out):
    text = open(out, encoding="utf-8", errors="surrogateescape").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    have = {(r["file"], int(r["line"]), r["function"]): (float(r["tottime"]), float(r["cumtime"]))
            for r in rows}
    check(len(have) == len(rows) and same_functions(have, expected_functions(ctx, name, src)),
          f"{name}: csv has one row per function ({len(rows)}) with the input's times")


def check_json(ctx, name, src, out):
    doc = json.loads(open(out, "rb").read().decode("utf-8"))
    funcs = doc["functions"]
    have = {(f["file"], f["line"], f["name"]): (f["tottime"], f["cumtime"]) for f in funcs}
    check(len(have) == len(funcs) and same_functions(have, expected_functions(ctx, name, src)),
          f"{name}: json has every function ({len(funcs)}) with the input's times")
    if name == "pstats":
        stats = python_stats(src)
        callers_ok = all(
            {(c["file"], c["line"], c["name"]): (c["ncalls"], c["pcalls"], c["tottime"], c["cumtime"])
             for c in f["callers"]}
            == {k: tuple(v[:4]) for k, v in stats[(f["file"], f["line"], f["name"])][4].items()}
            for f in funcs)
        callee_count = sum(len(f["callees"]) for f in funcs)
        caller_count = sum(len(v[4]) for v in stats.values())
        check(callers_ok and callee_count == caller_count,
              f"{name}: json callers equal Python pstats' ({caller_count} edges, as many callees)")


def profkit_self_times(ctx, path):
    """The function table prof-convert --to json gives for path."""
    doc = json.loads(run([ctx.tool, path, "-o", "-", "--to", "json"]).stdout.decode("utf-8"))
    return {(f["file"], f["line"], f["name"]): f["tottime"] for f in doc["functions"]}


def without_line_suffix(times):
    """The writer names two same-named functions of one file NAME:LINE
    (callgrind tools would merge them); read back, that is the name."""
    out = {}
    for (file, line, fn), t in times.items():
        if fn.endswith(":%d" % line):
            fn = fn[:-len(":%d" % line)]
        out[(file, line, fn)] = t
    return out


def check_callgrind(ctx, name, src, out):
    if name == "pstats-empty":
        check(b"events: ns" in open(out, "rb").read(), f"{name}: an empty callgrind file with its header")
        return
    have = without_line_suffix(profkit_self_times(ctx, out))
    want = profkit_self_times(ctx, src)
    if name.startswith("pstats") or name in ("lprof", "mprof-func"):
        # written as integer nanoseconds: equal to the ns, rounded
        same = have.keys() == want.keys() and all(
            abs(have[k] - want[k]) <= 0.5e-9 + 1e-15 for k in want)
    else:
        same = have == want  # counts (samples, Ir) are kept exactly
    check(same, f"{name}: callgrind read back has the input's {len(want)} functions and self costs")


def check_pprof(ctx, name, src, out):
    back = os.path.join(ctx.tmp, "back.folded")
    r = run([ctx.tool, out, "-o", back, "--to", "folded"])
    if name.startswith("folded"):
        check(r.returncode == 0 and folded_stacks(back) == folded_stacks(src),
              f"{name}: pprof read back has the input's stacks and counts")
    elif name == "pprof":
        again = os.path.join(ctx.tmp, "src.folded")
        r2 = run([ctx.tool, src, "-o", again, "--to", "folded"])
        check(r.returncode == 0 and r2.returncode == 0 and folded_stacks(back) == folded_stacks(again),
              f"{name}: pprof -> pprof keeps every stack and value")
    else:  # approximate stacks, in fractional microseconds
        lines = open(back, "rb").read().splitlines() if r.returncode == 0 else []
        check(len(lines) > 0 and all(float(l.rpartition(b" ")[2]) > 0 for l in lines),
              f"{name}: pprof read back has {len(lines)} (approximate) stacks")


CHECKERS = {
    "pstats": check_pstats, "folded": check_folded, "lprof": check_lprof, "mprof": check_mprof,
    "speedscope": check_speedscope, "csv": check_csv, "json": check_json,
    "callgrind": check_callgrind, "pprof": check_pprof,
}


class Ctx:
    pass


def run_pair(ctx, in_name, out_name):
    src, parts = INPUTS[in_name]
    allowed, refusal = OUTPUTS[out_name]
    d = tempfile.mkdtemp(dir=ctx.tmp)
    out = os.path.join(d, "out." + out_name)
    r = run([ctx.tool, src, "-o", out, "--to", out_name])
    label = f"{in_name} -> {out_name}"
    if parts & allowed:
        check(r.returncode == 0 and r.stderr == b"", f"{label}: exit 0, quiet ({r.stderr!r})")
        if r.returncode == 0:
            CHECKERS[out_name](ctx, in_name, src, out)
    else:
        err = r.stderr.decode("utf-8", "replace")
        check(r.returncode == 2 and err == refusal + "\n",
              f"{label}: exit 2 with {refusal!r} (got {r.returncode}, {err.strip()!r})")
        check(os.listdir(d) == [], f"{label}: no output or temporary file left")
    shutil.rmtree(d)


def check_merges(ctx):
    a = os.path.join(S, "folded", "flame_work_before.folded")
    b = os.path.join(S, "folded", "flame_work_after.folded")
    out = os.path.join(ctx.tmp, "merged.folded")
    r = run([ctx.tool, a, b, "-o", out])
    want = folded_stacks(a) + folded_stacks(b)
    check(r.returncode == 0 and folded_stacks(out) == want,
          f"merge: two folded files sum their stacks ({len(want)} stacks)")
    pa = os.path.join(S, "pstats", "wordfreq_cprofile_py3.11.7.pstats")
    pb = os.path.join(S, "pstats", "stdlib_mix_cprofile_py3.11.7.pstats")
    out = os.path.join(ctx.tmp, "merged.pstats")
    r = run([ctx.tool, pa, pb, "-o", out])
    check(r.returncode == 0 and python_stats(out) == python_stats(pa, pb),
          "merge: two pstats files equal pstats.Stats(a, b)")
    out = os.path.join(ctx.tmp, "merged.speedscope.json")
    r = run([ctx.tool, a, b, "-o", out])
    doc = json.loads(open(out, encoding="utf-8").read()) if r.returncode == 0 else None
    check(doc is not None and sum(doc["profiles"][0]["weights"]) == sum(want.values()),
          "merge: two folded files to speedscope (extension .speedscope.json) keep every sample")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    args = ap.parse_args()
    ctx = Ctx()
    ctx.bindir = args.bindir
    ctx.tool = os.path.join(args.bindir, "prof-convert")
    ctx.tmp = tempfile.mkdtemp(prefix="pk-matrix-")
    try:
        for in_name in INPUTS:
            for out_name in OUTPUTS:
                run_pair(ctx, in_name, out_name)
        check_merges(ctx)
    finally:
        shutil.rmtree(ctx.tmp)
    print(f"{failures} check(s) failed" if failures else "all matrix checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
