#!/usr/bin/env python3
"""pprof files written by prof-convert, read by an independent consumer.

    check_consumer.py --prof-convert PATH --pstat-view PATH [--live]

The reader first: pstat-view's csv of each pprof sample (tottime, cumtime)
must equal the flat and cum that pprof-format's decoding gives (time units
in seconds). Then the writer:

Every input is converted with `prof-convert IN -o OUT.pb.gz`, and OUT is
decoded by npm's pprof-format (pprof_summary.js), which reports broken pprof
rules (string_table[0], ids referenced but missing, value counts) and each
function's flat and cumulative value. Those must equal an independent
reference:

- pprof inputs (Go's runtime/pprof files, the hand-encoded before.pb): the
  same summary of the original file, decoded by pprof-format;
- folded inputs: the folded text summed here (flat: lines ending in the
  function; cum: lines holding it, once per line);
- pstats inputs: Python's pstats (tottime and cumtime, in nanoseconds) for
  call_tree_cprofile, whose call graph is a tree, so that the stacks
  approximated from call ratios are exact; other pstats files must decode
  cleanly, say they are approximate, and name only functions pstats has.

With --live and Go installed, `go tool pprof -top` is also run on our file
and on the reference, and their rows must agree (skipped with a message
when Go is missing: the tests do not need it). Exit 77 (skip) without node
or pprof-format.
"""
import argparse
import csv
import glob
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
PPROF_INPUTS = ["go_cpu.pb.gz", "go_heap.pb.gz", "go_allocs.pb.gz", "before.pb", "before.pb.gz"]
EXACT_PSTATS = "samples/pprof/call_tree_cprofile_py3.11.2.pstats"
OTHER_PSTATS = ["samples/pstats/wordfreq_cprofile_py3.11.7.pstats",
                "samples/pstats/recursion_cprofile_py3.11.7.pstats",
                "samples/pstats/stdlib_mix_cprofile_py3.12.1.pstats"]


def parse_frame(frame):
    """(name, file, line) as profkit's stacks model reads "name (file:line)"
    (derive.c), else (frame, "", 0): the pprof Function profkit writes."""
    i = frame.find(" (")
    if len(frame) >= 6 and frame.endswith(")") and i >= 0:
        inner = frame[i + 2:-1]
        c = inner.rfind(":")
        if c >= 1 and inner[c + 1:].isdigit() and inner[c + 1:].isascii():
            return frame[:i], inner[:c], int(inner[c + 1:])
    return frame, "", 0


def folded_reference(path):
    funcs = {}
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "surrogateescape").rstrip("\n").rstrip("\r")
            m = re.match(r"^(.*)\s+?(\d+(?:\.\d*)?)$", line, re.S)
            if not m:
                continue
            stack, count = m.group(1), float(m.group(2))
            frames = stack.split(";")
            while frames and frames[-1] == "":
                frames.pop()
            keys = ["%s|%s|%d" % parse_frame(fr) for fr in frames]
            seen = set()
            for depth, k in enumerate(keys):
                fc = funcs.setdefault(k, [0, 0])
                if depth == len(keys) - 1:
                    fc[0] += count
                if k not in seen:
                    seen.add(k)
                    fc[1] += count
    return {k: [int(round(a)), int(round(b))] for k, (a, b) in funcs.items()}


def pstats_key(func):
    file, line, name = func
    return "%s|%s|%d" % (name, "" if file == "~" else file, line)


def node_summaries(files):
    proc = subprocess.run(["node", os.path.join(HERE, "pprof_summary.js")] + files,
                          capture_output=True, text=True)
    if proc.returncode == 77:
        print(proc.stderr.strip())
        sys.exit(77)
    if proc.returncode != 0:
        sys.exit("pprof-format failed: " + proc.stderr)
    return json.loads(proc.stdout)


def compare(label, got, want, tolerance=0):
    problems = []
    for k in sorted(set(got) | set(want)):
        g, w = got.get(k), want.get(k)
        if g is None or w is None or any(abs(a - b) > tolerance for a, b in zip(g, w)):
            problems.append("%s: %s got %s, reference %s" % (label, k, g, w))
    return problems


def go_top(path, unit):
    go = shutil.which("go")
    args = [go, "tool", "pprof", "-top", "-nodefraction=0", "-edgefraction=0",
            "-nodecount=1000000"] + (["-unit=" + unit] if unit else []) + [path]
    env = dict(os.environ, GOCACHE=os.path.join(tempfile.gettempdir(), "profkit-gocache"))
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    rows = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"^\s*([\d.]+)[A-Za-z]*\s+[\d.]+%\s+[\d.]+%\s+([\d.]+)[A-Za-z]*\s+[\d.]+%\s+(.*)$", line)
        if m:
            name = re.sub(r" \(inline\)$", "", m.group(3))
            rows[name] = [float(m.group(1)), float(m.group(2))]
    if proc.returncode != 0 or not rows:
        return None, proc.stderr.strip()
    return rows, ""


def by_name(functions):
    """Flat and cum per function name, for names held by one key only (go
    tool pprof -top merges functions by name)."""
    keys = {}
    for k, v in functions.items():
        keys.setdefault(k.split("|")[0], []).append(v)
    return {n: v[0] for n, v in keys.items() if len(v) == 1}


PER_SECOND = {"nanoseconds": 1e9, "microseconds": 1e6, "milliseconds": 1e3, "seconds": 1.0}


def check_reader(pstat_view):
    """pstat-view's numbers for the pprof samples against pprof-format's."""
    files = [os.path.join(ROOT, "samples", "pprof", n) for n in PPROF_INPUTS]
    problems, compared = [], 0
    for path, ref in zip(files, node_summaries(files)):
        proc = subprocess.run([pstat_view, "-F", "csv", path], capture_output=True, text=True)
        if proc.returncode != 0:
            problems.append("%s: pstat-view failed: %s" % (path, proc.stderr.strip()))
            continue
        scale = PER_SECOND.get(ref["type"][1], 1.0)
        got = {"%s|%s|%s" % (r["function"], r["file"], r["line"]):
               [float(r["tottime"]) * scale, float(r["cumtime"]) * scale]
               for r in csv.DictReader(io.StringIO(proc.stdout))}
        want = ref["functions"]
        for k in sorted(set(got) | set(want)):
            g, w = got.get(k), want.get(k)
            if g is None or w is None or any(abs(a - b) > 1e-6 * max(1.0, abs(b)) for a, b in zip(g, w)):
                problems.append("reader %s: %s pstat-view %s, pprof-format %s"
                                % (os.path.basename(path), k, g, w))
        compared += len(want)
    print("reader: %d pprof files, %d functions compared with pprof-format, %d problems"
          % (len(files), compared, len(problems)))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prof-convert", required=True)
    ap.add_argument("--pstat-view", required=True)
    ap.add_argument("--live", action="store_true")
    opts = ap.parse_args()
    for k, v in vars(opts).items():  # meson passes paths relative to the build dir
        if isinstance(v, str) and k != 'live':
            setattr(opts, k, os.path.abspath(v))
    if not shutil.which("node"):
        print("skip: node is not installed")
        return 77
    cases = []  # (label, input, kind)
    cases += [(n, os.path.join(ROOT, "samples", "pprof", n), "pprof") for n in PPROF_INPUTS]
    cases += [(os.path.basename(p), p, "folded")
              for p in sorted(glob.glob(os.path.join(ROOT, "samples", "folded", "*.folded")))]
    cases += [(os.path.basename(EXACT_PSTATS), os.path.join(ROOT, EXACT_PSTATS), "pstats-exact")]
    cases += [(os.path.basename(p), os.path.join(ROOT, p), "pstats") for p in OTHER_PSTATS]
    problems = check_reader(opts.pstat_view)
    functions_compared = 0
    with tempfile.TemporaryDirectory() as tmp:
        outs = []
        for i, (label, src, kind) in enumerate(cases):
            out = os.path.join(tmp, "%d.pb.gz" % i)
            proc = subprocess.run([opts.prof_convert, src, "-o", out], capture_output=True, text=True)
            if proc.returncode != 0:
                problems.append("%s: prof-convert failed: %s" % (label, proc.stderr.strip()))
            outs.append(out)
        if problems:
            print("\n".join(problems))
            return 1
        originals = [src for (_, src, kind) in cases if kind == "pprof"]
        summaries = node_summaries(outs + originals)
        ours, refs = summaries[:len(outs)], iter(summaries[len(outs):])
        live = []
        for (label, src, kind), out, s in zip(cases, outs, ours):
            problems += ["%s: %s" % (label, p) for p in s["problems"]]
            if kind == "pprof":
                ref = next(refs)
                problems += ["%s (original): %s" % (label, p) for p in ref["problems"]]
                if s["type"][1] != ref["type"][1]:
                    problems.append("%s: unit %s, original %s" % (label, s["type"], ref["type"]))
                want = ref["functions"]
                live.append((label, out, src, s["type"][1]))
            elif kind == "folded":
                want = folded_reference(src)
                live.append((label, out, want, s["type"][1]))
            elif kind == "pstats-exact":
                st = pstats.Stats(src).stats
                want = {pstats_key(f): [v[2] * 1e9, v[3] * 1e9] for f, v in st.items() if v[3] > 0}
                # Whole nanoseconds from microsecond doubles: within 2 ns.
                problems += compare(label, s["functions"], want, tolerance=2)
                functions_compared += len(want)
                live.append((label, out, {k: [round(a), round(b)] for k, (a, b) in want.items()},
                             s["type"][1]))
                continue
            else:
                keys = {pstats_key(f) for f in pstats.Stats(src).stats}
                extra = sorted(set(s["functions"]) - keys)
                if extra:
                    problems.append("%s: functions pstats does not have: %s" % (label, extra[:3]))
                if not any("approximated" in c for c in s["comments"]):
                    problems.append("%s: no comment saying the stacks are approximate" % label)
                functions_compared += len(s["functions"])
                continue
            problems += compare(label, s["functions"], want)
            functions_compared += len(want)
        print("pprof-format: %d files, %d functions compared, %d problems"
              % (len(outs), functions_compared, len(problems)))
        if opts.live:
            problems += live_checks(live)
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


def live_checks(live):
    if not shutil.which("go"):
        print("live check skipped: go is not installed (apt-get install golang-go)")
        return []
    problems, rows = [], 0
    for label, out, ref, unit in live:
        flag = {"nanoseconds": "ns", "bytes": "B"}.get(unit)
        got, err = go_top(out, flag)
        if got is None:
            problems.append("%s: go tool pprof failed on our file: %s" % (label, err))
            continue
        if isinstance(ref, str):  # an original pprof file
            want, err = go_top(ref, flag)
            if want is None:
                problems.append("%s: go tool pprof failed on the original: %s" % (label, err))
                continue
        else:
            # pprof shortens names by dropping C++ template arguments, so
            # "<module>" or "<lambda>" do not print as themselves: left out.
            want = {n: [float(a), float(b)] for n, (a, b) in by_name(ref).items() if "<" not in n}
            got = {n: v for n, v in got.items() if n in want}
        problems += compare(label + " (go tool pprof -top)", got, want)
        rows += len(want)
    print("go tool pprof -top: %d files, %d rows compared" % (len(live), rows))
    return problems


if __name__ == "__main__":
    sys.exit(main())
