"""CascadingRL-v0 and CascadingBandit-v0: cascading reinforcement learning and the classic
cascading bandit, one learning run (``K`` episodes of the paper) per Gymnasium episode."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.cascading.model import (
    CascadingInstance,
    OptimalPlan,
    generate_instance,
    optimal_plan,
)
from papergym.envs.cascading.spaces import ItemListSpace, parse_list
from papergym.utils.checks import (
    check_choice,
    check_int,
    check_options,
    check_probability,
    check_real,
    check_render_mode,
)

__all__ = ["BANDIT_GENERATORS", "REPEATED_ITEMS", "CascadingBanditEnv", "CascadingRLEnv"]

BANDIT_GENERATORS = ("gap", "uniform")
REPEATED_ITEMS = ("refuse", "stop")
_OPTION_KEYS = ("instance",)
_HISTORY = 48  # steps kept for the rgb_array image


class CascadingRLEnv(PaperEnv):
    """
    ## Description

    Cascading reinforcement learning, from "Cascading Reinforcement Learning" (Yihan Du,
    R. Srikant, Wei Chen; ICLR 2024; arXiv 2401.08961): a recommender shows a user an
    ordered list of at most ``m`` of ``N`` items; in user state ``s`` the user scans the
    list top-down, item ``a`` attracts with probability ``q(s, a)``, and the first
    attractive item is clicked: it pays ``r(s, a)`` and moves the user to ``s' ~ p(.|s,
    a)``.  When no item attracts, a virtual no-click item pays 0 and moves the user by its
    own ``p(.|s, a_bot)``.  Feedback is cascading: the items after the click are not
    examined.  A paper episode has ``horizon`` (``H``) such steps from state 0; the model
    ``(q, r, p)`` is unknown to the learner.

    One Gymnasium episode is one whole learning run: ``num_episodes`` (``K``) paper
    episodes on one instance drawn at reset, ``K * H`` steps, so the episode's
    ``cumulative_regret`` is the paper's regret ``sum_k V*_1(s_1) - V^{pi_k}_1(s_1)``
    (in expectation; see Rewards).  The instance generator is ours (the paper's synthetic
    one is not available to us): ``q ~ U(attraction_low, attraction_high)``, ``r ~ U(0,
    1)``, each ``p(.|s, a) ~ Dirichlet(concentration)`` over the ``S`` states, drawn in
    that order from ``self.np_random``.  Defaults are the paper's regret experiment
    (``S = 9``, ``H = 5``, ``m = 3``, ``N = 8``, ``K = 10,000``).

    ## Action Space

    ``ItemListSpace``, a ``MultiDiscrete([N + 1] * m)`` (int64): entry ``i`` is the item at
    position ``i``; the value ``N`` is a stop symbol and the list is the entries before the
    first stop (entries after it are ignored), so shorter lists and the empty list are
    allowed.  An item twice in the list (with ``repeated_items="refuse"``), an entry
    outside ``[0, N]`` or a wrong length raises ``gymnasium.error.InvalidAction`` and
    changes nothing; with ``repeated_items="stop"`` a repeated item ends the list like the
    stop symbol (for policies that output any vector, e.g. SB3's PPO).  Legality is joint (no
    duplicates), so there is no per-entry action mask: the space's ``sample()`` draws
    uniformly among legal lists.

    ## Observation Space

    ``MultiDiscrete([S, H])`` (int64): the user's state and the step ``h`` (0-based) within
    the current paper episode.

    ## Rewards

    ``r(s, a)`` of the clicked item, 0 when nothing is clicked.  Per step,
    ``info["regret"] = V*_h(s) - Q*_h(s, A)`` (the optimal value minus the optimal
    Q-value of the shown list, >= 0); by the performance-difference lemma its sum over a
    paper episode has expectation ``V*_1(s_1) - V^pi_1(s_1)``, the paper's per-episode
    regret.

    ## Starting State

    State 0 at ``h = 0`` of paper episode 0, on a fresh instance from ``self.np_random``;
    ``reset(options={"instance": inst})`` replays a ``CascadingInstance`` (or a dict of
    its fields: ``attraction`` (S, N), ``reward`` (S, N), ``transition`` (S, N + 1, S),
    ``list_size``, ``horizon``, optional ``initial_state``) whose sizes match the env's.
    After each paper episode the user starts again in ``initial_state``.

    ## Episode End

    ``terminated`` after ``K * H`` steps (the last paper episode's last step).  Never
    ``truncated``.

    ## Info

    At reset: ``state``, ``h``, ``paper_episode`` (the paper episode index ``k``).  At
    every step:

    - ``state``, ``h``, ``paper_episode``: where the list was shown.
    - ``examined``: tuple of the items the user examined (the prefix up to and including
      the click, the whole list when nothing was clicked).
    - ``click_position``: index of the clicked item in the list, -1 for no click;
      ``clicked_item``: the item, -1 for no click.
    - ``next_state``: the user's next state; ``episode_end``: this step ended a paper
      episode.
    - ``regret``: the per-step pseudo-regret of Rewards.

    At the end also ``metrics`` (floats): ``cumulative_regret`` (the sum of ``regret``,
    the primary metric), ``realized_regret`` (``K * V*_1(s_1)`` minus the return),
    ``total_reward``, ``optimal_value`` (``V*_1(s_1)``), ``clicks``, ``click_rate``
    (clicks per step), ``num_episodes``.

    ## Arguments

    - ``n_states`` (int >= 1, default 9): ``S``.
    - ``n_items`` (int >= 1, default 8): ``N``.
    - ``list_size`` (int in [1, n_items], default 3): ``m``.
    - ``horizon`` (int >= 1, default 5): ``H``, steps per paper episode.
    - ``num_episodes`` (int >= 1, default 10000): ``K``, paper episodes per Gymnasium
      episode.
    - ``attraction_low``, ``attraction_high`` (probabilities, default 0.05 and 0.5,
      ``low <= high``): the range of generated ``q(s, a)``.
    - ``concentration`` (float > 0, default 0.5): the Dirichlet parameter of generated
      transitions (small: near-deterministic transitions).
    - ``repeated_items`` (``"refuse"`` or ``"stop"``, default ``"refuse"``): what a
      repeated item in a list does: raise ``InvalidAction``, or end the list.
    - ``render_mode`` (None or ``"rgb_array"``): an image of the last 48 steps, one row per
      step, one cell per list position (grey: shown, not examined; blue: examined; green:
      clicked; white: no item).

    ## Reference Agents

    ``optimal`` (backward induction with BestPerm on the true model), ``cascading-vi``
    (the paper's regret algorithm) and ``adapt-rm`` (the paper's baseline: UCBVI with every
    list as one atomic action); also ``cascading-bpi`` (the paper's best-policy
    identification algorithm: it explores like ``cascading-vi`` and commits to its policy
    once the stopping rule fires), ``adapt-bpi`` (its atomic-list baseline) and ``random``
    (uniform legal lists).

    ## Registered Configurations

    - ``CascadingRL-v0``: the defaults above; the leaderboard runs ``n_items`` 4 and 8.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}
    primary_metric = "cumulative_regret"
    higher_is_better = False
    leaderboard_configs = ({"n_items": 4}, {"n_items": 8})
    quick_kwargs = {"num_episodes": 200}
    bad_inputs = {"n_states": (0, 2.5, True), "n_items": (0, "8"), "list_size": (0, 9, 1.5),
                  "horizon": (0, -1), "num_episodes": (0, None),
                  "attraction_low": (-0.1, 1.5, 0.9), "attraction_high": (1.2, -0.5, None),
                  "concentration": (0.0, -1.0, "x"), "repeated_items": ("drop", None),
                  "render_mode": ("human",)}

    def __init__(self, n_states: int = 9, n_items: int = 8, list_size: int = 3,
                 horizon: int = 5, num_episodes: int = 10000, attraction_low: float = 0.05,
                 attraction_high: float = 0.5, concentration: float = 0.5,
                 repeated_items: str = "refuse", render_mode: str | None = None):
        self.n_states = check_int("n_states", n_states, low=1)
        self.n_items = check_int("n_items", n_items, low=1)
        self.list_size = check_int("list_size", list_size, low=1, high=self.n_items)
        self.horizon = check_int("horizon", horizon, low=1)
        self.num_episodes = check_int("num_episodes", num_episodes, low=1)
        self.attraction_low = check_probability("attraction_low", attraction_low)
        self.attraction_high = check_probability("attraction_high", attraction_high)
        if self.attraction_high < self.attraction_low:
            raise ValueError(f"attraction_low must be <= attraction_high = "
                             f"{self.attraction_high}, got {self.attraction_low}")
        self.concentration = check_real("concentration", concentration, low=0.0,
                                        low_open=True)
        self.repeated_items = check_choice("repeated_items", repeated_items, REPEATED_ITEMS)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self._setup_spaces()

    # ------------------------------------------------------------------ set-up
    def _setup_spaces(self) -> None:
        self.action_space = ItemListSpace(self.n_items, self.list_size)
        self.observation_space = spaces.MultiDiscrete([self.n_states, self.horizon],
                                                      dtype=np.int64)
        self._instance: CascadingInstance | None = None
        self._done = True

    def _generate(self, rng: np.random.Generator) -> CascadingInstance:
        """A fresh instance from ``rng`` (the vector env calls this too)."""
        return generate_instance(rng, self.n_states, self.n_items, self.list_size,
                                 self.horizon, attraction_low=self.attraction_low,
                                 attraction_high=self.attraction_high,
                                 concentration=self.concentration)

    def _coerce_instance(self, value: Any) -> CascadingInstance:
        """``options["instance"]`` as a validated instance of this env's sizes."""
        if isinstance(value, CascadingInstance):
            inst = CascadingInstance.from_arrays(**value.to_dict())
        elif isinstance(value, Mapping):
            unknown = set(value) - {"attraction", "reward", "transition", "list_size",
                                    "horizon", "initial_state"}
            if unknown:
                raise ValueError(f"options['instance'] has unknown fields {sorted(unknown)}")
            fields = {"list_size": self.list_size, "horizon": self.horizon, **value}
            for key in ("attraction", "reward", "transition"):
                if key not in fields:
                    raise ValueError(f"options['instance'] lacks the field {key!r}")
            inst = CascadingInstance.from_arrays(**fields)
        else:
            raise ValueError("options['instance'] must be a CascadingInstance or a dict of "
                             f"its fields, got {type(value).__name__}")
        for name, want, got in (("attraction", (self.n_states, self.n_items),
                                 inst.attraction.shape),
                                ("list_size", self.list_size, inst.list_size),
                                ("horizon", self.horizon, inst.horizon)):
            if want != got:
                raise ValueError(f"options['instance'] {name} must match the env: "
                                 f"{want}, got {got}")
        return inst

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = check_options(options, _OPTION_KEYS, type(self).__name__)
        if "instance" in options:
            inst = self._coerce_instance(options["instance"])
        else:
            inst = self._generate(self.np_random)
        self._load(inst)
        self._state, self._h, self._k = inst.initial_state, 0, 0
        self._steps = self._clicks = 0
        self._total_reward = self._regret = 0.0
        self._done = False
        self._history: list[tuple[int, int]] = []
        return self._obs(), {"state": self._state, "h": 0, "paper_episode": 0}

    def _load(self, inst: CascadingInstance) -> None:
        self._instance = inst
        self._model = inst
        self._plan: OptimalPlan = optimal_plan(inst)
        cdf = np.cumsum(inst.transition, axis=2)
        cdf[..., -1] = 1.0
        # plain lists: the fastest scalar reads in the step loop
        self._q = inst.attraction.tolist()
        self._r = inst.reward.tolist()
        self._cdf = cdf.tolist()
        self._w = self._plan.w.tolist()
        self._v = self._plan.value.tolist()

    def model(self) -> CascadingInstance:
        """The current instance (read-only); only for agents with ``requires_model``."""
        if self._instance is None:
            raise ResetNeeded("CascadingRLEnv.model() before reset(): no instance yet")
        return self._instance

    def optimal_plan(self) -> OptimalPlan:
        """The optimal values and lists of the current instance."""
        self.model()
        return self._plan

    def _obs(self) -> np.ndarray:
        return np.array((self._state, self._h), dtype=np.int64)

    # ------------------------------------------------------------------ the step
    def _items(self, action: Any) -> list[int]:
        """The list an action shows; ``InvalidAction`` unless it is legal."""
        N = self.n_items
        if type(action) is np.ndarray and action.dtype == np.int64 \
                and action.shape == (self.list_size,):
            items: list[int] = []  # the fast path: entries are Python ints already
            for a in action.tolist():
                if a == N:
                    return items
                if a < 0 or a > N:
                    break
                if a in items:
                    if self.repeated_items == "stop":
                        return items
                    break
                items.append(a)
            else:
                return items
        else:
            entries = action.tolist() if isinstance(action, np.ndarray) else action
            if isinstance(entries, (list, tuple)):
                parsed = parse_list(list(entries), N, self.list_size,
                                    self.repeated_items == "stop")
                if parsed is not None:
                    return parsed
        raise InvalidAction(
            f"action {action!r} is not a list of {self.list_size} entries in [0, {N}] "
            f"({N} = stop) with distinct items before the first stop")

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        items = self._items(action)
        s, h, m = self._state, self._h, self.list_size
        u = self._np_random.random(m + 1).tolist()
        q, w = self._q[s], self._w[h][s]
        click, value, reach = -1, 0.0, 1.0
        for i, a in enumerate(items):
            qa = q[a]
            value += reach * qa * w[a]
            reach *= 1.0 - qa
            if click < 0 and u[i] < qa:
                click = i
        value += reach * w[self.n_items]
        regret = self._v[h][s] - value
        if regret < 0.0:
            regret = 0.0
        if click >= 0:
            item = items[click]
            reward = self._r[s][item]
            examined = tuple(items[:click + 1])
            self._clicks += 1
        else:
            item, reward, examined = -1, 0.0, tuple(items)
        nxt = bisect_right(self._cdf[s][self.n_items if item < 0 else item], u[m])
        self._total_reward += reward
        self._regret += regret
        self._steps += 1
        if self.render_mode == "rgb_array":
            self._history.append((len(items), click))
            del self._history[:-_HISTORY]
        info = {"state": s, "h": h, "paper_episode": self._k, "examined": examined,
                "click_position": click, "clicked_item": item, "next_state": nxt,
                "episode_end": h + 1 == self.horizon, "regret": regret}
        terminated = False
        if h + 1 == self.horizon:
            self._k += 1
            self._h, self._state = 0, self._instance.initial_state
            if self._k == self.num_episodes:
                self._done = terminated = True
                info["metrics"] = self._metrics()
        else:
            self._h, self._state = h + 1, nxt
        return self._obs(), reward, terminated, False, info

    def _metrics(self) -> dict[str, float]:
        v1 = float(self._v[0][self._instance.initial_state])
        return {"cumulative_regret": float(self._regret),
                "realized_regret": float(self.num_episodes * v1 - self._total_reward),
                "total_reward": float(self._total_reward), "optimal_value": v1,
                "clicks": float(self._clicks), "click_rate": self._clicks / self._steps,
                "num_episodes": float(self.num_episodes)}

    # ------------------------------------------------------------------ rendering
    def render(self):
        if self.render_mode != "rgb_array":
            return None
        cell = 8
        img = np.full((_HISTORY * cell, self.list_size * cell, 3), 255, dtype=np.uint8)
        for row, (length, click) in enumerate(self._history):
            for pos in range(length):
                if click >= 0 and pos > click:
                    colour = (170, 170, 170)
                elif pos == click:
                    colour = (40, 160, 60)
                else:
                    colour = (60, 110, 200)
                img[row * cell + 1:(row + 1) * cell - 1, pos * cell + 1:(pos + 1) * cell - 1] = \
                    colour
        return img


class CascadingBanditEnv(CascadingRLEnv):
    """
    ## Description

    The classic cascading bandit (Kveton, Szepesvari, Wen, Ashkan, "Cascading Bandits:
    Learning to Rank in the Cascade Model", ICML 2015), the one-state, one-step special case
    of cascading RL ("Cascading Reinforcement Learning", Du, Srikant, Chen; ICLR 2024;
    arXiv 2401.08961): each round the agent shows an ordered list of at most ``m`` of
    ``N`` items, item ``a`` attracts with unknown probability ``q(a)``, the user clicks the
    first attractive item and the agent earns 1 per click.  The best list is the ``m``
    most attractive items.  One Gymnasium episode is ``num_rounds`` rounds on one instance.

    Instances (ours): ``generator="gap"`` gives ``m`` items attraction ``attraction`` and
    the others ``attraction - gap``, at positions shuffled by ``self.np_random`` (the
    shape of Kveton et al.'s synthetic experiments); ``"uniform"`` draws every ``q(a) ~
    U(0, 1)``.

    ## Action Space

    ``ItemListSpace``, a ``MultiDiscrete([N + 1] * m)`` (int64), as in ``CascadingRL-v0``:
    the entries before the first stop symbol ``N`` form the list; repeated items (unless
    ``repeated_items="stop"``) or entries outside ``[0, N]`` raise
    ``gymnasium.error.InvalidAction`` and change nothing.

    ## Observation Space

    ``MultiDiscrete([1, 1])`` (int64): always ``(0, 0)`` (one state, one step per round).

    ## Rewards

    1 for a click, 0 otherwise; ``info["regret"] = sum of the best list's click probability
    minus the shown list's`` (``1 - prod(1 - q)`` of each), >= 0.

    ## Starting State

    A fresh attraction vector from ``self.np_random``; ``reset(options={"instance": q})``
    replays an attraction vector ``q`` (N,) in [0, 1] (or a ``CascadingInstance`` or dict
    of one state and one step, as in ``CascadingRL-v0``).

    ## Episode End

    ``terminated`` after ``num_rounds`` rounds; never ``truncated``.

    ## Info

    As in ``CascadingRL-v0``: at reset ``state``, ``h``, ``paper_episode``; at every
    step ``state`` (0), ``h`` (0), ``paper_episode`` (the round), ``examined``,
    ``click_position``, ``clicked_item``, ``next_state`` (0), ``episode_end`` (True),
    ``regret``; at the end ``metrics``: ``cumulative_regret`` (primary), ``realized_regret``, ``total_reward``,
    ``optimal_value`` (the best list's click probability), ``clicks``, ``click_rate``,
    ``num_episodes`` (= ``num_rounds``).

    ## Arguments

    - ``n_items`` (int >= 1, default 16): ``N``.
    - ``list_size`` (int in [1, n_items], default 4): ``m``.
    - ``num_rounds`` (int >= 1, default 10000): rounds per Gymnasium episode.
    - ``generator`` (``"gap"`` or ``"uniform"``, default ``"gap"``).
    - ``attraction`` (probability, default 0.2): the best items' attraction (``"gap"``).
    - ``gap`` (float in [0, attraction], default 0.15): how much less the others attract
      (``"gap"``).
    - ``repeated_items`` (``"refuse"`` or ``"stop"``, default ``"refuse"``): as in
      ``CascadingRL-v0``.
    - ``render_mode`` (None or ``"rgb_array"``): as in ``CascadingRL-v0``.

    ## Reference Agents

    ``optimal`` (the ``m`` most attractive items), ``cascade-ucb1`` and ``cascade-klucb``
    (Kveton et al. 2015), ``cascading-vi`` (its one-state case); also ``random``.

    ## Registered Configurations

    - ``CascadingBandit-v0``: the defaults above (N = 16, m = 4, p = 0.2, gap 0.15).

    ## Version History

    - v0: initial version.
    """

    leaderboard_configs = ({},)
    quick_kwargs = {"num_rounds": 500}
    bad_inputs = {"n_items": (0, 1.5), "list_size": (0, 17), "num_rounds": (0, "10"),
                  "generator": ("zipf",), "attraction": (-0.2, 1.1, None),
                  "gap": (-0.1, 0.5, None), "repeated_items": ("skip",),
                  "render_mode": ("human",)}

    def __init__(self, n_items: int = 16, list_size: int = 4, num_rounds: int = 10000,
                 generator: str = "gap", attraction: float = 0.2, gap: float = 0.15,
                 repeated_items: str = "refuse", render_mode: str | None = None):
        self.n_states, self.horizon = 1, 1
        self.n_items = check_int("n_items", n_items, low=1)
        self.list_size = check_int("list_size", list_size, low=1, high=self.n_items)
        self.num_rounds = self.num_episodes = check_int("num_rounds", num_rounds, low=1)
        self.generator = check_choice("generator", generator, BANDIT_GENERATORS)
        self.attraction = check_probability("attraction", attraction)
        self.gap = check_real("gap", gap, low=0.0, high=self.attraction)
        self.repeated_items = check_choice("repeated_items", repeated_items, REPEATED_ITEMS)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self._setup_spaces()

    def _bandit_instance(self, q: np.ndarray) -> CascadingInstance:
        n = self.n_items
        return CascadingInstance.from_arrays(q.reshape(1, n), np.ones((1, n)),
                                             np.ones((1, n + 1, 1)), self.list_size, 1, 0)

    def _generate(self, rng: np.random.Generator) -> CascadingInstance:
        if self.generator == "uniform":
            q = rng.uniform(0.0, 1.0, size=self.n_items)
        else:
            q = np.full(self.n_items, self.attraction - self.gap)
            q[rng.permutation(self.n_items)[:self.list_size]] = self.attraction
        return self._bandit_instance(q)

    def _coerce_instance(self, value: Any) -> CascadingInstance:
        if isinstance(value, (CascadingInstance, Mapping)):
            return super()._coerce_instance(value)
        from papergym.utils.checks import check_array

        q = check_array("attraction", value, shape=(self.n_items,), low=0.0, high=1.0)
        return self._bandit_instance(q)
