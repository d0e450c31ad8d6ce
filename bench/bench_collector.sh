#!/bin/sh
# Overhead of the collector on a CPU-bound workload, bench/collector_workload.py
# (recursion, dict and string work, many small calls), in one run:
#
#   bare                   python3 bench/collector_workload.py
#   cProfile               python3 -m cProfile -o F bench/collector_workload.py
#   profkit                python3 -m profkit -o F bench/collector_workload.py
#   profkit --sample 1ms   python3 -m profkit --sample 1ms -o F bench/collector_workload.py
#
# The modes run in turn, REPEAT rounds (default 5). The workload times its
# own main() (time.perf_counter), so interpreter start-up and writing the
# profile are left out; the best round of each mode is kept, which filters
# out other load on the machine. Prints the times and the ratios to bare.
# Targets: profkit's deterministic overhead no more than cProfile's, and
# --sample 1ms within 1.2x of bare.
#
#   sh bench/bench_collector.sh
#
# Environment: PYTHON (default python3; the Python the extension in BUILD was
# built for), BUILD (default build: a meson build dir with the collector),
# SCALE (workload size, default 100), REPEAT (default 5).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
SCALE=${SCALE:-100}
REPEAT=${REPEAT:-5}

if ! ls "$BUILD"/src/collector/_profkit*.so >/dev/null 2>&1; then
    echo "bench: no collector extension in $BUILD/src/collector (build it, or set BUILD)" >&2
    exit 1
fi
export PYTHONPATH="$BUILD/src/collector:$root/src/collector" PYTHONHASHSEED=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PYTHON" - "$root/bench/collector_workload.py" "$SCALE" "$REPEAT" "$tmp" <<'PY'
import subprocess, sys

workload, scale, repeat, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
modes = [
    ("bare", []),
    ("cProfile", ["-m", "cProfile", "-o", tmp + "/c.pstats"]),
    ("profkit", ["-m", "profkit", "-o", tmp + "/p.pstats"]),
    ("profkit --sample 1ms", ["-m", "profkit", "--sample", "1ms", "-o", tmp + "/p.folded"]),
]
best = {}
for r in range(repeat):
    for name, pre in modes:
        p = subprocess.run([sys.executable] + pre + [workload, scale],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("bench: %s failed:\n%s" % (name, p.stderr))
        t = float(p.stderr.split("elapsed ")[-1])
        best[name] = min(best.get(name, t), t)
print("python %s, scale %s, best of %d rounds (workload time, seconds)"
      % (sys.version.split()[0], scale, repeat))
bare = best["bare"]
for name, _ in modes:
    print("  %-22s %8.3f s   %5.2fx bare" % (name, best[name], best[name] / bare))
c, k, s = best["cProfile"] / bare, best["profkit"] / bare, best["profkit --sample 1ms"] / bare
print("deterministic: profkit overhead %.0f%% vs cProfile %.0f%% (target: no more) -> %s"
      % (100 * (k - 1), 100 * (c - 1), "met" if k <= c else "MISSED"))
print("sampling at 1ms: %.3fx bare (target: within 1.2x) -> %s" % (s, "met" if s <= 1.2 else "MISSED"))
PY
