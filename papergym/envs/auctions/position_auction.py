"""PositionAuction-v0: choose which sponsored creative goes to which position of
AI-generated content, round after round, under an MNL or a cascade click model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded
from scipy.optimize import linear_sum_assignment

from papergym.envs.auctions.position_mechanisms import (
    CLICK_MODELS,
    OBJECTIVES,
    PositionInstance,
    ctrs,
    draw_position_instance,
    exact_best,
    mnl_best,
    scores_for,
)
from papergym.envs.base import PaperEnv
from papergym.utils.checks import check_choice, check_int, check_options, check_render_mode

__all__ = ["PositionAuctionEnv", "PositionRound", "allocation_from_scores"]

#: enumeration bound for the cascade optimum (allocations of min(n, m) ads to m positions)
MAX_CASCADE_POSITIONS = 6
MAX_CASCADE_ADVERTISERS = 8


@dataclass(frozen=True)
class PositionRound:
    """What ``model()`` returns: the current round (bids and click data, all observed)."""

    bids: np.ndarray
    instance: PositionInstance
    objective: str
    opt_alloc: np.ndarray
    opt_value: float


def allocation_from_scores(scores: np.ndarray) -> np.ndarray:
    """The env's reading of an action: the maximum-weight matching of advertisers to
    positions on the positive entries of ``scores`` (n, m); ``-1`` = empty position."""
    n, m = scores.shape
    pos = np.maximum(scores, 0.0)
    rows, cols = linear_sum_assignment(pos, maximize=True)
    alloc = np.full(m, -1, dtype=np.int64)
    keep = scores[rows, cols] > 0
    alloc[cols[keep]] = rows[keep]
    return alloc


class PositionAuctionEnv(PaperEnv):
    """
    ## Description

    Position auctions inside AI-generated content: ``n`` advertisers bid for ``m``
    candidate positions where a sponsored creative can be woven into generated text, with
    one click-through estimate per (creative, position) pair; the allocation is a
    matching and the placed ads compete for the reader's clicks.  From "Position Auctions
    in AI-Generated Content" (Balseiro, Bhawalkar, Deng, Feng, Mao, Mehta, Mirrokni,
    Paes Leme, Wang, Zuo; arXiv 2506.03309, 2025): for the multinomial-logit (MNL) click
    model the welfare- and revenue-optimal mechanisms are efficient (ours: Dinkelbach +
    bipartite matching), for the cascade model approximately optimal ones exist (ours: a
    maximal-in-range dynamic program).  The agent is the allocation rule; the click
    models, generator and the mechanisms are stated in
    ``papergym.envs.auctions.position_mechanisms`` (what is ours: docs/auctions.md).

    Each step is one auction: values per click ``b ~ U[0, 1]^n`` (bidders bid truthfully,
    as under the truthful mechanisms) and the click data.  ``objective="revenue"`` scores
    the allocation by its virtual surplus ``sum (2 b_i - 1) pi_i``: by Myerson's lemma
    the expected revenue of the truthful mechanism that uses this allocation rule
    (valid for a rule monotone in each bid, as every mechanism agent here is).

    ## Action Space

    ``Box(-1, 1, (n, m), float32)``: assignment scores.  The env places the
    maximum-weight matching on the positive entries (``allocation_from_scores``), so
    ``2 x - 1`` of a 0/1 assignment ``x`` places exactly ``x``; every finite action is
    legal.  A wrong shape or a non-finite entry raises ``gymnasium.error.InvalidAction``.

    ## Observation Space

    ``Box(0, inf, (n, m + 2), float32)``: row i = advertiser i's bid, its ``m`` CTR
    entries (MNL attractions ``w_ij`` or cascade click probabilities ``p_ij``), its
    cascade continuation probability ``q_i`` (1 under MNL).

    ## Rewards

    The round's expected welfare ``sum b_i pi_i`` (``objective="welfare"``) or virtual
    surplus ``sum (2 b_i - 1) pi_i`` (``"revenue"``).  ``info["regret"]``: the exact
    optimum (matching for MNL, enumeration for cascade) minus the reward.

    ## Starting State

    A fresh round from ``self.np_random``; ``reset(options={"instance": (bids,
    PositionInstance)})`` replays a first round (then new rounds are drawn).

    ## Episode End

    ``terminated`` after ``horizon`` rounds; never ``truncated``.

    ## Info

    Every step: ``allocation`` (m,) int64 (the placed advertiser per position, -1
    none), ``ctr`` (n,) the click-through rates it gave, ``welfare``, ``virtual_welfare``,
    ``opt_value`` (the optimum of the objective), ``regret``, ``objective``,
    ``click_model``, ``round``.  At reset: ``objective``, ``click_model``, ``round`` = 0.  At the end ``metrics``: ``efficiency`` (sum of
    rewards / sum of optima, the primary metric), ``welfare``, ``virtual_welfare``,
    ``opt_value``, ``regret`` (sums over the episode), ``horizon``.

    ## Arguments

    - ``n_advertisers`` (int >= 1, default 5; at most 8 with ``"cascade"``).
    - ``n_positions`` (int >= 1, default 4; at most 6 with ``"cascade"``).
    - ``click_model`` (str, default ``"mnl"``): ``"mnl"`` or ``"cascade"``.
    - ``objective`` (str, default ``"welfare"``): ``"welfare"`` or ``"revenue"``.
    - ``horizon`` (int >= 1, default 200): rounds per episode.
    - ``render_mode`` (None): nothing to render.

    ## Reference Agents

    ``matching`` (exact for MNL), ``cascade-dp`` (cascade), ``exact-enumeration`` (both,
    small instances), ``vcg-separable`` and ``greedy-by-bid`` baselines; also ``random``.

    ## Registered Configurations

    - ``PositionAuction-v0``: 5 advertisers, 4 positions, MNL, welfare, 200 rounds
      (leaderboard boards: MNL and cascade, welfare and revenue).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "efficiency"
    higher_is_better = True
    leaderboard_configs = ({"click_model": "mnl", "objective": "welfare"},
                           {"click_model": "mnl", "objective": "revenue"},
                           {"click_model": "cascade", "objective": "welfare"},
                           {"click_model": "cascade", "objective": "revenue"})
    quick_kwargs = {"horizon": 20}
    speed_target = 0.03
    speed_target_reason = ("every step draws a round and solves its exact optimum for "
                           "info['regret'] (Dinkelbach matching for MNL, enumeration of all "
                           "allocations for cascade): about 0.3 ms and 0.5 ms")
    bad_inputs = {"n_advertisers": (0, 2.0, "5"), "n_positions": (0, True),
                  "click_model": ("logit",), "objective": ("profit",), "horizon": (0, -1),
                  "render_mode": ("human",)}

    def __init__(self, n_advertisers: int = 5, n_positions: int = 4, click_model: str = "mnl",
                 objective: str = "welfare", horizon: int = 200,
                 render_mode: str | None = None):
        self.click_model = check_choice("click_model", click_model, CLICK_MODELS)
        n_high = MAX_CASCADE_ADVERTISERS if click_model == "cascade" else None
        m_high = MAX_CASCADE_POSITIONS if click_model == "cascade" else None
        self.n_advertisers = check_int("n_advertisers", n_advertisers, low=1, high=n_high)
        self.n_positions = check_int("n_positions", n_positions, low=1, high=m_high)
        self.objective = check_choice("objective", objective, OBJECTIVES)
        self.horizon = check_int("horizon", horizon, low=1)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        n, m = self.n_advertisers, self.n_positions
        self.action_space = spaces.Box(-1.0, 1.0, shape=(n, m), dtype=np.float32)
        self.observation_space = spaces.Box(0.0, np.inf, shape=(n, m + 2), dtype=np.float32)
        self._round: PositionRound | None = None
        self._done = True

    def _new_round(self, bids: np.ndarray | None = None,
                   inst: PositionInstance | None = None) -> None:
        n, m = self.n_advertisers, self.n_positions
        if bids is None:
            bids = self.np_random.uniform(0.0, 1.0, size=n)
            inst = draw_position_instance(self.np_random, n, m, self.click_model)
        scores, _, _ = scores_for(bids, self.objective)
        best = mnl_best(scores, inst) if self.click_model == "mnl" else exact_best(scores, inst)
        value = float(scores @ ctrs(best, inst))
        bids.setflags(write=False)
        self._round = self._model = PositionRound(bids, inst, self.objective, best, value)
        self._scores = scores
        obs = np.empty((n, m + 2), dtype=np.float32)
        obs[:, 0] = bids
        obs[:, 1:m + 1] = inst.ctr
        obs[:, m + 1] = inst.cont
        self._obs = obs

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = check_options(options, ("instance",), type(self).__name__)
        if "instance" in options:
            bids, inst = self._check_instance(options["instance"])
            self._new_round(bids, inst)
        else:
            self._new_round()
        self._t = 0
        self._done = False
        self._sums = np.zeros(4)   # reward, welfare, virtual welfare, optimum
        return self._obs.copy(), {"objective": self.objective,
                                  "click_model": self.click_model, "round": 0}

    def _check_instance(self, instance: Any) -> tuple[np.ndarray, PositionInstance]:
        n, m = self.n_advertisers, self.n_positions
        try:
            bids, inst = instance
            bids = np.array(bids, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("options['instance'] must be a pair (bids, PositionInstance)") \
                from None
        if not isinstance(inst, PositionInstance) or inst.model != self.click_model \
                or inst.shape != (n, m) or bids.shape != (n,) or not np.all(np.isfinite(bids)) \
                or bids.min() < 0 or inst.ctr.min() < 0:
            raise ValueError(f"options['instance'] must be (bids (n,) >= 0, PositionInstance "
                             f"of the {self.click_model!r} model with shape ({n}, {m}))")
        return bids, inst

    def model(self) -> PositionRound:
        """The current round (bids, click data, the optimum)."""
        if self._round is None:
            raise ResetNeeded("call reset() before model()")
        return self._round

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        try:
            a = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidAction(f"action {action!r} is not an array of numbers") from None
        if a.shape != self.action_space.shape or not np.all(np.isfinite(a)):
            raise InvalidAction(f"action must be a finite array of shape "
                                f"{self.action_space.shape}, got shape {a.shape}")
        rnd = self._round
        alloc = allocation_from_scores(a)
        pi = ctrs(alloc, rnd.instance)
        welfare = float(rnd.bids @ pi)
        virtual = float((2.0 * rnd.bids - 1.0) @ pi)
        reward = welfare if self.objective == "welfare" else virtual
        self._sums += (reward, welfare, virtual, rnd.opt_value)
        self._t += 1
        info = {"round": self._t, "objective": self.objective,
                "click_model": self.click_model, "allocation": alloc, "ctr": pi,
                "welfare": welfare, "virtual_welfare": virtual, "opt_value": rnd.opt_value,
                "regret": rnd.opt_value - reward}
        terminated = self._t >= self.horizon
        if terminated:
            self._done = True
            total, w, vw, opt = self._sums.tolist()
            info["metrics"] = {"efficiency": total / opt if opt > 0 else 1.0, "welfare": w,
                               "virtual_welfare": vw, "opt_value": opt, "regret": opt - total,
                               "horizon": float(self._t)}
            return self._obs.copy(), reward, True, False, info
        self._new_round()
        return self._obs.copy(), reward, False, False, info

    def render(self):
        return None
