"""MultiChannelAutobidding-v0: set per-channel budgets (and/or target ROIs) each period
under bandit feedback, subject to an aggregate budget and an aggregate ROI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.auctions.channels import (
    AUCTION_FORMATS,
    GENERATORS,
    ChannelPool,
    ChannelResponder,
    global_lp,
    global_optimum,
)
from papergym.envs.base import PaperEnv, init_vector_copies
from papergym.utils.checks import (
    check_choice,
    check_int,
    check_options,
    check_real,
    check_render_mode,
    check_vector_seeds,
    is_int,
)

__all__ = ["AutobiddingInstance", "LEVERS", "MultiChannelAutobiddingEnv",
           "MultiChannelAutobiddingVectorEnv"]

LEVERS = ("budget", "roi", "both")
FEEDBACK = ("poisson", "exact")
_INF = float("inf")
SOLVERS = ("threshold", "highs")


@dataclass(frozen=True)
class AutobiddingInstance:
    """What ``model()`` returns: the whole instance (read-only), for the oracle agents."""

    pool: ChannelPool
    budget: float
    target_roi: float
    levers: str
    horizon: int
    opt_value: float              # the global optimum's conversions per period
    opt_spend: np.ndarray         # its per-channel spend (M,)


class MultiChannelAutobiddingEnv(PaperEnv):
    """
    ## Description

    An advertiser buys ad auctions on ``M`` channels (Google Ads, Meta, ...) and wants as
    many conversions as possible subject to an aggregate budget ``rho`` per period and an
    aggregate return on investment (conversions >= ``gamma`` x spend).  She cannot pick
    auctions: per channel she only sets a budget and/or a target ROI, and each channel's
    autobidder buys what it can under those two levers.  From "Multi-channel Autobidding
    with Budget and ROI Constraints" (Deng, Golrezaei, Jaillet, Liang, Mirrokni; ICML 2023;
    arXiv 2302.01523): per-channel ROI targets alone can be arbitrarily worse than the
    global optimum, per-channel budgets alone reach it, and a bandit learner (the paper's
    SGD-UCB) approximates the optimal budgets.

    What is ours (the paper's body is out of reach; see docs/auctions.md): the channel
    rule, stated in ``papergym.envs.auctions.channels`` (a channel buys its auctions in
    decreasing value/cost order up to its budget and up to where its average ROI meets
    its target: the optimum of its own LP, a uniform bid multiplier in second-price
    auctions); the generators; the multi-item variant (VCG position auctions as
    incremental items); and the feedback model: each episode draws one pool of auctions
    per channel (``n_auctions`` each), fixed for the episode, and every period the
    realised conversions of channel j are ``Poisson(V_j)`` around its expected
    conversions ``V_j`` while its spend is exact.  The benchmark is the global LP over
    the pool (HiGHS, or its closed-form threshold solution), per period.

    ## Action Space

    ``levers="budget"``: ``Box(0, budget, (M,), float32)``, per-channel budgets (no ROI
    targets).  ``levers="roi"``: ``Box(0, roi_high, (M,), float32)``, per-channel target
    ROIs with no per-channel budget (``roi_high = 40 max(1, gamma)``; a target above a
    channel's best value/cost ratio switches it off).  ``levers="both"``: ``Box(0, high,
    (2M,))``, budgets then targets.  Any finite value ``>= 0`` is accepted (above the box
    too); a negative or non-finite entry or a wrong shape raises
    ``gymnasium.error.InvalidAction`` and changes nothing.  The budgets may sum to more
    than ``budget``: the overspend is counted as budget violation.

    ## Observation Space

    ``Box(0, inf, (2M + 3,), float32)``: last period's realised conversions per channel
    (M), last period's spend per channel (M), the fraction of the horizon left, the
    aggregate budget ``rho`` and target ROI ``gamma``.  Bandit feedback: nothing about
    the auctions themselves.  Zeros for conversions and spend at reset.

    ## Rewards

    The period's realised conversions (summed over channels).  ``info["regret"]`` is the
    per-period pseudo-regret ``OPT - sum_j V_j`` (expected conversions; negative when the
    agent buys more than the constraints allow).

    ## Starting State

    A pool drawn by ``generator`` from ``self.np_random``; ``reset(options={"instance":
    pool})`` replays a :class:`~papergym.envs.auctions.channels.ChannelPool` with the
    same number of channels.

    ## Episode End

    ``terminated`` after ``horizon`` periods; never ``truncated``.

    ## Info

    Every step: ``conversions`` (M,) realised, ``expected_conversions`` (M,), ``spend``
    (M,), ``roi`` (this period's expected conversions / spend; inf with no spend),
    ``budget_violation`` (``max(0, spend - rho)`` this period), ``roi_violation``
    (``max(0, gamma spend - expected conversions)`` this period), ``regret``, ``period``.
    At reset: ``period`` = 0, ``horizon``, ``levers`` and ``opt_conversions`` (the optimum
    per period; it is no secret in the paper's learning model that the regret is
    measured against it, and no agent here reads it).  At the end also
    ``metrics``: ``total_conversions`` (realised), ``expected_conversions``,
    ``opt_conversions`` (``T * OPT``), ``regret`` (``T * OPT`` - expected),
    ``conversion_ratio`` (expected / ``T * OPT``), ``budget_violation`` and
    ``roi_violation`` (the horizon's aggregate violations ``max(0, sum spend - T rho)``
    and ``max(0, gamma sum spend - sum conversions)``, divided by ``T``), and the
    primary ``penalised_conversion_ratio`` = ``conversion_ratio - violation_penalty *
    (budget_violation / rho + roi_violation / OPT)`` (ours: a ranking that does not
    reward buying past the constraints; 1 for the optimum).

    ## Arguments

    - ``n_channels`` (int, default 3): ``M >= 1``.
    - ``n_auctions`` (int >= 1 or a sequence of M of them, default 50): auctions per channel.
    - ``budget`` (float > 0, default 10.0): the aggregate budget ``rho`` per period.
    - ``target_roi`` (float >= 0, default 1.0): the aggregate ROI ``gamma``.
    - ``horizon`` (int >= 1, default 1000): periods ``T``.
    - ``levers`` (str, default ``"budget"``): ``"budget"``, ``"roi"`` or ``"both"``.
    - ``generator`` (str, default ``"uniform"``): ``"uniform"``, ``"lognormal"`` or
      ``"correlated"`` (ratios near 1: the ROI binds).
    - ``auction_format`` (str, default ``"single"``): ``"single"`` (second-price, one
      item) or ``"multi"`` (``n_slots`` slots at VCG prices).
    - ``n_slots`` (int in [2, 5], default 3): slots of a multi-item auction.
    - ``feedback`` (str, default ``"poisson"``): ``"poisson"`` (realised conversions
      ``Poisson(V_j)``) or ``"exact"``.
    - ``optimum_solver`` (str, default ``"threshold"``): ``"threshold"`` (closed form) or
      ``"highs"`` (scipy's ``linprog``); the two agree to 1e-9 (tests/auctions).
    - ``violation_penalty`` (float >= 0, default 10.0): the weight of the relative
      violations in the primary metric.
    - ``render_mode`` (None): nothing to render.

    ## Reference Agents

    ``global-optimum`` (the LP's per-channel spends as budgets, uses ``model()``;
    levers budget/both), ``budget-only`` (the same solution through the budget lever, what
    the paper proves optimal), ``roi-only`` (the best ROI targets; levers roi/both),
    ``primal-dual-ucb`` (our SGD-UCB-style learner), ``equal-split``; also
    ``proportional``, ``epsilon-greedy`` and ``random``; SB3 models through ``sb3:<path>``.

    ## Registered Configurations

    - ``MultiChannelAutobidding-v0``: the defaults above (3 channels x 50 second-price
      auctions, uniform, rho = 10, gamma = 1, T = 1000, budget lever).  Leaderboard
      boards: the defaults (the budget binds), ``generator="correlated", budget=40,
      target_roi=1.3`` (the ROI binds on about a third of the pools) and ``levers="roi"``
      (the ROI lever alone: ``roi-only`` and ``random``).

    A batched ``MultiChannelAutobiddingVectorEnv`` is its ``vector_entry_point``
    (``gym.make_vec(id, num_envs, vectorization_mode="vector_entry_point")``).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "penalised_conversion_ratio"
    higher_is_better = True
    leaderboard_configs = ({"generator": "uniform"},
                           {"generator": "correlated", "budget": 40.0, "target_roi": 1.3},
                           {"generator": "uniform", "levers": "roi"})
    quick_kwargs = {"horizon": 100}
    speed_target = 1.0
    #: the batched env against SyncVectorEnv (benchmarks/env_steps.py; the issue asks none)
    vector_speed_target = 1.2
    bad_inputs = {"n_channels": (0, 2.5, True), "n_auctions": (0, (5, 0, 5), "50", ()),
                  "budget": (0.0, -1.0, float("inf"), "10"), "target_roi": (-0.5, None),
                  "horizon": (0, 1.5), "levers": ("bids",), "generator": ("normal",),
                  "auction_format": ("combinatorial",), "n_slots": (1, 6),
                  "feedback": ("gaussian",), "optimum_solver": ("simplex",),
                  "violation_penalty": (-1.0, float("nan")),
                  "render_mode": ("human", "rgb_array")}

    def __init__(self, n_channels: int = 3, n_auctions: int | tuple[int, ...] = 50,
                 budget: float = 10.0, target_roi: float = 1.0, horizon: int = 1000,
                 levers: str = "budget", generator: str = "uniform",
                 auction_format: str = "single", n_slots: int = 3, feedback: str = "poisson",
                 optimum_solver: str = "threshold", violation_penalty: float = 10.0,
                 render_mode: str | None = None):
        self.n_channels = M = check_int("n_channels", n_channels, low=1)
        if is_int(n_auctions):
            counts = np.full(M, check_int("n_auctions", n_auctions, low=1), dtype=np.int64)
        else:
            if isinstance(n_auctions, (str, bytes)) or not hasattr(n_auctions, "__len__") \
                    or len(n_auctions) != M or not all(is_int(n) and n >= 1 for n in n_auctions):
                raise ValueError(f"n_auctions must be an integer >= 1 or a sequence of "
                                 f"n_channels = {M} of them, got {n_auctions!r}")
            counts = np.asarray(n_auctions, dtype=np.int64)
        self.n_auctions = counts
        self.budget = check_real("budget", budget, low=0.0, low_open=True)
        self.target_roi = check_real("target_roi", target_roi, low=0.0)
        self.horizon = check_int("horizon", horizon, low=1)
        self.levers = check_choice("levers", levers, LEVERS)
        self.generator = check_choice("generator", generator, GENERATORS)
        self.auction_format = check_choice("auction_format", auction_format, AUCTION_FORMATS)
        self.n_slots = check_int("n_slots", n_slots, low=2, high=5)
        self.feedback = check_choice("feedback", feedback, FEEDBACK)
        self.optimum_solver = check_choice("optimum_solver", optimum_solver, SOLVERS)
        self.violation_penalty = check_real("violation_penalty", violation_penalty, low=0.0)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])

        n_act = 2 * M if levers == "both" else M
        roi_high = 4.0 * max(1.0, self.target_roi) * 10.0
        high = {"budget": np.full(M, self.budget), "roi": np.full(M, roi_high),
                "both": np.r_[np.full(M, self.budget), np.full(M, roi_high)]}[levers]
        self.action_space = spaces.Box(0.0, high.astype(np.float32), shape=(n_act,),
                                       dtype=np.float32)
        self.observation_space = spaces.Box(0.0, np.inf, shape=(2 * M + 3,), dtype=np.float32)
        self._action_shape = self.action_space.shape
        self._obs = np.zeros(2 * M + 3, dtype=np.float32)
        self._instance: AutobiddingInstance | None = None
        self._done = True

    # ------------------------------------------------------------------ reset
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = check_options(options, ("instance",), type(self).__name__)
        if "instance" in options:
            pool = options["instance"]
            if not isinstance(pool, ChannelPool) or pool.n_channels != self.n_channels:
                raise ValueError("options['instance'] must be a ChannelPool with n_channels = "
                                 f"{self.n_channels} channels")
        else:
            from papergym.envs.auctions.channels import draw_pool

            pool = draw_pool(self.np_random, self.n_auctions, self.generator,
                             self.auction_format, self.n_slots)
        opt = global_optimum(pool, self.budget, self.target_roi)
        opt_value = opt.value
        if self.optimum_solver == "highs":
            v, d, _ = pool.items()
            opt_value = global_lp(v, d, self.budget, self.target_roi)[0]
        spend = opt.spend.copy()
        spend.setflags(write=False)
        self._instance = self._model = AutobiddingInstance(
            pool, self.budget, self.target_roi, self.levers, self.horizon, opt_value, spend)
        self._responder = ChannelResponder(pool)
        # bound once per episode: the step loop is the env's hot path
        self._respond = (self._responder.respond_budgets if self.levers == "budget"
                         else self._responder.respond)
        self._draw = self.np_random.poisson if self.feedback == "poisson" else None
        self._opt_value = opt_value
        self._t = 0
        self._done = False
        self._sum_conv = self._sum_exp = self._sum_spend = 0.0
        self._sum_regret = 0.0
        M = self.n_channels
        self._no_budget = [np.inf] * M
        self._no_target = [0.0] * M
        self._obs[:] = 0.0
        self._obs[2 * M] = 1.0
        self._obs[2 * M + 1] = self.budget
        self._obs[2 * M + 2] = self.target_roi
        return self._obs.copy(), {"period": 0, "horizon": self.horizon, "levers": self.levers,
                                  "opt_conversions": opt_value}

    def model(self) -> AutobiddingInstance:
        """The current instance (pool, targets, the optimum); only for ``requires_model``
        agents."""
        if self._instance is None:
            raise ResetNeeded("call reset() before model()")
        return self._instance

    # ------------------------------------------------------------------ step
    def _levers(self, action: Any) -> tuple[list, list]:
        a = action if type(action) is np.ndarray else np.asarray(action)
        if a.dtype.kind not in "fiu":
            raise InvalidAction(f"action {action!r} is not an array of numbers")
        if a.shape != self._action_shape:
            raise InvalidAction(f"action must have shape {self._action_shape}, got {a.shape}")
        values = a.tolist()
        if not (min(values) >= 0.0 and max(values) < _INF):     # also refuses NaN
            raise InvalidAction("per-channel budgets and target ROIs must be finite and >= 0, "
                                f"got {values}")
        levers = self.levers
        if levers == "budget":
            return values, self._no_target
        if levers == "roi":
            return self._no_budget, values
        M = self.n_channels
        return values[:M], values[M:]

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        budgets, targets = self._levers(action)
        conv, spend = self._respond(budgets, targets)
        draw = self._draw
        if draw is not None:
            realised = [draw(c) for c in conv]   # scalar draws: 5x faster than an array
        else:
            realised = conv
        total_exp = sum(conv)
        total_spend = sum(spend)
        reward = float(sum(realised))
        t = self._t = self._t + 1
        self._sum_conv += reward
        self._sum_exp += total_exp
        self._sum_spend += total_spend
        # one array holds the observation's values and the feedback the info reports
        flat = np.array(realised + spend + [(self.horizon - t) / self.horizon, self.budget,
                                            self.target_roi] + conv)
        M = self.n_channels
        obs = flat[:2 * M + 3].astype(np.float32)
        budget_over = total_spend - self.budget
        roi_short = self.target_roi * total_spend - total_exp
        info = {"period": t, "conversions": flat[:M],
                "expected_conversions": flat[2 * M + 3:], "spend": flat[M:2 * M],
                "roi": total_exp / total_spend if total_spend > 0 else _INF,
                "budget_violation": budget_over if budget_over > 0.0 else 0.0,
                "roi_violation": roi_short if roi_short > 0.0 else 0.0,
                "regret": self._opt_value - total_exp}
        if t >= self.horizon:
            self._done = True
            info["metrics"] = self._metrics()
            return obs, reward, True, False, info
        return obs, reward, False, False, info

    def _metrics(self) -> dict[str, float]:
        T, inst = self._t, self._instance
        opt = T * inst.opt_value
        budget_violation = max(0.0, self._sum_spend - T * self.budget) / T
        roi_violation = max(0.0, self.target_roi * self._sum_spend - self._sum_exp) / T
        ratio = self._sum_exp / opt if opt > 0 else 1.0
        relative = budget_violation / self.budget + (
            roi_violation / inst.opt_value if inst.opt_value > 0 else roi_violation)
        return {"total_conversions": self._sum_conv, "expected_conversions": self._sum_exp,
                "opt_conversions": opt, "regret": opt - self._sum_exp,
                "conversion_ratio": ratio, "budget_violation": budget_violation,
                "roi_violation": roi_violation,
                "penalised_conversion_ratio": ratio - self.violation_penalty * relative,
                "horizon": float(T)}

    def render(self):
        return None


class MultiChannelAutobiddingVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of :class:`MultiChannelAutobiddingEnv` stepped in one call, the
    ``vector_entry_point`` of MultiChannelAutobidding-v0: no wrapper stack per copy, one
    stacked observation array; copy ``i`` is seeded ``seed + i`` and autoresets on the
    next step (``metadata["autoreset_mode"]``), exactly as ``SyncVectorEnv`` does
    (``papergym.utils.env_checker.check_vector_env``)."""

    metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 1, **kwargs: Any):
        init_vector_copies(self, MultiChannelAutobiddingEnv, num_envs, kwargs)
        self.render_mode = None
        self._autoreset = np.zeros(self.num_envs, dtype=bool)

    def reset(self, *, seed: int | list | None = None, options: dict | None = None):
        check_options(options, ("instance",), type(self).__name__)  # before any copy resets
        seeds = check_vector_seeds(seed, self.num_envs)
        observations, infos = [], {}
        for i, (env, s) in enumerate(zip(self.envs, seeds)):
            obs, info = env.reset(seed=s, options=options)
            observations.append(obs)
            infos = self._add_info(infos, info, i)
        self._autoreset[:] = False
        return np.stack(observations), infos

    def _batch_infos(self, infos: list[dict]) -> dict:
        """Gymnasium's vector info layout (``info[key][i]`` with a ``_key`` mask): one
        ``np.array`` per key when every copy reports the same flat keys (the usual step),
        else Gymnasium's own ``_add_info`` merge (resets, episode ends)."""
        keys = infos[0].keys()
        if all(info.keys() == keys for info in infos) and "metrics" not in keys:
            out = {}
            mask = np.ones(self.num_envs, dtype=bool)
            for key in keys:
                out[key] = np.array([info[key] for info in infos])
                out["_" + key] = mask
            return out
        merged: dict = {}
        for i, info in enumerate(infos):
            merged = self._add_info(merged, info, i)
        return merged

    def step(self, actions):
        actions = np.asarray(actions)
        observations, infos = [], []
        rewards = np.zeros(self.num_envs)
        terminations = np.zeros(self.num_envs, dtype=bool)
        truncations = np.zeros(self.num_envs, dtype=bool)
        for i, env in enumerate(self.envs):
            if self._autoreset[i]:
                obs, info = env.reset()
            else:
                obs, rewards[i], terminations[i], truncations[i], info = env.step(actions[i])
            observations.append(obs)
            infos.append(info)
        self._autoreset = terminations | truncations
        return np.stack(observations), rewards, terminations, truncations, \
            self._batch_infos(infos)
