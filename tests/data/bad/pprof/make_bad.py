#!/usr/bin/env python3
"""Writes the malformed pprof files of this directory (run from anywhere).

Each file breaks one rule pprof's own decoder or CheckValid enforces
(FORMATS.md 5d); expected.txt holds the line pstat-view must print. Some are
cut from or glued together from the real Go samples in samples/pprof/.
"""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "..", "..", "..", "samples", "pprof")


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def vfield(field, v):
    return key(field, 0) + varint(v)


def lfield(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


STRINGS = b"".join(lfield(6, s) for s in [b"", b"samples", b"count", b"main", b"prog.py"])
SAMPLE_TYPE = lfield(1, vfield(1, 1) + vfield(2, 2))
FUNCTION = lfield(5, vfield(1, 1) + vfield(2, 3) + vfield(4, 4) + vfield(5, 10))
LOCATION = lfield(4, vfield(1, 1) + lfield(4, vfield(1, 1) + vfield(2, 12)))
SAMPLE = lfield(2, lfield(1, varint(1)) + lfield(2, varint(7)))


def go_raw(name):
    with open(os.path.join(SAMPLES, name), "rb") as f:
        return gzip.decompress(f.read())


def cases():
    cpu = go_raw("go_cpu.pb.gz")
    with open(os.path.join(SAMPLES, "go_cpu.pb.gz"), "rb") as f:
        cpu_gz = f.read()
    return {
        # Real files damaged as files get damaged.
        "truncated_go_cpu.pb": cpu[: len(cpu) // 2],
        "truncated_go_cpu.pb.gz": cpu_gz[: len(cpu_gz) - 100],
        "concatenated_go_profiles.pb": cpu + go_raw("go_heap.pb.gz"),
        # One broken rule each, in an otherwise valid profile.
        "no_string_table.pb": SAMPLE_TYPE + SAMPLE + LOCATION + FUNCTION,
        "string_table_0_not_empty.pb": SAMPLE_TYPE + lfield(6, b"x") + STRINGS,
        "string_index_out_of_range.pb": SAMPLE_TYPE + SAMPLE + LOCATION
        + lfield(5, vfield(1, 1) + vfield(2, 99)) + STRINGS,
        "negative_string_index.pb": SAMPLE_TYPE + lfield(5, vfield(1, 1) + vfield(4, -2)) + STRINGS,
        "function_id_zero.pb": SAMPLE_TYPE + lfield(5, vfield(2, 3)) + STRINGS,
        "duplicate_location_id.pb": SAMPLE_TYPE + FUNCTION + LOCATION + LOCATION + STRINGS,
        "missing_location.pb": SAMPLE_TYPE + lfield(2, lfield(1, varint(5)) + lfield(2, varint(7)))
        + LOCATION + FUNCTION + STRINGS,
        "missing_function.pb": SAMPLE_TYPE + SAMPLE + LOCATION + STRINGS,
        "value_count_mismatch.pb": SAMPLE_TYPE + lfield(2, lfield(1, varint(1)) + lfield(2, varint(7) + varint(8)))
        + LOCATION + FUNCTION + STRINGS,
        "sample_without_types.pb": SAMPLE + LOCATION + FUNCTION + STRINGS,
        "line_longer_than_location.pb": SAMPLE_TYPE + lfield(4, vfield(1, 1) + key(4, 2) + varint(40) + vfield(1, 1))
        + STRINGS,
        "varint_too_long.pb": SAMPLE_TYPE + key(9, 0) + b"\xff" * 10 + b"\x01" + STRINGS,
        "group_wire_type.pb": SAMPLE_TYPE + key(7, 3) + STRINGS,
    }


def main():
    for name, data in sorted(cases().items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
