#!/usr/bin/env python3
"""prof-flame's command line: exit codes, messages, inputs and outputs that
the golden frames do not cover; plus folded input in prof-convert and
pstat-view.

usage: check_cli.py --tool PROF_FLAME --convert PROF_CONVERT --view PSTAT_VIEW
"""
import argparse
import csv
import gzip
import io
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SAMPLES = os.path.join(ROOT, "samples", "folded")
NS = "{http://www.w3.org/2000/svg}"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(args, stdin=None, cwd=None):
    # Sanitizer builds: fontconfig's font cache (cairo's PNG text) is not a
    # leak of ours; lsan.supp names that library only.
    lsan = os.environ.get("LSAN_OPTIONS", "")
    lsan = (lsan + ":" if lsan else "") + "suppressions=%s:print_suppressions=0" % \
        os.path.join(HERE, "lsan.supp")
    return subprocess.run(args, input=stdin, capture_output=True, cwd=cwd,
                          env=dict(os.environ, LSAN_OPTIONS=lsan))


def svg_root(data):
    return ET.fromstring(data)


def text_by_id(root, ident):
    for t in root.iter(NS + "text"):
        if t.get("id") == ident:
            return t.text
    return None


def frame_titles(root):
    return [g.find(NS + "title").text for frames in root.iter(NS + "g") if frames.get("id") == "frames"
            for g in frames]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--convert", required=True)
    ap.add_argument("--view", required=True)
    a = ap.parse_args()
    tool = a.tool
    stdlib = os.path.join(SAMPLES, "stdlib_mix.folded")
    edge = os.path.join(ROOT, "tests", "data", "folded", "edge_cases.folded")
    pstats = os.path.join(ROOT, "samples", "pstats", "stdlib_mix_cprofile_py3.11.7.pstats")
    tmp = tempfile.mkdtemp()

    r = run([tool, "--help"])
    out = r.stdout.decode()
    check(r.returncode == 0 and all("--" + o in out for o in (
        "title", "subtitle", "width", "height", "minwidth", "fonttype", "fontsize", "countname",
        "nametype", "colors", "hash", "cp", "reverse", "inverted", "flamechart", "negate",
        "notes", "total", "strict", "diff", "normalize")), "--help lists flamegraph.pl's options")
    r = run([tool, "--bogus", stdlib])
    check(r.returncode == 2 and b"prof-flame: unknown option '--bogus'" in r.stderr, "unknown option: exit 2")
    r = run([tool, "--colors", "rainbow", stdlib])
    check(r.returncode == 2 and b"unknown palette 'rainbow'" in r.stderr, "unknown palette: exit 2")
    r = run([tool, "--diff", stdlib])
    check(r.returncode == 2 and b"--diff takes two inputs" in r.stderr, "--diff wants two inputs")
    r = run([tool, "--minwidth", "1.5px", stdlib])
    check(r.returncode == 2, "bad --minwidth: exit 2")

    # Ignored lines: one warning with the first line, or with --strict an
    # error and no output (an existing file is left alone).
    out_svg = os.path.join(tmp, "edge.svg")
    r = run([tool, edge, "-o", out_svg])
    err = r.stderr.decode()
    check(r.returncode == 0 and err.count("ignored") == 1 and
          "ignored 6 lines with invalid format (the first at line 1)" in err,
          "ignored lines: one warning naming the first line (%s)" % err.strip())
    with open(out_svg, "w") as f:
        f.write("old")
    r = run([tool, "--strict", edge, "-o", out_svg])
    check(r.returncode == 2 and
          b"edge_cases.folded: folded: 6 lines with invalid format, the first at line 1" in r.stderr,
          "--strict: exit 2 with the first bad line")
    with open(out_svg) as f:
        check(f.read() == "old", "--strict failure leaves -o's file alone")
    r = run([tool, "--strict", stdlib, "-o", out_svg])
    check(r.returncode == 0 and r.stderr == b"", "--strict accepts a clean file silently")

    # Bad inputs.
    bad = os.path.join(tmp, "bad.folded")
    with open(bad, "wb") as f:
        f.write(b"a;b 1\nc;d\x00 2\n")
    r = run([tool, "--from", "folded", bad])
    check(r.returncode == 2 and b"folded: NUL byte at line 2, column 4" in r.stderr, "NUL byte: exit 2 with line and column")
    with open(bad, "wb") as f:
        f.write(b"a;b 0\nc 0\n")
    r = run([tool, bad])
    check(r.returncode == 2 and b"no stack counts found" in r.stderr, "only zero counts: exit 2")
    r = run([tool, stdlib, "-o", "/dev/full"])
    check(r.returncode == 3, "write error (/dev/full): exit 3")
    r = run([tool, os.path.join(tmp, "missing.folded")])
    check(r.returncode == 2 and b"missing.folded: cannot open" in r.stderr, "missing input: exit 2")

    # A pstats name with a byte Python 3 could not decode (a lone surrogate,
    # which XML cannot hold): the SVG stays well-formed and shows the byte
    # as Latin-1 reads it.
    undecodable = os.path.join(ROOT, "samples", "pstats", "undecodable_name_cprofile_py3.11.7.pstats")
    r = run([tool, undecodable])
    try:
        titles = frame_titles(svg_root(r.stdout))
    except ET.ParseError as e:
        titles = ["not well-formed: %s" % e]
    check(r.returncode == 0 and any("lat\u00e9n/latmod.py" in t for t in titles),
          "undecodable file name: well-formed SVG naming lat\u00e9n/latmod.py (%s)" % titles[:1])

    # The same picture from stdin, from gzip, from the file.
    ref = run([tool, stdlib]).stdout
    with open(stdlib, "rb") as f:
        data = f.read()
    check(run([tool], stdin=data).stdout == ref, "standard input gives the same SVG")
    check(run([tool, "-"], stdin=gzip.compress(data)).stdout == ref, "gzip'd input gives the same SVG")
    crlf = os.path.join(tmp, "crlf.folded")
    with open(crlf, "wb") as f:
        f.write(data.replace(b"\n", b"\r\n"))
    check(run([tool, crlf]).stdout == ref, "CRLF input gives the same SVG")

    # Low sample counts warn, as flamegraph.pl does (only for "samples").
    small = os.path.join(tmp, "small.folded")
    with open(small, "w") as f:
        f.write("a;b 3\na;c 4\n")
    r = run([tool, small])
    check(b"stack count is low (7)" in r.stderr, "low sample count warns")
    r = run([tool, "--countname", "bytes", small])
    check(b"low" not in r.stderr, "no low-count warning for other units")

    # pstats: an approximate graph that says so.
    r = run([tool, pstats])
    root = svg_root(r.stdout)
    check(r.returncode == 0 and text_by_id(root, "subtitle") == "approximate, from call ratios",
          "pstats input: subtitle says approximate")
    titles = frame_titles(root)
    check(len(titles) > 10 and titles[0].startswith("all (") and "microseconds" in titles[0],
          "pstats input: frames counted in microseconds")
    r = run([tool, "--subtitle", "run 3", pstats])
    check(text_by_id(svg_root(r.stdout), "subtitle") == "run 3 (approximate, from call ratios)",
          "pstats input keeps the user's subtitle")
    r = run([tool, "--flamechart", pstats])
    check(r.returncode == 2 and b"flame chart needs sampled stacks" in r.stderr, "--flamechart refuses pstats")

    # PNG: same size as the SVG, a real PNG.
    png = os.path.join(tmp, "flame.png")
    r = run([tool, stdlib, "-o", png])
    with open(png, "rb") as f:
        head = f.read(24)
    svg = svg_root(ref)
    check(r.returncode == 0 and head[:8] == b"\x89PNG\r\n\x1a\n" and
          struct.unpack(">II", head[16:24]) == (int(svg.get("width")), int(svg.get("height"))),
          "-o x.png draws a PNG of the SVG's size")
    r = run([tool, "--format", "png", stdlib, "-o", "-"])
    check(r.stdout[:8] == b"\x89PNG\r\n\x1a\n", "--format png to a pipe")

    # prof-convert --to folded: folded -> folded exactly; pstats has no stacks.
    for name in sorted(os.listdir(SAMPLES)):
        path = os.path.join(SAMPLES, name)
        r = run([a.convert, "--to", "folded", path, "-o", "-"])
        with open(path, "rb") as f:
            check(r.returncode == 0 and r.stdout == f.read(), "prof-convert folded -> folded: %s" % name)
    wf = os.path.join(SAMPLES, "wordfreq.folded")
    with open(wf, encoding="utf-8") as f:
        doubled = "".join("%s %d\n" % (l.rsplit(" ", 1)[0], 2 * int(l.rsplit(" ", 1)[1])) for l in f)
    r = run([a.convert, "--to", "folded", wf, wf, "-o", "-"])
    check(r.returncode == 0 and r.stdout.decode() == doubled, "prof-convert merges folded files by summing stacks")
    r = run([a.convert, "--to", "folded", pstats, "-o", "-"])
    check(r.returncode == 2 and b"no sampled stacks" in r.stderr, "prof-convert pstats -> folded: exit 2")

    # pstat-view on folded stacks: functions derived exactly.
    rec = os.path.join(tmp, "rec.folded")
    with open(rec, "w") as f:
        f.write("main (m.py:1);f (m.py:5);f (m.py:5);g (m.py:9) 3\n"
                "main (m.py:1);f (m.py:5) 2\nmain (m.py:1);g (m.py:9) 1\n")
    r = run([a.view, "--format", "csv", "--sort", "cumulative", rec])
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
    got = [(row.get("function"), row.get("ncalls"), row.get("tottime"), row.get("cumtime")) for row in rows]
    check(r.returncode == 0 and len(rows) == 3, "pstat-view reads folded stacks (%s)" % got)
    by_name = {row.get("function"): row for row in rows}
    check("f" in by_name and float(by_name["f"]["cumtime"]) == 5 and float(by_name["f"]["tottime"]) == 2,
          "pstat-view: f counted once per sample under recursion (cum 5, self 2)")
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all prof-flame CLI checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
