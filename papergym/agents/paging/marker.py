"""Randomized Marker."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PagingAgent, marked


class MarkerAgent(PagingAgent):
    """Randomized marking (Fiat, Karp, Luby, McGeoch, Sleator, Young, "Competitive paging
    algorithms", J. Algorithms 1991): a request marks its page; at a fault, evict an
    unmarked page uniformly at random; when every cached page is marked a new phase
    begins and all marks are cleared.

    The phases are the k-distinct-pages partition of the sequence, so the marks are the
    cached pages requested since ``info["phase_start"]``.  Expected faults are at most
    ``sum_j m_j (1 + H_k - H_{m_j})`` with ``m_j`` the new pages of phase ``j``, hence
    ``2 H_k``-competitive.  Randomness from the agent's seeded ``rng``; no
    hyper-parameters.
    """

    name = "marker"
    paper = "Fiat et al., Competitive paging algorithms, J. Algorithms 1991"

    def evict(self, observation, info):
        unmarked = np.flatnonzero(~marked(info))
        return int(unmarked[self.rng.integers(len(unmarked))])
