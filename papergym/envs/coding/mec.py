"""Minimum-entropy coupling (MEC) and the information measures it needs, in bits.

Paper: Kocaoglu, Dimakis, Vishwanath, Hassibi, "Entropic Causal Inference", AAAI 2017
(arXiv 1611.04035): the greedy coupling of :func:`greedy_mec`.  Its guarantees and the
provenance of every choice made here are in ``docs/coding.md``.

Joint distributions are dense ``ndarray`` s, one axis per marginal; :func:`greedy_mec_sparse`
and :func:`greedy_core` return the non-zero cells only, which is what the Markov coding game
needs at every step.  :func:`greedy_core` runs a numba-compiled kernel when numba is
installed (the ``coding`` extra) and a pure-Python heap otherwise; both give bit-identical
couplings (``tests/coding/test_coupling.py``).
"""

from __future__ import annotations

import heapq
import os

import numpy as np

__all__ = [
    "entropy", "binary_entropy", "mutual_information", "joint_entropy", "check_marginal",
    "greedy_mec", "greedy_mec_sparse", "greedy_core", "greedy_core_numpy", "greedy_core_numba",
    "numba_available", "zero_seeking_mec", "independent_coupling", "accumulate_rows",
    "bayes_update", "row_of",
]

TOL = 1e-9
#: a remainder at or below this is dropped from its marginal's heap (float dust)
DUST = 1e-15


# --------------------------------------------------------------------------- information


def entropy(p) -> float:
    """Shannon entropy in bits of a distribution (any shape; zeros ignored); never -0.0."""
    q = np.asarray(p, dtype=float).ravel()
    q = q[q > 0]
    return float(-(q * np.log2(q)).sum()) + 0.0


joint_entropy = entropy


def binary_entropy(p: float) -> float:
    """h(p) = -p log2 p - (1-p) log2 (1-p)."""
    return entropy([p, 1.0 - p]) if 0.0 < p < 1.0 else 0.0


def mutual_information(joint) -> float:
    """I(A;B) in bits of a 2-D joint distribution p[a, b] (never negative)."""
    j = np.asarray(joint, dtype=float)
    if j.ndim != 2:
        raise ValueError(f"joint: need a 2-D array, got shape {j.shape}")
    return max(entropy(j.sum(axis=1)) + entropy(j.sum(axis=0)) - entropy(j), 0.0)


def check_marginal(p, name: str = "p") -> np.ndarray:
    """Return ``p`` as a float array after checking it is a distribution.

    Raises ``ValueError`` naming ``name`` when an entry is negative or not finite, or the
    sum is off 1 by more than 1e-9.
    """
    q = np.asarray(p, dtype=float)
    if q.ndim != 1 or q.size == 0:
        raise ValueError(f"{name}: need a non-empty 1-D distribution, got shape {q.shape}")
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        raise ValueError(f"{name}: entries must be finite and >= 0, got min {np.nanmin(q)!r}")
    if abs(q.sum() - 1.0) > TOL:
        raise ValueError(f"{name}: must sum to 1 within 1e-9, sums to {q.sum()!r}")
    return q


# --------------------------------------------------------------------------- greedy MEC


def greedy_mec_sparse(*marginals) -> tuple[np.ndarray, np.ndarray]:
    """Greedy minimum-entropy coupling (Kocaoglu et al. 2017), sparse output.

    Repeatedly: take the largest remaining mass of every marginal, put the smallest of
    those maxima ``m`` on the cell that joins them, and subtract ``m`` from each.  Each
    round empties at least one entry, so there are at most ``sum(n_i) - k + 1`` cells.
    One max-heap per marginal makes it O(N log N) for N = total support.

    Every entry with positive mass gets at least one cell, however small (the coupling
    exhausts every marginal): when rounding empties one marginal first, the others' last
    entries go to the cell of its last entry.  Returns ``(cells, masses)``: ``cells[r]`` is
    the index tuple of the r-th non-zero cell (int64, shape (r, k)), ``masses[r]`` its
    mass.  Ties go to the lower index.
    """
    if len(marginals) < 2:
        raise ValueError(f"marginals: need at least 2, got {len(marginals)}")
    ps = [check_marginal(p, f"marginals[{i}]") for i, p in enumerate(marginals)]
    return greedy_core(ps)


def greedy_core(ps) -> tuple[np.ndarray, np.ndarray]:
    """:func:`greedy_mec_sparse` without the input checks (the hot path of the coding game):
    the numba kernel when numba is installed, else :func:`greedy_core_numpy`."""
    kernels = _KERNELS[0] if _KERNELS else _numba()
    if kernels is None or _KERNELS[1]:
        return greedy_core_numpy(ps)
    if len(ps) == 2:
        p, q = ps
        if type(p) is not np.ndarray or p.dtype != np.float64:
            p = np.asarray(p, dtype=np.float64)
        if type(q) is not np.ndarray or q.dtype != np.float64:
            q = np.asarray(q, dtype=np.float64)
        return kernels.greedy_pair(p, q)
    return _run_kernel(kernels.greedy_kernel, ps)


def greedy_core_numpy(ps) -> tuple[np.ndarray, np.ndarray]:
    """The pure-Python/numpy greedy (``heapq``, one heap per marginal): the fallback and the
    reference the numba kernel is tested against, cell for cell."""
    heaps = []
    for p in ps:
        h = [(-v, i) for i, v in enumerate(np.asarray(p, dtype=float).tolist()) if v > 0]
        heapq.heapify(h)
        heaps.append(h)
    k = len(heaps)
    if not all(heaps):
        return np.zeros((0, k), dtype=np.int64), np.zeros(0)
    last = [h[0][1] for h in heaps]
    cells: list[tuple[int, ...]] = []
    masses: list[float] = []
    while any(heaps):
        tops = [h[0] if h else None for h in heaps]
        m = min(-t[0] for t in tops if t is not None)
        cell = []
        for r, t in enumerate(tops):
            if t is not None:
                last[r] = t[1]
            cell.append(last[r])
        cells.append(tuple(cell))
        masses.append(m)
        for h, t in zip(heaps, tops):
            if t is None:
                continue
            rest = -t[0] - m
            if rest > DUST:
                heapq.heapreplace(h, (-rest, t[1]))
            else:
                heapq.heappop(h)
    return np.asarray(cells, dtype=np.int64).reshape(-1, k), np.asarray(masses, dtype=float)


def greedy_core_numba(ps) -> tuple[np.ndarray, np.ndarray]:
    """The numba-compiled greedy (same cells and masses as :func:`greedy_core_numpy`);
    ``ImportError`` without numba."""
    kernels = _numba(force=True)
    if kernels is None:
        raise ImportError("numba is not installed: pip install 'papergym[coding]'")
    return _run_kernel(kernels.greedy_kernel, ps)


def numba_available() -> bool:
    """Whether :func:`greedy_core` runs compiled (numba importable and not disabled by the
    environment variable ``PAPERGYM_NO_NUMBA=1``, read once)."""
    return _numba() is not None


def accumulate_rows(cells: np.ndarray, masses: np.ndarray, n_rows: int,
                    weights: np.ndarray) -> np.ndarray:
    """acc[i] = sum over the cells (i, a) of mass * weights[a], summed in cell order: the
    receiver's Bayes update on a coupling (compiled where numba is; the same numbers
    either way)."""
    kernels = _numba()
    if kernels is None:
        return np.bincount(cells[:, 0], weights=masses * weights[cells[:, 1]],
                           minlength=n_rows).astype(float)
    return kernels.accumulate_rows(cells, masses, n_rows, weights)


def bayes_update(codes: np.ndarray, cells: np.ndarray, masses: np.ndarray,
                 weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of :func:`accumulate_rows` (one per entry of ``codes``) that stay positive:
    ``(codes[kept], masses of the kept rows)``, unnormalised."""
    kernels = _numba()
    if kernels is None:
        acc = accumulate_rows(cells, masses, codes.size, weights)
        kept = np.flatnonzero(acc > 0)
        return codes[kept], acc[kept]
    return kernels.bayes_update(codes, cells, masses, weights)


def row_of(cells: np.ndarray, masses: np.ndarray, row: int, n_cols: int) -> np.ndarray:
    """out[a] = sum over the cells (row, a) of mass, in cell order: one row of a sparse
    coupling (the sender's action distribution before normalising)."""
    kernels = _numba()
    if kernels is None:
        mine = cells[:, 0] == row
        return np.bincount(cells[mine, 1], weights=masses[mine], minlength=n_cols).astype(float)
    return kernels.row_of(cells, masses, row, n_cols)


def _run_kernel(kernel, ps):
    arrays = [np.ascontiguousarray(p, dtype=np.float64) for p in ps]
    sizes = np.array([a.size for a in arrays], dtype=np.int64)
    flat = np.concatenate(arrays) if arrays else np.zeros(0)
    cells, masses, n = kernel(flat, sizes)
    return cells[:n], masses[:n]


_KERNELS: list = []  # [module or None, disabled by the environment], filled on first use


def _numba(force: bool = False):
    if not _KERNELS:
        try:
            from papergym.envs.coding import _mec_numba
        except ImportError:
            _mec_numba = None
        _KERNELS.extend([_mec_numba,
                         os.environ.get("PAPERGYM_NO_NUMBA", "") not in ("", "0")])
    if _KERNELS[1] and not force:
        return None
    return _KERNELS[0]


def greedy_mec(*marginals) -> np.ndarray:
    """Dense greedy coupling of two or more marginals (see :func:`greedy_mec_sparse`).

    >>> greedy_mec([.5, .5], [.5, .5]).tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    cells, masses = greedy_mec_sparse(*marginals)
    joint = np.zeros(tuple(len(p) for p in marginals))
    np.add.at(joint, tuple(cells.T), masses)
    return joint


def zero_seeking_mec(p, q) -> np.ndarray:
    """A "zero-seeking" greedy variant for two marginals (Ebrahimi et al., Table 1): take
    the largest remaining mass ``a`` of either marginal and match it with the entry of the
    other that it can empty with the least left over (the smallest entry >= ``a``; if none,
    the largest entry).  Our reading of a rule the paper does not spell out (docs/coding.md).
    O(N^2) for N = total support."""
    a = check_marginal(p, "p").copy()
    b = check_marginal(q, "q").copy()
    joint = np.zeros((a.size, b.size))
    while a.max() > DUST and b.max() > DUST:
        if a.max() >= b.max():
            i = int(a.argmax())
            j = _least_leftover(b, a[i])
        else:
            j = int(b.argmax())
            i = _least_leftover(a, b[j])
        m = min(a[i], b[j])
        joint[i, j] += m
        a[i] -= m
        b[j] -= m
    return joint


def _least_leftover(v: np.ndarray, need: float) -> int:
    big = np.flatnonzero(v >= need - DUST)
    if big.size:
        return int(big[np.argmin(v[big])])
    return int(v.argmax())


def independent_coupling(*marginals) -> np.ndarray:
    """The product distribution (maximum joint entropy): the table's "independent joint"."""
    ps = [check_marginal(p, f"marginals[{i}]") for i, p in enumerate(marginals)]
    joint = ps[0]
    for p in ps[1:]:
        joint = np.multiply.outer(joint, p)
    return joint
