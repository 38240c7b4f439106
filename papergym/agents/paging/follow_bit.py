"""Naive "follow the bit": trust the predictions, with no fallback worth the name."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PAPER, PagingAgent


class FollowDiscardBitAgent(PagingAgent):
    """Evict the first slot whose page is predicted "safe to evict" (bit 1); if none,
    slot 0.  The foil of the paper's discard algorithm (same use of the bits, arbitrary
    fallback): perfect bits make it optimal, but a single wrong 0-bit can cost it
    unboundedly many faults, where the paper's LRU fallback caps it at ``k - 1``."""

    name = "follow-discard-bit"
    paper = PAPER

    def evict(self, observation, info):
        safe = np.flatnonzero(info["bits"] == 1)
        return int(safe[0]) if len(safe) else 0


class FollowPhaseBitAgent(PagingAgent):
    """Evict the first slot whose page is predicted not to be requested in the next phase
    (bit 1, "safe to evict"); if none, slot 0.  The foil of the phase algorithm: no
    marking, so it can evict pages requested in the current phase, and no randomization."""

    name = "follow-phase-bit"
    paper = PAPER

    def evict(self, observation, info):
        leaving = np.flatnonzero(info["bits"] == 1)
        return int(leaving[0]) if len(leaving) else 0
