"""A reduced action space of LotteryTicket-v0 for RL baselines: per-layer keep fractions."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

__all__ = ["KeepFractionActions"]


class KeepFractionActions(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """Expose only ``Box(min_keep, 1, (L,))``: each step prunes every layer by magnitude to
    the given fraction of its alive weights, rewinds to ``theta_k`` and retrains; the
    episode stops (``stop = 1``) as soon as the predicted density reaches the env's
    ``target_density``.  This is the action space of the family's SB3 PPO baseline
    (``scripts/pruning/train_ppo.py``); the env and its metrics are unchanged."""

    def __init__(self, env: gym.Env, min_keep: float = 0.05):
        gym.utils.RecordConstructorArgs.__init__(self, min_keep=min_keep)
        gym.ActionWrapper.__init__(self, env)
        if not 0.0 < min_keep <= 1.0:
            raise ValueError(f"min_keep must be in (0, 1], got {min_keep}")
        self.min_keep = float(min_keep)
        n_layers = len(env.action_space["keep"].low)
        self.action_space = spaces.Box(self.min_keep, 1.0, (n_layers,), np.float32)
        masks = env.action_space["mask"]
        self._sizes = np.array([float(np.prod(masks[f"layer{i}"].shape))
                                for i in range(n_layers)])
        self._layer_density = np.ones(n_layers)

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._layer_density = np.asarray(info["layer_density"], dtype=np.float64)
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        self._layer_density = np.asarray(info["layer_density"], dtype=np.float64)
        return obs, reward, terminated, truncated, info

    def action(self, action):
        keep = np.clip(np.asarray(action, dtype=np.float64).reshape(-1), self.min_keep, 1.0)
        alive = np.rint(self._layer_density * self._sizes)
        predicted = sum(max(1, round(k * a)) for k, a in zip(keep, alive)) / self._sizes.sum()
        target = float(self.env.unwrapped.target_density)
        return {"keep": keep.astype(np.float32), "rule": 0, "scope": 0, "weights": 0,
                "stop": int(predicted <= target + 1e-12)}
