#!/usr/bin/env python3
"""prof-flame against flamegraph.pl's own SVGs (tests/golden/flame/).

    run_flame.py --tool PROF_FLAME             check every case in cases.tsv
    run_flame.py --regen FLAMEGRAPH_CHECKOUT   remake expected/ with the
                                               reference scripts (regen.sh)

Each case's expected/NAME.svg was drawn by flamegraph.pl (after
difffolded.pl for differential cases); prof-flame must draw the same frames
(compare_frames.py: title, x, y, width, height, fill, label), the same
texts and background, and warn about the same things flamegraph.pl warns
about (ignored lines and their number, a low sample count, an ignored
--total; the wording is ours).
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EXPECTED = os.path.join(HERE, "expected")
sys.path.insert(0, HERE)
import compare_frames  # noqa: E402


def cases():
    with open(os.path.join(HERE, "cases.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, kind, opts, inputs = line.split("\t")
            yield name, kind, shlex.split(opts), [os.path.join(ROOT, i) for i in inputs.split()]


def without_crs(path, tmp):
    out = os.path.join(tmp, os.path.basename(path))
    with open(path, "rb") as f, open(out, "wb") as g:
        g.write(f.read().replace(b"\r", b""))
    return out


def split_normalize(opts):
    return [o for o in opts if o != "--normalize"], "--normalize" in opts


# ---- making the goldens (flamegraph.pl) ----

SCRIPT = re.compile(rb"(<script type=\"text/ecmascript\">).*?(</script>)", re.S)


def keep_output_only(svg_path):
    """flamegraph.pl's SVG embeds its own JavaScript: that is its code, not
    output we compare, so the committed golden keeps the frames and texts
    and drops the script."""
    with open(svg_path, "rb") as f:
        data = f.read()
    data = SCRIPT.sub(rb"\1<!-- flamegraph.pl's script removed by regen.sh -->\2", data, count=1)
    with open(svg_path, "wb") as f:
        f.write(data)

def regen(fg_dir):
    fg = os.path.join(fg_dir, "flamegraph.pl")
    diff = os.path.join(fg_dir, "difffolded.pl")
    os.makedirs(EXPECTED, exist_ok=True)
    for old in os.listdir(EXPECTED):
        os.unlink(os.path.join(EXPECTED, old))
    for name, kind, opts, inputs in cases():
        out = os.path.join(EXPECTED, name)
        with tempfile.TemporaryDirectory() as tmp:
            if kind == "cp":
                for i, inp in enumerate(inputs, 1):
                    with open("%s.%d.svg" % (out, i), "wb") as svg:
                        subprocess.run(["perl", fg, "--cp"] + opts + [inp], stdout=svg,
                                       stderr=subprocess.DEVNULL, cwd=tmp, check=True)
                    keep_output_only("%s.%d.svg" % (out, i))
                shutil.copy(os.path.join(tmp, "palette.map"), out + ".palette.map")
                continue
            if kind == "crlf":
                inputs = [without_crs(i, tmp) for i in inputs]
            if kind == "diff":
                opts, normalize = split_normalize(opts)
                with open(out + ".folded", "wb") as folded:
                    subprocess.run(["perl", diff] + (["-n"] if normalize else []) + inputs,
                                   stdout=folded, check=True)
                inputs = [out + ".folded"]
            with open(out + ".svg", "wb") as svg, open(out + ".stderr", "wb") as err:
                # flamegraph.pl exits 2 only for "no stack counts", which no case has.
                subprocess.run(["perl", fg] + opts + inputs, stdout=svg, stderr=err, check=True)
            keep_output_only(out + ".svg")
        print("made", name)


# ---- checking prof-flame ----

def warnings(text):
    """What a run warned about: ignored lines (count), low count, --total."""
    found = {}
    m = re.search(r"[Ii]gnored (\d+) lines? with invalid format", text)
    if m:
        found["ignored"] = int(m.group(1))
    if re.search(r"[Ss]tack count is low", text):
        found["low"] = True
    if re.search(r"total .* is less than (the )?actual total", text):
        found["total"] = True
    return found


def run_ours(tool, args, cwd):
    return subprocess.run([tool] + args, cwd=cwd, capture_output=True, text=True)


def same_svg(ref, ours, label):
    rc = compare_frames.compare(ref, ours, quiet=True)
    if rc:
        print("FAIL %s" % label)
    return rc == 0


def check_case(tool, name, kind, opts, inputs):
    out = os.path.join(EXPECTED, name)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "cp":
            for i, inp in enumerate(inputs, 1):
                svg = os.path.join(tmp, "%d.svg" % i)
                r = run_ours(tool, ["--cp"] + opts + [inp, "-o", svg], tmp)
                ok &= r.returncode == 0 and same_svg("%s.%d.svg" % (out, i), svg, name)
            with open(out + ".palette.map", "rb") as a, open(os.path.join(tmp, "palette.map"), "rb") as b:
                if a.read() != b.read():
                    print("FAIL %s: palette.map differs" % name)
                    ok = False
            return ok
        runs = []
        if kind == "diff":
            plain, _ = split_normalize(opts)
            runs.append(["--diff"] + opts + inputs)
            runs.append(plain + [out + ".folded"])
        else:
            runs.append(opts + inputs)
        with open(out + ".stderr", encoding="utf-8") as f:
            want = warnings(f.read())
        for args in runs:
            svg = os.path.join(tmp, "ours.svg")
            r = run_ours(tool, args + ["-o", svg], tmp)
            if r.returncode != 0:
                print("FAIL %s: prof-flame %s exited %d: %s" % (name, " ".join(args), r.returncode, r.stderr))
                ok = False
                continue
            ok &= same_svg(out + ".svg", svg, "%s (%s)" % (name, " ".join(args)))
            got = warnings(r.stderr)
            if got != want:
                print("FAIL %s: warnings %r, flamegraph.pl's %r" % (name, got, want))
                ok = False
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool")
    ap.add_argument("--regen", metavar="FLAMEGRAPH_DIR")
    a = ap.parse_args()
    if a.regen:
        regen(a.regen)
        return 0
    tool = os.path.abspath(a.tool)
    failed = 0
    n = 0
    for case in cases():
        n += 1
        if check_case(tool, *case):
            print("ok   %s" % case[0])
        else:
            failed += 1
    print("%d of %d flame graph cases failed" % (failed, n) if failed else "all %d flame graph cases equal flamegraph.pl's" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
