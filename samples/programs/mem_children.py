"""memory_profiler sample: child processes (multiprocessing.Process).

With `mprof run -M` each child gets CHLD lines keyed by its pid; with
`-C` the children's memory is added into MEM.
"""
import multiprocessing
import time


def worker(mib, seconds):
    buf = bytearray(mib * 1024 * 1024)
    time.sleep(seconds)
    return len(buf)


if __name__ == "__main__":
    procs = [multiprocessing.Process(target=worker, args=(mib, secs))
             for mib, secs in ((12, 0.5), (28, 0.35))]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    time.sleep(0.15)
