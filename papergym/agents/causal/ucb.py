"""UCB over all 2^N interventions as independent arms, and its sliding-window form."""

from __future__ import annotations

import numpy as np

from papergym.agents.causal.common import CausalAgent
from papergym.utils.checks import check_int, check_real

__all__ = ["UCBAgent"]


class UCBAgent(CausalAgent):
    """Vanilla UCB (Auer et al. 2002) on the legal interventions, the causal-bandit papers'
    structure-blind baseline, as the authors' code runs it: each arm once in index order,
    then ``argmax mean + coef * sqrt(ln t / n_pulls)`` with ``coef = 1``.  With ``window``
    the mean is over the arm's last ``window`` rewards (sliding-window UCB; the authors use
    10 in the non-stationary run) while the bonus keeps the all-time pull count, as there.
    """

    name = "ucb"
    paper = "Auer, Cesa-Bianchi, Fischer, Machine Learning 2002 (UCB1)"

    def __init__(self, coef: float = 1.0, window: int | None = None):
        self.coef = check_real("coef", coef, low=0.0)
        self.window = None if window is None else check_int("window", window, low=1)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        arms = self.legal.size
        self._pulls = np.zeros(arms)
        self._sums = np.zeros(arms)
        self._slot = np.full(2 ** self.n_nodes, -1)
        self._slot[self.legal] = np.arange(arms)
        if self.window is not None:
            self._recent = np.zeros((arms, self.window))

    def act(self, observation, info):
        arms = self.legal.size
        if self.t < arms:
            return self.emit(self.legal[self.t])
        if self.window is None:
            means = self._sums / self._pulls
        else:
            kept = np.minimum(self._pulls, self.window)
            means = self._recent.sum(axis=1) / kept
        index = means + self.coef * np.sqrt(np.log(self.t) / self._pulls)
        return self.emit(self.legal[int(np.argmax(index))])

    def observe(self, action, reward, observation, terminated, truncated, info):
        arm = self._slot[self.index_of(action)]
        if self.window is not None:
            self._recent[arm, int(self._pulls[arm]) % self.window] = reward
        self._pulls[arm] += 1
        self._sums[arm] += reward
        super().observe(action, reward, observation, terminated, truncated, info)
