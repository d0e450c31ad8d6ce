#!/usr/bin/env python3
"""Golden DOT tests for prof2dot: byte-for-byte equality with gprof2dot.

    run_prof2dot.py --tool PATH/TO/prof2dot [--cases cases.tsv]
                    [--gprof2dot PATH/TO/gprof2dot.py] [--only SUBSTR]

For each case of cases.tsv (`name<TAB>args`, split with shlex, paths relative
to the repository root) prof2dot runs from the repository root with the same
arguments gprof2dot was given (regen.sh); its stdout must equal <name>.dot
byte for byte, its exit status must be 0, and its stderr the one summary line.

The one thing masked: `<code object NAME at 0xADDR, ...>` names hold the address
the object had in whichever process unmarshalled the file (gprof2dot's own, or
none for prof2dot), so every `at 0x...` is masked on both sides (with -w the
name may be wrapped just before "at").

With --gprof2dot (or $GPROF2DOT) each case is also compared with gprof2dot run
now, with $PYTHON (default /usr/bin/python3); without it that part is skipped.

Prints `N passed, M failed` last; exit status 1 if M > 0.
"""

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CODE_ADDR = re.compile(rb"(at 0x)[0-9a-fA-F]+")
SUMMARY = re.compile(rb"^prof2dot: \d+ nodes and \d+ edges drawn; "
                     rb"pruned \d+ of \d+ nodes and \d+ of \d+ edges\n$")
DIFF_LINES = 30


def read_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, sep, args = line.partition("\t")
            if not sep or not name:
                raise SystemExit("%s:%d: expected name<TAB>args" % (path, lineno))
            cases.append((name, shlex.split(args)))
    return cases


def mask(text):
    return CODE_ADDR.sub(rb"\g<1>...", text)


def show_diff(expected, actual, label):
    exp = expected.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    act = actual.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    diff = list(difflib.unified_diff(exp, act, "expected (%s)" % label, "actual (prof2dot)"))
    for line in diff[:DIFF_LINES]:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
    if len(diff) > DIFF_LINES:
        print("    ... %d more diff lines" % (len(diff) - DIFF_LINES))


def check_case(name, args, tool, gprof2dot, python):
    cmd = [tool] + args
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    problems, diffs = [], []
    if proc.returncode != 0:
        problems.append("exit status %d (expected 0)" % proc.returncode)
    if not SUMMARY.match(proc.stderr):
        problems.append("stderr is not the summary line: %r" % proc.stderr[:300])
    actual = mask(proc.stdout)
    expected_path = os.path.join(HERE, name + ".dot")
    try:
        with open(expected_path, "rb") as f:
            expected = mask(f.read())
        if expected != actual:
            problems.append("stdout differs from %s" % os.path.relpath(expected_path, ROOT))
            diffs.append((expected, actual, name + ".dot"))
    except OSError as e:
        problems.append("cannot read %s: %s" % (expected_path, e.strerror))
    if gprof2dot:
        ref = subprocess.run([python, gprof2dot, "-f", "pstats"] + args, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if ref.returncode != 0:
            problems.append("live gprof2dot failed (exit %d): %s" % (
                ref.returncode, ref.stderr.decode("utf-8", "replace").strip()[-300:]))
        elif mask(ref.stdout) != actual:
            problems.append("stdout differs from live gprof2dot")
            diffs.append((mask(ref.stdout), actual, "live gprof2dot"))
    if problems:
        print("FAIL %s" % name)
        print("  command: cd %s && %s" % (shlex.quote(ROOT), shlex.join(cmd)))
        for p in problems:
            print("  %s" % p)
        for exp, act, label in diffs:
            show_diff(exp, act, label)
    return not problems


def main():
    ap = argparse.ArgumentParser(description="prof2dot golden tests")
    ap.add_argument("--tool", required=True, help="path to the prof2dot binary")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.tsv"))
    ap.add_argument("--gprof2dot", default=os.environ.get("GPROF2DOT"),
                    help="gprof2dot.py to compare with live (default: $GPROF2DOT)")
    ap.add_argument("--only", metavar="SUBSTR", help="run the cases whose name contains SUBSTR")
    opts = ap.parse_args()

    tool = os.path.abspath(opts.tool)
    if not (os.path.isfile(tool) and os.access(tool, os.X_OK)):
        print("run_prof2dot.py: tool not found or not executable: %s" % tool)
        return 1
    gprof2dot = opts.gprof2dot
    if gprof2dot and not os.path.isfile(gprof2dot):
        print("note: gprof2dot %s not found: live comparison skipped" % gprof2dot)
        gprof2dot = None
    python = os.environ.get("PYTHON", "/usr/bin/python3")
    cases = read_cases(opts.cases)
    if opts.only:
        cases = [(n, a) for n, a in cases if opts.only in n]
    passed = sum(check_case(n, a, tool, gprof2dot, python) for n, a in cases)
    failed = len(cases) - passed
    if not gprof2dot:
        print("note: no gprof2dot given (--gprof2dot or GPROF2DOT): compared with the "
              "committed outputs only")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
