"""``FirstRepeatStops``: for learners whose policy outputs any MultiDiscrete vector (SB3's
PPO), a repeated item ends the list, as the stop symbol would, instead of raising
``InvalidAction``.  The env itself keeps refusing duplicates: this is the learner's choice,
made visible by the wrapper."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

__all__ = ["FirstRepeatStops"]


class FirstRepeatStops(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """Replace every entry from the first repeated item on by the stop symbol ``N``."""

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.ActionWrapper.__init__(self, env)
        nvec = np.asarray(env.action_space.nvec).ravel()
        self._stop = int(nvec[0]) - 1
        self.action_space = gym.spaces.MultiDiscrete(nvec, dtype=np.int64)

    def action(self, action):
        out = np.array(action, dtype=np.int64).reshape(-1).copy()
        seen: set[int] = set()
        for i, a in enumerate(out.tolist()):
            if a == self._stop or a in seen:
                out[i:] = self._stop
                break
            seen.add(a)
        return out
