#!/bin/sh
# Create bench/data/big.pstats: a large real profile for benchmarks.
#
# Profiles bench/big_workload.py (most of the standard library imported, pydoc
# over every module, many small stdlib exercises, plus Debian's pure-Python
# packages when installed) with Debian's python3 cProfile, then checks with
# pstats that the profile has at least 5000 distinct functions.
# Takes about a minute.  Usage: sh bench/make_big_profile.sh   (from anywhere)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
out=$here/data/big.pstats

mkdir -p "$here/data"
cd "$here"
# No .pyc files left behind next to big_workload.py; hash seed fixed.
PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0 \
    "$PYTHON" -m cProfile -o "$out.tmp" big_workload.py </dev/null
mv "$out.tmp" "$out"

"$PYTHON" - "$out" <<'PY'
import os, pstats, sys
path = sys.argv[1]
s = pstats.Stats(path)
n = len(s.stats)
edges = sum(len(v[4]) for v in s.stats.values())
print("%s: %.1f MB, %d functions, %d caller edges, %d calls"
      % (path, os.path.getsize(path) / 1e6, n, edges, s.total_calls))
if n < 5000:
    sys.exit("error: only %d distinct functions (want at least 5000)" % n)
PY
