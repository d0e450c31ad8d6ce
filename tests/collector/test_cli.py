#!/usr/bin/env python3
"""python3 -m profkit in deterministic mode, against python3 -m cProfile.

progs/known.py runs under both (same Python, same working directory,
PYTHONHASHSEED=0). The .pstats files must hold the same functions, with
the same call and primitive-call counts, and the same callers with the same
per-edge counts, for Python and C functions alike; the only key that
differs by construction is the profiler's own disable method. The file
must load in Python's pstats and in pstat-view, with the same numbers.

Usage: test_cli.py [--pstat-view PATH]
"""
import argparse
import io
import json
import marshal
import os
import pstats
import subprocess
import sys
import tempfile

import pkcheck
from pkcheck import case, check

HERE = os.path.dirname(os.path.abspath(__file__))
PROGS = os.path.join(HERE, "progs")
ENV = dict(os.environ, PYTHONHASHSEED="0")
args = None
tmp = tempfile.mkdtemp(prefix="pkc-cli-")


def run(argv, cwd=PROGS, expect=0):
    p = subprocess.run([sys.executable] + argv, cwd=cwd, env=ENV, capture_output=True, text=True)
    check(p.returncode == expect, argv, "exit", p.returncode, "expected", expect,
          "\nstdout:", p.stdout[-2000:], "\nstderr:", p.stderr[-3000:])
    return p


def load(path):
    with open(path, "rb") as f:
        return marshal.load(f)


def profiles(target, extra=()):
    """(cProfile's stats, profkit's stats) of one run each."""
    c = os.path.join(tmp, "c.pstats")
    k = os.path.join(tmp, "k.pstats")
    run(["-m", "cProfile", "-o", c] + list(target))
    run(["-m", "profkit", "-o", k] + list(extra) + list(target))
    return load(c), load(k)


@case
def script_counts_equal_cprofile():
    c, k = profiles(["known.py"])
    pkcheck.same_counts(pkcheck.counts(c), pkcheck.counts(k), "known.py")
    names = {key[2] for key in k}
    # The kinds of function the program exercises are all there.
    for want in ("fib", "is_odd", "countdown", "<genexpr>", "echo", "leaf_task", "__await__",
                 "fails", "__exit__", "wrapper", "area", "<built-in method builtins.len>",
                 "<method 'append' of 'list' objects>", "<method 'get' of 'dict' objects>",
                 "<method 'upper' of 'str' objects>", "<built-in method builtins.sorted>",
                 "<method 'disable' of '_profkit.Profiler' objects>"):
        check(want in names, "no", want, "in the profile")
    fib = [v for key, v in k.items() if key[2] == "fib"][0]
    check(fib[:2] == (1, 1973), "fib(15): cc/nc", fib[:2])
    pkcheck.check_times(k, "known.py")


@case
def module_mode_counts_equal_cprofile():
    # -m runs through runpy; importlib's internals depend on what each
    # runner imported first, so only the program's own functions compare.
    c, k = profiles(["-m", "known"])
    mine = lambda key: key[0].endswith("known.py")
    pkcheck.same_counts(pkcheck.counts(c, mine), pkcheck.counts(k, mine), "-m known")


@case
def marshal_version_2_loads_the_same():
    v2 = os.path.join(tmp, "v2.pstats")
    v4 = os.path.join(tmp, "v4.pstats")
    run(["-m", "profkit", "--marshal-version", "2", "-o", v2, "known.py"])
    run(["-m", "profkit", "-o", v4, "known.py"])
    with open(v2, "rb") as f:
        check(f.read(1) == b"{", "marshal v2 starts with '{'")
    check(pkcheck.counts(load(v2)) == pkcheck.counts(load(v4)), "v2 and v4 differ")


@case
def pstats_and_pstat_view_agree():
    path = os.path.join(tmp, "view.pstats")
    run(["-m", "profkit", "-o", path, "known.py"])
    st = pstats.Stats(path, stream=io.StringIO())
    st.print_stats()
    check(st.total_calls > 0 and st.prim_calls > 0, "pstats totals")
    if not args.pstat_view:
        return
    p = subprocess.run([args.pstat_view, "--format", "json", path], capture_output=True, text=True)
    check(p.returncode == 0, "pstat-view exit", p.returncode, p.stderr)
    doc = json.loads(p.stdout)
    check(doc["total_calls"] == st.total_calls and doc["primitive_calls"] == st.prim_calls,
          "totals", doc["total_calls"], st.total_calls, doc["primitive_calls"], st.prim_calls)
    got = {(f["file"], f["line"], f["name"]): (f["pcalls"], f["ncalls"], f["tottime"], f["cumtime"])
           for f in doc["functions"]}
    want = {key: v[:4] for key, v in st.stats.items()}
    check(got == want, "pstat-view's functions differ from pstats':",
          sorted(set(got.items()) ^ set(want.items()))[:10])


@case
def table_without_output_file():
    p = run(["-m", "profkit", "-s", "calls", "known.py"])
    check("function calls" in p.stdout and "Ordered by: call count" in p.stdout, p.stdout[-1500:])


@case
def exit_status_and_profile_kept():
    script = os.path.join(tmp, "exits.py")
    with open(script, "w") as f:
        f.write("import sys\ndef work():\n    return sum(range(10))\nwork()\nsys.exit(3)\n")
    out = os.path.join(tmp, "exits.pstats")
    run(["-m", "profkit", "-o", out, script], cwd=tmp, expect=3)
    check(any(k[2] == "work" for k in load(out)), "work missing after sys.exit(3)")
    with open(script, "w") as f:
        f.write("def boom():\n    raise RuntimeError('boom')\nboom()\n")
    p = run(["-m", "profkit", "-o", out, script], cwd=tmp, expect=1)
    check("RuntimeError: boom" in p.stderr, p.stderr)
    check(any(k[2] == "boom" for k in load(out)), "boom missing after an exception")


@case
def arguments_reach_the_script():
    script = os.path.join(tmp, "argv.py")
    with open(script, "w") as f:
        f.write("import sys\nprint(repr(sys.argv))\n")
    p = run(["-m", "profkit", "-o", os.path.join(tmp, "a.pstats"), script, "-o", "x", "--sample"],
            cwd=tmp)
    check(p.stdout.strip() == repr([script, "-o", "x", "--sample"]), p.stdout)


@case
def help_and_usage_errors():
    p = run(["-m", "profkit", "--help"])
    check(p.stdout.startswith("usage: python3 -m profkit") and "--sample" in p.stdout, p.stdout)
    p = run(["-m", "profkit"], expect=2)
    check("no script" in p.stderr, p.stderr)
    p = run(["-m", "profkit", "--bogus", "known.py"], expect=2)
    check("unrecognized arguments: --bogus" in p.stderr, p.stderr)
    p = run(["-m", "profkit", "--sample", "fast", "known.py"], expect=2)
    check("bad interval" in p.stderr, p.stderr)
    p = run(["-m", "profkit", "--all-threads", "known.py"], expect=2)
    check("--all-threads needs --sample" in p.stderr, p.stderr)
    p = run(["-m", "profkit", "-s", "bogus", "known.py"], expect=2)
    check("unknown sort key 'bogus'" in p.stderr and not p.stdout, p.stderr)
    p = run(["-m", "profkit", "-o", os.path.join(tmp, "no", "such", "x"), "known.py"], expect=2)
    check("no such directory" in p.stderr and not p.stdout, p.stderr)
    p = run(["-m", "profkit", "-o", os.path.join(tmp, "x"), "missing.py"], expect=2)
    check("cannot run missing.py" in p.stderr, p.stderr)


def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--pstat-view")
    args = ap.parse_args()
    pkcheck.run_all()


if __name__ == "__main__":
    main()
