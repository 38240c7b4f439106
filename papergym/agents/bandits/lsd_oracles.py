"""Planning agents of LSDBandit-v0 that read the payoff table (``requires_model``): the
exact dynamic program, our LP planner and Oracle Greedy."""

from __future__ import annotations

import numpy as np

from papergym.agents.bandits._common import FOUSSOUL, LAFORGUE
from papergym.agents.base import Agent
from papergym.envs.bandits import lsd_math

__all__ = ["ExactDPAgent", "LPPlannerAgent", "OracleGreedyAgent"]


class ExactDPAgent(Agent):
    """The optimal schedule by backward induction over the reachable joint states
    (:func:`papergym.envs.bandits.lsd_math.exact_dp`).  Refuses (``ValueError`` stating the
    size) instances whose joint state space bound exceeds ``limit``."""

    name = "lsd-dp"
    paper = FOUSSOUL
    requires_model = True

    def __init__(self, limit: int = lsd_math.DP_STATE_LIMIT):
        self.limit = limit

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        m = env_model
        self._plan = lsd_math.exact_dp(m.table, m.horizon, m.cap, m.signed, limit=self.limit)
        self._horizon = m.horizon

    def act(self, observation, info):
        return self._plan.action(np.asarray(observation), self._horizon - int(info["t"]))


class LPPlannerAgent(Agent):
    """Ours: the LP relaxation over (arm, state) frequencies plus rounding
    (:func:`papergym.envs.bandits.lsd_math.lp_planner`), played open loop.  Foussoul et
    al.'s own LP, rounding and constant are not retrievable; this is our design in their
    spirit (a relaxation over frequencies, then a schedule), not their algorithm."""

    name = "lsd-lp-planner"
    paper = FOUSSOUL + " (our planner, not the paper's algorithm)"
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        m = env_model
        self._actions, self._planned_value, _ = lsd_math.lp_planner(m.table, m.horizon, m.cap,
                                                                    m.signed)

    def act(self, observation, info):
        return self._actions[int(info["t"])]


class OracleGreedyAgent(Agent):
    """Oracle Greedy (Laforgue et al.'s baseline): knows the table and pulls the arm with
    the best payoff in its current state, ties broken uniformly at random."""

    name = "oracle-greedy"
    paper = LAFORGUE
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._m = env_model
        self._rows = np.arange(env_model.n_arms)

    def act(self, observation, info):
        m = self._m
        now = m.table[self._rows, lsd_math.columns(np.asarray(observation), m.cap, m.signed)]
        best = np.flatnonzero(now >= now.max() - 1e-12)
        return int(best[self.rng.integers(len(best))]) if len(best) > 1 else int(best[0])
