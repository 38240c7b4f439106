"""Entropy-bounded information maximisation (EBIM): the encoders of MEC-B, in bits.

Paper: Ebrahimi, Chen, Khisti, "Minimum Entropy Coupling with Bottleneck", NeurIPS 2024
(arXiv 2410.21666): the greedy deterministic encoder (:func:`ebim_greedy`, Algorithm 1;
gap <= h(p2), Theorem 2), the refinement near a deterministic map (:func:`ebim_refine`,
Theorem 3), the MEC decoder (:func:`mec_decoder`) and the uniform-quantiser baseline
(:func:`uniform_quantizer`).  Beyond the paper: :func:`ebim_exact` (every deterministic map,
n <= 9) and :func:`ebim_best_of_chains` (several merge chains, the greedy's among them).
Our readings of what the paper leaves open are in ``docs/coding.md``.

Deterministic encoders are label vectors ``labels[x] = t`` (O(n) memory);
:func:`deterministic_joint` makes the dense p_XT when one is needed (small n only).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from papergym.envs.coding.mec import check_marginal, entropy, greedy_mec, mutual_information

__all__ = [
    "EncoderChain", "deterministic_joint", "ebim_greedy", "ebim_refine", "ebim_encoder",
    "ebim_exact", "ebim_best_of_chains", "CHAINS", "uniform_quantizer", "mec_decoder",
    "set_partitions", "labels_rate",
]


def deterministic_joint(p_x, labels, n_codes: int | None = None) -> np.ndarray:
    """p_XT of the deterministic map T = labels[X]."""
    p = np.asarray(p_x, dtype=float)
    labels = np.asarray(labels, dtype=np.int64)
    joint = np.zeros((p.size, int(n_codes or labels.max() + 1)))
    joint[np.arange(p.size), labels] = p
    return joint


@dataclass(frozen=True)
class EncoderChain:
    """The chain of deterministic maps visited by :func:`ebim_greedy`.

    ``order``: the messages sorted by decreasing mass (ties by index).  Map ``k`` keeps
    the ``n - k`` most likely messages as their own codes and sends the ``k`` least likely
    ones to the code of the most likely message.  ``rates[k]`` = H(g_k(X)), decreasing
    in k; map ``n-1`` is constant.
    """

    p_x: np.ndarray
    order: np.ndarray
    rates: np.ndarray

    def labels(self, k: int) -> np.ndarray:
        """Codes of map ``k``: message ``order[r]`` gets code ``r`` for r < n - k, else 0."""
        n = self.p_x.size
        codes = np.where(np.arange(n) < n - k, np.arange(n), 0)
        out = np.empty(n, dtype=np.int64)
        out[self.order] = codes
        return out

    def best_index(self, rate: float) -> int:
        """The map with the largest H(g(X)) <= rate (the first one on the chain)."""
        return int(np.argmax(self.rates <= rate + 1e-12))


def ebim_greedy(p_x, rate: float) -> tuple[np.ndarray, float]:
    """Deterministic EBIM solver (Ebrahimi et al. 2024, Algorithm 1), O(n log n).

    Starting from the identity map T = X, merge the least likely remaining singleton column
    into the column of the most likely message, one at a time, and return the map with the
    largest H(g(X)) <= ``rate`` on the way (I(X;T) = H(g(X))).  Every merge lowers H(T) by
    at most h(p_2), which gives Theorem 2's guarantee R - H(g(X)) <= h(p_2).  The chain
    visits n of the deterministic maps only, so it can stop well below R
    (:func:`ebim_exact`, :func:`ebim_best_of_chains`); the merge rule is our reading of the
    paper (docs/coding.md).

    Returns ``(labels, H(g(X)))`` with codes 0..K-1.
    """
    p = check_marginal(p_x, "p_x")
    if not np.isfinite(rate) or rate < 0:
        raise ValueError(f"rate: must be a finite number >= 0 bits, got {rate!r}")
    chain = _chain(p)
    k = chain.best_index(rate)
    return chain.labels(k), float(chain.rates[k])


def _chain(p: np.ndarray) -> EncoderChain:
    order = np.lexsort((np.arange(p.size), -p))
    s = p[order]
    n = s.size
    # rate of map k: first column holds s[0] + s[n-k:], the rest s[1:n-k] are singletons
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(s > 0, -s * np.log2(s), 0.0)
    tail_mass = np.concatenate([[0.0], np.cumsum(s[::-1])[: n - 1]])  # k = 0..n-1
    tail_ent = np.concatenate([[0.0], np.cumsum(plogp[::-1])[: n - 1]])
    head = s[0] + tail_mass
    with np.errstate(divide="ignore", invalid="ignore"):
        head_term = np.where(head > 0, -head * np.log2(head), 0.0)
    singles = plogp[1:].sum() - tail_ent
    singles[0] = plogp[1:].sum()
    rates = np.maximum(head_term + singles, 0.0)
    rates[-1] = 0.0
    return EncoderChain(p, order, rates)


def ebim_refine(p_x, rate: float, maps: str = "greedy") -> np.ndarray:
    """Greedy deterministic maps refined to H(T) = ``rate`` (Ebrahimi et al., Theorem 3).

    Near a deterministic map g with rate R_g the optimal couplings are obtained by moving
    a small mass inside one row of p_XT:

    * R_g + eps: normalise the columns (p(x|t)), take the cell with the smallest
      normalised value and move mass from it to a new, empty column;
    * R_g - eps: take the smallest cell of the lowest-sum column and move mass from it to
      the highest-sum column.

    We apply the first move to the greedy map just below ``rate`` and the second to the
    one just above, choose the moved mass by bisection so that H(T) = ``rate``, and return
    whichever p_XT has the larger I(X;T) (the upper envelope of the paper's Figure 2).
    If the upward move cannot reach ``rate`` within its cell it is kept at its largest
    (still feasible) mass; a downward move that cannot get below ``rate`` is dropped.

    ``maps="all"`` applies the two moves to every deterministic map instead (all set
    partitions; n <= 9), which is how the paper draws its Figure 2 for p_X = [.7, .2, .1].
    """
    p = check_marginal(p_x, "p_x")
    if not np.isfinite(rate) or rate < 0:
        raise ValueError(f"rate: must be a finite number >= 0 bits, got {rate!r}")
    if maps == "all":
        return _refine_all(p, rate)
    if maps != "greedy":
        raise ValueError(f"maps: 'greedy' or 'all', got {maps!r}")
    chain = _chain(p)
    k = chain.best_index(rate)
    below = deterministic_joint(p, chain.labels(k), p.size)
    candidates = [below]
    if chain.rates[k] < rate - 1e-12:
        up = _move_up(below, rate)
        if up is not None:
            candidates.append(up)
        if k > 0:
            down = _move_down(deterministic_joint(p, chain.labels(k - 1), p.size), rate)
            if down is not None:
                candidates.append(down)
    best = max(candidates, key=mutual_information)
    return best[:, best.sum(axis=0) > 0]


def _refine_all(p: np.ndarray, rate: float) -> np.ndarray:
    if p.size > 9:
        raise ValueError(f"p_x: maps='all' enumerates set partitions, n <= 9, got n={p.size}")
    best, best_info = None, -1.0
    for labels in set_partitions(p.size):
        joint = deterministic_joint(p, labels, p.size)
        h = entropy(joint.sum(axis=0))
        moved = [joint] if h <= rate + 1e-12 else []
        moved.append(_move_up(joint, rate) if h <= rate + 1e-12 else _move_down(joint, rate))
        for cand in moved:
            if cand is not None and mutual_information(cand) > best_info:
                best, best_info = cand, mutual_information(cand)
    return best[:, best.sum(axis=0) > 0]


def set_partitions(n: int):
    """Every map g: {0..n-1} -> codes up to renaming, one per set partition of n items
    (restricted growth strings): the deterministic encoders an exhaustive search visits."""
    def grow(prefix, top):
        if len(prefix) == n:
            yield np.array(prefix)
            return
        for c in range(top + 2):
            yield from grow(prefix + [c], max(top, c))
    yield from grow([0], 0)


def _bisect_mass(joint, src, dst, target: float, hi: float, increasing: bool):
    def rate_after(d):
        j = joint.copy()
        j[src] -= d
        j[dst] += d
        return entropy(j.sum(axis=0)), j

    r_hi, j_hi = rate_after(hi)
    if increasing and r_hi < target:
        return j_hi  # the whole move stays below the rate: feasible, keep it
    if not increasing and r_hi > target:
        return None
    lo = 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        r, _ = rate_after(mid)
        if (r < target) == increasing:
            lo = mid
        else:
            hi = mid
    return rate_after(hi)[1]


def _move_up(joint: np.ndarray, target: float):
    col = joint.sum(axis=0)
    used = np.flatnonzero(col > 0)
    empty = np.flatnonzero(col == 0)
    if not empty.size:
        return None
    cond = np.where(joint[:, used] > 0, joint[:, used] / col[used], np.inf)
    x, c = np.unravel_index(np.argmin(cond), cond.shape)
    t = used[c]
    # H(T) grows with the moved mass while the new column is the lighter part
    hi = min(joint[x, t], col[t] / 2)
    return _bisect_mass(joint, (x, t), (x, empty[0]), target, hi, increasing=True)


def _move_down(joint: np.ndarray, target: float):
    col = joint.sum(axis=0)
    used = np.flatnonzero(col > 0)
    if used.size < 2:
        return None
    low = used[np.argmin(col[used])]
    high = used[np.argmax(col[used])]
    rows = np.flatnonzero(joint[:, low] > 0)
    x = rows[np.argmin(joint[rows, low])]
    return _bisect_mass(joint, (x, low), (x, high), target, joint[x, low], increasing=False)


def ebim_encoder(p_x, rate: float, refine: bool = False) -> np.ndarray:
    """Dense p_XT of the MEC-B encoder at ``rate``: Algorithm 1, optionally refined
    (Theorem 3).  n x n floats: for large n use the labels of :func:`ebim_greedy`."""
    if refine:
        return ebim_refine(p_x, rate)
    labels, _ = ebim_greedy(p_x, rate)
    return deterministic_joint(p_x, labels)


def labels_rate(p_x, labels) -> float:
    """H(g(X)) of the deterministic map ``labels`` (= I(X; g(X)))."""
    return entropy(np.bincount(np.asarray(labels, dtype=np.int64), weights=p_x))


def _check_rate(rate) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) \
            or not np.isfinite(rate) or rate < 0:
        raise ValueError(f"rate: must be a finite number >= 0 bits, got {rate!r}")
    return float(rate)


def ebim_exact(p_x, rate: float) -> tuple[np.ndarray, float]:
    """The best deterministic encoder: max H(g(X)) <= ``rate`` over every map g (every set
    partition of the messages, Bell(n) of them), so n <= 9.  By Theorem 1 of the paper the
    EBIM optimum is ``rate`` exactly when this returns ``rate``.  Returns ``(labels, H)``."""
    p = check_marginal(p_x, "p_x")
    rate = _check_rate(rate)
    if p.size > 9:
        raise ValueError(f"p_x: ebim_exact enumerates set partitions, n <= 9, got n={p.size}")
    best, best_h = np.zeros(p.size, dtype=np.int64), 0.0
    for labels in set_partitions(p.size):
        h = labels_rate(p, labels)
        if best_h < h <= rate + 1e-12:
            best, best_h = labels.astype(np.int64), h
    return best, best_h


def _plogp(x: float) -> float:
    return -x * np.log2(x) if x > 0 else 0.0


def _merge_chain(p: np.ndarray, rule: str, rate: float) -> tuple[np.ndarray, float]:
    """Walk one merge chain from the identity map down and return the first map with
    H <= ``rate``.  ``rule``: ``"huffman"`` merges the two lightest columns,
    ``"heavy-pair"`` the two heaviest, ``"second-head"`` the lightest column into the column
    of the second most likely message.  Columns are kept in heaps; H is updated in O(1)."""
    n = p.size
    parent = np.arange(n)
    mass = p.astype(float).copy()
    h = float(sum(_plogp(v) for v in p))
    live = [i for i in range(n) if p[i] > 0]
    if rule == "huffman":
        heap = [(float(p[i]), i) for i in live]
    elif rule == "heavy-pair":
        heap = [(-float(p[i]), i) for i in live]
    elif rule == "second-head":
        order = sorted(live, key=lambda i: (-p[i], i))
        head = order[1] if len(order) > 1 else order[0]
        heap = [(float(p[i]), i) for i in live if i != head]
    else:
        raise ValueError(f"rule: 'huffman', 'heavy-pair' or 'second-head', got {rule!r}")
    heapq.heapify(heap)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    while h > rate + 1e-12 and heap:
        if rule == "second-head":
            _, a = heapq.heappop(heap)
            b = head
        else:
            if len(heap) < 2:
                break
            _, a = heapq.heappop(heap)
            _, b = heapq.heappop(heap)
        merged = mass[a] + mass[b]
        h += _plogp(merged) - _plogp(mass[a]) - _plogp(mass[b])
        parent[a], mass[b], mass[a] = b, merged, 0.0
        if rule == "huffman":
            heapq.heappush(heap, (merged, b))
        elif rule == "heavy-pair":
            heapq.heappush(heap, (-merged, b))
    labels = np.unique(np.array([root(i) for i in range(n)]), return_inverse=True)[1]
    labels = labels.astype(np.int64)
    h = labels_rate(p, labels)
    if h > rate + 1e-12:  # rounding in the running entropy: fall back to the constant map
        labels, h = np.zeros(n, dtype=np.int64), 0.0
    return labels, h


#: the chains :func:`ebim_best_of_chains` walks (``"greedy"`` is Algorithm 1's)
CHAINS = ("greedy", "huffman", "heavy-pair", "second-head")


def ebim_best_of_chains(p_x, rate: float, chains=CHAINS) -> tuple[np.ndarray, float]:
    """The best of several deterministic merge chains at ``rate`` (beyond the paper).

    Each chain merges columns one at a time from the identity map and stops at its first
    map with H(g(X)) <= ``rate``; the greedy chain of Algorithm 1 is always among them, so
    the result keeps Theorem 2's guarantee (R - H <= h(p_2)) and is never worse than
    :func:`ebim_greedy`.  O(n log n) per chain.  Returns ``(labels, H)``."""
    p = check_marginal(p_x, "p_x")
    rate = _check_rate(rate)
    best = ebim_greedy(p, rate)
    for rule in chains:
        if rule == "greedy":
            continue
        cand = _merge_chain(p, rule, rate)
        if cand[1] > best[1]:
            best = cand
    return best


def uniform_quantizer(p_x, rate: float) -> tuple[np.ndarray, float]:
    """The conventional-compression baseline of the paper (its uniform quantiser; our
    reading: docs/coding.md).

    Split the message indices 0..n-1 into K contiguous bins of (nearly) equal size and
    send the bin; of the K with H(T) <= ``rate``, the one with the largest H(T) (not
    always the largest K: for a non-uniform prior H(T) need not grow with K).  Bin masses
    come from prefix sums, O(K) per K.  Returns ``(labels, H(T))``.
    """
    p = check_marginal(p_x, "p_x")
    rate = _check_rate(rate)
    n = p.size
    csum = np.concatenate([[0.0], np.cumsum(p)])
    best_k, best_h = 1, 0.0
    for k in range(2, n + 1):
        # bin j holds the x with (x * k) // n == j: x in [ceil(j n / k), ceil((j+1) n / k))
        edges = -((-np.arange(k + 1) * n) // k)
        masses = np.diff(csum[edges])
        masses = masses[masses > 0]
        h = float(-(masses * np.log2(masses)).sum()) + 0.0
        if h <= rate + 1e-12 and h >= best_h:
            best_k, best_h = k, h
    labels = (np.arange(n) * best_k) // n if best_k > 1 else np.zeros(n, dtype=np.int64)
    return labels.astype(np.int64), labels_rate(p, labels)


def mec_decoder(p_t, p_y) -> np.ndarray:
    """The MEC-B decoder q(Y|T): the greedy coupling of p_T and p_Y, rows normalised.

    Rows of codes with zero mass are left uniform.
    """
    joint = greedy_mec(p_t, p_y)
    rows = joint.sum(axis=1, keepdims=True)
    out = np.full_like(joint, 1.0 / joint.shape[1])
    np.divide(joint, rows, out=out, where=rows > 0)
    return out
