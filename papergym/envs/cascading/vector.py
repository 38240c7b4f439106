"""Batched CascadingRL-v0 / CascadingBandit-v0: numpy over ``num_envs`` instances.

Copy ``i`` owns the random stream ``SyncVectorEnv`` would give its ``i``-th env (seeded
``seed + i`` at reset) and draws from it exactly what the scalar env draws (an instance at
reset, ``m + 1`` uniforms per step), so it steps exactly like ``SyncVectorEnv`` under the
same seeds; the arithmetic over copies is vectorised.  Autoreset is ``NEXT_STEP``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.error import InvalidAction
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from papergym.envs.cascading.env import CascadingBanditEnv, CascadingRLEnv
from papergym.envs.cascading.model import CascadingInstance, optimal_plan
from papergym.envs.cascading.spaces import ItemListSpace
from papergym.utils.checks import check_int, check_options, check_vector_seeds

__all__ = ["BLOCK", "CascadingBanditVectorEnv", "CascadingRLVectorEnv"]

#: steps of uniforms each copy draws at once (a Generator's doubles come out the same
#: drawn one step at a time or in blocks)
BLOCK = 64


class CascadingRLVectorEnv(VectorEnv):
    """``num_envs`` copies of :class:`CascadingRLEnv` (same keyword arguments) stepped as
    numpy arrays.

    ``infos`` carry ``regret`` and ``click_position`` (float64 / int64 arrays, with their
    ``_regret`` / ``_click_position`` masks, False for a copy that was autoreset in this
    step); the per-copy running ``cumulative_regret`` is an attribute.  Actions are an
    int64 ``(num_envs, m)`` array of lists as in the scalar env; one bad row raises
    ``InvalidAction`` before any copy moves.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}
    env_class: type[CascadingRLEnv] = CascadingRLEnv

    def __init__(self, num_envs: int = 1, **kwargs: Any):
        self.num_envs = check_int("num_envs", num_envs, low=1)
        kwargs.pop("render_mode", None)
        self._template = self.env_class(**kwargs)
        t = self._template
        self.n_states, self.n_items, self.list_size = t.n_states, t.n_items, t.list_size
        self.horizon, self.num_episodes = t.horizon, t.num_episodes
        self.single_action_space = t.action_space
        self.single_observation_space = t.observation_space
        self.action_space = ItemListSpace(self.n_items, self.list_size, batch=self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        n, S, N, H = self.num_envs, self.n_states, self.n_items, self.horizon
        self._q = np.zeros((n, S, N))
        self._r = np.zeros((n, S, N))
        self._cdf = np.zeros((n, S, N + 1, S))
        self._w = np.zeros((n, H, S, N + 1))
        self._v = np.zeros((n, H + 1, S))
        self._s1 = np.zeros(n, dtype=np.int64)
        self._state = np.zeros(n, dtype=np.int64)
        self._h = np.zeros(n, dtype=np.int64)
        self._k = np.zeros(n, dtype=np.int64)
        self._needs_reset = np.zeros(n, dtype=bool)
        self.cumulative_regret = np.zeros(n)
        # uniforms drawn ahead, per copy: never past the copy's run (its next instance is
        # drawn from the same stream), so the stream matches the scalar env's draws
        self._buffer = np.zeros((n, BLOCK, self.list_size + 1))
        self._pos = np.zeros(n, dtype=np.int64)
        self._avail = np.zeros(n, dtype=np.int64)
        self._steps_left = np.zeros(n, dtype=np.int64)
        self._gens: list[np.random.Generator | None] = [None] * n
        self._rows = np.arange(n)
        self._started = False

    # ------------------------------------------------------------------ resets
    def _load(self, i: int, inst: CascadingInstance) -> None:
        plan = optimal_plan(inst)
        self._q[i], self._r[i] = inst.attraction, inst.reward
        cdf = np.cumsum(inst.transition, axis=2)
        cdf[..., -1] = 1.0
        self._cdf[i] = cdf
        self._w[i], self._v[i] = plan.w, plan.value
        self._s1[i] = inst.initial_state
        self._state[i], self._h[i], self._k[i] = inst.initial_state, 0, 0
        self.cumulative_regret[i] = 0.0
        self._needs_reset[i] = False
        self._pos[i] = self._avail[i] = 0
        self._steps_left[i] = self.num_episodes * self.horizon

    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None):
        options = check_options(options, ("instance",), type(self).__name__)
        seeds = check_vector_seeds(seed, self.num_envs)
        inst = (self._template._coerce_instance(options["instance"])
                if "instance" in options else None)
        for i, s in enumerate(seeds):
            if s is not None or self._gens[i] is None:
                self._gens[i] = seeding.np_random(s)[0]
            self._load(i, inst if inst is not None else self._template._generate(self._gens[i]))
        self._started = True
        return self._obs(), {}

    def _obs(self) -> np.ndarray:
        return np.stack((self._state, self._h), axis=1)

    # ------------------------------------------------------------------ the step
    def _lists(self, actions: Any) -> tuple[np.ndarray, np.ndarray]:
        """The items (n, m) int64 and the valid-position mask (n, m); InvalidAction on a
        bad row."""
        n, m, N = self.num_envs, self.list_size, self.n_items
        try:
            a = np.asarray(actions)
        except (TypeError, ValueError):
            raise InvalidAction(f"actions {actions!r} are not an array of lists") from None
        if a.shape != (n, m) or not (np.issubdtype(a.dtype, np.integer)
                                     and a.dtype != np.bool_):
            raise InvalidAction(f"actions must be an integer array of shape ({n}, {m}), got "
                                f"{a.dtype} {a.shape}")
        if a.min() < 0 or a.max() > N:
            raise InvalidAction(f"actions must be in [0, {N}] ({N} = stop)")
        a = a.astype(np.int64)
        valid = np.cumprod(a != N, axis=1).astype(bool)
        if m > 1:
            # repeat[:, j]: item j equals an earlier item i < j of the list
            earlier = np.tril(np.ones((m, m), dtype=bool), -1)
            same = (a[:, :, None] == a[:, None, :]) & earlier & valid[:, None, :]
            repeat = same.any(axis=2) & valid
            if self._template.repeated_items == "stop":
                valid &= np.cumprod(~repeat, axis=1).astype(bool)
                return np.where(valid, a, 0), valid
            bad = repeat.any(axis=1)
            if bad.any():
                raise InvalidAction(f"actions rows {np.flatnonzero(bad).tolist()} repeat an "
                                    "item before the first stop")
        return np.where(valid, a, 0), valid

    def step(self, actions: Any):
        if not self._started:
            from gymnasium.error import ResetNeeded

            raise ResetNeeded("call reset() before step()")
        items, valid = self._lists(actions)
        n, m, N = self.num_envs, self.list_size, self.n_items
        redo = self._needs_reset
        any_redo = bool(redo.any())
        rows = self._rows
        gens = self._gens
        empty = (self._pos == self._avail) & ~redo
        if empty.any():
            for i in np.flatnonzero(empty).tolist():
                size = min(BLOCK, int(self._steps_left[i]))
                self._buffer[i, :size] = gens[i].random((size, m + 1))
                self._avail[i], self._pos[i] = size, 0
        U = self._buffer[rows, self._pos]
        self._pos += ~redo
        self._steps_left -= ~redo
        s, h = self._state, self._h
        q = self._q[rows[:, None], s[:, None], items]
        q *= valid
        w = self._w[rows, h, s]  # (n, N + 1)
        wi = np.take_along_axis(w, items, axis=1)
        survive = np.cumprod(1.0 - q, axis=1)
        reach = np.empty_like(q)
        reach[:, 0] = 1.0
        reach[:, 1:] = survive[:, :-1]
        value = (reach * q * wi).sum(axis=1) + survive[:, -1] * w[:, N]
        regret = np.maximum(self._v[rows, h, s] - value, 0.0)
        attract = U[:, :m] < q  # q = 0 past the list's end: never attracts
        pos = attract.argmax(axis=1)
        clicked = attract[rows, pos]
        item = np.where(clicked, items[rows, pos], N)
        reward = np.where(clicked, self._r[rows, s, np.minimum(item, N - 1)], 0.0)
        pos = np.where(clicked, pos, -1)
        nxt = (self._cdf[rows, s, item] <= U[:, m:]).sum(axis=1)
        end = h + 1 == self.horizon
        k = self._k + end
        terminated = end & (k == self.num_episodes)
        new_state = np.where(end, self._s1, nxt)
        new_h = np.where(end, 0, h + 1)
        act = ~redo
        if any_redo:
            terminated &= act
            new_state = np.where(act, new_state, s)
            new_h = np.where(act, new_h, h)
            k = np.where(act, k, self._k)
            regret = np.where(act, regret, 0.0)
            reward = np.where(act, reward, 0.0)
            pos = np.where(act, pos, -1)
        self._state, self._h, self._k = new_state, new_h, k
        self.cumulative_regret += regret
        if any_redo:
            for i in np.flatnonzero(redo).tolist():
                self._load(i, self._template._generate(gens[i]))
        self._needs_reset = terminated.copy()
        infos = {"regret": regret, "_regret": act.copy(), "click_position": pos,
                 "_click_position": act.copy()}
        return self._obs(), reward, terminated, np.zeros(n, dtype=bool), infos


class CascadingBanditVectorEnv(CascadingRLVectorEnv):
    """``num_envs`` copies of :class:`CascadingBanditEnv`, as :class:`CascadingRLVectorEnv`."""

    env_class = CascadingBanditEnv
