"""What every pruning env's reset shares: the instance generator from ``options``."""

from __future__ import annotations

from typing import Any

import numpy as np

from papergym.utils.checks import check_options, is_int

__all__ = ["instance_rng"]


def instance_rng(np_random: np.random.Generator, options: Any,
                 env: str = "reset") -> np.random.Generator:
    """The generator of the episode's instance (data split, initial weights):
    ``options={"instance": k}`` (an integer >= 0) replays instance ``k``; otherwise a fresh
    seed is drawn from the env's own stream. Other option keys are a ``ValueError``."""
    options = check_options(options, ("instance",), env)
    if "instance" in options:
        inst = options["instance"]
        if not is_int(inst) or inst < 0:
            raise ValueError(f"options['instance'] must be an integer >= 0, got {inst!r}")
        return np.random.default_rng(int(inst))
    return np.random.default_rng(int(np_random.integers(2**63)))
