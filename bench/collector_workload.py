"""A CPU-bound workload for bench/bench_collector.sh: recursion, dict and
string work, and many small calls (about a second bare at the default
scale). Prints the result, and on stderr "elapsed SECONDS" for main() alone.

    python3 collector_workload.py [SCALE]
"""
import sys
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def walk(tree, depth):
    if depth == 0:
        return 1
    return sum(walk(tree, depth - child) for child in tree if child <= depth)


def word_counts(text):
    counts = {}
    for word in text.split():
        word = word.strip(".,").lower()
        counts[word] = counts.get(word, 0) + 1
    return counts


def render(counts):
    parts = []
    for word, n in sorted(counts.items()):
        parts.append("%s=%d" % (word, n))
    return ";".join(parts)


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Point(self.x + other.x, self.y + other.y)

    def norm1(self):
        return abs(self.x) + abs(self.y)


def small_calls(n):
    acc = Point(0, 0)
    step = Point(1, -2)
    total = 0
    for _ in range(n):
        acc = acc.add(step)
        total += acc.norm1()
    return total


def main(scale):
    text = " ".join("Word%d, other%d." % (i % 97, i % 13) for i in range(2000))
    out = 0
    for _ in range(scale):
        out += fib(20)
        out += walk((1, 2, 3), 7)
        out += len(render(word_counts(text)))
        out += small_calls(20000)
    return out


if __name__ == "__main__":
    t0 = time.perf_counter()
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
    elapsed = time.perf_counter() - t0
    print(result)
    print("elapsed %.6f" % elapsed, file=sys.stderr)
