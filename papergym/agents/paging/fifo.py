"""First In, First Out."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PagingAgent


class FIFOAgent(PagingAgent):
    """Evict the page loaded longest ago (``info["load_time"]``); k-competitive
    (Sleator & Tarjan, CACM 1985).  No hyper-parameters."""

    name = "fifo"
    paper = "Sleator & Tarjan, Amortized efficiency of list update and paging rules, CACM 1985"

    def evict(self, observation, info):
        return int(np.argmin(info["load_time"]))
