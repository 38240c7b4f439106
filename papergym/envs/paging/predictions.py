"""The predictions of Paging-v0: the paper's two kinds of one-bit predictions, next-arrival
predictions (beyond the paper), and how the env corrupts them.

One polarity for both bit kinds: **1 means "safe to evict"** (see ``docs/paging.md``).

* **discard** bit of request ``t`` (the paper's discard predictions): 1 when the fixed
  optimal offline algorithm, here Belady's FitF
  (:func:`papergym.envs.paging.belady.belady`), evicts page ``seq[t]`` before its next
  request, or the page is never requested again; else 0.
* **phase** bit of request ``t`` (the paper's phase predictions): the sequence is cut
  into Marker's k-phases (a phase is a maximal run holding ``k`` distinct pages; the
  request of the ``(k+1)``-th distinct page opens the next phase); the bit is 1 when page
  ``seq[t]`` is *not* requested in the phase after the one containing ``t`` (1 in the
  last phase), else 0.
* **next_arrival** prediction of request ``t`` (Lykouris & Vassilvitskii's predictor,
  not in the paper): the index of the next request of page ``seq[t]``, or ``T`` when
  there is none.

Errors of bits: ``eta0`` = requests predicted 0 ("keep") whose true bit is 1 (truly
evictable); ``eta1`` = predicted 1 ("safe to evict") whose true bit is 0 (truly needed).
``prediction_error = eta0 + eta1``.  Errors of next-arrival predictions: the number of
wrong predictions and ``eta_l1``, the sum of absolute differences (Lykouris &
Vassilvitskii's error).
"""

from __future__ import annotations

import numpy as np

from papergym.envs.paging.belady import next_use

__all__ = ["phase_partition", "phase_bits", "next_arrivals", "corrupt", "corrupt_arrivals",
           "prediction_errors", "arrival_errors", "ADVERSARIAL_TARGET"]

#: In adversarial mode the budget of flips goes to true bits of this value: a truly
#: evictable page is shown as one to keep (1 -> 0), the error type that costs the paper's
#: algorithms most (the eta0 term of both bounds).  The same for both bit kinds.
ADVERSARIAL_TARGET = 1


def phase_partition(seq: np.ndarray, k: int) -> np.ndarray:
    """Phase index of every request (the k-distinct-pages partition, phases from 0)."""
    requests = np.asarray(seq).tolist()
    starts = [0]  # index of the first request of every phase
    current: set = set()  # the distinct pages of the phase under way
    for t, p in enumerate(requests):
        if p not in current:
            if len(current) == k:
                starts.append(t)
                current = set()
            current.add(p)
    lengths = np.diff(np.append(starts, len(requests)))
    return np.repeat(np.arange(len(starts)), lengths)


def phase_bits(seq: np.ndarray, k: int, phase: np.ndarray | None = None) -> np.ndarray:
    """True phase bits: 1 ("safe to evict") iff the requested page is *not* requested in
    the next phase.  ``phase`` (optional) is the partition to use, as from
    :func:`phase_partition`; it saves recomputing it.

    One backward pass: if the next request of the page lies in the same phase, the bit is
    that request's; if it lies in the next phase, 0; otherwise (later phase, or never) 1.
    """
    phase = phase_partition(seq, k) if phase is None else phase
    ph, nx = phase.tolist(), next_use(seq).tolist()
    T = len(ph)
    safe = [1] * T
    for t in reversed(range(T)):
        n = nx[t]
        if n < T:
            if ph[n] == ph[t]:
                safe[t] = safe[n]
            elif ph[n] == ph[t] + 1:
                safe[t] = 0
    return np.array(safe, dtype=np.int8)


def next_arrivals(nxt: np.ndarray) -> np.ndarray:
    """True next-arrival times from :func:`next_use`: the next request's index, ``T`` if none."""
    nxt = np.asarray(nxt, dtype=np.int64)
    return np.minimum(nxt, len(nxt))


def corrupt(true_bits: np.ndarray, rng: np.random.Generator, *, noise0: float, noise1: float,
            mode: str = "random", budget: int = 0,
            nxt: np.ndarray | None = None) -> np.ndarray:
    """Predicted bits from true bits.

    ``mode="random"``: each true 0-bit flips independently with probability ``noise0``,
    each true 1-bit with probability ``noise1`` (one uniform draw per request, from
    ``rng``, in request order).

    ``mode="adversarial"``: exactly ``min(budget, #candidates)`` flips, no randomness.
    The candidates are the requests whose true bit is 1 (truly safe to evict), shown as 0
    ("keep"): the flips hide evictable pages, the error type (eta0) the paper's bounds
    charge most.  Among them, the requests whose page is next requested furthest in the
    future are flipped first (never-again requests rank furthest, the latest of them
    first; see ``next_use``): those pages would clog the cache longest.
    """
    true_bits = np.asarray(true_bits, dtype=np.int8)
    if mode == "random":
        u = rng.random(len(true_bits))
        flip = u < np.where(true_bits == 1, noise1, noise0)
        return (true_bits ^ flip).astype(np.int8)
    if nxt is None:
        raise ValueError("nxt (next-use times) is needed for adversarial corruption")
    out = true_bits.copy()
    out[_furthest_first(np.flatnonzero(true_bits == ADVERSARIAL_TARGET), nxt)[
        : max(0, int(budget))]] ^= 1
    return out


def _furthest_first(candidates: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """``candidates`` ordered by next use, furthest first (next-use times are unique)."""
    return candidates[np.lexsort((candidates, -nxt[candidates]))]


def corrupt_arrivals(true_next: np.ndarray, rng: np.random.Generator, *, noise: float,
                     mode: str = "random", budget: int = 0,
                     nxt: np.ndarray | None = None) -> np.ndarray:
    """Predicted next-arrival times from true ones (``true_next[t]`` in ``[t+1, T]``).

    ``mode="random"``: each prediction is wrong independently with probability ``noise``:
    it is replaced by a time drawn uniformly from the *other* possible values in
    ``[t+1, T]`` (``T`` = never again); the last request's prediction (only ``T`` is
    possible) is never wrong.  One uniform draw per request for the decision and one per
    request for the value, from ``rng``.

    ``mode="adversarial"``: exactly ``min(budget, #candidates)`` wrong predictions, no
    randomness.  The candidates are the requests whose page does not return at once
    (true time above ``t+1``); those whose page is next requested furthest in the future
    are predicted to return at once (``t+1``), hiding the pages an optimal algorithm would
    evict first.
    """
    true_next = np.asarray(true_next, dtype=np.int64)
    T = len(true_next)
    t = np.arange(T)
    out = true_next.copy()
    if mode == "random":
        wrong = rng.random(T) < noise
        span = T - t - 1  # number of other values in [t+1, T]
        value = t + 1 + np.floor(rng.random(T) * span).astype(np.int64)
        value += value >= true_next  # skip the true value
        wrong &= span > 0
        out[wrong] = value[wrong]
        return out
    if nxt is None:
        raise ValueError("nxt (next-use times) is needed for adversarial corruption")
    candidates = np.flatnonzero(true_next > t + 1)
    chosen = _furthest_first(candidates, nxt)[: max(0, int(budget))]
    out[chosen] = chosen + 1
    return out


def prediction_errors(true_bits: np.ndarray, predicted: np.ndarray) -> tuple[int, int]:
    """``(eta0, eta1)``: predicted 0 but truly 1, and predicted 1 but truly 0."""
    true_bits = np.asarray(true_bits)
    predicted = np.asarray(predicted)
    eta0 = int(np.count_nonzero((predicted == 0) & (true_bits == 1)))
    eta1 = int(np.count_nonzero((predicted == 1) & (true_bits == 0)))
    return eta0, eta1


def arrival_errors(true_next: np.ndarray, predicted: np.ndarray) -> tuple[int, int]:
    """``(wrong, eta_l1)``: wrong next-arrival predictions, and the sum of absolute errors."""
    diff = np.abs(np.asarray(predicted, dtype=np.int64) - np.asarray(true_next, dtype=np.int64))
    return int(np.count_nonzero(diff)), int(diff.sum())
