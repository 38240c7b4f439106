"""Agents of the auctions family: MultiChannelAutobidding-v0's oracles, our primal-dual
UCB learner and budget baselines; PositionAuction-v0's mechanism allocation rules."""

from papergym.agents.auctions.baselines import (
    EpsilonGreedyAgent,
    EqualSplitAgent,
    ProportionalAgent,
)
from papergym.agents.auctions.oracles import BudgetOnlyAgent, GlobalOptimumAgent, RoiOnlyAgent
from papergym.agents.auctions.position_rules import (
    CascadeDPAgent,
    ExactEnumerationAgent,
    GreedyByBidAgent,
    MatchingAgent,
    VCGSeparableAgent,
)
from papergym.agents.auctions.primal_dual_ucb import PrimalDualUCBAgent
from papergym.agents.base import register_agent

__all__ = ["BudgetOnlyAgent", "CascadeDPAgent", "EpsilonGreedyAgent", "EqualSplitAgent",
           "ExactEnumerationAgent", "GlobalOptimumAgent", "GreedyByBidAgent", "MatchingAgent",
           "PrimalDualUCBAgent", "ProportionalAgent", "RoiOnlyAgent", "VCGSeparableAgent"]

AUTOBIDDING = ("MultiChannelAutobidding-v0",)
POSITION = ("PositionAuction-v0",)


def _levers_in(*allowed: str):
    def check(env_id, kwargs):
        levers = kwargs.get("levers", "budget")
        return None if levers in allowed else \
            f"needs levers in {allowed}, the env has levers={levers!r}"
    return check


def _click_model(model: str):
    def check(env_id, kwargs):
        got = kwargs.get("click_model", "mnl")
        return None if got == model else f"for the {model} click model, not {got!r}"
    return check


def _small_positions(env_id, kwargs):
    n, m = kwargs.get("n_advertisers", 5), kwargs.get("n_positions", 4)
    return None if n <= 8 and m <= 6 else "enumeration is limited to n <= 8, m <= 6"


def _few_channels(env_id, kwargs):
    levers = _levers_in("roi", "both")(env_id, kwargs)
    if levers:
        return levers
    return None if kwargs.get("n_channels", 3) <= 12 else "roi-only enumerates 2^M: M <= 12"


register_agent("global-optimum", GlobalOptimumAgent, AUTOBIDDING,
               applies_to=_levers_in("budget", "both"), reference=True)
register_agent("budget-only", BudgetOnlyAgent, AUTOBIDDING,
               applies_to=_levers_in("budget", "both"), reference=True)
register_agent("roi-only", RoiOnlyAgent, AUTOBIDDING, applies_to=_few_channels, reference=True)
register_agent("primal-dual-ucb", PrimalDualUCBAgent, AUTOBIDDING,
               applies_to=_levers_in("budget", "both"), reference=True)
register_agent("equal-split", EqualSplitAgent, AUTOBIDDING,
               applies_to=_levers_in("budget", "both"), reference=True)
register_agent("proportional", ProportionalAgent, AUTOBIDDING,
               applies_to=_levers_in("budget", "both"))
register_agent("epsilon-greedy", EpsilonGreedyAgent, AUTOBIDDING,
               applies_to=_levers_in("budget", "both"))

register_agent("matching", MatchingAgent, POSITION, applies_to=_click_model("mnl"),
               reference=True)
register_agent("cascade-dp", CascadeDPAgent, POSITION, applies_to=_click_model("cascade"),
               reference=True)
register_agent("exact-enumeration", ExactEnumerationAgent, POSITION,
               applies_to=_small_positions, reference=True)
register_agent("vcg-separable", VCGSeparableAgent, POSITION, reference=True)
register_agent("greedy-by-bid", GreedyByBidAgent, POSITION, reference=True)
