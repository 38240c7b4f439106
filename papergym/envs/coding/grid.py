"""The noisy grid-world MDP of the Markov coding game, and its soft-Q (maximum-entropy) policy.

The MDP follows the setup of Ebrahimi, Chen, Khisti, "Minimum Entropy Coupling with
Bottleneck" (NeurIPS 2024, arXiv 2410.21666, Appendix, Figure 7): a start cell, a goal,
a trap and obstacles; a move slips with some probability.  Ours are in :data:`LAYOUTS`
and :func:`grid_mdp`'s defaults (why these: docs/coding.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["LAYOUTS", "GridMDP", "grid_mdp", "soft_q_policy", "value_iteration", "optimal_q",
           "action_gap"]

#: Named layouts. S start, G goal (+1, ends), T trap (-1, ends), # obstacle, . free.
LAYOUTS: dict[str, str] = {
    "4x4": "S...\n.#T.\n....\n.#.G",
    "6x6": "S.....\n.#..#.\n.#T...\n...#..\n.T..#.\n.....G",
    "10x10": ("S.........\n.##...#...\n....T.#...\n.#.......#\n.#..##....\n"
              "......T...\n.##.......\n....#..##.\n.T..#.....\n.........G"),
}

#: up, right, down, left as (row, col) steps; action a is MOVES[a]
MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)], dtype=np.int64)
ACTION_NAMES = ("up", "right", "down", "left")


@dataclass(frozen=True, eq=False)
class GridMDP:
    """A tabular MDP on a grid: states are cells ``row * cols + col``.

    ``transitions[s, a, s']``, ``rewards[s, a]`` (expected reward of the step),
    ``terminal[s]`` (goal and trap absorb, worth 0 afterwards), ``start`` state.
    Arrays are read-only.
    """

    layout: str
    rows: int
    cols: int
    slip: float
    transitions: np.ndarray
    rewards: np.ndarray
    terminal: np.ndarray
    start: int
    goal_reward: float
    trap_reward: float
    step_reward: float

    @property
    def n_states(self) -> int:
        return self.rows * self.cols

    def cell(self, s: int) -> str:
        return self.layout.split("\n")[s // self.cols][s % self.cols]


@lru_cache(maxsize=32)
def grid_mdp(layout: str, slip: float, goal_reward: float = 1.0, trap_reward: float = -1.0,
             step_reward: float = -0.02) -> GridMDP:
    """Build the MDP of ``layout`` (a name in :data:`LAYOUTS` or the map itself).

    A move goes where intended with probability 1 - ``slip``, else in one of the other
    three directions uniformly; walls and obstacles leave the agent in place.  Entering
    the goal pays ``goal_reward``, the trap ``trap_reward``, any other step
    ``step_reward``.
    """
    text = LAYOUTS.get(layout, layout)
    lines = text.split("\n")
    rows, cols = len(lines), len(lines[0])
    if any(len(line) != cols for line in lines) or set(text) - set("SGT#.\n"):
        raise ValueError(f"grid: rows must be equal length over 'SGT#.', got {layout!r}")
    if text.count("S") != 1 or text.count("G") < 1:
        raise ValueError(f"grid: needs exactly one S and at least one G, got {layout!r}")
    grid = np.array([list(line) for line in lines])
    n = rows * cols
    P = np.zeros((n, 4, n))
    R = np.zeros((n, 4))
    terminal = np.isin(grid.ravel(), ["G", "T"])
    cell_reward = np.where(grid.ravel() == "G", goal_reward,
                           np.where(grid.ravel() == "T", trap_reward, step_reward))
    for s in range(n):
        r, c = divmod(s, cols)
        if terminal[s] or grid[r, c] == "#":
            P[s, :, s] = 1.0
            continue
        dest = []
        for dr, dc in MOVES:
            rr, cc = r + dr, c + dc
            ok = 0 <= rr < rows and 0 <= cc < cols and grid[rr, cc] != "#"
            dest.append(rr * cols + cc if ok else s)
        for a in range(4):
            for m in range(4):
                prob = 1.0 - slip if m == a else slip / 3.0
                P[s, a, dest[m]] += prob
                R[s, a] += prob * cell_reward[dest[m]]
    for arr in (P, R, terminal):
        arr.setflags(write=False)
    start = int(np.flatnonzero(grid.ravel() == "S")[0])
    return GridMDP(text, rows, cols, float(slip), P, R, terminal, start,
                   goal_reward, trap_reward, step_reward)


@lru_cache(maxsize=128)
def soft_q_policy(layout: str, slip: float, beta: float, gamma: float = 0.95,
                  tol: float = 1e-10, max_iter: int = 5000) -> np.ndarray:
    """Maximum-entropy policy pi(a|s) by soft Q-value iteration, cached per (grid, beta).

    Q(s,a) = r(s,a) + gamma * sum_s' P(s'|s,a) V(s'),
    V(s) = beta * log sum_a exp(Q(s,a)/beta) (0 at terminal states), pi = softmax(Q/beta):
    the temperature ``beta`` > 0 trades return for policy entropy, i.e. for the bits an
    action can carry (Sokota et al., ICML 2022, MEME step 1; Ebrahimi et al., Algorithm 8).
    Returns a read-only (n_states, 4) array.
    """
    if not beta > 0:
        raise ValueError(f"beta: must be > 0, got {beta!r}")
    mdp = grid_mdp(layout, slip)
    live = ~mdp.terminal
    V = np.zeros(mdp.n_states)
    for _ in range(max_iter):
        Q = mdp.rewards + gamma * mdp.transitions @ V
        z = Q / beta
        zmax = z.max(axis=1, keepdims=True)
        V_new = np.where(live, beta * (zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))), 0.0)
        if np.max(np.abs(V_new - V)) < tol:
            V = V_new
            break
        V = V_new
    Q = mdp.rewards + gamma * mdp.transitions @ V
    z = Q / beta
    pi = np.exp(z - z.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    pi.setflags(write=False)
    return pi


def value_iteration(transitions: np.ndarray, rewards: np.ndarray, terminal: np.ndarray,
                    gamma: float, tol: float = 1e-10, max_iter: int = 5000) -> np.ndarray:
    """Q* of a tabular discounted MDP by value iteration (terminal states are worth 0).

    Q(s,a) = r(s,a) + gamma * sum_s' P(s'|s,a) V(s'), V(s) = max_a Q(s,a); stops when V
    moves by less than ``tol``.  Returns a new (n_states, n_actions) array."""
    V = np.zeros(transitions.shape[0])
    for _ in range(max_iter):
        Q = rewards + gamma * transitions @ V
        V_new = np.where(terminal, 0.0, Q.max(axis=1))
        if np.max(np.abs(V_new - V)) < tol:
            V = V_new
            break
        V = V_new
    return rewards + gamma * transitions @ V


@lru_cache(maxsize=32)
def optimal_q(layout: str, slip: float, gamma: float = 0.95, tol: float = 1e-10) -> np.ndarray:
    """Q* of the grid (the return-maximising baseline's plan), cached per (grid, slip, gamma).
    Read-only (n_states, 4)."""
    mdp = grid_mdp(layout, slip)
    Q = value_iteration(mdp.transitions, mdp.rewards, mdp.terminal, gamma, tol)
    Q.setflags(write=False)
    return Q


@lru_cache(maxsize=32)
def action_gap(layout: str, slip: float, gamma: float = 0.95) -> np.ndarray:
    """V*(s) - Q*(s, a) >= 0 (0 for an optimal move): the regret of taking a in s in the
    discounted MDP, the env's per-step ``info["regret"]``.  Read-only (n_states, 4)."""
    Q = optimal_q(layout, slip, gamma)
    gap = Q.max(axis=1, keepdims=True) - Q
    gap.setflags(write=False)
    return gap
