"""Sleeps in napper() and reads a pipe in reader(): the sampler must not
break either (a signal arriving must not shorten the sleep or fail the
read), and the time is charged to the functions that waited."""
import os
import threading
import time


def napper(seconds):
    t0 = time.perf_counter()
    time.sleep(seconds)
    return time.perf_counter() - t0


def reader():
    r, w = os.pipe()
    threading.Timer(0.2, os.write, (w, b"x")).start()
    data = os.read(r, 1)
    os.close(r)
    os.close(w)
    return data


if __name__ == "__main__":
    slept = napper(0.3)
    assert slept >= 0.3, slept
    assert reader() == b"x"
    print("slept %.3f" % slept)
