#!/usr/bin/env python3
"""The tools on pprof input (no node or Go needed).

    check_tools.py --bindir BUILD/src/tools

- pstat-view reads .pb.gz, raw .pb and stdin alike;
- prof-convert writes pprof for -o x.pb.gz, x.pb, x.pprof and --to pprof, and
  folded from pprof whose counts are pprof's values (microseconds for time);
  two inputs merge by adding their stacks;
- prof2dot draws the call graph, prof-flame the flame graph, with the totals
  go tool pprof prints for the Go sample (750 ms of CPU, 24,227,030 bytes in
  use: samples/pprof/go_*.pb.gz).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CPU = os.path.join(ROOT, "samples", "pprof", "go_cpu.pb.gz")
HEAP = os.path.join(ROOT, "samples", "pprof", "go_heap.pb.gz")
RAW = os.path.join(ROOT, "samples", "pprof", "before.pb")
GZ = os.path.join(ROOT, "samples", "pprof", "before.pb.gz")

problems = []


def run(args, stdin=None):
    proc = subprocess.run(args, input=stdin, capture_output=True)
    if proc.returncode != 0:
        problems.append("%s: exit %d: %s" % (" ".join(args), proc.returncode,
                                             proc.stderr.decode("utf-8", "replace").strip()))
    return proc.stdout


def check(cond, what):
    if not cond:
        problems.append(what)


def folded_total(text):
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.decode().splitlines() if line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bindir", required=True)
    opts = ap.parse_args()
    for k, v in vars(opts).items():  # meson passes paths relative to the build dir
        if isinstance(v, str) and k != 'live':
            setattr(opts, k, os.path.abspath(v))
    tool = lambda name: os.path.join(opts.bindir, name)
    view, convert = tool("pstat-view"), tool("prof-convert")

    # pstat-view: raw, gzip'd and stdin give the same table (but the
    # header naming the file, which stdin has not).
    body = lambda out: out[out.index(b"function calls"):] if b"function calls" in out else out
    a = run([view, "--sort", "tottime", RAW])
    b = run([view, "--sort", "tottime", GZ])
    with open(RAW, "rb") as f:
        c = run([view, "--sort", "tottime", "-"], stdin=f.read())
    check(body(a) == body(b) == body(c) and b"leaf_a" in a, "pstat-view: raw, gzip and stdin differ")
    cpu_table = run([view, "--sort", "tottime", CPU]).decode()
    check(re.search(r"in 0\.750 seconds", cpu_table) is not None, "pstat-view: cpu total is not 0.750 s")
    check(re.search(r"\n\s+0\s+0\.270\s+0\.270 .*\(crypto/sha256\.block\)", cpu_table) is not None,
          "pstat-view: crypto/sha256.block is not the top function with 0.270 s")

    with tempfile.TemporaryDirectory() as tmp:
        # prof-convert: the output names that mean pprof, and --to pprof.
        for name in ["x.pb.gz", "x.pb", "x.pprof"]:
            out = os.path.join(tmp, name)
            run([convert, CPU, "-o", out])
            with open(out, "rb") as f:
                check(f.read(2) == b"\x1f\x8b", "prof-convert -o %s: not gzip'd pprof" % name)
            check(body(run([view, "--sort", "tottime", out])) == body(cpu_table.encode()),
                  "prof-convert -o %s: reads back differently" % name)
        piped = run([convert, "--to", "pprof", CPU, "-o", "-"])
        check(body(run([view, "--sort", "tottime", "-"], stdin=piped)) == body(cpu_table.encode()),
              "prof-convert --to pprof -o -: reads back differently")
        # Folded from pprof: microseconds for time, bytes for space.
        check(folded_total(run([convert, "--to", "folded", CPU, "-o", "-"])) == 750000,
              "cpu as folded: not 750000 microseconds")
        check(folded_total(run([convert, "--to", "folded", HEAP, "-o", "-"])) == 24227030,
              "heap as folded: not 24227030 bytes")
        # Two inputs: stacks added.
        merged = os.path.join(tmp, "merged.pb.gz")
        run([convert, CPU, CPU, "-o", merged])
        check(re.search(r"in 1\.500 seconds", run([view, merged]).decode()) is not None,
              "two cpu profiles merged: not 1.500 s")
        # prof2dot and prof-flame.
        dot = run([tool("prof2dot"), CPU]).decode()
        check("crypto/sha256.block" in dot and "main.mix" in dot, "prof2dot: functions missing")
        svg = os.path.join(tmp, "cpu.svg")
        run([tool("prof-flame"), CPU, "-o", svg])
        with open(svg, encoding="utf-8") as f:
            text = f.read()
        check("<title>all (750,000 microseconds, 100%)</title>" in text, "prof-flame cpu: total")
        check(re.search(r"<title>main\.square \([^<]*\) \(60,000 microseconds", text) is not None,
              "prof-flame cpu: inlined main.square missing")
        run([tool("prof-flame"), HEAP, "-o", svg])
        with open(svg, encoding="utf-8") as f:
            check("<title>all (24,227,030 bytes, 100%)</title>" in f.read(), "prof-flame heap: total")
    for p in problems:
        print("FAIL " + p)
    print("%d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
