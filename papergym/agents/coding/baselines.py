"""Plain MDP agents for the Markov coding game: they ignore the code, so the receiver
decodes at about chance (Ebrahimi, Chen, Khisti, NeurIPS 2024, arXiv 2410.21666, Section 5).

Both plan on the env's protocol-free MDP (``env.model()``), hence ``requires_model``.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.envs.coding import grid
from papergym.envs.coding.grid import soft_q_policy

__all__ = ["ReturnMaxAgent", "MaxEntAgent", "value_iteration"]

_BASELINE_OF = ("baseline of Ebrahimi, Chen, Khisti, Minimum Entropy Coupling with "
                "Bottleneck, NeurIPS 2024, arXiv 2410.21666")


def value_iteration(model, tol: float = 1e-10) -> np.ndarray:
    """Q* of an env model (transitions, rewards, terminal, gamma): the grid module's value
    iteration, the one the env's ``info["regret"]`` is measured with."""
    return grid.value_iteration(model["transitions"], model["rewards"], model["terminal"],
                                model["gamma"], tol)


class ReturnMaxAgent(Agent):
    """The return-maximising baseline: greedy in Q* (value iteration on the model, the
    cached :func:`papergym.envs.coding.grid.optimal_q` of its grid, slip and gamma, so
    its moves have regret 0).  No hyper-parameters.  Ties go to the lower action."""

    name = "return-max"
    paper = _BASELINE_OF
    requires_model = True
    role = "sender"
    roles = ("sender",)  # the role it plays on the leaderboard of the parallel game

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        if env_model is None:
            raise ValueError("env_model: return-max plans on env.model(); got None")
        if "layout" in env_model and "slip" in env_model:  # the env's grid: cached Q*
            self._q = grid.optimal_q(env_model["layout"], float(env_model["slip"]),
                                     float(env_model["gamma"]))
        else:
            self._q = value_iteration(env_model)

    def act(self, observation, info):
        return int(np.argmax(self._q[int(observation["state"])]))


class MaxEntAgent(Agent):
    """Samples the maximum-entropy policy pi_beta (soft Q-value iteration) and ignores the
    code: the protocol's actions without the message.  ``beta``: the temperature, by
    default (None) the env's (``model()["beta"]``), so it plays the protocol's policy."""

    name = "max-ent"
    paper = _BASELINE_OF
    requires_model = True
    role = "sender"
    roles = ("sender",)  # the role it plays on the leaderboard of the parallel game

    def __init__(self, beta: float | None = None):
        if beta is not None and not (isinstance(beta, (int, float)) and not isinstance(beta, bool)
                                     and np.isfinite(beta) and beta > 0):
            raise ValueError(f"beta must be a finite number > 0 or None, got {beta!r}")
        self.beta = None if beta is None else float(beta)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        if env_model is None:
            raise ValueError("env_model: max-ent plans on env.model(); got None")
        beta = self.beta if self.beta is not None else env_model.get("beta")
        if beta is None:
            raise ValueError("beta: the env's model has no beta; give max-ent a beta")
        self._pi = soft_q_policy(env_model["layout"], env_model["slip"], float(beta),
                                 env_model["gamma"])

    def act(self, observation, info):
        probs = self._pi[int(observation["state"])]
        return int(min(np.searchsorted(np.cumsum(probs), self.rng.random(), side="right"), 3))
