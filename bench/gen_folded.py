#!/usr/bin/env python3
"""Writes a large, realistic folded-stacks file for benchmarks.

    gen_folded.py [--lines N] [--names N] [--seed S] OUT.folded

A synthetic program: NAMES functions named as py-spy names them,
"func (module.py:line)"; each calls a few others, the first ones
far more often (weights 1, 1/2, 1/3, ...), from a few entry points. Each
line is one walk down that call graph, 5 to 40 frames deep (most around
14), with a sample count of 1 to a few dozen, so hot paths repeat and
share long prefixes while the tail of the distribution is many unique
stacks, as in a real profile. Deterministic for a given seed.
"""
import argparse
import random


def make_names(rng, n):
    verbs = ["get", "set", "load", "save", "parse", "draw", "check", "build", "run", "send",
             "read", "write", "merge", "split", "apply", "visit", "scan", "emit", "fetch", "wrap"]
    return ["%s%d (m%d.py:%d)" % (rng.choice(verbs), i, i % 97, rng.randint(1, 999))
            for i in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--names", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("out")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    names = make_names(rng, a.names)
    callees = []
    for _ in range(a.names):
        k = rng.randint(1, 6)
        callees.append([rng.randrange(a.names) for _ in range(k)])
    weights = {k: [1.0 / (j + 1) for j in range(k)] for k in range(1, 7)}
    roots = [rng.randrange(a.names) for _ in range(12)]
    root_w = [1.0 / (j + 1) for j in range(len(roots))]

    with open(a.out, "w", encoding="utf-8") as out:
        for _ in range(a.lines):
            depth = max(5, min(40, int(rng.triangular(5, 41, 14))))
            cur = rng.choices(roots, root_w)[0]
            stack = [names[cur]]
            while len(stack) < depth:
                nxt = callees[cur]
                cur = rng.choices(nxt, weights[len(nxt)])[0]
                stack.append(names[cur])
            count = 1 + int(rng.expovariate(0.15))
            out.write("%s %d\n" % (";".join(stack), count))


if __name__ == "__main__":
    main()
