"""CascadeUCB1 and CascadeKL-UCB (Kveton, Szepesvari, Wen, Ashkan, "Cascading Bandits:
Learning to Rank in the Cascade Model", ICML 2015) for CascadingBandit-v0.

Each round: the ``m`` items with the highest index, in decreasing index order; every
examined item's attraction estimate is updated (clicked: 1, examined and skipped: 0).
CascadeUCB1's index is ``w_hat + sqrt(1.5 log t / T)``; CascadeKL-UCB's is the largest ``q``
with ``T kl(w_hat, q) <= log t + 3 log log t`` (log log clamped at 0 for small ``t``).
Kveton et al. initialise by observing every item once; here an unobserved item's index
is 1 (+inf for UCB1), which shows each item first too.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.cascading._common import CascadingAgent

__all__ = ["CascadeKLUCBAgent", "CascadeUCB1Agent", "kl_upper"]

KVETON = ("Kveton, Szepesvari, Wen, Ashkan, Cascading Bandits: Learning to Rank in the "
          "Cascade Model, ICML 2015")


def kl_upper(mean: np.ndarray, count: np.ndarray, level: float, iters: int = 12) -> np.ndarray:
    """The largest ``q`` in ``[mean, 1]`` with ``count * kl(mean, q) <= level`` (Bernoulli
    KL), by bisection, elementwise.  Pinsker (``kl >= 2 (p - q)^2``) caps the bracket at
    ``mean + sqrt(level / (2 count))``, which ``iters`` halvings then shrink."""
    mean = np.clip(np.asarray(mean, float), 0.0, 1.0)
    count = np.asarray(count, float)
    eps = 1e-15
    m_c = np.clip(mean, eps, 1 - eps)
    # kl(mean, q) = entropy_term - mean log q - (1 - mean) log(1 - q)
    entropy_term = mean * np.log(m_c) + (1 - mean) * np.log(1 - m_c)
    budget = level / np.maximum(count, eps) - entropy_term
    lo = mean.copy()
    hi = np.minimum(1.0, mean + np.sqrt(level / (2.0 * np.maximum(count, eps))))
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        q_c = np.clip(mid, eps, 1 - eps)
        ok = -(mean * np.log(q_c) + (1 - mean) * np.log1p(-q_c)) <= budget
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return lo


class CascadeUCB1Agent(CascadingAgent):
    """CascadeUCB1 (Kveton et al. 2015)."""

    name = "cascade-ucb1"
    paper = KVETON

    def reset(self, observation, info, *, env_model=None, seed=None) -> None:
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.pulls = np.zeros(self.n_items)
        self.clicks = np.zeros(self.n_items)
        self.t = 0

    def index(self) -> np.ndarray:
        t = max(self.t, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ucb = self.clicks / self.pulls + np.sqrt(1.5 * np.log(t) / self.pulls)
        return np.where(self.pulls > 0, ucb, np.inf)

    def act(self, observation, info):
        idx = self.index()
        order = np.argsort(-idx, kind="stable")[:self.list_size]
        return self.encode(order.tolist())

    def observe(self, action, reward, observation, terminated, truncated, info) -> None:
        self.t += 1
        for a in info["examined"]:
            self.pulls[a] += 1.0
        if info["clicked_item"] >= 0:
            self.clicks[info["clicked_item"]] += 1.0


class CascadeKLUCBAgent(CascadeUCB1Agent):
    """CascadeKL-UCB (Kveton et al. 2015)."""

    name = "cascade-klucb"
    paper = KVETON

    def index(self) -> np.ndarray:
        t = max(self.t, 1)
        level = np.log(t) + 3.0 * max(np.log(np.log(t)) if t > 1 else 0.0, 0.0)
        seen = self.pulls > 0
        mean = np.where(seen, self.clicks / np.maximum(self.pulls, 1.0), 1.0)
        return np.where(seen, kl_upper(mean, self.pulls, level), 1.0 + 1e-9)
