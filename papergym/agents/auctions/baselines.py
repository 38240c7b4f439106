"""Budget baselines of MultiChannelAutobidding-v0: equal split, proportional to past
conversions, epsilon-greedy over per-channel budget grids."""

from __future__ import annotations

import numpy as np

from papergym.agents.auctions._grid import best_grid_allocation, levers_action, read_observation
from papergym.agents.auctions.primal_dual_ucb import GridDualAgent
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


class EpsilonGreedyAgent(GridDualAgent):
    """Epsilon-greedy over the same per-channel budget grid and dual variable as
    ``primal-dual-ucb``: with probability ``epsilon`` a uniformly random grid budget per
    channel (scaled down to fit ``rho``), else the knapsack on empirical means (untried
    arms count 0)."""

    name = "epsilon-greedy"
    paper = None

    def __init__(self, epsilon: float = 0.1, grid_size: int = 0, grid_scale: float = 1.5,
                 eta_scale: float = 8.0):
        super().__init__(grid_size, grid_scale, eta_scale)
        self.epsilon = float(epsilon)

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
        return self._budgets_action()
