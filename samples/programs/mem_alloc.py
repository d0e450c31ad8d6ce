"""memory_profiler sample: nested @profile functions that allocate and free.

Run by samples/make_mprof.sh as `python3-mprof run mem_alloc.py`; the
`profile` decorator is injected by `python -m memory_profiler`.
"""
import time


@profile
def build_lists(n):
    # about 8 bytes per list slot plus the int objects
    rows = [list(range(1000)) for _ in range(n)]
    time.sleep(0.15)
    return len(rows)


@profile
def grow_buffer(mib):
    buf = bytearray()
    for _ in range(mib):
        buf.extend(bytes(1024 * 1024))
        time.sleep(0.02)
    return len(buf)


@profile
def pipeline():
    kept = bytearray(24 * 1024 * 1024)
    total = build_lists(300)
    total += grow_buffer(10)
    del kept
    time.sleep(0.1)
    total += build_lists(100)
    return total


pipeline()
time.sleep(0.15)
