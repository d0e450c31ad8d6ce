#!/usr/bin/env python3
"""The error contract of every tool, as tables.

TOOLS lists each tool once (its good input, its output file suffix, the
arguments it needs); FORMATS lists each reader once (a good sample, a bad
file from tests/data/bad/<format>/, and whether cutting the sample short
must fail). GENERIC turns them into the same cases for every tool:

  --help/--version exit 0; unknown options exit 2 with one line; a missing
  file, a directory, an empty file, a bad or truncated file of every format
  exit 2 with one line naming tool, file, format, problem and byte offset or
  line; -o FILE is left absent (no temporary either) on failure, also when
  the write itself fails half-way, and renamed into place on success; -o /dev/null and -o /dev/stdout write directly;
  /dev/full exits 3 with one line; standard input ('-', plain and gzip'd)
  works; a closed pipe ends the tool quietly; no case exits 1 (reserved
  for prof-diff's gate).

Adding a tool is one entry in TOOLS, adding a reader one entry in FORMATS.
CASES holds the tool-specific cases (option values and the like).

With PROFKIT_WRAPPER set (e.g. "valgrind --error-exitcode=97 -q"), every
tool runs under that wrapper; exit code 97 then means memory errors.

Usage: check_contract.py --bindir DIR   (the directory holding the tools)
"""
import argparse
import fcntl
import gzip
import os
import re
import resource
import shlex
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(ROOT, "samples")
BAD = os.path.join(ROOT, "tests", "data", "bad")
PSTATS = os.path.join(SAMPLES, "pstats", "wordfreq_cprofile_py3.11.7.pstats")
WRAPPER = shlex.split(os.environ.get("PROFKIT_WRAPPER", ""))
WRAPPER_ERROR = 97  # the exit code PROFKIT_WRAPPER is expected to use for memory errors

# Each reader: a good sample, a bad file with the problem it must name, and
# whether every cut of the sample is an error (binary formats; a cut folded
# file is still folded text). A new reader adds one entry.
FORMATS = {
    "pstats": {"sample": PSTATS, "bad": "truncated_string.pstats", "cut_fails": True},
    "lprof": {"sample": os.path.join(SAMPLES, "lprof", "lines_demo.lprof"),
              "bad": "truncated_string.lprof", "cut_fails": True},
    "mprof": {"sample": os.path.join(SAMPLES, "mprof", "alloc.dat"),
              "bad": "corrupt_line7.dat", "cut_fails": False},
    # A NUL byte is not text, so only --from folded reads it as folded.
    "folded": {"sample": os.path.join(SAMPLES, "folded", "shapes.folded"),
               "bad": "nul_byte.folded", "cut_fails": False, "from": True},
    "callgrind": {"sample": os.path.join(SAMPLES, "callgrind", "tiny.callgrind"),
                  "bad": "too_many_costs.callgrind", "cut_fails": False},
    # Raw profile.proto (the gzip'd form is what the gzip cases make).
    "pprof": {"sample": os.path.join(SAMPLES, "pprof", "before.pb"),
              "bad": "value_count_mismatch.pb", "cut_fails": True},
}

# Each tool: what it reads, the suffix of its -o file, arguments it always
# needs, and how to make it write a lot of text (for the closed pipe). A new
# tool adds one entry.
TOOLS = {
    "pstat-view": {"input": "pstats", "suffix": ".txt", "args": [], "big": "big_pstats"},
    "prof-convert": {"input": "pstats", "suffix": ".pstats", "args": ["-t", "pstats"],
                     "stdout_args": ["-o", "-"], "big": "big_pstats"},
    "prof2dot": {"input": "pstats", "suffix": ".dot", "args": ["-q"], "big": "big_pstats"},
    "prof-flame": {"input": "folded", "suffix": ".svg", "args": [], "big": "big_folded"},
    # It reads only mprof files, so other formats fail as mprof; -F svg as
    # -o /dev/null says nothing of the format.
    "mprof-plot": {"input": "mprof", "suffix": ".svg", "args": ["-F", "svg"], "big": "big_mprof",
                   "only": "mprof"},
    # Two inputs: the fixed BEFORE is the pstats sample, each case's input
    # is AFTER. --from would apply to BEFORE too, so formats that need it
    # are left out.
    "prof-diff": {"input": "pstats", "suffix": ".txt", "args": [PSTATS], "big": "big_pstats",
                  "no_from": True},
}

# "TOOL: FILE: FORMAT: problem at byte N" or "... at line N[, column M]".
def reader_error(tool, path, fmt):
    return r"^%s: %s: %s: .+ at (byte|line) \d+(, column \d+)?$" % (
        re.escape(tool), re.escape(path), re.escape(fmt))


# Tool-specific cases: (tool, args, stdin, exit code, stderr regex or None,
# output that must not exist[, environment]). stdin is None or a path.
CASES = [
    ("pstat-view", ["--sort", "c", PSTATS], None, 2, r"^pstat-view: unknown sort key 'c'$", None),
    ("pstat-view", ["--limit", "x", PSTATS], None, 2, r"--limit wants a number", None),
    ("pstat-view", ["--format", "xml", PSTATS], None, 2, r"unknown output format 'xml'", None),
    ("pstat-view", [], None, 2, r"no input file given", None),
    ("pstat-view", [os.path.join(BAD, "pstats", "huge_length.pstats")], None, 2,
     r"^pstat-view: .*huge_length\.pstats: pstats: truncated marshal string \(need \d+ bytes, \d+ left\) at byte \d+$", None),
    ("pstat-view", [os.path.join(BAD, "pstats", "bad_ref.pstats")], None, 2,
     r"^pstat-view: .*bad_ref\.pstats: pstats: reference \d+ out of range .* at byte \d+$", None),
    ("pstat-view", [os.path.join(ROOT, "README.md")], None, 2, r"README\.md: not a profile format", None),
    ("prof-convert", [PSTATS], None, 2, r"no output given", None),
    ("prof-convert", [PSTATS, "-o", "{tmp}/x.pstats", "--marshal-version", "3"], None, 2,
     r"--marshal-version is 2 or 4", "{tmp}/x.pstats"),
    ("prof-convert", [os.path.join(BAD, "pstats", "deep_nesting.pstats"), "-o", "{tmp}/y.pstats"], None, 2,
     r"deep_nesting\.pstats: pstats: nesting deeper than 64 levels at byte \d+$", "{tmp}/y.pstats"),
    ("prof-convert", [PSTATS, "/no/such", "-o", "{tmp}/z.pstats"], None, 2, r"/no/such: cannot open", "{tmp}/z.pstats"),
    ("prof2dot", ["-T", "gif", PSTATS], None, 2, r"^prof2dot: ", None),
    ("prof-flame", ["--width", "x", FORMATS["folded"]["sample"]], None, 2, r"^prof-flame: ", None),
    ("mprof-plot", ["--window", "3,1", FORMATS["mprof"]["sample"]], None, 2,
     r"^mprof-plot: --window wants T0 < T1", None),
    # PROFKIT_MAX_INPUT caps an input after decompression: a zip bomb, a
    # streamed folded file, a plain file; a bad value is an input error.
    ("pstat-view", [os.path.join(BAD, "gzip", "bomb_8mib_zeros.gz")], None, 2,
     r"^pstat-view: .*bomb_8mib_zeros\.gz: gzip: decompressed size exceeds the 1048576-byte limit at byte \d+$",
     None, {"PROFKIT_MAX_INPUT": "1M"}),
    ("prof-flame", ["-o", "{tmp}/f.svg", FORMATS["folded"]["sample"]], None, 2,
     r"^prof-flame: .*shapes\.folded: input larger than the 1024-byte limit at byte 1024$", "{tmp}/f.svg",
     {"PROFKIT_MAX_INPUT": "1K"}),
    ("mprof-plot", ["-"], FORMATS["mprof"]["sample"], 2,
     r"^mprof-plot: <stdin>: input larger than the 500-byte limit at byte 500$", None, {"PROFKIT_MAX_INPUT": "500"}),
    ("prof2dot", [PSTATS], None, 2, r"^prof2dot: PROFKIT_MAX_INPUT='10Q' is not a size", None,
     {"PROFKIT_MAX_INPUT": "10Q"}),
    ("prof-convert", ["-o", "-", PSTATS], None, 0, None, None, {"PROFKIT_MAX_INPUT": "64K"}),
    # prof-diff's own arguments; exit 1 is its gate (tests/golden/diff).
    ("prof-diff", [PSTATS], None, 2, r"^prof-diff: want two profiles, BEFORE and AFTER", None),
    ("prof-diff", ["--fail-on", "cumtime+10", PSTATS, PSTATS], None, 2,
     r"^prof-diff: bad --fail-on: 'cumtime\+10' is not METRIC:THRESHOLD", None),
    ("prof-diff", ["-o", "{tmp}/e.txt", "--fail-on", "peak:+1MiB", PSTATS, PSTATS], None, 2,
     r"^prof-diff: a function diff has no metric 'peak'", "{tmp}/e.txt"),
    ("prof-diff", ["--fail-on", "total:+0%", "-", PSTATS], PSTATS + ".gz", 0, None, None),
]


def command(tool, tmp, *more):
    """The tool's command line: its fixed arguments, then more."""
    t = TOOLS[tool]
    return [tool] + t["args"] + [a for part in more for a in part]


def stdout_args(tool):
    return TOOLS[tool].get("stdout_args", [])


def generic_cases(tool, tmp, files):
    """The contract cases every tool shares, as (name, argv, stdin, code,
    stderr regex, path that must not exist, check of the result)."""
    t = TOOLS[tool]
    good = FORMATS[t["input"]]["sample"]
    out = os.path.join(tmp, tool + "-out" + t["suffix"])
    err_one = r"^%s: " % re.escape(tool)
    cases = [
        ("--help", [tool, "--help"], None, 0, None, None, "stdout"),
        ("--version", [tool, "--version"], None, 0, None, None, "stdout"),
        ("unknown option", command(tool, tmp, ["--bogus", good]), None, 2,
         r"^%s: unknown option '--bogus'$" % re.escape(tool), None, None),
        ("missing file", command(tool, tmp, stdout_args(tool), ["/no/such/file"]), None, 2,
         r"^%s: /no/such/file: cannot open: No such file or directory$" % re.escape(tool), None, None),
        ("directory", command(tool, tmp, stdout_args(tool), [tmp]), None, 2,
         r"^%s: %s: is a directory$" % (re.escape(tool), re.escape(tmp)), None, None),
        ("empty file", command(tool, tmp, stdout_args(tool), [files["empty"]]), None, 2,
         r"^%s: %s: empty file$" % (re.escape(tool), re.escape(files["empty"])), None, None),
        ("empty stdin", command(tool, tmp, stdout_args(tool), ["-"]), files["empty"], 2,
         r"^%s: <stdin>: empty file$" % re.escape(tool), None, None),
        ("good file", command(tool, tmp, stdout_args(tool), [good]), None, 0, None, None, "stdout"),
        ("stdin", command(tool, tmp, stdout_args(tool), ["-"]), good, 0, None, None, "stdout"),
        ("gzip'd stdin", command(tool, tmp, stdout_args(tool), ["-"]), files["gz"], 0, None, None,
         "same-stdin:" + good),
        ("-o success", command(tool, tmp, ["-o", out, good]), None, 0, None, None, "file:" + out),
        ("-o /dev/null", command(tool, tmp, ["-o", "/dev/null", good]), None, 0, None, None, None),
        ("-o /dev/stdout", command(tool, tmp, ["-o", "/dev/stdout", good]), None, 0, None, None,
         "same:" + good),
        # The file system refuses more than 512 bytes (RLIMIT_FSIZE): the
        # write fails half-way, and neither FILE nor its temporary remains.
        ("-o, write fails half-way", command(tool, tmp, ["-o", out, good]), None, 3,
         r"^%s: %s: write failed: File too large$" % (re.escape(tool), re.escape(out)), out,
         "fsize=512"),
        ("-o /dev/full", command(tool, tmp, ["-o", "/dev/full", good]), None, 3,
         r"^%s: /dev/full: write failed: No space left on device$" % re.escape(tool), None, None),
        ("stdout /dev/full", command(tool, tmp, stdout_args(tool), [good]), None, 3,
         err_one + r".*write failed: No space left on device$", None, "stdout=/dev/full"),
    ]
    only = t.get("only")
    for fmt, f in FORMATS.items():
        bad = os.path.join(BAD, fmt, f["bad"])
        named = only or fmt  # the format the message names
        src = ["--from", fmt] if f.get("from") and not only else []
        if src and t.get("no_from"):
            continue
        cases.append(("bad " + fmt, command(tool, tmp, stdout_args(tool), src, [bad]), None, 2,
                      reader_error(tool, bad, named), None, None))
        cases.append(("bad %s to -o" % fmt, command(tool, tmp, ["-o", out], src, [bad]), None, 2,
                      reader_error(tool, bad, named), out, None))
        cases.append(("bad %s on stdin" % fmt, command(tool, tmp, stdout_args(tool), src, ["-"]), bad, 2,
                      reader_error(tool, "<stdin>", named), None, None))
        if f["cut_fails"]:
            cut = files["cut_" + fmt]
            cases.append(("cut " + fmt, command(tool, tmp, stdout_args(tool), [cut]), None, 2,
                          reader_error(tool, cut, named), None, None))
            cases.append(("cut %s gzip'd" % fmt, command(tool, tmp, ["-o", out], [cut + ".gz"]),
                          None, 2, reader_error(tool, cut + ".gz", named), out, None))
    return cases


def limit_file_size(limit):
    """For the child: files may grow to limit bytes; a longer write fails
    with EFBIG (SIGXFSZ ignored, so it is an error, not a signal)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def run(argv, bindir, stdin=None, stdout=subprocess.PIPE, env=None, preexec=None):
    argv = WRAPPER + [os.path.join(bindir, argv[0])] + argv[1:]
    inp = open(stdin, "rb") if stdin else subprocess.DEVNULL
    environ = dict(os.environ)
    environ.pop("PROFKIT_MAX_INPUT", None)
    environ.update(env or {})
    try:
        return subprocess.run(argv, stdin=inp, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT,
                              env=environ, preexec_fn=preexec)
    finally:
        if stdin:
            inp.close()


def check(bindir, tmp, argv, stdin, code, pattern, absent, result, reference, env=None):
    problems = []
    if result == "stdout=/dev/full":
        with open("/dev/full", "wb") as full:
            r = run(argv, bindir, stdin, stdout=full)
    elif result and result.startswith("fsize="):
        r = run(argv, bindir, stdin, env=env, preexec=limit_file_size(int(result[6:])))
    else:
        r = run(argv, bindir, stdin, env=env)
    err = r.stderr.decode("utf-8", "replace")
    if r.returncode == WRAPPER_ERROR and WRAPPER:
        problems.append("memory errors: %s" % err)
    if r.returncode != code:
        problems.append("exit %d, expected %d" % (r.returncode, code))
    if pattern is not None:
        lines = err.splitlines()
        if lines and code == 2:  # a usage error ends with a hint
            lines[0] = re.sub(r" \(try '[a-z0-9-]+ --help'\)$", "", lines[0])
        if len(lines) != 1:
            problems.append("stderr is %d lines, expected one" % len(lines))
        if not lines or not re.search(pattern, lines[0]):
            problems.append("stderr %r does not match %r" % (err, pattern))
    elif err:
        problems.append("unexpected stderr %r" % err)
    if code != 0 and r.stdout:
        problems.append("%d bytes on stdout after a failure" % len(r.stdout))
    if result == "stdout" and not r.stdout:
        problems.append("nothing on stdout")
    if result and result.startswith("same:") and r.stdout != reference(result[5:], False):
        problems.append("output differs from the output for the file itself")
    if result and result.startswith("same-stdin:") and r.stdout != reference(result[11:], True):
        problems.append("output differs from the output for the plain file on stdin")
    if result and result.startswith("file:"):
        path = result[5:]
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            problems.append("%s not written" % path)
    problems += leftovers(tmp, absent)
    return problems


def leftovers(tmp, absent):
    """The output that must not exist, and any temporary file in tmp."""
    found = [f for f in os.listdir(tmp) if ".tmp" in f]
    if absent and os.path.exists(absent):
        found.append(absent)
    return ["left behind: %s" % found] if found else []


def closed_pipe(bindir, tool, big):
    """Reads a little of a long output, then closes the pipe: the tool must
    end without a message, by exit 0 or by SIGPIPE. The pipe holds only one
    page, so any output longer than that meets the closed end."""
    argv = WRAPPER + [os.path.join(bindir, tool)] + TOOLS[tool]["args"] + stdout_args(tool) + [big]
    rfd, wfd = os.pipe()
    fcntl.fcntl(wfd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
    p = subprocess.Popen(argv, stdout=wfd, stderr=subprocess.PIPE, cwd=ROOT)
    os.close(wfd)
    os.read(rfd, 100)
    os.close(rfd)
    err = p.stderr.read()
    code = p.wait()
    problems = []
    if err:
        problems.append("stderr %r" % err)
    if code not in (0, -signal.SIGPIPE):
        problems.append("exit %d" % code)
    return problems


def make_files(tmp):
    """Inputs made on the fly: an empty file, a gzip'd sample per tool
    input, every binary sample cut in half (plain and gzip'd), and long
    inputs for the closed-pipe check."""
    files = {"empty": os.path.join(tmp, "empty")}
    open(files["empty"], "wb").close()
    for fmt, f in FORMATS.items():
        data = open(f["sample"], "rb").read()
        files["gz_" + fmt] = os.path.join(tmp, "sample-" + fmt + ".gz")
        with gzip.open(files["gz_" + fmt], "wb") as g:
            g.write(data)
        if f["cut_fails"]:
            cut = os.path.join(tmp, "cut-" + os.path.basename(f["sample"]))
            open(cut, "wb").write(data[:len(data) // 2])
            with gzip.open(cut + ".gz", "wb") as g:
                g.write(data[:len(data) // 2])
            files["cut_" + fmt] = cut
    big = os.path.join(ROOT, "bench", "data", "big.pstats")
    files["big_pstats"] = big if os.path.exists(big) else PSTATS
    files["big_folded"] = os.path.join(tmp, "big.folded")
    with open(files["big_folded"], "w") as f:
        for i in range(20000):
            f.write("main;work_%d;leaf_%d %d\n" % (i % 300, i, i + 1))
    files["big_mprof"] = os.path.join(tmp, "big.dat")
    with open(files["big_mprof"], "w") as f:
        f.write("CMDLINE python3 big.py\n")
        for i in range(50000):
            f.write("MEM %.6f %.4f\n" % (10 + (i * 7919) % 1000 / 10.0, 1700000000 + i / 100.0))
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--tool", action="append", help="check only these tools")
    opts = ap.parse_args()
    bindir = os.path.abspath(opts.bindir)
    tools = opts.tool or list(TOOLS)
    passed = failed = 0

    def report(name, problems):
        nonlocal passed, failed
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            passed += 1

    with tempfile.TemporaryDirectory() as top:
        tmp = os.path.join(top, "work")  # only outputs go here, so leftovers show
        os.mkdir(tmp)
        files = make_files(top)
        outputs = {}

        def reference(tool):
            def output_of(path, via_stdin):
                key = (tool, path, via_stdin)
                if key not in outputs:
                    argv = command(tool, tmp, stdout_args(tool), ["-" if via_stdin else path])
                    outputs[key] = run(argv, bindir, path if via_stdin else None).stdout
                return outputs[key]
            return output_of

        for tool in tools:
            files["gz"] = files["gz_" + TOOLS[tool]["input"]]
            for name, argv, stdin, code, pattern, absent, result in generic_cases(tool, tmp, files):
                report("%s %s (%s)" % (tool, name, " ".join(argv[1:])),
                       check(bindir, tmp, argv, stdin, code, pattern, absent, result, reference(tool)))
                for f in os.listdir(tmp):
                    os.unlink(os.path.join(tmp, f))
            report("%s closed pipe" % tool, closed_pipe(bindir, tool, files[TOOLS[tool]["big"]]))
        for tool, args, stdin, code, pattern, absent, *env in CASES:
            if tool not in tools:
                continue
            args = [a.replace("{tmp}", tmp) for a in args]
            absent = absent.replace("{tmp}", tmp) if absent else None
            report("%s %s" % (tool, " ".join(args)),
                   check(bindir, tmp, [tool] + args, stdin, code, pattern, absent, None, None,
                         env[0] if env else None))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
