#!/usr/bin/env python3
"""The sampling collector: python3 -m profkit --sample and profkit.Sampler.

The output must be folded stacks that flamegraph.pl's rules accept (every
line "frame;...;frame count", frames "func (file:line)", root first) and
that prof-flame and pstat-view read; the hot function must carry most of
the samples; the counts must add up to the elapsed time in ticks; sleeping
and blocking reads must not be cut short by the sampler; --all-threads
must show every thread under its name; and the sampler must refuse to
nest, give SIGPROF back, and work when enabled outside the main thread.

Usage: test_sampler.py [--prof-flame PATH] [--pstat-view PATH]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pkcheck
import profkit
from pkcheck import case, check

HERE = os.path.dirname(os.path.abspath(__file__))
PROGS = os.path.join(HERE, "progs")
LINE = re.compile(r"^(.*\S) ([0-9]+)$")
FRAME = re.compile(r"^(.+) \((.+):([0-9]+)\)$")
args = None
tmp = tempfile.mkdtemp(prefix="pkc-sample-")
# Python 3.9-3.12 sample the main thread through SIGPROF (see sampler.c).
USES_SIGPROF = (3, 9) <= sys.version_info[:2] < (3, 13)


def run(argv, expect=0):
    p = subprocess.run([sys.executable] + argv, cwd=PROGS, capture_output=True, text=True)
    check(p.returncode == expect, argv, "exit", p.returncode, "\nstdout:", p.stdout[-2000:],
          "\nstderr:", p.stderr[-3000:])
    return p


def parse(text, thread_roots=False):
    """[(frames, count)], checking every line's shape."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        m = LINE.match(line)
        check(m, "line %d is not 'stack count': %r" % (n, line))
        frames = m.group(1).split(";")
        for f in frames[1:] if thread_roots else frames:
            check(FRAME.match(f), "line %d: frame %r is not 'func (file:line)'" % (n, f))
        out.append((frames, int(m.group(2))))
    check(out, "no samples")
    return out


def share(stacks, pred):
    total = sum(c for _, c in stacks)
    return sum(c for f, c in stacks if pred(f)) / total


@case
def cli_folded_output():
    out = os.path.join(tmp, "hot.folded")
    t0 = time.perf_counter()
    run(["-m", "profkit", "--sample", "1ms", "-o", out, "hot.py", "0.4"])
    elapsed = time.perf_counter() - t0
    with open(out) as f:
        stacks = parse(f.read())
    check(all(f[0] == "<module> (hot.py:1)" for f, _ in stacks),
          "stacks must start at the script:", {f[0] for f, _ in stacks})
    leaf_hot = share(stacks, lambda f: f[-1] == "hot (hot.py:5)")
    check(leaf_hot > 0.6, "hot() is the leaf of only %.0f%% of the ticks" % (100 * leaf_hot))
    ticks = sum(c for _, c in stacks)
    check(300 <= ticks <= elapsed * 1000 + 50, "ticks", ticks, "for", elapsed, "s at 1ms")


@case
def cli_to_stdout():
    p = run(["-m", "profkit", "--sample", "500us", "hot.py", "0.2"])
    stacks = parse(p.stdout)
    check(share(stacks, lambda f: "hot (hot.py:5)" in f) > 0.6, "hot() share on stdout")


@case
def all_threads():
    out = os.path.join(tmp, "threads.folded")
    run(["-m", "profkit", "--sample", "1ms", "--all-threads", "-o", out, "threads.py"])
    with open(out) as f:
        stacks = parse(f.read(), thread_roots=True)
    roots = {f[0] for f, _ in stacks}
    check({"MainThread", "busy-worker"} <= roots, "thread roots", roots)
    worker = [(f, c) for f, c in stacks if f[0] == "busy-worker"]
    check(share(worker, lambda f: any(x.startswith("worker_hot (threads.py:") for x in f)) > 0.8,
          "worker_hot missing from the worker's stacks")
    main = [(f, c) for f, c in stacks if f[0] == "MainThread"]
    check(share(main, lambda f: any(x.startswith("main (threads.py:") for x in f)) > 0.8,
          "the joining main thread is not in main()")


@case
def sleeping_and_reading_are_not_disturbed():
    out = os.path.join(tmp, "nap.folded")
    p = run(["-m", "profkit", "--sample", "1ms", "-o", out, "napper.py"])
    check(p.stdout.startswith("slept 0.3"), p.stdout)
    with open(out) as f:
        stacks = parse(f.read())
    naps = sum(c for f, c in stacks if f[-1].startswith("napper ("))
    reads = sum(c for f, c in stacks if f[-1].startswith("reader ("))
    check(naps >= 250 and reads >= 150, "ticks in napper", naps, "and reader", reads)


def spin(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += sum(range(500))
    return n


@case
def api_with_block():
    with profkit.Sampler("1ms") as s:
        check(s.enabled and profkit.active() is s, "not active inside the block")
        spin(0.2)
    check(not s.enabled and profkit.active() is None, "still active after the block")
    check(s.samples > 10 and s.interval == 0.001 and not s.all_threads, s.samples, s.interval)
    stacks = parse(s.dumps().decode())
    check(share(stacks, lambda f: f[-1].startswith("spin (")) > 0.6, "spin() share")
    s.clear()
    check(s.samples == 0 and s.dumps() == b"", "clear() kept samples")
    path = os.path.join(tmp, "api.folded")
    with s:
        spin(0.05)
    s.dump(path)
    with open(path) as f:
        parse(f.read())


@case
def nesting_refused_and_intervals_checked():
    s = profkit.Sampler("2ms")
    with s:
        for other in (profkit.Sampler("1ms"), profkit.Profile()):
            try:
                other.enable()
                raise AssertionError("a second collector was enabled")
            except RuntimeError as e:
                check("another profkit collector" in str(e), e)
    for bad in (0, "0ms", "-1ms", "5 parsecs", "120s"):
        try:
            profkit.Sampler(bad)
            raise AssertionError("interval %r accepted" % (bad,))
        except ValueError:
            pass
    check(profkit.parse_interval("250us") == 250e-6 and profkit.parse_interval("0.01s") == 0.01,
          "parse_interval")


@case
def sigprof_given_back():
    before = signal.getsignal(signal.SIGPROF)
    with profkit.Sampler("1ms"):
        spin(0.02)
    check(signal.getsignal(signal.SIGPROF) == before, "SIGPROF handler not restored:",
          signal.getsignal(signal.SIGPROF))
    mine = lambda *a: None
    signal.signal(signal.SIGPROF, mine)
    try:
        s = profkit.Sampler("1ms")
        if USES_SIGPROF:
            try:
                s.enable()
                s.disable()
                raise AssertionError("the program's SIGPROF handler was replaced")
            except RuntimeError as e:
                check("SIGPROF already has a handler" in str(e), e)
        else:
            with s:
                spin(0.02)
        check(signal.getsignal(signal.SIGPROF) is mine, "the program's handler was changed")
        with profkit.Sampler("1ms", all_threads=True):  # needs no signal
            spin(0.02)
        if USES_SIGPROF:  # a handler the program sets while sampling stays
            signal.signal(signal.SIGPROF, before)
            s = profkit.Sampler("1ms")
            s.enable()
            spin(0.02)
            signal.signal(signal.SIGPROF, mine)
            spin(0.02)
            s.disable()
            check(signal.getsignal(signal.SIGPROF) is mine, "the program's new handler was undone")
    finally:
        signal.signal(signal.SIGPROF, before)


@case
def enabled_from_another_thread():
    got = {}
    ready = threading.Event()

    def control():
        s = profkit.Sampler("1ms")
        s.enable()
        ready.set()
        time.sleep(0.3)
        got["text"] = s.dumps().decode()

    t = threading.Thread(target=control)
    t.start()
    ready.wait()
    spin(0.3)
    t.join()
    stacks = parse(got["text"])
    check(share(stacks, lambda f: any(x.startswith("spin (") for x in f)) > 0.5,
          "the main thread's spin() was not sampled")


@case
def tools_read_the_output():
    out = os.path.join(tmp, "hot.folded")
    if not os.path.exists(out):
        run(["-m", "profkit", "--sample", "1ms", "-o", out, "hot.py", "0.2"])
    if args.prof_flame:
        svg = os.path.join(tmp, "hot.svg")
        p = subprocess.run([args.prof_flame, "-o", svg, out], capture_output=True, text=True)
        check(p.returncode == 0, "prof-flame", p.returncode, p.stderr)
        with open(svg) as f:
            check("hot (hot.py:5)" in f.read(), "hot() not in the flame graph")
    if args.pstat_view:
        p = subprocess.run([args.pstat_view, "--sort", "tottime", out], capture_output=True, text=True)
        check(p.returncode == 0, "pstat-view", p.returncode, p.stderr)
        rows = [l for l in p.stdout.splitlines() if re.match(r"\s*[0-9/]+(\s+[0-9.]+){4}\s", l)]
        check(rows and rows[0].endswith("hot.py:5(hot)"), "hot() is not first by tottime:", rows[:3])


def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--prof-flame")
    ap.add_argument("--pstat-view")
    args = ap.parse_args()
    pkcheck.run_all()


if __name__ == "__main__":
    main()
