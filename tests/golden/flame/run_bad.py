#!/usr/bin/env python3
"""Bad folded inputs (tests/data/bad/folded/expected.txt): prof-flame exits
2, prints exactly one line on stderr matching the expected pattern, and
leaves no output file behind.

usage: run_bad.py --tool PROF_FLAME --bad DIR
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--bad", required=True)
    a = ap.parse_args()
    failed = 0
    n = 0
    with open(os.path.join(a.bad, "expected.txt"), encoding="utf-8") as f, \
            tempfile.TemporaryDirectory() as tmp:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, args, pattern = line.split("\t")
            n += 1
            out = os.path.join(tmp, name + ".svg")
            # PROFKIT_WRAPPER: e.g. valgrind (meson test --setup=valgrindtools).
            wrapper = shlex.split(os.environ.get("PROFKIT_WRAPPER", ""))
            r = subprocess.run(wrapper + [a.tool] + shlex.split(args) + [os.path.join(a.bad, name), "-o", out],
                               capture_output=True, text=True)
            lines = r.stderr.splitlines()
            ok = (r.returncode == 2 and len(lines) == 1 and re.search(pattern, lines[0])
                  and not os.path.exists(out) and len(os.listdir(tmp)) == 0)
            print("%s %s: exit %d, %r" % ("ok  " if ok else "FAIL", name, r.returncode, r.stderr.strip()))
            failed += not ok
    print("%d of %d bad inputs failed" % (failed, n) if failed else "all %d bad inputs refused cleanly" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
