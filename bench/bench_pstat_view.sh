#!/bin/sh
# Compare pstat-view with Python's pstats on bench/data/big.pstats.
#
#   profkit: $PSTAT_VIEW --sort tottime --limit 10 big.pstats >/dev/null
#   python:  python3 -c 'import pstats; pstats.Stats(F).sort_stats("tottime").print_stats(10)' >/dev/null
#
# One run of each under /usr/bin/time -f '%e %M' (wall seconds, peak RSS), timed
# also with time.perf_counter around the process, since %e has 0.01 s steps.
# When the profkit run takes under 0.2 s it is also run REPEAT times (default 20)
# and the mean is reported.  Prints both times and peak RSS in MiB and the
# python/profkit ratios.
#
# Environment: PSTAT_VIEW (default build/src/pstat-view, else build/src/tools/pstat-view),
# PYTHON (default python3),
# BIG (default bench/data/big.pstats, made by bench/make_big_profile.sh), REPEAT.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${PSTAT_VIEW:-}" ]; then
    PSTAT_VIEW=build/src/pstat-view
    # The meson tree builds the tools under src/tools/.
    [ -x "$PSTAT_VIEW" ] || [ ! -x build/src/tools/pstat-view ] || PSTAT_VIEW=build/src/tools/pstat-view
fi
PYTHON=${PYTHON:-python3}
BIG=${BIG:-bench/data/big.pstats}
REPEAT=${REPEAT:-20}

if [ ! -f "$BIG" ]; then
    echo "bench: $BIG not found; make it with: sh bench/make_big_profile.sh" >&2
    exit 1
fi
if [ ! -x "$PSTAT_VIEW" ]; then
    echo "bench: $PSTAT_VIEW not found or not executable (build first, or set PSTAT_VIEW)" >&2
    exit 1
fi
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y time >/dev/null
    else
        echo "bench: /usr/bin/time missing: apt-get install time" >&2
        exit 1
    fi
fi

exec "$PYTHON" - "$PSTAT_VIEW" "$BIG" "$REPEAT" <<'EOF'
import os, shlex, subprocess, sys, tempfile, time

tool, big, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
commands = {
    "profkit": [tool, "--sort", "tottime", "--limit", "10", big],
    "python": [sys.executable, "-c",
               "import pstats, sys; pstats.Stats(sys.argv[1]).sort_stats('tottime')"
               ".print_stats(10)", big],
}


def timed_run(cmd):
    """One run under /usr/bin/time; returns (perf_counter wall, %e wall, peak RSS KiB)."""
    with tempfile.NamedTemporaryFile(prefix="bench-time.") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", report.name] + cmd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        with open(report.name) as f:
            line = f.read().strip().splitlines()[-1]
    if proc.returncode != 0:
        sys.exit("bench: %s failed (exit %d): %s" % (" ".join(cmd), proc.returncode,
                                                     proc.stderr.decode(errors="replace")))
    e, m = line.split()
    return wall, float(e), int(m)


def mean_wall(cmd, n):
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) / n


size = os.path.getsize(big)
print("input: %s (%.1f MB)" % (big, size / 1e6))
results = {}
for name, cmd in commands.items():
    wall, e, rss_kib = timed_run(cmd)
    results[name] = {"wall": wall, "e": e, "rss": rss_kib / 1024.0}
note = ""
if results["profkit"]["wall"] < 0.2 and repeat > 1:
    results["profkit"]["wall"] = mean_wall(commands["profkit"], repeat)
    note = " (mean of %d runs)" % repeat

for name in ("profkit", "python"):
    r = results[name]
    print("%-8s wall %8.4f s%s   /usr/bin/time %%e %.2f s   peak RSS %8.1f MiB"
          % (name, r["wall"], note if name == "profkit" else "", r["e"], r["rss"]))
    print("         command: %s" % shlex.join(commands[name]))
p, c = results["python"], results["profkit"]
print("ratio python/profkit: time %.1fx, memory %.1fx"
      % (p["wall"] / c["wall"] if c["wall"] else float("inf"),
         p["rss"] / c["rss"] if c["rss"] else float("inf")))
EOF
