"""Request-sequence generators for Paging-v0.

Every generator has the signature ``gen(rng, k, n_pages, horizon, **params) -> int64 array``
of length ``horizon`` with values in ``[0, n_pages)``, and draws only from ``rng`` (the
env passes ``self.np_random``), so a seed fixes the sequence.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GENERATORS", "uniform", "zipf", "loop", "phased"]


def uniform(rng: np.random.Generator, k: int, n_pages: int, horizon: int, **_) -> np.ndarray:
    """Independent uniform requests over the universe (no locality: every policy is close)."""
    return rng.integers(0, n_pages, size=horizon, dtype=np.int64)


def zipf(rng: np.random.Generator, k: int, n_pages: int, horizon: int, *,
         zipf_alpha: float = 1.0, **_) -> np.ndarray:
    """Independent requests, page of popularity rank ``r`` (1-based) drawn with probability
    proportional to ``r**-zipf_alpha``; ranks are a random permutation of the pages."""
    weights = np.arange(1, n_pages + 1, dtype=np.float64) ** -float(zipf_alpha)
    cdf = np.cumsum(weights / weights.sum())
    ranks = np.minimum(np.searchsorted(cdf, rng.random(horizon), side="right"), n_pages - 1)
    return rng.permutation(n_pages).astype(np.int64)[ranks]


def loop(rng: np.random.Generator, k: int, n_pages: int, horizon: int, **_) -> np.ndarray:
    """A scan over ``k + 1`` pages, repeated: 0, 1, ..., k, 0, 1, ...

    The classic adversarial input for LRU and FIFO (they fault on every request) while
    Belady faults about once every ``k`` requests, so LRU's ratio tends to ``k``.
    The pages are a random choice of ``k + 1`` from the universe.
    """
    pages = rng.choice(n_pages, size=k + 1, replace=False).astype(np.int64)
    return pages[np.arange(horizon) % (k + 1)]


def phased(rng: np.random.Generator, k: int, n_pages: int, horizon: int, *,
           phase_length: int | None = None, **_) -> np.ndarray:
    """Phase-structured requests: a working set of ``k`` pages, of which a random number
    ``m`` in ``[1, k]`` is swapped for pages outside the set at each phase change.

    Each phase requests its ``m`` new pages, then every page of its working set once in
    random order, then ``phase_length`` (default ``k``) more requests drawn uniformly from
    the working set.  So each phase holds exactly ``k`` distinct pages, every boundary of
    the k-distinct-pages partition (Marker's phases) falls on a swap, and phase ``j`` has
    ``m_j`` new pages: the quantity Marker's analysis counts.
    """
    length = k if phase_length is None else int(phase_length)
    out = np.empty(horizon, dtype=np.int64)
    working = rng.choice(n_pages, size=k, replace=False).astype(np.int64)
    t = 0
    first = True
    while t < horizon:
        if first:
            head = working.copy()
            first = False
        else:
            m = int(rng.integers(1, k + 1))
            outside = np.setdiff1d(np.arange(n_pages, dtype=np.int64), working)
            new = rng.choice(outside, size=min(m, len(outside)), replace=False)
            working[rng.choice(k, size=len(new), replace=False)] = new
            head = new
        body = np.concatenate([rng.permutation(working), working[rng.integers(0, k, size=length)]])
        chunk = np.concatenate([head, body])[: horizon - t]
        out[t: t + len(chunk)] = chunk
        t += len(chunk)
    return out


GENERATORS = {"uniform": uniform, "zipf": zipf, "loop": loop, "phase": phased}
