#!/usr/bin/env python3
"""Golden tests for pstat-view on mprof .dat files, against `mprof peak`.

    run_mprof_golden.py --tool PATH/TO/pstat-view [--live]

1. For each case in tests/golden/mprof/cases.tsv (`name<TAB>args`), pstat-view
   runs with the same args from the repository root.  Its stdout must start with
   exactly <name>.peak (what `python3-mprof peak ARGS` printed: made by
   mprof/regen.sh, never by profkit), followed by a blank line; exit 0, no stderr.
   --live also runs `python3-mprof peak` now and compares with that (skipped,
   with a note, when python3-mprof is not installed).
2. `--format json` and `--format csv` carry the same peaks: for every run the
   largest MEM value of its lines, computed here from the .dat text.
3. Each file in tests/data/bad/mprof/ listed in expected.txt: pstat-view (and
   mprof-plot, when --plot-tool is given) exit 2 with exactly one stderr line
   `TOOL: PATH: mprof: MESSAGE`.

Prints `N passed, M failed` last; exit status 1 if M > 0.
"""

import argparse
import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = os.path.join(ROOT, "tests", "golden", "mprof", "cases.tsv")
BAD = os.path.join("tests", "data", "bad", "mprof")


def read_cases():
    cases = []
    with open(CASES, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                name, _, args = line.partition("\t")
                cases.append((name, shlex.split(args)))
    return cases


def run(cmd):
    return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, TZ="UTC", LC_ALL="C"))


def runs_of(path):
    """Per run (split at CMDLINE, samples before the first one form a run),
    the largest MEM value, as the reader documents it."""
    runs, cur = [], None
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        for line in f:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "CMDLINE" or (cur is None and kind in ("MEM", "CHLD")):
                cur = []
                runs.append(cur)
            if kind == "MEM":
                cur.append(float(rest.split(" ")[0]))
    return [max(r) if r else None for r in runs]


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s%s" % (what, ("\n" + detail) if detail else ""))


def check_peaks(res, tool, live):
    mprof = shutil.which("python3-mprof")
    if live and not mprof:
        print("note: python3-mprof not installed, live comparison skipped")
    for name, args in read_cases():
        with open(os.path.join(ROOT, "tests", "golden", "mprof", name + ".peak"), "rb") as f:
            want = f.read()
        got = run([tool] + args)
        res.check(got.returncode == 0 and not got.stderr and got.stdout.startswith(want + b"\n"),
                  "%s: pstat-view's peak lines differ from mprof peak's" % name,
                  "want:\n%s\ngot:\n%s%s" % (want.decode(), got.stdout[:len(want) + 80].decode(),
                                             got.stderr.decode()))
        if live and mprof:
            ref = run([mprof, "peak"] + args)
            res.check(ref.stdout == want, "%s: golden is stale (mprof peak prints otherwise)" % name)


def check_machine_formats(res, tool):
    for name, args in read_cases():
        got = run([tool, "--format", "json"] + args)
        doc = json.loads(got.stdout)
        peaks = [[r["peak_mib"] for r in f["runs"]] for f in doc["files"]]
        res.check(peaks == [runs_of(a) for a in args], "%s: json peaks" % name,
                  "%r != %r" % (peaks, [runs_of(a) for a in args]))
        got = run([tool, "--format", "csv"] + args)
        rows = list(csv.DictReader(io.StringIO(got.stdout.decode())))
        csv_peaks = [[float(r["peak_mib"]) for r in rows if r["file"] == a and r["kind"] == "run"]
                     for a in args]
        res.check(csv_peaks == [runs_of(a) for a in args], "%s: csv peaks" % name)


def check_bad(res, tools):
    with open(os.path.join(ROOT, BAD, "expected.txt"), encoding="utf-8") as f:
        expected = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    for tool, extra in tools:
        label = os.path.basename(tool)
        for name, msg in expected:
            path = os.path.join(BAD, name)
            got = run([tool] + extra + [path])
            want = "%s: %s: mprof: %s\n" % (label, path, msg)
            res.check(got.returncode == 2 and got.stderr.decode() == want and not got.stdout,
                      "%s %s" % (label, name),
                      "want exit 2, %r\ngot exit %d, %r" % (want, got.returncode, got.stderr.decode()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, help="pstat-view")
    ap.add_argument("--plot-tool", help="mprof-plot, for the bad-input messages")
    ap.add_argument("--live", action="store_true")
    a = ap.parse_args()
    # the checks run from the repository root
    a.tool = os.path.abspath(a.tool)
    a.plot_tool = a.plot_tool and os.path.abspath(a.plot_tool)
    res = Results()
    check_peaks(res, a.tool, a.live)
    check_machine_formats(res, a.tool)
    tools = [(a.tool, ["--from", "mprof"])]
    if a.plot_tool:
        tools.append((a.plot_tool, ["-o", os.devnull, "-F", "svg"]))
    check_bad(res, tools)
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
