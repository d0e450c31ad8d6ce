#!/bin/sh
# Write tests/data/lprof/lines_calc_py2_cpickle.lprof: the .lprof that
# line_profiler 2.x (Python 2) writes for the timings of the real run in
# samples/lprof/lines_calc.lprof. line_profiler 2.x's dump_stats pickled its
# _line_profiler.LineStats with Python 2's cPickle and HIGHEST_PROTOCOL (2);
# cPickle numbers memo entries from 1 and leaves out objects it meets once,
# so the memo has holes, which pickle.py's files never have. Python 2 with
# line_profiler is not installable here, so the timings come from the
# Python 3 run and Python 2.7's own cPickle writes them, from a class of the
# same module and name and the same attributes.
#
# Needs /usr/bin/python3 with line_profiler (python3-line-profiler) and a
# Python 2.7 (PYTHON2, default: pyenv's 2.7.18 or python2).
# Usage: sh tests/data/lprof/make_py2.sh   (from any directory)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
py2=${PYTHON2:-}
for c in "$py2" "$HOME/.pyenv/versions/2.7.18/bin/python" python2; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { py2=$c; break; }
done
[ -n "$py2" ] || { echo "make_py2.sh: no Python 2.7 (set PYTHON2)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The timings as a Python literal (ASCII: file and function names are).
/usr/bin/python3 -c '
import sys
from line_profiler import load_stats
s = load_stats(sys.argv[1])
print(repr((dict(s.timings), s.unit)))
' "$root/samples/lprof/lines_calc.lprof" > "$tmp/timings.txt"
cat > "$tmp/_line_profiler.py" <<'PY'
class LineStats(object):
    """line_profiler 2.x's class: timings and unit, nothing else."""
    def __init__(self, timings, unit):
        self.timings = timings
        self.unit = unit
PY
cd "$tmp"
"$py2" -c '
import ast, sys, cPickle
from _line_profiler import LineStats
timings, unit = ast.literal_eval(open("timings.txt").read())
# Python 2 str keys and names, as line_profiler 2.x stored them
timings = dict(((str(f), l, str(n)), rows) for (f, l, n), rows in timings.items())
with open(sys.argv[1], "wb") as f:
    cPickle.dump(LineStats(timings, unit), f, cPickle.HIGHEST_PROTOCOL)
' "$here/lines_calc_py2_cpickle.lprof"
echo "made tests/data/lprof/lines_calc_py2_cpickle.lprof"
