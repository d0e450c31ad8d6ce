"""memory_profiler sample: `with profile.timestamp(label)` blocks, one nested.

FUNC lines for blocks are named ".<label>"; the nested block gets level 1.
"""
import time

with profile.timestamp("load_phase"):
    chunks = [bytearray(1024 * 1024) for _ in range(20)]
    time.sleep(0.2)
    with profile.timestamp("index_phase"):
        index = {i: bytes(4096) for i in range(2000)}
        time.sleep(0.15)
del chunks
time.sleep(0.1)
with profile.timestamp("cleanup_phase"):
    index.clear()
    time.sleep(0.1)
