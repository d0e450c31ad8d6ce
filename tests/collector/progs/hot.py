"""Spends most of its time in hot(): for the sampler tests."""
import sys


def hot(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def cold():
    return sum(range(1000))


def main(seconds):
    import time
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        hot(20000)
        cold()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.4)
