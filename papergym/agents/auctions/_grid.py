"""Shared pieces of the budget-grid agents: the observation layout and the
multiple-choice knapsack over per-channel budget grids."""

from __future__ import annotations

import numpy as np

__all__ = ["best_grid_allocation", "levers_action", "read_observation"]


def read_observation(obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """``(conversions (M,), spend (M,), horizon_left, budget, target_roi)`` from a
    MultiChannelAutobidding-v0 observation."""
    obs = np.asarray(obs, dtype=np.float64)
    M = (obs.size - 3) // 2
    return obs[:M], obs[M:2 * M], float(obs[2 * M]), float(obs[2 * M + 1]), float(obs[2 * M + 2])


def levers_action(levers: str, budgets: np.ndarray | None = None,
                  targets: np.ndarray | None = None, no_budget: float = 1e9) -> np.ndarray:
    """The env action for ``levers`` from budgets and/or targets (the missing one: no
    target (0) or a budget that never binds).  float64: the env takes any float array,
    and the oracles' budgets must not be rounded to float32."""
    if levers == "budget":
        return np.asarray(budgets, dtype=np.float64)
    if levers == "roi":
        return np.asarray(targets, dtype=np.float64)
    M = len(budgets if budgets is not None else targets)
    b = np.full(M, no_budget) if budgets is None else budgets
    t = np.zeros(M) if targets is None else targets
    return np.r_[b, t].astype(np.float64)


def best_grid_allocation(gain: np.ndarray) -> np.ndarray:
    """Multiple-choice knapsack: ``gain`` (M, G+1) is channel j's estimated gain with budget
    ``k`` grid units; returns the units per channel (int (M,)) maximising the total with
    ``sum k_j <= G``.  Exact dynamic program in ``O(M G^2)``; ties go to fewer units."""
    M, K = gain.shape
    G = K - 1
    units_grid = np.arange(G + 1)
    before = units_grid[:, None] - units_grid[None, :]      # units left for earlier channels
    valid = before >= 0
    before = np.maximum(before, 0)
    best = np.full(G + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros((M, G + 1), dtype=np.int64)
    for j in range(M):
        cand = np.where(valid, best[before] + gain[j][None, :], -np.inf)
        choice[j] = np.argmax(cand, axis=1)
        best = cand[units_grid, choice[j]]
    u = int(np.argmax(best))
    units = np.zeros(M, dtype=np.int64)
    for j in range(M - 1, -1, -1):
        units[j] = choice[j, u]
        u -= units[j]
    return units
