"""Laforgue et al.'s block learners for LSDBandit-v0: ISI-CombUCB1 and vanilla CombUCB1."""

from __future__ import annotations

import math

import numpy as np

from papergym.agents.bandits._common import LAFORGUE
from papergym.agents.base import Agent
from papergym.envs.bandits import lsd_math

__all__ = ["CombUCB1Agent", "ISICombUCB1Agent"]

SOLVERS = ("lp", "enumerate")


class _BlockUCB(Agent):
    """Common machinery: UCB indices per (arm, in-block delay), a block planned at once by
    the LP relaxation with greedy rounding (HiGHS) or, with ``solver="enumerate"``, by
    exact enumeration of the block's sequences (faster; same objective)."""

    paper = LAFORGUE

    def __init__(self, d: int = 3, solver: str = "lp"):
        if not isinstance(d, int) or d < 1:
            raise ValueError(f"d must be an integer >= 1, got {d!r}")
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        self.d = d
        self.solver = solver

    width: int  # columns of the estimate table

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        k = len(observation)
        self._k = k
        self._counts = np.zeros((k, self.width))
        self._sums = np.zeros((k, self.width))
        # Laforgue et al.'s initial index of an unplayed (arm, delay)
        self._init = self.width * math.sqrt(1.5 * math.log(k * self.width))
        self._t = 0
        self._plan: list[int] = []
        self._pos = 0
        self._pulled_at: dict[int, int] = {}

    def _ucb(self) -> np.ndarray:
        t = max(self._t, 1)
        n = np.maximum(self._counts, 1)
        ucb = self._sums / n + np.sqrt(1.5 * math.log(t) / n)
        return np.where(self._counts > 0, ucb, self._init)

    def _solve(self, first, later, length):
        if self.solver == "enumerate":
            return lsd_math.block_enumerate_plan(first, later, length)
        return lsd_math.block_lp_plan(first, later, length)

    def act(self, observation, info):
        if self._pos >= len(self._plan):
            states = np.asarray(observation)
            self._plan = self._new_block(states)
            self._pos = 0
            self._pulled_at = {}
        arm = self._plan[self._pos]
        self._last_state = int(np.asarray(observation)[arm])
        return arm

    def observe(self, action, reward, observation, terminated, truncated, info):
        arm = int(action)
        self._t += 1
        col = self._estimate_column(arm)
        if col is not None:
            self._counts[arm, col] += 1
            self._sums[arm, col] += reward
        self._pulled_at[arm] = self._pos
        self._pos += 1


class ISICombUCB1Agent(_BlockUCB):
    """ISI-CombUCB1 (Laforgue et al., AISTATS 2022): blocks of ``d + 1`` pulls planned at
    once; the first pull of each arm in a block is worth 0 to the plan and is not used for
    estimation ("ignore the first pulls"), so every estimate is of a delay ``p <= d``
    measured inside the block and the initial states never bias it.  Index
    ``mean + sqrt(1.5 ln t / n)`` per (arm, in-block delay); a block maximises the sum of
    the indices of its non-first pulls, by the LP relaxation with greedy rounding.
    Indices are recomputed at every block (their code refreshes them lazily, per pull)."""

    name = "isi-combucb1"

    @property
    def width(self) -> int:
        return self.d

    def _new_block(self, states):
        length = self.d + 1
        return self._solve(np.zeros((self._k, length)), self._ucb(), length)

    def _estimate_column(self, arm):
        if arm not in self._pulled_at:
            return None  # a first pull in the block: ignored
        return self._pos - self._pulled_at[arm] - 1


class CombUCB1Agent(_BlockUCB):
    """Vanilla CombUCB1 as Laforgue et al. run it: blocks of ``d`` pulls, every pull used;
    an arm's state is read as ``min(state, d)`` (delays beyond ``d`` are lumped together,
    which is what ISI-CombUCB1 avoids), the first pull of arm ``i`` at block position ``t``
    is valued at the index of delay ``min(state_i + t, d)``."""

    name = "combucb1"

    @property
    def width(self) -> int:
        return self.d

    def _new_block(self, states):
        ucb = self._ucb()
        length = self.d
        delay = np.minimum(states[:, None] + np.arange(length)[None, :], self.d)
        first = np.take_along_axis(ucb, delay - 1, axis=1)
        return self._solve(first, ucb, length)

    def _estimate_column(self, arm):
        return min(self._last_state, self.d) - 1
