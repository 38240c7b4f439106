"""StreamingBandit-v0: single-pass streaming multi-armed bandits (Wang, ICML 2023)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.bandits._common import int_action
from papergym.envs.bandits.rng import (
    binomial_from_uniform,
    binomial_scalar,
    episode_key,
    uniform_scalar,
    uniforms,
)
from papergym.envs.base import PaperEnv, init_vector_copies
from papergym.utils.checks import (
    check_array,
    check_choice,
    check_int,
    check_options,
    check_real,
    check_render_mode,
    check_vector_seeds,
)

__all__ = ["SETTINGS", "StreamingActions", "StreamingBanditEnv", "StreamingBanditVectorEnv",
           "StreamingInstance", "draw_means"]

SETTINGS = ("clear_cut", "mix_in")
MAX_HORIZON = 2**62


def draw_means(rng: np.random.Generator, n_arms: int, setting: str) -> np.ndarray:
    """Arm means in stream order.  ``clear_cut``: ``n_arms - 1`` means from N(0.5, 0.1)
    truncated to [0, 0.8] (by rejection) and one best arm at 0.82, shuffled; ``mix_in``:
    all Uniform[0, 1] (the public code's two settings)."""
    if setting == "mix_in":
        return rng.random(n_arms)
    means = np.empty(n_arms - 1)
    filled = 0
    while filled < n_arms - 1:
        draw = rng.normal(0.5, 0.1, size=2 * (n_arms - 1 - filled) + 4)
        draw = draw[(draw >= 0.0) & (draw <= 0.8)][:n_arms - 1 - filled]
        means[filled:filled + len(draw)] = draw
        filled += len(draw)
    return rng.permutation(np.append(means, 0.82))


@dataclass(frozen=True)
class StreamingActions:
    """The action encoding of a configuration (``memory`` slots, pull exponents ``0..J``).

    - ``pull(target, j)`` = ``target * (J + 1) + j``: pull ``2**j`` times; ``target`` is a
      slot ``0..memory-1`` or ``memory`` for the arriving arm.
    - ``store(slot)`` = ``P + slot``: keep the arriving arm in ``slot`` (its occupant, if
      any, is discarded for good); the next arm arrives.
    - ``drop(slot)`` = ``P + memory + slot``: discard the arm in ``slot`` for good.
    - ``skip`` = ``P + 2 memory``: discard the arriving arm; the next arm arrives.

    where ``P = (memory + 1)(J + 1)``.
    """

    memory: int
    max_exponent: int

    @property
    def n_pull(self) -> int:
        return (self.memory + 1) * (self.max_exponent + 1)

    @property
    def n(self) -> int:
        return self.n_pull + 2 * self.memory + 1

    def pull(self, target: int, exponent: int) -> int:
        return target * (self.max_exponent + 1) + exponent

    def store(self, slot: int) -> int:
        return self.n_pull + slot

    def drop(self, slot: int) -> int:
        return self.n_pull + self.memory + slot

    @property
    def skip(self) -> int:
        return self.n_pull + 2 * self.memory


@dataclass(frozen=True)
class StreamingInstance:
    """What ``model()`` returns: the arm means in stream order (read-only) and the budget."""

    means: np.ndarray
    horizon: int
    memory: int


class LegalDiscrete(spaces.Discrete):
    """``Discrete(n)`` whose ``sample()`` (without a mask) draws a legal action of the env's
    current state, uniformly: random actions from the space (Gymnasium's checker, quick
    experiments) never hit a masked action.  ``contains`` is the plain space's."""

    def __init__(self, n: int, legal, seed=None):
        super().__init__(n, seed=seed)
        self._legal = legal

    def sample(self, mask=None, probability=None):
        if mask is None and probability is None:
            mask = self._legal()
        return super().sample(mask=mask, probability=probability)


class LegalMultiDiscrete(spaces.MultiDiscrete):
    """The batched counterpart of :class:`LegalDiscrete` (one legal action per copy)."""

    def __init__(self, nvec, legal, seed=None):
        super().__init__(nvec, seed=seed)
        self._legal = legal

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            return super().sample(mask=mask, probability=probability)
        masks = self._legal()
        out = np.zeros(len(masks), dtype=self.dtype)
        for i, row in enumerate(masks):
            legal = np.flatnonzero(row)
            out[i] = legal[self.np_random.integers(len(legal))] if len(legal) else 0
        return out


class StreamingBanditEnv(PaperEnv):
    """
    ## Description

    Single-pass streaming bandits, the setting of "Tight Regret Bounds for Single-pass
    Streaming Multi-armed Bandits" (Chen Wang; ICML 2023; arXiv 2306.02208): ``n_arms``
    Bernoulli arms arrive one at a time in random order and are seen once; the agent may
    keep at most ``memory`` of them (an arm let go is gone for good) and has ``horizon``
    pulls in total.  Regret is the pseudo-regret ``sum over pulls of (mu* - mu_pulled)``
    (as the public code counts it).  Any algorithm with ``o(K)`` memory has regret
    ``Omega(K^{1/3} T^{2/3})``; uniform exploration reaches ``O(K^{1/3} T^{2/3}
    log^{1/3} T)`` and eps-best-then-commit ``O(K^{1/3} T^{2/3})``.

    ## Action Space

    ``Discrete((memory + 1)(J + 1) + 2 memory + 1)`` with ``J = floor(log2 horizon)``:
    pull a stored arm or the arriving arm ``2**j`` times in one step (exact binomial
    sampling, so a horizon of ``10**9`` plays in seconds), store the arriving arm in a
    slot, drop a stored arm, or skip the arriving arm (encoding:
    :class:`StreamingActions`).  ``action_masks()`` / ``info["action_mask"]`` say which are
    legal: pulls of held arms within the remaining budget; store and skip while an arm is
    arriving; drop of an occupied slot; never an action that would leave no arm at all.
    The space's ``sample()`` draws a legal action (uniformly among the unmasked ones).
    No action can exceed the memory: it holds ``memory`` slots plus the arriving arm (the
    arm being read, as in the streaming model).  A masked action raises
    ``gymnasium.error.InvalidAction`` and changes nothing.

    ## Observation Space

    ``Box(0, 1, shape=(3 (memory + 1) + 2,), float32)``: for each slot, then the arriving
    arm: held (1/0), empirical mean, its pulls ``/ horizon``; then the remaining budget
    ``/ horizon`` and the fraction of the stream read.

    ## Rewards

    The number of successes of the step's pulls (0 for store, drop and skip).

    ## Starting State

    Empty slots and the first arm arriving; the means are drawn from ``self.np_random``
    by ``setting``.  ``reset(options={"instance": means})`` plays given means (in stream
    order, length ``n_arms``, in [0, 1]).

    ## Episode End

    ``terminated`` when the budget of ``horizon`` pulls is spent.  Never ``truncated``.

    ## Info

    At every reset and step: ``action_mask`` (int8), ``pulls_left``, ``arms_read`` (arms
    that have arrived so far, the current one included), ``n_arms``, ``arriving`` (1 while
    an arm is arriving, 0 once the stream is exhausted), ``held`` (arms held, the arriving
    one included), ``slot_pulls`` and ``slot_successes`` (int64, per slot then the arriving
    arm), ``regret`` (this step's pseudo-regret; 0 at reset).  At the end also
    ``metrics``: ``regret``, ``normalized_regret`` (``regret / (K^{1/3} T^{2/3})``),
    ``total_reward``, ``max_stored`` (most slots ever occupied), ``horizon``,
    ``n_arms``.

    ## Arguments

    - ``n_arms`` (int, default 50): ``K``, ``>= 2``.
    - ``memory`` (int, default 1): slots, ``>= 1``.
    - ``horizon`` (int or None, default None): ``T``, ``>= n_arms``; None means
      ``round(alpha * n_arms ** beta)``.
    - ``alpha`` (float, default 100.0), ``beta`` (float, default 3.0): the public code's
      ``T = alpha K^beta`` (it uses 1000 and 3), positive.
    - ``setting`` (str, default ``"clear_cut"``): ``"clear_cut"`` or ``"mix_in"``.
    - ``render_mode`` (None or ``"rgb_array"``): the arms read so far (grey = mean), the
      held ones marked.

    ## Reference Agents

    ``uniform-exploration`` (the benchmark), ``naive-eps-best``, ``log-eps-best``,
    ``loglog-eps-best``, ``logstar-eps-best`` (Wang's algorithms; the memory-hungry ones
    apply where ``memory`` is large enough), ``game-of-arms``; also ``stream-ucb1`` (full
    memory: the unconstrained reference, where ``memory >= n_arms``) and ``random``.

    ## Registered Configurations

    - ``StreamingBandit-v0``: the defaults above (K = 50, memory 1, T = 100 K^3,
      clear_cut).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10,
                "autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}
    primary_metric = "regret"
    higher_is_better = False
    leaderboard_configs = ({"setting": "clear_cut", "memory": 1},
                           {"setting": "clear_cut", "memory": 8},
                           {"setting": "clear_cut", "memory": 50})
    quick_kwargs = {"n_arms": 20}
    speed_target = 0.5
    speed_target_reason = ("uniformly random legal actions are mostly batched pulls of up to "
                           "2**J, each an exact binomial quantile (Boost's inversion); unit "
                           "pulls, the Bernoulli path, run above 1.0x CartPole-v1 "
                           "(benchmarks/bandits.py)")
    bad_inputs = {"n_arms": (1, 2.5), "memory": (0, -1), "horizon": (10, 0, 1.5),
                  "alpha": (0.0, -1.0, "x"), "beta": (-1.0, None), "setting": ("clear",),
                  "render_mode": ("human",)}

    def __init__(self, n_arms: int = 50, memory: int = 1, horizon: int | None = None,
                 alpha: float = 100.0, beta: float = 3.0, setting: str = "clear_cut",
                 render_mode: str | None = None):
        self.n_arms = check_int("n_arms", n_arms, low=2)
        self.memory = check_int("memory", memory, low=1)
        self.alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        self.beta = check_real("beta", beta, low=0.0, high=10.0)
        if horizon is None:
            horizon = int(round(self.alpha * self.n_arms ** self.beta))
            if horizon < self.n_arms or horizon > MAX_HORIZON:
                raise ValueError(f"horizon must be in [n_arms, 2**62]: alpha * n_arms ** beta "
                                 f"gives {horizon}")
        self.horizon = check_int("horizon", horizon, low=self.n_arms, high=MAX_HORIZON)
        self.setting = check_choice("setting", setting, SETTINGS)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.codes = StreamingActions(self.memory, int(self.horizon).bit_length() - 1)
        self.action_space = LegalDiscrete(self.codes.n, self._legal_now)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(3 * (self.memory + 1) + 2,),
                                            dtype=np.float32)
        self._done = True
        self._core = None

    # ------------------------------------------------------------------ episode
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        options = check_options(options, ("instance",), type(self).__name__)
        if "instance" in options:
            means = check_array("instance", options["instance"], shape=(self.n_arms,),
                                low=0.0, high=1.0)
        else:
            means = draw_means(self.np_random, self.n_arms, self.setting)
        key = episode_key(self.np_random)
        self._core = _Single(self.n_arms, self.memory, self.horizon, self.codes, means, key)
        self._done = False
        frozen = means.copy()
        frozen.setflags(write=False)
        self._model = StreamingInstance(frozen, self.horizon, self.memory)
        return self._core.observation(), self._core.info(0.0)

    def _legal_now(self) -> np.ndarray:
        if self._core is None or self._done:
            return np.ones(self.codes.n, dtype=np.int8)
        return self._core.mask()

    def action_masks(self) -> np.ndarray:
        """The legal actions now (int8, 1 = legal)."""
        if self._core is None:
            raise ResetNeeded("action_masks() before reset()")
        return self._core.mask().copy()

    def step(self, action):
        if self._done:
            raise ResetNeeded("step() before reset() or after the episode ended")
        core = self._core
        a = int_action(action, self.codes.n)
        if not core.mask()[a]:
            raise InvalidAction(f"action {a} is not legal now (see info['action_mask'])")
        reward, regret = core.apply(a)
        terminated = core.left == 0
        info = core.info(regret)
        if terminated:
            self._done = True
            info["metrics"] = core.metrics()
        return core.observation(), reward, terminated, False, info

    def render(self):
        if self.render_mode != "rgb_array" or self._core is None:
            return None
        core = self._core
        means = self._model.means
        read = core.read
        img = np.zeros((16, max(self.n_arms, 1) * 4, 3), dtype=np.uint8)
        for i in range(read):
            img[:12, i * 4:(i + 1) * 4] = int(255 * means[i])
        for arm in core.held_ids():
            img[12:, arm * 4:(arm + 1) * 4] = (40, 200, 40)
        return img


class _Single:
    """One streaming episode in plain Python (the single env's hot path); steps exactly as
    a row of :class:`_Batch` (the tests and the vector check compare them)."""

    def __init__(self, n_arms: int, memory: int, horizon: int, codes: StreamingActions,
                 means: np.ndarray, key) -> None:
        self.n_arms, self.memory, self.horizon, self.codes = n_arms, memory, horizon, codes
        self.means = means.tolist()
        self.best = max(self.means)
        self.key = key
        self._key = int(key)
        self.counter = 0
        self.slot = [-1] * memory + [0]
        self.pulls = [0] * (memory + 1)
        self.wins = [0] * (memory + 1)
        self.left = horizon
        self.read = 1
        self.regret = 0.0
        self.total = 0.0
        self.max_stored = 0
        self._width = codes.max_exponent + 1
        self._masks: dict = {}
        self._mask = None

    def mask(self) -> np.ndarray:
        """Legal actions (int8, read-only; cached per legality pattern)."""
        if self._mask is not None:
            return self._mask
        c, m = self.codes, self.memory
        held = tuple(a >= 0 for a in self.slot)
        n_held = sum(held)
        more = self.read < self.n_arms
        top = min(self.left.bit_length() - 1, c.max_exponent)
        key = (held, top, more)
        out = self._masks.get(key)
        if out is None:
            out = np.zeros(c.n, dtype=np.int8)
            for target in range(m + 1):
                if held[target] and top >= 0:
                    out[target * self._width:target * self._width + top + 1] = 1
            if held[m]:
                out[c.n_pull:c.n_pull + m] = 1
                if more or n_held > 1:
                    out[c.skip] = 1
            for s in range(m):
                if held[s] and (n_held > 1 or more):
                    out[c.drop(s)] = 1
            out.setflags(write=False)
            self._masks[key] = out
        self._mask = out
        return out

    def apply(self, a: int) -> tuple[float, float]:
        c, m = self.codes, self.memory
        reward = regret = 0.0
        self._mask = None
        if a < c.n_pull:
            target, j = divmod(a, self._width)
            count = 1 << j
            mu = self.means[self.slot[target]]
            wins = binomial_scalar(uniform_scalar(self._key, self.counter), count, mu)
            self.pulls[target] += count
            self.wins[target] += wins
            self.left -= count
            regret = count * (self.best - mu)
            self.regret += regret
            self.total += wins
            reward = float(wins)
        else:
            a -= c.n_pull
            if a < m:
                self.slot[a] = self.slot[m]
                self.pulls[a] = self.pulls[m]
                self.wins[a] = self.wins[m]
                self._next_arm()
            elif a < 2 * m:
                self.slot[a - m] = -1
                self.pulls[a - m] = 0
                self.wins[a - m] = 0
            else:
                self._next_arm()
            self.max_stored = max(self.max_stored, sum(1 for x in self.slot[:m] if x >= 0))
        self.counter += 1
        return reward, regret

    def _next_arm(self) -> None:
        m = self.memory
        if self.read < self.n_arms:
            self.slot[m] = self.read
            self.read += 1
        else:
            self.slot[m] = -1
        self.pulls[m] = 0
        self.wins[m] = 0

    def observation(self) -> np.ndarray:
        obs = []
        for s, n, w in zip(self.slot, self.pulls, self.wins):
            obs += (1.0 if s >= 0 else 0.0, w / n if n else 0.0, n / self.horizon)
        obs += (self.left / self.horizon, self.read / self.n_arms)
        return np.array(obs, dtype=np.float32)

    def held_ids(self) -> list[int]:
        return [a for a in self.slot if a >= 0]

    def info(self, regret: float) -> dict[str, Any]:
        return {"action_mask": self.mask().copy(), "pulls_left": self.left,
                "arms_read": self.read, "n_arms": self.n_arms,
                "arriving": int(self.slot[-1] >= 0), "held": sum(1 for x in self.slot if x >= 0),
                "slot_pulls": np.array(self.pulls, dtype=np.int64),
                "slot_successes": np.array(self.wins, dtype=np.int64), "regret": regret}

    def metrics(self) -> dict[str, float]:
        return _metrics(self.regret, self.total, self.max_stored, self.horizon, self.n_arms)


def _metrics(regret, total, max_stored, horizon, n_arms) -> dict[str, float]:
    scale = n_arms ** (1 / 3) * horizon ** (2 / 3)
    return {"regret": float(regret), "normalized_regret": float(regret / scale),
            "total_reward": float(total), "max_stored": float(max_stored),
            "horizon": float(horizon), "n_arms": float(n_arms)}


class _Batch:
    """The state of N streaming episodes as arrays (a single env is N = 1): held arm ids
    per slot (-1 = empty; the last column is the arriving arm), their pulls and successes,
    and the budget left.  ``apply`` steps the rows ``live`` with validated actions."""

    def __init__(self, n: int, n_arms: int, memory: int, horizon: int, codes: StreamingActions):
        self.n, self.n_arms, self.memory, self.horizon, self.codes = n, n_arms, memory, horizon, codes
        self.means = np.zeros((n, n_arms))
        self.best = np.zeros(n)
        self.keys = np.zeros(n, dtype=np.uint64)
        self.counter = np.zeros(n, dtype=np.uint64)
        self.slot = np.full((n, memory + 1), -1, dtype=np.int64)
        self.pulls = np.zeros((n, memory + 1), dtype=np.int64)
        self.wins = np.zeros((n, memory + 1), dtype=np.int64)
        self.left = np.zeros(n, dtype=np.int64)
        self.read = np.zeros(n, dtype=np.int64)
        self.regret = np.zeros(n)
        self.total = np.zeros(n)
        self.max_stored = np.zeros(n, dtype=np.int64)
        self._exp = np.left_shift(1, np.arange(codes.max_exponent + 1, dtype=np.int64))
        self.rows = np.arange(n)
        self._obs = np.zeros((n, 3 * (memory + 1) + 2), dtype=np.float32)
        self._obs_valid = False
        # flat views and row offsets of the hot path
        self._slot_flat, self._pulls_flat = self.slot.reshape(-1), self.pulls.reshape(-1)
        self._wins_flat, self._means_flat = self.wins.reshape(-1), self.means.reshape(-1)
        self._obs_flat = self._obs.reshape(-1)
        self._cell_base = self.rows * (memory + 1)
        self._arm_base = self.rows * n_arms
        self._obs_base = self.rows * self._obs.shape[1]

    def apply_checked(self, actions, live, pull, target, count, fast: bool) -> np.ndarray:
        """:meth:`apply` with the decoding done by the caller; ``fast`` when every row is a
        live pull (the common case: whole-array operations on flat views, no row
        selection)."""
        if not fast:
            return self.apply(actions, live)[0]
        cell = self._cell_base + target            # flat index of (row, target)
        arm = self._slot_flat[cell]
        mu = self._means_flat[self._arm_base + arm]
        wins = binomial_from_uniform(uniforms(self.keys, self.counter), count, mu)
        pulls = self._pulls_flat[cell] + count
        self._pulls_flat[cell] = pulls
        won = self._wins_flat[cell] + wins
        self._wins_flat[cell] = won
        self.left -= count
        self.regret += count * (self.best - mu)
        self.total += wins
        self.counter += np.uint64(1)
        if self._obs_valid:  # only the pulled entries and the budget changed
            obs = self._obs_flat
            ocell = self._obs_base + 3 * target
            obs[ocell + 1] = won / pulls
            obs[ocell + 2] = pulls / self.horizon
            self._obs[:, -2] = self.left / self.horizon
        return wins.astype(np.float64)

    def start(self, i: int, means: np.ndarray, key) -> None:
        self._obs_valid = False
        self.means[i] = means
        self.best[i] = means.max()
        self.keys[i] = key
        self.counter[i] = 0
        self.slot[i] = -1
        self.slot[i, -1] = 0
        self.pulls[i] = 0
        self.wins[i] = 0
        self.left[i] = self.horizon
        self.read[i] = 1
        self.regret[i] = 0.0
        self.total[i] = 0.0
        self.max_stored[i] = 0

    # -------------------------------------------------------------- legality
    def mask(self, i: int) -> np.ndarray:
        c, m = self.codes, self.memory
        held = self.slot[i] >= 0
        arriving = bool(held[-1])
        n_held = int(held.sum())
        out = np.zeros(c.n, dtype=np.int8)
        ok_counts = (self._exp <= self.left[i]).astype(np.int8)
        for target in range(m + 1):
            if held[target]:
                out[target * (c.max_exponent + 1):(target + 1) * (c.max_exponent + 1)] = ok_counts
        if arriving:
            out[c.n_pull:c.n_pull + m] = 1
            more = self.read[i] < self.n_arms
            if more or n_held > 1:
                out[c.skip] = 1
        for s in range(m):
            if held[s] and n_held > 1 or held[s] and self.read[i] < self.n_arms:
                out[c.drop(s)] = 1
        return out

    # -------------------------------------------------------------- dynamics
    def apply(self, actions: np.ndarray, live: np.ndarray):
        """Step the rows where ``live`` (actions already legal); returns (rewards, regrets)."""
        c, m = self.codes, self.memory
        n = self.n
        self._obs_valid = False
        rewards = np.zeros(n)
        regrets = np.zeros(n)
        is_pull = live & (actions < c.n_pull)
        if is_pull.any():
            rows = np.flatnonzero(is_pull)
            target = actions[rows] // (c.max_exponent + 1)
            count = self._exp[actions[rows] % (c.max_exponent + 1)]
            arm = self.slot[rows, target]
            mu = self.means[rows, arm]
            u = uniforms(self.keys[rows], self.counter[rows])
            wins = binomial_from_uniform(u, count, mu)
            self.pulls[rows, target] += count
            self.wins[rows, target] += wins
            self.left[rows] -= count
            reg = count * (self.best[rows] - mu)
            self.regret[rows] += reg
            self.total[rows] += wins
            rewards[rows] = wins
            regrets[rows] = reg
        self.counter[live] += np.uint64(1)
        rest = np.flatnonzero(live & ~is_pull)
        for i in rest:  # store / drop / skip: rare, per row
            a = int(actions[i]) - c.n_pull
            if a < m:  # store the arriving arm in slot a
                self.slot[i, a] = self.slot[i, -1]
                self.pulls[i, a] = self.pulls[i, -1]
                self.wins[i, a] = self.wins[i, -1]
                self._next_arm(i)
            elif a < 2 * m:
                self.slot[i, a - m] = -1
                self.pulls[i, a - m] = 0
                self.wins[i, a - m] = 0
            else:
                self._next_arm(i)
            self.max_stored[i] = max(self.max_stored[i], int((self.slot[i, :m] >= 0).sum()))
        return rewards, regrets

    def _next_arm(self, i: int) -> None:
        if self.read[i] < self.n_arms:
            self.slot[i, -1] = self.read[i]
            self.read[i] += 1
        else:
            self.slot[i, -1] = -1
        self.pulls[i, -1] = 0
        self.wins[i, -1] = 0

    # -------------------------------------------------------------- views
    def observations(self) -> np.ndarray:
        obs = self._obs
        if self._obs_valid:
            return obs.copy()
        self._obs_valid = True
        k = 3 * (self.memory + 1)
        obs[:, 0:k:3] = self.slot >= 0
        obs[:, 1:k:3] = self.wins / np.maximum(self.pulls, 1)
        obs[:, 2:k:3] = self.pulls / self.horizon
        obs[:, k] = self.left / self.horizon
        obs[:, k + 1] = self.read / self.n_arms
        return obs.copy()

    def observation(self, i: int) -> np.ndarray:
        return self.observations()[i]

    def held_ids(self, i: int) -> list[int]:
        return [int(a) for a in self.slot[i] if a >= 0]

    def info(self, i: int, regret: float) -> dict[str, Any]:
        return {"action_mask": self.mask(i), "pulls_left": int(self.left[i]),
                "arms_read": int(self.read[i]), "n_arms": self.n_arms,
                "arriving": int(self.slot[i, -1] >= 0), "held": int((self.slot[i] >= 0).sum()),
                "slot_pulls": self.pulls[i].copy(), "slot_successes": self.wins[i].copy(),
                "regret": float(regret)}

    def metrics(self, i: int) -> dict[str, float]:
        return _metrics(self.regret[i], self.total[i], self.max_stored[i], self.horizon,
                        self.n_arms)


class StreamingBanditVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of :class:`StreamingBanditEnv` stepped together in numpy (pulls
    of all copies in one vectorised binomial inversion), exactly as ``SyncVectorEnv``
    steps them under the same seeds, with next-step autoreset.  An illegal action of any
    copy raises ``InvalidAction`` before anything changes; ``action_masks()`` gives every
    copy's mask and ``action_space.sample()`` draws legal actions.  Its infos carry only the
    episode-end ``metrics`` (Gymnasium's vector-info layout), not the per-step keys."""

    metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 1, **kwargs: Any):
        proto = init_vector_copies(self, StreamingBanditEnv, num_envs, kwargs)
        self.action_space = LegalMultiDiscrete(np.full(self.num_envs, proto.codes.n),
                                               self.action_masks)
        self.codes = proto.codes
        width = self.codes.max_exponent + 1
        codes = np.arange(self.codes.n)
        is_pull = codes < self.codes.n_pull
        self._target_of = np.where(is_pull, codes // width, 0)
        self._count_of = np.where(is_pull, np.left_shift(1, codes % width), 0).astype(np.int64)
        self._core = _Batch(self.num_envs, proto.n_arms, proto.memory, proto.horizon,
                            proto.codes)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)

    def _reset_copy(self, i: int, seed: int | None = None) -> None:
        env = self.envs[i]
        env.reset(seed=seed)
        self._core.start(i, env._model.means, env._core.key)

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        check_options(options, (), type(self).__name__)  # the copies draw their own instances
        seeds = check_vector_seeds(seed, self.num_envs)
        for i in range(self.num_envs):
            self._reset_copy(i, seeds[i])
        self._autoreset[:] = False
        return self._core.observations(), {}

    def action_masks(self) -> np.ndarray:
        """Legal actions of every copy, (num_envs, n) int8."""
        return np.stack([self._core.mask(i) for i in range(self.num_envs)])

    def step(self, actions):
        actions = np.asarray(actions, dtype=np.int64)
        core = self._core
        c = self.codes
        # one comparison: negative actions wrap to huge unsigned values
        if actions.shape != (self.num_envs,) or (actions.view(np.uint64) >= c.n).any():
            raise InvalidAction(f"actions must be {self.num_envs} integers in [0, {c.n})")
        any_reset = bool(self._autoreset.any())
        live = ~self._autoreset
        # legality without building whole masks: pulls need a held target within budget
        pull = actions < c.n_pull
        all_pull = bool(pull.all())
        target = self._target_of[actions]   # 0 for non-pull actions
        count = self._count_of[actions]     # 0 for non-pull actions
        ok = (core._slot_flat[core._cell_base + target] >= 0) & (count <= core.left)
        if not all_pull:
            ok |= ~pull
            for i in np.flatnonzero(~pull & live):
                ok[i] = bool(core.mask(i)[actions[i]])
        if any_reset:
            ok |= self._autoreset
        if not ok.all():
            bad = int(np.flatnonzero(~ok)[0])
            raise InvalidAction(f"copy {bad}: action {int(actions[bad])} is not legal now")
        rewards = core.apply_checked(actions, live, pull, target, count, all_pull and not any_reset)
        terminated = core.left == 0
        if any_reset:
            terminated &= live
            for i in np.flatnonzero(self._autoreset):
                self._reset_copy(int(i))
        infos: dict[str, Any] = {}
        if terminated.any():
            for i in np.flatnonzero(terminated):
                infos = self._add_info(infos, {"metrics": core.metrics(int(i))}, int(i))
        self._autoreset = terminated
        return (core.observations(), rewards, terminated, np.zeros(self.num_envs, dtype=bool),
                infos)
