"""Allocation-rule agents of PositionAuction-v0: each plays a mechanism of
``papergym.envs.auctions.position_mechanisms`` (its allocation; the payments live there)."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.envs.auctions.position_mechanisms import (
    PositionInstance,
    cascade_dp_best,
    exact_best,
    greedy_by_bid,
    mnl_best,
    scores_for,
    vcg_separable,
)

__all__ = ["CascadeDPAgent", "ExactEnumerationAgent", "GreedyByBidAgent", "MatchingAgent",
           "VCGSeparableAgent"]

PAPER = ("Balseiro, Bhawalkar, Deng, Feng, Mao, Mehta, Mirrokni, Paes Leme, Wang, Zuo, "
         "Position Auctions in AI-Generated Content, arXiv 2506.03309")


def read_round(observation: np.ndarray, click_model: str) -> tuple[np.ndarray, PositionInstance]:
    """``(bids, PositionInstance)`` from a PositionAuction-v0 observation."""
    obs = np.asarray(observation, dtype=np.float64)
    m = obs.shape[1] - 2
    return obs[:, 0].copy(), PositionInstance(click_model, obs[:, 1:m + 1], obs[:, m + 1])


def action_of(alloc: np.ndarray, n: int) -> np.ndarray:
    """The action placing exactly ``alloc``: ``2 x - 1`` for the 0/1 assignment ``x``."""
    m = len(alloc)
    x = -np.ones((n, m), dtype=np.float32)
    placed = alloc >= 0
    x[alloc[placed], np.flatnonzero(placed)] = 1.0
    return x


class _RuleAgent(Agent):
    """Reads the round from the observation and the objective and click model from info."""

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._objective = info.get("objective", "welfare")
        self._click_model = info.get("click_model", "mnl")

    def act(self, observation, info):
        bids, inst = read_round(observation, self._click_model)
        return action_of(self.allocate(bids, inst), len(bids))

    def allocate(self, bids: np.ndarray, inst: PositionInstance) -> np.ndarray:
        raise NotImplementedError


class MatchingAgent(_RuleAgent):
    """The exact MNL mechanism (ours: Dinkelbach over bipartite matchings), maximising
    welfare (bids) or virtual welfare (Myerson's revenue-optimal rule)."""

    name = "matching"
    paper = PAPER

    def allocate(self, bids, inst):
        return mnl_best(scores_for(bids, self._objective)[0], inst)


class CascadeDPAgent(_RuleAgent):
    """The approximate cascade mechanism (ours: maximal in the range of allocations whose ads
    follow one of three bid-independent orders, a dynamic program per order)."""

    name = "cascade-dp"
    paper = PAPER

    def allocate(self, bids, inst):
        return cascade_dp_best(scores_for(bids, self._objective)[0], inst)


class ExactEnumerationAgent(_RuleAgent):
    """The exact optimum of either click model by enumerating every allocation (small
    instances)."""

    name = "exact-enumeration"
    paper = "the optimum of the model of " + PAPER

    def allocate(self, bids, inst):
        return exact_best(scores_for(bids, self._objective)[0], inst)


class VCGSeparableAgent(_RuleAgent):
    """Baseline: the classic position auction that assumes separable CTRs."""

    name = "vcg-separable"
    paper = ("Varian, Position auctions, IJIO 2007; Aggarwal, Goel, Motwani, Truthful auctions "
             "for pricing search keywords, EC 2006")

    def allocate(self, bids, inst):
        return vcg_separable(bids, inst)[0]


class GreedyByBidAgent(_RuleAgent):
    """Baseline: ads by decreasing bid, each to its best free position."""

    name = "greedy-by-bid"
    paper = ("Edelman, Ostrovsky, Schwarz, Internet advertising and the generalized "
             "second-price auction, AER 2007")

    def allocate(self, bids, inst):
        return greedy_by_bid(bids, inst)[0]
