"""What fresh memory costs on this machine: the first write to memory a process gets from the
system, against writing the same amount again into memory it already has.

    python bench/first_touch.py            # 1,000 MB, three rounds with a pause between them

On a virtual machine whose memory the host hands over page by page (and takes back when the
guest frees it), the first touch can cost far more than the write itself; then every large
temporary array a run builds costs its size in page faults, and runs of the same work vary
with how much freed memory the host has taken back. BENCHMARKS.md reads its numbers with this
in mind.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def one_round(megabytes: int) -> tuple[float, float, float]:
    """(seconds for fresh memory, seconds to write it again, kernel seconds) in this process."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    start = time.perf_counter()
    block = np.ones(megabytes * 2**20, dtype=np.uint8)  # fresh pages, each written once
    fresh = time.perf_counter() - start
    start = time.perf_counter()
    block[:] = 2  # the same pages again: only the write
    again = time.perf_counter() - start
    kernel = resource.getrusage(resource.RUSAGE_SELF).ru_stime - before
    del block
    return fresh, again, kernel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pause", type=float, default=20.0, help="seconds between rounds (the host may take freed memory back)")
    args = parser.parse_args()
    print(f"{'round':>5} {'fresh s/GB':>11} {'again s/GB':>11} {'kernel s':>9}")
    for number in range(args.rounds):
        if number:
            time.sleep(args.pause)
        fresh, again, kernel = one_round(args.megabytes)
        scale = 1024 / args.megabytes
        print(f"{number + 1:>5} {fresh * scale:11.2f} {again * scale:11.2f} {kernel:9.2f}", flush=True)


if __name__ == "__main__":
    main()
