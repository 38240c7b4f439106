"""CausalBandit-v0 and CausalBanditDrift-v0: soft interventions on a linear SEM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded
from gymnasium.utils import seeding

from papergym.envs.base import PaperEnv, init_vector_copies
from papergym.envs.causal.sem import (
    MAX_NODES,
    all_action_bits,
    draw_instance_weights,
    expected_rewards,
    is_strictly_upper,
    redraw_columns,
    sample_nodes,
)
from papergym.utils.checks import (
    check_array,
    check_choice,
    check_int,
    check_options,
    check_real,
    check_render_mode,
    check_vector_seeds,
)

__all__ = ["ACTION_FORMATS", "CausalBanditEnv", "CausalBanditInstance",
           "CausalBanditVectorEnv", "OPTIMAL_TOLERANCE"]

ACTION_FORMATS = ("multibinary", "discrete")
#: an intervention counts as optimal within this gap of the best (the authors' ``is_opt``)
OPTIMAL_TOLERANCE = 1e-2
_OPTION_KEYS = ("instance",)


@dataclass(frozen=True)
class CausalBanditInstance:
    """What ``CausalBanditEnv.model()`` returns: the whole episode's SEM, changes included.

    ``segments[k]`` = ``(B, B_prime)`` in force from ``starts[k]`` (``starts[0] = 0``, the
    others are the change points); ``rewards[k]`` the exact ``[mu_a]_N`` of every
    intervention index in that segment (``-inf`` for illegal ones), ``best[k]`` its max.
    Arrays are read-only.
    """

    n_nodes: int
    noise_mean: np.ndarray
    noise_variance: np.ndarray
    max_interventions: int
    starts: tuple[int, ...]
    segments: tuple[tuple[np.ndarray, np.ndarray], ...]
    rewards: tuple[np.ndarray, ...]
    best: tuple[float, ...]

    def segment_at(self, t: int) -> int:
        """The segment in force at step ``t`` (0-based)."""
        return int(np.searchsorted(self.starts, t, side="right") - 1)

    def optimal_actions(self, segment: int = 0) -> np.ndarray:
        """Indices of the interventions within ``OPTIMAL_TOLERANCE`` of the best."""
        return np.flatnonzero(self.rewards[segment] >= self.best[segment] - OPTIMAL_TOLERANCE)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.setflags(write=False)
    return array


class CausalBanditEnv(PaperEnv):
    """
    ## Description

    A causal bandit on a linear structural equation model (SEM), from "Asymmetric Graph
    Error Control with Low Complexity in Causal Bandits" (Chen Peng, Di Zhang, Urbashi
    Mitra; ICASSP 2024, extended in IEEE Transactions on Signal Processing 73, 2025;
    arXiv 2408.11240).  ``N`` nodes in topological order ``0..N-1`` carry
    ``X = B_a^T X + eps``: ``B`` (observational) and ``B'`` (interventional) are strictly
    upper-triangular weight matrices (``B[j, i]`` weights the edge ``j -> i``) and a
    *soft intervention* ``a`` in ``{0, 1}^N`` replaces node ``i``'s incoming weights,
    ``B_a[:, i] = B'[:, i] if a_i = 1 else B[:, i]``.  The exogenous noise ``eps`` is
    Gaussian with independent entries, a mean ``nu`` known to the agent
    (``info["noise_mean"]``) and a variance it does not know.  The reward is the last
    node's value; the expected reward of ``a`` is ``[mu_a]_N`` with
    ``mu_a = (I - B_a)^{-T} nu``, computed exactly for all ``2^N`` interventions at reset.
    The agent knows neither graph.  Instances follow the authors' generator (their public
    code, CalixPeng/Causal_Bandit): every entry above the diagonal present with probability
    ``edge_prob``, magnitude ``U[weight_low, weight_high]``, random sign, ``B'`` drawn the
    same way, both redrawn until every column ``n >= 1`` differs.

    With ``change_fractions`` (CausalBanditDrift-v0) the bandit is piecewise stationary, as
    in the authors' non-stationary experiment: at each change point up to
    ``n_changed_columns`` incoming-weight columns (nodes on which all optimal
    interventions agree, in the mode the optimum uses) are redrawn until the old optimum
    is no longer optimal.  All segments are drawn at reset (``model()`` holds them).

    ## Action Space

    ``MultiBinary(N)`` (``action_format="multibinary"``): ``a_i = 1`` intervenes on node
    ``i``.  Or ``Discrete(2^N)`` (``action_format="discrete"``): index ``sum_i a_i 2^i``
    (node 0 is the lowest bit).  An intervention on more than ``max_interventions``
    nodes, or an action outside the space, raises ``gymnasium.error.InvalidAction`` and
    changes nothing; in the discrete format ``action_masks()`` and ``info["action_mask"]``
    (int8, ``2^N``) mark the legal indices.

    ## Observation Space

    ``Box(-inf, inf, (N,), float32)``: the sampled node values ``X`` of the last step
    (zeros after reset).  The whole vector is observed every round, as in the paper.

    ## Rewards

    ``X_N``, the reward node's sampled value (float64 precision).  Per-step
    ``info["regret"]`` is the expected (pseudo-)regret ``max_a' mu_a' - mu_a`` over the
    legal interventions of the current segment.

    ## Starting State

    A fresh instance drawn from ``self.np_random``; ``reset(options={"instance": inst})``
    replays one: a :class:`CausalBanditInstance` (what ``model()`` returns) or a dict
    with ``"B"`` and ``"B_prime"`` (``N x N``, strictly upper triangular, i.e. acyclic in
    the order ``0..N-1``) and optionally ``"noise_mean"`` and ``"noise_variance"``
    (length ``N``, variance ``> 0``) and ``"changes"``: a list of ``(t, B, B_prime)``.
    A non-square, cyclic or wrongly sized matrix, or a bad variance, is a ValueError
    naming the field.

    ## Episode End

    ``terminated`` after ``horizon`` steps (the bandit's horizon ``T``).  Never
    ``truncated``.

    ## Info

    At reset: ``t`` (0), ``noise_mean`` (float64 ``(N,)``), ``horizon``,
    ``max_interventions``, ``nonstationary`` (bool: the instance has change points;
    learners may switch on change detection, the change times stay hidden),
    ``action_format``; ``action_mask`` in the discrete format.

    At every step: ``t`` (steps taken), ``regret`` (float), ``expected_reward`` (the
    played intervention's ``[mu_a]_N``), ``optimal`` (bool: within 1e-2 of the best, the
    authors' criterion), ``changed`` (bool: a change point took effect at this step),
    ``n_interventions``; ``action_mask`` in the discrete format.

    At the end also ``metrics`` (floats): ``cumulative_regret`` (primary, lower is
    better), ``mean_regret``, ``mean_reward``, ``optimal_share`` (share of steps with an
    optimal intervention), ``final_optimal_share`` (the same over the last 100 steps),
    ``best_expected_reward`` (first segment), ``n_changes``, ``horizon``.

    ## Arguments

    - ``n_nodes`` (int, default 10): ``N``, in ``[2, 16]`` (all ``2^N`` interventions are
      enumerated for the exact optimum).
    - ``horizon`` (int, default 1500): ``T``, ``>= 1``.
    - ``noise_mean`` (float, default 1.0): ``nu_i`` of every node (known to agents).
    - ``noise_variance`` (float, default 1.0): variance of every ``eps_i``, ``> 0``
      (unknown to agents).
    - ``edge_prob`` (float, default 0.5): probability of each edge, in ``(0, 1]``.
    - ``weight_low`` / ``weight_high`` (float, defaults 0.5 / 2.0): range of the weight
      magnitudes, ``0 < weight_low <= weight_high``.
    - ``max_interventions`` (int or None, default None = ``N``): most nodes intervened on
      at once, in ``[0, N]``.
    - ``action_format`` (str, default ``"multibinary"``): ``"multibinary"`` or
      ``"discrete"``.
    - ``change_fractions`` (tuple of float, default ``()``): when the SEM changes, as
      fractions of ``horizon`` in ``(0, 1)``, strictly increasing; the change steps
      ``round(f * horizon)`` must be distinct and in ``[1, horizon)``.
    - ``n_changed_columns`` (int, default 2): columns redrawn per change, ``>= 1``
      (drawn with replacement from the candidate columns, so up to this many).
    - ``render_mode`` (None or ``"rgb_array"``): an image of the last 200 interventions
      (one column per step, one row per node, intervened = orange) above a row that is
      green where the intervention was optimal and red where not.

    ## Reference Agents

    ``oracle`` (plays the optimum, uses ``model()``), ``csl-ucb`` (the paper's algorithm),
    ``ucb`` (UCB over all ``2^N`` interventions; ``causal-sw-ucb``, its sliding-window form, on
    the drifting variant), ``golem-mab`` (structure learning with DAGMA on an
    observational and an all-intervened block, then commit), ``linsem-ts`` (Thompson
    sampling given the true parents, an upper reference); also ``random``.

    ## Registered Configurations

    - ``CausalBandit-v0``: the defaults above (N = 10, T = 1500, stationary), the authors'
      stationary experiment.
    - ``CausalBanditDrift-v0``: N = 10, T = 3000, ``change_fractions = (1/3, 2/3)``
      (changes at steps 1000 and 2000), two columns per change (our choice of times: the authors' script for the non-stationary run is
      not public).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}
    primary_metric = "cumulative_regret"
    higher_is_better = False
    leaderboard_configs = ({},)
    quick_kwargs = {"horizon": 100, "n_nodes": 4}
    speed_target = 0.1
    speed_target_reason = ("a step samples an N = 10 node SEM by forward substitution "
                           "(about 0.15x CartPole-v1 measured); batched sampling is the "
                           "vector_entry_point's job (>= 10x SyncVectorEnv)")
    bad_inputs = {
        "n_nodes": (1, 17, 2.0, True), "horizon": (0, -5, "10"),
        "noise_mean": (np.inf, "1", None), "noise_variance": (0.0, -1.0, np.nan),
        "edge_prob": (0.0, 1.5, None), "weight_low": (0.0, -1.0, 3.0),
        "weight_high": (0.1, np.inf), "max_interventions": (-1, 99, 1.5),
        "action_format": ("index", None), "change_fractions": ((0.0,), (0.6, 0.3), "0.5", (1.0,), (0.5, 0.5001)),
        "n_changed_columns": (0, -1, 1.0), "render_mode": ("human",),
    }

    def __init__(self, n_nodes: int = 10, horizon: int = 1500, noise_mean: float = 1.0,
                 noise_variance: float = 1.0, edge_prob: float = 0.5, weight_low: float = 0.5,
                 weight_high: float = 2.0, max_interventions: int | None = None,
                 action_format: str = "multibinary", change_fractions: Sequence[float] = (),
                 n_changed_columns: int = 2, render_mode: str | None = None):
        self.n_nodes = check_int("n_nodes", n_nodes, low=2, high=MAX_NODES)
        self.horizon = check_int("horizon", horizon, low=1)
        self.noise_mean = check_real("noise_mean", noise_mean)
        self.noise_variance = check_real("noise_variance", noise_variance, low=0.0,
                                         low_open=True)
        self.edge_prob = check_real("edge_prob", edge_prob, low=0.0, high=1.0, low_open=True)
        self.weight_low = check_real("weight_low", weight_low, low=0.0, low_open=True)
        self.weight_high = check_real("weight_high", weight_high, low=0.0, low_open=True)
        if self.weight_low > self.weight_high:
            raise ValueError(f"weight_low must be <= weight_high = {self.weight_high}, "
                             f"got {self.weight_low}")
        self.max_interventions = (self.n_nodes if max_interventions is None else
                                  check_int("max_interventions", max_interventions, low=0,
                                            high=self.n_nodes))
        self.action_format = check_choice("action_format", action_format, ACTION_FORMATS)
        self.change_fractions = _check_change_fractions(change_fractions)
        self.change_points = tuple(int(round(f * self.horizon)) for f in self.change_fractions)
        if any(not 1 <= p < self.horizon for p in self.change_points) or \
                len(set(self.change_points)) < len(self.change_points):
            raise ValueError(f"change_fractions {self.change_fractions} give change steps "
                             f"{self.change_points}: they must be distinct and in [1, horizon)")
        self.n_changed_columns = check_int("n_changed_columns", n_changed_columns, low=1)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])

        n = self.n_nodes
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(n,), dtype=np.float32)
        if self.action_format == "discrete":
            self.action_space = spaces.Discrete(2 ** n)
        else:
            self.action_space = spaces.MultiBinary(n)
        self._bits = all_action_bits(n)
        self._legal = self._bits.sum(axis=1) <= self.max_interventions
        self._mask = self._legal.astype(np.int8)
        self._mask.setflags(write=False)
        self._nu = np.full(n, self.noise_mean)
        self._sd = np.full(n, np.sqrt(self.noise_variance))
        self._t = -1  # -1: no episode

    # ------------------------------------------------------------------ instances

    def _draw_instance(self) -> CausalBanditInstance:
        rng, n = self.np_random, self.n_nodes
        law = dict(edge_prob=self.edge_prob, low=self.weight_low, high=self.weight_high)
        b, bp = draw_instance_weights(rng, n, **law)
        rewards = np.where(self._legal, expected_rewards(self._bits, b, bp, self._nu), -np.inf)
        segments, all_rewards = [(b, bp)], [rewards]
        for _ in self.change_points:
            b, bp, rewards = redraw_columns(rng, b, bp, self._nu, self._bits, self._legal,
                                            self.n_changed_columns, tol=OPTIMAL_TOLERANCE,
                                            **law)
            segments.append((b, bp))
            all_rewards.append(rewards)
        return self._make_instance(self._nu, np.full(n, self.noise_variance),
                                   (0, *self.change_points), segments, all_rewards)

    def _make_instance(self, nu, variance, starts, segments, rewards) -> CausalBanditInstance:
        return CausalBanditInstance(
            n_nodes=self.n_nodes, noise_mean=_frozen(nu), noise_variance=_frozen(variance),
            max_interventions=self.max_interventions, starts=tuple(int(s) for s in starts),
            segments=tuple((_frozen(b), _frozen(bp)) for b, bp in segments),
            rewards=tuple(_frozen(r) for r in rewards),
            best=tuple(float(r.max()) for r in rewards))

    def _instance_from_option(self, value: Any) -> CausalBanditInstance:
        n = self.n_nodes
        if isinstance(value, CausalBanditInstance):
            value = {"B": value.segments[0][0], "B_prime": value.segments[0][1],
                     "noise_mean": value.noise_mean, "noise_variance": value.noise_variance,
                     "changes": [(s, b, bp) for s, (b, bp) in
                                 zip(value.starts[1:], value.segments[1:])]}
        if not isinstance(value, Mapping):
            raise ValueError("options['instance'] must be a CausalBanditInstance or a dict "
                             f"with 'B' and 'B_prime', got {type(value).__name__}")
        unknown = set(value) - {"B", "B_prime", "noise_mean", "noise_variance", "changes"}
        if unknown or "B" not in value or "B_prime" not in value:
            raise ValueError("options['instance'] takes keys B, B_prime (required), "
                             f"noise_mean, noise_variance, changes; got {sorted(value)}")
        nu = check_array("noise_mean", value.get("noise_mean", self._nu), shape=(n,))
        variance = check_array("noise_variance",
                               value.get("noise_variance", np.full(n, self.noise_variance)),
                               shape=(n,))
        if np.any(variance <= 0):
            raise ValueError(f"noise_variance must be > 0 everywhere, got {variance.min()}")
        segments = [(_check_weights("B", value["B"], n),
                     _check_weights("B_prime", value["B_prime"], n))]
        starts = [0]
        for k, change in enumerate(value.get("changes", ())):
            if len(change) != 3:
                raise ValueError(f"changes[{k}] must be (t, B, B_prime), got {change!r}")
            t = check_int(f"changes[{k}] time", change[0], low=starts[-1] + 1,
                          high=self.horizon - 1)
            segments.append((_check_weights(f"changes[{k}] B", change[1], n),
                             _check_weights(f"changes[{k}] B_prime", change[2], n)))
            starts.append(t)
        rewards = [np.where(self._legal, expected_rewards(self._bits, b, bp, nu), -np.inf)
                   for b, bp in segments]
        return self._make_instance(nu, variance, starts, segments, rewards)

    # ------------------------------------------------------------------ gym API

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = check_options(options, _OPTION_KEYS, type(self).__name__)
        if "instance" in options:
            self._model = self._instance_from_option(options["instance"])
        else:
            self._model = self._draw_instance()
        inst = self._model
        self._nu_now = np.asarray(inst.noise_mean)
        self._sd_now = np.sqrt(inst.noise_variance)
        self._segment = 0
        self._b, self._bp = inst.segments[0]
        self._t = 0
        self._regrets = np.zeros(self.horizon)
        self._optimal = np.zeros(self.horizon, dtype=bool)
        self._reward_sum = 0.0
        self._history: list[np.ndarray] = []
        info = {"t": 0, "noise_mean": np.array(inst.noise_mean), "horizon": self.horizon,
                "max_interventions": self.max_interventions,
                "nonstationary": len(inst.starts) > 1, "action_format": self.action_format}
        if self.action_format == "discrete":
            info["action_mask"] = self._mask.copy()
        return np.zeros(self.n_nodes, dtype=np.float32), info

    def action_masks(self) -> np.ndarray:
        """int8 ``(2^N,)``: 1 for the interventions on at most ``max_interventions`` nodes."""
        return self._mask.copy()

    def _decode(self, action: Any) -> tuple[np.ndarray, int]:
        """The action as (bool bits, index); InvalidAction if malformed or illegal."""
        n = self.n_nodes
        if self.action_format == "discrete":
            if not self.action_space.contains(action) and not (
                    isinstance(action, (int, np.integer)) and 0 <= action < 2 ** n):
                raise InvalidAction(f"action must be an integer in [0, {2 ** n}), got {action!r}")
            index = int(action)
            bits = self._bits[index]
        else:
            arr = np.asarray(action)
            if arr.shape != (n,) or not np.all((arr == 0) | (arr == 1)):
                raise InvalidAction(f"action must be {n} bits in {{0, 1}}, got {action!r}")
            bits = arr.astype(bool)
            index = int(np.dot(bits, 1 << np.arange(n)))
        if not self._legal[index]:
            raise InvalidAction(f"action intervenes on {int(bits.sum())} nodes, more than "
                                f"max_interventions = {self.max_interventions}")
        return bits, index

    def step(self, action: Any):
        if self._t < 0 or self._t >= self.horizon:
            raise ResetNeeded("step() before reset() or after the episode ended")
        bits, index = self._decode(action)
        inst, t = self._model, self._t
        changed = False
        if self._segment + 1 < len(inst.starts) and t >= inst.starts[self._segment + 1]:
            self._segment += 1
            self._b, self._bp = inst.segments[self._segment]
            changed = True
        eps = self._nu_now + self._sd_now * self.np_random.standard_normal(self.n_nodes)
        b_a = np.where(bits[None, :], self._bp, self._b)
        x = sample_nodes(b_a[None], eps[None])[0]
        reward = float(x[-1])
        mean = float(inst.rewards[self._segment][index])
        best = inst.best[self._segment]
        regret = best - mean
        optimal = bool(mean >= best - OPTIMAL_TOLERANCE)
        self._regrets[t] = regret
        self._optimal[t] = optimal
        self._reward_sum += reward
        if self.render_mode is not None:
            self._history.append(np.append(bits, optimal))
        self._t = t + 1
        terminated = self._t >= self.horizon
        info: dict[str, Any] = {"t": self._t, "regret": regret, "expected_reward": mean,
                                "optimal": optimal, "changed": changed,
                                "n_interventions": int(bits.sum())}
        if self.action_format == "discrete":
            info["action_mask"] = self._mask.copy()
        if terminated:
            info["metrics"] = self._metrics()
        return x.astype(np.float32), reward, terminated, False, info

    def _metrics(self) -> dict[str, float]:
        T = self.horizon
        return {"cumulative_regret": float(self._regrets.sum()),
                "mean_regret": float(self._regrets.mean()),
                "mean_reward": self._reward_sum / T,
                "optimal_share": float(self._optimal.mean()),
                "final_optimal_share": float(self._optimal[-100:].mean()),
                "best_expected_reward": float(self._model.best[0]),
                "n_changes": float(len(self._model.starts) - 1),
                "horizon": float(T)}

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        rows = self.n_nodes + 1
        cols = self._history[-200:]
        image = np.full((rows * 6, max(len(cols), 1) * 3, 3), 40, dtype=np.uint8)
        for c, column in enumerate(cols):
            for r in range(self.n_nodes):
                if column[r]:
                    image[r * 6:(r + 1) * 6 - 1, c * 3:(c + 1) * 3] = (255, 140, 0)
                else:
                    image[r * 6:(r + 1) * 6 - 1, c * 3:(c + 1) * 3] = (90, 90, 90)
            colour = (40, 180, 60) if column[-1] else (200, 40, 40)
            image[self.n_nodes * 6:, c * 3:(c + 1) * 3] = colour
        return image


def _check_weights(name: str, value: Any, n: int) -> np.ndarray:
    """An ``n x n`` strictly upper-triangular weight matrix, else ValueError naming it."""
    arr = check_array(name, value)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {arr.shape}")
    if arr.shape != (n, n):
        raise ValueError(f"{name} must be {n} x {n} (n_nodes), got {arr.shape}")
    if not is_strictly_upper(arr):
        raise ValueError(f"{name} must be strictly upper triangular: nodes are in topological "
                         "order, so an entry on or below the diagonal is a cycle or an edge "
                         "against the order")
    return arr


def _check_change_fractions(value: Any) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise ValueError(f"change_fractions must be a sequence of numbers in (0, 1), got {value!r}")
    points = tuple(check_real("change_fractions", f, low=0.0, high=1.0, low_open=True,
                              high_open=True) for f in value)
    if any(b <= a for a, b in zip(points, points[1:])):
        raise ValueError(f"change_fractions must be strictly increasing, got {points}")
    return points


class CausalBanditVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of :class:`CausalBanditEnv` stepped as one batch.

    Each copy keeps its own ``np_random`` (seeded ``seed + i`` as Gymnasium does) and its
    instance (drawn by the same code as the single env); a step draws each copy's noise
    from its generator and samples all copies' SEMs with one batched forward
    substitution, so it steps exactly like ``SyncVectorEnv`` under the same seeds.
    Autoreset: ``next_step`` (Gymnasium's default).  ``infos`` carries ``regret``,
    ``expected_reward`` and ``optimal`` per copy.
    """

    metadata = {"render_modes": [], "autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int = 1, **kwargs: Any):
        kwargs.pop("render_mode", None)
        first = init_vector_copies(self, CausalBanditEnv, num_envs, kwargs)
        self.n_nodes, self.horizon = first.n_nodes, first.horizon
        self._bits, self._legal = first._bits, first._legal
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._started = False

    def _load(self, i: int) -> None:
        env = self.envs[i]
        inst = env._model
        self._b[i], self._bp[i] = inst.segments[0]
        self._nu[i], self._sd[i] = inst.noise_mean, np.sqrt(inst.noise_variance)
        self._rewards[i] = inst.rewards[0]
        self._best[i] = inst.best[0]
        self._segment[i] = 0
        self._t[i] = 0

    def reset(self, *, seed: int | Sequence[int | None] | None = None,
              options: dict[str, Any] | None = None):
        check_options(options, _OPTION_KEYS, type(self).__name__)  # before any state changes
        k, n = self.num_envs, self.n_nodes
        seeds = check_vector_seeds(seed, k)
        if seed is not None:
            self._np_random, self._np_random_seed = seeding.np_random(seeds[0])
        self._b = np.zeros((k, n, n))
        self._bp = np.zeros((k, n, n))
        self._nu = np.zeros((k, n))
        self._sd = np.zeros((k, n))
        self._rewards = np.zeros((k, 2 ** n))
        self._best = np.zeros(k)
        self._segment = np.zeros(k, dtype=np.int64)
        self._t = np.zeros(k, dtype=np.int64)
        infos: dict[str, Any] = {}
        for i, env in enumerate(self.envs):
            env.reset(seed=seeds[i], options=options)
            self._load(i)
        self._autoreset[:] = False
        self._started = True
        return np.zeros((k, n), dtype=np.float32), infos

    def step(self, actions: Any):
        if not self._started:
            raise ResetNeeded("step() before reset()")
        k, n = self.num_envs, self.n_nodes
        actions = np.asarray(actions)
        if self.envs[0].action_format == "discrete":
            index = actions.astype(np.int64).reshape(k)
            if np.any((index < 0) | (index >= 2 ** n)):
                raise InvalidAction(f"actions must be integers in [0, {2 ** n})")
            bits = self._bits[index]
        else:
            if actions.shape != (k, n) or not np.all((actions == 0) | (actions == 1)):
                raise InvalidAction(f"actions must be a ({k}, {n}) array of bits")
            bits = actions.astype(bool)
            index = bits @ (1 << np.arange(n))
        live = ~self._autoreset
        if np.any(~self._legal[index] & live):
            raise InvalidAction("an action intervenes on more than max_interventions nodes")
        eps = np.zeros((k, n))
        for i in np.flatnonzero(live):
            env = self.envs[i]
            inst = env._model
            seg = self._segment[i]
            if seg + 1 < len(inst.starts) and self._t[i] >= inst.starts[seg + 1]:
                seg = self._segment[i] = seg + 1
                self._b[i], self._bp[i] = inst.segments[seg]
                self._rewards[i] = inst.rewards[seg]
                self._best[i] = inst.best[seg]
            eps[i] = self._nu[i] + self._sd[i] * env.np_random.standard_normal(n)
        b_a = np.where(bits[:, None, :], self._bp, self._b)
        x = sample_nodes(b_a, eps)
        rewards = x[:, -1].copy()
        mean = self._rewards[np.arange(k), index]
        regret = self._best - mean
        observations = x.astype(np.float32)
        self._t += live
        terminations = live & (self._t >= self.horizon)
        for i in np.flatnonzero(self._autoreset):
            self.envs[i].reset()
            self._load(i)
            observations[i] = 0.0
            rewards[i] = 0.0
            regret[i] = 0.0
        infos = {"regret": regret, "_regret": live.copy(),
                 "expected_reward": mean, "_expected_reward": live.copy(),
                 "optimal": mean >= self._best - OPTIMAL_TOLERANCE, "_optimal": live.copy()}
        truncations = np.zeros(k, dtype=bool)
        self._autoreset = terminations.copy()
        return observations, rewards, terminations, truncations, infos
