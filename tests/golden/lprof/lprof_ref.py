#!/usr/bin/env python3
"""Reference output for the line_profiler options Debian's 4.0.2 lacks.

    lprof_ref.py [-u UNIT] [-z] [-t] [-m] FILE.lprof

line_profiler 4.1 added -t (functions ordered by ascending total time) and
-m (one summary line per function after the tables). Debian 12 ships 4.0.2,
whose command line has neither, so this script prints what 4.1's show_text()
prints by the same rules, with the tables themselves drawn by 4.0.2's own
show_func() (the code `python3 -m line_profiler` runs):

  * -t: sorted(stats.items(), key=lambda kv: sum(t[2] for t in kv[1])),
    a stable sort of the dict in file order; without -t, sorted(stats.items());
  * -m: after the tables, for each function in that order,
    '%6.2f seconds - %s:%s - %s' % (sum(t[2] ...) * unit, file, line, name),
    left out under -z when that total is zero.

Without -t and -m the output is exactly `python3 -m line_profiler`'s.

Files of line_profiler 2.x (Python 2) pickle the class as
_line_profiler.LineStats, a module 4.0.2 no longer has; they are loaded with
that one name mapped to 4.0.2's LineStats (same attributes), the rest of the
pickle as pickle.load reads it.
"""
import argparse
import pickle
import sys

from line_profiler._line_profiler import LineStats
from line_profiler.line_profiler import show_func


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("_line_profiler", "LineStats"):
            return LineStats
        return super().find_class(module, name)


def load_stats(path):
    with open(path, "rb") as f:
        return Unpickler(f).load()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-u", "--unit", type=float, default=1e-6)
    ap.add_argument("-z", "--skip-zero", action="store_true")
    ap.add_argument("-t", "--sort", action="store_true")
    ap.add_argument("-m", "--summarize", action="store_true")
    ap.add_argument("lprof")
    args = ap.parse_args()

    stats = load_stats(args.lprof)
    out = sys.stdout
    out.write("Timer unit: %g s\n\n" % args.unit)
    if args.sort:
        order = sorted(stats.timings.items(), key=lambda kv: sum(t[2] for t in kv[1]))
    else:
        order = sorted(stats.timings.items())
    for (fn, lineno, name), timings in order:
        show_func(fn, lineno, name, timings, stats.unit, output_unit=args.unit,
                  stream=out, stripzeros=args.skip_zero)
    if args.summarize:
        for (fn, lineno, name), timings in order:
            total_time = sum(t[2] for t in timings) * stats.unit
            if not args.skip_zero or total_time:
                out.write("%6.2f seconds - %s:%s - %s\n" % (total_time, fn, lineno, name))


if __name__ == "__main__":
    main()
