"""Stationary foils for LSDBandit-v0: UCB1 and sliding-window UCB, blind to the states."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from papergym.agents.base import Agent

__all__ = ["SlidingWindowUCBAgent", "UCB1Agent"]


class UCB1Agent(Agent):
    """UCB1 (Auer, Cesa-Bianchi, Fischer 2002): each arm once, then the arm maximising
    ``mean + sqrt(2 ln t / n)``; ties to the lowest index."""

    name = "ucb1"
    paper = "Auer, Cesa-Bianchi, Fischer, Finite-time Analysis of the Multiarmed Bandit Problem (2002)"

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        k = len(observation)
        self._n = np.zeros(k)
        self._s = np.zeros(k)
        self._t = 0

    def act(self, observation, info):
        unplayed = np.flatnonzero(self._n == 0)
        if len(unplayed):
            return int(unplayed[0])
        idx = self._s / self._n + np.sqrt(2 * math.log(self._t) / self._n)
        return int(np.argmax(idx))

    def observe(self, action, reward, observation, terminated, truncated, info):
        self._n[action] += 1
        self._s[action] += reward
        self._t += 1


class SlidingWindowUCBAgent(Agent):
    """Sliding-window UCB (Garivier and Moulines 2011): statistics over the last ``window``
    rounds only, index ``mean + sqrt(xi ln min(t, window) / n)`` with ``xi = 0.6``."""

    name = "sw-ucb"
    paper = ("Garivier, Moulines, On Upper-Confidence Bound Policies for Switching Bandit "
             "Problems (ALT 2011)")

    def __init__(self, window: int = 50, xi: float = 0.6):
        if not isinstance(window, int) or window < 1:
            raise ValueError(f"window must be an integer >= 1, got {window!r}")
        self.window = window
        self.xi = xi

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        k = len(observation)
        self._n = np.zeros(k)
        self._s = np.zeros(k)
        self._recent: deque = deque()
        self._t = 0

    def act(self, observation, info):
        unplayed = np.flatnonzero(self._n == 0)
        if len(unplayed):
            return int(unplayed[0])
        idx = self._s / self._n + np.sqrt(self.xi * math.log(min(self._t, self.window)) / self._n)
        return int(np.argmax(idx))

    def observe(self, action, reward, observation, terminated, truncated, info):
        self._recent.append((int(action), float(reward)))
        self._n[action] += 1
        self._s[action] += reward
        if len(self._recent) > self.window:
            old, r = self._recent.popleft()
            self._n[old] -= 1
            self._s[old] -= r
        self._t += 1
