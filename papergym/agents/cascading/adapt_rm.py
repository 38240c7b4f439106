"""AdaptRM: the paper's baseline for regret, standard tabular optimistic RL (UCBVI-style)
with every ordered list as one atomic action.

Named in Du, Srikant, Chen (ICLR 2024); its form here is ours: per (s, A) the empirical
mean reward and transition of the whole list, the bonus ``(H - h) * bonus_scale *
sqrt(L / (2 n(s, A)))`` (the same constants as our CascadingVI, so the comparison measures
only the list structure), values capped at ``H - h``, unvisited lists worth ``H - h``.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.cascading._common import CascadingAgent, confidence_log
from papergym.agents.cascading.cascading_vi import PAPER
from papergym.envs.cascading.model import all_lists
from papergym.utils.checks import check_real

__all__ = ["AdaptRMAgent"]


class AdaptRMAgent(CascadingAgent):
    """UCBVI over the ``sum_l N!/(N-l)!`` atomic lists (the empty list included)."""

    name = "adapt-rm"
    paper = PAPER + " (baseline AdaptRM)"

    def __init__(self, delta: float = 0.005, bonus_scale: float = 1.0):
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True,
                                high_open=True)
        self.bonus_scale = check_real("bonus_scale", bonus_scale, low=0.0)

    def reset(self, observation, info, *, env_model=None, seed=None) -> None:
        super().reset(observation, info, env_model=env_model, seed=seed)
        lists = all_lists(self.n_items, self.list_size)
        self._index = {items: i for i, items in enumerate(lists)}
        self._actions = np.stack([self.encode(items) for items in lists])
        S, A = self.n_states, len(lists)
        self.n_actions = A
        self.visits = np.zeros((S, A))
        self.reward_sum = np.zeros((S, A))
        self.next_counts = np.zeros((S, A, S))
        self.episode = 0
        self.initial_state = int(observation[0])
        self._policy = np.zeros((self.horizon, S), dtype=np.int64)

    def _empirical(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per (state, list): the confidence radius, the mean reward, the next-state
        frequencies and whether it was ever played."""
        H, S = self.horizon, self.n_states
        L = confidence_log(S, self.n_items, H, self.episode, self.delta)
        n1 = np.maximum(self.visits, 1.0)
        radius = self.bonus_scale * np.sqrt(L / (2.0 * n1))
        return radius, self.reward_sum / n1, self.next_counts / n1[..., None], self.visits > 0

    def _bounds(self, sign: float) -> tuple[np.ndarray, np.ndarray]:
        """Optimistic (``sign`` = +1) backward induction: values (H + 1, S) and the greedy
        list indices (H, S)."""
        H, S = self.horizon, self.n_states
        radius, r_hat, p_hat, seen = self._empirical()
        value = np.zeros((H + 1, S))
        policy = np.zeros((H, S), dtype=np.int64)
        for h in range(H - 1, -1, -1):
            q = r_hat + p_hat @ value[h + 1] + sign * (H - h) * radius
            q = np.where(seen, np.clip(q, 0.0, H - h), H - h if sign > 0 else 0.0)
            policy[h] = q.argmax(axis=1)
            value[h] = q[np.arange(S), policy[h]]
        return value, policy

    def plan(self) -> None:
        self.upper_value, self._policy = self._bounds(+1.0)

    def act(self, observation, info):
        s, h = int(observation[0]), int(observation[1])
        if h == 0:
            self.plan()
        return self._actions[self._policy[h, s]].copy()

    def observe(self, action, reward, observation, terminated, truncated, info) -> None:
        N = self.n_items
        items = []
        for a in np.asarray(action).tolist():
            if a == N:
                break
            items.append(a)
        i = self._index[tuple(items)]
        s = info["state"]
        self.visits[s, i] += 1.0
        self.reward_sum[s, i] += float(reward)
        self.next_counts[s, i, info["next_state"]] += 1.0
        if info["episode_end"]:
            self.episode += 1
