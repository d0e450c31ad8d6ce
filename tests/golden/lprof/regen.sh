#!/bin/sh
# Regenerate tests/golden/lprof/<name>.out for every case in cases.tsv.
#
# The expected output always comes from line_profiler itself (Debian's
# python3-line-profiler 4.0.2: `python3 -m line_profiler`, or its show_func
# through lprof_ref.py for the 4.1 options), never from profkit. Each case
# runs in its own directory (see cases.tsv). PYTHON selects the interpreter
# (default: the first of python3 and /usr/bin/python3 that has line_profiler).
# Runs from any directory. Regenerate after samples/make_lprof.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
for py in "${PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$py" ] && "$py" -c 'import line_profiler' 2>/dev/null && break
    py=
done
[ -n "$py" ] || { echo "regen.sh: no python3 with line_profiler (apt-get install python3-line-profiler)" >&2; exit 1; }

exec "$py" - "$here" <<'PYEOF'
import os, subprocess, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import lprof_cases as lc

cases = lc.read_cases()
failed = 0
for name, where, _args, ref in cases:
    proc = subprocess.run(lc.reference_cmd(sys.executable, ref), cwd=where, env=lc.env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        failed += 1
        print("FAIL %s (exit %d): %s" % (name, proc.returncode,
                                         proc.stderr.decode("utf-8", "replace").strip()))
        continue
    with open(os.path.join(lc.HERE, name + ".out"), "wb") as f:
        f.write(proc.stdout)

wanted = set(n + ".out" for n, *_ in cases)
for stale in sorted(set(f for f in os.listdir(lc.HERE) if f.endswith(".out")) - wanted):
    os.remove(os.path.join(lc.HERE, stale))
    print("removed stale %s" % stale)
print("%d outputs written with line_profiler from %s, %d failed"
      % (len(cases) - failed, sys.executable, failed))
sys.exit(1 if failed else 0)
PYEOF
