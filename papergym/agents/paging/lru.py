"""Least Recently Used."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PagingAgent


class LRUAgent(PagingAgent):
    """Evict the page whose latest request is oldest (``info["last_use"]``).

    k-competitive, the best a deterministic online algorithm can be (Sleator & Tarjan,
    CACM 1985), and the classic victim of a loop over ``k + 1`` pages.  No predictions,
    no hyper-parameters.
    """

    name = "lru"
    paper = "Sleator & Tarjan, Amortized efficiency of list update and paging rules, CACM 1985"

    def evict(self, observation, info):
        return int(np.argmin(info["last_use"]))
