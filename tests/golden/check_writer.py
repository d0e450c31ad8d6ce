#!/usr/bin/env python3
"""Live check of the pstats writer against Python's own loaders.

For every sample Python 3 can load, `prof-convert SAMPLE -o OUT` (marshal
version 2 and 4) must give a file that `pstats.Stats(OUT)` loads, whose
stats dict equals the original's. Merging (`prof-convert A B -o OUT`) must
equal `pstats.Stats(A, B).stats`. Where python2.7 is installed, it must load
the version-2 output as well.

Code-object keys (from `python -m profile`) cannot be rebuilt, so the
writer stores them as their description; they are compared by that text.

Usage: check_writer.py --tool path/to/prof-convert
"""
import argparse
import glob
import marshal
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(ROOT, "samples", "pstats")


def describe(name):
    if isinstance(name, types.CodeType):
        return '<code object %s at 0x, file "%s", line %d>' % (
            name.co_name, name.co_filename, name.co_firstlineno)
    return name


def mask_code(name):
    """Our text for a code object key, with the address left out."""
    if isinstance(name, str) and name.startswith("<code object ") and " at 0x" in name:
        head, rest = name.split(" at 0x", 1)
        return head + " at 0x" + rest[rest.index(","):]
    return describe(name)


def normal_key(key):
    return (key[0], key[1], mask_code(key[2]))


def normalise(stats):
    out = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        out[normal_key(key)] = (cc, nc, tt, ct,
                                {normal_key(k): v for k, v in callers.items()})
    return out


def loadable(path):
    try:
        with open(path, "rb") as f:
            return bool(marshal.load(f))
    except Exception:
        return False


def convert(tool, inputs, out, version):
    subprocess.run([tool, *inputs, "-o", out, "--marshal-version", str(version)],
                   check=True, cwd=ROOT)


def check(name, expected, path):
    got = normalise(pstats.Stats(path).stats)
    if got != normalise(expected):
        print("FAIL %s: stats differ after writing" % name)
        return False
    return True


def python27():
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("pyenv") else ""
    path = os.path.join(root, "versions", "2.7.18", "bin", "python") if root else ""
    return path if path and os.path.exists(path) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    args = ap.parse_args()
    args.tool = os.path.abspath(args.tool)
    if not os.path.exists(args.tool):
        print("no such tool: %s" % args.tool)
        return 1
    samples = sorted(p for p in glob.glob(os.path.join(SAMPLES, "*.pstats")) if loadable(p))
    py27 = python27()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in samples:
            expected = pstats.Stats(path).stats
            for version in (2, 4):
                out = os.path.join(tmp, "out_v%d.pstats" % version)
                name = "%s v%d" % (os.path.basename(path), version)
                convert(args.tool, [path], out, version)
                ok = check(name, expected, out)
                if ok and version == 2 and py27:
                    r = subprocess.run([py27, "-c", "import marshal,sys; "
                                        "d = marshal.load(open(sys.argv[1], 'rb')); "
                                        "sys.exit(0 if d else 1)", out])
                    ok = r.returncode == 0
                    if not ok:
                        print("FAIL %s: python2.7 cannot load it" % name)
                passed += ok
                failed += not ok
        # Merging: the same as pstats.Stats(a, b, c).
        groups = [
            ("recursion_cprofile_py3.11.7", "recursion_cprofile_py3.13.0"),
            ("wordfreq_cprofile_py3.11.7", "shapes_cprofile_py3.12.1",
             "stdlib_mix_cprofile_py3.10.13"),
        ]
        # Merges add each file to the profile as it is read: every cProfile
        # sample this Python loads, all at once and each pair of neighbours
        # (pstats itself cannot merge profile.py's count-only callers into
        # cProfile's tuples: it raises TypeError).
        names = [os.path.basename(p)[:-len(".pstats")] for p in samples
                 if "_cprofile" in os.path.basename(p)]
        groups += [tuple(names)] + list(zip(names, names[1:]))
        for group in groups:
            inputs = [os.path.join(SAMPLES, g + ".pstats") for g in group]
            out = os.path.join(tmp, "merged.pstats")
            convert(args.tool, inputs, out, 4)
            label = "merge of all %d samples" % len(group) if len(group) > 3 else "+".join(group)
            ok = check(label, pstats.Stats(*inputs).stats, out)
            passed += ok
            failed += not ok
    if not py27:
        print("note: python2.7 not found, version-2 files were not loaded by Python 2")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
