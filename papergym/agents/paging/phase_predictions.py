"""The paper's marking algorithm for phase predictions."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PAPER, PagingAgent, marked


class PhasePredictionsAgent(PagingAgent):
    """Randomized marking that evicts first the pages predicted not to return this phase.

    Paper: Antoniadis et al., "Paging with Succinct Predictions", ICML 2023,
    arXiv 2210.02775, the algorithm for phase predictions (bit 1 = "not requested in the
    next phase" of Marker's k-phases), (2, H_k, 1)-competitive and O(log k)-robust:
    ``E[faults] <= 2 OPT + H_k eta0 + eta1`` (eta0: predicted keep, truly evictable;
    eta1: predicted evictable, truly needed).

    At a fault with a full cache, among the unmarked pages (not requested yet in the
    current phase, so their latest bit was given in the previous phase and speaks about
    the current one) evict, uniformly at random, one whose bit is 1; if there is none, an
    unmarked page uniformly at random (Marker).  With perfect bits it faults exactly on
    the new pages of each phase (sum of m_j <= 2 OPT).  Randomness from the agent's seeded
    ``rng``; no hyper-parameters.  Provenance and measurements: ``docs/paging.md``.
    """

    name = "phase-predictions"
    paper = PAPER

    def evict(self, observation, info):
        unmarked = ~marked(info)
        leaving = np.flatnonzero(unmarked & (info["bits"] == 1))
        pool = leaving if len(leaving) else np.flatnonzero(unmarked)
        return int(pool[self.rng.integers(len(pool))])
