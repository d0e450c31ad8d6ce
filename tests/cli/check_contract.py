#!/usr/bin/env python3
"""The error contract of the tools, as a table of cases.

Every case runs one tool and checks its exit code, that stderr is one line
matching a pattern (naming tool, file, format, problem and offset), and,
where -o was given, that no output file (nor a temporary one) is left.

Usage: check_contract.py --bindir DIR   (the directory holding the tools)
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "samples", "pstats", "wordfreq_cprofile_py3.11.7.pstats")
GZ = SAMPLE + ".gz"
BAD = os.path.join(ROOT, "tests", "data", "bad", "pstats")

# (tool, args, stdin bytes or None, exit code, stderr regex or None, output that must not exist)
CASES = [
    ("pstat-view", ["--help"], None, 0, None, None),
    ("pstat-view", ["--version"], None, 0, None, None),
    ("pstat-view", ["--bogus", SAMPLE], None, 2, r"^pstat-view: unknown option '--bogus'$", None),
    ("pstat-view", ["--sort", "c", SAMPLE], None, 2, r"^pstat-view: unknown sort key 'c'$", None),
    ("pstat-view", ["--limit", "x", SAMPLE], None, 2, r"--limit wants a number", None),
    ("pstat-view", ["--format", "xml", SAMPLE], None, 2, r"unknown output format 'xml'", None),
    ("pstat-view", [], None, 2, r"no input file given", None),
    ("pstat-view", ["/no/such/file"], None, 2, r"^pstat-view: /no/such/file: cannot open: No such file", None),
    ("pstat-view", [ROOT], None, 2, r": is a directory$", None),
    ("pstat-view", [os.path.join(BAD, "huge_length.pstats")], None, 2,
     r"^pstat-view: .*huge_length\.pstats: pstats: truncated marshal string \(need \d+ bytes, \d+ left\) at byte \d+$", None),
    ("pstat-view", [os.path.join(BAD, "bad_ref.pstats")], None, 2,
     r"^pstat-view: .*bad_ref\.pstats: pstats: reference \d+ out of range .* at byte \d+$", None),
    ("pstat-view", [os.path.join(BAD, "empty_file.pstats")], None, 2, r"empty_file\.pstats: empty file$", None),
    ("pstat-view", [os.path.join(ROOT, "README.md")], None, 2, r"README\.md: not a profile format", None),
    ("pstat-view", ["-"], None, 2, r"^pstat-view: <stdin>: empty file$", None),
    ("pstat-view", ["-o", "{tmp}/out.txt", os.path.join(BAD, "bad_ref.pstats")], None, 2, r"bad_ref", "{tmp}/out.txt"),
    ("pstat-view", ["-o", "/dev/full", SAMPLE], None, 3, r"write failed: No space left on device", None),
    ("pstat-view", ["-s", "tottime", "-l", "3", "-"], "SAMPLE", 0, None, None),
    ("pstat-view", ["-s", "tottime", "-l", "3", "-"], "GZ", 0, None, None),
    ("pstat-view", ["-o", "{tmp}/ok.txt", SAMPLE], None, 0, None, None),
    ("prof-convert", [SAMPLE], None, 2, r"no output given", None),
    ("prof-convert", [SAMPLE, "-o", "{tmp}/x.pstats", "--marshal-version", "3"], None, 2,
     r"--marshal-version is 2 or 4", "{tmp}/x.pstats"),
    ("prof-convert", [os.path.join(BAD, "deep_nesting.pstats"), "-o", "{tmp}/y.pstats"], None, 2,
     r"deep_nesting\.pstats: pstats: nesting deeper than 64 levels at byte \d+$", "{tmp}/y.pstats"),
    ("prof-convert", [SAMPLE, "/no/such", "-o", "{tmp}/z.pstats"], None, 2, r"/no/such: cannot open", "{tmp}/z.pstats"),
    ("prof-convert", [SAMPLE, "-o", "/dev/full"], None, 3, r"write failed", None),
    ("prof-convert", [SAMPLE, "-o", "{tmp}/w.pstats"], None, 0, None, None),
    ("prof-diff", ["--help"], None, 0, None, None),
    ("prof-diff", ["--version"], None, 0, None, None),
    ("prof-diff", [SAMPLE], None, 2, r"^prof-diff: want two profiles, BEFORE and AFTER", None),
    ("prof-diff", ["--fail-on", "cumtime+10", SAMPLE, SAMPLE], None, 2,
     r"^prof-diff: bad --fail-on: 'cumtime\+10' is not METRIC:THRESHOLD", None),
    ("prof-diff", ["-o", "{tmp}/d.txt", SAMPLE, os.path.join(BAD, "bad_ref.pstats")], None, 2,
     r"^prof-diff: .*bad_ref\.pstats: pstats: reference \d+ out of range .* at byte \d+$", "{tmp}/d.txt"),
    ("prof-diff", ["-o", "{tmp}/e.txt", "--fail-on", "peak:+1MiB", SAMPLE, SAMPLE], None, 2,
     r"^prof-diff: a function diff has no metric 'peak'", "{tmp}/e.txt"),
    ("prof-diff", [SAMPLE, SAMPLE, "-o", "/dev/full"], None, 3, r"write failed", None),
    ("prof-diff", ["--fail-on", "total:+0%", "-", SAMPLE], "GZ", 0, None, None),
]


def run_case(bindir, tmp, case):
    tool, args, stdin, code, pattern, absent = case
    args = [a.replace("{tmp}", tmp) for a in args]
    data = {"SAMPLE": SAMPLE, "GZ": GZ}.get(stdin) if stdin else None
    inp = open(data, "rb").read() if data else b""
    r = subprocess.run([os.path.join(bindir, tool)] + args, input=inp,
                       capture_output=True, cwd=ROOT)
    err = r.stderr.decode("utf-8", "replace")
    problems = []
    if r.returncode != code:
        problems.append("exit %d, expected %d" % (r.returncode, code))
    if pattern is not None:
        lines = err.splitlines()
        usage = code == 2 and len(lines) == 2 and lines[1].startswith("try '")
        if len(lines) != 1 and not usage:
            problems.append("stderr is %d lines, expected one" % len(lines))
        if not lines or not re.search(pattern, lines[0]):
            problems.append("stderr %r does not match %r" % (err, pattern))
    elif code == 0 and err:
        problems.append("unexpected stderr %r" % err)
    if absent:
        absent = absent.replace("{tmp}", tmp)
        left = [f for f in os.listdir(os.path.dirname(absent))
                if f.startswith(os.path.basename(absent))]
        if left:
            problems.append("left behind: %s" % left)
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    opts = ap.parse_args()
    bindir = os.path.abspath(opts.bindir)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            problems = run_case(bindir, tmp, case)
            if problems:
                failed += 1
                print("FAIL %s %s: %s" % (case[0], " ".join(case[1]), "; ".join(problems)))
            else:
                passed += 1
        # A closed pipe ends the tool quietly (no message on stderr).
        r = subprocess.run("%s %s | head -1 >/dev/null" % (os.path.join(bindir, "pstat-view"),
                           os.path.join(ROOT, "bench", "data", "big.pstats")
                           if os.path.exists(os.path.join(ROOT, "bench", "data", "big.pstats"))
                           else SAMPLE),
                           shell=True, capture_output=True)
        if r.stderr:
            failed += 1
            print("FAIL closed pipe: stderr %r" % r.stderr)
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
