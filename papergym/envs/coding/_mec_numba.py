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


@numba.njit(cache=True)
def _heapify(values, hv, hi):
    size = 0
    for t in range(values.size):
        if values[t] > 0:
            hv[size], hi[size] = values[t], t
            size += 1
    for pos in range(size // 2 - 1, -1, -1):
        sift_down(hv, hi, 0, size, pos)
    return size


@numba.njit(cache=True)
def _pop_or_shrink(hv, hi, size, m):
    rest = hv[0] - m
    if rest > 1e-15:
        hv[0] = rest
    else:
        size -= 1
        hv[0], hi[0] = hv[size], hi[size]
    sift_down(hv, hi, 0, size, 0)
    return size


@numba.njit(cache=True)
def greedy_pair(p, q):
    """:func:`greedy_kernel` for two marginals (the same cells and masses), with no copy of
    the inputs; returns ``(cells, masses)`` of the exact length."""
    pv, pi = np.empty(p.size, dtype=np.float64), np.empty(p.size, dtype=np.int64)
    qv, qi = np.empty(q.size, dtype=np.float64), np.empty(q.size, dtype=np.int64)
    np_, nq = _heapify(p, pv, pi), _heapify(q, qv, qi)
    cells = np.empty((p.size + q.size, 2), dtype=np.int64)
    masses = np.empty(p.size + q.size, dtype=np.float64)
    if np_ == 0 or nq == 0:
        return cells[:0], masses[:0]
    last_p, last_q = pi[0], qi[0]
    n = 0
    while np_ > 0 or nq > 0:
        if np_ > 0 and nq > 0:
            m = min(pv[0], qv[0])
        elif np_ > 0:
            m = pv[0]
        else:
            m = qv[0]
        if np_ > 0:
            last_p = pi[0]
        if nq > 0:
            last_q = qi[0]
        cells[n, 0], cells[n, 1] = last_p, last_q
        masses[n] = m
        n += 1
        if np_ > 0:
            np_ = _pop_or_shrink(pv, pi, np_, m)
        if nq > 0:
            nq = _pop_or_shrink(qv, qi, nq, m)
    return cells[:n], masses[:n]


@numba.njit(cache=True)
def accumulate_rows(cells, masses, n_rows, weights):
    """acc[i] = sum over cells (i, a) of mass * weights[a], added in cell order (as
    ``np.bincount(cells[:, 0], masses * weights[cells[:, 1]])``)."""
    acc = np.zeros(n_rows, dtype=np.float64)
    for r in range(masses.size):
        acc[cells[r, 0]] += masses[r] * weights[cells[r, 1]]
    return acc


@numba.njit(cache=True)
def row_of(cells, masses, row, n_cols):
    """out[a] = sum over cells (row, a) of mass, added in cell order."""
    out = np.zeros(n_cols, dtype=np.float64)
    for r in range(masses.size):
        if cells[r, 0] == row:
            out[cells[r, 1]] += masses[r]
    return out


@numba.njit(cache=True)
def bayes_update(codes, cells, masses, weights):
    """The codes of :func:`accumulate_rows`'s positive rows, and those rows' masses."""
    acc = accumulate_rows(cells, masses, codes.size, weights)
    count = 0
    for i in range(acc.size):
        if acc[i] > 0:
            count += 1
    new_codes = np.empty(count, dtype=codes.dtype)
    new_mass = np.empty(count, dtype=np.float64)
    count = 0
    for i in range(acc.size):
        if acc[i] > 0:
            new_codes[count] = codes[i]
            new_mass[count] = acc[i]
            count += 1
    return new_codes, new_mass
