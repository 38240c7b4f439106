"""AdaptBPI: the paper's baseline for best-policy identification, tabular optimistic BPI
with every ordered list as one atomic action.

Named in Du, Srikant, Chen (ICLR 2024); its form here is ours: AdaptRM's optimistic values,
the pessimistic value of the optimistic policy with the bonus subtracted (unvisited lists
worth 0), and the stopping rule ``V_up_1(s_1) - V_lo_1(s_1) <= epsilon`` of our
CascadingBPI, so the comparison measures only the list structure.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.cascading._common import StoppingRule
from papergym.agents.cascading.adapt_rm import AdaptRMAgent

__all__ = ["AdaptBPIAgent"]


class AdaptBPIAgent(StoppingRule, AdaptRMAgent):
    """Explore like AdaptRM until the stopping rule fires, then play the identified policy.
    ``stopped_episode``, ``policy`` (H, S, m) and ``width`` as in CascadingBPI."""

    name = "adapt-bpi"

    def _lower_of(self, policy: np.ndarray) -> np.ndarray:
        H, S = self.horizon, self.n_states
        radius, r_hat, p_hat, seen = self._empirical()
        value = np.zeros((H + 1, S))
        rows = np.arange(S)
        for h in range(H - 1, -1, -1):
            a = policy[h]
            q = r_hat[rows, a] + p_hat[rows, a] @ value[h + 1] - (H - h) * radius[rows, a]
            value[h] = np.where(seen[rows, a], np.clip(q, 0.0, H - h), 0.0)
        return value

    def plan(self) -> None:
        if self.stopped:
            return
        super().plan()
        self._stop_if_identified(self.upper_value, self._lower_of(self._policy),
                                 lambda: self._actions[self._policy])


