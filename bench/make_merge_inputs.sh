#!/bin/sh
# Create bench/data/merge/run_NN.pstats (NN = 00..99): 100 real cProfile
# profiles for bench/bench_merge.sh. Run N profiles bench/merge_workload.py N
# (a different slice of the standard library and mix of tasks each time)
# under one of pyenv's Python 3 interpreters in turn (3.6 - 3.13, those
# installed), so the files come from several producers; all of them load in
# one Python 3, which the script checks with pstats at the end.
# Takes one to two minutes.  Usage: sh bench/make_merge_inputs.sh [COUNT]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
count=${1:-100}
out=$here/data/merge
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
pythons=""
for v in 3.6.15 3.7.16 3.8.18 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0; do
    p=$pyenv_root/versions/$v/bin/python
    [ -x "$p" ] && pythons="$pythons $p"
done
[ -n "$pythons" ] || pythons=$(command -v python3)
set -- $pythons
npy=$#

rm -rf "$out"
mkdir -p "$out"
cd "$here"
i=0
while [ "$i" -lt "$count" ]; do
    k=$((i % npy + 1))
    eval "py=\${$k}"
    name=$(printf 'run_%02d.pstats' "$i")
    PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0 \
        "$py" -m cProfile -o "$out/$name" merge_workload.py "$i" </dev/null >/dev/null
    i=$((i + 1))
done

python3 - "$out" <<'PY'
import glob, os, pstats, sys
files = sorted(glob.glob(os.path.join(sys.argv[1], "run_*.pstats")))
s = pstats.Stats(files[0])
for f in files[1:]:
    s.add(f)
sizes = sum(os.path.getsize(f) for f in files)
print("%d files, %.1f MB, merged: %d functions, %d calls"
      % (len(files), sizes / 1e6, len(s.stats), s.total_calls))
PY
