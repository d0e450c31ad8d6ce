# Line-profiler sample (run with `kernprof -l lines_demo.py`): functions
# whose source layout exercises how line_profiler finds a function's lines
# (inspect.getblock): docstrings, comments inside and after the body,
# blank lines, bracketed and backslash-continued statements, a string
# spanning lines, methods, a generator, a nested function, a one-line
# def, stacked decorators with arguments, tab indentation, non-ASCII
# names, and a profiled function that is never called.
import functools

try:
    profile
except NameError:  # run without kernprof: no profiling
    def profile(func):
        return func


@profile
def running_total(values):
    """Sum values the long way round."""
    total = 0
    # a comment inside the body
    for v in values:

        total += v  # an inline comment
    return total
    # a trailing comment indented like the body belongs to the block
# a comment at column 0 does not


@profile
def layout(n):
    table = [
        (i, i * i)
        for i in range(n)
    ]
    width = len(str(n)) + \
        2
    text = """header
line at column 0 inside a string
    indented line in the string"""
    return len(table) + width + len(text)


class Circle(object):
    def __init__(self, r):
        self.r = r

    @profile
    def area(self):
        return 3.14159 * self.r * self.r


class Square(object):
    def __init__(self, side):
        self.side = side

    @profile
    def area(self):
        a = self.side
        return a * a

    def unprofiled(self):
        return 0


@profile
def shapes(n):
    total = 0.0
    for i in range(n):
        total += Circle(i).area() + Square(i).area()
    return total


@profile
def evens(limit):
    for i in range(limit):
        if i % 2 == 0:
            yield i


@profile
def outer(n):
    def helper(x):
        return x + 1
    return sum(helper(i) for i in range(n))


@profile
def square(x): return x * x


@functools.lru_cache(
    maxsize=None)
@profile
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@profile
def tabbed(n):
	acc = []
	for i in range(n):
		acc.append(i)
	return len(acc)


@profile
def größe(wörter):
    länge = 0  # Zähler für die Länge
    for w in wörter:
        länge += len(w)
    return länge


@profile
def never_called(x):
    return x


def main():
    running_total(range(2000))
    layout(50)
    shapes(300)
    list(evens(500))
    outer(200)
    for i in range(100):
        square(i)
    fib(25)
    tabbed(300)
    größe(["straße", "café", "naïve"] * 100)


main()


@profile
def at_the_end(x):
    y = x * 2
    return y
