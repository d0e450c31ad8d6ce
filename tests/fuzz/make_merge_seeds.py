#!/usr/bin/env python3
"""Writes the seeds of fuzz_pstats_merge into tests/fuzz/corpus/pstats_merge/.

A seed is pstats files joined by the marker fuzz_pstats_merge.c splits at
("\\n--PK--\\n"). Real files: pairs and triples of samples/pstats and
tests/data/pstats (Python 2.7 to 3.13, cProfile and profile.py, whose
python -m profile keys are code objects, gzip), one chain that breaks at a
bad file. Crafted files (marshal, as pstats.dump_stats writes them): callers
only in one file that are stats keys in a later one and the reverse,
profile.py's count-only callers meeting cProfile's 4-tuples, repeated keys
and callers, recursion, an empty file, a code-object key (of the Python
running this script) that is a caller first and a key later.

Run from anywhere: python3 tests/fuzz/make_merge_seeds.py
"""
import marshal
import os
import struct

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "pstats_merge")
MARKER = b"\n--PK--\n"

REAL = {
    "py27_py311_tiny": ["tests/data/pstats/tiny_cprofile_py2.7.18.pstats",
                        "tests/data/pstats/tiny_cprofile_py3.11.7.pstats"],
    "pyprofile_code_keys_27_311_313": [
        "tests/data/pstats/tiny_pyprofile_cli_py2.7.18.pstats",
        "tests/data/pstats/tiny_pyprofile_cli_py3.11.7.pstats",
        "tests/data/pstats/tiny_pyprofile_cli_py3.13.0.pstats"],
    "prog_b_27_311_313": ["tests/data/pstats/prog_b_cprofile_py2.7.18.pstats",
                          "tests/data/pstats/prog_b_cprofile_py3.11.7.pstats",
                          "tests/data/pstats/prog_b_cprofile_py3.13.0.pstats"],
    "prog_b_311_thrice": ["tests/data/pstats/prog_b_cprofile_py3.11.7.pstats"] * 3,
    "recursion_cprofile_pyprofile_py27": [
        "samples/pstats/recursion_cprofile_py2.7.18.pstats",
        "samples/pstats/recursion_pyprofile_py2.7.18.pstats"],
    "shapes_pyprofile_cprofile_py27": [
        "samples/pstats/shapes_pyprofile_py2.7.18.pstats",
        "samples/pstats/shapes_cprofile_py2.7.18.pstats"],
    "recursion_pyprofile_36_cprofile_313": [
        "tests/data/pstats/recursion_pyprofile_py3.6.15.pstats",
        "samples/pstats/recursion_cprofile_py3.13.0.pstats"],
    "run_string_textfloat_v3": ["samples/pstats/runstring_pyprofile_py3.11.7.pstats",
                                "tests/data/pstats/pyprofile_run_string_py3.11.7.pstats",
                                "tests/data/pstats/tiny_v0_textfloat_py3.11.7.pstats",
                                "tests/data/pstats/tiny_v3_py3.11.7.pstats"],
    "odd_names_and_longs": ["tests/data/pstats/nonascii_cprofile_py3.11.7.pstats",
                            "tests/data/pstats/longpath_cprofile_py3.11.7.pstats",
                            "tests/data/pstats/long_synth_py3.11.7.pstats",
                            "samples/pstats/\u00fcn\u00efcode_prog_cprofile_py3.12.1.pstats"],
    "empty_around_tiny": ["tests/data/pstats/empty_cprofile_py3.11.7.pstats",
                          "tests/data/pstats/tiny_cprofile_py3.13.0.pstats",
                          "tests/data/pstats/empty_cprofile_py3.11.7.pstats"],
    "gzip_and_plain": ["samples/pstats/wordfreq_cprofile_py3.11.7.pstats.gz",
                       "tests/data/pstats/kernprof_noline_py3.11.2.prof"],
    "breaks_at_third": ["tests/data/pstats/tiny_cprofile_py3.9.18.pstats",
                        "tests/data/pstats/tiny_cprofile_py3.10.13.pstats",
                        "tests/data/bad/pstats/bad_ref.pstats",
                        "tests/data/pstats/tiny_cprofile_py3.12.1.pstats"],
}


def key(name, file=None, line=1):
    return (file or name.lower() + ".py", line, name)


def timing(cc, nc, tt, ct):
    """cProfile's caller value: (nc, cc, tt, ct), total count first."""
    return (nc, cc, tt, ct)


def dict_bytes(items):
    """A marshal v2 dict from (key, value) pairs, repeats kept: Python
    keeps the last value of a repeated key at the first one's place."""
    out = b"{"
    for k, v in items:
        out += marshal.dumps(k, 2) + marshal.dumps(v, 2)
    return out + b"0"


def entry(name, cc, nc, tt, ct, callers):
    return key(name), (cc, nc, tt, ct, callers)


def crafted():
    x, y, z, f, g = key("X"), key("Y"), key("Z"), key("f"), key("g")
    # a: f <- {X, g}, g <- {Y}: X and Y are callers only.
    a = dict([entry("f", 1, 2, 0.5, 1.5, {x: timing(1, 1, 0.25, 0.75),
                                           g: timing(1, 1, 0.25, 0.75)}),
              entry("g", 1, 1, 0.125, 0.5, {y: timing(1, 1, 0.125, 0.5)})])
    # b: X is a key now, f only a caller of it; Z a new caller only.
    b = dict([entry("h", 3, 3, 0.1, 0.2, {z: timing(3, 3, 0.1, 0.2)}),
              entry("X", 1, 1, 0.3, 0.4, {f: timing(1, 1, 0.3, 0.4)})])
    # c: Y a key called by itself and by X; g has no callers; f returns.
    c = dict([entry("Y", 4, 2, 0.05, 0.06, {x: timing(2, 2, 0.05, 0.06),
                                            y: timing(0, 2, 0.01, 0.02)}),
              entry("g", 1, 1, 0.5, 0.5, {}),
              entry("f", 2, 2, 0.7, 0.9, {x: timing(2, 2, 0.7, 0.9)})])
    # profile.py: callers are counts only, floats and ints mixed.
    p = dict([entry("f", 1, 1, 0, 0.25, {x: 1, g: 2}),
              entry("X", 2, 2, 0.125, 0, {y: 2}),
              ((("profile", 0, "profiler")), (0, 0, 0, 0, {}))])
    seeds = {
        "crafted_caller_only_then_key": [marshal.dumps(a, 2), marshal.dumps(b, 4),
                                         marshal.dumps(c, 2)],
        "crafted_key_then_caller_only": [marshal.dumps(c, 4), marshal.dumps(b, 2),
                                         marshal.dumps(a, 4)],
        "crafted_count_only_callers": [marshal.dumps(p, 2), marshal.dumps(a, 4),
                                       marshal.dumps(p, 4)],
        "crafted_empty_then_callers": [marshal.dumps({}, 4), marshal.dumps(a, 2),
                                       marshal.dumps(b, 2)],
    }
    # Repeated keys and callers, which only a hand-built dict can hold.
    rep = dict_bytes([entry("f", 2, 2, 2.0, 2.0, {}),
                      entry("g", 1, 1, 0.5, 0.5, {y: timing(1, 1, 0.5, 0.5)}),
                      entry("f", 3, 3, 3.0, 3.0, {g: timing(5, 5, 5.0, 5.0)})])
    rep = rep[:-1] + marshal.dumps(key("X"), 2) + b"(" + struct.pack("<i", 5)
    rep += b"".join(marshal.dumps(v, 2) for v in (1, 1, 0.25, 0.25))
    # X's callers: Y twice (the last counts), then f.
    rep += b"{" + marshal.dumps(y, 2) + marshal.dumps(timing(7, 7, 7.0, 7.0), 2)
    rep += marshal.dumps(y, 2) + marshal.dumps(timing(1, 1, 0.25, 0.25), 2)
    rep += marshal.dumps(f, 2) + marshal.dumps(timing(1, 1, 0.5, 0.5), 2) + b"00"
    seeds["crafted_repeated_keys"] = [marshal.dumps(a, 2), rep, marshal.dumps(c, 2)]
    # python -m profile's code-object key (this Python's layout): a caller
    # only in one file, a stats key in the next, both in the third.
    code = ("profile", 0, compile("run()\n", "s.py", "exec"))
    seeds["crafted_code_key_caller_then_key"] = [
        marshal.dumps({f: (1, 1, 0.5, 0.5, {code: 1})}, 4),
        marshal.dumps({code: (1, 1, 0, 0.5, {}), f: (1, 1, 0.5, 0.5, {code: 1})}, 2),
        marshal.dumps({code: (1, 1, 0, 0.25, {f: 1})}, 4)]
    return seeds


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {name: [open(os.path.join(ROOT, p), "rb").read() for p in paths]
             for name, paths in REAL.items()}
    seeds.update(crafted())
    for name, parts in sorted(seeds.items()):
        assert not any(MARKER in part for part in parts), name
        with open(os.path.join(OUT, name + ".bin"), "wb") as out:
            out.write(MARKER.join(parts))


if __name__ == "__main__":
    main()
