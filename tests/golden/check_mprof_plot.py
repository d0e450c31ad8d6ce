#!/usr/bin/env python3
"""Checks of mprof-plot's pictures.

    check_mprof_plot.py --tool PATH/TO/mprof-plot

For every sample in samples/mprof/ (and the test file with a spaced label):
- PNG at several sizes: a valid PNG (signature, chunk CRCs, IHDR), whose IHDR
  has the requested width and height, and whose IDAT stream inflates to
  exactly height rows of width pixels (the image decodes);
- SVG (plain, --flame, --slope, a window, several files overlaid): parses with
  xml.etree, has the requested size, and carries the peak value as
  "peak X MiB" (X = the largest memory of MEM and FUNC lines, computed here
  from the .dat text, with 3 decimals), every function's name (full name in a
  tooltip, mprof's label in a text), every child as "child PID", and
  the title (the command line, or -t), the memory line's legend as mprof
  writes it ("21 / 11 / 2026 - start at 13:04:56.947", " slope X" with
  --slope);
- legend labels: for the samples and for 600 generated sets of dotted names
  (empty parts, one part, shared suffixes, names that are suffixes of
  others), each function's label is what mprof's own function_labels()
  gives (run live through the interpreter that has memory_profiler; skipped
  with a note when there is none);
- usage and output errors: exit 2 for a bad window, size or extension; exit 3
  for a full disk (/dev/full).

Prints `N passed, M failed` last; exit status 1 if M > 0.
"""

import argparse
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SVG = "{http://www.w3.org/2000/svg}"


def samples():
    d = os.path.join("samples", "mprof")
    out = sorted(os.path.join(d, n) for n in os.listdir(os.path.join(ROOT, d)) if n.endswith(".dat"))
    return out + [os.path.join("tests", "data", "mprof", "space_label.dat")]


def parse_dat(path):
    """Runs split at CMDLINE lines, each with MEM values, FUNC calls, children."""
    runs, cur = [], None
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    funcs = []
    for line in lines:
        kind, _, rest = line.partition(" ")
        if kind == "CMDLINE" or (cur is None and kind in ("MEM", "CHLD")):
            cur = {"cmd": rest if kind == "CMDLINE" else None, "mem": [], "kids": []}
            runs.append(cur)
        if kind == "MEM":
            cur["mem"].append(float(rest.split(" ")[0]))
        elif kind == "CHLD":
            pid = rest.split(" ")[0]
            if pid not in cur["kids"]:
                cur["kids"].append(pid)
        elif kind == "FUNC":
            words = rest.split(" ")
            level = len(words) >= 6 and words[-1].isdigit()
            nums = words[-5:-1] if level else words[-4:]
            name = " ".join(words[:len(words) - (5 if level else 4)])
            funcs.append((name, float(nums[0]), float(nums[2])))
    return runs, funcs


def start_label(path):
    """mprof plot's label for a file's memory line, as plot_file() makes it
    (the tools run with TZ=UTC, so its localtime is gmtime here): the first
    time among MEM samples and FUNC entries and exits."""
    times = []
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        for line in f:
            kind, _, rest = line.rstrip("\n").partition(" ")
            words = rest.split(" ")
            if kind == "MEM":
                times.append(float(words[1]))
            elif kind == "FUNC":
                level = len(words) >= 6 and words[-1].isdigit()
                nums = words[-5:-1] if level else words[-4:]
                times += [float(nums[1]), float(nums[3])]
    g = min(times)
    return (time.strftime("%d / %m / %Y - start at %H:%M:%S", time.gmtime(g))
            + ".{0:03d}".format(int(round(math.modf(g)[0] * 1000))))


# mprof's own function_labels(), run by the interpreter that has
# memory_profiler (Debian: /usr/bin/python3 with python3-memory-profiler).
LABELS_REF = r"""
import json, sys
import mprof
print(json.dumps([mprof.function_labels(names) for names in json.load(sys.stdin)]))
"""


def mprof_labels(name_lists):
    """[{name: label}] from mprof.function_labels for each list of names (in
    the order mprof meets them: first appearance in the file), or None when
    no interpreter here imports mprof."""
    for py in (os.environ.get("PYTHON"), "/usr/bin/python3", sys.executable):
        if not py or not os.path.exists(py):
            continue
        got = subprocess.run([py, "-c", LABELS_REF], input=json.dumps(name_lists).encode(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if got.returncode == 0:
            return json.loads(got.stdout)
    return None


def run(cmd):
    # In sanitizer builds, fontconfig's process-wide font cache (loaded by
    # cairo for PNG text) shows up as a leak; suppress that library only.
    supp = os.path.join(ROOT, "tests", "golden", "mprof", "lsan.supp")
    lsan = os.environ.get("LSAN_OPTIONS", "")
    lsan = (lsan + ":" if lsan else "") + "suppressions=%s:print_suppressions=0" % supp
    return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, TZ="UTC", LSAN_OPTIONS=lsan))


def png_size_and_decode(data):
    """(width, height) from IHDR after checking every chunk CRC and inflating
    IDAT to exactly the rows the header promises; raises on anything wrong."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, color = ihdr[:4]
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = zlib.decompress(idat)
    if depth != 8 or len(raw) != h * (1 + w * channels):
        raise ValueError("IDAT holds %d bytes, not %d rows of %d pixels" % (len(raw), h, w))
    return w, h


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL " + what)


def svg_texts(path):
    root = ET.parse(path).getroot()
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    titles = ["".join(t.itertext()) for t in root.iter(SVG + "title")]
    return root, texts, titles


def check_png(res, tool, tmp, dat):
    for w, h in ((1260, 540), (640, 480), (333, 222), (2000, 900)):
        out = os.path.join(tmp, "p.png")
        got = run([tool, "--width", str(w), "--height", str(h), "-o", out, dat])
        try:
            size = png_size_and_decode(open(out, "rb").read()) if got.returncode == 0 else None
        except (ValueError, KeyError, TypeError, zlib.error, struct.error) as e:
            size = str(e)
        res.check(size == (w, h), "%s: PNG %dx%d decodes as %r (%s)" % (dat, w, h, size,
                                                                          got.stderr.decode()))


def check_svg(res, tool, tmp, dat, labels):
    runs, funcs = parse_dat(dat)
    names = sorted(set(n for n, _, _ in funcs))
    one_run = len(runs) == 1
    peak = max([m for r in runs for m in r["mem"]] + [m for _, a, b in funcs for m in (a, b)])
    for extra in ([], ["--flame"], ["--slope"], ["-t", "my <title> & more"]):
        out = os.path.join(tmp, "p.svg")
        got = run([tool, "--width", "1000", "--height", "620", "-o", out] + extra + [dat])
        if got.returncode != 0:
            res.check(False, "%s %s: exit %d %s" % (dat, extra, got.returncode, got.stderr.decode()))
            continue
        try:
            root, texts, titles = svg_texts(out)
        except ET.ParseError as e:
            res.check(False, "%s %s: SVG does not parse: %s" % (dat, extra, e))
            continue
        what = "%s %s" % (dat, " ".join(extra))
        res.check(root.get("width") == "1000" and root.get("height") == "620", what + ": size")
        res.check(any(t.startswith("peak %.3f MiB" % peak) for t in texts),
                  what + ": no 'peak %.3f MiB' text" % peak)
        for r in runs:
            for pid in r["kids"]:
                res.check(any(t.startswith("child %s" % pid) for t in texts),
                          what + ": no 'child %s' label" % pid)
        want_title = extra[1] if extra[:1] == ["-t"] else runs[-1]["cmd"]
        res.check(want_title in texts, what + ": no title %r" % want_title)
        if not one_run:
            continue
        label = start_label(dat)
        if "--slope" in extra:
            res.check(any(t.startswith(label + " slope ") for t in texts),
                      what + ": no legend %r followed by its slope" % label)
        elif "--flame" not in extra:
            res.check(label in texts, what + ": no legend %r" % label)
        for n in names:
            res.check(any(t.startswith(n + ":") for t in titles), what + ": no tooltip for " + n)
            if "--flame" not in extra and labels is not None:
                res.check(any(t.startswith(labels[n] + " ") for t in texts),
                          what + ": no legend label %r" % labels[n])


def generated_name_sets(count):
    """Distinct dotted names in file order, from a few short parts so that
    labels collide at every level; the same sets on every run."""
    parts = ["a", "b", "f", "x", "_p", ""]
    sets = []
    for seed in range(count):
        rnd = random.Random(seed)
        names, want = [], rnd.randint(2, 9)
        while len(names) < want:
            name = ".".join(rnd.choice(parts) for _ in range(rnd.randint(1, 5)))
            if name and name not in names:
                names.append(name)
        sets.append(names)
    return sets


def write_dat(path, names):
    """One run calling each function once, in order."""
    lines, t = [], 1000.0
    for n in names:
        lines.append("FUNC %s 1.0 %.4f 2.0 %.4f 0" % (n, t, t + 0.5))
        t += 1.0
    lines += ["CMDLINE prog", "MEM 1.0 999.0", "MEM 3.0 %.4f" % (t + 1.0)]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def check_generated_labels(res, tool, tmp):
    sets = generated_name_sets(600)
    refs = mprof_labels(sets)
    if refs is None:
        print("note: no python with memory_profiler's mprof; label check skipped")
        return
    dat, out = os.path.join(tmp, "names.dat"), os.path.join(tmp, "names.svg")
    bad = 0
    for names, ref in zip(sets, refs):
        write_dat(dat, names)
        got = run([tool, "-o", out, dat])
        texts = svg_texts(out)[1] if got.returncode == 0 else []
        # legend entries "LABEL 0.500s", one per call, in file order
        shown = [t[:-len(" 0.500s")] for t in texts if t.endswith(" 0.500s")]
        if shown != [ref[n] for n in names]:
            bad += 1
            if bad <= 5:
                print("  names %r: mprof labels %r, mprof-plot shows %r"
                      % (names, [ref[n] for n in names], shown))
    res.check(bad == 0, "legend labels differ from mprof's function_labels() for %d of %d "
              "name sets" % (bad, len(sets)))


def check_overlay(res, tool, tmp):
    files = [os.path.join("samples", "mprof", n) for n in ("alloc.dat", "alloc_twice.dat")]
    out = os.path.join(tmp, "o.svg")
    got = run([tool, "-o", out] + files)
    root, texts, _ = svg_texts(out)
    res.check(got.returncode == 0, "overlay: exit %d" % got.returncode)
    for label in ("samples/mprof/alloc.dat", "samples/mprof/alloc_twice.dat run 1",
                  "samples/mprof/alloc_twice.dat run 2"):
        res.check(label in texts, "overlay: no legend entry %r" % label)


def check_window(res, tool, tmp):
    dat = os.path.join("samples", "mprof", "alloc_fine.dat")
    out = os.path.join(tmp, "w.svg")
    got = run([tool, "-w", "0.3,0.5", "-o", out, dat])
    _, texts, _ = svg_texts(out)
    res.check(got.returncode == 0 and any(t.startswith("peak ") for t in texts), "window")
    peaks = [t for t in texts if t.startswith("peak ")]
    at = float(peaks[0].split(" at ")[1].split(" ")[0]) if peaks else -1
    res.check(0.3 <= at <= 0.5, "window: the peak marked is inside 0.3..0.5 s, not %r" % at)


def check_errors(res, tool, tmp):
    dat = os.path.join("samples", "mprof", "alloc.dat")
    for args, code in ((["-w", "5,1"], 2), (["-w", "x"], 2), (["--width", "10"], 2),
                       (["-o", os.path.join(tmp, "x.jpg")], 2), (["--bogus"], 2),
                       (["-o", "/dev/full", "-F", "svg"], 3), (["-o", "/dev/full", "-F", "png"], 3)):
        got = run([tool] + args + [dat])
        res.check(got.returncode == code and got.stderr.startswith(b"mprof-plot: "),
                  "%s: exit %d (want %d) %r" % (args, got.returncode, code, got.stderr))
    res.check(not os.path.exists(os.path.join(tmp, "x.jpg")), "no file left after an error")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    a = ap.parse_args()
    a.tool = os.path.abspath(a.tool)  # the checks run from the repository root
    res = Results()
    with tempfile.TemporaryDirectory() as tmp:
        dats = samples()
        # mprof meets the names in file order; its reader splits at spaces,
        # so names with spaces (a profkit extension) get no reference label
        order = [list(dict.fromkeys(n for n, _, _ in parse_dat(d)[1] if " " not in n))
                 for d in dats]
        refs = mprof_labels(order)
        if refs is None:
            print("note: no python with memory_profiler's mprof; legend labels not checked")
        for k, dat in enumerate(dats):
            labels = None
            if refs is not None and all(" " not in n for n, _, _ in parse_dat(dat)[1]):
                labels = refs[k]
            check_png(res, a.tool, tmp, dat)
            check_svg(res, a.tool, tmp, dat, labels)
        check_generated_labels(res, a.tool, tmp)
        check_overlay(res, a.tool, tmp)
        check_window(res, a.tool, tmp)
        check_errors(res, a.tool, tmp)
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
