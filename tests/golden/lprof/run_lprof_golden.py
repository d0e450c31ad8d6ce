#!/usr/bin/env python3
"""Golden tests for pstat-view's line tables (.lprof input).

    run_lprof_golden.py --tool PATH/TO/pstat-view [--live] [--only SUBSTR]
    run_lprof_golden.py --tool PATH/TO/pstat-view --bad DIR

Cases: tests/golden/lprof/cases.tsv. Each runs pstat-view in the case's
directory (where the sample's source files resolve as they did for kernprof);
stdout must equal <name>.out byte for byte, stderr must be empty and the exit
status 0. The .out files come from line_profiler (regen.sh), never from
profkit. --live also runs the reference now, when an interpreter with
line_profiler exists, and compares with that too.

--bad DIR instead runs pstat-view on every file listed in DIR/expected.txt
(file, a tab, the message) and wants exit status 2 and exactly the line
"pstat-view: DIR/FILE: lprof: MESSAGE" on stderr.

Prints `N passed, M failed` last; exit status 1 if M > 0.
"""
import argparse
import difflib
import os
import shlex
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lprof_cases as lc  # noqa: E402

DIFF_LINES = 40


def show_diff(expected, actual, label):
    exp = expected.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    act = actual.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    diff = list(difflib.unified_diff(exp, act, "expected (%s)" % label, "actual (pstat-view)"))
    for line in diff[:DIFF_LINES]:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
    if len(diff) > DIFF_LINES:
        print("    ... %d more diff lines" % (len(diff) - DIFF_LINES))


def check_case(tool, name, where, args, ref, live_python):
    problems, diffs = [], []
    proc = subprocess.run([tool] + args, cwd=where, env=lc.env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        problems.append("exit status %d (expected 0)" % proc.returncode)
    if proc.stderr:
        problems.append("stderr not empty: %s" % proc.stderr.decode("utf-8", "replace").strip())
    expected_path = os.path.join(lc.HERE, name + ".out")
    with open(expected_path, "rb") as f:
        expected = f.read()
    if expected != proc.stdout:
        problems.append("stdout differs from %s" % os.path.relpath(expected_path, lc.ROOT))
        diffs.append((expected, name + ".out"))
    if live_python:
        live = subprocess.run(lc.reference_cmd(live_python, ref), cwd=where, env=lc.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if live.returncode != 0:
            problems.append("live reference failed: %s"
                            % live.stderr.decode("utf-8", "replace").strip()[-500:])
        elif live.stdout != proc.stdout:
            problems.append("stdout differs from line_profiler run now")
            diffs.append((live.stdout, "line_profiler now"))
    if problems:
        print("FAIL %s" % name)
        print("  command: cd %s && %s" % (shlex.quote(os.path.relpath(where, lc.ROOT)),
                                          " ".join(shlex.quote(a) for a in [tool] + args)))
        for p in problems:
            print("  " + p)
        for exp, label in diffs:
            show_diff(exp, proc.stdout, label)
    return not problems


def check_bad(tool, bad_dir):
    passed = failed = 0
    rel = os.path.relpath(bad_dir, lc.ROOT)
    with open(os.path.join(bad_dir, "expected.txt"), encoding="utf-8") as f:
        entries = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    for name, message in entries:
        path = os.path.join(rel, name)
        # PROFKIT_WRAPPER: e.g. valgrind (meson test --setup=valgrindtools).
        wrapper = shlex.split(os.environ.get("PROFKIT_WRAPPER", ""))
        proc = subprocess.run(wrapper + [tool, path], cwd=lc.ROOT, env=lc.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        want = "pstat-view: %s: lprof: %s\n" % (path, message)
        got = proc.stderr.decode("utf-8", "replace")
        if proc.returncode == 2 and got == want and not proc.stdout:
            passed += 1
            continue
        failed += 1
        print("FAIL %s: exit %d" % (name, proc.returncode))
        print("  expected stderr: %r" % want)
        print("  actual stderr:   %r" % got)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


def main():
    ap = argparse.ArgumentParser(description="pstat-view line-table golden tests")
    ap.add_argument("--tool", required=True, help="path to pstat-view")
    ap.add_argument("--live", action="store_true", help="also compare with line_profiler now")
    ap.add_argument("--only", metavar="SUBSTR", help="only cases whose name contains SUBSTR")
    ap.add_argument("--bad", metavar="DIR", help="check the bad-input files of DIR instead")
    opts = ap.parse_args()
    tool = os.path.abspath(opts.tool)
    if not os.access(tool, os.X_OK):
        print("tool not found: %s" % tool)
        return 1
    if opts.bad:
        return check_bad(tool, os.path.abspath(opts.bad))

    live_python = None
    if opts.live:
        live_python = lc.find_python()
        if not live_python:
            print("note: no python3 with line_profiler; live comparison skipped")
    cases = lc.read_cases()
    if opts.only:
        cases = [c for c in cases if opts.only in c[0]]
    passed = failed = 0
    for name, where, args, ref in cases:
        if check_case(tool, name, where, args, ref, live_python):
            passed += 1
        else:
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
