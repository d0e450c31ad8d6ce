#!/bin/sh
# Regenerate tests/golden/prof2dot/<name>.dot for every case in cases.tsv.
#
#   sh tests/golden/prof2dot/regen.sh PATH/TO/gprof2dot.py
#
# The expected output always comes from gprof2dot itself (jrfonseca/gprof2dot,
# one Python file; this script fetches nothing: check it out yourself and pass
# the path), run as `gprof2dot.py -f pstats ARGS` from the repository root,
# never from profkit.  gprof2dot loads pstats files with the running Python's
# pstats, so PYTHON (default: Debian's /usr/bin/python3, 3.11) must be a
# Python 3 that can load the samples named in cases.tsv.  Runs from any
# directory.
set -eu

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 PATH/TO/gprof2dot.py" >&2
    exit 2
fi
gprof2dot=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3
export LC_ALL=C.UTF-8 PYTHONHASHSEED=0

cd "$root"
exec "$PYTHON" - "$gprof2dot" <<'EOF'
import os, shlex, subprocess, sys

gprof2dot = sys.argv[1]
cases_file = "tests/golden/prof2dot/cases.tsv"
out_dir = os.path.dirname(cases_file)

cases = []
with open(cases_file, encoding="utf-8") as f:
    for lineno, line in enumerate(f, 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        name, sep, args = line.partition("\t")
        if not sep or not name:
            sys.exit("%s:%d: expected name<TAB>args" % (cases_file, lineno))
        cases.append((name, shlex.split(args)))

names = [n for n, _ in cases]
dupes = sorted(set(n for n in names if names.count(n) > 1))
if dupes:
    sys.exit("duplicate case names: %s" % ", ".join(dupes))

failed = 0
for name, args in cases:
    proc = subprocess.run([sys.executable, gprof2dot, "-f", "pstats"] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0 or not proc.stdout:
        failed += 1
        print("FAIL %s (exit %d): %s" % (name, proc.returncode,
                                         proc.stderr.decode("utf-8", "replace").strip()[-500:]))
        continue
    with open(os.path.join(out_dir, name + ".dot"), "wb") as f:
        f.write(proc.stdout)

wanted = set(n + ".dot" for n in names)
for stale in sorted(set(f for f in os.listdir(out_dir) if f.endswith(".dot")) - wanted):
    os.remove(os.path.join(out_dir, stale))
    print("removed stale %s" % stale)

print("%d outputs written by %s with Python %s, %d failed"
      % (len(cases) - failed, os.path.basename(gprof2dot), sys.version.split()[0], failed))
sys.exit(1 if failed else 0)
EOF
