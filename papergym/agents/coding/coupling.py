"""Minimum-entropy coupling (MEC) and entropy-bounded information maximisation (EBIM), numpy only.

Papers:
- Kocaoglu, Dimakis, Vishwanath, Hassibi, "Entropic Causal Inference", AAAI 2017
  (arXiv 1611.04035): the greedy coupling of :func:`greedy_mec`.  Its gap to the optimum is
  at most log2(e)/e ~ 0.53 bit for two marginals and (1 + log2 e)/2 ~ 1.22 bits for any
  number (Compton, Katz, Qi, Greenewald, Kocaoglu, NeurIPS 2023, arXiv 2302.11838).
- Ebrahimi, Chen, Khisti, "Minimum Entropy Coupling with Bottleneck", NeurIPS 2024
  (arXiv 2410.21666): the EBIM encoder (:func:`ebim_greedy`, Algorithm 1; gap <= h(p2),
  Theorem 2), the refinement near a deterministic map (:func:`ebim_refine`, Theorem 3),
  the MEC decoder (:func:`mec_decoder`) and the uniform-quantiser baseline
  (:func:`uniform_quantizer`, their "Algorithm 5").

All entropies are in bits.  Joint distributions are dense ``ndarray`` s, one axis per
marginal; :func:`greedy_mec_sparse` returns the non-zero cells only, which is what the
Markov coding game needs at every step.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

__all__ = [
    "entropy", "binary_entropy", "mutual_information", "joint_entropy", "check_marginal",
    "greedy_mec", "greedy_mec_sparse", "greedy_core", "zero_seeking_mec", "independent_coupling",
    "EncoderChain", "ebim_greedy", "ebim_refine", "ebim_encoder", "uniform_quantizer",
    "deterministic_joint", "mec_decoder", "set_partitions",
]

TOL = 1e-9


# --------------------------------------------------------------------------- information


def entropy(p) -> float:
    """Shannon entropy in bits of a distribution (any shape; zeros ignored)."""
    q = np.asarray(p, dtype=float).ravel()
    q = q[q > 0]
    return float(-(q * np.log2(q)).sum())


joint_entropy = entropy


def binary_entropy(p: float) -> float:
    """h(p) = -p log2 p - (1-p) log2 (1-p)."""
    return entropy([p, 1.0 - p]) if 0.0 < p < 1.0 else 0.0


def mutual_information(joint) -> float:
    """I(A;B) in bits of a 2-D joint distribution p[a, b]."""
    j = np.asarray(joint, dtype=float)
    if j.ndim != 2:
        raise ValueError(f"joint: need a 2-D array, got shape {j.shape}")
    return entropy(j.sum(axis=1)) + entropy(j.sum(axis=0)) - entropy(j)


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


# --------------------------------------------------------------------------- MEC


def greedy_mec_sparse(*marginals) -> tuple[np.ndarray, np.ndarray]:
    """Greedy minimum-entropy coupling (Kocaoglu et al. 2017), sparse output.

    Repeatedly: take the largest remaining mass of every marginal, put the smallest of
    those maxima ``m`` on the cell that joins them, and subtract ``m`` from each.  Each
    round empties at least one entry, so there are at most ``sum(n_i) - k + 1`` cells.
    One max-heap per marginal makes it O(N log N) for N = total support.

    Returns ``(cells, masses)``: ``cells[r]`` is the index tuple of the r-th non-zero
    cell (int64, shape (r, k)), ``masses[r]`` its mass.  Ties go to the lower index.
    """
    if len(marginals) < 2:
        raise ValueError(f"marginals: need at least 2, got {len(marginals)}")
    ps = [check_marginal(p, f"marginals[{i}]") for i, p in enumerate(marginals)]
    return greedy_core(ps)


def greedy_core(ps) -> tuple[np.ndarray, np.ndarray]:
    """:func:`greedy_mec_sparse` without the input checks (hot path of the coding game)."""
    heaps = []
    for p in ps:
        h = [(-v, i) for i, v in enumerate(p.tolist()) if v > 0]
        heapq.heapify(h)
        heaps.append(h)
    cells: list[tuple[int, ...]] = []
    masses: list[float] = []
    # floating-point marginals may leave ~1e-16 at the end: stop when any marginal is
    # exhausted (the remainder is below 1e-15 per entry and goes nowhere).
    while all(heaps):
        tops = [h[0] for h in heaps]
        m = min(-t[0] for t in tops)
        cells.append(tuple(t[1] for t in tops))
        masses.append(m)
        for h, (negv, i) in zip(heaps, tops):
            rest = -negv - m
            if rest > 1e-15:
                heapq.heapreplace(h, (-rest, i))
            else:
                heapq.heappop(h)
    return np.asarray(cells, dtype=np.int64).reshape(-1, len(ps)), np.asarray(masses)


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
    """A "zero-seeking" greedy variant for two marginals (Ebrahimi et al., Table 1).

    The paper compares the max-seeking greedy above with a zero-seeking one; its exact
    rule was not recovered [R].  Our reading: take the largest remaining mass ``a`` of
    either marginal and match it with the entry of the other marginal that it can empty
    with the least left over (the smallest entry >= ``a``; if none, the largest entry),
    so that every round zeroes the entry it starts from and keeps the other as whole as
    possible.  O(N^2) for N = total support (fine for the table's supports of 10).
    """
    a = check_marginal(p, "p").copy()
    b = check_marginal(q, "q").copy()
    joint = np.zeros((a.size, b.size))
    while a.max() > 1e-15 and b.max() > 1e-15:
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
    big = np.flatnonzero(v >= need - 1e-15)
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


# --------------------------------------------------------------------------- EBIM


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

    Starting from the identity map T = X (p_XT = diag(p_X)), merge columns one at a time,
    and return the deterministic map with the largest H(g(X)) <= ``rate`` on the way; its
    mutual information I(X;T) = H(g(X)).

    Merge rule [R]: the paper's exact rule was not recoverable from the text available to
    us; we merge the least likely remaining singleton column into the column of the most
    likely message (sorted once, so O(n log n) with O(1) entropy updates).  Every merge
    moves a mass p_i <= p_2 and lowers H(T) by at most h(p_i) <= h(p_2), which gives
    Theorem 2's guarantee R - H(g(X)) <= h(p_2) (p_2 = second-largest mass).

    Only that guarantee: the chain visits n of the deterministic maps, so it can miss
    Theorem 1's optimum I(X;T) = R even when some map g has H(g(X)) = R exactly (e.g.
    p_X = [.4, .3, .2, .1], R = h(0.4): g = {0},{1,2,3} reaches R, the chain returns
    0.881 bits).  Only the exhaustive solver (:func:`ebim_refine` with ``maps="all"``,
    every map of :func:`set_partitions`) attains R there; the env's default encoder
    (``refine=False``) is this greedy map.

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
    """p_XT of the MEC-B encoder at ``rate``: Algorithm 1, optionally refined (Theorem 3)."""
    if refine:
        return ebim_refine(p_x, rate)
    labels, _ = ebim_greedy(p_x, rate)
    return deterministic_joint(p_x, labels)


def uniform_quantizer(p_x, rate: float) -> tuple[np.ndarray, float]:
    """The conventional-compression baseline (Ebrahimi et al., "Algorithm 5") [R].

    Split the message indices 0..n-1 into K contiguous bins of (nearly) equal size and
    send the bin; of the K with H(T) <= ``rate``, the one with the largest H(T) (not
    always the largest K: for a non-uniform prior H(T) need not grow with K).  Returns
    ``(labels, H(T))``.
    """
    p = check_marginal(p_x, "p_x")
    if not np.isfinite(rate) or rate < 0:
        raise ValueError(f"rate: must be a finite number >= 0 bits, got {rate!r}")
    n = p.size
    best = (np.zeros(n, dtype=np.int64), 0.0)
    for k in range(2, n + 1):
        labels = (np.arange(n) * k) // n
        h = entropy(np.bincount(labels, weights=p, minlength=k))
        if h <= rate + 1e-12 and h >= best[1]:
            best = (labels, h)
    return best


def mec_decoder(p_t, p_y) -> np.ndarray:
    """The MEC-B decoder q(Y|T): the greedy coupling of p_T and p_Y, rows normalised.

    Rows of codes with zero mass are left uniform.
    """
    joint = greedy_mec(p_t, p_y)
    rows = joint.sum(axis=1, keepdims=True)
    out = np.full_like(joint, 1.0 / joint.shape[1])
    np.divide(joint, rows, out=out, where=rows > 0)
    return out


def greedy_pair(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`greedy_core` for two marginals where ``q`` is small (a policy's actions).

    Same greedy rule, but runs of consecutive entries of the sorted ``p`` that all go to
    the same entry of ``q`` are placed at once (found by binary search on prefix sums),
    so a near-deterministic ``q`` costs O(n log n) in numpy rather than a Python loop
    over n.  Ties between equal masses may be broken differently from :func:`greedy_core`.
    Returns ``(cells, masses)`` with cells[:, 0] indexing ``p``, cells[:, 1] ``q``.
    """
    order = np.argsort(-p, kind="stable")
    ps = p[order]
    n = ps.size
    csum = np.concatenate([[0.0], np.cumsum(ps)])
    qs = [float(v) for v in q]
    pending: list[tuple[float, int]] = []  # split remainders of p: (-mass, index)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    mass: list[np.ndarray] = []
    i = 0
    while True:
        j = max(range(len(qs)), key=qs.__getitem__)
        qj = qs[j]
        if qj <= 1e-15 or (i >= n and not pending):
            break
        top_pending = -pending[0][0] if pending else -1.0
        if i < n and ps[i] >= top_pending:
            q2 = max((v for k, v in enumerate(qs) if k != j), default=0.0)
            base = csum[i]
            # run length: element i+l goes to j while q_j - S_l >= q2, S_{l+1} <= q_j and
            # the pending remainder is not larger than ps[i+l]
            la = np.searchsorted(csum[i:], base + (qj - q2), side="right")
            lb = np.searchsorted(csum[i + 1:], base + qj, side="right")
            lc = n - i if not pending else np.searchsorted(-ps[i:], -top_pending, side="right")
            run = int(min(la, lb, lc, n - i))
            if run > 0:
                rows.append(order[i:i + run])
                cols.append(np.full(run, j))
                mass.append(ps[i:i + run])
                qs[j] = qj - float(csum[i + run] - base)
                i += run
                continue
            v, idx = float(ps[i]), int(order[i])
            i += 1
        else:
            negv, idx = heapq.heappop(pending)
            v = -negv
        m = min(v, qj)
        rows.append(np.array([idx]))
        cols.append(np.array([j]))
        mass.append(np.array([m]))
        qs[j] = qj - m
        if v - m > 1e-15:
            heapq.heappush(pending, (-(v - m), idx))
    if not rows:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    cells = np.stack([np.concatenate(rows), np.concatenate(cols)], axis=1).astype(np.int64)
    return cells, np.concatenate(mass)
