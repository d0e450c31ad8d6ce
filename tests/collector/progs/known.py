"""A program with known call counts, run under cProfile and under profkit
by test_cli.py. Imports nothing (a module imported here would run importlib
code that depends on what the profiler's runner imported before), and does
the same work on every run (no hashing of str, no time)."""


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


def countdown(n):
    while n:
        yield n
        n -= 1


def chained(n):
    yield from countdown(n)
    yield from (i * i for i in range(n))


def echo():
    total = 0
    while True:
        got = yield total
        if got is None:
            return total
        total += got


class Ready:
    def __await__(self):
        yield "tick"
        return 3


async def leaf_task(k):
    return await Ready() + k


async def root_task():
    total = 0
    for k in range(4):
        total += await leaf_task(k)
    return total


def drive(coro):
    try:
        while True:
            coro.send(None)
    except StopIteration as stop:
        return stop.value


class Shape:
    count = 0

    def __init__(self, w, h):
        self.w = w
        self.h = h
        Shape.count += 1

    @property
    def area(self):
        return self.w * self.h

    @staticmethod
    def unit():
        return Shape(1, 1)

    @classmethod
    def square(cls, s):
        return cls(s, s)

    def __add__(self, other):
        return Shape(self.w + other.w, self.h + other.h)

    def __repr__(self):
        return "Shape(%d, %d)" % (self.w, self.h)


class Guard:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is KeyError


def fails(depth):
    if depth == 0:
        raise ValueError("deep")
    return fails(depth - 1)


def exceptions():
    caught = 0
    for d in range(3):
        try:
            fails(d)
        except ValueError:
            caught += 1
    for text in ("12", "x", "7"):
        try:
            caught += int(text)
        except ValueError:
            caught += 100
    with Guard():
        {}["missing"]
    try:
        next(iter(()))
    except StopIteration:
        caught += 1
    return caught


def traced(func):
    def wrapper(*args):
        return func(*args)
    return wrapper


@traced
def decorated(x):
    return [v * 2 for v in range(x)]


def builtins_work():
    words = "the quick brown fox jumps over the lazy dog the end".split()
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    ordered = sorted(counts, key=lambda w: (-counts[w], w))
    out = []
    for w in ordered:
        out.append(w.upper())
    joined = ",".join(out)
    lengths = list(map(len, words))
    shapes = [Shape.square(s) for s in range(5)] + [Shape.unit()]
    biggest = max(shapes, key=lambda s: s.area)
    total = shapes[0]
    for s in shapes[1:]:
        total = total + s
    return (len(joined), sum(lengths), repr(biggest), repr(total), str.upper("x"),
            isinstance(total, Shape), getattr(total, "w"), sorted({3, 1, 2}))


def main():
    results = [fib(15), is_even(25), list(chained(5)), sum(countdown(10))]
    gen = echo()
    next(gen)
    for v in (1, 2, 3):
        gen.send(v)
    gen.close()
    results.append(drive(root_task()))
    results.append(exceptions())
    results.append(decorated(4))
    results.append(builtins_work())
    return results


if __name__ == "__main__":
    print(main())
