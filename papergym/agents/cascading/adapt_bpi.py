"""AdaptBPI: the paper's baseline for best-policy identification, tabular optimistic BPI
with every ordered list as one atomic action.

Named in Du, Srikant, Chen (ICLR 2024); its form here is ours: AdaptRM's optimistic values,
the pessimistic value of the optimistic policy with the bonus subtracted (unvisited lists
worth 0), and the stopping rule ``V_up_1(s_1) - V_lo_1(s_1) <= epsilon`` of our
CascadingBPI, so the comparison measures only the list structure.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.cascading.adapt_rm import AdaptRMAgent
from papergym.utils.checks import check_real

__all__ = ["AdaptBPIAgent"]


class AdaptBPIAgent(AdaptRMAgent):
    """Explore like AdaptRM until the stopping rule fires, then play the identified policy.
    ``stopped_episode``, ``policy`` (H, S, m) and ``width`` as in CascadingBPI."""

    name = "adapt-bpi"

    def __init__(self, epsilon: float = 0.5, delta: float = 0.005, bonus_scale: float = 1.0):
        super().__init__(delta=delta, bonus_scale=bonus_scale)
        self.epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)

    def reset(self, observation, info, *, env_model=None, seed=None) -> None:
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.stopped_episode: int | None = None
        self.policy: np.ndarray | None = None
        self.width = np.inf

    @property
    def stopped(self) -> bool:
        return self.stopped_episode is not None

    def _lower_of(self, policy: np.ndarray) -> np.ndarray:
        H, S = self.horizon, self.n_states
        from papergym.agents.cascading._common import confidence_log

        L = confidence_log(S, self.n_items, H, self.episode, self.delta)
        n1 = np.maximum(self.visits, 1.0)
        radius = self.bonus_scale * np.sqrt(L / (2.0 * n1))
        r_hat = self.reward_sum / n1
        p_hat = self.next_counts / n1[..., None]
        seen = self.visits > 0
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
        lower = self._lower_of(self._policy)
        s1 = self.initial_state
        self.width = float(self.upper_value[0, s1] - lower[0, s1])
        if self.width <= self.epsilon:
            self.stopped_episode = self.episode
            self.policy = self._actions[self._policy]


