#!/usr/bin/env python3
"""prof2dot beyond the DOT goldens: rendering, --hide/--focus/--max-nodes,
inputs, and errors with their exit codes.

    check_prof2dot.py --tool PATH/TO/prof2dot

What is asserted:
  * PNG (-o x.png, and -T png into a pipe): a PNG signature and an IHDR whose
    width and height are > 0 and, when Graphviz's `dot` is on PATH, equal to
    what `dot -Tpng` gives for prof2dot's own DOT of the same graph (the same
    library lays it out, so the sizes must be identical).
  * SVG (-T svg, and -o x.svg): well-formed XML in which every line of every
    node label of the DOT (unescaped) is the text of some <text> element.
  * PDF: starts with %PDF- and ends with %%EOF.
  * --hide keeps callers connected to callees: each caller of a hidden node
    gets an edge to each of its callees; no hidden node is drawn.
  * --focus keeps only ancestors and descendants of the matches;
    --max-nodes keeps the N heaviest nodes.
  * '-' and a piped stdin with no FILE read standard input.
  * Errors: one line on stderr starting "prof2dot: " and the exit code of
    the CLI contract (2 usage or bad input, 3 I/O or Graphviz), and no
    output file (nor temporary file) left behind on failure.

Prints `N passed, M failed` last; exit status 1 if M > 0.
"""

import argparse
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
S = os.path.join("samples", "pstats")
RECURSION = os.path.join(S, "recursion_cprofile_py3.11.7.pstats")
WORDFREQ = os.path.join(S, "wordfreq_cprofile_py3.11.7.pstats")
UNICODE = os.path.join(S, "ünïcode_prog_cprofile_py3.11.7.pstats")
STDLIB = [os.path.join(S, "stdlib_mix_cprofile_py3.%s.pstats" % v)
          for v in ("11.7", "12.1", "13.0")]
BAD = os.path.join("tests", "data", "bad", "pstats", "truncated_string.pstats")

NODE = re.compile(r'^\t(\d+) \[.*?label="((?:[^"\\]|\\.)*)"', re.M)
EDGE = re.compile(r'^\t(\d+) -> (\d+) \[', re.M)

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))


def lsan_env(env=None):
    """Under AddressSanitizer, Graphviz's own leaks at exit are not ours."""
    env = dict(env or os.environ)
    lsan = env.get("LSAN_OPTIONS", "")
    env["LSAN_OPTIONS"] = (lsan + ":" if lsan else "") + \
        "suppressions=%s:print_suppressions=0" % os.path.join(HERE, "lsan.supp")
    return env


def run(tool, args, stdin=None, env=None, **kw):
    return subprocess.run([tool] + args, cwd=ROOT, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=lsan_env(env), **kw)


def unescape(label):
    out, i = [], 0
    while i < len(label):
        c = label[i]
        if c == "\\" and i + 1 < len(label):
            nxt = label[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_dot(text):
    """{id: label} and a set of (caller, callee) ids."""
    nodes = {int(m.group(1)): unescape(m.group(2)) for m in NODE.finditer(text)}
    edges = {(int(a), int(b)) for a, b in EDGE.findall(text)}
    return nodes, edges


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def one_error_line(proc, code, pattern):
    err = proc.stderr.decode("utf-8", "replace")
    lines = err.splitlines()
    return (proc.returncode == code and len(lines) >= 1 and lines[0].startswith("prof2dot: ")
            and re.search(pattern, lines[0]) is not None), \
        "exit %d, stderr %r" % (proc.returncode, err[:300])


# ---- rendering ----

def check_png(tool, tmp):
    out = os.path.join(tmp, "graph.png")
    proc = run(tool, ["-q", "-o", out, RECURSION])
    data = open(out, "rb").read() if os.path.exists(out) else b""
    size = png_size(data)
    check("png: -o x.png writes a PNG", proc.returncode == 0 and size is not None
          and size[0] > 0 and size[1] > 0, "exit %d, size %r" % (proc.returncode, size))
    piped = run(tool, ["-q", "-T", "png", RECURSION])
    check("png: -T png into a pipe gives the same image size",
          piped.returncode == 0 and png_size(piped.stdout) == size,
          "exit %d, size %r" % (piped.returncode, png_size(piped.stdout)))
    if not shutil.which("dot"):
        print("note: no `dot` on PATH: PNG size not compared with dot -Tpng")
        return
    dot_text = run(tool, ["-q", RECURSION]).stdout
    ref = subprocess.run(["dot", "-Tpng"], input=dot_text, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    check("png: size equals dot -Tpng of the same DOT %r" % (size,),
          png_size(ref.stdout) == size, "dot -Tpng gives %r" % (png_size(ref.stdout),))


def svg_texts(data):
    root = ET.fromstring(data)
    return {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}


def check_svg(tool, tmp):
    for label, args in (("recursion", ["-n", "0", "-e", "0", RECURSION]),
                        ("unicode names, wrapped", ["-w", "-n", "0", "-e", "0", UNICODE]),
                        ("print colour map", ["-c", "print", WORDFREQ])):
        dot_text = run(tool, ["-q"] + args).stdout.decode("utf-8")
        nodes, _ = parse_dot(dot_text)
        proc = run(tool, ["-q", "-T", "svg"] + args)
        try:
            texts = svg_texts(proc.stdout)
        except ET.ParseError as e:
            check("svg (%s): well-formed" % label, False, str(e))
            continue
        missing = [line for lab in nodes.values() for line in lab.split("\n")
                   if line not in texts]
        check("svg (%s): all %d node labels present" % (label, len(nodes)),
              proc.returncode == 0 and nodes and not missing, "missing %r" % missing[:5])
    out = os.path.join(tmp, "graph.svg")
    proc = run(tool, ["-q", "-o", out, RECURSION])
    data = open(out, "rb").read() if os.path.exists(out) else b""
    check("svg: -o x.svg infers SVG", proc.returncode == 0 and b"<svg" in data)
    out = os.path.join(tmp, "graph.pdf")
    proc = run(tool, ["-q", "-o", out, RECURSION])
    data = open(out, "rb").read() if os.path.exists(out) else b""
    check("pdf: -o x.pdf writes a PDF", proc.returncode == 0 and data.startswith(b"%PDF-")
          and data.rstrip().endswith(b"%%EOF"))
    out = os.path.join(tmp, "forced.png")
    proc = run(tool, ["-q", "-T", "dot", "-o", out, RECURSION])
    data = open(out, "rb").read() if os.path.exists(out) else b""
    check("-T dot wins over -o's extension", data.startswith(b"digraph {"))


# ---- selections ----

def dot_of(tool, args):
    proc = run(tool, ["-q"] + args)
    return proc.returncode, parse_dot(proc.stdout.decode("utf-8"))


def check_hide(tool):
    pattern = r"(:90:main|is_odd|builtins\.exec>)$"
    _, (nodes, edges) = dot_of(tool, ["-n", "0", "-e", "0", RECURSION])
    rc, (hnodes, hedges) = dot_of(tool, ["-n", "0", "-e", "0", "--hide", pattern, RECURSION])
    name = {i: lab.split("\n")[0] for i, lab in nodes.items()}
    hidden = {i for i in nodes if re.search(pattern, name[i])}
    # Callers reach callees through any chain of hidden nodes.
    expect = set()
    for c in nodes:
        if c in hidden:
            continue
        stack = [b for a, b in edges if a == c and b in hidden]
        seen = set(stack)
        while stack:
            h = stack.pop()
            for a, b in edges:
                if a != h:
                    continue
                if b not in hidden:
                    expect.add((c, b))
                elif b not in seen:
                    seen.add(b)
                    stack.append(b)
    missing = sorted(expect - hedges)
    check("--hide: %d hidden, callers linked to callees (%d links)" % (len(hidden), len(expect)),
          rc == 0 and len(hidden) == 3 and expect and not missing
          and not (hidden & set(hnodes)), "missing %r, still drawn %r"
          % (missing[:5], sorted(hidden & set(hnodes))))
    same = all(hnodes[i] == nodes[i] for i in hnodes)
    check("--hide: other nodes keep their labels", same)


def check_focus_and_cap(tool):
    rc, (nodes, edges) = dot_of(tool, ["-n", "0", "-e", "0", "--focus", "is_even", RECURSION])
    names = {lab.split("\n")[0] for lab in nodes.values()}
    check("--focus: ancestors and descendants only",
          rc == 0 and "recursion:24:is_even" in names and "recursion:90:main" in names
          and "recursion:1:<module>" in names and "recursion:32:hanoi" not in names,
          "names %r" % sorted(names))
    rc, (nodes, _) = dot_of(tool, ["-n", "0", "-e", "0", "--max-nodes", "5", RECURSION])
    _, (all_nodes, _) = dot_of(tool, ["-n", "0", "-e", "0", RECURSION])

    def total(lab):
        return float(lab.split("\n")[1].rstrip("%"))
    heaviest = sorted(all_nodes, key=lambda i: (-total(all_nodes[i]), i))[:5]
    check("--max-nodes 5: the five heaviest", rc == 0 and sorted(nodes) == sorted(heaviest),
          "%r vs %r" % (sorted(nodes), sorted(heaviest)))


def check_inputs(tool):
    expected = run(tool, ["-q", RECURSION]).stdout
    data = open(os.path.join(ROOT, RECURSION), "rb").read()
    dash = run(tool, ["-q", "-"], stdin=data)
    check("'-' reads stdin", dash.returncode == 0 and dash.stdout == expected)
    bare = run(tool, ["-q"], stdin=data)
    check("no FILE with a piped stdin reads stdin", bare.returncode == 0 and bare.stdout == expected)
    summary = run(tool, [RECURSION]).stderr.decode()
    check("summary line on stderr", re.fullmatch(
        r"prof2dot: \d+ nodes and \d+ edges drawn; pruned \d+ of 125 nodes and \d+ of \d+ edges\n",
        summary) is not None, repr(summary))


# ---- errors ----

def check_errors(tool, tmp):
    cases = [
        ("unknown option", ["--frobnicate", RECURSION], 2, r"unknown option '--frobnicate'"),
        ("bad -n", ["-n", "lots", RECURSION], 2, r"--node-thres wants a number"),
        ("bad colormap", ["-c", "purple", RECURSION], 2, r"unknown colormap 'purple'"),
        ("negative skew", ["--skew", "-1", RECURSION], 2, r"--skew"),
        ("bad -T", ["-T", "gif", RECURSION], 2, r"unknown output format 'gif'"),
        ("bad --node-label", ["--node-label", "calls", RECURSION], 2, r"--node-label 'calls'"),
        ("bad input file", [BAD], 2, r"truncated_string\.pstats: pstats: "),
        ("root not found", ["-z", "nomatch", RECURSION], 2, r"root node 'nomatch' not found"),
        ("leaf not found", ["-l", "nomatch", RECURSION], 2, r"leaf node 'nomatch' not found"),
        ("focus matches nothing", ["--focus", "nomatch", RECURSION], 2,
         r"no function matches --focus 'nomatch'"),
        ("bad regex", ["--hide", "(", RECURSION], 2, r""),
    ]
    for label, args, code, pattern in cases:
        ok, detail = one_error_line(run(tool, args), code, pattern)
        check("error: %s -> exit %d" % (label, code), ok, detail)
    # The loader decides whether a missing file is an input (2) or I/O (3) error.
    proc = run(tool, ["no/such/file.pstats"])
    ok, detail = one_error_line(proc, proc.returncode, r"no/such/file\.pstats")
    check("error: missing input file -> exit 2 or 3", ok and proc.returncode in (2, 3), detail)
    usage = run(tool, ["--frobnicate"])
    check("usage error says try --help", b"try 'prof2dot --help'" in usage.stderr)

    out = os.path.join(tmp, "big.svg")
    proc = run(tool, ["-n", "0", "-e", "0", "-o", out] + STDLIB)
    ok, detail = one_error_line(proc, 2, r"too many to lay out .*--force")
    check("error: more than 600 nodes to lay out -> exit 2, mentions --force", ok, detail)
    check("  nothing written", not os.listdir(tmp) or not any(f.startswith("big.svg")
                                                              for f in os.listdir(tmp)))
    dot_ok = run(tool, ["-q", "-n", "0", "-e", "0"] + STDLIB)
    check("  DOT output has no size limit", dot_ok.returncode == 0 and dot_ok.stdout)

    out = os.path.join(tmp, "noplugin.png")
    env = dict(os.environ, GVBINDIR=os.path.join(tmp, "no-plugins-here"))
    proc = run(tool, ["-o", out, RECURSION], env=env)
    ok, detail = one_error_line(proc, 3, r"graphviz: no plugin")
    check("error: no Graphviz plugins -> exit 3, one line", ok and
          len(proc.stderr.splitlines()) == 1, detail)
    check("  no output or temporary file left",
          not any(f.startswith("noplugin.png") for f in os.listdir(tmp)))

    if os.path.exists("/dev/full"):
        proc = run(tool, ["-o", "/dev/full", RECURSION])
        ok, detail = one_error_line(proc, 3, r"write failed")
        check("error: writing to /dev/full -> exit 3", ok, detail)

    master, slave = pty.openpty()
    try:
        proc = subprocess.run([tool, "-T", "png", RECURSION], cwd=ROOT, stdout=slave,
                              stderr=subprocess.PIPE, env=lsan_env())
    finally:
        os.close(slave)
        os.close(master)
    ok, detail = one_error_line(proc, 2, r"will not write png to a terminal")
    check("error: PNG to a terminal refused -> exit 2", ok, detail)

    help_ = run(tool, ["--help"])
    check("--help: exit 0, usage on stdout", help_.returncode == 0
          and help_.stdout.startswith(b"Usage: prof2dot") and b"--hide" in help_.stdout)
    version = run(tool, ["--version"])
    check("--version: exit 0", version.returncode == 0 and b"prof2dot" in version.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True)
    tool = os.path.abspath(ap.parse_args().tool)
    with tempfile.TemporaryDirectory(prefix="prof2dot-check.") as tmp:
        check_png(tool, tmp)
        check_svg(tool, tmp)
        check_hide(tool)
        check_focus_and_cap(tool)
        check_inputs(tool)
        errdir = os.path.join(tmp, "errors")
        os.mkdir(errdir)
        check_errors(tool, errdir)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
