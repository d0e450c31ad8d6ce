"""memory_profiler sample: a timestamp label containing a space.

mprof writes it as `FUNC .two words ...`, which mprof's own reader cannot
parse; profkit reads it (the four numbers and the level are taken from the
end of the line).
"""
import time

with profile.timestamp("two words"):
    blob = bytearray(8 * 1024 * 1024)
    time.sleep(0.2)
time.sleep(0.1)
