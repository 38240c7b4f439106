"""Our SGD-UCB-style primal-dual learner for MultiChannelAutobidding-v0.

The paper (Deng et al., ICML 2023, arXiv 2302.01523) names SGD-UCB: per-channel budgets
on a grid, upper-confidence estimates of each channel's conversions under bandit
feedback, and a dual variable for the aggregate ROI constraint.  Its exact steps are out
of reach; ours, stated here and in docs/auctions.md:

1. Grid: budgets ``k delta`` for ``k = 0..G``, ``delta = rho / G``, ``G = ceil(grid_scale
   T^(1/3))`` by default (the discretisation of an ``O~(T^(2/3))`` bound).
2. Per (channel, grid budget): the mean realised conversions and spend of the periods it
   was played; UCB ``mean + bonus * sqrt(2 max(mean, 1) log(t) / n)`` (Poisson-like
   variance), an untried arm is optimistic (``+inf`` conversion estimate, spend 0).
3. Each period: the budgets maximising ``sum_j (1 + lambda) UCB_j(b_j) - lambda gamma
   spend_j(b_j)`` with ``sum_j b_j <= rho``: a multiple-choice knapsack solved exactly by
   dynamic programming over grid units.
4. Dual step on the period's realised ROI slack:
   ``lambda <- max(0, lambda - eta (conversions - gamma spend))``,
   ``eta = eta_scale / (rho sqrt(T))``.
"""

from __future__ import annotations

import math

import numpy as np

from papergym.agents.auctions._grid import best_grid_allocation, levers_action, read_observation
from papergym.agents.base import Agent

__all__ = ["GridDualAgent", "GridStatistics", "PrimalDualUCBAgent"]

_OPTIMISM = 1e12


class GridStatistics:
    """Counts and sums of realised conversions and spend per (channel, grid arm)."""

    def __init__(self, n_channels: int, grid: int):
        self.count = np.zeros((n_channels, grid + 1))
        self.conv = np.zeros((n_channels, grid + 1))
        self.spend = np.zeros((n_channels, grid + 1))

    def update(self, units: np.ndarray, conversions: np.ndarray, spend: np.ndarray) -> None:
        rows = np.arange(len(units))
        self.count[rows, units] += 1
        self.conv[rows, units] += conversions
        self.spend[rows, units] += spend

    def means(self) -> tuple[np.ndarray, np.ndarray]:
        n = np.maximum(self.count, 1)
        return self.conv / n, self.spend / n


class GridDualAgent(Agent):
    """What the grid learners share (steps 1 and 4 of the module docstring): the budget grid
    and its statistics, set up at reset, and the dual step on each period's ROI slack.
    Subclasses choose ``self._units`` (grid units per channel) in ``act``."""

    def __init__(self, grid_size: int = 0, grid_scale: float = 1.5, eta_scale: float = 8.0):
        self.grid_size = int(grid_size)      # 0: ceil(grid_scale * T^(1/3))
        self.grid_scale = float(grid_scale)
        self.eta_scale = float(eta_scale)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        conv, _, _, budget, roi = read_observation(observation)
        T = int(info.get("horizon", 1000))
        self._levers = info.get("levers", "budget")
        self._M = len(conv)
        self._G = self.grid_size or max(2, math.ceil(self.grid_scale * T ** (1 / 3)))
        self._delta = budget / self._G
        self._budget, self._roi = budget, roi
        self._eta = self.eta_scale / (budget * math.sqrt(T))
        self._stats = GridStatistics(self._M, self._G)
        self._lambda = 0.0
        self._t = 0
        self._units = np.zeros(self._M, dtype=np.int64)

    def _budgets_action(self) -> np.ndarray:
        return levers_action(self._levers, budgets=self._units * self._delta)

    def observe(self, action, reward, observation, terminated, truncated, info):
        conv, spend, _, _, _ = read_observation(observation)
        self._stats.update(self._units, conv, spend)
        self._t += 1
        slack = conv.sum() - self._roi * spend.sum()
        self._lambda = max(0.0, self._lambda - self._eta * slack)


class PrimalDualUCBAgent(GridDualAgent):
    """Our SGD-UCB-style primal-dual learner (module docstring)."""

    name = "primal-dual-ucb"
    paper = ("ours, after SGD-UCB in Deng, Golrezaei, Jaillet, Liang, Mirrokni, ICML 2023, "
             "arXiv 2302.01523")

    def __init__(self, grid_size: int = 0, grid_scale: float = 1.5, bonus: float = 0.25,
                 eta_scale: float = 8.0):
        super().__init__(grid_size, grid_scale, eta_scale)
        self.bonus = float(bonus)

    def _estimates(self) -> tuple[np.ndarray, np.ndarray]:
        st = self._stats
        mean_conv, mean_spend = st.means()
        t = max(self._t, 1)
        width = self.bonus * np.sqrt(2 * np.maximum(mean_conv, 1.0) * math.log(t + 1)
                                     / np.maximum(st.count, 1))
        ucb = np.where(st.count > 0, mean_conv + width, _OPTIMISM)
        ucb[:, 0] = 0.0                      # a zero budget buys nothing, surely
        spend = np.where(st.count > 0, mean_spend, 0.0)
        spend[:, 0] = 0.0
        return ucb, spend

    def act(self, observation, info):
        ucb, spend = self._estimates()
        lam = self._lambda
        gain = (1 + lam) * ucb - lam * self._roi * spend
        self._units = best_grid_allocation(gain)
        return self._budgets_action()
