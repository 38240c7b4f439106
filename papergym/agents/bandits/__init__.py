"""Agents for the bandits family: LSDBandit-v0 planners and learners (exact DP, our LP
planner, Laforgue et al.'s ISI-CombUCB1 and CombUCB1, Oracle Greedy, UCB1, SW-UCB) and
StreamingBandit-v0 agents (Wang's eps-best algorithms, uniform exploration, Game of Arms,
full-memory UCB1)."""

from papergym.agents.bandits._common import LSD_ID, STREAMING_ID, only, unsigned
from papergym.agents.bandits.combucb1 import CombUCB1Agent, ISICombUCB1Agent
from papergym.agents.bandits.lsd_oracles import ExactDPAgent, LPPlannerAgent, OracleGreedyAgent
from papergym.agents.bandits.stationary import SlidingWindowUCBAgent, UCB1Agent
from papergym.agents.bandits.streaming_agents import (
    GameOfArmsAgent,
    NaiveEpsBestAgent,
    StreamingUCB1Agent,
    TowerEpsBestAgent,
    UniformExplorationAgent,
    tower_levels,
)
from papergym.agents.base import register_agent
from papergym.envs import family_env_ids

__all__ = ["CombUCB1Agent", "ExactDPAgent", "GameOfArmsAgent", "ISICombUCB1Agent",
           "LPPlannerAgent", "NaiveEpsBestAgent", "OracleGreedyAgent", "SlidingWindowUCBAgent",
           "StreamingUCB1Agent", "TowerEpsBestAgent", "UCB1Agent", "UniformExplorationAgent"]

ENV_IDS = family_env_ids("bandits")


def _dp_fits(kwargs):
    from papergym.envs.bandits.lsd_math import DP_STATE_LIMIT, state_space_bound

    size = state_space_bound(kwargs["n_arms"], kwargs["cap"], kwargs["signed"])
    return None if size <= DP_STATE_LIMIT else f"joint state space {size:,} > {DP_STATE_LIMIT:,}"


register_agent("lsd-dp", ExactDPAgent, ENV_IDS, applies_to=only(LSD_ID, _dp_fits),
               reference=True)
register_agent("lsd-lp-planner", LPPlannerAgent, ENV_IDS, applies_to=only(LSD_ID),
               reference=True)
register_agent("oracle-greedy", OracleGreedyAgent, ENV_IDS, applies_to=only(LSD_ID),
               reference=True)
register_agent("isi-combucb1", ISICombUCB1Agent, ENV_IDS, applies_to=only(LSD_ID, unsigned),
               reference=True)
register_agent("combucb1", CombUCB1Agent, ENV_IDS, applies_to=only(LSD_ID, unsigned),
               reference=True)
register_agent("ucb1", UCB1Agent, ENV_IDS, applies_to=only(LSD_ID))
register_agent("sw-ucb", SlidingWindowUCBAgent, ENV_IDS, applies_to=only(LSD_ID))


def _streaming_kwargs(kwargs):
    """(K, T) of a StreamingBandit-v0 configuration."""
    k = kwargs["n_arms"]
    t = kwargs.get("horizon") or round(kwargs["alpha"] * k ** kwargs["beta"])
    return k, t


def _tower_fits(kind):
    def check(kwargs):
        k, t = _streaming_kwargs(kwargs)
        levels = len(tower_levels(kind, k, (k / t) ** (1 / 3))[0])
        if kwargs["memory"] < levels:
            return f"needs memory >= {levels} (its levels for K = {k}), got {kwargs['memory']}"
        return None
    return check


def _full_memory(kwargs):
    if kwargs["memory"] < kwargs["n_arms"]:
        return f"needs memory >= n_arms = {kwargs['n_arms']}, got {kwargs['memory']}"
    return None


register_agent("uniform-exploration", UniformExplorationAgent, ENV_IDS,
               applies_to=only(STREAMING_ID), reference=True)
register_agent("naive-eps-best", NaiveEpsBestAgent, ENV_IDS, applies_to=only(STREAMING_ID),
               reference=True)
register_agent("game-of-arms", GameOfArmsAgent, ENV_IDS, applies_to=only(STREAMING_ID),
               reference=True)
for _kind in ("log", "loglog", "logstar"):
    register_agent(f"{_kind}-eps-best", TowerEpsBestAgent, ENV_IDS,
                   applies_to=only(STREAMING_ID, _tower_fits(_kind)), reference=True,
                   kind=_kind)
register_agent("stream-ucb1", StreamingUCB1Agent, ENV_IDS,
               applies_to=only(STREAMING_ID, _full_memory), reference=True)
