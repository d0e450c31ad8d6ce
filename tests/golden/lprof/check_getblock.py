#!/usr/bin/env python3
"""profkit's reading of Python source against Python's own (3.11).

    check_getblock.py --blocks PATH/TO/lprof_blocks [FILE.py ...]

For every line of every file, the lines pstat-view shows for a function
starting there must be those line_profiler shows: the file read as
linecache.getlines() reads it (encoding cookie, BOM, universal newlines),
and inspect.getblock(lines[i:]) for the extent. Starting points where
Python's tokenizer raises (so line_profiler itself fails) are not compared.

Files: the given ones, or by default samples/programs/*.py, the hand-made
sources in tests/data/lprof/source/ (CRLF, CR, latin-1 and ascii cookies, a
BOM, tabs, form feeds, strings and brackets across lines, bad indentation,
NUL bytes, no final newline ...) and a few modules of the Python running the
check. Runs under the Python that has line_profiler (Debian's 3.11), since
the tokenizer is version specific; exits 77 (skipped) without Python 3.11.
"""
import argparse
import glob
import inspect
import linecache
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def ensure_python311():
    if sys.version_info[:2] == (3, 11):
        return
    for python in ("/usr/bin/python3", "python3.11"):
        try:
            ok = subprocess.run([python, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 11))"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        except OSError:
            ok = False
        if ok:
            os.execvp(python, [python] + sys.argv)
    print("skipped: needs Python 3.11, whose tokenizer line_profiler 4.0.2 uses here")
    sys.exit(77)


def default_files():
    files = sorted(glob.glob(os.path.join(ROOT, "samples", "programs", "*.py")))
    files += sorted(glob.glob(os.path.join(ROOT, "tests", "data", "lprof", "source", "*.py")))
    import argparse as m1, inspect as m2, tokenize as m3, dataclasses as m4, textwrap as m5
    files += [m.__file__ for m in (m1, m2, m3, m4, m5)]
    return files


def main():
    ensure_python311()
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", required=True)
    ap.add_argument("files", nargs="*")
    opts = ap.parse_args()
    files = opts.files or default_files()
    proc = subprocess.run([opts.blocks] + files, stdout=subprocess.PIPE)
    if proc.returncode != 0:
        print("FAIL: lprof_blocks exited with %d" % proc.returncode)
        return 1
    out = proc.stdout.split(b"\n")
    pos = compared = raised = bad = 0
    for path in files:
        n = int(out[pos].rsplit(b" ", 1)[1])
        ours = [int(x) for x in out[pos + 1:pos + 1 + n]]
        pos += 1 + n
        linecache.clearcache()
        lines = linecache.getlines(path)
        if len(lines) != n:
            bad += 1
            print("FAIL %s: %d lines, linecache reads %d" % (path, n, len(lines)))
            continue
        for i in range(n):
            try:
                want = len(inspect.getblock(lines[i:]))
            except Exception:
                raised += 1
                continue
            compared += 1
            if want != ours[i]:
                bad += 1
                if bad <= 20:
                    print("FAIL %s:%d: block of %d lines, inspect.getblock gives %d"
                          % (path, i + 1, ours[i], want))
    print("%d files, %d starting lines compared (%d where Python raises skipped), %d failures"
          % (len(files), compared, raised, bad))
    return 1 if bad or not compared else 0


if __name__ == "__main__":
    sys.exit(main())
