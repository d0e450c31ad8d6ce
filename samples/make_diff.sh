#!/bin/sh
# Regenerate samples/diff/: two versions of one program (programs/diffapp_v1.py,
# programs/diffapp_v2.py), each run under the name diffapp.py so that the
# keys name the same file, profiled with Debian's Python 3.11:
#   diffapp_v{1,2}.pstats   python3 -m cProfile -o F diffapp.py
#   diffapp_v{1,2}b.pstats  a second run of each (run-to-run noise)
#   diffapp_v{1,2}.lprof    kernprof -l (line_profiler 4.0.2)
# prof-diff's tests (tests/golden/diff/check_diff.py) compare them.
#
# Usage: sh samples/make_diff.sh        (from any directory)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$here/diff
PYTHON=${PYTHON:-/usr/bin/python3}
KERNPROF=${KERNPROF:-kernprof}

export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 LC_ALL=C.UTF-8
unset PYTHONPATH PYTHONSTARTUP 2>/dev/null || true

mkdir -p "$out"
rm -f "$out"/diffapp_*
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for v in 1 2; do
    cp "$here/programs/diffapp_v$v.py" diffapp.py
    "$PYTHON" -m cProfile -o "$out/diffapp_v$v.pstats" diffapp.py
    "$PYTHON" -m cProfile -o "$out/diffapp_v${v}b.pstats" diffapp.py
    "$KERNPROF" -l -o "$out/diffapp_v$v.lprof" diffapp.py >/dev/null
done
