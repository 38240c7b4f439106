"""The oracle: plays the best legal intervention of the segment in force (uses ``model()``)."""

from __future__ import annotations

import numpy as np

from papergym.agents.causal.common import CausalAgent

__all__ = ["OracleAgent"]


class OracleAgent(CausalAgent):
    """Knows the SEM (and its change points): zero regret, the leaderboard's ceiling."""

    name = "oracle"
    paper = "the best intervention, knowing the SEM: the regret reference of Peng, Zhang, Mitra, IEEE TSP 2025 (arXiv 2408.11240)"
    requires_model = True

    def act(self, observation, info):
        model = self._env_model
        segment = model.segment_at(int(info["t"]))
        return self.emit(int(np.argmax(model.rewards[segment])))
