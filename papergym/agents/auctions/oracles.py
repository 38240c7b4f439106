"""Oracle agents of MultiChannelAutobidding-v0 (``requires_model``): the global LP's
spends as budgets, the paper's budget-only lever and ROI-only lever optimisers."""

from __future__ import annotations

import numpy as np

from papergym.agents.auctions._grid import levers_action
from papergym.agents.base import Agent
from papergym.envs.auctions.channels import budget_only, global_lp, roi_only

__all__ = ["BudgetOnlyAgent", "GlobalOptimumAgent", "RoiOnlyAgent"]

PAPER = "Deng, Golrezaei, Jaillet, Liang, Mirrokni, ICML 2023, arXiv 2302.01523"


class GlobalOptimumAgent(Agent):
    """Solves the global LP over every auction with scipy's HiGHS and hands each channel
    its spend in that solution as budget (no ROI targets).  Knows the instance."""

    name = "global-optimum"
    paper = "the global problem of " + PAPER
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        pool = env_model.pool
        v, d, ch = pool.items()
        _, x = global_lp(v, d, env_model.budget, env_model.target_roi)
        budgets = np.bincount(ch, d * x, minlength=pool.n_channels)
        self._action = levers_action(env_model.levers, budgets=budgets)

    def act(self, observation, info):
        return self._action.copy()


class BudgetOnlyAgent(Agent):
    """The paper's positive result: optimising per-channel budgets alone (no ROI targets)
    reaches the global optimum.  Budgets = each channel's spend in the global threshold
    solution (``papergym.envs.auctions.channels.budget_only``).  Knows the instance."""

    name = "budget-only"
    paper = PAPER
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        budgets = budget_only(env_model.pool, env_model.budget, env_model.target_roi)
        self._action = levers_action(env_model.levers, budgets=budgets)

    def act(self, observation, info):
        return self._action.copy()


class RoiOnlyAgent(Agent):
    """The paper's negative result's lever: the best per-channel ROI targets with no
    per-channel budgets (``channels.roi_only``: exact, enumerating which channels are on).
    Can be arbitrarily worse than the optimum.  Knows the instance."""

    name = "roi-only"
    paper = PAPER
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        _, targets = roi_only(env_model.pool, env_model.budget, env_model.target_roi)
        # a channel switched off gets a target above every ratio it has
        off = ~np.isfinite(targets)
        targets = np.where(off, 1e9, targets)
        budgets = np.asarray(env_model.pool.total_cost) * 2.0 + 1.0
        self._action = levers_action(env_model.levers, budgets=budgets, targets=targets)

    def act(self, observation, info):
        return self._action.copy()
