#!/bin/sh
# Regenerate samples/mprof/*.dat with Debian's memory_profiler
# (package python3-memory-profiler: `python3-mprof run`), from the programs in
# samples/programs/.  Then run tests/golden/mprof/regen.sh for the goldens.
#
# Usage: sh samples/make_mprof.sh        (from any directory)
#
# Scripts run from inside samples/programs, so CMDLINE holds a short relative
# name ("/usr/bin/python3 mem_alloc.py").  mprof opens the .dat in append
# mode, so every output is removed first; alloc_twice.dat is the one that
# appends on purpose (two runs in one file).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$here/mprof
bad=$here/../tests/data/mprof
MPROF=${MPROF:-python3-mprof}
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 LC_ALL=C.UTF-8
unset PYTHONPATH PYTHONSTARTUP 2>/dev/null || true

command -v "$MPROF" >/dev/null || {
    echo "make_mprof.sh: $MPROF not found (apt-get install python3-memory-profiler)" >&2
    exit 1
}
mkdir -p "$out" "$bad"
rm -f "$out"/*.dat
cd "$here/programs"

run() { # output-name, mprof run arguments...
    name=$1; shift
    "$MPROF" run -o "$out/$name" "$@" >/dev/null
    echo "made mprof/$name"
}

run alloc.dat mem_alloc.py                       # CMDLINE, MEM, FUNC with levels
run alloc_fine.dat -T 0.02 mem_alloc.py          # the same, sampled every 20 ms
run alloc_twice.dat mem_alloc.py                 # two runs appended to one file
run alloc_twice.dat mem_alloc.py
run block.dat mem_block.py                       # profile.timestamp blocks (".label")
run labels.dat mem_labels.py                     # names whose mprof plot labels collide
run children_multi.dat -M mem_children.py        # -M: CHLD per child pid, no FUNC
run children_incl.dat -C mem_children.py         # -C: children summed into MEM
run subprocess_incl.dat -C mem_subprocess.py     # -C with subprocess.Popen children
run subprocess_multi.dat -M mem_subprocess.py    # -M with subprocess.Popen children
run sleep.dat -T 0.05 sleep 0.3                  # a non-Python command: CMDLINE + MEM

# A real file that mprof itself cannot read back (its reader splits at every
# space, so `mprof peak` raises ValueError): a timestamp label with a space.
# It lives with the test data, not with the golden samples.
rm -f "$bad/space_label.dat"
"$MPROF" run -o "$bad/space_label.dat" mem_space_label.py >/dev/null
echo "made tests/data/mprof/space_label.dat"
