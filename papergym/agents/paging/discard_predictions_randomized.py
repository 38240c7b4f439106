"""The paper's randomized algorithm for discard predictions."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PAPER, PagingAgent, least_recent_safe, marked


class DiscardPredictionsRandomizedAgent(PagingAgent):
    """Marker that evicts pages predicted "safe to evict" first.

    Paper: Antoniadis et al., "Paging with Succinct Predictions", ICML 2023,
    arXiv 2210.02775, the randomized algorithm for discard predictions,
    (1, 2H_k, 1)-competitive: ``E[faults] <= OPT + 2 H_k eta0 + eta1``.

    The algorithm evicts a page as soon as it is requested with bit 1; this lazy version
    defers that eviction to the next fault, which never costs more: at a fault with a full
    cache, if some cached page's latest bit is 1 evict one of them (the least recently
    used), else evict an unmarked page (not requested in the current k-phase) uniformly at
    random.  Randomness from the agent's seeded ``rng``; no hyper-parameters.
    Measurements: ``docs/paging.md``.
    """

    name = "discard-predictions-randomized"
    paper = PAPER

    def evict(self, observation, info):
        page = least_recent_safe(info)
        if page is not None:
            return page
        unmarked = np.flatnonzero(~marked(info))
        return int(unmarked[self.rng.integers(len(unmarked))])
