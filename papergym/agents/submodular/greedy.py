"""The greedy one-step marginal-gain planner as an agent (needs the model)."""

from __future__ import annotations

from papergym.agents.base import Agent
from papergym.envs.submodular.planners import greedy_action

__all__ = ["GreedyAgent"]


class GreedyAgent(Agent):
    """Move to the neighbour with the largest marginal gain (lowest action among ties); when
    no neighbour gains anything, step toward the nearest cell that does.  The env reports
    every F as a ratio to this planner's value (``ratio_to_greedy``)."""

    name = "greedy"
    paper = ("the greedy marginal-gain planner (the reference value) of Prajapat et al., "
             "Submodular Reinforcement Learning, ICLR 2024")
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._problem = env_model
        self._state = env_model.trajectory_state()
        self._state.add(int(observation["cell"]))

    def act(self, observation, info):
        return greedy_action(self._problem, self._state, int(observation["cell"]))

    def observe(self, action, reward, observation, terminated, truncated, info):
        self._state.add(int(observation["cell"]))
