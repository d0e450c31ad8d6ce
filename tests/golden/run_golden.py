#!/usr/bin/env python3
"""Golden-output tests for pstat-view.

    run_golden.py --tool PATH/TO/pstat-view --cases tests/golden/pstat-view/cases.tsv
                  [--live] [--only SUBSTR]

For each case (a line `name<TAB>args` of cases.tsv; args split with shlex, sample
paths relative to the repository root) the tool runs with cwd = repository root and
TZ=UTC; its stdout must equal <name>.out (next to cases.tsv) byte for byte, its exit
status must be 0 and its stderr empty.

The one thing masked: `<code object NAME at 0xADDR, file ...>` names a memory address
that only the profiled process knew (pstat-view prints `at 0x0`).  When expected and
actual output both contain it, the address is masked in both; and because pstats pads
callers/callees columns to the longest name, the padding of those listings is
collapsed in both too.

--live also runs tests/golden/pstats_ref.py (Python's pstats) for each case and
compares the tool with that, the same way; a case whose input needs an interpreter
that is missing (Python 2 files need pyenv's 2.7) is skipped for live, with a note.

Prints `N passed, M failed` last; exit status 1 if M > 0 (or the tool is missing).
"""

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = os.path.join(ROOT, "tests", "golden", "pstats_ref.py")
SAMPLES = os.path.join(ROOT, "samples", "pstats")
FIXED_MTIME = 1700000000
REF_NO_CONVERTER = 3            # pstats_ref.py: an input needs a missing interpreter
DIFF_LINES = 40

CODE_ADDR = re.compile(rb"(<code object \S+ at 0x)[0-9a-fA-F]+(, file )")
CALL_LISTING = re.compile(rb"^Function +(was called by\.\.\.|called\.\.\.)$", re.M)


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


def pin_sample_mtimes():
    """pstats headers print time.ctime(mtime); a checkout sets mtimes to 'now'."""
    for name in os.listdir(SAMPLES):
        os.utime(os.path.join(SAMPLES, name), (FIXED_MTIME, FIXED_MTIME))


def collapse_call_padding(text):
    """Make print_callers/print_callees padding independent of the name width."""
    out = []
    for line in text.split(b"\n"):
        line = re.sub(rb"^Function +", b"Function ", line)
        line = re.sub(rb"^(\S.*?) +(<-|->)( |$)", rb"\1 \2\3", line)
        line = re.sub(rb"^ +", b" ", line)
        line = re.sub(rb" (<-|->) +", rb" \1 ", line)
        out.append(line)
    return b"\n".join(out)


def mask(expected, actual):
    """Mask code-object addresses (and what their length decides) when both have them."""
    if CODE_ADDR.search(expected) and CODE_ADDR.search(actual):
        expected = CODE_ADDR.sub(rb"\g<1>...\2", expected)
        actual = CODE_ADDR.sub(rb"\g<1>...\2", actual)
        if CALL_LISTING.search(expected):
            expected = collapse_call_padding(expected)
            actual = collapse_call_padding(actual)
    return expected, actual


def show_diff(expected, actual, label):
    exp = expected.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    act = actual.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    diff = list(difflib.unified_diff(exp, act, "expected (%s)" % label, "actual (pstat-view)"))
    for line in diff[:DIFF_LINES]:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
    if len(diff) > DIFF_LINES:
        print("    ... %d more diff lines" % (len(diff) - DIFF_LINES))


def run(cmd, env):
    return subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def check_case(name, args, tool, out_dir, live, env):
    """Return (ok, notes); prints the details of a failure."""
    cmd = [tool] + args
    shown = "cd %s && TZ=UTC %s" % (shlex.quote(ROOT), " ".join(shlex.quote(a) for a in cmd))
    problems = []
    notes = []
    proc = run(cmd, env)
    if proc.returncode != 0:
        problems.append("exit status %d (expected 0)" % proc.returncode)
    if proc.stderr:
        problems.append("stderr not empty: %s"
                        % proc.stderr.decode("utf-8", "backslashreplace").strip()[:500])

    diffs = []
    expected_path = os.path.join(out_dir, name + ".out")
    try:
        with open(expected_path, "rb") as f:
            expected = f.read()
    except OSError as e:
        problems.append("cannot read %s: %s" % (expected_path, e.strerror))
        expected = None
    if expected is not None:
        exp, act = mask(expected, proc.stdout)
        if exp != act:
            problems.append("stdout differs from %s" % os.path.relpath(expected_path, ROOT))
            diffs.append((exp, act, name + ".out"))

    if live:
        ref = run([sys.executable, REF] + args, env)
        if ref.returncode == REF_NO_CONVERTER:
            notes.append("live skipped: %s" % ref.stderr.decode("utf-8", "replace").strip())
        elif ref.returncode != 0 or ref.stderr:
            problems.append("live pstats_ref.py failed (exit %d): %s" % (
                ref.returncode, ref.stderr.decode("utf-8", "replace").strip()[:500]))
        else:
            exp, act = mask(ref.stdout, proc.stdout)
            if exp != act:
                problems.append("stdout differs from live pstats")
                diffs.append((exp, act, "live pstats"))

    if problems:
        print("FAIL %s" % name)
        print("  command: %s" % shown)
        for p in problems:
            print("  %s" % p)
        for exp, act, label in diffs:
            show_diff(exp, act, label)
    return not problems, notes


def main():
    ap = argparse.ArgumentParser(description="pstat-view golden tests")
    ap.add_argument("--tool", required=True, help="path to the pstat-view binary")
    ap.add_argument("--cases", required=True, help="cases.tsv")
    ap.add_argument("--live", action="store_true",
                    help="also compare with Python's pstats run now")
    ap.add_argument("--only", metavar="SUBSTR", help="run the cases whose name contains SUBSTR")
    opts = ap.parse_args()

    tool = os.path.abspath(opts.tool)
    if not (os.path.isfile(tool) and os.access(tool, os.X_OK)):
        print("run_golden.py: tool not found or not executable: %s" % tool)
        return 1
    cases_path = os.path.abspath(opts.cases)
    out_dir = os.path.dirname(cases_path)
    cases = read_cases(cases_path)
    if opts.only:
        cases = [(n, a) for n, a in cases if opts.only in n]

    env = dict(os.environ, TZ="UTC")
    pin_sample_mtimes()
    passed = failed = 0
    skipped_live = []
    for name, args in cases:
        ok, notes = check_case(name, args, tool, out_dir, opts.live, env)
        if ok:
            passed += 1
        else:
            failed += 1
        if notes:
            skipped_live.append((name, notes))
    for name, notes in skipped_live:
        for note in notes:
            print("note: %s: %s" % (name, note))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
