# A mix of standard-library modules: json, decimal, fractions, textwrap
# and difflib. Runs on Python 2.7 and 3.x.
from __future__ import print_function

import json
import decimal
import fractions
import textwrap
import difflib

DOC = {
    "name": "profkit sample",
    "items": [{"id": i, "tags": ["t%d" % (i % 5), "x"], "ratio": i / 8.0}
              for i in range(40)],
    "nested": {"a": [1, 2, {"b": None, "c": True}], "d": "text"},
}

POEM = """The profiler counts every call it sees and the report lists
them all by name, by file and by line; a careful reader then
sorts the table by the time spent inside each function and finds
the few that matter, which is the whole point of profiling."""


def json_roundtrip(doc, times):
    text = ""
    for _ in range(times):
        text = json.dumps(doc, sort_keys=True, indent=2)
        doc = json.loads(text)
    return len(text)


def decimal_sum(n):
    ctx = decimal.Context(prec=30)
    total = decimal.Decimal(0)
    for i in range(1, n + 1):
        total = ctx.add(total, ctx.divide(decimal.Decimal(1), decimal.Decimal(i)))
    return str(total)


def harmonic(n):
    return sum(fractions.Fraction(1, i) for i in range(1, n + 1))


def wrap_poem(widths):
    return [textwrap.fill(POEM, width=w) for w in widths]


def diff_versions():
    a = POEM.splitlines()
    b = [line.replace("the", "a") for line in a]
    ratio = difflib.SequenceMatcher(None, POEM, POEM.upper()).ratio()
    delta = list(difflib.unified_diff(a, b, "old", "new", lineterm=""))
    return ratio, len(delta)


def main():
    print(json_roundtrip(DOC, 12))
    print(decimal_sum(500))
    print(harmonic(120))
    print(sum(len(t) for t in wrap_poem(range(30, 90, 2))))
    print(diff_versions())


if __name__ == "__main__":
    main()
