#!/bin/sh
# Instructions executed by prof-diff and by the Python a CI job would
# otherwise run for the same diff (pstats.Stats for both files, match keys,
# rows with before/after/delta/percent, sorted by the largest regression,
# written as JSON), counted by valgrind's callgrind (repeatable on a busy
# machine, unlike wall time).
#
#   bench/bench_prof_diff.sh [PROFILE]
#
# AFTER is made from PROFILE by Python: every third function 20% slower,
# every fiftieth removed. Environment: PROF_DIFF (default
# build/src/tools/prof-diff), PYTHON (default python3).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
big=${1:-bench/data/big.pstats}
tool=${PROF_DIFF:-build/src/tools/prof-diff}
python=${PYTHON:-python3}
python=$("$python" -c 'import sys; print(sys.executable)')
[ -f "$big" ] || { echo "no $big" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$python" - "$big" "$tmp/after.pstats" <<'PY'
import marshal, pstats, sys
st = pstats.Stats(sys.argv[1])
out = {}
for i, (k, (cc, nc, tt, ct, callers)) in enumerate(st.stats.items()):
    if i % 50 == 49:
        continue
    f = 1.2 if i % 3 == 0 else 1.0
    out[k] = (cc, nc, tt * f, ct * f, callers)
with open(sys.argv[2], "wb") as fh:
    marshal.dump(out, fh)
PY

cat > "$tmp/diff.py" <<'PY'
import json, pstats, sys
b, a = pstats.Stats(sys.argv[1]), pstats.Stats(sys.argv[2])
rows, used = [], set()
left_b = {}
for k in b.stats:
    if k not in a.stats:
        left_b.setdefault((k[0], k[2]), []).append(k)
left_a = {}
for k in a.stats:
    if k not in b.stats:
        left_a.setdefault((k[0], k[2]), []).append(k)
moved = {ks[0]: left_b[fk][0] for fk, ks in left_a.items()
         if len(ks) == 1 and len(left_b.get(fk, [])) == 1}
for k, v in a.stats.items():
    bk = k if k in b.stats else moved.get(k)
    bv = b.stats[bk] if bk else (0, 0, 0.0, 0.0, {})
    if bk:
        used.add(bk)
    rows.append((k, bv, v))
rows += [(k, v, (0, 0, 0.0, 0.0, {})) for k, v in b.stats.items() if k not in used]
out = []
for k, bv, av in rows:
    r = {"name": "%s:%d(%s)" % k}
    for m, i in (("tottime", 2), ("cumtime", 3), ("ncalls", 1)):
        r[m] = [bv[i], av[i], av[i] - bv[i], 100.0 * (av[i] - bv[i]) / bv[i] if bv[i] else None]
    out.append(r)
out.sort(key=lambda r: -r["tottime"][2])
json.dump(out, sys.stdout)
PY

count() { # command... -> instructions executed
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
ours=$(count "$tool" -F json "$big" "$tmp/after.pstats")
theirs=$(count "$python" "$tmp/diff.py" "$big" "$tmp/after.pstats")
echo "input: $big against a changed copy"
echo "prof-diff  $ours instructions"
echo "python     $theirs instructions ($python)"
awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "ratio python/profkit: %.1fx fewer instructions\n", a / b }'
