"""Agents for Paging-v0: the offline optimum, classic online rules, the paper's algorithms
for one-bit predictions and their naive foils, and the learning-augmented algorithms for
next-arrival predictions."""

from papergym.agents.base import register_agent
from papergym.agents.paging._common import prediction_is
from papergym.agents.paging.belady import BeladyAgent
from papergym.agents.paging.discard_predictions import DiscardPredictionsAgent
from papergym.agents.paging.discard_predictions_randomized import (
    DiscardPredictionsRandomizedAgent,
)
from papergym.agents.paging.fifo import FIFOAgent
from papergym.agents.paging.follow_bit import FollowDiscardBitAgent, FollowPhaseBitAgent
from papergym.agents.paging.lru import LRUAgent
from papergym.agents.paging.marker import MarkerAgent
from papergym.agents.paging.next_arrival import (
    BlindOracleAgent,
    LMarkerAgent,
    PredictiveMarkerAgent,
    RobustBlindOracleAgent,
)
from papergym.agents.paging.phase_predictions import PhasePredictionsAgent
from papergym.envs import family_env_ids

__all__ = ["BeladyAgent", "BlindOracleAgent", "DiscardPredictionsAgent",
           "DiscardPredictionsRandomizedAgent", "FIFOAgent", "FollowDiscardBitAgent",
           "FollowPhaseBitAgent", "LMarkerAgent", "LRUAgent", "MarkerAgent",
           "PhasePredictionsAgent", "PredictiveMarkerAgent", "RobustBlindOracleAgent"]

ENV_IDS = family_env_ids("paging")
DISCARD, PHASE, ARRIVAL = (prediction_is(kind) for kind in ("discard", "phase", "next_arrival"))

register_agent("belady", BeladyAgent, ENV_IDS, reference=True)
register_agent("lru", LRUAgent, ENV_IDS, reference=True)
register_agent("fifo", FIFOAgent, ENV_IDS)
register_agent("marker", MarkerAgent, ENV_IDS)
register_agent("discard-predictions", DiscardPredictionsAgent, ENV_IDS, applies_to=DISCARD,
               reference=True)
register_agent("discard-predictions-randomized", DiscardPredictionsRandomizedAgent, ENV_IDS,
               applies_to=DISCARD, reference=True)
register_agent("phase-predictions", PhasePredictionsAgent, ENV_IDS, applies_to=PHASE,
               reference=True)
register_agent("follow-discard-bit", FollowDiscardBitAgent, ENV_IDS, applies_to=DISCARD)
register_agent("follow-phase-bit", FollowPhaseBitAgent, ENV_IDS, applies_to=PHASE)
register_agent("blind-oracle", BlindOracleAgent, ENV_IDS, applies_to=ARRIVAL, reference=True)
register_agent("predictive-marker", PredictiveMarkerAgent, ENV_IDS, applies_to=ARRIVAL,
               reference=True)
register_agent("lmarker", LMarkerAgent, ENV_IDS, applies_to=ARRIVAL, reference=True)
register_agent("robust-blind-oracle", RobustBlindOracleAgent, ENV_IDS, applies_to=ARRIVAL,
               reference=True)
