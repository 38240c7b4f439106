"""Tiny envs with the spaces papergym envs use (Dict observations, masks, Dict actions),
to test the spine without depending on any family."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class MaskedToyEnv(gym.Env):
    """Guess the hidden target in {0..n-1}; only actions not yet tried are legal.

    Dict observation, Discrete action with ``info["action_mask"]``, a ``model()`` (the
    target), ``info["regret"]`` per step and ``info["metrics"]`` at the end.
    """

    metadata = {"render_modes": []}
    primary_metric = "guesses"
    higher_is_better = False

    def __init__(self, n: int = 4):
        if n < 2:
            raise ValueError(f"n must be >= 2, got {n}")
        self.n = n
        self.observation_space = spaces.Dict({
            "tried": spaces.MultiBinary(n),
            "step": spaces.Box(0.0, float(n), shape=(1,), dtype=np.float32),
        })
        self.action_space = spaces.Discrete(n)

    def model(self):
        return {"target": self._target}

    def _obs(self):
        return {"tried": self._tried.copy(), "step": np.array([self._steps], dtype=np.float32)}

    def _info(self):
        return {"action_mask": (self._tried == 0).astype(np.int8)}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._target = int(self.np_random.integers(self.n))
        self._tried = np.zeros(self.n, dtype=np.int8)
        self._steps = 0
        return self._obs(), self._info()

    def step(self, action):
        if not self.action_space.contains(action) or self._tried[int(action)]:
            raise gym.error.InvalidAction(f"illegal action {action!r}")
        self._tried[int(action)] = 1
        self._steps += 1
        hit = int(action) == self._target
        info = self._info()
        info["regret"] = 0.0 if hit else 1.0
        if hit:
            info["metrics"] = {"guesses": float(self._steps)}
        return self._obs(), (1.0 if hit else 0.0), hit, False, info


class DictActionToyEnv(gym.Env):
    """One step; the action is a Dict of a Discrete and a MultiBinary part."""

    metadata = {"render_modes": []}

    def __init__(self):
        self.observation_space = spaces.Box(0.0, 1.0, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Dict({"arm": spaces.Discrete(3, start=1),
                                         "flags": spaces.MultiBinary(2)})

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        assert self.action_space.contains(action), action
        self.last_action = action
        reward = float(action["arm"] + action["flags"].sum())
        return np.zeros(2, dtype=np.float32), reward, True, False, {"metrics": {"reward": reward}}


def register_toys() -> None:
    for name, cls in (("MaskedToy-v0", MaskedToyEnv), ("DictActionToy-v0", DictActionToyEnv)):
        if f"papergym_test/{name}" not in gym.registry:
            gym.register(id=f"papergym_test/{name}", entry_point=cls)
