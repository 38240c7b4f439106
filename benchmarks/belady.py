"""Belady (FitF) time on T = 10^4 .. 10^6 requests, to show the O(T log k) scaling.

For each T and k the table shows seconds and microseconds per request; O(T log k) means
the per-request time stays flat in T and grows slowly with k.  Usage::

    python benchmarks/belady.py [--max-t 1000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from papergym.envs.paging.belady import belady
from papergym.envs.paging.generators import zipf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-t", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    sizes = [t for t in (10_000, 100_000, 1_000_000) if t <= args.max_t]
    print(f"{'T':>10} {'k':>5} {'seconds':>9} {'us/request':>11} {'faults':>9}")
    for k in (10, 100, 1000):
        for T in sizes:
            seq = zipf(np.random.default_rng(0), k, 20 * k, T, zipf_alpha=0.8)
            start = time.perf_counter()
            run = belady(seq, k)
            elapsed = time.perf_counter() - start
            print(f"{T:>10,} {k:>5} {elapsed:>9.3f} {1e6 * elapsed / T:>11.2f} {run.faults:>9,}")


if __name__ == "__main__":
    main()
