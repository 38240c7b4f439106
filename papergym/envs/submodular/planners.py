"""Planners on a :class:`SubmodularProblem`: the greedy one-step marginal-gain planner (the
"best known value" the env reports ratios against) and the exhaustive optimum for small
instances (what the claim tests measure approximation ratios against)."""

from __future__ import annotations

from collections import deque

import numpy as np

from papergym.envs.submodular.problem import N_ACTIONS, SubmodularProblem, TrajectoryState

__all__ = ["exhaustive_optimum", "greedy_action", "greedy_rollout"]


def _toward_gain(problem: SubmodularProblem, state: TrajectoryState, cell: int) -> int:
    """The first action of a shortest path from ``cell`` to the nearest cell with a positive
    marginal gain (breadth-first over the moves, actions tried in order), or 0 (stay)."""
    if problem.objective != "information" and state.value >= problem.max_value() - 1e-9:
        return 0  # F is at its maximum: nothing left to gain anywhere
    nxt = problem.geometry.next_cell
    first = {cell: 0}
    queue = deque([cell])
    while queue:
        c = queue.popleft()
        for a in range(1, N_ACTIONS):
            d = int(nxt[c, a])
            if d in first:
                continue
            first[d] = a if c == cell else first[c]
            if state.gain(d) > 0.0:
                return first[d]
            queue.append(d)
    return 0


def greedy_action(problem: SubmodularProblem, state: TrajectoryState, cell: int) -> int:
    """The action whose next cell has the largest marginal gain (lowest action index among
    ties); when every neighbour gains nothing, a step toward the nearest cell that still
    gains something (our tie-break: the plain one-step rule would stay put forever)."""
    nxt = problem.geometry.next_cell[cell]
    gains = [state.gain(int(nxt[a])) for a in range(N_ACTIONS)]
    best = max(gains)
    if best > 0.0:
        return gains.index(best)
    return _toward_gain(problem, state, cell)


def greedy_rollout(problem: SubmodularProblem, start: int | None = None) -> tuple[float, list[int]]:
    """Roll the greedy planner out for the whole horizon: (F(tau), the visited cells)."""
    cell = problem.start if start is None else int(start)
    state = problem.trajectory_state()
    state.add(cell)
    path = [cell]
    for _ in range(problem.horizon - 1):
        cell = int(problem.geometry.next_cell[cell, greedy_action(problem, state, cell)])
        state.add(cell)
        path.append(cell)
    return state.value, path


def exhaustive_optimum(problem: SubmodularProblem, max_nodes: int = 2_000_000
                       ) -> tuple[float, list[int]]:
    """The best F(tau) over every action sequence (dynamics are deterministic, so an open-loop
    sequence is as good as any policy): depth-first search, merging branches that reach the
    same (cell, visited set).  Refuses instances with more than ``max_nodes`` search nodes."""
    start = problem.start
    layer = {(start, frozenset([start])): (problem.value([start]), [start])}
    nodes = 0
    nxt = problem.geometry.next_cell
    for _ in range(problem.horizon - 1):
        new: dict = {}
        for (cell, visited), (val, path) in layer.items():
            for a in range(N_ACTIONS):
                d = int(nxt[cell, a])
                key = (d, visited | {d})
                if key in new:
                    continue
                nodes += 1
                if nodes > max_nodes:
                    raise ValueError(f"exhaustive_optimum: more than {max_nodes} search nodes; "
                                     "use a smaller grid or horizon")
                new[key] = (problem.value(key[1]) if d not in visited else val, path + [d])
        layer = new
    best = max(layer.values(), key=lambda item: item[0])
    return float(best[0]), best[1]


def mean_revisit_rate(paths: np.ndarray) -> float:
    """The share of moves (over trajectories ``paths`` (B, H)) that land on a cell the
    trajectory had already visited."""
    paths = np.asarray(paths)
    b, h = paths.shape
    revisits = 0
    for row in paths:
        seen = {int(row[0])}
        for c in row[1:]:
            c = int(c)
            revisits += c in seen
            seen.add(c)
    return revisits / max(1, b * (h - 1))
