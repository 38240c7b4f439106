"""Learning-augmented caching with next-arrival predictions (beyond the paper).

The standard algorithms of the field, for ``Paging-v0`` with ``prediction="next_arrival"``
(``info["predicted_next"]``: each cached page's predicted next-request time):

- ``blind-oracle``: evict the page predicted to return furthest in the future.
- ``predictive-marker``: Lykouris & Vassilvitskii's Predictive Marker.
- ``lmarker``: Rohatgi's LMarker.
- ``robust-blind-oracle``: BlindOracle combined with Marker, following whichever has
  faulted less so far (a deterministic combiner, our choice; Wei's RobustFtP combines the
  two with Blum & Burch's randomized rule).

The rules are written from the literature's common description; the papers' texts were
not available here, so the docs page (``docs/paging.md``) marks each as our reading.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.paging._common import PagingAgent, harmonic, marked

LYKOURIS = ("Lykouris & Vassilvitskii, Competitive Caching with Machine Learned Advice, "
            "ICML 2018 (JACM 2021)")
ROHATGI = "Rohatgi, Near-Optimal Bounds for Online Caching with Machine Learned Advice, SODA 2020"
WEI = "Wei, Better and Simpler Learning-Augmented Online Caching, APPROX 2020"


def _furthest(candidates: np.ndarray, info) -> int:
    """Among slot indices ``candidates``, the one whose page is predicted to return last
    (ties: the least recently used)."""
    predicted = info["predicted_next"][candidates]
    best = candidates[predicted == predicted.max()]
    return int(best[np.argmin(info["last_use"][best])])


class BlindOracleAgent(PagingAgent):
    """Evict the cached page with the furthest predicted next arrival (ties: LRU).

    Belady's rule run on predictions: optimal with perfect predictions, unbounded with bad
    ones (no fallback).  Named BlindOracle by Wei (APPROX 2020), "follow the predictions".
    No hyper-parameters."""

    name = "blind-oracle"
    paper = WEI

    def evict(self, observation, info):
        return _furthest(np.arange(len(info["pages"])), info)


class _ChainMarker(PagingAgent):
    """A marking algorithm that knows, at each fault, whether the requested page is clean
    (not requested in the previous phase) or stale (requested then and evicted by us in
    this phase), and to which eviction chain a stale page belongs (a clean page starts a
    chain; the eviction a page's request causes joins the chain of that page).

    For a marking algorithm the cache at a phase start holds exactly the previous phase's
    pages, so a fault on a page not evicted in this phase is a clean page."""

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._phase_start = -1
        self._chain_of: dict[int, int] = {}   # page evicted this phase -> its chain
        self._chain_length: list[int] = []    # evictions made in each chain of this phase

    def evict(self, observation, info):
        if info["phase_start"] != self._phase_start:
            self._phase_start = info["phase_start"]
            self._chain_of.clear()
            self._chain_length.clear()
        page = info["request"]
        chain = self._chain_of.pop(page, None)
        clean = chain is None
        if clean:
            chain = len(self._chain_length)
            self._chain_length.append(0)
        self._chain_length[chain] += 1
        unmarked = np.flatnonzero(~marked(info))
        slot = self.choose(unmarked, info, clean, self._chain_length[chain])
        self._chain_of[int(info["pages"][slot])] = chain
        return slot

    def choose(self, unmarked: np.ndarray, info, clean: bool, eviction: int) -> int:
        raise NotImplementedError


class PredictiveMarkerAgent(_ChainMarker):
    """Predictive Marker (Lykouris & Vassilvitskii, ICML 2018).

    A marking algorithm.  The evictions of a phase form chains: a clean page's arrival
    starts a chain, and the arrival of a page evicted earlier in the phase extends the
    chain that evicted it.  The first ``ceil(H_k)`` evictions of a chain take the unmarked
    page with the furthest predicted next arrival; later ones an unmarked page uniformly at
    random.  Stated to be ``O(1 + min(sqrt(eta_l1 / OPT), log k))``-competitive.
    Hyper-parameter: none (the threshold is ``H_k``)."""

    name = "predictive-marker"
    paper = LYKOURIS

    def choose(self, unmarked, info, clean, eviction):
        if eviction <= np.ceil(harmonic(len(info["pages"]))):
            return _furthest(unmarked, info)
        return int(unmarked[self.rng.integers(len(unmarked))])


class LMarkerAgent(_ChainMarker):
    """LMarker (Rohatgi, SODA 2020).

    A marking algorithm: at a clean page's arrival evict the unmarked page with the
    furthest predicted next arrival; at a stale page's arrival (a page evicted earlier in
    this phase) evict an unmarked page uniformly at random.  O(log k)-robust like Marker,
    and close to optimal with good predictions.  No hyper-parameters."""

    name = "lmarker"
    paper = ROHATGI

    def choose(self, unmarked, info, clean, eviction):
        if clean:
            return _furthest(unmarked, info)
        return int(unmarked[self.rng.integers(len(unmarked))])


class RobustBlindOracleAgent(PagingAgent):
    """BlindOracle made robust: simulate BlindOracle and randomized Marker on every request
    (``info["history"]``), follow the one that has faulted less.

    The agent starts by following BlindOracle and switches to the other algorithm when the
    followed one's simulated faults exceed ``switch_factor`` times the other's.  Following
    is lazy: at a fault it evicts a page that the followed algorithm does not hold (one
    exists, since that algorithm holds the requested page), the least recently used of
    them.  Between switches it faults no more than the followed algorithm, plus at most
    ``k`` per switch, so its cost stays within a constant of ``min(BlindOracle, Marker)``
    up to the switching cost; with perfect predictions it never switches and is optimal.
    This combiner is our choice (Wei's RobustFtP uses Blum & Burch's randomized one).
    """

    name = "robust-blind-oracle"
    paper = WEI

    def __init__(self, switch_factor: float = 1.25):
        if not switch_factor >= 1.0:
            raise ValueError(f"switch_factor must be >= 1, got {switch_factor!r}")
        self.switch_factor = float(switch_factor)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._k = len(info["pages"])
        self._done_upto = 0                    # requests simulated so far
        self._blind: dict[int, int] = {}       # BlindOracle's cache: page -> predicted next
        self._blind_last: dict[int, int] = {}  # page -> last request (its tie-break)
        self._marker: set[int] = set()
        self._marked: set[int] = set()
        self._faults = [0, 0]                  # BlindOracle, Marker
        self._following = 0
        self._switches = 0

    @property
    def switches(self) -> int:
        """How many times this episode the agent changed the algorithm it follows."""
        return self._switches

    def _simulate(self, info) -> None:
        history = info["history"]
        requests = history.requests[self._done_upto:].tolist()
        predictions = history.predictions[self._done_upto:].tolist()
        k = self._k
        for i, (page, predicted) in enumerate(zip(requests, predictions),
                                               start=self._done_upto):
            blind = self._blind
            if page not in blind:
                self._faults[0] += 1
                if len(blind) == k:
                    victim = max(blind, key=lambda q: (blind[q], -self._blind_last[q]))
                    del blind[victim], self._blind_last[victim]
            blind[page] = predicted
            self._blind_last[page] = i
            if page not in self._marker:
                self._faults[1] += 1
                if len(self._marker) == k:
                    if len(self._marked) == k:
                        self._marked.clear()
                    unmarked = sorted(self._marker - self._marked)
                    self._marker.discard(unmarked[self.rng.integers(len(unmarked))])
                self._marker.add(page)
            self._marked.add(page)
        self._done_upto += len(requests)

    def act(self, observation, info):
        self._simulate(info)
        cur, other = self._following, 1 - self._following
        if self._faults[cur] > self.switch_factor * self._faults[other]:
            self._following = other
            self._switches += 1
        return super().act(observation, info)

    def evict(self, observation, info):
        held = self._blind if self._following == 0 else self._marker
        pages, last_use = info["pages"], info["last_use"]
        outside = np.array([p not in held for p in pages.tolist()])
        return int(np.argmin(np.where(outside, last_use, np.iinfo(np.int64).max)))
