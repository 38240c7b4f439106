"""A marking algorithm for phase predictions (the paper's setting, reconstructed)."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PAPER, PagingAgent, marked


class PhasePredictionsAgent(PagingAgent):
    """Randomized marking that evicts first the pages predicted not to return this phase.

    Paper: Antoniadis et al., "Paging with Succinct Predictions", ICML 2023,
    arXiv 2210.02775, phase predictions (bit = "the page is requested in the next phase"
    of the k-distinct-pages partition); the paper states a (1, 2H_k, 1)-competitive
    algorithm for this setting.  The stored copies of the paper available to this project
    reach only its abstract and introduction, so this rule is *reconstructed*, not
    transcribed:

    at a fault with a full cache, among the unmarked pages (not requested yet in the
    current phase, so their latest bit was given in the previous phase and speaks about
    the current one) evict, uniformly at random, one whose bit is 0 ("not requested in
    this phase"); if there is none, an unmarked page uniformly at random (Marker).

    One outside check: the public learning-augmented caching benchmark Cache-Coliseum
    (github.com/OptiSys-ZJU/cache-coliseum) implements this paper's phase-prediction algorithm
    under the name MARK&PREDICT with the same rule, and computes the bits from phases of k
    distinct pages too (its oracle closes a phase at the first request of the k-th
    distinct page, ours just before the (k+1)-th, so they differ only in where repeats
    between the two fall; there, bit 1 means "not requested in the next phase").  That is
    a third party's reading, not the paper's text, but it agrees with ours.

    With perfect bits it faults only on the new pages of each phase (sum of m_j, which is
    at most 2 OPT); wrong 1-bits keep useless pages and cost Marker-like ``O(H_k)`` each,
    wrong 0-bits cost one fault each.  ``tests/paging`` measures it against the stated
    (1, 2H_k, 1) inequality (an xfail: with the env's k-distinct phases no online
    algorithm can be 1-consistent, see ``tests/paging/test_claims.py``).  Randomness from the agent's seeded ``rng``; no
    hyper-parameters.
    """

    name = "phase-predictions"
    paper = PAPER

    def evict(self, observation, info):
        unmarked = ~marked(info)
        leaving = np.flatnonzero(unmarked & (info["bits"] == 0))
        pool = leaving if len(leaving) else np.flatnonzero(unmarked)
        return int(pool[self.rng.integers(len(pool))])
