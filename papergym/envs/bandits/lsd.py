"""LSDBandit-v0: last-switch-dependent bandits (Laforgue et al. 2022; Foussoul et al. 2023)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.bandits import lsd_math
from papergym.envs.bandits._common import int_action
from papergym.envs.bandits.rng import episode_key, uniform_scalar, uniforms
from papergym.envs.base import PaperEnv, init_vector_copies
from papergym.utils.checks import (
    check_array,
    check_choice,
    check_int,
    check_options,
    check_render_mode,
    check_vector_seeds,
)

__all__ = ["INSTANCES", "LSDBanditEnv", "LSDBanditVectorEnv", "LSDInstance", "optimum"]

INSTANCES = ("spike", "step", "random", "custom")


@dataclass(frozen=True)
class LSDInstance:
    """What ``LSDBanditEnv.model()`` returns: the payoff table (read-only) and the setting."""

    table: np.ndarray   # float64 (n_arms, cap) or (n_arms, 2 cap) when signed
    cap: int
    signed: bool
    horizon: int

    @property
    def n_arms(self) -> int:
        return self.table.shape[0]

    def payoff(self, arm: int, state: int) -> float:
        """Expected payoff of pulling ``arm`` in ``state``."""
        return float(self.table[arm, lsd_math.column(int(state), self.cap, self.signed)])


@functools.lru_cache(maxsize=128)
def _optimum_cached(table_bytes: bytes, shape: tuple, horizon: int, cap: int,
                    signed: bool) -> tuple[float, float, bool]:
    table = np.frombuffer(table_bytes, dtype=np.float64).reshape(shape)
    _, planner, _ = lsd_math.lp_planner(table, horizon, cap, signed)
    if lsd_math.state_space_bound(shape[0], cap, signed) <= lsd_math.DP_STATE_LIMIT:
        return lsd_math.exact_dp(table, horizon, cap, signed).value, planner, True
    return planner, planner, False


def optimum(instance: LSDInstance) -> tuple[float, float, bool]:
    """``(optimum, planner value, exact)``: the exact DP's optimal expected payoff where the
    joint state space is within ``lsd_math.DP_STATE_LIMIT`` (else our planner's value, and
    ``exact`` is False), and our planner's expected payoff (cached per instance)."""
    table = np.ascontiguousarray(instance.table, dtype=np.float64)
    return _optimum_cached(table.tobytes(), table.shape, instance.horizon, instance.cap,
                           instance.signed)


def _resolve_table(instance: str, n_arms: int, cap: int, signed: bool, payoffs: Any,
                   monotone: bool) -> np.ndarray | None:
    """The fixed table of a configuration (None for ``random``), validated."""
    width = 2 * cap if signed else cap
    if instance == "custom":
        if payoffs is None:
            raise ValueError("payoffs must be given (an (n_arms, cap) table, (n_arms, 2*cap) "
                             "when signed) with instance='custom', got None")
        table = check_array("payoffs", payoffs, shape=(n_arms, width), low=0.0, high=1.0)
        if monotone and not lsd_math.monotone_table(table):
            raise ValueError("payoffs must be non-decreasing along every row with "
                             "monotone=True (non-decreasing in idle time, non-increasing in "
                             "consecutive plays)")
        return table
    if payoffs is not None:
        raise ValueError(f"payoffs must be None unless instance='custom', got a table with "
                         f"instance={instance!r}")
    if instance == "random":
        return None
    if signed:
        raise ValueError(f"signed must be False with instance={instance!r} (Laforgue et al.'s "
                         "tables are delay-only); use 'random' or 'custom'")
    if instance == "spike":
        if n_arms < 3 or cap < 9:
            raise ValueError(f"instance 'spike' needs n_arms >= 3 and cap >= 9, got "
                             f"n_arms={n_arms}, cap={cap}")
        table = lsd_math.spike_table(n_arms, cap)
    else:
        if cap < 2:
            raise ValueError(f"instance 'step' needs cap >= 2, got cap={cap}")
        table = lsd_math.step_table(n_arms, cap)
    if monotone and not lsd_math.monotone_table(table):
        raise ValueError(f"monotone must be False with instance={instance!r}: its table is "
                         "not monotone")
    return table


class LSDBanditEnv(PaperEnv):
    """
    ## Description

    Last-switch-dependent (LSD) bandits: ``n_arms`` arms whose expected payoff depends on
    the arm's *state*, the time since it last switched.  Introduced in "Last Switch
    Dependent Bandits" (Laforgue, Clerici, Cesa-Bianchi, Gilad-Bachrach; AISTATS 2022;
    arXiv 2110.11819), whose experiments (public code GiuliaClerici/LSD_bandits, MIT) use
    delay-only states: ``tau_i`` = rounds since arm ``i`` was last pulled, the pulled arm
    resetting to 1 and the others adding 1, capped at ``cap``; pulling arm ``i`` pays a
    Bernoulli reward of mean ``mu_i(tau_i)`` read from a payoff table.  ``signed=True``
    adds consecutive-play states (satiation): ``s_i = -r`` after ``r`` consecutive plays,
    ``s_i = +j`` after ``j`` idle rounds, the setting of "Last Switch Dependent Bandits with
    Monotone Payoff Functions" (Foussoul, Goyal, Papadigenopoulos, Zeevi; ICML 2023;
    arXiv 2306.00338), where payoffs are non-increasing in consecutive plays and
    non-decreasing in idle time (``monotone=True`` enforces this).  Planning (payoffs
    known) is NP-hard; the exact optimum comes from a dynamic program over joint states
    on small instances.  The initial state (every arm at 1) follows Laforgue et al.'s code.

    ## Action Space

    ``Discrete(n_arms)``: the arm to pull.  Every arm is always legal.

    ## Observation Space

    ``Box(low, cap, shape=(n_arms,), int64)``: every arm's state (``low`` is 1, or
    ``-cap`` when signed).

    ## Rewards

    The Bernoulli payoff of the pulled arm (0 or 1), drawn with mean ``mu_i(state)``.

    ## Starting State

    Every arm in state 1; the payoff table is the instance's (``random``: a fresh monotone
    table per episode drawn from ``self.np_random``).  ``reset(options={"instance":
    table})`` plays a given table (same shape, entries in [0, 1]).

    ## Episode End

    ``terminated`` after ``horizon`` pulls.  Never ``truncated``.

    ## Info

    At every reset and step: ``t`` (pulls so far), ``expected_payoff`` (sum of the means of
    the pulls so far; 0 at reset), ``mean`` (the last pull's mean; 0 at reset).  No
    per-step ``regret``: the optimum is a whole schedule, not a per-round choice.  At the
    end also ``metrics``: ``total_reward`` (Bernoulli sum), ``expected_payoff``,
    ``optimum`` (exact DP, or our planner where the joint state space exceeds
    ``lsd_math.DP_STATE_LIMIT``), ``optimum_exact`` (1.0 or 0.0), ``ratio_to_optimum``
    (``expected_payoff / optimum``), ``planner_payoff`` (our LP planner's expected payoff),
    ``regret_vs_planner`` (``planner_payoff - expected_payoff``), ``horizon``.

    ## Arguments

    - ``n_arms`` (int, default 5): number of arms, ``>= 2``.
    - ``cap`` (int, default 10): the largest state (table width), ``>= 1``.
    - ``horizon`` (int, default 3600): pulls per episode, ``>= n_arms``.
    - ``instance`` (str, default ``"spike"``): ``"spike"`` (Laforgue et al.'s main instance,
      needs ``n_arms >= 3``, ``cap >= 9``), ``"step"`` (their supplementary instance: arm 0
      pays 0.05, arm 1 pays 0.06 at delay 1 and 0.95 from delay 2), ``"random"`` (a random
      monotone table per episode) or ``"custom"`` (``payoffs``).
    - ``payoffs`` (array or None, default None): the table for ``instance="custom"``,
      shape ``(n_arms, cap)`` (``(n_arms, 2 cap)`` signed, columns ``-cap..-1, 1..cap``),
      entries in [0, 1].
    - ``signed`` (bool, default False): add consecutive-play states.
    - ``monotone`` (bool, default False): require every row non-decreasing (the monotone
      setting); a table violating it raises ``ValueError``.
    - ``render_mode`` (None or ``"rgb_array"``): an image of the arms' states and payoffs.

    ## Reference Agents

    ``lsd-dp`` (exact optimum, uses ``model()``), ``lsd-lp-planner`` (ours: LP relaxation
    over (arm, state) frequencies plus rounding, uses ``model()``), ``isi-combucb1``
    (Laforgue et al.), ``combucb1``, ``oracle-greedy`` (uses ``model()``); also ``ucb1``,
    ``sw-ucb`` and ``random``.

    ## Registered Configurations

    - ``LSDBandit-v0``: the defaults above (spike instance, k = 5, width 10, T = 3600).
      Its leaderboard boards: ``spike``; ``step`` (``n_arms=2, cap=11``; their run used
      T = 3300); and Foussoul et al.'s monotone satiation setting (``random``, ``n_arms=3,
      cap=4, signed=True, monotone=True``: a fresh monotone table per seed).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10,
                "autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}
    primary_metric = "ratio_to_optimum"
    higher_is_better = True
    #: Laforgue's two instances; the step board keeps the default horizon (their run: 3300)
    #: so that ``quick_kwargs`` shortens it too
    leaderboard_configs = ({"instance": "spike"},
                           {"instance": "step", "n_arms": 2, "cap": 11},
                           {"instance": "random", "n_arms": 3, "cap": 4, "signed": True,
                            "monotone": True})
    quick_kwargs = {"horizon": 120}
    bad_inputs = {"n_arms": (1, 2.0, True), "cap": (0, "10"), "horizon": (1, -5),
                  "instance": ("spiky",), "payoffs": ([[0.5] * 10] * 5,),
                  "signed": (1, "yes"), "monotone": (None, 0), "render_mode": ("human",)}

    def __init__(self, n_arms: int = 5, cap: int = 10, horizon: int = 3600,
                 instance: str = "spike", payoffs: Any = None, signed: bool = False,
                 monotone: bool = False, render_mode: str | None = None):
        self.n_arms = check_int("n_arms", n_arms, low=2)
        self.cap = check_int("cap", cap, low=1)
        self.horizon = check_int("horizon", horizon, low=self.n_arms)
        self.instance = check_choice("instance", instance, INSTANCES)
        self.signed = check_choice("signed", signed, (False, True))
        self.monotone = check_choice("monotone", monotone, (False, True))
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self._fixed = _resolve_table(self.instance, self.n_arms, self.cap, self.signed,
                                     payoffs, self.monotone)
        self.width = 2 * self.cap if self.signed else self.cap
        low = -self.cap if self.signed else 1
        self.action_space = spaces.Discrete(self.n_arms)
        self.observation_space = spaces.Box(low, self.cap, shape=(self.n_arms,), dtype=np.int64)
        self._states: np.ndarray | None = None
        self._table: np.ndarray | None = None
        self._t = 0
        self._done = True
        self._history: list[tuple[np.ndarray, int]] = []

    # ------------------------------------------------------------------ episode
    def _draw_table(self, options: dict) -> np.ndarray:
        if "instance" in options:
            table = check_array("instance", options["instance"],
                                shape=(self.n_arms, self.width), low=0.0, high=1.0)
            if self.monotone and not lsd_math.monotone_table(table):
                raise ValueError("instance must be non-decreasing along every row with "
                                 "monotone=True")
            return table
        if self._fixed is not None:
            return self._fixed
        return lsd_math.random_monotone_table(self.np_random, self.n_arms, self.cap, self.signed)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        options = check_options(options, ("instance",), type(self).__name__)
        table = self._draw_table(options)
        self._table = table
        self._pay = table.tolist()
        self._key = episode_key(self.np_random)
        self._key_int = int(self._key)
        self._states = lsd_math.initial_states(self.n_arms, self.signed)
        self._state_list = self._states.tolist()
        self._t = 0
        self._expected = 0.0
        self._total = 0.0
        self._done = False
        self._history = []
        frozen = table.copy()
        frozen.setflags(write=False)
        self._model = LSDInstance(frozen, self.cap, self.signed, self.horizon)
        return self._states.copy(), {"t": 0, "expected_payoff": 0.0, "mean": 0.0}

    def step(self, action):
        if self._done:
            raise ResetNeeded("step() before reset() or after the episode ended")
        arm = int_action(action, self.n_arms)
        states, cap = self._state_list, self.cap
        if self.render_mode is not None:
            self._history.append((np.array(states), arm))
        s = states[arm]
        if self.signed:
            mean = self._pay[arm][cap + s - 1 if s > 0 else cap + s]
            states = [min(x + 1, cap) if x > 0 else 1 for x in states]
            states[arm] = max(s - 1, -cap) if s < 0 else -1
        else:
            mean = self._pay[arm][s - 1]
            states = [x + 1 if x < cap else cap for x in states]
            states[arm] = 1
        self._state_list = states
        reward = 1.0 if uniform_scalar(self._key_int, self._t) < mean else 0.0
        self._t += 1
        self._expected += mean
        self._total += reward
        info = {"t": self._t, "expected_payoff": self._expected, "mean": mean}
        terminated = self._t >= self.horizon
        if terminated:
            self._done = True
            info["metrics"] = self.metrics()
        return np.array(states, dtype=np.int64), reward, terminated, False, info

    def metrics(self) -> dict[str, float]:
        """The episode's measures so far (``info["metrics"]`` at the end)."""
        return _metrics(self._model, self._expected, self._total)

    # ------------------------------------------------------------------ render
    def render(self):
        if self.render_mode != "rgb_array":
            return None
        return _render(self._model, self._history, self.cap, self.signed)


def _metrics(model: LSDInstance, expected: float, total: float) -> dict[str, float]:
    opt, planner, exact = optimum(model)
    return {"total_reward": float(total), "expected_payoff": float(expected),
            "optimum": float(opt), "optimum_exact": float(exact),
            "ratio_to_optimum": float(expected / opt) if opt > 0 else 1.0,
            "planner_payoff": float(planner), "regret_vs_planner": float(planner - expected),
            "horizon": float(model.horizon)}


def _render(model, history, cap, signed) -> np.ndarray:
    """Rows = arms, columns = steps (last 200): grey level = the arm's payoff in its state,
    the pulled arm in red."""
    n_arms = model.n_arms
    steps = history[-200:] or [(lsd_math.initial_states(n_arms, signed), -1)]
    cell = 4
    img = np.zeros((n_arms * cell, len(steps) * cell, 3), dtype=np.uint8)
    for j, (states, arm) in enumerate(steps):
        pay = model.table[np.arange(n_arms), lsd_math.columns(states, cap, signed)]
        for i in range(n_arms):
            colour = (255, 40, 40) if i == arm else (int(255 * pay[i]),) * 3
            img[i * cell:(i + 1) * cell, j * cell:(j + 1) * cell] = colour
    return img


class LSDBanditVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of :class:`LSDBanditEnv` stepped together in numpy, exactly as
    ``SyncVectorEnv`` steps them under the same seeds (copy ``i`` seeded ``seed + i``), with
    next-step autoreset: the step after an episode's end resets that copy.  Its infos carry
    only the episode-end ``metrics`` (in Gymnasium's vector-info layout, ``_metrics`` the
    mask), not the per-step keys of the single env."""

    metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 1, **kwargs: Any):
        proto = init_vector_copies(self, LSDBanditEnv, num_envs, kwargs)
        self.n_arms, self.cap, self.signed, self.horizon = (proto.n_arms, proto.cap,
                                                            proto.signed, proto.horizon)
        n = self.num_envs
        self._states = np.ones((n, self.n_arms), dtype=np.int64)
        self._tables = np.zeros((n, self.n_arms, proto.width))
        self._keys = np.zeros(n, dtype=np.uint64)
        self._t = np.zeros(n, dtype=np.int64)
        self._expected = np.zeros(n)
        self._total = np.zeros(n)
        self._autoreset = np.zeros(n, dtype=bool)
        self._rows = np.arange(n)

    def _reset_copy(self, i: int, seed: int | None = None) -> None:
        env = self.envs[i]
        env.reset(seed=seed)
        self._tables[i] = env._table
        self._keys[i] = env._key
        self._states[i] = env._states
        self._t[i] = 0
        self._expected[i] = 0.0
        self._total[i] = 0.0

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        check_options(options, (), type(self).__name__)  # the copies draw their own instances
        seeds = check_vector_seeds(seed, self.num_envs)
        for i in range(self.num_envs):
            self._reset_copy(i, seeds[i])
        self._autoreset[:] = False
        return self._states.copy(), {}

    def step(self, actions):
        actions = np.asarray(actions, dtype=np.int64)
        if actions.shape != (self.num_envs,) or actions.min() < 0 or actions.max() >= self.n_arms:
            raise InvalidAction(f"actions must be {self.num_envs} arms in [0, {self.n_arms})")
        rows = self._rows
        cols = lsd_math.columns(self._states[rows, actions], self.cap, self.signed)
        means = self._tables[rows, actions, cols]
        rewards = (uniforms(self._keys, self._t) < means).astype(np.float64)
        live = ~self._autoreset
        lsd_math.transition_batch(self._states, actions, self.cap, self.signed)
        self._t += 1
        self._expected += means
        self._total += rewards
        terminated = live & (self._t >= self.horizon)
        infos: dict[str, Any] = {}
        if self._autoreset.any():
            for i in np.flatnonzero(self._autoreset):
                self._reset_copy(int(i))
            rewards[self._autoreset] = 0.0
        for i in np.flatnonzero(terminated):
            metrics = _metrics(self.envs[i].model(), self._expected[i], self._total[i])
            infos = self._add_info(infos, {"metrics": metrics}, int(i))
        self._autoreset = terminated
        return (self._states.copy(), rewards, terminated, np.zeros(self.num_envs, dtype=bool),
                infos)
