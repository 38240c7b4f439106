"""The paper's two kinds of one-bit predictions, and how Paging-v0 corrupts them.

Definitions (Antoniadis, Boyar, Eliáš, Favrholdt, Hoeksma, Larsen, Polak, Simon,
"Paging with Succinct Predictions", ICML 2023, arXiv 2210.02775):

* **discard** bit of request ``t``: 1 ("safe to evict") when the fixed optimal offline
  algorithm, here Belady's FitF (:func:`papergym.envs.paging.belady.belady`), evicts page
  ``seq[t]`` before its next request, or the page is never requested again; else 0.
* **phase** bit of request ``t``: the sequence is cut into phases as Marker's analysis
  does (a phase is a maximal run holding ``k`` distinct pages; the request of the
  ``(k+1)``-th distinct page opens the next phase); the bit is 1 when page ``seq[t]`` is
  requested in the phase after the one containing ``t``, else 0 (0 in the last phase).

Errors, as the paper counts them: ``eta0`` = requests whose *predicted* bit is 0 while the
true bit is 1; ``eta1`` = predicted 1, true 0.  ``prediction_error = eta0 + eta1``.
"""

from __future__ import annotations

import numpy as np

from papergym.envs.paging.belady import next_use

__all__ = ["phase_partition", "phase_bits", "corrupt", "prediction_errors", "ADVERSARIAL_TARGET"]

#: In adversarial mode the budget of flips goes to true bits of this value, the error type
#: that makes an evictable page look like a keeper (discard: 1 -> 0, phase: 0 -> 1).
ADVERSARIAL_TARGET = {"discard": 1, "phase": 0}


def phase_partition(seq: np.ndarray, k: int) -> np.ndarray:
    """Phase index of every request (the k-distinct-pages partition, phases from 0)."""
    requests = np.asarray(seq, dtype=np.int64).tolist()
    seen = [-1] * (max(requests, default=-1) + 1)  # phase in which each page was last seen
    starts = [0]  # index of the first request of every phase
    j, distinct = 0, 0
    for t, p in enumerate(requests):
        if seen[p] != j:
            distinct += 1
            if distinct > k:
                j, distinct = j + 1, 1
                starts.append(t)
            seen[p] = j
    lengths = np.diff(np.append(starts, len(requests)))
    return np.repeat(np.arange(len(starts), dtype=np.int64), lengths)


def phase_bits(seq: np.ndarray, k: int, phase: np.ndarray | None = None) -> np.ndarray:
    """True phase bits: 1 iff the requested page recurs in the next phase.

    One backward pass: if the next request of the page lies in the same phase, the answer
    is that request's; if it lies in the next phase, 1; otherwise 0.
    """
    seq = np.asarray(seq, dtype=np.int64)
    T = len(seq)
    phase = phase_partition(seq, k) if phase is None else phase
    nxt = next_use(seq)
    bits = np.zeros(T, dtype=np.int8)
    ph, nx = phase.tolist(), nxt.tolist()
    for t in range(T - 1, -1, -1):
        n = nx[t]
        if n < T:
            if ph[n] == ph[t]:
                bits[t] = bits[n]
            elif ph[n] == ph[t] + 1:
                bits[t] = 1
    return bits


def corrupt(true_bits: np.ndarray, rng: np.random.Generator, *, noise0: float, noise1: float,
            mode: str = "random", budget: int = 0, prediction: str = "discard",
            nxt: np.ndarray | None = None) -> np.ndarray:
    """Predicted bits from true bits.

    ``mode="random"``: each true 0-bit flips independently with probability ``noise0``,
    each true 1-bit with probability ``noise1`` (one uniform draw per request, from
    ``rng``, in request order).

    ``mode="adversarial"``: exactly ``min(budget, #candidates)`` flips, no randomness.
    The candidates are the requests whose true bit is ``ADVERSARIAL_TARGET[prediction]``
    (discard: true 1 shown as 0; phase: true 0 shown as 1), i.e. the flips hide evictable
    pages, the error type the paper's bounds charge most.  Among them, the requests whose
    page is next requested furthest in the future are flipped first (never-again requests
    rank furthest, the latest of them first; see ``next_use``): those pages would clog
    the cache longest.
    """
    true_bits = np.asarray(true_bits, dtype=np.int8)
    if mode == "random":
        u = rng.random(len(true_bits))
        flip = u < np.where(true_bits == 1, noise1, noise0)
        return (true_bits ^ flip).astype(np.int8)
    target = ADVERSARIAL_TARGET[prediction]
    candidates = np.flatnonzero(true_bits == target)
    if nxt is None:
        raise ValueError("nxt (next-use times) is needed for adversarial corruption")
    order = candidates[np.lexsort((candidates, -nxt[candidates]))]
    out = true_bits.copy()
    out[order[: max(0, int(budget))]] ^= 1
    return out


def prediction_errors(true_bits: np.ndarray, predicted: np.ndarray) -> tuple[int, int]:
    """``(eta0, eta1)``: wrong 0-predictions and wrong 1-predictions."""
    true_bits = np.asarray(true_bits)
    predicted = np.asarray(predicted)
    eta0 = int(np.count_nonzero((predicted == 0) & (true_bits == 1)))
    eta1 = int(np.count_nonzero((predicted == 1) & (true_bits == 0)))
    return eta0, eta1
