"""What every paging agent shares: fill a free slot while there is one, else evict.

All agents read the env's documented ``info`` keys (``pages``, ``load_time``,
``last_use``, ``bits`` or ``predicted_next``, ``t``, ``phase_start``, ``history``,
``action_mask``): everything there is information an online algorithm has at the current
fault.  Bits: 1 means "safe to evict" in both of the paper's modes.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent

PAPER = ("Antoniadis, Boyar, Eliáš, Favrholdt, Hoeksma, Larsen, Polak, Simon: "
         "Paging with Succinct Predictions, ICML 2023, arXiv 2210.02775")


class PagingAgent(Agent):
    """Base of the paging agents: :meth:`act` fills the lowest free slot while the cache is
    not full (every algorithm here is lazy: it evicts only when it must), else returns
    :meth:`evict`'s choice of an occupied slot."""

    def act(self, observation, info):
        pages = info["pages"]
        if pages.min() < 0:
            return int(np.argmin(pages >= 0))  # the first free slot
        return int(self.evict(observation, info))

    def evict(self, observation, info) -> int:
        raise NotImplementedError


def marked(info) -> np.ndarray:
    """Cached pages requested in the current phase (Marker's marks): the k-distinct-pages
    phase partition is computable online, and ``info["phase_start"]`` is its latest start."""
    return info["last_use"] >= info["phase_start"]


def least_recent_safe(info) -> int | None:
    """Step 1 of both discard-predictions rules: the least recently used cached page whose
    predicted bit says it is safe to discard (bit 1), or ``None`` if no page is."""
    safe = info["bits"] == 1
    if safe.any():
        return int(np.argmin(np.where(safe, info["last_use"], np.iinfo(np.int64).max)))
    return None


def harmonic(n: int) -> float:
    """``H_n = 1 + 1/2 + ... + 1/n``."""
    return float(sum(1.0 / i for i in range(1, n + 1)))


def prediction_is(kind: str):
    """``applies_to`` check: the agent needs ``prediction=kind``."""

    def check(env_id, env_kwargs):
        got = env_kwargs.get("prediction", "discard")
        if got != kind:
            return f"needs prediction={kind!r} bits, the env gives prediction={got!r}"
        return None

    return check
