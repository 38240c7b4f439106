"""Belady (FitF) time on T = 10^4 .. 10^6 requests, to show the O(T log k) scaling.

For each T and k the table shows seconds and microseconds per request of the priority
queue (``belady_heap``, O(T log k): the per-request time stays flat in T and grows slowly
with k) and of ``belady`` as the env calls it (the k-key scan for k <= 32, the heap
beyond), with their ratio.  Usage::

    python benchmarks/belady.py [--max-t 1000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from papergym.envs.paging.belady import belady, belady_heap
from papergym.envs.paging.generators import zipf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-t", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    sizes = [t for t in (10_000, 100_000, 1_000_000) if t <= args.max_t]
    print(f"{'T':>10} {'k':>5} {'heap s':>8} {'heap us/req':>12} {'belady s':>9} "
          f"{'heap/belady':>12} {'faults':>9}")
    for k in (10, 100, 1000):
        for T in sizes:
            seq = zipf(np.random.default_rng(0), k, 20 * k, T, zipf_alpha=0.8)
            start = time.perf_counter()
            run = belady_heap(seq, k)
            heap = time.perf_counter() - start
            start = time.perf_counter()
            assert belady(seq, k).faults == run.faults
            used = time.perf_counter() - start
            print(f"{T:>10,} {k:>5} {heap:>8.3f} {1e6 * heap / T:>12.2f} {used:>9.3f} "
                  f"{heap / used:>11.2f}x {run.faults:>9,}")

if __name__ == "__main__":
    main()
