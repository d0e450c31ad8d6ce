"""profkit's collectors: profiles straight into the files profkit reads.

Deterministic (what cProfile records, written as .pstats)::

    with profkit.Profile() as p:
        work()
    p.dump("run.pstats")

    @profkit.profile(output="work.pstats")
    def work(): ...

Sampling (folded stacks, for prof-flame)::

    with profkit.Sampler("1ms") as s:
        work()
    s.dump("run.folded")

From the command line: ``python3 -m profkit -o run.pstats script.py args``
and ``python3 -m profkit --sample 1ms -o run.folded script.py``.
Only one collector is active at a time; enabling a second one raises
RuntimeError.
"""

import atexit
import functools
import marshal
import os
import re

try:
    from . import _profkit
except ImportError:  # a build tree: the extension is beside the package
    import _profkit

__all__ = ["Profile", "Sampler", "profile", "parse_interval", "active"]

active = _profkit.active


def _write_atomically(path, data):
    """Writes data to path through a temporary file renamed over it, so a
    failed write leaves nothing half written. Paths that exist and are not
    regular files (/dev/stdout, a FIFO) are written directly."""
    import tempfile  # here, so the runner imports less before the profiled script

    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isfile(path):
        with open(path, "wb") as f:
            f.write(data)
        return
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix=".profkit-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Collector:
    """What both collectors share: the with statement, runcall, dump."""

    def __enter__(self):
        self.enable()
        return self

    def __exit__(self, *exc_info):
        self.disable()

    def runcall(self, func, /, *args, **kw):
        """Calls func(*args, **kw) with collection on; returns its result.
        A nested call while this collector already runs just calls func."""
        if _profkit.active() is self:
            return func(*args, **kw)
        self.enable()
        try:
            return func(*args, **kw)
        finally:
            self.disable()

    def runctx(self, cmd, globals, locals):
        """Executes cmd (a string or code object) with collection on."""
        self.enable()
        try:
            exec(cmd, globals, locals)
        finally:
            self.disable()
        return self

    def run(self, cmd):
        import __main__
        d = __main__.__dict__
        return self.runctx(cmd, d, d)

    def dump(self, path):
        """Disables the collector and writes what it collected to path."""
        _write_atomically(path, self.dumps())


class Profile(_Collector, _profkit.Profiler):
    """A deterministic profiler recording what cProfile records: call
    counts, primitive calls, tottime, cumtime and callers, Python and C
    functions, for the thread that enables it.

    Profile(builtins=True): builtins=False leaves C functions out.
    dump(path) writes a .pstats file (marshal version 4; dumps(2) gives
    version 2 bytes for Python 2 readers); create_stats() and the `stats`
    attribute let pstats.Stats(profile) read it directly.
    """

    def dump(self, path, marshal_version=4):
        """Disables the profiler and writes a .pstats file to path."""
        _write_atomically(path, self.dumps(marshal_version))

    def create_stats(self):
        self.stats = marshal.loads(self.dumps())

    def print_stats(self, sort=-1):
        import pstats
        pstats.Stats(self).strip_dirs().sort_stats(sort).print_stats()


_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "\u00b5s": 1e-6}


def parse_interval(text):
    """Seconds from an interval such as "1ms", "250us", "0.01s" or a number
    of seconds. Raises ValueError for anything else."""
    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(s|ms|us|\u00b5s)?\s*", text)
        if not m:
            raise ValueError("profkit: bad interval %r (use e.g. 1ms, 250us, 0.01s)" % (text,))
        seconds = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    if not 1e-5 <= seconds <= 60:
        raise ValueError("profkit: the sampling interval must be between 10us and 60s, not %r"
                         % (text,))
    return seconds


class Sampler(_Collector, _profkit.Sampler):
    """A sampling profiler: every `interval` (seconds, or text like "1ms")
    the Python stack of the main thread is recorded, or of every thread
    with all_threads=True (then each stack starts with the thread's name).
    dump(path) writes folded stacks, "func (file:line);... count", root
    first, counts in ticks of the interval."""

    def __init__(self, interval=0.001, all_threads=False):
        super().__init__(parse_interval(interval), all_threads)


def profile(func=None, *, output=None, builtins=True):
    """Decorator: profiles every call of the function. The Profile is the
    wrapper's `profile` attribute; with output=PATH it is written there
    when the program exits."""
    if func is None:
        return functools.partial(profile, output=output, builtins=builtins)
    prof = Profile(builtins=builtins)

    @functools.wraps(func)
    def wrapper(*args, **kw):
        return prof.runcall(func, *args, **kw)

    wrapper.profile = prof
    if output is not None:
        atexit.register(prof.dump, output)
    return wrapper


# A sampling thread must not outlive the interpreter.
atexit.register(_profkit._stop_active)
