"""A worker thread busy in worker_hot() while the main thread waits in
join(): for the --all-threads sampler test."""
import threading
import time


def worker_hot(seconds):
    end = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < end:
        total += sum(i * i for i in range(2000))
    return total


def main():
    t = threading.Thread(target=worker_hot, args=(0.4,), name="busy-worker")
    t.start()
    t.join()


if __name__ == "__main__":
    main()
