"""Belady's offline optimum (Furthest-in-the-Future, FitF) in O(T log k).

FitF evicts, at each fault with a full cache, the cached page whose next request is
furthest in the future; it minimises the number of faults (Belady 1966).  Besides the
fault count, the run yields the paper's *discard* bits: the bit of request ``t`` is 1 when
FitF evicts page ``seq[t]`` before its next request, or when the page is never requested
again (Antoniadis et al., ICML 2023, arXiv 2210.02775, the definition of discard
predictions with the fixed optimal algorithm being FitF).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

__all__ = ["BeladyRun", "belady", "belady_heap", "belady_scan", "next_use", "SCAN_MAX_K"]


def next_use(seq: np.ndarray) -> np.ndarray:
    """``next_use[t]``: index of the next request of page ``seq[t]`` after ``t``.

    A page that is never requested again gets ``T + t`` (unique, and larger than every
    real index), so "never again" ranks furthest and ties break deterministically.
    """
    seq = np.asarray(seq, dtype=np.int64)
    T = len(seq)
    out = T + np.arange(T, dtype=np.int64)
    order = np.argsort(seq, kind="stable")
    same = seq[order[:-1]] == seq[order[1:]]
    out[order[:-1][same]] = order[1:][same]
    return out


@dataclass(frozen=True)
class BeladyRun:
    faults: int
    discard_bits: np.ndarray  # int8, one per request


SCAN_MAX_K = 32  # up to this cache size a C-level max over k keys beats a heap


def belady(seq: np.ndarray, k: int, nxt: np.ndarray | None = None) -> BeladyRun:
    """Run FitF with a cache of ``k`` pages on ``seq`` (starting empty).

    For ``k > SCAN_MAX_K`` a priority queue of next-use times (:func:`belady_heap`,
    O(T log k)); for small caches the victim is found by one ``max`` over the ``k`` keys
    (:func:`belady_scan`, O(T k) with k <= 32, i.e. O(T), and faster there because a hit
    is one list write instead of a heap push).  Both return identical runs (the victim,
    the page with the largest next-use time, is unique), which the tests check.
    ``nxt``: :func:`next_use` of ``seq`` if the caller has it already.
    """
    return (belady_scan if k <= SCAN_MAX_K else belady_heap)(seq, k, nxt)


def belady_scan(seq: np.ndarray, k: int, nxt: np.ndarray | None = None) -> BeladyRun:
    """FitF with the cache as ``k`` slots of next-use keys; the victim is ``max(keys)``."""
    seq = np.asarray(seq, dtype=np.int64)
    T = len(seq)
    nxt_arr = next_use(seq) if nxt is None else np.asarray(nxt)
    n = int(seq.max()) + 1 if T else 0
    slot_of = [-1] * n  # slot of each cached page, -1 if not cached
    keys: list[int] = []  # next-use key of the page in each slot
    page_in: list[int] = []  # page in each slot
    evicted: list[int] = []  # next-use keys of the pages FitF evicted
    faults, size = 0, 0
    for p, key in zip(seq.tolist(), nxt_arr.tolist()):
        s = slot_of[p]
        if s < 0:
            faults += 1
            if size < k:
                s = size
                size += 1
                keys.append(0)
                page_in.append(p)
            else:
                victim = max(keys)
                s = keys.index(victim)
                slot_of[page_in[s]] = -1
                evicted.append(victim)
                page_in[s] = p
            slot_of[p] = s
        keys[s] = key
    return BeladyRun(faults=faults, discard_bits=_discard_bits(nxt_arr, evicted))


def _discard_bits(nxt: np.ndarray, evicted_keys: list[int]) -> np.ndarray:
    """Bit 1 for the requests never followed by another of their page, and for those
    whose page FitF evicted before its next request.  An evicted page is named by its
    next-use key, i.e. the index of its next request: the request before that one, of
    the same page, is the one whose bit is set."""
    T = len(nxt)
    bits = np.zeros(T, dtype=np.int8)
    never = nxt >= T
    bits[never] = 1
    keys = np.asarray(evicted_keys, dtype=np.int64)
    keys = keys[keys < T]
    if keys.size:
        requested_before = np.empty(T, dtype=np.int64)
        requested_before[nxt[~never]] = np.flatnonzero(~never)
        bits[requested_before[keys]] = 1
    return bits


def belady_heap(seq: np.ndarray, k: int, nxt: np.ndarray | None = None) -> BeladyRun:
    """FitF with a max-heap of next-use keys, O(T log k).

    A max-heap keyed by next-use time holds the cached pages.  A hit raises its page's
    key; instead of a decrease-key, the new key is pushed and the stale entry is skipped
    when popped (an entry is live iff it equals its page's current key, which is unique
    because next-use times are request indices).  The heap is rebuilt from the ``k``
    live keys whenever it grows past ``4k + 16`` entries, so it stays O(k) and every
    operation costs O(log k): O(T log k) in all.
    """
    seq = np.asarray(seq, dtype=np.int64)
    T = len(seq)
    nxt_arr = next_use(seq) if nxt is None else np.asarray(nxt)
    nxt = nxt_arr.tolist()
    requests = seq.tolist()
    # a heap entry is the bare key -n: next-use times are unique and name their page
    # (request n is of that page; a never-again key T + t names request t)
    owner = requests + requests
    n = int(seq.max()) + 1 if T else 0
    key = [-1] * n  # current next-use key of each cached page, -1 if not cached
    cached: set[int] = set()
    heap: list[int] = []
    evicted: list[int] = []  # next-use keys of the pages FitF evicted
    faults, size = 0, 0
    limit = 4 * k + 16
    push, pop = heapq.heappush, heapq.heappop
    for p, n_t in zip(requests, nxt):
        if key[p] < 0:
            faults += 1
            if size == k:
                while True:
                    top = -pop(heap)
                    q = owner[top]
                    if key[q] == top:
                        break
                key[q] = -1
                cached.discard(q)
                evicted.append(top)
            else:
                size += 1
            cached.add(p)
        key[p] = n_t
        push(heap, -n_t)
        if len(heap) > limit:
            heap = [-key[q] for q in cached]
            heapq.heapify(heap)
    return BeladyRun(faults=faults, discard_bits=_discard_bits(nxt_arr, evicted))
