"""What every cascading agent shares: the sizes read from the spaces, list encoding, the
confidence radius, and the statistics of cascading feedback."""

from __future__ import annotations

from math import log
from typing import Any

import gymnasium as gym
import numpy as np

from papergym.agents.base import Agent
from papergym.utils.checks import check_real

__all__ = ["CascadingAgent", "CascadingStats", "confidence_log", "is_bandit"]


def confidence_log(n_states: int, n_items: int, horizon: int, episode: int,
                   delta: float) -> float:
    """``L = log(4 S (N + 1) H (k + 1)^2 / delta)``: our union bound over (s, a, h) and
    episodes ``k`` (the paper's exact logarithmic term is not available to us)."""
    return log(4.0 * n_states * (n_items + 1) * horizon * (episode + 1) ** 2 / delta)


def is_bandit(env_id: str, kwargs: dict[str, Any]) -> str | None:
    """``applies_to`` of the bandit-only agents: None for a one-state, one-step env whose
    items all pay 1 (CascadingBandit-v0), else the reason."""
    if env_id == "CascadingBandit-v0":
        return None
    return f"{env_id} is not a cascading bandit (these agents assume one state and reward 1)"


class CascadingAgent(Agent):
    """Base of the family's agents: after :meth:`bind`, ``n_states``, ``horizon``,
    ``n_items`` and ``list_size`` come from the spaces (observation ``MultiDiscrete([S,
    H])``, action ``MultiDiscrete([N + 1] * m)``)."""

    def bind(self, observation_space: gym.Space, action_space: gym.Space) -> None:
        super().bind(observation_space, action_space)
        if not isinstance(observation_space, gym.spaces.MultiDiscrete) \
                or not isinstance(action_space, gym.spaces.MultiDiscrete):
            raise ValueError(f"{type(self).__name__} needs a cascading env's MultiDiscrete "
                             f"spaces, got {observation_space} and {action_space}")
        self.n_states, self.horizon = (int(x) for x in observation_space.nvec)
        nvec = np.asarray(action_space.nvec).ravel()
        self.n_items, self.list_size = int(nvec[0]) - 1, int(nvec.size)

    def encode(self, items) -> np.ndarray:
        """A list of items as an action: padded with the stop symbol ``N``."""
        out = np.full(self.list_size, self.n_items, dtype=np.int64)
        items = list(items)[:self.list_size]
        out[:len(items)] = items
        return out


class CascadingStats:
    """Counts of cascading feedback: every examined item's attraction trial, the clicked
    item's reward, and one transition sample for the clicked item (or the no-click item
    ``N``)."""

    def __init__(self, n_states: int, n_items: int):
        S, N = n_states, n_items
        self.examined = np.zeros((S, N))
        self.clicks = np.zeros((S, N))
        self.reward_sum = np.zeros((S, N))
        self.visits = np.zeros((S, N + 1))
        self.next_counts = np.zeros((S, N + 1, S))

    def update(self, reward: float, info: dict) -> None:
        s = info["state"]
        for a in info["examined"]:
            self.examined[s, a] += 1.0
        item = info["clicked_item"]
        j = self.examined.shape[1] if item < 0 else item
        if item >= 0:
            self.clicks[s, item] += 1.0
            self.reward_sum[s, item] += reward
        self.visits[s, j] += 1.0
        self.next_counts[s, j, info["next_state"]] += 1.0


class StoppingRule:
    """The part the two best-policy-identification agents share (a mixin placed before
    their learner): ``epsilon``, the stop state, and the rule ``V_up_1(s_1) - V_lo_1(s_1)
    <= epsilon``, after which the identified ``policy`` is played.  ``stopped_episode`` is
    the sample complexity (None if the rule never fired); ``width`` the last gap."""

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

    def _stop_if_identified(self, upper: np.ndarray, lower: np.ndarray, policy) -> None:
        """Apply the rule at the initial state; ``policy()`` builds the policy to keep."""
        s1 = self.initial_state
        self.width = float(upper[0, s1] - lower[0, s1])
        if self.width <= self.epsilon:
            self.stopped_episode = self.episode
            self.policy = policy()
