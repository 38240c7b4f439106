"""A two-armed Bernoulli bandit: the smallest env that meets every contract."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.utils.checks import check_int, check_options, check_probability, check_render_mode


class CoinEnv(PaperEnv):
    """Two coins; pick one per step and win 1 with its probability.

    ## Description
    A two-armed Bernoulli bandit (a toy, papergym's own test family).

    ## Action Space
    `Discrete(2)`: the coin.

    ## Observation Space
    `Box(0, horizon, (1,), float32)`: steps left.

    ## Rewards
    1 when the coin lands heads, else 0.

    ## Starting State
    The two probabilities are ``p`` and ``1 - p`` in an order drawn at reset.  It takes no
    reset options: any key, or options that are not a dict, raise ``ValueError``.

    ## Episode End
    Terminated after ``horizon`` steps.

    ## Info
    `regret` each step; `metrics` at the end: `total_regret`.

    ## Arguments
    ``p`` (0.7, in [0, 1]), ``horizon`` (20, >= 1), ``render_mode`` (None).

    ## Reference Agents
    `toy-greedy`.

    ## Registered Configurations
    `ToyCoin-v0`.

    ## Version History
    v0: first version.
    """

    metadata = {"render_modes": []}
    primary_metric = "total_regret"
    higher_is_better = False
    quick_kwargs = {"horizon": 10}
    bad_inputs = {"p": (1.5, "x"), "horizon": (0, 2.5), "render_mode": ("human",)}

    def __init__(self, p: float = 0.7, horizon: int = 20, render_mode: str | None = None):
        self.p = check_probability("p", p)
        self.horizon = check_int("horizon", horizon, low=1)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.action_space = gym.spaces.Discrete(2)
        self.observation_space = gym.spaces.Box(0, self.horizon, (1,), np.float32)
        self._t = None

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        check_options(options, (), type(self).__name__)
        order = self.np_random.permutation(2)
        self._probs = np.array([self.p, 1 - self.p])[order]
        self._model = tuple(self._probs)
        self._t, self._regret = 0, 0.0
        return self._obs(), {}

    def _obs(self):
        return np.array([self.horizon - self._t], dtype=np.float32)

    def step(self, action):
        if self._t is None or self._t >= self.horizon:
            raise ResetNeeded("step() before reset() or after the episode ended")
        if not self.action_space.contains(action):
            raise InvalidAction(f"action must be 0 or 1, got {action!r}")
        regret = float(self._probs.max() - self._probs[int(action)])
        reward = float(self.np_random.random() < self._probs[int(action)])
        self._t += 1
        self._regret += regret
        info = {"regret": regret}
        terminated = self._t >= self.horizon
        if terminated:
            info["metrics"] = {"total_regret": self._regret}
        return self._obs(), reward, terminated, False, info
