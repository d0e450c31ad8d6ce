#!/bin/sh
# Merge 100 real pstats files into one, with prof-convert and with Python's
# pstats, on the same inputs (bench/data/merge, made by
# bench/make_merge_inputs.sh):
#
#   profkit: prof-convert F0 F99 F98 ... F1 -o OUT.pstats
#   python:  s = pstats.Stats(F0); for f in F1..F99: s.add(f); s.dump_stats(OUT)
#
# prof-convert merges as pstats.Stats(a, b, c) does (a, then c, then b), so
# it gets F0 and the rest reversed: both then add the files in the same
# order and their float sums are equal to the bit, which the script
# checks (pstats loads both outputs and compares the dicts).
# One run of each, wall time (time.perf_counter around the process) and,
# with COUNT=1 and valgrind installed, instructions counted by callgrind.
# Prints the times and the python/profkit ratios.
#
# Environment: PROF_CONVERT (default build/src/tools/prof-convert), PYTHON
# (default python3; a pyenv shim is resolved to the real interpreter),
# COUNT=1 to count instructions too.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tool=${PROF_CONVERT:-build/src/tools/prof-convert}
python=${PYTHON:-python3}
python=$("$python" -c 'import sys; print(sys.executable)')
data=bench/data/merge
[ -f "$data/run_00.pstats" ] || { echo "bench: no $data: make it with sh bench/make_merge_inputs.sh" >&2; exit 1; }
[ -x "$tool" ] || { echo "bench: $tool not found (build first, or set PROF_CONVERT)" >&2; exit 1; }

exec "$python" - "$tool" "$data" "${COUNT:-0}" <<'PY'
import glob, os, pstats, re, shutil, subprocess, sys, tempfile, time

tool, data, count = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
files = sorted(glob.glob(os.path.join(data, "run_*.pstats")))
tmp = tempfile.mkdtemp(prefix="pk-bench-merge-")
ours_out = os.path.join(tmp, "profkit.pstats")
theirs_out = os.path.join(tmp, "python.pstats")
LOOP = ("import pstats, sys\n"
        "out, files = sys.argv[1], sys.argv[2:]\n"
        "s = pstats.Stats(files[0])\n"
        "for f in files[1:]:\n"
        "    s.add(f)\n"
        "s.dump_stats(out)\n")
ours = [tool, files[0]] + files[:0:-1] + ["-o", ours_out]
theirs = [sys.executable, "-c", LOOP, theirs_out] + files


def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def instructions(cmd):
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", r.stderr).group(1))


try:
    t_ours, t_theirs = wall(ours), wall(theirs)
    a, b = pstats.Stats(ours_out), pstats.Stats(theirs_out)
    same = a.stats == b.stats
    print("inputs: %d files, %.1f MB (%s)" % (len(files), sum(map(os.path.getsize, files)) / 1e6, data))
    print("merged: %d functions; outputs equal: %s" % (len(a.stats), "yes" if same else "NO"))
    print("prof-convert  %.3f s" % t_ours)
    print("pstats loop   %.3f s (%s)" % (t_theirs, sys.executable))
    print("ratio python/profkit: %.1fx faster (wall, one run)" % (t_theirs / t_ours))
    if count and shutil.which("valgrind"):
        i_ours, i_theirs = instructions(ours), instructions(theirs)
        print("instructions: prof-convert %d, pstats loop %d: %.1fx fewer"
              % (i_ours, i_theirs, i_theirs / i_ours))
    sys.exit(0 if same else 1)
finally:
    shutil.rmtree(tmp)
PY
