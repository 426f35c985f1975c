"""Doing independent column work at once, on the cores this process may use.

Most of the work on a column (dictionary encoding, hashing, taking, comparing) runs in
pyarrow's and numpy's C code, which lets go of Python's lock; so threads working on different
columns run side by side even though pandas' Python parts take turns (BENCHMARKS.md).
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def usable_cores() -> int:
    """Cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def no_blas_threads() -> None:
    """Tell numpy's OpenBLAS, before numpy loads, to start no threads of its own (unless the
    environment already says how many). ngheo does no matrix algebra, but at import OpenBLAS
    starts a thread per core that spins about 0.1 s of processor time looking for work, while
    the survey is being read on every core (seen in perf; the floor's numpy pays it too)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


_thread_limit: int | None = None  # set by limit_threads


def default_threads() -> int:
    """Threads for column work: twice the cores (while one thread holds Python's lock, the
    others' C work goes on; more than one per core measured faster, BENCHMARKS.md), or the
    limit this process was given."""
    return _thread_limit or 2 * usable_cores()


def limit_threads(threads: int | None) -> None:
    """Column threads for this whole process from now on (None: the default again). Worker
    processes that share the cores among themselves set it, as pyarrow's set_cpu_count does."""
    global _thread_limit
    _thread_limit = max(1, threads) if threads else None


def thread_map(work: Callable[[Item], Result], items: Iterable[Item], threads: int | None = None) -> Iterator[Result]:
    """`work(item)` for every item, `threads` (default: default_threads()) at a time, results in
    the items' order, each as soon as it and those before it are done. One thread: plainly in
    order, no pool.

    At most twice `threads` items are worked on or waiting to be taken: results that are big
    (a slice of CSV) are let go of before most are made, so their memory is used again instead
    of fresh memory being asked for (which costs about its size in page faults, BENCHMARKS.md)."""
    items = list(items)
    threads = threads or default_threads()
    if threads <= 1 or len(items) <= 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(min(threads, len(items)), thread_name_prefix="ngheo-columns") as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= 2 * threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def at_once(*jobs: Callable[[], Result]) -> Iterator[Result]:
    """Independent pieces of work (functions of no argument) done side by side, in threads as
    thread_map does them; their results in the jobs' order, each as soon as it and those before
    it are done (unpack them, or take them one by one)."""
    return thread_map(lambda job: job(), jobs)


def read_ahead(items: Iterable[Item], ahead: int = 1) -> Iterator[Item]:
    """The items of `items`, made in a background thread up to `ahead` items before the one in
    use: for a reader whose work lets go of Python's lock (Arrow's CSV and Parquet readers), so
    that the next batch is read while this one is worked on.
    An exception from `items` comes out where its item would have. Leaving early stops the
    thread (after the item it is making)."""
    made: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def hand_over(entry) -> bool:
        while not stop.is_set():
            try:
                made.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over((True, item)):
                    return
            hand_over((False, None))
        except BaseException as exc:  # handed to the consumer, raised there
            hand_over((False, exc))

    thread = threading.Thread(target=produce, name="ngheo-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            more, item = made.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()
