#!/usr/bin/env python3
"""Writes the malformed .lprof files of this directory and expected.txt.

Each file is built opcode by opcode (never by pickle.dumps), with one thing
wrong (files found by fuzzing are added to expected.txt by hand and kept); the expected message names what the reader must report and the byte
offset where the bad item starts, computed here while building. The unit
test (test_lprof.c) and the bad-input test (run_lprof_golden.py --bad) check
profkit against expected.txt.

    python3 tests/data/bad/lprof/make_bad.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CLASS = b"line_profiler._line_profiler"


class P:
    """A pickle under construction; .at() is the offset of the next opcode."""

    def __init__(self, proto=5):
        self.b = bytearray(b"\x80" + bytes([proto]))

    def at(self):
        return len(self.b)

    def op(self, code, payload=b""):
        self.b += bytes([code]) + payload
        return self

    def s(self, text):  # SHORT_BINUNICODE + MEMOIZE
        data = text.encode() if isinstance(text, str) else text
        return self.op(0x8C, bytes([len(data)]) + data).op(0x94)

    def k(self, v):  # BININT1
        return self.op(0x4B, bytes([v]))

    def header(self, module=CLASS, name=b"LineStats"):
        """LineStats instance, state dict, MARK, 'timings', dict, MARK."""
        self.s(module).s(name).op(0x93).op(0x94)
        self.op(0x29).op(0x81).op(0x94).op(0x7D).op(0x94).op(0x28)
        self.s("timings").op(0x7D).op(0x94).op(0x28)
        return self

    def key(self, file="f.py", line=1, name="f"):
        return self.s(file).k(line).s(name).op(0x87).op(0x94)

    def row(self, line=2, hits=1, ticks=5):
        return self.k(line).k(hits).k(ticks).op(0x87).op(0x94)

    def tail(self, unit=1e-9):
        """SETITEMS of timings, 'unit', float, SETITEMS, BUILD, STOP."""
        self.op(0x75).s("unit").op(0x47, struct.pack(">d", unit))
        return self.op(0x75).op(0x62).op(0x2E)


def good_entry(p):
    return p.key().op(0x5D).op(0x94).row().op(0x61)


cases = []


def case(name, data, message):
    cases.append((name, bytes(data), message))


def build():
    # The sample cut inside a string.
    p = P().header()
    at = p.at()
    p.op(0x8C, bytes([40]) + b"f.py")
    case("truncated_string.lprof", p.b,
         "truncated pickle string (need 40 bytes, 4 left) at byte %d" % at)

    p = P().header()
    case("no_stop.lprof", p.b, "truncated pickle opcode (need 1 bytes, 0 left) at byte %d" % p.at())

    # Classes other than LineStats: GLOBAL (protocol 2) and STACK_GLOBAL.
    p = P(2)
    at = p.at()
    p.op(0x63, b"os\nsystem\n")
    case("global_os_system.lprof", p.b,
         "refusing to load class os.system (only LineStats is allowed) at byte %d" % at)
    p = P(4).s("builtins").s("eval")
    at = p.at()
    p.op(0x93)
    case("stack_global_eval.lprof", p.b,
         "refusing to load class builtins.eval (only LineStats is allowed) at byte %d" % at)
    p = P(4).s("line_profiler._line_profiler").s("LineProfiler")
    at = p.at()
    p.op(0x93)
    case("other_line_profiler_class.lprof", p.b,
         "refusing to load class line_profiler._line_profiler.LineProfiler "
         "(only LineStats is allowed) at byte %d" % at)

    # Opcodes a data-only reader refuses.
    p = P(2).op(0x63, CLASS + b"\nLineStats\n").op(0x29)
    at = p.at()
    p.op(0x52).op(0x2E)
    case("reduce.lprof", p.b, "unsupported pickle opcode REDUCE (0x52) at byte %d" % at)
    p = P(4)
    at = p.at()
    p.op(0xFF)
    case("unknown_opcode.lprof", p.b, "unknown pickle opcode 0xff at byte %d" % at)
    p = P(5)
    at = p.at()
    p.op(0x97)
    case("next_buffer.lprof", p.b, "unsupported pickle opcode NEXT_BUFFER (0x97) at byte %d" % at)
    case("protocol_6.lprof", b"\x80\x06\x4e\x2e",
         "unsupported pickle protocol 6 (newest known: 5) at byte 0")

    # Memo.
    p = P().header()
    at = p.at()
    p.op(0x68, b"\x2a")
    case("memo_get_missing.lprof", p.b,
         "memo index 42 not stored yet (7 entries) at byte %d" % at)
    p = P(2).op(0x4E)
    at = p.at()
    p.op(0x72, struct.pack("<I", 1000))
    # Holes in the memo are fine (Python 2's cPickle numbers from 1 and
    # skips objects), but no real pickle stores past its own size.
    case("memo_put_gap.lprof", p.b,
         "LONG_BINPUT to memo index 1000, past the pickle's %d bytes at byte %d"
         % (len(p.b), at))
    p = P(2).op(0x4E).op(0x71, b"\x02")   # None stored as entry 2: 0 and 1 are holes
    at = p.at()
    p.op(0x68, b"\x01")
    case("memo_get_hole.lprof", p.b, "memo index 1 not stored yet (1 entries) at byte %d" % at)

    # Stack discipline.
    p = P(4).k(1).k(2)
    at = p.at()
    p.op(0x87)
    case("tuple3_underflow.lprof", p.b, "pickle stack underflow in TUPLE3 at byte %d" % at)
    p = P(4).op(0x7D).op(0x28).k(1)
    at = p.at()
    p.op(0x75)
    case("odd_setitems.lprof", p.b, "odd number of items for SETITEMS at byte %d" % at)
    p = P(4).op(0x7D).k(1)
    at = p.at()
    p.op(0x61)
    case("append_to_dict.lprof", p.b, "APPEND needs a list, found a dict at byte %d" % at)
    p = P(4)
    for _ in range(64):
        p.op(0x28)
    at = p.at()
    p.op(0x28)
    case("too_many_marks.lprof", p.b, "more than 64 MARKs open at once at byte %d" % at)
    p = P(4)
    at = p.at()
    p.op(0x65)
    case("appends_without_mark.lprof", p.b, "APPENDS without a MARK at byte %d" % at)
    p = P(4).op(0x7D).op(0x7D)
    at = p.at()
    p.op(0x62)
    case("build_on_dict.lprof", p.b, "BUILD needs an object, found a dict at byte %d" % at)
    p = P(4).op(0x4E).op(0x29)
    at = p.at()
    p.op(0x81)
    case("newobj_on_none.lprof", p.b, "NEWOBJ needs a class, found None at byte %d" % at)

    # Lengths and encodings.
    p = P(4)
    at = p.at()
    p.op(0x95, struct.pack("<Q", 1 << 40))
    case("frame_too_long.lprof", p.b, "pickle FRAME of 1099511627776 bytes but 0 left at byte %d" % at)
    p = P(4)
    at = p.at()
    p.op(0x58, struct.pack("<I", 0xFFFFFFFF) + b"abc")
    case("huge_string_length.lprof", p.b,
         "truncated pickle string (need 4294967295 bytes, 3 left) at byte %d" % at)
    p = P(2)
    at = p.at()
    p.op(0x54, struct.pack("<i", -5))
    case("negative_binstring.lprof", p.b, "BINSTRING with negative length -5 at byte %d" % at)
    p = P(4)
    at = p.at()
    p.op(0x8C, b"\x02\xc3\x28")
    case("invalid_utf8.lprof", p.b, "pickle string is not valid UTF-8 at byte %d" % at)
    p = P(2)
    at = p.at()
    p.op(0x49, b"12x\n")
    case("bad_int_text.lprof", p.b, "bad pickle INT text '12x' at byte %d" % at)

    # Well-formed pickles of the wrong shape.
    p = P().op(0x7D).op(0x94).op(0x2E)
    case("top_is_dict.lprof", p.b, "expected a LineStats object, found a dict at byte 2")
    p = P().s(CLASS).s("LineStats").op(0x93).op(0x94).op(0x29)
    obj = p.at()
    p.op(0x81).op(0x94).op(0x7D).op(0x94).op(0x28).s("timings").op(0x7D).op(0x94)
    p.op(0x75).op(0x62).op(0x2E)
    case("no_unit.lprof", p.b, "LineStats object without a 'unit' attribute at byte %d" % obj)
    p = P().header()
    good_entry(p)
    p.op(0x75).s("unit")
    at = p.at()
    p.s("1e-9").op(0x75).op(0x62).op(0x2E)
    case("unit_is_str.lprof", p.b, "expected a float (unit), found a str at byte %d" % at)
    p = P().s(CLASS).s("LineStats").op(0x93).op(0x94).op(0x29).op(0x81).op(0x94)
    p.op(0x7D).op(0x94).op(0x28).s("timings")
    at = p.at()
    p.op(0x5D).op(0x94).s("unit").op(0x47, struct.pack(">d", 1e-9)).op(0x75).op(0x62).op(0x2E)
    case("timings_is_list.lprof", p.b, "expected a dict (timings), found a list at byte %d" % at)
    p = P().header()
    at = p.at()
    p.s("f.py").op(0x5D).op(0x94)
    p.tail()
    case("key_not_tuple.lprof", p.b,
         "expected a 3-tuple (file, line, name) as key, found a str at byte %d" % at)
    p = P().header().s("f.py").k(1)
    at = p.at()
    p.op(0x86).op(0x94).op(0x5D).op(0x94)
    p.tail()
    case("key_wrong_arity.lprof", p.b,
         "expected a 3-tuple (file, line, name) as key, found a 2-tuple at byte %d" % at)
    p = P().header().s("f.py")
    at = p.at()
    p.s("1").s("f").op(0x87).op(0x94).op(0x5D).op(0x94)
    p.tail()
    case("first_line_is_str.lprof", p.b,
         "expected an int (first line), found a str at byte %d" % at)
    p = P().header()
    at = p.at()
    p.op(0x43, b"\x04f.py").k(1).s("f").op(0x87).op(0x94).op(0x5D).op(0x94)
    p.tail()
    case("file_is_bytes.lprof", p.b,
         "expected a str (file name), found a bytes object at byte %d" % at)
    p = P().header().key()
    at = p.at()
    p.op(0x29).op(0x94)
    p.tail()
    case("rows_not_list.lprof", p.b,
         "expected a list of line entries, found an empty tuple at byte %d" % at)
    p = P().header().key().op(0x5D).op(0x94).k(2).k(1)
    at = p.at()
    p.op(0x47, struct.pack(">d", 0.5)).op(0x87).op(0x94).op(0x61)
    p.tail()
    case("time_is_float.lprof", p.b, "expected an int (time), found a float at byte %d" % at)
    p = P().header().key().op(0x5D).op(0x94).k(2)
    at = p.at()
    p.op(0x88).k(5).op(0x87).op(0x94).op(0x61)
    p.tail()
    case("hits_is_bool.lprof", p.b, "expected an int (hits), found a bool at byte %d" % at)
    p = P().header().key().op(0x5D).op(0x94).k(2).k(1)
    at = p.at()
    p.op(0x8A, bytes([9]) + b"\x00" * 8 + b"\x01").op(0x87).op(0x94).op(0x61)
    p.tail()
    case("time_beyond_64_bits.lprof", p.b, "time does not fit in 64 bits at byte %d" % at)
    p = P().header().key().op(0x5D).op(0x94)
    at = p.at()
    p.k(2).k(1).op(0x86).op(0x94).op(0x61)
    p.tail()
    row_at = at + 4
    case("row_wrong_arity.lprof", p.b,
         "expected a 3-tuple (line, hits, time) as line entry, found a 2-tuple at byte %d" % row_at)

    p = P().header()
    good_entry(p)
    p.tail()
    p.b += b"junk"
    case("trailing_bytes.lprof", p.b, "4 bytes after the pickle's STOP opcode at byte %d" % (len(p.b) - 4))

    # Limits. Containers nest without bound in the decoder's flat tables
    # (no recursion, memory linear in the input): 5000 lists, one inside
    # the next, fail only for not being a LineStats object.
    n = 5000
    p = P(4)
    at = p.at()
    p.b += b"]" * n + b"a" * (n - 1) + b"."
    case("deep_list_nesting.lprof", p.b, "expected a LineStats object, found a list at byte %d" % at)
    # 64 MARKs may be open at once; the 65th fails where it stands.
    p = P(4)
    p.b += b"(" * 64
    at = p.at()
    p.b += b"(" + b")" + b"t" * 65 + b"."
    case("mark_65_deep.lprof", p.b, "more than 64 MARKs open at once at byte %d" % at)


def main():
    build()
    ours = set(name for name, _, _ in cases)
    # Entries not made here (fuzz findings, added by hand) are kept.
    kept = []
    expected = os.path.join(HERE, "expected.txt")
    if os.path.exists(expected):
        with open(expected, encoding="utf-8") as f:
            for line in f:
                name = line.split("\t", 1)[0]
                if name not in ours and os.path.exists(os.path.join(HERE, name)):
                    kept.append(line)
    with open(expected, "w", encoding="utf-8") as f:
        for name, data, message in cases:
            with open(os.path.join(HERE, name), "wb") as out:
                out.write(data)
            f.write("%s\t%s\n" % (name, message))
        f.writelines(kept)
    print("%d files written, %d other entries kept" % (len(cases), len(kept)))


if __name__ == "__main__":
    main()
