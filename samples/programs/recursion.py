# Recursion and language features: direct and mutual recursion, a class
# with methods, a staticmethod and a classmethod, a decorator, generators,
# comprehensions and exceptions that are raised and caught.
# Runs on Python 2.7 and 3.x.
from __future__ import print_function

import functools


def counted(func):
    """Decorator: count the calls of func."""
    @functools.wraps(func)
    def wrapper(*args):
        wrapper.calls += 1
        return func(*args)
    wrapper.calls = 0
    return wrapper


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


@counted
def hanoi(n, src, dst, via, moves):
    if n:
        hanoi(n - 1, src, via, dst, moves)
        moves.append((src, dst))
        hanoi(n - 1, via, dst, src, moves)
    return moves


class Tree(object):
    def __init__(self, value, children=()):
        self.value = value
        self.children = list(children)

    def depth(self):
        if not self.children:
            return 1
        return 1 + max(c.depth() for c in self.children)

    def walk(self):
        yield self.value
        for c in self.children:
            for v in c.walk():
                yield v

    @staticmethod
    def build(depth, width):
        if depth == 0:
            return Tree(0)
        return Tree(depth, [Tree.build(depth - 1, width) for _ in range(width)])

    @classmethod
    def leaf(cls, value):
        return cls(value)


def squares(n):
    for i in range(n):
        yield i * i


def safe_div(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        return None


def parse_all(items):
    out = []
    for item in items:
        try:
            out.append(int(item))
        except ValueError:
            out.append(-1)
    return out


def main():
    print(fib(20))
    print([is_even(n) for n in range(200)].count(True))
    print(len(hanoi(9, "a", "c", "b", [])), hanoi.calls)
    tree = Tree.build(5, 3)
    print(tree.depth(), sum(tree.walk()), Tree.leaf(7).depth())
    evens = {n: n * n for n in range(50) if n % 2 == 0}
    odd_set = {n % 7 for n in squares(2000)}
    print(len(evens), sorted(odd_set))
    print(sum(1 for q in (safe_div(10, d) for d in range(-5, 6)) if q is None))
    print(parse_all(["1", "x", "22", "y", "333"] * 100)[:6])


if __name__ == "__main__":
    main()
