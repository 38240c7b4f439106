"""The math of cascading RL: instances, list values, the BestPerm oracle and the planner.

Notation (Du, Srikant, Chen, "Cascading Reinforcement Learning", ICLR 2024, arXiv
2401.08961): ``S`` states, ``N`` items, lists of at most ``m`` distinct items, horizon
``H``.  In state ``s`` item ``a`` attracts with probability ``q(s, a)``; the first
attractive item of the list is clicked, pays ``r(s, a)`` and moves the user to
``s' ~ p(.|s, a)``; when nothing is clicked the virtual item ``a_bot`` (index ``N`` here)
pays 0 and moves the user to ``s' ~ p(.|s, a_bot)``.

With ``V`` the value of the next step, an item's *weight* is ``w(s, a) = r(s, a) + p(.|s,
a) . V`` and the no-click weight is ``w_bot(s) = p(.|s, a_bot) . V``; a list
``A = (a_1, ..., a_l)`` is worth

    Q(s, A) = sum_i prod_{j<i} (1 - q_j) q_i w_i + prod_j (1 - q_j) w_bot.

:func:`best_perm` finds the best list in ``O(N log N + N m)`` (our derivation of the
paper's BestPerm, proved by brute force in ``tests/cascading``): an adjacent swap shows
that the best order of any set sorts it by ``w`` descending (swapping ``a`` before ``b``
changes the value by ``q_a q_b (w_a - w_b)`` times the probability of reaching them); an
item with ``w <= w_bot`` at the tail never helps; and the best subset of the sorted items
is a DP over (item, slots left):
``F(i, k) = max(F(i+1, k), q_i w_i + (1 - q_i) F(i+1, k-1))``, ``F(N, .) = F(., 0) = w_bot``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import perm
from typing import Any

import numpy as np

from papergym.utils.checks import check_array, check_int, check_real

__all__ = [
    "CascadingInstance",
    "OptimalPlan",
    "all_lists",
    "best_perm",
    "best_perm_all_states",
    "best_perm_table",
    "brute_force_best_list",
    "brute_force_value_iteration",
    "evaluate_policy",
    "generate_instance",
    "list_value",
    "n_lists",
    "optimal_plan",
    "pessimistic_list_value",
    "trace_list",
    "weights",
]


@dataclass(frozen=True)
class CascadingInstance:
    """One cascading MDP (read-only arrays).

    - ``attraction`` float64 (S, N): ``q(s, a)``.
    - ``reward`` float64 (S, N): ``r(s, a)`` in [0, 1], paid when ``a`` is clicked.
    - ``transition`` float64 (S, N + 1, S): ``p(.|s, a)``; row ``N`` is the no-click item.
    - ``list_size`` ``m``, ``horizon`` ``H``, ``initial_state`` ``s_1``.
    """

    attraction: np.ndarray
    reward: np.ndarray
    transition: np.ndarray
    list_size: int
    horizon: int
    initial_state: int = 0

    @property
    def n_states(self) -> int:
        return int(self.attraction.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.attraction.shape[1])

    @classmethod
    def from_arrays(cls, attraction: Any, reward: Any, transition: Any, list_size: int,
                    horizon: int, initial_state: int = 0) -> CascadingInstance:
        """Validate and freeze; a bad field raises ``ValueError`` naming it."""
        q = check_array("attraction", attraction, shape=(None, None), low=0.0, high=1.0)
        n_states, n_items = q.shape
        if n_states < 1 or n_items < 1:
            raise ValueError(f"attraction must have shape S x N with S, N >= 1, got {q.shape}")
        r = check_array("reward", reward, shape=(n_states, n_items), low=0.0, high=1.0)
        p = check_array("transition", transition, shape=(n_states, n_items + 1, n_states),
                        low=0.0, high=1.0)
        if not np.allclose(p.sum(axis=2), 1.0, atol=1e-8):
            raise ValueError("transition must have rows p(.|s, a) summing to 1")
        m = check_int("list_size", list_size, low=1, high=n_items)
        h = check_int("horizon", horizon, low=1)
        s1 = check_int("initial_state", initial_state, low=0, high=n_states - 1)
        p = p / p.sum(axis=2, keepdims=True)
        for arr in (q, r, p):
            arr.setflags(write=False)
        return cls(q, r, p, m, h, s1)

    def to_dict(self) -> dict[str, Any]:
        """Plain arrays and ints, what ``options={"instance": ...}`` also accepts."""
        return {"attraction": self.attraction, "reward": self.reward,
                "transition": self.transition, "list_size": self.list_size,
                "horizon": self.horizon, "initial_state": self.initial_state}


def generate_instance(rng: np.random.Generator, n_states: int, n_items: int, list_size: int,
                      horizon: int, *, attraction_low: float = 0.05, attraction_high: float = 0.5,
                      concentration: float = 0.5) -> CascadingInstance:
    """Our synthetic generator (the paper's is not available to us): ``q(s, a) ~
    U(attraction_low, attraction_high)``, ``r(s, a) ~ U(0, 1)``, and every row
    ``p(.|s, a)`` (no-click row included) ``~ Dirichlet(concentration * 1_S)``; the
    episode starts in state 0.  Draw order: q, r, p (fixed, so seeds replay)."""
    q = rng.uniform(attraction_low, attraction_high, size=(n_states, n_items))
    r = rng.uniform(0.0, 1.0, size=(n_states, n_items))
    p = rng.dirichlet(np.full(n_states, concentration), size=(n_states, n_items + 1))
    return CascadingInstance.from_arrays(q, r, p, list_size, horizon, 0)


# --------------------------------------------------------------------------- list values


def weights(instance: CascadingInstance, next_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``w`` (S, N) and ``w_bot`` (S,) for the next-step value ``next_value`` (S,)."""
    future = instance.transition @ next_value  # (S, N + 1)
    return instance.reward + future[:, :-1], future[:, -1]


def list_value(q: np.ndarray, w: np.ndarray, w_bot: float, items) -> float:
    """``Q(A)`` of the list ``items`` for one state's attraction ``q`` (N,) and weights
    ``w`` (N,) and no-click weight ``w_bot``."""
    value, reach = 0.0, 1.0
    for a in items:
        value += reach * q[a] * w[a]
        reach *= 1.0 - q[a]
    return float(value + reach * w_bot)


def pessimistic_list_value(q_low: np.ndarray, q_high: np.ndarray, w: np.ndarray, w_bot: float,
                           items) -> float:
    """The least ``Q(A)`` over attraction probabilities in the box ``[q_low, q_high]``:
    ``Q`` is ``q_1 w_1 + (1 - q_1) Q(tail)``, linear in each ``q_i``, so the backward
    recursion takes ``q_low`` where ``w_i`` exceeds the tail's least value and
    ``q_high`` elsewhere (exact, not a bound)."""
    tail = float(w_bot)
    for a in reversed(list(items)):
        qa = q_low[a] if w[a] >= tail else q_high[a]
        tail = qa * w[a] + (1.0 - qa) * tail
    return tail


def n_lists(n_items: int, list_size: int) -> int:
    """The number of ordered lists of at most ``list_size`` distinct items (empty included)."""
    return sum(perm(n_items, length) for length in range(list_size + 1))


def all_lists(n_items: int, list_size: int) -> list[tuple[int, ...]]:
    """Every ordered list of at most ``list_size`` distinct items, the empty one first,
    then by length and lexicographically (AdaptRM's atomic actions)."""
    out: list[tuple[int, ...]] = []
    for length in range(list_size + 1):
        out.extend(itertools.permutations(range(n_items), length))
    return out


def brute_force_best_list(q: np.ndarray, w: np.ndarray, w_bot: float,
                          list_size: int) -> tuple[float, tuple[int, ...]]:
    """The best list by enumerating every ordered list (the test oracle of BestPerm)."""
    best, arg = -np.inf, ()
    for items in all_lists(len(q), list_size):
        value = list_value(q, w, w_bot, items)
        if value > best + 1e-12:
            best, arg = value, items
    return best, arg


# --------------------------------------------------------------------------- BestPerm


def best_perm(q: np.ndarray, w: np.ndarray, w_bot: float,
              list_size: int) -> tuple[float, tuple[int, ...]]:
    """BestPerm for one state: the value and the best list (at most ``list_size`` items).

    Sort by ``w`` descending, drop items with ``w <= w_bot``, then the DP over (item, slots
    left) of the module docstring; ``O(N log N + N m)``."""
    ql = np.asarray(q, dtype=float).tolist()
    wl = np.asarray(w, dtype=float).tolist()
    w_bot = float(w_bot)
    order = sorted((a for a in range(len(wl)) if wl[a] > w_bot), key=wl.__getitem__,
                   reverse=True)  # stable: ties keep the lower index first
    m = int(list_size)
    # rows[i][k] = F(i, k), built from the last sorted position back to the first
    row = [w_bot] * (m + 1)
    rows = [row]
    for a in reversed(order):
        qa, wa = ql[a], wl[a]
        gain, stay = qa * wa, 1.0 - qa
        new = [w_bot]
        for k in range(1, m + 1):
            with_a = gain + stay * row[k - 1]
            new.append(with_a if with_a > row[k] else row[k])
        rows.append(new)
        row = new
    rows.reverse()
    chosen, k = [], m
    for i, a in enumerate(order):
        if k == 0:
            break
        if rows[i][k] > rows[i + 1][k]:
            chosen.append(a)
            k -= 1
    return rows[0][m], tuple(chosen)


def best_perm_table(q: np.ndarray, w: np.ndarray, w_bot: np.ndarray,
                    list_size: int) -> tuple[np.ndarray, np.ndarray]:
    """BestPerm's DP for every state at once, without the trace-back.

    With the kept items of state ``s`` sorted by ``w`` descending, column ``k`` of the DP is
    a reverse cumulative maximum of ``c_i = q_i w_i + (1 - q_i) F(i + 1, k - 1)`` over the
    positions (``F(i, k) = max(F(i + 1, k), c_i)`` unrolled), so the table costs ``m``
    numpy passes over (S, N).  Returns the sorted item order (S, N) (dropped items, ``w <=
    w_bot``, moved to the end and given ``q = 0``: they are never taken) and ``F`` (S, N + 1,
    m + 1); ``F[:, 0, m]`` is the value.  :func:`trace_list` reads one state's list."""
    q = np.asarray(q, dtype=float)
    w = np.asarray(w, dtype=float)
    w_bot = np.asarray(w_bot, dtype=float)
    n_states, n_items = w.shape
    m = int(list_size)
    key = np.where(w > w_bot[:, None], -w, np.inf)
    order = key.argsort(axis=1, kind="stable")
    rows = np.arange(n_states)[:, None]
    ws = w[rows, order]
    # a dropped item gets q = 0: then c_i = F(i + 1, k - 1) <= F(i + 1, k), never taken
    qs = np.where(key[rows, order] < np.inf, q[rows, order], 0.0)
    F = np.empty((n_states, n_items + 1, m + 1))
    F[:] = w_bot[:, None, None]
    gain = qs * ws
    stay = 1.0 - qs
    for k in range(1, m + 1):
        c = gain + stay * F[:, 1:, k - 1]
        np.maximum(np.maximum.accumulate(c[:, ::-1], axis=1)[:, ::-1], w_bot[:, None],
                   out=F[:, :n_items, k])
    return order, F


def trace_list(order: np.ndarray, F: np.ndarray, state: int, list_size: int) -> list[int]:
    """The best list of ``state`` from :func:`best_perm_table`'s output: take the item at
    sorted position ``i`` with ``k`` slots left iff ``F(i, k) > F(i + 1, k)``."""
    row, items, k = F[state], [], int(list_size)
    n = row.shape[0] - 1
    for i in range(n):
        if k == 0:
            break
        if row[i, k] > row[i + 1, k]:
            items.append(int(order[state, i]))
            k -= 1
    return items


def best_perm_all_states(q: np.ndarray, w: np.ndarray, w_bot: np.ndarray,
                         list_size: int) -> tuple[np.ndarray, np.ndarray]:
    """BestPerm for every state at once (:func:`best_perm_table` and :func:`trace_list`).
    Returns the values (S,) and the lists (S, m) int64, padded with ``N`` (the stop
    symbol) after the last item."""
    order, F = best_perm_table(q, w, w_bot, list_size)
    n_states, n_items = order.shape
    lists = np.full((n_states, int(list_size)), n_items, dtype=np.int64)
    for s in range(n_states):
        items = trace_list(order, F, s, list_size)
        lists[s, :len(items)] = items
    return F[:, 0, int(list_size)].copy(), lists


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class OptimalPlan:
    """Backward induction with BestPerm: ``value`` (H + 1, S) with ``value[H] = 0``,
    ``lists`` (H, S, m) padded with ``N``, and the weights ``w`` (H, S, N + 1) (column
    ``N`` is ``w_bot``) that score any list by :func:`list_value`."""

    value: np.ndarray
    lists: np.ndarray
    w: np.ndarray


def optimal_plan(instance: CascadingInstance) -> OptimalPlan:
    """The optimal policy and values of ``instance`` (backward induction, BestPerm at each
    (h, s))."""
    S, N, H, m = instance.n_states, instance.n_items, instance.horizon, instance.list_size
    value = np.zeros((H + 1, S))
    lists = np.zeros((H, S, m), dtype=np.int64)
    w_all = np.zeros((H, S, N + 1))
    for h in range(H - 1, -1, -1):
        w, w_bot = weights(instance, value[h + 1])
        value[h], lists[h] = best_perm_all_states(instance.attraction, w, w_bot, m)
        w_all[h, :, :N], w_all[h, :, N] = w, w_bot
    for arr in (value, lists, w_all):
        arr.setflags(write=False)
    return OptimalPlan(value, lists, w_all)


def brute_force_value_iteration(instance: CascadingInstance) -> np.ndarray:
    """Optimal values (H + 1, S) by enumerating every list at every (h, s) (test oracle)."""
    S, H, m = instance.n_states, instance.horizon, instance.list_size
    value = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        w, w_bot = weights(instance, value[h + 1])
        for s in range(S):
            value[h, s] = brute_force_best_list(instance.attraction[s], w[s], w_bot[s], m)[0]
    return value


def evaluate_policy(instance: CascadingInstance, lists: np.ndarray) -> np.ndarray:
    """Exact values (H + 1, S) of the deterministic policy ``lists`` (H, S, m), each list
    padded with ``N`` (or any value >= N) after its last item."""
    S, N, H = instance.n_states, instance.n_items, instance.horizon
    value = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        w, w_bot = weights(instance, value[h + 1])
        for s in range(S):
            items = [int(a) for a in itertools.takewhile(lambda a: a < N, lists[h, s])]
            value[h, s] = list_value(instance.attraction[s], w[s], w_bot[s], items)
    return value


def check_epsilon(epsilon: Any) -> float:
    """``epsilon`` of a BPI run, a real number > 0."""
    return check_real("epsilon", epsilon, low=0.0, low_open=True)
