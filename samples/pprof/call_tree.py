"""A call tree without shared callees or recursion: every function has one
caller, so the stacks profkit approximates from its cProfile call ratios
are exact (samples/make_pprof.sh; the pprof writer's consumer test)."""


def leaf_a(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def leaf_b(n):
    s = 1
    for i in range(n):
        s = (s * 31 + i) % 1000003
    return s


def middle(n):
    return leaf_a(n) + leaf_b(n // 2)


def other(n):
    t = 0
    for i in range(n):
        t ^= i
    return t


def main():
    return middle(300000) + other(200000)


main()
