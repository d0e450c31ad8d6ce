#!/usr/bin/env python3
"""Compares the frames of two flame graph SVGs: flamegraph.pl's (the
reference) and prof-flame's.

A frame is the <g> under <g id="frames"> holding <title>, <rect> and
<text>. Both programs print every number with the same formats (x and
width "%0.1f", label x "%0.2f", y as Perl prints a number), so frames are
compared as exact strings: name and samples (the title), x, y (depth),
width, height, colour (fill) and the label. flamegraph.pl writes frames in
hash order, so each side is compared as a sorted list.

Also compared: the image size, the title, subtitle and the texts with ids.

usage: compare_frames.py REFERENCE.svg OURS.svg
exit 0 when equal; 1 with the differences on stderr.
"""
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def frames(root):
    group = None
    for g in root.iter(NS + "g"):
        if g.get("id") == "frames":
            group = g
            break
    if group is None:
        raise SystemExit("no <g id=\"frames\">")
    out = []
    for g in group:
        title = g.find(NS + "title")
        rect = g.find(NS + "rect")
        text = g.find(NS + "text")
        out.append((
            title.text if title is not None else None,
            rect.get("x"), rect.get("y"), rect.get("width"), rect.get("height"),
            rect.get("fill"),
            text.get("x"), text.get("y"), text.text or "",
        ))
    return sorted(out, key=lambda f: tuple("" if v is None else v for v in f))


def texts(root):
    found = {}
    for t in root.iter(NS + "text"):
        if t.get("id"):
            found[t.get("id")] = (t.get("x"), t.get("y"), t.text)
    return found


def stops(root):
    return [s.get("stop-color") for s in root.iter(NS + "stop")]


def load(path):
    return ET.parse(path).getroot()


def compare(ref_path, ours_path, quiet=False):
    ref, ours = load(ref_path), load(ours_path)
    problems = []
    if stops(ref) != stops(ours):
        problems.append("background %r != %r" % (stops(ref), stops(ours)))
    for attr in ("width", "height", "viewBox"):
        if ref.get(attr) != ours.get(attr):
            problems.append("svg %s: %r != %r" % (attr, ref.get(attr), ours.get(attr)))
    rt, ot = texts(ref), texts(ours)
    for key in sorted(set(rt) | set(ot)):
        if rt.get(key) != ot.get(key):
            problems.append("text #%s: %r != %r" % (key, rt.get(key), ot.get(key)))
    rf, of = frames(ref), frames(ours)
    if len(rf) != len(of):
        problems.append("%d frames in the reference, %d in ours" % (len(rf), len(of)))
    missing = [f for f in rf if f not in of]
    extra = [f for f in of if f not in rf]
    for f in missing[:20]:
        problems.append("only in reference: %r" % (f,))
    for f in extra[:20]:
        problems.append("only in ours:      %r" % (f,))
    if problems:
        sys.stdout.write("%s vs %s:\n  %s\n" % (ref_path, ours_path, "\n  ".join(problems)))
        return 1
    if not quiet:
        print("%s: %d frames equal" % (ours_path, len(of)))
    return 0


if __name__ == "__main__":
    sys.exit(compare(sys.argv[1], sys.argv[2]))
