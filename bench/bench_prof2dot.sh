#!/bin/sh
# Compare prof2dot with gprof2dot on bench/data/big.pstats, same input, same options.
#
#   sh bench/bench_prof2dot.sh [PATH/TO/gprof2dot.py]      (or GPROF2DOT=PATH)
#
#   to DOT:  prof2dot big.pstats >/dev/null
#            python3 gprof2dot.py -f pstats big.pstats >/dev/null
#   to SVG:  prof2dot -T svg big.pstats >/dev/null              (libgvc, in-process)
#            python3 gprof2dot.py -f pstats big.pstats | dot -Tsvg >/dev/null
#
# One run of each, timed with time.perf_counter around the process (the DOT runs
# also under /usr/bin/time -f '%M' for peak RSS).  A prof2dot run under 0.2 s is
# also repeated REPEAT times (default 20) and the mean reported, since one run
# that short is mostly noise.  Prints the times and the gprof2dot/prof2dot ratios.
# Also checks that both DOT outputs are identical (they must be: same bytes).
#
# gprof2dot is jrfonseca/gprof2dot's gprof2dot.py; this script fetches nothing.
# Environment: PROF2DOT (default build/src/tools/prof2dot), PYTHON (default
# /usr/bin/python3: gprof2dot loads pstats with the running Python, and big.pstats
# is written by Debian's python3), BIG (default bench/data/big.pstats, made by
# bench/make_big_profile.sh), REPEAT.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
GPROF2DOT=${1:-${GPROF2DOT:-}}
PROF2DOT=${PROF2DOT:-build/src/tools/prof2dot}
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3
BIG=${BIG:-bench/data/big.pstats}
REPEAT=${REPEAT:-20}

if [ -z "$GPROF2DOT" ]; then
    echo "bench: gprof2dot.py not given: pass its path as the argument or set GPROF2DOT" >&2
    echo "       (it is one file from https://github.com/jrfonseca/gprof2dot)" >&2
    exit 1
fi
if [ ! -f "$GPROF2DOT" ]; then
    echo "bench: gprof2dot.py not found at $GPROF2DOT" >&2
    exit 1
fi
if [ ! -f "$BIG" ]; then
    echo "bench: $BIG not found; make it with: sh bench/make_big_profile.sh" >&2
    exit 1
fi
if [ ! -x "$PROF2DOT" ]; then
    echo "bench: $PROF2DOT not found or not executable (build first, or set PROF2DOT)" >&2
    exit 1
fi
if ! command -v dot >/dev/null 2>&1; then
    echo "bench: Graphviz's dot not on PATH (apt-get install graphviz)" >&2
    exit 1
fi
if [ ! -x /usr/bin/time ]; then
    echo "bench: /usr/bin/time missing: apt-get install time" >&2
    exit 1
fi

exec "$PYTHON" - "$PROF2DOT" "$GPROF2DOT" "$BIG" "$REPEAT" <<'EOF'
import os, shlex, subprocess, sys, tempfile, time

prof2dot, gprof2dot, big, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
python = sys.executable
ref_dot = [python, gprof2dot, "-f", "pstats", big]
runs = {
    "dot": {"prof2dot": [prof2dot, "-q", big], "gprof2dot": ref_dot},
    "svg": {"prof2dot": [prof2dot, "-q", "-T", "svg", big],
            "gprof2dot": ["sh", "-c", "%s | dot -Tsvg" % shlex.join(ref_dot)]},
}


def timed(cmd):
    """One run: (wall seconds, peak RSS MiB of the command, stdout)."""
    with tempfile.NamedTemporaryFile(prefix="bench-time.") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name] + cmd,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        rss = int(open(report.name).read().split()[-1]) / 1024.0
    if proc.returncode != 0:
        sys.exit("bench: %s failed (exit %d): %s" % (shlex.join(cmd), proc.returncode,
                                                     proc.stderr.decode(errors="replace")[-500:]))
    return wall, rss, proc.stdout


def mean_wall(cmd, n):
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) / n


print("input: %s (%.1f MB)" % (big, os.path.getsize(big) / 1e6))
outputs = {}
for kind, cmds in runs.items():
    result = {}
    for name, cmd in cmds.items():
        wall, rss, out = timed(cmd)
        note = ""
        if name == "prof2dot" and wall < 0.2 and repeat > 1:
            wall = mean_wall(cmd, repeat)
            note = " (mean of %d runs)" % repeat
        result[name] = wall
        outputs[(kind, name)] = out
        rss_note = "   peak RSS %7.1f MiB" % rss if cmd[0] != "sh" else ""
        print("%-4s %-9s %8.4f s%s%s" % (kind, name, wall, note, rss_note))
        print("          command: %s" % shlex.join(cmd))
    print("%-4s ratio gprof2dot/prof2dot: %.1fx" % (kind, result["gprof2dot"] / result["prof2dot"]))

same = outputs[("dot", "prof2dot")] == outputs[("dot", "gprof2dot")]
print("DOT outputs identical: %s" % ("yes" if same else "NO"))
sys.exit(0 if same else 1)
EOF
