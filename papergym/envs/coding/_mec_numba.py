"""The numba kernel of :func:`papergym.envs.coding.mec.greedy_core` (imported only when
numba is installed; compiled on first use and cached on disk).

k binary max-heaps over the flattened marginals, keyed like ``heapq`` on ``(-mass, index)``,
so the cells and masses are bit-identical to :func:`~papergym.envs.coding.mec.greedy_core_numpy`.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["greedy_kernel"]


@numba.njit(cache=True, inline="always")
def above(v, i, w, j):  # heap order: larger mass first, then the lower index
    return v > w or (v == w and i < j)


@numba.njit(cache=True)
def sift_down(hv, hi, off, size, pos):
    v, i = hv[off + pos], hi[off + pos]
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and above(hv[off + child + 1], hi[off + child + 1],
                                      hv[off + child], hi[off + child]):
            child += 1
        if above(hv[off + child], hi[off + child], v, i):
            hv[off + pos], hi[off + pos] = hv[off + child], hi[off + child]
            pos = child
        else:
            break
    hv[off + pos], hi[off + pos] = v, i


@numba.njit(cache=True)
def greedy_kernel(flat, sizes):
    k = sizes.size
    offs = np.zeros(k, dtype=np.int64)
    for r in range(1, k):
        offs[r] = offs[r - 1] + sizes[r - 1]
    hv = np.empty(flat.size, dtype=np.float64)
    hi = np.empty(flat.size, dtype=np.int64)
    hsize = np.zeros(k, dtype=np.int64)
    for r in range(k):
        for t in range(sizes[r]):
            v = flat[offs[r] + t]
            if v > 0:
                hv[offs[r] + hsize[r]] = v
                hi[offs[r] + hsize[r]] = t
                hsize[r] += 1
        for pos in range(hsize[r] // 2 - 1, -1, -1):
            sift_down(hv, hi, offs[r], hsize[r], pos)
    cells = np.empty((max(flat.size, 1), k), dtype=np.int64)
    masses = np.empty(max(flat.size, 1), dtype=np.float64)
    for r in range(k):
        if hsize[r] == 0:
            return cells, masses, 0
    last = np.empty(k, dtype=np.int64)
    for r in range(k):
        last[r] = hi[offs[r]]
    n = 0
    while True:
        m = np.inf
        live = False
        for r in range(k):
            if hsize[r] > 0:
                live = True
                if hv[offs[r]] < m:
                    m = hv[offs[r]]
        if not live:
            break
        for r in range(k):
            if hsize[r] > 0:
                last[r] = hi[offs[r]]
            cells[n, r] = last[r]
        masses[n] = m
        n += 1
        for r in range(k):
            if hsize[r] == 0:
                continue
            rest = hv[offs[r]] - m
            if rest > 1e-15:
                hv[offs[r]] = rest
            else:
                hsize[r] -= 1
                hv[offs[r]] = hv[offs[r] + hsize[r]]
                hi[offs[r]] = hi[offs[r] + hsize[r]]
            sift_down(hv, hi, offs[r], hsize[r], 0)
    return cells, masses, n
