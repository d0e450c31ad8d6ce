#!/usr/bin/env python3
"""Check pstat-view's machine-readable output against Python's pstats.

    check_formats.py --tool PATH/TO/pstat-view [--only SUBSTR]

For every sample in samples/pstats that pstats can load (through pstats_ref.py's
loader, so gzip'd, Python 2 and other-version `python -m profile` files count when
an interpreter for them is installed), three checks run with cwd = repository root:

  json      `pstat-view --format json FILE`: files, totals, and every function of
            pstats.Stats(FILE).stats exactly once, with equal ncalls (nc), pcalls (cc),
            tottime and cumtime
  csv       `pstat-view --format csv FILE`: the header, then the same per-function
            check, plus both percall columns
  json-top5 `pstat-view --sort tottime --limit 5 --format json FILE`: the same five
            functions, in the same order, as s.sort_stats('tottime').fcn_list[:5]

Floats must agree to 1e-12 relative.  Functions are matched on (file, line, name);
builtins are ("~", 0, raw name); the address in a `<code object ... at 0x...>` name
(`python -m profile` files) is ignored.  Prints `N passed, M failed` last and exits 1
if M > 0.
"""

import argparse
import csv
import io
import json
import math
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import pstats_ref  # noqa: E402  (the reference loader: gzip, Python 2, code objects)

SAMPLES = "samples/pstats"
FIXED_MTIME = 1700000000
REL_TOL = 1e-12
CSV_HEADER = ["ncalls", "pcalls", "tottime", "tottime_percall", "cumtime",
              "cumtime_percall", "file", "line", "function"]
CODE_ADDR = re.compile(r"(<code object \S+ at 0x)[0-9a-fA-F]+(, file )")
MAX_PROBLEMS = 8


def same_float(a, b):
    return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=0.0)


def norm_key(file, line, name):
    return (file, int(line), CODE_ADDR.sub(r"\g<1>...\2", str(name)))


class Reference:
    """What pstats says about one sample."""

    def __init__(self, loader, path):
        s = loader.load(path)
        self.total_calls = s.total_calls
        self.prim_calls = s.prim_calls
        self.total_tt = s.total_tt
        self.stats = {}
        for (file, line, name), (cc, nc, tt, ct, _) in s.stats.items():
            self.stats[norm_key(file, line, name)] = (nc, cc, tt, ct)
        s.sort_stats("tottime")
        self.top5 = [norm_key(*f) for f in s.fcn_list[:5]]


def run_tool(tool, args):
    proc = subprocess.run([tool] + args, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=dict(os.environ, TZ="UTC"))
    problems = []
    if proc.returncode != 0:
        problems.append("exit status %d" % proc.returncode)
    if proc.stderr:
        problems.append("stderr: %s" % proc.stderr.decode("utf-8", "replace").strip()[:300])
    return proc.stdout.decode("utf-8", "surrogateescape"), problems


def compare_rows(ref, rows):
    """rows: list of (key, nc, cc, tt, ct); return a list of problems."""
    problems = []
    seen = {}
    for key, nc, cc, tt, ct in rows:
        seen[key] = seen.get(key, 0) + 1
        want = ref.stats.get(key)
        if want is None:
            problems.append("unexpected function %r" % (key,))
            continue
        got = (nc, cc, tt, ct)
        for label, w, g in zip(("ncalls", "pcalls", "tottime", "cumtime"), want, got):
            ok = (w == g) if label in ("ncalls", "pcalls") else same_float(w, g)
            if not ok:
                problems.append("%r: %s is %r, pstats has %r" % (key, label, g, w))
    for key, n in seen.items():
        if n > 1:
            problems.append("%r appears %d times" % (key, n))
    for key in ref.stats:
        if key not in seen:
            problems.append("missing function %r" % (key,))
    return problems


def check_json(tool, path, ref):
    text, problems = run_tool(tool, ["--format", "json", path])
    if problems:
        return problems
    try:
        doc = json.loads(text)
        if doc.get("files") != [path]:
            problems.append("files is %r, expected %r" % (doc.get("files"), [path]))
        if doc.get("total_calls") != ref.total_calls:
            problems.append("total_calls %r != %r" % (doc.get("total_calls"), ref.total_calls))
        if doc.get("primitive_calls") != ref.prim_calls:
            problems.append("primitive_calls %r != %r"
                            % (doc.get("primitive_calls"), ref.prim_calls))
        if not same_float(doc.get("total_time"), ref.total_tt):
            problems.append("total_time %r != %r" % (doc.get("total_time"), ref.total_tt))
        rows = [(norm_key(f["file"], f["line"], f["name"]), f["ncalls"], f["pcalls"],
                 f["tottime"], f["cumtime"]) for f in doc["functions"]]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return problems + ["bad JSON: %s: %s" % (type(e).__name__, e)]
    return problems + compare_rows(ref, rows)


def check_csv(tool, path, ref):
    text, problems = run_tool(tool, ["--format", "csv", path])
    if problems:
        return problems
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        return ["bad CSV: %s" % e]
    if not table or table[0] != CSV_HEADER:
        return ["header is %r, expected %r" % (table[0] if table else None, CSV_HEADER)]
    rows = []
    for i, row in enumerate(table[1:], 2):
        try:
            nc, cc, tt, tpc, ct, cpc, file, line, name = row
            nc, cc, tt, ct = int(nc), int(cc), float(tt), float(ct)
            # A percall is only defined when its divisor is not 0.
            if nc and not same_float(tpc, tt / nc):
                problems.append("row %d: tottime_percall %s != %r" % (i, tpc, tt / nc))
            if cc and not same_float(cpc, ct / cc):
                problems.append("row %d: cumtime_percall %s != %r" % (i, cpc, ct / cc))
            rows.append((norm_key(file, line, name), nc, cc, tt, ct))
        except ValueError as e:
            problems.append("row %d: %r: %s" % (i, row, e))
    return problems + compare_rows(ref, rows)


def check_top5(tool, path, ref):
    args = ["--sort", "tottime", "--limit", "5", "--format", "json", path]
    text, problems = run_tool(tool, args)
    if problems:
        return problems
    try:
        got = [norm_key(f["file"], f["line"], f["name"]) for f in json.loads(text)["functions"]]
    except (ValueError, KeyError, TypeError) as e:
        return ["bad JSON: %s: %s" % (type(e).__name__, e)]
    if got != ref.top5:
        return ["functions %r, pstats' first five by tottime are %r" % (got, ref.top5)]
    return []


CHECKS = [("json", check_json, ["--format", "json"]),
          ("csv", check_csv, ["--format", "csv"]),
          ("json-top5", check_top5, ["--sort", "tottime", "--limit", "5", "--format", "json"])]


def main():
    ap = argparse.ArgumentParser(description="pstat-view --format json/csv checks")
    ap.add_argument("--tool", required=True, help="path to the pstat-view binary")
    ap.add_argument("--only", metavar="SUBSTR", help="only samples whose name contains SUBSTR")
    opts = ap.parse_args()
    tool = os.path.abspath(opts.tool)
    if not (os.path.isfile(tool) and os.access(tool, os.X_OK)):
        print("check_formats.py: tool not found or not executable: %s" % tool)
        return 1

    os.chdir(ROOT)
    names = sorted(os.listdir(SAMPLES))
    for name in names:
        os.utime(os.path.join(SAMPLES, name), (FIXED_MTIME, FIXED_MTIME))
    if opts.only:
        names = [n for n in names if opts.only in n]

    loader = pstats_ref.Loader()
    passed = failed = 0
    notes = []
    try:
        for name in names:
            path = "%s/%s" % (SAMPLES, name)
            try:
                ref = Reference(loader, path)
            except pstats_ref.NoConverter as e:
                notes.append("skipped %s: %s" % (path, e))
                continue
            except Exception as e:   # e.g. the empty profile, which pstats refuses
                notes.append("skipped %s: pstats cannot load it (%s: %s)"
                             % (path, type(e).__name__, e))
                continue
            for label, check, args in CHECKS:
                problems = check(tool, path, ref)
                if not problems:
                    passed += 1
                    continue
                failed += 1
                print("FAIL %s %s" % (label, path))
                print("  command: cd %s && %s" % (shlex.quote(ROOT), " ".join(
                    shlex.quote(a) for a in [tool] + args + [path])))
                for p in problems[:MAX_PROBLEMS]:
                    print("  %s" % p)
                if len(problems) > MAX_PROBLEMS:
                    print("  ... %d more problems" % (len(problems) - MAX_PROBLEMS))
    finally:
        loader.close()
    for note in notes:
        print("note: %s" % note)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
