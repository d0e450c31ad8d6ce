#!/bin/sh
# Regenerate tests/golden/pstat-view/<name>.out for every case in cases.tsv.
#
# The expected output always comes from Python's own pstats through
# tests/golden/pstats_ref.py, never from profkit.  Runs from any directory.
# PYTHON selects the interpreter (default python3); Python 2 inputs need
# pyenv's 2.7, see pstats_ref.py.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
export TZ=UTC LC_ALL=C.UTF-8

cd "$root"
exec "$PYTHON" - "$@" <<'EOF'
import os, shlex, subprocess, sys

cases_file = "tests/golden/pstat-view/cases.tsv"
out_dir = os.path.dirname(cases_file)

# Headers print time.ctime(mtime); checkouts change mtimes, so pin them.
for name in os.listdir("samples/pstats"):
    os.utime(os.path.join("samples/pstats", name), (1700000000, 1700000000))

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
    proc = subprocess.run([sys.executable, "tests/golden/pstats_ref.py"] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0 or proc.stderr:
        failed += 1
        print("FAIL %s (exit %d): %s" % (name, proc.returncode,
                                         proc.stderr.decode("utf-8", "replace").strip()))
        continue
    with open(os.path.join(out_dir, name + ".out"), "wb") as f:
        f.write(proc.stdout)

# Drop outputs of cases that no longer exist.
wanted = set(n + ".out" for n in names)
for stale in sorted(set(f for f in os.listdir(out_dir) if f.endswith(".out")) - wanted):
    os.remove(os.path.join(out_dir, stale))
    print("removed stale %s" % stale)

print("%d outputs written with Python %s, %d failed"
      % (len(cases) - failed, sys.version.split()[0], failed))
sys.exit(1 if failed else 0)
EOF
