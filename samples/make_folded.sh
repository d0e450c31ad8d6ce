#!/bin/sh
# Regenerate samples/folded/ : folded stacks from real runs of the programs
# in samples/programs/, sampled by samples/sample_stacks.py (a SIGPROF
# sampler writing py-spy style frames, "function (file:line)").
#
# Sampling is statistical: counts change from run to run, and that is fine;
# the flame graph goldens (tests/golden/flame/regen.sh) are made from the
# committed files. Programs are started from inside programs/ with a
# relative name, as for the pstats samples, and repeated (-r) so each file
# holds several hundred samples.
#
# Usage: sh samples/make_folded.sh     (from any directory)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$here/folded
py=${PYTHON:-/usr/bin/python3}
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 LC_ALL=C.UTF-8

mkdir -p "$out"
rm -f "$out"/*.folded
cd "$here/programs"
sample() { # output repeat script [args...]
    o=$1; r=$2; shift 2
    "$py" ../sample_stacks.py -r "$r" -o "$out/$o.folded" "$@"
}
sample recursion 250 recursion.py
sample wordfreq 60 wordfreq.py
sample stdlib_mix 150 stdlib_mix.py
sample shapes 150 shapes.py
sample ünïcode_prog 300 ünïcode_prog.py
# A differential pair: the same pipeline before and after a change.
sample flame_work_before 25 flame_work.py
sample flame_work_after 25 flame_work.py tuned
# Frames named by the line running at the sample (py-spy's default).
"$py" ../sample_stacks.py -r 25 --lines -o "$out/flame_work_lines.folded" flame_work.py
