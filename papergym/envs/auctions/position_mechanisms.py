"""Position auctions in AI-generated content: click models, allocation rules, payments.

Setting ("Position Auctions in AI-Generated Content", Balseiro, Bhawalkar, Deng, Feng,
Mao, Mehta, Mirrokni, Paes Leme, Wang, Zuo; arXiv 2506.03309, 2025; the abstract's
model, our notation): ``n`` advertisers with private values per click ``b_i`` (bids),
``m`` candidate positions inside generated content, and one click-through estimate per
(creative, position) pair, so the allocation is a *matching* of ads to positions with
substitution effects between the placed ads.  Two click models:

- **MNL** (order-insensitive): attractions ``w_ij > 0``; with ad i at position j(i),
  ``pi_i = w_{i j(i)} / (1 + sum over placed ads k of w_{k j(k)})``.
- **Cascade** (order-sensitive, ours in detail): the reader goes through positions
  ``0..m-1`` in order; ad i at position j is clicked with probability ``p_ij`` when
  reached, and the reader continues past it with probability ``q_i``:
  ``pi_i = p_{i j(i)} * prod of q_k over ads k placed before j(i)``.

An allocation is an int array of length ``m``: the advertiser at each position, ``-1``
for none.  Every rule here maximises ``sum_i s_i pi_i`` over a *bid-independent* range
of allocations, with scores ``s_i = alpha b_i + beta`` (welfare: ``s = b``; revenue for
values ``U[0, 1]``: Myerson's virtual value ``s = 2b - 1``).  For such maximal-in-range
rules the click-through rate of i is non-decreasing in its bid and the Myerson payment
has a closed form from the optimum as a function of i's own score
(:func:`envelope_payments`): ``pay_i = b_i pi_i - (F_i(s_i(b_i)) - F_i(s_i(0))) / alpha``,
which for welfare is the VCG payment.  Truthful and individually rational (tests:
best-response search).

Ours where the paper's text is out of reach:

- MNL exact: Dinkelbach's method on the ratio objective, each iteration a maximum-weight
  bipartite matching (``scipy.optimize.linear_sum_assignment``) on weights
  ``(s_i - theta) w_ij``; exact (tested against enumeration).
- Cascade approximate: maximal in range, the range being the allocations whose ads
  appear in one of three bid-independent orders (by continuation ``q``, by mean click
  probability, by mean click probability over ``1 - q``), each optimised exactly by a
  dynamic program in ``O(n m^2)``; its ratio to the exact optimum is measured.
- Exact by enumeration for small instances (both models), the full range: exact and
  truthful, exponential.
- ``vcg-separable``: the classic position auction's VCG, which assumes separable CTRs
  ``alpha_i beta_j`` (row and column means of the standalone CTRs) and ranks ads by
  ``b_i alpha_i``; ``greedy-by-bid``: ads by decreasing bid, each taking its best free
  position, paying the next bid per click (GSP).  Neither is truthful here.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["CLICK_MODELS", "MECHANISMS", "OBJECTIVES", "PositionInstance", "cascade_dp_best", "cascade_orders",
           "ctrs", "draw_position_instance", "enumerate_allocations", "envelope_payments",
           "exact_best", "greedy_by_bid", "mnl_best", "objective_value", "run_mechanism",
           "scores_for", "vcg_separable"]

CLICK_MODELS = ("mnl", "cascade")
OBJECTIVES = ("welfare", "revenue")
MECHANISMS = ("matching", "cascade-dp", "exact", "vcg-separable", "greedy-by-bid")


class PositionInstance:
    """One auction's click data: ``model`` ("mnl" or "cascade"), ``ctr`` (n, m) (MNL
    attractions ``w`` or cascade click probabilities ``p``), ``cont`` (n,) cascade
    continuation probabilities (ones for MNL, unused)."""

    __slots__ = ("model", "ctr", "cont")

    def __init__(self, model: str, ctr: np.ndarray, cont: np.ndarray | None = None):
        self.model = model
        self.ctr = np.asarray(ctr, dtype=np.float64)
        n = self.ctr.shape[0]
        self.cont = np.ones(n) if cont is None else np.asarray(cont, dtype=np.float64)

    @property
    def shape(self) -> tuple[int, int]:
        return self.ctr.shape

    def standalone(self) -> np.ndarray:
        """Each pair's click-through rate when the ad is alone (n, m)."""
        return self.ctr / (1.0 + self.ctr) if self.model == "mnl" else self.ctr


def draw_position_instance(rng: np.random.Generator, n: int, m: int,
                           model: str) -> PositionInstance:
    """Our generator: log-attraction ``quality_i + position_j + context_ij`` with
    ``quality ~ N(-1.5, 0.5)``, ``position_j = -0.25 j``, ``context ~ N(0, 0.5)``; MNL
    ``w = exp``, cascade ``p = sigmoid`` and ``q ~ U[0.5, 0.95]``."""
    logit = (rng.normal(-1.5, 0.5, size=(n, 1)) - 0.25 * np.arange(m)[None, :]
             + rng.normal(0.0, 0.5, size=(n, m)))
    if model == "mnl":
        return PositionInstance("mnl", np.exp(logit))
    return PositionInstance("cascade", 1.0 / (1.0 + np.exp(-logit)), rng.uniform(0.5, 0.95, n))


def scores_for(bids: np.ndarray, objective: str) -> tuple[np.ndarray, float, float]:
    """``(scores, alpha, beta)`` with ``scores = alpha * bids + beta``: the bids themselves
    for welfare, Myerson's virtual values ``2b - 1`` (values ``U[0, 1]``) for revenue."""
    bids = np.asarray(bids, dtype=np.float64)
    if objective == "welfare":
        return bids.copy(), 1.0, 0.0
    return 2.0 * bids - 1.0, 2.0, -1.0


# --------------------------------------------------------------------------- click models


def ctrs(alloc: np.ndarray, inst: PositionInstance) -> np.ndarray:
    """Every advertiser's click-through rate under ``alloc`` (n,), zeros for the unplaced."""
    n, m = inst.shape
    out = np.zeros(n)
    if inst.model == "mnl":
        placed = [(a, j) for j, a in enumerate(alloc) if a >= 0]
        denom = 1.0 + sum(inst.ctr[a, j] for a, j in placed)
        for a, j in placed:
            out[a] = inst.ctr[a, j] / denom
        return out
    reach = 1.0
    for j, a in enumerate(alloc):
        if a >= 0:
            out[a] = reach * inst.ctr[a, j]
            reach *= inst.cont[a]
    return out


def objective_value(alloc: np.ndarray, scores: np.ndarray, inst: PositionInstance) -> float:
    """``sum_i scores_i pi_i(alloc)``."""
    return float(scores @ ctrs(alloc, inst))


@functools.lru_cache(maxsize=32)
def enumerate_allocations(n: int, m: int) -> np.ndarray:
    """Every allocation of at most ``min(n, m)`` distinct ads to ``m`` positions, as an int
    array (count, m) with -1 for an empty position (read-only)."""
    rows = []
    for k in range(min(n, m) + 1):
        for positions in itertools.combinations(range(m), k):
            for ads in itertools.permutations(range(n), k):
                row = [-1] * m
                for j, a in zip(positions, ads):
                    row[j] = a
                rows.append(row)
    arr = np.array(rows, dtype=np.int64)
    arr.setflags(write=False)
    return arr


def _enumerated_values(scores: np.ndarray, inst: PositionInstance) -> np.ndarray:
    n, m = inst.shape
    allocs = enumerate_allocations(n, m)
    s_ext = np.r_[scores, 0.0]
    ctr_ext = np.vstack([inst.ctr, np.zeros((1, m))])
    cols = np.arange(m)[None, :]
    c = ctr_ext[allocs, cols]                              # (A, m), empty -> 0
    if inst.model == "mnl":
        return (s_ext[allocs] * c).sum(axis=1) / (1.0 + c.sum(axis=1))
    q_ext = np.r_[inst.cont, 1.0]
    q = q_ext[allocs]
    reach = np.cumprod(np.c_[np.ones(len(allocs)), q[:, :-1]], axis=1)
    return (s_ext[allocs] * c * reach).sum(axis=1)


def exact_best(scores: np.ndarray, inst: PositionInstance) -> np.ndarray:
    """The allocation maximising ``sum s_i pi_i`` by enumerating every allocation (first
    index among ties)."""
    n, m = inst.shape
    return enumerate_allocations(n, m)[int(np.argmax(_enumerated_values(scores, inst)))].copy()


def mnl_best(scores: np.ndarray, inst: PositionInstance, max_iter: int = 100) -> np.ndarray:
    """Exact maximiser of ``sum s_i pi_i`` in the MNL model: Dinkelbach's iteration, each
    step a maximum-weight matching on ``max(0, (s_i - theta) w_ij)``."""
    n, m = inst.shape
    w = inst.ctr
    theta = 0.0
    best = np.full(m, -1, dtype=np.int64)
    best_value = 0.0
    for _ in range(max_iter):
        weight = np.maximum((scores - theta)[:, None] * w, 0.0)
        rows, cols = linear_sum_assignment(weight, maximize=True)
        alloc = np.full(m, -1, dtype=np.int64)
        keep = weight[rows, cols] > 0
        alloc[cols[keep]] = rows[keep]
        value = objective_value(alloc, scores, inst)
        if value <= best_value + 1e-13 * (1 + abs(best_value)):
            break
        best, best_value, theta = alloc, value, value
    return best


def cascade_orders(inst: PositionInstance) -> tuple[np.ndarray, ...]:
    """The three bid-independent ad orders of the cascade range (ties by index): by
    decreasing continuation ``q``, by decreasing mean click probability ``mean_j p_ij``,
    and by decreasing ``mean_j p_ij / (1 - q_i)`` (clicks per unit of lost attention)."""
    n = inst.shape[0]
    idx = np.arange(n)
    mean_p = inst.ctr.mean(axis=1)
    return (np.lexsort((idx, -inst.cont)), np.lexsort((idx, -mean_p)),
            np.lexsort((idx, -(mean_p / np.maximum(1.0 - inst.cont, 1e-12)))))


def _dp_in_order(scores: np.ndarray, inst: PositionInstance,
                 order: np.ndarray) -> tuple[float, np.ndarray]:
    """The best allocation whose ads appear (top to bottom) in ``order``: a DP.

    ``W[r, j]``: the best value of ads ``order[r:]`` on positions ``j..m-1``, reached with
    probability 1; placing ad ``a`` at ``j' >= j`` earns ``s_a p_{a j'}`` and scales what
    follows by ``q_a``: ``W[r, j] = max(W[r+1, j], max_{j' >= j} s_a p_{a j'} + q_a W[r+1, j'+1])``.
    """
    n, m = inst.shape
    p, q = inst.ctr, inst.cont
    W = np.zeros((n + 1, m + 1))
    gains = np.zeros((n, m))
    for r in range(n - 1, -1, -1):
        a = order[r]
        gains[r] = scores[a] * p[a] + q[a] * W[r + 1, 1:]
        suffix = np.maximum.accumulate(gains[r, ::-1])[::-1]
        W[r, :m] = np.maximum(W[r + 1, :m], suffix)
    alloc = np.full(m, -1, dtype=np.int64)
    r = j = 0
    while r < n and j < m:
        if W[r, j] <= W[r + 1, j] + 1e-15 * (1 + abs(W[r, j])):
            r += 1
            continue
        jj = j + int(np.argmax(gains[r, j:]))
        alloc[jj] = order[r]
        j, r = jj + 1, r + 1
    return float(W[0, 0]), alloc


def cascade_dp_best(scores: np.ndarray, inst: PositionInstance) -> np.ndarray:
    """Exact maximiser of ``sum s_i pi_i`` over the cascade range (ours): allocations whose
    ads appear in one of the three bid-independent orders of :func:`cascade_orders`.  A
    DP per order, ``O(n m^2)`` each; the range does not depend on the bids, so the rule
    is maximal in range and its envelope payments are truthful."""
    best_value, best = -np.inf, None
    for order in cascade_orders(inst):
        value, alloc = _dp_in_order(scores, inst, order)
        if value > best_value + 1e-15 * (1 + abs(value)):
            best_value, best = value, alloc
    return best


def greedy_by_bid(bids: np.ndarray, inst: PositionInstance) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: ads in decreasing bid take, one by one, their free position with the
    highest standalone CTR; each pays the next-highest bid per click (GSP).  Returns
    ``(alloc, expected payments)``."""
    n, m = inst.shape
    alone = inst.standalone()
    ranked = np.lexsort((np.arange(n), -bids))
    alloc = np.full(m, -1, dtype=np.int64)
    free = np.ones(m, dtype=bool)
    price = np.zeros(n)
    for rank, a in enumerate(ranked[:m]):
        j = int(np.argmax(np.where(free, alone[a], -1.0)))
        alloc[j] = a
        free[j] = False
        price[a] = bids[ranked[rank + 1]] if rank + 1 < n else 0.0
    return alloc, price * ctrs(alloc, inst)


def vcg_separable(bids: np.ndarray, inst: PositionInstance) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: the classic position auction, blind to the matching structure.  It
    assumes separable CTRs ``alpha_i beta_j`` (row means of the standalone CTRs, column
    means over their mean), ranks ads by ``b_i alpha_i`` into positions by decreasing
    ``beta``, and charges the VCG payments of that separable model.  Returns
    ``(alloc, expected payments)``."""
    n, m = inst.shape
    alone = inst.standalone()
    alpha = alone.mean(axis=1)
    beta = alone.mean(axis=0) / alone.mean()
    slots = np.lexsort((np.arange(m), -beta))
    score = bids * alpha
    ranked = np.lexsort((np.arange(n), -score))
    alloc = np.full(m, -1, dtype=np.int64)
    pay = np.zeros(n)
    k = min(n, m)
    b_sorted = np.r_[beta[slots][:k], 0.0]
    s_sorted = np.r_[score[ranked], 0.0]
    for r in range(k):
        alloc[slots[r]] = ranked[r]
        # VCG in the separable model: the externality on the ads ranked below
        pay[ranked[r]] = sum((b_sorted[t] - b_sorted[t + 1]) * s_sorted[t + 1]
                             for t in range(r, k))
    return alloc, pay


# --------------------------------------------------------------------------- payments


_SOLVERS = {"matching": mnl_best, "cascade-dp": cascade_dp_best, "exact": exact_best}


def envelope_payments(bids: np.ndarray, inst: PositionInstance, objective: str,
                      solver) -> tuple[np.ndarray, np.ndarray]:
    """Myerson payments of the maximal-in-range rule ``solver(scores, inst)``:
    ``(alloc, expected payments)``.  ``pay_i = b_i pi_i - (F_i(s_i) - F_i(s_i(0))) / alpha``
    with ``F_i(s)`` the optimum when i's score is ``s`` (the envelope theorem: the
    integral of i's CTR over its own bid)."""
    bids = np.asarray(bids, dtype=np.float64)
    scores, alpha, beta = scores_for(bids, objective)
    alloc = solver(scores, inst)
    pi = ctrs(alloc, inst)
    top = float(scores @ pi)
    pay = np.zeros(len(bids))
    for i in np.flatnonzero(pi > 0):
        low = scores.copy()
        low[i] = beta                      # i's score at bid 0
        other = solver(low, inst)
        pay[i] = bids[i] * pi[i] - (top - objective_value(other, low, inst)) / alpha
    return alloc, pay


def run_mechanism(name: str, bids: np.ndarray, inst: PositionInstance,
                  objective: str = "welfare") -> tuple[np.ndarray, np.ndarray]:
    """Run mechanism ``name`` (one of :data:`MECHANISMS`) on ``bids``: ``(alloc, expected
    payments)``.  ``matching`` needs the MNL model, ``cascade-dp`` the cascade model."""
    if name in ("vcg-separable", "greedy-by-bid"):
        return (vcg_separable if name == "vcg-separable" else greedy_by_bid)(
            np.asarray(bids, dtype=np.float64), inst)
    if name == "matching" and inst.model != "mnl":
        raise ValueError("mechanism 'matching' is exact for the MNL click model only")
    if name == "cascade-dp" and inst.model != "cascade":
        raise ValueError("mechanism 'cascade-dp' is for the cascade click model")
    if name not in _SOLVERS:
        raise ValueError(f"mechanism must be one of {MECHANISMS}, got {name!r}")
    return envelope_payments(bids, inst, objective, _SOLVERS[name])
