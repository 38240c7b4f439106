"""The paper's deterministic algorithm for discard predictions."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PAPER, PagingAgent


class DiscardPredictionsAgent(PagingAgent):
    """Evict a page predicted "safe to evict"; if there is none, the least recently used.

    Paper: Antoniadis et al., "Paging with Succinct Predictions", ICML 2023,
    arXiv 2210.02775, the deterministic algorithm for discard predictions, stated there to
    be (1, k-1, 1)-competitive: ``faults <= OPT + (k-1) eta0 + eta1`` (eta0 / eta1 =
    wrong 0- / 1-predictions), which the paper's lower bound (no deterministic algorithm
    has ``alpha + beta < k`` or ``alpha + (k-1) gamma < k``) shows tight.

    The rule at a fault with a full cache:

    1. if some cached page's latest bit is 1, evict one of them (the least recently used
       one: the guarantee holds for any choice, LRU is this implementation's tie-break);
    2. otherwise every cached page claims to be needed, so at least one claim is wrong;
       evict the least recently used page.

    Why the bound holds (the proof checked by ``tests/paging``): a fault that OPT (FitF,
    whose evictions define the bits) does not also make is on a page whose previous bit
    was truly 0, so we evicted it either under a wrong 1 (charged to ``eta1``) or in
    step 2, when the k cached pages plus the request exceed OPT's cache, so some cached
    page carries a wrong 0 and is more recent than the LRU victim; each wrong 0 sees at
    most ``k - 1`` older pages evicted before it is evicted itself.  With perfect bits it
    never reaches step 2 and makes exactly OPT's faults.  No hyper-parameters.
    """

    name = "discard-predictions"
    paper = PAPER

    def evict(self, observation, info):
        last_use = info["last_use"]
        safe = info["bits"] == 1
        if safe.any():
            return int(np.argmin(np.where(safe, last_use, np.iinfo(np.int64).max)))
        return int(np.argmin(last_use))
