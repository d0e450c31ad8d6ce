#!/usr/bin/env python3
"""Each public header compiles on its own (it includes what it needs) with
-std=c11 -pedantic -Wall -Wextra -Werror. Usage: check_headers.py CC"""
import glob
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    cc = sys.argv[1:] or ["cc"]
    headers = sorted(glob.glob(os.path.join(ROOT, "include", "profkit", "*.h")))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for h in headers:
            name = os.path.basename(h)
            src = os.path.join(tmp, "only_" + name + ".c")
            with open(src, "w") as f:
                f.write("#include <profkit/%s>\n#include <profkit/%s>\nint main(void) { return 0; }\n"
                        % (name, name))
            r = subprocess.run(cc + ["-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror",
                                     "-I", os.path.join(ROOT, "include"), "-fsyntax-only", src],
                               capture_output=True, text=True)
            if r.returncode:
                failed += 1
                print("FAIL %s:\n%s" % (name, r.stderr))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
