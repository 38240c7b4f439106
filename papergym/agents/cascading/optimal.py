"""The optimal policy: backward induction with BestPerm on the true model."""

from __future__ import annotations

from papergym.agents.cascading._common import CascadingAgent
from papergym.envs.cascading.model import optimal_plan

__all__ = ["OptimalAgent"]


class OptimalAgent(CascadingAgent):
    """Plays the optimal list of every (h, s), computed by backward induction with BestPerm
    from the env's model (``requires_model``); its ``cumulative_regret`` is 0."""

    name = "optimal"
    paper = ("Du, Srikant, Chen, Cascading Reinforcement Learning, ICLR 2024 "
             "(BestPerm oracle)")
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None) -> None:
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._lists = optimal_plan(env_model).lists

    def act(self, observation, info):
        s, h = int(observation[0]), int(observation[1])
        return self._lists[h, s].copy()
