"""The math of last-switch-dependent (LSD) bandits: payoff tables, the state transition, the
exact dynamic program over joint states, our LP-based planner, and the block LP with greedy
rounding of Laforgue et al.'s ISI-CombUCB1.

States.  Unsigned (Laforgue et al.'s experiments): arm ``i``'s state ``tau_i`` is the number
of rounds since it was last pulled; the pulled arm resets to 1, the others add 1, capped at
``cap``.  Signed (``signed=True``, the satiation / deprivation setting of Foussoul et al.):
``s_i = -r`` when the arm was pulled in each of the last ``r`` rounds, ``s_i = +j`` when it
has not been pulled for ``j`` rounds; both capped at ``cap``.

Payoff tables have one row per arm and one column per state: ``cap`` columns (delay
``1..cap``) unsigned, ``2 cap`` signed, ordered ``-cap, ..., -1, +1, ..., +cap``.  Under
this ordering the monotone setting (payoff non-increasing in consecutive plays and
non-decreasing in idle time) is simply "every row non-decreasing".
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DP_STATE_LIMIT", "LSDPlan", "block_lp_plan", "block_plan_value", "column",
           "columns", "exact_dp", "greedy_value", "initial_states", "lp_planner",
           "monotone_table", "plan_value", "random_monotone_table", "spike_table",
           "step_table", "transition", "transition_batch"]

#: the exact DP refuses instances whose joint state space bound exceeds this
DP_STATE_LIMIT = 300_000


# --------------------------------------------------------------------------- tables


def spike_table(n_arms: int = 5, cap: int = 10, pos: int = 3) -> np.ndarray:
    """Laforgue et al.'s main instance (``gen_M_trickCSBOG`` in their code): arm 1 pays 0.95
    only at delay ``pos``; arm 2 pays 0.96 from delay ``3 pos``, 0.16 at delay ``2 pos``,
    else 0.14; every other arm pays 0.15 (arms counted from 0)."""
    table = np.full((n_arms, cap), 0.15)
    table[1] = 0.0
    table[1, pos - 1] = 0.95
    table[2] = 0.14
    table[2, 2 * pos - 1] = 0.16
    table[2, 3 * pos - 1:] = 0.96
    return table


def step_table(n_arms: int = 2, cap: int = 11, pos: int = 2) -> np.ndarray:
    """Laforgue et al.'s supplementary instance (``gen_M_trickOG``): arm 0 pays 0.05;
    arm 1 pays 0.06 at delay 1 and 0.95 from delay ``pos`` (other arms, if any, pay 0)."""
    table = np.zeros((n_arms, cap))
    table[0] = 0.05
    table[1, 0] = 0.06
    table[1, pos - 1:] = 0.95
    return table


def random_monotone_table(rng: np.random.Generator, n_arms: int, cap: int,
                          signed: bool = False) -> np.ndarray:
    """Rows non-decreasing in the state order, entries in [0, 1]: sorted uniforms scaled by
    a per-arm ceiling drawn uniformly in [0.2, 1]."""
    width = 2 * cap if signed else cap
    ceiling = rng.uniform(0.2, 1.0, size=(n_arms, 1))
    return np.sort(rng.random((n_arms, width)), axis=1) * ceiling


def monotone_table(table: np.ndarray) -> bool:
    """Every row non-decreasing (the monotone setting under our column order)."""
    return bool(np.all(np.diff(table, axis=1) >= -1e-12))


# --------------------------------------------------------------------------- states


def initial_states(n_arms: int, signed: bool) -> np.ndarray:
    """Every arm starts in state 1 (Laforgue et al.'s code; signed: idle for one round)."""
    return np.ones(n_arms, dtype=np.int64)


def column(state: int, cap: int, signed: bool) -> int:
    """The table column of one arm's state."""
    if not signed:
        return state - 1
    return cap + state - 1 if state > 0 else cap + state


def columns(states: np.ndarray, cap: int, signed: bool) -> np.ndarray:
    """Table columns of an array of states (any shape)."""
    if not signed:
        return states - 1
    return np.where(states > 0, cap + states - 1, cap + states)


def transition(states: np.ndarray, arm: int, cap: int, signed: bool) -> np.ndarray:
    """The next states after pulling ``arm`` (a new array)."""
    nxt = states.copy()
    if not signed:
        nxt += 1
        nxt[arm] = 1
        np.minimum(nxt, cap, out=nxt)
        return nxt
    pulled = nxt[arm]
    nxt = np.where(nxt > 0, np.minimum(nxt + 1, cap), 1)
    nxt[arm] = max(pulled - 1, -cap) if pulled < 0 else -1
    return nxt


def transition_batch(states: np.ndarray, arms: np.ndarray, cap: int, signed: bool) -> np.ndarray:
    """``transition`` for a batch: ``states`` (N, K), ``arms`` (N,); in place, returned."""
    rows = np.arange(states.shape[0])
    pulled = states[rows, arms].copy()
    if not signed:
        states += 1
        np.minimum(states, cap, out=states)
        states[rows, arms] = 1
        return states
    np.copyto(states, np.where(states > 0, np.minimum(states + 1, cap), 1))
    states[rows, arms] = np.where(pulled < 0, np.maximum(pulled - 1, -cap), -1)
    return states


# --------------------------------------------------------------------------- evaluation


def plan_value(table: np.ndarray, actions, cap: int, signed: bool,
               states: np.ndarray | None = None) -> float:
    """Expected total payoff of the action sequence ``actions`` from ``states``."""
    states = initial_states(table.shape[0], signed) if states is None else states.copy()
    total = 0.0
    for arm in actions:
        total += table[arm, column(int(states[arm]), cap, signed)]
        states = transition(states, int(arm), cap, signed)
    return float(total)


def greedy_value(table: np.ndarray, horizon: int, cap: int, signed: bool) -> float:
    """Expected payoff of Oracle Greedy (best current payoff, ties to the lowest index)."""
    states = initial_states(table.shape[0], signed)
    rows = np.arange(table.shape[0])
    total = 0.0
    for _ in range(horizon):
        now = table[rows, columns(states, cap, signed)]
        arm = int(np.argmax(now))
        total += now[arm]
        states = transition(states, arm, cap, signed)
    return float(total)


# --------------------------------------------------------------------------- exact DP


def state_space_bound(n_arms: int, cap: int, signed: bool) -> int:
    """``prod_i |states of arm i|``: the size the exact DP is refused above."""
    return (2 * cap if signed else cap) ** n_arms


@dataclass(frozen=True)
class LSDPlan:
    """The exact DP's solution from the initial state: ``value`` (optimal expected payoff
    over the horizon) and ``policy(remaining, state_index)`` tables.

    ``policy_rows[r - 1]`` is the optimal arm per reachable joint state with ``r`` rounds
    left, for ``r <= len(policy_rows)``; beyond that the policy is periodic with ``period``
    (the DP's values became exactly periodic, so the tail repeats)."""

    value: float
    index: dict
    policy_rows: np.ndarray
    transient: int
    period: int

    def action(self, states: np.ndarray, remaining: int) -> int:
        r = remaining
        if r > self.transient + self.period:
            r = self.transient + 1 + (r - self.transient - 1) % self.period
        return int(self.policy_rows[r - 1, self.index[tuple(int(s) for s in states)]])


def _reachable(table: np.ndarray, cap: int, signed: bool):
    n_arms = table.shape[0]
    start = tuple(int(s) for s in initial_states(n_arms, signed))
    index = {start: 0}
    order = [start]
    nxt_rows = []
    pay_rows = []
    head = 0
    pay = table.tolist()
    arms = range(n_arms)
    while head < len(order):
        state = order[head]
        head += 1
        if signed:
            moved = [min(s + 1, cap) if s > 0 else 1 for s in state]
        else:
            moved = [min(s + 1, cap) for s in state]
        row_n, row_p = [], []
        for arm in arms:
            new = list(moved)
            s = state[arm]
            new[arm] = (max(s - 1, -cap) if s < 0 else -1) if signed else 1
            new = tuple(new)
            j = index.get(new)
            if j is None:
                j = index[new] = len(order)
                order.append(new)
            row_n.append(j)
            row_p.append(pay[arm][column(s, cap, signed)])
        nxt_rows.append(row_n)
        pay_rows.append(row_p)
    return index, np.array(nxt_rows, dtype=np.int64), np.array(pay_rows, dtype=np.float64)


def exact_dp(table: np.ndarray, horizon: int, cap: int, signed: bool, *,
             limit: int = DP_STATE_LIMIT, max_period: int = 64) -> LSDPlan:
    """See :func:`_exact_dp`; cached per (table, horizon, cap, signed)."""
    bound = state_space_bound(table.shape[0], cap, signed)
    if bound > limit:
        raise ValueError(f"exact DP refused: the joint state space has up to {bound:,} states "
                         f"({'2*cap' if signed else 'cap'}^n_arms), above the limit {limit:,}")
    table = np.ascontiguousarray(table, dtype=np.float64)
    return _exact_dp_cached(table.tobytes(), table.shape, int(horizon), int(cap), bool(signed),
                            max_period)


@functools.lru_cache(maxsize=32)
def _exact_dp_cached(table_bytes, shape, horizon, cap, signed, max_period) -> LSDPlan:
    table = np.frombuffer(table_bytes, dtype=np.float64).reshape(shape)
    return _exact_dp(table, horizon, cap, signed, limit=DP_STATE_LIMIT * 1000,
                     max_period=max_period)


def _exact_dp(table: np.ndarray, horizon: int, cap: int, signed: bool, *,
              limit: int = DP_STATE_LIMIT, max_period: int = 64) -> LSDPlan:
    """The optimal expected payoff over ``horizon`` rounds from the initial state, by
    backward induction over the reachable joint states.

    The finite-horizon values ``V_r`` (``r`` rounds left) become exactly periodic up to a
    constant (``V_{r+p} = V_r + c``) once the optimal policy cycles; from then on the DP
    operator repeats, so the iteration stops there and extrapolates exactly.
    ``ValueError`` (stating the size) when ``state_space_bound`` exceeds ``limit``.
    """
    n_arms = table.shape[0]
    bound = state_space_bound(n_arms, cap, signed)
    if bound > limit:
        raise ValueError(f"exact DP refused: the joint state space has up to {bound:,} states "
                         f"({'2*cap' if signed else 'cap'}^n_arms), above the limit {limit:,}")
    index, nxt, pay = _reachable(table, cap, signed)
    n_states = len(index)
    values = [np.zeros(n_states)]
    rows = []
    transient = period = None
    for r in range(1, horizon + 1):
        q = pay + values[-1][nxt]
        rows.append(np.argmax(q, axis=1).astype(np.int8 if n_arms < 128 else np.int64))
        values.append(q.max(axis=1))
        probe = values[r][:64]
        for p in range(1, min(max_period, r) + 1):
            quick = probe - values[r - p][:64]
            if np.ptp(quick) > 1e-9 * max(1.0, abs(quick[0])):
                continue
            diff = values[r] - values[r - p]
            if np.ptp(diff) <= 1e-9 * max(1.0, abs(diff[0])):
                transient, period = r - p, p
                break
        if period is not None:
            break
    if period is None:
        value = float(values[horizon][0])
        return LSDPlan(value, index, np.array(rows), horizon, 1)
    # V_{transient + k p + j} = V_{transient + j} + k c for j in [0, p)
    c = values[transient + period][0] - values[transient][0]
    k, j = divmod(horizon - transient, period)
    value = float(values[transient + j][0] + k * c)
    return LSDPlan(value, index, np.array(rows), transient, period)


# --------------------------------------------------------------------------- our planner


def _lp_frequencies(table: np.ndarray, cap: int, signed: bool) -> np.ndarray:
    """Our LP relaxation over (arm, state) frequencies, solved with HiGHS.

    Variables ``x[i, s] >= 0``: the long-run fraction of rounds in which arm ``i`` is pulled
    in state ``s``.  A pull in idle state ``tau`` (delay) occupies ``tau`` rounds of the arm's
    own timeline (the ``tau - 1`` idle rounds before it and itself), a pull in a consecutive
    state one round, so ``sum_s occ(s) x[i, s] <= 1`` per arm; one pull per round:
    ``sum x <= 1``; signed runs start from an idle pull: ``x[i, -1] <= sum_j x[i, +j]`` and
    ``x[i, -r] <= x[i, -(r-1)]``.  Maximise ``sum table[i, s] x[i, s]``: an upper bound on the
    long-run payoff rate of any schedule.
    """
    from scipy.optimize import linprog

    n_arms, width = table.shape
    n_var = n_arms * width
    occ = np.arange(1, cap + 1, dtype=float)
    if signed:
        occ = np.concatenate([np.ones(cap), np.arange(2, cap + 2, dtype=float)])
    a_ub, b_ub = [], []
    for i in range(n_arms):
        row = np.zeros(n_var)
        row[i * width:(i + 1) * width] = occ
        a_ub.append(row)
        b_ub.append(1.0)
    a_ub.append(np.ones(n_var))
    b_ub.append(1.0)
    if signed:
        for i in range(n_arms):
            base = i * width
            row = np.zeros(n_var)  # x[i, -1] - sum_j x[i, +j] <= 0
            row[base + cap - 1] = 1.0
            row[base + cap:base + width] = -1.0
            a_ub.append(row)
            b_ub.append(0.0)
            for r in range(2, cap + 1):  # x[i, -r] - x[i, -(r-1)] <= 0
                row = np.zeros(n_var)
                row[base + cap - r] = 1.0
                row[base + cap - r + 1] = -1.0
                a_ub.append(row)
                b_ub.append(0.0)
    res = linprog(-table.ravel(), A_ub=np.array(a_ub), b_ub=np.array(b_ub),
                  bounds=(0, None), method="highs")
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"planner LP failed: {res.message}")
    return res.x.reshape(n_arms, width)


def _schedule(table: np.ndarray, rest: np.ndarray, runs: np.ndarray, priority: np.ndarray,
              horizon: int, cap: int, signed: bool,
              fill: str = "greedy") -> tuple[list[int], float]:
    """Play a rounded LP solution: arm ``i`` is *due* once its delay (rounds since its last
    pull, counting that pull) reaches ``rest[i]`` (0 = never due); signed, a started run
    continues until ``runs[i]`` consecutive plays.  Each round: continue the run, else pull
    the due arm of highest ``priority`` (ties to the higher payoff now), else fill the round:
    ``fill="greedy"`` pulls the best payoff now, ``"least_progress"`` the arm with the
    smallest delay (its reset loses the least progress towards its rest; ties to the best
    payoff now).  Returns the schedule and its exact expected payoff."""
    n_arms = table.shape[0]
    pay = table.tolist()
    rest_l, runs_l, prio = rest.tolist(), runs.tolist(), priority.tolist()
    states = [1] * n_arms
    actions: list[int] = []
    total = 0.0
    last, run = -1, 0
    for _ in range(horizon):
        now = [pay[i][column(states[i], cap, signed)] for i in range(n_arms)]
        if signed and last >= 0 and run < runs_l[last] and rest_l[last] > 0:
            arm = last
        else:
            arm, key = -1, None
            for i in range(n_arms):
                s = states[i]
                delay = (s + 1 if s > 0 else 1) if signed else s
                if rest_l[i] > 0 and delay >= rest_l[i]:
                    k = (prio[i], now[i])
                    if key is None or k > key:
                        arm, key = i, k
            if arm < 0 and fill == "greedy":
                arm = max(range(n_arms), key=now.__getitem__)
            elif arm < 0:
                delays = [(s + 1 if s > 0 else 1) if signed else s for s in states]
                arm = min(range(n_arms), key=lambda i: (delays[i], -now[i]))
        total += now[arm]
        run = run + 1 if arm == last else 1
        last = arm
        actions.append(arm)
        if signed:
            moved = [min(s + 1, cap) if s > 0 else 1 for s in states]
            moved[arm] = max(states[arm] - 1, -cap) if states[arm] < 0 else -1
        else:
            moved = [min(s + 1, cap) for s in states]
            moved[arm] = 1
        states = moved
    return actions, total


def _rounding_candidates(table: np.ndarray, x: np.ndarray, cap: int, signed: bool,
                         draws: int):
    """Rest (and run) vectors from the LP solution: the delay carrying most of each arm's
    mass, the smallest and the largest delay of its support, and ``draws`` randomized
    roundings (arm ``i`` takes delay ``tau`` with probability ``tau x[i, tau]``, the share
    of its own timeline the LP spends there, and is never due otherwise), seeded by the
    table so the planner is deterministic."""
    n_arms = table.shape[0]
    idle = x[:, cap:] if signed else x
    occ = np.arange(2, cap + 2) if signed else np.arange(1, cap + 1)
    delays = np.arange(2, cap + 2) if signed else np.arange(1, cap + 1)
    mass = idle.sum(axis=1)
    support = idle > 1e-9
    has = support.any(axis=1)
    runs = np.ones(n_arms, dtype=np.int64)
    if signed:
        runs += np.rint(x[:, :cap].sum(axis=1) / np.maximum(mass, 1e-12)).astype(np.int64)
    rests = [np.where(has, delays[np.argmax(idle, axis=1)], 0),
             np.where(has, delays[np.argmax(support, axis=1)], 0),
             np.where(has, delays[cap - 1 - np.argmax(support[:, ::-1], axis=1)], 0)]
    rng = np.random.default_rng(abs(hash(table.tobytes())) % 2**32)
    share = np.clip(idle * occ, 0.0, None)
    for _ in range(draws):
        rest = np.zeros(n_arms, dtype=np.int64)
        for i in range(n_arms):
            p = np.append(share[i], max(0.0, 1.0 - share[i].sum()))
            j = rng.choice(cap + 1, p=p / p.sum())
            rest[i] = delays[j] if j < cap else 0
        rests.append(rest)
    return rests, runs


def _greedy_schedule(table: np.ndarray, horizon: int, cap: int, signed: bool) -> list[int]:
    states = initial_states(table.shape[0], signed)
    rows = np.arange(table.shape[0])
    actions = []
    for _ in range(horizon):
        arm = int(np.argmax(table[rows, columns(states, cap, signed)]))
        actions.append(arm)
        states = transition(states, arm, cap, signed)
    return actions


@functools.lru_cache(maxsize=64)
def _lp_planner_cached(table_bytes: bytes, shape: tuple, horizon: int, cap: int,
                       signed: bool, draws: int) -> tuple[tuple[int, ...], float, float]:
    table = np.frombuffer(table_bytes, dtype=np.float64).reshape(shape)
    x = _lp_frequencies(table, cap, signed)
    rate = (table * x).sum(axis=1)
    rests, runs = _rounding_candidates(table, x, cap, signed, draws)
    best_actions = _greedy_schedule(table, horizon, cap, signed)
    best = plan_value(table, best_actions, cap, signed)
    for rest in rests:
        for priority in (rate, np.zeros_like(rate)):
            for fill in ("greedy", "least_progress"):
                actions, value = _schedule(table, rest, runs, priority, horizon, cap, signed,
                                           fill)
                if value > best + 1e-9:
                    best, best_actions = value, actions
    return tuple(best_actions), float(best), float((table * x).sum())


def lp_planner(table: np.ndarray, horizon: int, cap: int, signed: bool, draws: int = 8):
    """Our planner (not Foussoul et al.'s, whose LP and rounding are not retrievable): solve
    the frequency LP (:func:`_lp_frequencies`), round it to per-arm rest periods (and run
    lengths) in several ways (:func:`_rounding_candidates`: deterministic and ``draws``
    randomized roundings), play each by :func:`_schedule` under two priority rules and two
    fill rules, and
    keep the best schedule by exact evaluation (greedy included).  Returns ``(actions,
    value, lp_rate)``: the schedule, its expected payoff, and the LP's payoff-rate bound."""
    table = np.ascontiguousarray(table, dtype=np.float64)
    actions, value, bound = _lp_planner_cached(table.tobytes(), table.shape, int(horizon),
                                               int(cap), bool(signed), int(draws))
    return list(actions), value, bound


# --------------------------------------------------------------------------- block LP


@functools.lru_cache(maxsize=32)
def _block_lp_structure(n_arms: int, length: int):
    """Variables and constraints of the block LP (independent of payoffs and states).

    Variables: ``x[i, t]`` (arm ``i``'s first pull in the block at position ``t``) and
    ``y[i, p, t]`` (a pull of ``i`` at ``t`` whose previous pull was at ``t - p``).
    Constraints: one pull per position (equality); at most one first pull per arm;
    ``y[i, p, t] <= pull_i(t - p)`` and ``y[i, p, t] + pull_i(u) <= 1`` for ``t-p < u < t``,
    which at 0/1 points say that a delay-``p`` pull needs a pull ``p`` positions earlier
    and none in between.
    """
    from scipy.sparse import csr_matrix

    var = {}
    for i in range(n_arms):
        for t in range(length):
            var[("x", i, t)] = len(var)
    for i in range(n_arms):
        for t in range(length):
            for p in range(1, t + 1):
                var[("y", i, p, t)] = len(var)
    n_var = len(var)

    def pull(i, t):
        return [var[("x", i, t)]] + [var[("y", i, p, t)] for p in range(1, t + 1)]

    eq = np.zeros((length, n_var))
    for t in range(length):
        for i in range(n_arms):
            eq[t, pull(i, t)] = 1.0
    ub_rows = []
    for i in range(n_arms):
        row = np.zeros(n_var)
        row[[var[("x", i, t)] for t in range(length)]] = 1.0
        ub_rows.append(row)
    b_ub = [1.0] * n_arms
    for i in range(n_arms):
        for t in range(length):
            for p in range(1, t + 1):
                row = np.zeros(n_var)  # y[i, p, t] - pull_i(t - p) <= 0
                row[var[("y", i, p, t)]] = 1.0
                row[pull(i, t - p)] -= 1.0
                ub_rows.append(row)
                b_ub.append(0.0)
                for u in range(t - p + 1, t):  # y[i, p, t] + pull_i(u) <= 1
                    row = np.zeros(n_var)
                    row[var[("y", i, p, t)]] = 1.0
                    row[pull(i, u)] += 1.0
                    ub_rows.append(row)
                    b_ub.append(1.0)
    return var, csr_matrix(eq), csr_matrix(np.array(ub_rows)), np.ones(length), np.array(b_ub)


def block_plan_value(seq, first: np.ndarray, later: np.ndarray) -> float:
    """Planned value of a block sequence: ``first[i, t]`` for arm ``i``'s first pull in the
    block at position ``t``, ``later[i, p - 1]`` for a later pull at in-block delay ``p``."""
    last: dict[int, int] = {}
    total = 0.0
    for t, arm in enumerate(seq):
        arm = int(arm)
        total += first[arm, t] if arm not in last else later[arm, t - last[arm] - 1]
        last[arm] = t
    return float(total)


def _fixed_bounds(var: dict, seq, n_var: int) -> np.ndarray:
    bounds = np.zeros((n_var, 2))
    bounds[:, 1] = 1.0
    last: dict[int, int] = {}
    for t, arm in enumerate(seq):
        keys = [k for k in var if k[-1] == t]
        for key in keys:
            bounds[var[key]] = (0.0, 0.0)
        arm = int(arm)
        key = ("x", arm, t) if arm not in last else ("y", arm, t - last[arm], t)
        bounds[var[key]] = (1.0, 1.0)
        last[arm] = t
    return bounds


class _HighsBlockLP:
    """The block LP held in one HiGHS instance (scipy's bundled HiGHS, the solver behind
    ``scipy.optimize.linprog(method="highs")``), re-solved after bound changes: the
    rounding's LPs differ only in the fixed prefix, so this skips linprog's per-call set-up
    (about 7 ms against 0.2 ms a solve).  ``block_lp_plan(..., backend="linprog")`` solves
    the same LPs through the public ``linprog`` (the tests check both agree)."""

    def __init__(self, n_arms: int, length: int):
        from scipy.optimize._highspy import _core
        from scipy.sparse import vstack

        var, a_eq, a_ub, b_eq, b_ub = _block_lp_structure(n_arms, length)
        a = vstack([a_eq, a_ub]).tocsc()
        n = len(var)
        lp = _core.HighsLp()
        lp.num_col_, lp.num_row_ = n, a.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
        lp.row_lower_ = np.r_[b_eq, np.full(len(b_ub), -_core.kHighsInf)]
        lp.row_upper_ = np.r_[b_eq, b_ub]
        lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, a.shape[0]
        lp.sense_ = _core.ObjSense.kMaximize
        self._core = _core
        self.highs = _core._Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(lp)
        self.n = n
        self.cols = np.arange(n, dtype=np.int32)

    def solve(self, gain: np.ndarray, bounds: np.ndarray):
        h = self.highs
        h.changeColsCost(self.n, self.cols, gain)
        h.changeColsBounds(self.n, self.cols, bounds[:, 0].copy(), bounds[:, 1].copy())
        h.run()
        if h.getModelStatus() != self._core.HighsModelStatus.kOptimal:
            return -np.inf, None
        return h.getInfo().objective_function_value, np.array(h.getSolution().col_value)


@functools.lru_cache(maxsize=16)
def _highs_block(n_arms: int, length: int) -> _HighsBlockLP | None:
    try:
        return _HighsBlockLP(n_arms, length)
    except (ImportError, AttributeError):  # pragma: no cover - another scipy layout
        return None


def block_lp_plan(first: np.ndarray, later: np.ndarray, length: int,
                  backend: str = "highs") -> list[int]:
    """Laforgue et al.'s block planner: the LP relaxation above, rounded greedily position
    by position (for each candidate arm at the next position, the realised value of the
    fixed prefix plus the LP optimum over the rest; the last position by direct
    evaluation), solved with HiGHS.  ``backend="linprog"`` goes through
    ``scipy.optimize.linprog(method="highs")``; ``"highs"`` (default) keeps one HiGHS model
    and changes bounds (same solver, same LPs, 30x less overhead)."""
    from scipy.optimize import linprog

    n_arms = first.shape[0]
    var, a_eq, a_ub, b_eq, b_ub = _block_lp_structure(n_arms, length)
    n_var = len(var)
    gain = np.zeros(n_var)
    for key, j in var.items():
        gain[j] = first[key[1], key[2]] if key[0] == "x" else later[key[1], key[2] - 1]
    names = list(var)
    fast = _highs_block(n_arms, length) if backend == "highs" else None
    free = np.tile([0.0, 1.0], (n_var, 1))

    def solve(prefix):
        bounds = _fixed_bounds(var, prefix, n_var) if prefix else free
        if fast is not None:
            return fast.solve(gain, bounds)
        res = linprog(-gain, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                      method="highs")
        return (-res.fun, res.x) if res.status == 0 else (-np.inf, None)

    def integral(x):
        return x is not None and bool(np.all(np.minimum(np.abs(x), np.abs(1.0 - x)) < 1e-7))

    def decode(x):
        seq = [0] * length
        for j in np.flatnonzero(x > 0.5):
            seq[names[j][-1]] = names[j][1]
        return seq

    # an integral optimum of the relaxation is a best block: every greedy step would score
    # its value, so rounding keeps it (this saves the k (length - 1) rounding LPs)
    _, x = solve([])
    if integral(x):
        return decode(x)
    seq: list[int] = []
    for t in range(length):
        scores = np.full(n_arms, -np.inf)
        sols = [None] * n_arms
        for arm in range(n_arms):
            cand = seq + [arm]
            if t == length - 1:
                scores[arm] = block_plan_value(cand, first, later)
            else:
                scores[arm], sols[arm] = solve(cand)
        best = int(np.argmax(scores))
        seq.append(best)
        if integral(sols[best]):
            return decode(sols[best])
    return seq


def block_enumerate_plan(first: np.ndarray, later: np.ndarray, length: int) -> list[int]:
    """The exact best block sequence by enumeration (``n_arms ** length`` sequences): the
    reference the LP rounding is tested against, and a fast option of the agents."""
    n_arms = first.shape[0]
    best, best_seq = -np.inf, None
    total = n_arms ** length
    if total > 200_000:
        raise ValueError(f"block enumeration refused: {total:,} sequences")
    for code in range(total):
        seq = [(code // n_arms ** t) % n_arms for t in range(length)]
        value = block_plan_value(seq, first, later)
        if value > best + 1e-12:
            best, best_seq = value, seq
    return best_seq


def log_star(x: float) -> int:
    """The iterated natural logarithm count: how often ``ln`` applies before ``x < 1``."""
    count = 0
    while x >= 1:
        x = math.log(x)
        count += 1
    return count
