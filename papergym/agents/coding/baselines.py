"""Plain MDP agents for the Markov coding game: they ignore the code, so the receiver
decodes at about chance (Ebrahimi, Chen, Khisti, NeurIPS 2024, arXiv 2410.21666, Section 5).

Both plan on the env's protocol-free MDP (``env.model()``), hence ``requires_model``.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.envs.coding.grid import soft_q_policy

__all__ = ["ReturnMaxAgent", "MaxEntAgent", "value_iteration"]

_BASELINE_OF = ("baseline of Ebrahimi, Chen, Khisti, Minimum Entropy Coupling with "
                "Bottleneck, NeurIPS 2024, arXiv 2410.21666")


def value_iteration(model, tol: float = 1e-10) -> np.ndarray:
    """Q* of an env model (transitions, rewards, terminal, gamma)."""
    P, R, term, gamma = model["transitions"], model["rewards"], model["terminal"], model["gamma"]
    V = np.zeros(P.shape[0])
    for _ in range(5000):
        Q = R + gamma * P @ V
        V_new = np.where(term, 0.0, Q.max(axis=1))
        if np.max(np.abs(V_new - V)) < tol:
            break
        V = V_new
    return R + gamma * P @ V_new


class ReturnMaxAgent(Agent):
    """The return-maximising baseline: greedy in Q* (value iteration on the model).
    No hyper-parameters.  Ties go to the lower action."""

    name = "return-max"
    paper = _BASELINE_OF
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        if env_model is None:
            raise ValueError("env_model: return-max plans on env.model(); got None")
        self._q = value_iteration(env_model)

    def act(self, observation, info):
        return int(np.argmax(self._q[int(observation["state"])]))


class MaxEntAgent(Agent):
    """Samples the maximum-entropy policy pi_beta (soft Q-value iteration) and ignores the
    code: the protocol's actions without the message.  ``beta`` (default 0.02)."""

    name = "max-ent"
    paper = _BASELINE_OF
    requires_model = True

    def __init__(self, beta: float = 0.02):
        self.beta = float(beta)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        if env_model is None:
            raise ValueError("env_model: max-ent plans on env.model(); got None")
        self._pi = soft_q_policy(env_model["layout"], env_model["slip"], self.beta,
                                 env_model["gamma"])

    def act(self, observation, info):
        probs = self._pi[int(observation["state"])]
        return int(min(np.searchsorted(np.cumsum(probs), self.rng.random(), side="right"), 3))
