#!/bin/sh
# prof-flame against flamegraph.pl on the same folded file of a million
# lines (bench/gen_folded.py: a synthetic Python program, py-spy style
# frames, 5-40 deep, 5,000 names), one run each: wall time and peak RSS
# (/usr/bin/time -f '%e %M'), then the ratios. Targets (issue 4): at least
# 20x faster, at most a tenth of the memory. The two SVGs are then compared
# frame by frame, so the speed is not bought with different output.
#
#   bench/bench_prof_flame.sh [FLAMEGRAPH_PL]
#
# Environment: FLAMEGRAPH (flamegraph.pl, if not given as the argument),
# PROF_FLAME (default build/src/tools/prof-flame), LINES (1000000),
# BENCH_DIR (where the input is generated and kept; default /tmp/pk-bench).
set -eu
cd "$(dirname "$0")/.."
fg=${1:-${FLAMEGRAPH:-}}
tool=${PROF_FLAME:-build/src/tools/prof-flame}
lines=${LINES:-1000000}
dir=${BENCH_DIR:-/tmp/pk-bench}
if [ -z "$fg" ] || [ ! -f "$fg" ]; then
    echo "usage: $0 FLAMEGRAPH_PL (or set FLAMEGRAPH)" >&2
    exit 2
fi
[ -x "$tool" ] || { echo "$0: no $tool; build first or set PROF_FLAME" >&2; exit 2; }
mkdir -p "$dir"
input=$dir/stacks_$lines.folded
if [ ! -s "$input" ]; then
    echo "generating $input ..." >&2
    python3 bench/gen_folded.py --lines "$lines" "$input"
fi
echo "input: $input: $(wc -l < "$input") lines, $(du -m "$input" | cut -f1) MB"

# Wall time and peak RSS as asked ('%e %M'), plus user+system CPU time:
# on a shared machine the wall time moves with the load, the CPU time less.
measure() { # label output command...
    label=$1 out=$2; shift 2
    /usr/bin/time -f '%e %M %U %S' -o "$dir/time.txt" "$@" > "$out" 2> "$dir/stderr.txt" || {
        echo "$label failed:" >&2; cat "$dir/stderr.txt" >&2; exit 1; }
    read -r secs kb user sys < "$dir/time.txt"
    cpu=$(python3 -c "print('%.2f' % ($user + $sys))")
    echo "$label: $secs s wall ($cpu s CPU), peak RSS $((kb / 1024)) MB"
    eval "${label}_s=$secs ${label}_kb=$kb ${label}_cpu=$cpu"
}

measure prof_flame "$dir/ours.svg" "$tool" "$input"
measure flamegraph "$dir/ref.svg" perl "$fg" "$input"
python3 - "$flamegraph_s" "$prof_flame_s" "$flamegraph_kb" "$prof_flame_kb" \
    "$flamegraph_cpu" "$prof_flame_cpu" <<'PY'
import sys
fs, ps, fk, pk, fc, pc = map(float, sys.argv[1:])
print("speed: prof-flame is %.1fx faster in wall time, %.1fx in CPU time (target >= 20x)"
      % (fs / max(ps, 0.01), fc / max(pc, 0.01)))
print("memory: prof-flame uses %.3f of flamegraph.pl's peak RSS, 1/%.1f (target <= 1/10)"
      % (pk / fk, fk / pk))
PY
python3 tests/golden/flame/compare_frames.py "$dir/ref.svg" "$dir/ours.svg"
