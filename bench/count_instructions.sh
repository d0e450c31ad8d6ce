#!/bin/sh
# Instructions executed by pstat-view and by Python's pstats for the same
# job, counted by valgrind's callgrind. Unlike wall time, the count does not
# change when other work shares the machine, so the ratio is repeatable.
#
#   bench/count_instructions.sh [PROFILE]
#
# Environment: PSTAT_VIEW (default build/src/tools/pstat-view), PYTHON
# (default python3; a pyenv shim is resolved to the real interpreter so
# that valgrind measures Python, not the shim).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
big=${1:-bench/data/big.pstats}
tool=${PSTAT_VIEW:-build/src/tools/pstat-view}
python=${PYTHON:-python3}
python=$("$python" -c 'import sys; print(sys.executable)')
[ -f "$big" ] || { echo "no $big: make it with sh bench/make_big_profile.sh" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

count() { # command... -> instructions executed
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
ours=$(count "$tool" --sort tottime --limit 10 "$big")
theirs=$(count "$python" -c 'import pstats, sys; pstats.Stats(sys.argv[1]).sort_stats("tottime").print_stats(10)' "$big")
echo "input: $big"
echo "pstat-view  $ours instructions"
echo "pstats      $theirs instructions ($python)"
awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "ratio python/profkit: %.1fx fewer instructions\n", a / b }'
