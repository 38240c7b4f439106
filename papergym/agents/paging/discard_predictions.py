"""The paper's deterministic algorithm for discard predictions."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PAPER, PagingAgent, least_recent_safe


class DiscardPredictionsAgent(PagingAgent):
    """Evict a page predicted "safe to evict"; if there is none, the least recently used.

    Paper: Antoniadis et al., "Paging with Succinct Predictions", ICML 2023,
    arXiv 2210.02775, the deterministic algorithm for discard predictions,
    (1, k-1, 1)-competitive: ``faults <= OPT + (k-1) eta0 + eta1`` (eta0: predicted keep,
    truly evictable; eta1: predicted evictable, truly needed), tight for deterministic
    algorithms by the paper's lower bound.

    The rule at a fault with a full cache:

    1. if some cached page's latest bit is 1, evict one of them (the least recently used
       one: the guarantee holds for any choice, LRU is this implementation's tie-break);
    2. otherwise every cached page claims to be needed, so at least one claim is wrong;
       evict the least recently used page.

    With perfect bits it never reaches step 2 and makes exactly OPT's faults.  No
    hyper-parameters.  The proof sketch and measurements: ``docs/paging.md``.
    """

    name = "discard-predictions"
    paper = PAPER

    def evict(self, observation, info):
        page = least_recent_safe(info)
        return int(np.argmin(info["last_use"])) if page is None else page
