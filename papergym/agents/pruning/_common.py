"""Helpers shared by the pruning agents: building actions and reading the env's state."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from papergym.envs.pruning.constants import ACTION_RULES, WEIGHT_RESETS

__all__ = ["ONLY_LOTTERY", "only", "alive_counts", "keep_action", "layer_shapes", "mask_action",
           "net_from_state", "target_count", "uniform_keep_to"]

RULE = {name: i for i, name in enumerate(ACTION_RULES)}
RESET = {name: i for i, name in enumerate(WEIGHT_RESETS)}


def only(wanted: str):
    """An ``applies_to`` predicate: the agent is written for ``wanted``'s action space."""

    def applies_to(env_id: str, kwargs: Any) -> str | None:
        return None if env_id == wanted else f"written for {wanted}, not {env_id}"

    applies_to.__name__ = f"only_{wanted.replace('-', '_')}"
    return applies_to


ONLY_LOTTERY = only("LotteryTicket-v0")


def layer_shapes(action_space: gym.spaces.Dict) -> list[tuple[int, int]]:
    """The weight shapes ``(out, in)``, read from the ``mask`` part of the action space."""
    masks = action_space["mask"]
    return [tuple(masks[f"layer{i}"].shape) for i in range(len(masks.spaces))]


def alive_counts(action_space: gym.spaces.Dict, info: dict) -> np.ndarray:
    """Alive weights per layer, from ``info["layer_density"]``."""
    sizes = np.array([o * i for o, i in layer_shapes(action_space)], dtype=np.float64)
    return np.rint(np.asarray(info["layer_density"]) * sizes)


def keep_action(keep: Any, rule: str = "magnitude", *, weights: str = "rewind",
                stop: bool = False, scope: int = 0) -> dict[str, Any]:
    """A rule-based action (no explicit mask)."""
    return {"keep": np.asarray(keep, dtype=np.float32), "rule": RULE[rule], "scope": int(scope),
            "weights": RESET[weights], "stop": int(stop)}


def mask_action(masks: list[Any], n_layers: int, *, weights: str = "rewind",
                stop: bool = False) -> dict[str, Any]:
    """An explicit-mask action."""
    return {"keep": np.ones(n_layers, dtype=np.float32), "rule": RULE["mask"], "scope": 0,
            "weights": RESET[weights], "stop": int(stop),
            "mask": {f"layer{i}": np.asarray(m, dtype=np.int8) for i, m in enumerate(masks)}}


def uniform_keep_to(target_density: float, alive: np.ndarray, total: float) -> float:
    """The one keep fraction, for every layer, that takes ``alive`` (per layer) to at most
    ``target_density * total`` weights (the env rounds each layer's count, so half a weight
    per layer is taken off first); clipped to (0, 1]."""
    want = target_density * total - 0.5 * len(alive)
    return float(np.clip(want / max(alive.sum(), 1.0), 1e-9, 1.0))


def target_count(target_density: float, total: float) -> int:
    """The largest weight count at or below ``target_density`` of ``total`` (at least 1)."""
    return max(1, int(np.floor(target_density * total + 1e-9)))


def net_from_state(weights: Any, biases: Any) -> Any:
    """Writable torch copies of the env's read-only numpy weights (an ``MLP``)."""
    import torch

    from papergym.envs.pruning.nets import MLP

    return MLP([torch.from_numpy(np.array(w, dtype=np.float32)) for w in weights],
               [torch.from_numpy(np.array(b, dtype=np.float32)) for b in biases])
