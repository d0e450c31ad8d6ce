#!/usr/bin/env python3
"""Makes the bad gzip inputs in this folder from a real sample, with
Python's gzip and zlib (the same DEFLATE streams gzip(1) writes).
expected.txt lists, tab-separated: file, the max_input the reader gets
(bytes after decompression), the error line pk_error_format() prints.
Run from anywhere: python3 tests/data/bad/gzip/make_bad.py"""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "..", "..", "samples", "pstats",
                      "wordfreq_cprofile_py3.11.7.pstats")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


plain = open(SAMPLE, "rb").read()
good = gzip.compress(plain, mtime=0)
# 8 MiB of zeros in 8 KiB: a zip bomb for a 1 MiB cap.
write("bomb_8mib_zeros.gz", gzip.compress(b"\0" * (8 << 20), 9, mtime=0))
# Cut in the middle of the DEFLATE data: a killed `gzip` or download.
write("truncated_deflate.gz", good[: len(good) // 2])
# Only the 10-byte header.
write("header_only.gz", good[:10])
# The data is intact but the CRC-32 in the trailer is not.
write("bad_crc.gz", good[:-8] + bytes([good[-8] ^ 0xFF]) + good[-7:])
# A DEFLATE block of the reserved type 3 right after the header.
write("reserved_block_type.gz", good[:10] + bytes([0x07]) + good[11:])
