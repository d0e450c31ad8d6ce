#!/usr/bin/env python3
"""Live checks of profkit's .lprof support against line_profiler itself.

    check_lprof.py --pstat-view PATH --prof-convert PATH

1. Writer: for every sample, `prof-convert SAMPLE -o OUT.lprof` (format from
   the extension) and `--to lprof` give files that line_profiler's
   load_stats() reads back with the same timings (same keys in the same
   order, same rows) and the same unit; the bytes are exactly what CPython's
   pickler writes for that object with protocol 4 (pickle.dumps(obj, 4)),
   and equal the sample's own bytes after the PROTO byte.
2. Reader on pickles CPython makes itself: LineStats objects with thousands
   of functions and long lists, big and negative ints, long names, shared
   names, dumped with protocols 2, 3, 4 and 5 (GLOBAL and STACK_GLOBAL,
   BINPUT and MEMOIZE, LONG_BINGET, LONG1, several frames, batches of 1000):
   pstat-view -F json gives exactly load_stats()'s numbers, and
   prof-convert writes exactly pickle.dumps(load_stats(f), 4).
3. csv and json output of every sample carry load_stats()'s numbers.
4. pstats output (prof-convert SAMPLE -o X.pstats) loads in pstats with the
   documented function totals: tottime = cumtime = sum(ticks) * unit,
   ncalls = primitive calls = the hits of the lowest line.
5. Edge cases rendered by `python3 -m line_profiler` and by pstat-view, in a
   scratch directory with their source files: first line 0 and negative,
   duplicate and out-of-block line numbers, empty and all-zero functions,
   negative times, a directory and a notebook-cell name as file, a missing
   file with a wide line span, CRLF, latin-1, BOM and tab-indented sources,
   non-ASCII names, odd units. Output must be identical.

Needs a Python with line_profiler (Debian: python3-line-profiler); without
one it exits 77 (skipped) and says so.
"""
import argparse
import csv
import io
import json
import os
import pickle
import pstats
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SAMPLES = os.path.join(ROOT, "samples", "lprof")
ENV = dict(os.environ, LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")


def ensure_line_profiler():
    try:
        import line_profiler  # noqa: F401
        return
    except ImportError:
        pass
    sys.dont_write_bytecode = True
    sys.path.insert(0, HERE)
    import lprof_cases
    python = lprof_cases.find_python()
    if python and os.path.realpath(python) != os.path.realpath(sys.executable):
        os.execv(python, [python] + sys.argv)
    print("skipped: no python3 with line_profiler (apt-get install python3-line-profiler)")
    sys.exit(77)


ensure_line_profiler()
from line_profiler import load_stats  # noqa: E402
from line_profiler._line_profiler import LineStats  # noqa: E402

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def run(cmd, cwd=ROOT):
    return subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def samples():
    return sorted(os.path.join(SAMPLES, f) for f in os.listdir(SAMPLES) if f.endswith(".lprof"))


def same_stats(a, b):
    return list(a.timings.items()) == list(b.timings.items()) and a.unit == b.unit


# ---- 1. writer ----

def check_writer(convert, tmp):
    for path in samples():
        name = os.path.basename(path)
        original = load_stats(path)
        with open(path, "rb") as f:
            orig_bytes = f.read()
        for how, args in (("extension", ["-o", os.path.join(tmp, name)]),
                          ("--to", ["--to", "lprof", "-o", os.path.join(tmp, name + ".out")])):
            out = args[-1]
            proc = run([convert, path] + args)
            if proc.returncode != 0:
                fail("%s (%s): prof-convert failed: %s" % (name, how, proc.stderr.decode()))
                continue
            back = load_stats(out)
            with open(out, "rb") as f:
                data = f.read()
            if not same_stats(original, back):
                fail("%s (%s): load_stats of the written file differs" % (name, how))
            if data != pickle.dumps(back, 4):
                fail("%s (%s): bytes differ from pickle.dumps(obj, 4)" % (name, how))
            if data[:2] != b"\x80\x04" or data[2:] != orig_bytes[2:]:
                fail("%s (%s): bytes differ from the sample after PROTO" % (name, how))


# ---- 2. pickles from CPython ----

def synthetic(seed, nfuncs, nrows):
    rng = random.Random(seed)
    files = ["mod%d.py" % i for i in range(5)] + ["d/" * 140 + "long.py", "ünï.py"]
    timings = {}
    for i in range(nfuncs):
        rows = []
        for j in range(nrows if i % 97 else 1500):
            ticks = rng.choice([rng.randint(0, 300), rng.randint(0, 70000), rng.randint(-2**31, 2**31),
                                rng.randint(-2**63, 2**63 - 1), 2**63 - 1, -2**63, 2**31, -2**31 - 1])
            rows.append((j + 1, rng.randint(0, 2**40), ticks))
        # line_profiler's names are interned (one object per name), so the
        # pickle refers back to a repeated name, as our writer does
        timings[(rng.choice(files), i, sys.intern("f%d" % (i % 300)))] = rows
    timings[("empty.py", 1, "never")] = []
    return LineStats(timings, rng.choice([1e-9, 1e-6, 3.3e-7]))


def json_stats(view, path):
    proc = run([view, "-F", "json", path])
    if proc.returncode != 0:
        fail("%s: pstat-view -F json failed: %s" % (path, proc.stderr.decode()))
        return None
    return json.loads(proc.stdout)


def check_json_matches(doc, stats, label):
    if doc is None:
        return
    if doc["unit"] != stats.unit:
        fail("%s: json unit %r != %r" % (label, doc["unit"], stats.unit))
    got = {(f["file"], f["first_line"], f["function"]):
           [(r["line"], r["hits"], r["ticks"]) for r in f["lines"]] for f in doc["functions"]}
    if got != stats.timings:
        fail("%s: json rows differ from load_stats()" % label)
    if [k for k in got] != sorted(stats.timings):
        fail("%s: json order is not line_profiler's sorted key order" % label)
    for f in doc["functions"]:
        total = sum(r["ticks"] for r in f["lines"])
        if f["total_ticks"] != float(total) or f["total_seconds"] != float(total) * stats.unit:
            fail("%s: json totals of %s differ" % (label, f["function"]))
        for r in f["lines"]:
            if r["seconds"] != r["ticks"] * stats.unit:
                fail("%s: json seconds of %s:%d differ" % (label, f["function"], r["line"]))
                break


def check_cpython_pickles(view, convert, tmp):
    for seed, nfuncs, nrows in ((1, 2000, 3), (2, 1, 1), (3, 1, 2), (4, 2, 1), (5, 1001, 2)):
        stats = synthetic(seed, nfuncs, nrows)
        for proto in (2, 3, 4, 5):
            label = "synthetic %d/%d protocol %d" % (seed, nfuncs, proto)
            path = os.path.join(tmp, "syn%d_p%d.lprof" % (seed, proto))
            with open(path, "wb") as f:
                pickle.dump(stats, f, proto)
            check_json_matches(json_stats(view, path), load_stats(path), label)
            out = path + ".written.lprof"
            proc = run([convert, path, "-o", out])
            if proc.returncode != 0:
                fail("%s: prof-convert failed: %s" % (label, proc.stderr.decode()))
                continue
            with open(out, "rb") as f:
                data = f.read()
            if data != pickle.dumps(load_stats(path), 4):
                fail("%s: written bytes differ from pickle.dumps(obj, 4)" % label)


# ---- 3. csv and json of the samples ----

def check_data_outputs(view):
    for path in samples():
        name = os.path.basename(path)
        stats = load_stats(path)
        check_json_matches(json_stats(view, path), stats, name + " json")
        proc = run([view, "-F", "csv", path])
        if proc.returncode != 0:
            fail("%s: pstat-view -F csv failed" % name)
            continue
        rows = list(csv.reader(io.StringIO(proc.stdout.decode("utf-8"), newline="")))
        if rows[0] != ["file", "first_line", "function", "line", "hits", "ticks", "seconds"]:
            fail("%s: csv header %r" % (name, rows[0]))
        got = {}
        for r in rows[1:]:
            key = (r[0], int(r[1]), r[2])
            got.setdefault(key, [])
            if r[3]:
                got[key].append((int(r[3]), int(r[4]), int(r[5])))
                if float(r[6]) != int(r[5]) * stats.unit:
                    fail("%s: csv seconds differ on %r" % (name, r))
        if got != stats.timings:
            fail("%s: csv rows differ from load_stats()" % name)


# ---- 4. pstats from line data ----

def check_pstats(convert, tmp):
    for path in samples():
        name = os.path.basename(path)
        stats = load_stats(path)
        out = os.path.join(tmp, name + ".pstats")
        proc = run([convert, path, "-o", out])
        if proc.returncode != 0:
            fail("%s: prof-convert to pstats failed: %s" % (name, proc.stderr.decode()))
            continue
        got = pstats.Stats(out).stats
        if set(got) != set(stats.timings):
            fail("%s: pstats keys differ" % name)
            continue
        for key, rows in stats.timings.items():
            cc, nc, tt, ct, callers = got[key]
            seconds = sum(t for _, _, t in rows) * stats.unit
            calls = [h for line, h, _ in rows if line == min(r[0] for r in rows)][-1] if rows else 0
            if (cc, nc, tt, ct, callers) != (calls, calls, seconds, seconds, {}):
                fail("%s: pstats entry of %r is %r, want %r"
                     % (name, key, (cc, nc, tt, ct), (calls, calls, seconds, seconds)))


# ---- 5. edge cases against line_profiler's own rendering ----

SOURCE = (
    "import os\n"
    "\n"
    "@profile\n"
    "def first(x):\n"
    "    y = x + 1\n"
    "    # comment\n"
    "    return y\n"
    "\n"
    "def second():\n"
    "    pass\n"
    "last = 1\n"
)

EDGE_FILES = {
    "src.py": SOURCE.encode(),
    "crlf.py": SOURCE.replace("\n", "\r\n").encode(),
    "latin.py": ("# -*- coding: latin-1 -*-\n" + SOURCE.replace("y = x + 1", "y = 'caf\xe9'")).encode("latin-1"),
    "bom.py": b"\xef\xbb\xbf" + SOURCE.encode(),
    "tabs.py": SOURCE.replace("    ", "\t").encode(),
    "ünï.py": SOURCE.replace("first", "prémier").encode(),
}


def edge_cases():
    s = "src.py"
    return [
        ("plain", {(s, 3, "first"): [(5, 2, 1000), (7, 2, 500)]}, 1e-9, []),
        ("zero first line", {(s, 0, "f"): [(1, 1, 10)]}, 1e-9, []),
        ("negative first line", {(s, -3, "f"): [(-2, 1, 10), (9, 1, 5)]}, 1e-9, []),
        ("first line past the end", {(s, 400, "f"): [(400, 1, 10)]}, 1e-9, []),
        ("duplicates and strays", {(s, 3, "first"): [(7, 1, 5), (5, 3, 7), (5, 4, 9), (100, 1, 1), (1, 2, 3)]},
         1e-9, []),
        ("empty and zero", {(s, 3, "first"): [], (s, 9, "second"): [(10, 5, 0)]}, 1e-9, []),
        ("empty and zero -z", {(s, 3, "first"): [], (s, 9, "second"): [(10, 5, 0)]}, 1e-9, ["-z"]),
        ("negative times", {(s, 3, "first"): [(5, 1, -50), (7, 1, 20)]}, 1e-9, []),
        ("sum to zero", {(s, 3, "first"): [(5, 1, -50), (7, 1, 50)]}, 1e-9, ["-z"]),
        ("directory as file", {(".", 1, "f"): [(1, 1, 1)], ("sub", 2, "g"): [(2, 1, 1)]}, 1e-9, []),
        ("notebook cell", {("<ipython-input-3-abc>", 1, "cell"): [(1, 1, 100)]}, 1e-9, []),
        ("missing wide span", {("gone.py", 10, "f"): [(3, 1, 1), (2500, 2, 2)]}, 1e-6, []),
        ("missing empty", {("gone.py", 10, "f"): []}, 1e-6, []),
        ("encodings", {(n, 3 if n != "latin.py" else 4, "prémier" if n == "ünï.py" else "first"):
                       [(5 + (n == "latin.py"), 1, 100)] for n in EDGE_FILES}, 1e-9, []),
        ("old unit", {(s, 3, "first"): [(5, 3, 12345), (7, 3, 1)]}, 1e-6, ["-u", "1e-3"]),
        ("odd unit", {(s, 3, "first"): [(5, 7, 123456789), (7, 1, 3)]}, 3.3e-7, ["-u", "0.0007"]),
        ("huge ticks", {(s, 3, "first"): [(5, 1, 2**62), (7, 3, -2**61)]}, 1e-9, []),
        ("sorted keys", {("b.py", 1, "z"): [], ("a.py", 9, "y"): [], ("a.py", 10, "a"): [],
                         ("a.py", 9, "b"): [], ("é.py", 1, "x"): [], ("Z.py", 1, "x"): []}, 1e-9, []),
    ]


def check_edge_cases(view, tmp):
    work = os.path.join(tmp, "edge")
    os.makedirs(os.path.join(work, "sub"))
    for name, data in EDGE_FILES.items():
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)
    python = sys.executable
    for label, timings, unit, args in edge_cases():
        path = os.path.join(work, "case.lprof")
        with open(path, "wb") as f:
            pickle.dump(LineStats(timings, unit), f, pickle.HIGHEST_PROTOCOL)
        ref = run([python, "-m", "line_profiler"] + args + ["case.lprof"], cwd=work)
        ours = run([view] + args + ["case.lprof"], cwd=work)
        if ref.returncode != 0:
            fail("edge case %s: line_profiler failed: %s" % (label, ref.stderr.decode()[-300:]))
        elif ours.returncode != 0 or ours.stdout != ref.stdout:
            fail("edge case %s: pstat-view differs (exit %d)\n--- line_profiler\n%s--- pstat-view\n%s%s"
                 % (label, ours.returncode, ref.stdout.decode(), ours.stdout.decode(),
                    ours.stderr.decode()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pstat-view", required=True)
    ap.add_argument("--prof-convert", required=True)
    opts = ap.parse_args()
    view = os.path.abspath(opts.pstat_view)
    convert = os.path.abspath(opts.prof_convert)
    tmp = tempfile.mkdtemp(prefix="check_lprof.")
    try:
        check_writer(convert, tmp)
        check_cpython_pickles(view, convert, tmp)
        check_data_outputs(view)
        check_pstats(convert, tmp)
        check_edge_cases(view, tmp)
    finally:
        shutil.rmtree(tmp)
    print("%d failures (line_profiler from %s)" % (len(failures), sys.executable))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
