#!/usr/bin/env python3
"""A tiny sampling profiler writing folded stacks, for profkit's samples.

    python3 sample_stacks.py [-i SECONDS] [-r REPEAT] [--lines] -o OUT.folded SCRIPT [ARG...]

Runs SCRIPT (as __main__, REPEAT times) while a SIGPROF timer interrupts it
every SECONDS of CPU time (default 0.001); each interrupt records the
Python stack of the main thread. The output has one line per distinct
stack, "frame;frame;...;frame count", root first, sorted, with frames
named as py-spy names them: "function (file:line)". The line is the
function's first line (co_firstlineno), which is the line in cProfile's
keys, so the functions derived from these stacks have cProfile's keys
(py-spy's --function mode does the same). --lines uses the line running
at the sample instead (py-spy's default).

Only frames from SCRIPT's <module> down are kept: the sampler's and
runpy's own frames are cut off.
"""
import argparse
import collections
import os
import runpy
import signal
import sys


def frame_name(frame, current_line):
    code = frame.f_code
    line = frame.f_lineno if current_line else code.co_firstlineno
    return "%s (%s:%d)" % (code.co_name, code.co_filename, line)


class Sampler:
    def __init__(self, script, current_line):
        self.script = script
        self.current_line = current_line
        self.counts = collections.Counter()
        self.busy = False
        self.own = {Sampler.__call__.__code__, Sampler.record.__code__}

    def __call__(self, signum, frame):
        # A signal can arrive while this handler runs; that sample would
        # show the sampler's own frames, so it is dropped.
        if self.busy or frame.f_code in self.own:
            return
        self.busy = True
        try:
            self.record(frame)
        finally:
            self.busy = False

    def record(self, frame):
        names = []
        start = None
        while frame is not None:
            names.append(frame)
            frame = frame.f_back
        names.reverse()
        # The stack starts at the script's <module>; anything before it
        # belongs to this sampler and runpy.
        for i, f in enumerate(names):
            if f.f_code.co_filename == self.script and f.f_code.co_name == "<module>":
                start = i
                break
        if start is None:
            return
        self.counts[";".join(frame_name(f, self.current_line) for f in names[start:])] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("-i", "--interval", type=float, default=0.001)
    ap.add_argument("-r", "--repeat", type=int, default=1)
    ap.add_argument("--lines", action="store_true")
    ap.add_argument("script")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()

    sampler = Sampler(a.script, a.lines)
    sys.argv = [a.script] + a.args
    sys.path.insert(0, os.path.dirname(os.path.abspath(a.script)))
    signal.signal(signal.SIGPROF, sampler)
    signal.setitimer(signal.ITIMER_PROF, a.interval, a.interval)
    try:
        with open(os.devnull, "w") as quiet:
            saved, sys.stdout = sys.stdout, quiet
            try:
                for _ in range(a.repeat):
                    runpy.run_path(a.script, run_name="__main__")
            finally:
                sys.stdout = saved
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)

    with open(a.output, "w", encoding="utf-8") as out:
        for stack in sorted(sampler.counts):
            out.write("%s %d\n" % (stack, sampler.counts[stack]))
    print("%s: %d samples, %d stacks" % (a.output, sum(sampler.counts.values()),
                                         len(sampler.counts)), file=sys.stderr)


if __name__ == "__main__":
    main()
