"""What every causal-bandit agent shares: reading the env's reset info, the legal
interventions, and turning an intervention index into the env's action format."""

from __future__ import annotations

from typing import Any

import numpy as np

from papergym.agents.base import Agent
from papergym.envs.causal.sem import all_action_bits

__all__ = ["CausalAgent", "needs_all_interventions"]


class CausalAgent(Agent):
    """Base of the causal-bandit agents.

    ``reset`` reads ``noise_mean``, ``horizon``, ``max_interventions``, ``nonstationary``
    and ``action_format`` from the env's reset info and builds ``self.bits`` (bool
    ``(2^N, N)``, row = intervention index) and ``self.legal`` (indices of the legal
    interventions).  :meth:`emit` turns an index into the env's action.
    """

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.n_nodes = int(np.asarray(observation).shape[-1])
        self.nu = np.asarray(info["noise_mean"], dtype=float)
        self.horizon = int(info["horizon"])
        self.nonstationary = bool(info.get("nonstationary", False))
        self.discrete = info.get("action_format") == "discrete"
        self.bits = all_action_bits(self.n_nodes)
        self.legal = np.flatnonzero(self.bits.sum(axis=1) <= int(info["max_interventions"]))
        self.t = 0
        self._env_model = env_model

    def emit(self, index: int) -> Any:
        """The env action for intervention ``index``."""
        index = int(index)
        return index if self.discrete else self.bits[index].astype(np.int8)

    def index_of(self, action: Any) -> int:
        """The intervention index of an env action."""
        if self.discrete:
            return int(action)
        return int(np.dot(np.asarray(action, dtype=np.int64), 1 << np.arange(self.n_nodes)))

    def observe(self, action, reward, observation, terminated, truncated, info):
        self.t += 1


def needs_all_interventions(env_id: str, kwargs: dict) -> str | None:
    """``applies_to`` of agents that play the all-intervened arm."""
    limit = kwargs.get("max_interventions")
    if limit is not None and limit < kwargs.get("n_nodes", 10):
        return "needs the all-nodes intervention, refused by max_interventions < n_nodes"
    return None
