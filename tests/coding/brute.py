"""Exhaustive references for small instances (tests only)."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from papergym.envs.coding.ebim import set_partitions
from papergym.envs.coding.mec import entropy


def exact_mec(p, q) -> float:
    """Minimum joint entropy over all couplings of p and q, by enumerating the vertices of
    the transportation polytope (entropy is concave, so a vertex is optimal).  A vertex is
    the unique solution on an acyclic support of n + m - 1 cells."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    n, m = p.size, q.size
    cells = [(i, j) for i in range(n) for j in range(m)]
    A = np.zeros((n + m, n * m))
    for k, (i, j) in enumerate(cells):
        A[i, k] = 1.0
        A[n + j, k] = 1.0
    b = np.concatenate([p, q])
    best = np.inf
    for support in combinations(range(n * m), n + m - 1):
        sub = A[:, support]
        if np.linalg.matrix_rank(sub) < n + m - 1:
            continue
        x, *_ = np.linalg.lstsq(sub, b, rcond=None)
        if np.all(x >= -1e-12) and np.allclose(sub @ x, b, atol=1e-10):
            best = min(best, entropy(np.clip(x, 0, None)))
    return best


def best_deterministic_rate(p, rate: float) -> float:
    """max H(g(X)) <= rate over every deterministic map g (exhaustive)."""
    p = np.asarray(p, float)
    best = 0.0
    for labels in set_partitions(p.size):
        h = entropy(np.bincount(labels, weights=p))
        if h <= rate + 1e-12:
            best = max(best, h)
    return best


def all_deterministic_rates(p) -> np.ndarray:
    p = np.asarray(p, float)
    return np.array([entropy(np.bincount(g, weights=p)) for g in set_partitions(p.size)])
