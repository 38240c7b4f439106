"""Agents for Paging-v0: the offline optimum, classic online rules, the paper's two
algorithms for one-bit predictions and their naive foils."""

from papergym.agents.base import register_agent
from papergym.agents.paging._common import prediction_is
from papergym.agents.paging.belady import BeladyAgent
from papergym.agents.paging.discard_predictions import DiscardPredictionsAgent
from papergym.agents.paging.fifo import FIFOAgent
from papergym.agents.paging.follow_bit import FollowDiscardBitAgent, FollowPhaseBitAgent
from papergym.agents.paging.lru import LRUAgent
from papergym.agents.paging.marker import MarkerAgent
from papergym.agents.paging.phase_predictions import PhasePredictionsAgent
from papergym.envs import family_env_ids

__all__ = ["BeladyAgent", "DiscardPredictionsAgent", "FIFOAgent", "FollowDiscardBitAgent",
           "FollowPhaseBitAgent", "LRUAgent", "MarkerAgent", "PhasePredictionsAgent"]

ENV_IDS = family_env_ids("paging")

register_agent("belady", BeladyAgent, ENV_IDS, reference=True)
register_agent("lru", LRUAgent, ENV_IDS, reference=True)
register_agent("fifo", FIFOAgent, ENV_IDS)
register_agent("marker", MarkerAgent, ENV_IDS)
register_agent("discard-predictions", DiscardPredictionsAgent, ENV_IDS,
               applies_to=prediction_is("discard"), reference=True)
register_agent("phase-predictions", PhasePredictionsAgent, ENV_IDS,
               applies_to=prediction_is("phase"), reference=True)
register_agent("follow-discard-bit", FollowDiscardBitAgent, ENV_IDS,
               applies_to=prediction_is("discard"))
register_agent("follow-phase-bit", FollowPhaseBitAgent, ENV_IDS,
               applies_to=prediction_is("phase"))
