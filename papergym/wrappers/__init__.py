"""Wrappers: episode metrics for loggers, and what SB3 needs to train on structured spaces."""

from __future__ import annotations

from papergym.wrappers.metrics import RecordMetrics
from papergym.wrappers.sb3 import (
    ActionMasks,
    DiscretizeMultiDiscrete,
    FlattenDictAction,
    FlattenDictObservation,
    flatten_observation,
    load_sb3_model,
    load_sb3_policy,
    sb3_wrap,
    unflatten_action,
)

__all__ = ["ActionMasks", "DiscretizeMultiDiscrete", "FlattenDictAction", "FlattenDictObservation",
           "RecordMetrics", "flatten_observation", "load_sb3_model", "load_sb3_policy", "sb3_wrap",
           "unflatten_action"]
