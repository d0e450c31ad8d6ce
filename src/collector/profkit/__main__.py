"""python3 -m profkit: run a script or module under a profkit collector."""

import argparse
import importlib.machinery
import io
import os
import runpy
import sys

import profkit

USAGE = "python3 -m profkit [-o OUTPUT] [-s SORT] [--sample INTERVAL [--all-threads]] (-m MODULE | SCRIPT) [ARG]..."

DESCRIPTION = """\
Runs SCRIPT (or MODULE, as python -m would) and records a profile.

Deterministic mode (the default) records what cProfile records: calls,
primitive calls, tottime, cumtime and callers of every Python and C
function in the main thread, written as a .pstats file that pstats,
pstat-view and prof2dot read. Without -o the table is printed, as
python3 -m cProfile prints it.

Sampling mode (--sample INTERVAL) records the Python stack of the main
thread every INTERVAL (1ms, 250us, 0.01s), or of every thread with
--all-threads, and writes folded stacks ("func (file:line);... count")
for prof-flame. Without -o they go to standard output.
"""

# Our options that take a value (as the next word or after '=').
_WITH_VALUE = {"-o", "--output", "-s", "--sort", "--sample", "--marshal-version"}


def _parser():
    p = argparse.ArgumentParser(prog="python3 -m profkit", usage=USAGE, description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the profile to FILE (.pstats, or folded stacks with --sample)")
    p.add_argument("-s", "--sort", default=None, metavar="KEY",
                   help="sort key of the printed table when there is no -o "
                        "(pstats names: cumulative, tottime, calls, ...); default: cumulative")
    p.add_argument("--sample", metavar="INTERVAL",
                   help="sample every INTERVAL (e.g. 1ms) instead of recording every call")
    p.add_argument("--all-threads", action="store_true",
                   help="with --sample: sample every thread, not only the main thread")
    p.add_argument("--marshal-version", type=int, choices=(2, 4), default=4,
                   help=".pstats marshal version (default 4; 2 also loads in Python 2.7)")
    p.add_argument("-m", dest="module", metavar="MODULE", help="run library module MODULE as a script")
    return p


def _split(argv):
    """Our options, then the script (None after -m MODULE) and its
    arguments: the first word that is not one of our options, or the value
    of -m, ends our options."""
    i = 0
    while i < len(argv):
        a = argv[i]
        name = a.split("=", 1)[0]
        if a == "-m":
            return argv[:i + 2], None, argv[i + 2:]
        if a.startswith("-m") and not a.startswith("--"):
            return argv[:i + 1], None, argv[i + 1:]
        if a == "--":
            return argv[:i], (argv[i + 1] if i + 1 < len(argv) else None), argv[i + 2:]
        if name in _WITH_VALUE and "=" not in a:
            i += 2
        elif a.startswith("-") and a != "-":
            i += 1  # ours, or a usage error argparse reports
        else:
            return argv[:i], a, argv[i + 1:]
    return argv, None, []


def _target(opts, args):
    """The code to run, its globals, and sys.argv for it."""
    if opts.module:
        code = "run_module(modname, run_name='__main__', alter_sys=True)"
        globs = {"run_module": runpy.run_module, "modname": opts.module}
        return code, globs, [opts.module] + args
    path = opts.script
    sys.path.insert(0, os.path.dirname(path))
    with io.open_code(path) as f:
        code = compile(f.read(), path, "exec")
    spec = importlib.machinery.ModuleSpec(name="__main__", loader=None, origin=path)
    globs = {"__spec__": spec, "__file__": spec.origin, "__name__": spec.name,
             "__package__": None, "__cached__": None, "__builtins__": __builtins__}
    return code, globs, [path] + args


def _run(collector, code, globs, sampling):
    # The sampler's stacks start below this frame: at the script's <module>.
    if sampling:
        collector.enable(base_frame=sys._getframe())
    else:
        collector.enable()
    try:
        exec(code, globs)
    finally:
        collector.disable()


def _report(collector, opts, sampling):
    if opts.output and sampling:
        collector.dump(opts.output)
    elif opts.output:
        collector.dump(opts.output, marshal_version=opts.marshal_version)
    elif sampling:
        sys.stdout.flush()
        sys.stdout.buffer.write(collector.dumps())
        sys.stdout.flush()
    else:
        collector.print_stats(opts.sort if opts.sort is not None else "cumulative")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ours, script, rest = _split(argv)
    parser = _parser()
    opts = parser.parse_args(ours)
    opts.script = script
    if not opts.module and not opts.script:
        parser.error("no script or -m MODULE to run")
    if opts.all_threads and not opts.sample:
        parser.error("--all-threads needs --sample")
    sampling = opts.sample is not None
    if opts.sort is not None:
        import pstats
        if opts.sort not in pstats.Stats.sort_arg_dict_default:
            parser.error("unknown sort key %r (pstats names: cumulative, tottime, calls, ...)"
                         % opts.sort)
    if opts.output and not os.path.isdir(os.path.dirname(os.path.abspath(opts.output))):
        parser.error("cannot write %s: no such directory" % opts.output)
    try:
        collector = (profkit.Sampler(opts.sample, all_threads=opts.all_threads) if sampling
                     else profkit.Profile())
    except ValueError as e:
        parser.error(str(e).replace("profkit: ", ""))
    try:
        code, globs, sys.argv = _target(opts, rest)
    except OSError as e:
        print("python3 -m profkit: cannot run %s: %s" % (opts.script, e.strerror), file=sys.stderr)
        return 2
    exit_code = None
    try:
        _run(collector, code, globs, sampling)
    except SystemExit as e:
        exit_code = e.code  # the script's own exit status, after the profile is written
    except BaseException:
        _report(collector, opts, sampling)
        raise
    _report(collector, opts, sampling)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
