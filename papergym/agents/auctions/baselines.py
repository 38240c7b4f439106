"""Budget baselines of MultiChannelAutobidding-v0: equal split, proportional to past
conversions, epsilon-greedy over per-channel budget grids."""

from __future__ import annotations

import math

import numpy as np

from papergym.agents.auctions._grid import best_grid_allocation, levers_action, read_observation
from papergym.agents.auctions.primal_dual_ucb import GridStatistics
from papergym.agents.base import Agent

__all__ = ["EpsilonGreedyAgent", "EqualSplitAgent", "ProportionalAgent"]


class EqualSplitAgent(Agent):
    """Budget ``rho / M`` on every channel, every period."""

    name = "equal-split"
    paper = ("baseline (ours) for the problem of Deng, Golrezaei, Jaillet, Liang, Mirrokni, "
             "ICML 2023, arXiv 2302.01523")

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        conv, _, _, budget, _ = read_observation(observation)
        self._action = levers_action(info.get("levers", "budget"),
                                     budgets=np.full(len(conv), budget / len(conv)))

    def act(self, observation, info):
        return self._action.copy()


class ProportionalAgent(Agent):
    """Budgets proportional to each channel's conversions so far (plus ``prior`` each, so
    that every channel keeps some budget); starts as an equal split."""

    name = "proportional"
    paper = None

    def __init__(self, prior: float = 1.0):
        self.prior = float(prior)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        conv, _, _, budget, _ = read_observation(observation)
        self._levers = info.get("levers", "budget")
        self._budget = budget
        self._total = np.zeros(len(conv))

    def act(self, observation, info):
        weight = self._total + self.prior
        return levers_action(self._levers, budgets=self._budget * weight / weight.sum())

    def observe(self, action, reward, observation, terminated, truncated, info):
        self._total += read_observation(observation)[0]


class EpsilonGreedyAgent(Agent):
    """Epsilon-greedy over the same per-channel budget grid and dual variable as
    ``primal-dual-ucb``: with probability ``epsilon`` a uniformly random grid budget per
    channel (scaled down to fit ``rho``), else the knapsack on empirical means (untried
    arms count 0)."""

    name = "epsilon-greedy"
    paper = None

    def __init__(self, epsilon: float = 0.1, grid_size: int = 0, grid_scale: float = 1.5,
                 eta_scale: float = 8.0):
        self.epsilon = float(epsilon)
        self.grid_size = int(grid_size)
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
        self._roi = roi
        self._eta = self.eta_scale / (budget * math.sqrt(T))
        self._stats = GridStatistics(self._M, self._G)
        self._lambda = 0.0
        self._units = np.zeros(self._M, dtype=np.int64)

    def act(self, observation, info):
        if self.rng.random() < self.epsilon:
            units = self.rng.integers(0, self._G + 1, size=self._M)
            while units.sum() > self._G:
                units[self.rng.integers(self._M)] //= 2
        else:
            mean_conv, mean_spend = self._stats.means()
            lam = self._lambda
            units = best_grid_allocation((1 + lam) * mean_conv - lam * self._roi * mean_spend)
        self._units = units
        return levers_action(self._levers, budgets=units * self._delta)

    def observe(self, action, reward, observation, terminated, truncated, info):
        conv, spend, _, _, _ = read_observation(observation)
        self._stats.update(self._units, conv, spend)
        self._lambda = max(0.0, self._lambda - self._eta * (conv.sum() - self._roi * spend.sum()))
