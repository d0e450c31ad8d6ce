#!/usr/bin/env python3
"""Writes the folded files of tests/data/folded/ whose counts test how
flamegraph.pl adds them up (see flame_layout.c):

- fractional_counts.folded: fractional counts, many stacks repeated on
  several identical lines (flamegraph.pl adds each line in turn, and
  sums like 0.1 + 0.2 are not 0.3) and frames of 12.5 samples whose end
  time, printed by Perl with %.15g, rounds to a label of 13;
- huge_counts.folded: counts past 2^64, which Perl holds as doubles and
  prints with 15 digits, next to ordinary ones;
- reverse_roots.folded: root frames that end in whitespace and a number
  (thread names such as "worker 0", as samplers put the thread first),
  which flamegraph.pl --reverse reads back as a first count (see
  pk_stacks_reversed), with tabs, a fractional number, a root that is only
  " 3", and lines whose roots do not end that way.

Deterministic (fixed seed). The goldens come from flamegraph.pl itself
(tests/golden/flame/regen.sh).

    python3 tests/data/folded/make_counts.py
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def fractional(rnd):
    names = ["parse", "load", "emit", "scan"]
    counts = ["0.1", "0.2", "0.3", "1.7", "2.25", "0.01", "12.5", "0.333", "3.", "7"]
    lines = []
    for _ in range(300):
        stack = ";".join(rnd.choice(names) for _ in range(rnd.randint(1, 4)))
        count = rnd.choice(counts)
        lines += ["main;%s %s" % (stack, count)] * rnd.randint(1, 3)
    rnd.shuffle(lines)
    return lines


def huge():
    return ["main;small 5",
            "main;huge 123456789012345678901234567890",
            "main;huge;inner 98765432109876543210987654321",
            "main;past_uint64 18446744073709551617",
            "main;other 3"]


def reverse_roots():
    return ["worker 0;run;work 10", "worker 0;run;idle 5", "worker 1;run;work 7",
            "t\t5;leaf 3", " 3;x 2", "a 1.5;b 4", "x 1.;y 2", "x .5;y 2", "plain;c 9",
            "main;d 1 2", "thread 12;;e 4", ";q 1", "worker 0;run;work 2.5", "same 7;z 0",
            "MainThread;f 6"]


def write(name, lines):
    with open(os.path.join(HERE, name), "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", name)


if __name__ == "__main__":
    write("fractional_counts.folded", fractional(random.Random(2026)))
    write("huge_counts.folded", huge())
    write("reverse_roots.folded", reverse_roots())
