"""Helpers shared by the bandit envs."""

from __future__ import annotations

import numpy as np
from gymnasium.error import InvalidAction


def int_action(action, n: int) -> int:
    """``action`` as an int in ``[0, n)``: a Python or numpy integer, or an integer numpy
    array holding one value (what SB3 hands over); anything else (floats, bools, strings,
    out of range) raises ``InvalidAction``."""
    if isinstance(action, np.ndarray) and action.size == 1 and action.dtype.kind in "iu":
        action = action.reshape(()).item()
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
        raise InvalidAction(f"action must be an integer in [0, {n}), got {action!r}")
    a = int(action)
    if not 0 <= a < n:
        raise InvalidAction(f"action must be an integer in [0, {n}), got {a}")
    return a
