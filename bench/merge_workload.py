# A varied standard-library workload for the merge benchmark: run N (an
# integer argument) imports a different slice of the standard library and
# runs a different mix and size of tasks, so that 100 runs give 100
# profiles that share most functions but differ in counts and times, as
# profiles of the same service on different inputs do.
# Runs on Python 3.6 - 3.13.
import importlib
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 0

MODULES = [
    "json", "decimal", "fractions", "textwrap", "difflib", "csv", "heapq", "bisect",
    "statistics", "datetime", "calendar", "string", "random", "hashlib", "base64",
    "gzip", "tarfile", "zipfile", "email.mime.text", "email.parser", "http.client",
    "urllib.parse", "xml.etree.ElementTree", "xml.dom.minidom", "html.parser",
    "argparse", "logging", "pprint", "shlex", "fnmatch", "glob", "tempfile", "pathlib",
    "uuid", "ipaddress", "enum", "typing", "dataclasses", "configparser", "plistlib",
    "sqlite3", "unittest", "doctest", "pydoc", "inspect", "ast", "tokenize", "dis",
    "locale", "gettext", "mimetypes", "wave", "colorsys", "operator", "secrets",
]


def import_slice(n):
    """A rotating half of the modules (module bodies are profiled too)."""
    for i, name in enumerate(MODULES):
        if (i + n) % 2 == 0 or i % 7 == n % 7:
            try:
                importlib.import_module(name)
            except ImportError:
                pass


def t_json(size):
    import json
    doc = {"items": [{"id": i, "tags": ["t%d" % (i % 5)], "v": i / 3.0} for i in range(40 * size)]}
    for _ in range(3):
        doc = json.loads(json.dumps(doc, sort_keys=True))
    return len(doc["items"])


def t_decimal(size):
    import decimal
    ctx = decimal.Context(prec=28)
    total = decimal.Decimal(0)
    for i in range(1, 200 * size):
        total = ctx.add(total, ctx.divide(decimal.Decimal(1), decimal.Decimal(i)))
    return total


def t_fractions(size):
    import fractions
    return sum(fractions.Fraction(1, i) for i in range(1, 40 * size))


def t_difflib(size):
    import difflib
    a = ["line %d %s" % (i, "x" * (i % 7)) for i in range(60 * size)]
    b = [s.replace("3", "4") for s in a]
    return len(list(difflib.unified_diff(a, b)))


def t_textwrap(size):
    import textwrap
    text = " ".join("word%d" % i for i in range(300 * size))
    return len(textwrap.wrap(text, 37)) + len(textwrap.fill(text, 61))


def t_csv(size):
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf)
    for i in range(200 * size):
        w.writerow([i, "name,%d" % i, i * 0.5])
    return sum(1 for _ in csv.reader(io.StringIO(buf.getvalue())))


def t_re(size):
    import re
    pat = re.compile(r"(\w+)@(\w+)\.(com|org)")
    text = " ".join("user%d@host%d.%s" % (i, i % 13, "com" if i % 2 else "org") for i in range(300 * size))
    return len(pat.findall(text)) + len(re.sub(r"\d+", "#", text))


def t_heapq(size):
    import heapq
    import random
    rng = random.Random(size)
    data = [rng.random() for _ in range(2000 * size)]
    heapq.heapify(data)
    return [heapq.heappop(data) for _ in range(500)]


def t_statistics(size):
    import statistics
    data = [(i * 7919) % 1000 / 10.0 for i in range(300 * size)]
    return statistics.mean(data), statistics.median(data), statistics.pstdev(data)


def t_datetime(size):
    import calendar
    import datetime
    d = datetime.date(2000, 1, 1)
    out = []
    for i in range(100 * size):
        d += datetime.timedelta(days=3)
        out.append(d.isoformat())
    return len(out) + len(calendar.month(2024, 1 + size % 12))


def t_xml(size):
    import xml.etree.ElementTree as ET
    root = ET.Element("root")
    for i in range(100 * size):
        ET.SubElement(root, "item", id=str(i)).text = "v%d" % i
    return len(ET.fromstring(ET.tostring(root)))


def t_recursion(size):
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)
    return fib(12 + size % 6)


TASKS = [t_json, t_decimal, t_fractions, t_difflib, t_textwrap, t_csv, t_re, t_heapq,
         t_statistics, t_datetime, t_xml, t_recursion]


def main():
    import_slice(N)
    size = 1 + N % 4
    for i, task in enumerate(TASKS):
        if (N >> (i % 5)) & 1 or i % 4 == N % 4:
            task(size)


if __name__ == "__main__":
    main()
