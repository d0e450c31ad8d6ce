#!/usr/bin/env python3
"""Bad pprof inputs: pstat-view and prof-convert on every file listed in
tests/data/bad/pprof/expected.txt.

    run_bad.py --pstat-view PATH --prof-convert PATH

pstat-view must exit 2 with exactly 'pstat-view: PATH: MESSAGE' on stderr and
nothing on stdout; prof-convert must exit 2 and leave no output file.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BAD = os.path.join("tests", "data", "bad", "pprof")


def entries():
    with open(os.path.join(ROOT, BAD, "expected.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, args, message = line.rstrip("\n").split("\t")
                yield name, args.split(), message


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pstat-view", required=True)
    ap.add_argument("--prof-convert", required=True)
    opts = ap.parse_args()
    for k, v in vars(opts).items():  # meson passes paths relative to the build dir
        if isinstance(v, str) and k != 'live':
            setattr(opts, k, os.path.abspath(v))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, args, message in entries():
            path = os.path.join(BAD, name)
            view = subprocess.run([opts.pstat_view] + args + [path], cwd=ROOT,
                                  capture_output=True)
            want = "pstat-view: %s: %s\n" % (path, message)
            got = view.stderr.decode("utf-8", "replace")
            out = os.path.join(tmp, "out.pb.gz")
            conv = subprocess.run([opts.prof_convert] + args + [path, "-o", out], cwd=ROOT,
                                  capture_output=True)
            problems = []
            if view.returncode != 2 or got != want or view.stdout:
                problems.append("pstat-view: exit %d, stderr %r (expected %r)"
                                % (view.returncode, got, want))
            if conv.returncode != 2 or os.listdir(tmp):
                problems.append("prof-convert: exit %d, left %s" % (conv.returncode, os.listdir(tmp)))
            if problems:
                failed += 1
                print("FAIL %s\n  %s" % (name, "\n  ".join(problems)))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
