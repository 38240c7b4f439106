"""Belady's offline optimum as an agent (needs the env's model)."""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PagingAgent
from papergym.envs.paging.belady import next_use


class BeladyAgent(PagingAgent):
    """Furthest-in-the-Future (Belady, "A study of replacement algorithms for a virtual-
    storage computer", IBM Systems Journal 1966): evict the cached page whose next request
    is furthest away (never requested again counts as furthest).  Optimal offline.

    ``requires_model = True``: it reads the request sequence from ``env_model``
    (``PagingInstance.requests``).  The next request of a cached page after time ``t`` is
    the next use of its latest request (``info["last_use"]``), so a decision costs O(k).
    The env's ``opt_faults`` uses the O(T log k) heap version
    (:func:`papergym.envs.paging.belady.belady`); both make the optimal number of faults.
    No hyper-parameters.
    """

    name = "belady"
    paper = "Belady, IBM Systems Journal 1966 (offline optimum, FitF)"
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)  # refuses a None model
        self._next = next_use(env_model.requests)

    def evict(self, observation, info):
        return int(np.argmax(self._next[info["last_use"]]))
