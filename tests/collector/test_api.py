#!/usr/bin/env python3
"""profkit.Profile in-process, each scenario against cProfile.Profile.

Every scenario runs once unprofiled (so lazy imports and caches are warm),
then under cProfile and under profkit, enabled and disabled around the
same call. The stats must have the same functions and the same nc/cc, for
the functions and for every caller edge: recursion (direct, mutual,
through C), exceptions (caught, propagating, raised by C functions,
suppressed by __exit__), generators (resumed, delegated, sent to, closed,
thrown into), coroutines and async generators, and C calls of every kind.
Then the API: enable/disable, clear, nested profilers refused, threads
(only the enabling thread is recorded, as cProfile does up to 3.11),
runcall, the decorator, builtins=False, dump.
"""
import cProfile
import marshal
import os
import sys
import tempfile
import threading

import pkcheck
import profkit
from pkcheck import case, check

tmp = tempfile.mkdtemp(prefix="pkc-api-")


def collect(profiler, work):
    profiler.enable()
    try:
        work()
    finally:
        profiler.disable()
    profiler.create_stats()
    return profiler.stats


def compare(work, **kw):
    work()
    c = collect(cProfile.Profile(**kw), work)
    k = collect(profkit.Profile(**kw), work)
    pkcheck.same_counts(pkcheck.counts(c), pkcheck.counts(k), work.__name__)
    pkcheck.check_times(k, work.__name__)
    return k


def find(stats, name):
    hits = [v for key, v in stats.items() if key[2] == name]
    check(len(hits) == 1, "expected one", name, "found", len(hits))
    return hits[0]


# ---- scenarios ----

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def ping(n):
    return n if n <= 0 else pong(n - 1)


def pong(n):
    return n if n <= 0 else ping(n - 1)


def nest(n):
    # recursion through a C function (map) and a lambda
    return 0 if n == 0 else sum(map(lambda k: nest(k), range(n)))


def recursion():
    fact(12)
    ping(9)
    nest(5)


@case
def recursion_counts():
    k = compare(recursion)
    check(find(k, "fact")[:2] == (1, 12), "fact cc/nc", find(k, "fact")[:2])
    edges = {key[2]: v[:2] for key, v in find(k, "fact")[4].items()}
    # per (caller, callee) pair: only the first fact -> fact call is primitive
    check(edges == {"recursion": (1, 1), "fact": (11, 1)}, "fact callers", edges)
    check(find(k, "ping")[:2] == (1, 5) and find(k, "pong")[:2] == (1, 5),
          "ping/pong", find(k, "ping")[:2], find(k, "pong")[:2])


def thrower(depth):
    if depth == 0:
        raise KeyError(depth)
    return thrower(depth - 1)


class Suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def exceptions():
    for d in range(4):
        try:
            thrower(d)
        except KeyError:
            pass
    for s in ("1", "z", "3"):
        try:
            int(s)
        except ValueError:
            pass
    with Suppress():
        [].pop()
    try:
        try:
            thrower(2)
        finally:
            len("cleanup")
    except KeyError:
        pass


@case
def exception_counts():
    k = compare(exceptions)
    check(find(k, "thrower")[:2] == (5, 13), "thrower", find(k, "thrower")[:2])
    check(find(k, "<method 'pop' of 'list' objects>")[1] == 1, "list.pop raised once")


def numbers(n):
    for i in range(n):
        yield i


def delegate(n):
    yield from numbers(n)
    yield -1


def accumulate():
    total = 0
    while True:
        try:
            got = yield total
        except ValueError:
            got = 100
        total += got


def generators():
    list(numbers(5))
    sum(delegate(3))
    sum(x * x for x in range(6))
    acc = accumulate()
    next(acc)
    acc.send(2)
    acc.throw(ValueError)
    acc.close()
    early = numbers(10)
    next(early)
    early.close()


@case
def generator_counts():
    k = compare(generators)
    # each resumption is a call: list(numbers(5)) resumes it 6 times
    check(find(k, "accumulate")[1] == 4, "accumulate ncalls", find(k, "accumulate")[:2])


class Later:
    def __await__(self):
        yield
        return 1


async def child(i):
    return await Later() + i


async def parent():
    return sum([await child(i) for i in range(3)])


async def agen():
    for i in range(3):
        yield await child(i)


async def consume():
    return [x async for x in agen()]


def drive(coro):
    try:
        while True:
            coro.send(None)
    except StopIteration as e:
        return e.value


def coroutines():
    drive(parent())
    drive(consume())


@case
def coroutine_counts():
    k = compare(coroutines)
    check(find(k, "child")[1] == 12, "child ncalls (2 resumptions each)", find(k, "child")[:2])


class Box:
    def __init__(self, v):
        self.v = v

    def __len__(self):
        return self.v


def c_calls():
    data = [3, 1, 2]
    data.append(4)
    data.sort(key=lambda x: -x)
    d = dict.fromkeys("abc", 0)
    d.get("a")
    "-".join(map(str, data))
    str.upper("abc")
    list.append(data, 5)
    len(Box(3))
    sorted(data, reverse=True)
    max(data, key=abs)
    isinstance(d, dict)
    getattr(d, "keys")()
    object.__new__(Box)
    "{}".format(1)
    (1).bit_length()


@case
def c_function_counts():
    k = compare(c_calls)
    names = {key[2] for key in k}
    for want in ("<method 'append' of 'list' objects>", "<method 'sort' of 'list' objects>",
                 "<method 'get' of 'dict' objects>",
                 "<method 'join' of 'str' objects>", "<method 'upper' of 'str' objects>",
                 "<built-in method builtins.len>", "<built-in method builtins.sorted>",
                 "<built-in method builtins.max>", "<built-in method builtins.isinstance>",
                 "<built-in method builtins.getattr>", "<method 'keys' of 'dict' objects>",
                 "<method 'format' of 'str' objects>", "<method 'bit_length' of 'int' objects>"):
        check(want in names, "missing", want)
    check(find(k, "<method 'append' of 'list' objects>")[1] == 2, "append called twice")
    for key in k:
        if key[0] == "~":
            check(key[1] == 0, "C function line", key)


@case
def builtins_false_leaves_c_out():
    k = compare(c_calls, builtins=False)
    check(all(key[0] != "~" for key in k), "C functions recorded with builtins=False")


def twice_enabled():
    p = profkit.Profile()
    c = cProfile.Profile()
    for prof in (c, p):
        prof.enable()
        fact(3)
        prof.disable()
        numbers_list = list(numbers(2))  # not recorded
        prof.enable()
        fact(3)
        prof.disable()
        prof.create_stats()
        del numbers_list
    return c.stats, p.stats


@case
def enable_disable_accumulates():
    c, k = twice_enabled()
    pkcheck.same_counts(pkcheck.counts(c), pkcheck.counts(k), "enable twice")
    check(find(k, "fact")[1] == 6, "fact over two sessions", find(k, "fact")[:2])
    check(not any(key[2] == "numbers" for key in k), "recorded while disabled")
    check(find(k, "<method 'disable' of '_profkit.Profiler' objects>")[1] == 2, "disable count")


@case
def clear_forgets():
    p = profkit.Profile()
    p.enable()
    fact(4)
    p.disable()
    p.clear()
    p.enable()
    ping(2)
    p.disable()
    p.create_stats()
    check(not any(key[2] == "fact" for key in p.stats), "fact kept after clear()")
    check(find(p.stats, "ping")[1] == 2, "ping after clear")


@case
def nested_profilers_refused():
    a, b = profkit.Profile(), profkit.Profile()
    a.enable()
    try:
        try:
            b.enable()
            raise AssertionError("a second profkit.Profile was enabled")
        except RuntimeError as e:
            check("another profkit collector" in str(e) and "nested" in str(e), e)
        try:
            profkit.Sampler("1ms").enable()
            raise AssertionError("a sampler was enabled under a profiler")
        except RuntimeError as e:
            check("another profkit collector" in str(e), e)
        a.enable()  # the same one again: nothing to do
        check(profkit.active() is a and a.enabled, "a stays active")
    finally:
        a.disable()
    check(profkit.active() is None and not a.enabled, "active after disable")
    with b:
        check(profkit.active() is b, "b active")
        try:
            with profkit.Profile():
                pass
            raise AssertionError("nested with-blocks were accepted")
        except RuntimeError:
            pass
    check(profkit.active() is None, "b left active")


@case
def foreign_profiler_refused():
    c = cProfile.Profile()
    c.enable()
    try:
        try:
            profkit.Profile().enable()
            raise AssertionError("profkit enabled while cProfile is active")
        except RuntimeError as e:
            check("another profiler" in str(e), e)
    finally:
        c.disable()
    check(profkit.active() is None, "left active")


def spin_worker(n, out):
    out.append(sum(fact(8) for _ in range(n)))


def busy_thread_run():
    out = []
    t = threading.Thread(target=spin_worker, args=(200, out))
    t.start()
    for _ in range(50):
        ping(6)
    t.join()


@case
def only_the_enabling_thread():
    busy_thread_run()
    k = collect(profkit.Profile(), busy_thread_run)
    check(not any(key[2] in ("spin_worker", "fact") for key in k), "another thread was recorded")
    check(find(k, "ping")[1] == 200, "ping calls", find(k, "ping")[:2])
    if sys.version_info < (3, 12):
        # cProfile also records only its own thread up to 3.11 (from 3.12 it
        # uses sys.monitoring, whose events come from every thread).
        c = collect(cProfile.Profile(), busy_thread_run)
        pkcheck.same_counts(pkcheck.counts(c), pkcheck.counts(k), "threads")
    # Enabled in a worker thread: that thread only.
    got = {}

    def worker():
        p = profkit.Profile()
        got["stats"] = collect(p, lambda: fact(5))

    t = threading.Thread(target=worker)
    t.start()
    for _ in range(20):
        ping(4)
    t.join()
    check(find(got["stats"], "fact")[1] == 5, "fact in the worker")
    check(not any(key[2] == "ping" for key in got["stats"]), "main thread recorded")


@case
def runcall_and_decorator():
    p = profkit.Profile()
    check(p.runcall(fact, 5) == 120, "runcall result")
    check(not p.enabled, "left enabled")
    try:
        p.runcall(thrower, 1)
        raise AssertionError("no exception")
    except KeyError:
        pass
    check(not p.enabled and profkit.active() is None, "left enabled after an exception")
    p.create_stats()
    check(find(p.stats, "fact")[1] == 5 and find(p.stats, "thrower")[1] == 2, "runcall counts")

    out = os.path.join(tmp, "decorated.pstats")

    @profkit.profile
    def rec(n):
        return 0 if n == 0 else 1 + rec(n - 1)

    check(rec(4) == 4 and rec(2) == 2, "decorated results")
    check(profkit.active() is None, "decorator left a profiler active")
    rec.profile.dump(out)
    stats = marshal.load(open(out, "rb"))
    check(find(stats, "rec")[:2] == (2, 8), "rec cc/nc", find(stats, "rec")[:2])

    @profkit.profile(builtins=False)
    def flat():
        return len([1, 2])

    flat()
    flat.profile.create_stats()
    check(all(key[0] != "~" or "disable" in key[2] for key in flat.profile.stats),
          "builtins=False decorator")


@case
def same_key_code_objects_are_summed():
    # Two code objects with one (file, line, name) key: cProfile's dict keeps
    # only one entry's numbers; profkit adds them up (a documented difference).
    a, b = {}, {}
    exec(compile("def twin():\n    return 1\n", "twins.py", "exec"), a)
    exec(compile("def twin():\n    return 1\n", "twins.py", "exec"), b)
    check(a["twin"].__code__ is not b["twin"].__code__, "one code object")

    def both():
        a["twin"]()
        b["twin"]()
        b["twin"]()

    k = collect(profkit.Profile(), both)
    twin = k[("twins.py", 1, "twin")]
    check(twin[:2] == (3, 3), "twin cc/nc", twin[:2])
    check({key[2]: v[:2] for key, v in twin[4].items()} == {"both": (3, 3)}, "twin callers")


@case
def dump_and_load():
    p = profkit.Profile()
    with p:
        recursion()
    path = os.path.join(tmp, "api.pstats")
    p.dump(path)
    import pstats
    import io
    st = pstats.Stats(path, stream=io.StringIO())
    check(st.total_calls > 100, "total calls", st.total_calls)
    check(find(st.stats, "__exit__")[1] == 1, "__exit__ of the with block")
    v2 = p.dumps(2)
    check(v2[:1] == b"{" and pkcheck.counts(marshal.loads(v2)) == pkcheck.counts(st.stats), "v2")
    try:
        p.dumps(3)
        raise AssertionError("marshal version 3 accepted")
    except ValueError:
        pass
    pstats.Stats(p, stream=io.StringIO()).print_stats()  # create_stats() route


if __name__ == "__main__":
    pkcheck.run_all()
