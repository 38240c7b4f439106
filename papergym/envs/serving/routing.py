"""LLMRouting-v0 and its variants: send each query to a model, a pipeline or a route."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.serving.route_models import (
    DOMAINS,
    ELLIE_SLOPE,
    ELLIE_TIERS,
    TRYAGE_MODELS,
    DuoNet,
    load_duo_net,
    sigmoid,
    tryage_losses,
)
from papergym.utils.checks import (
    check_choice,
    check_int,
    check_options,
    check_real,
    check_render_mode,
)

__all__ = ["LLMRoutingEnv", "RoutingInstance"]

VARIANTS = ("tryage", "elliesql", "duo")
OPTION_KEYS = ("instance",)


@dataclass(frozen=True)
class RoutingInstance:
    """One episode's queries and every option's true outcome (what ``model()`` returns).

    ``features`` (n, f) is what the router sees; ``quality`` and ``cost`` (n, options) are
    each option's realised quality and cost on each query; ``expected_quality`` (n,
    options) the generative model's expectation (for TEP); ``budget_ok`` (options,) marks
    options inside the variant's budget (Duo-LLM's big-module budget)."""

    variant: str
    features: np.ndarray
    quality: np.ndarray
    cost: np.ndarray
    expected_quality: np.ndarray
    lam: float

    def __post_init__(self):
        for array in (self.features, self.quality, self.cost, self.expected_quality):
            array.setflags(write=False)

    def reward(self) -> np.ndarray:
        """Every option's reward on every query: quality - lam * cost."""
        return self.quality - self.lam * self.cost


def duo_routes(layers: int) -> np.ndarray:
    """All 3^layers routes, one row each (0 skip, 1 small, 2 big), in lexicographic order."""
    grids = np.meshgrid(*([np.arange(3)] * layers), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


class LLMRoutingEnv(PaperEnv):
    """
    ## Description

    Routing queries among language models trades quality for cost. Three papers, three
    variants (``variant``), each a synthetic stand-in whose generative model is ours
    (``papergym.envs.serving.route_models``; docs/serving.md ties each test to a statement of
    the paper's abstract):

    - ``"tryage"``: Tryage ("Tryage: Real-time, intelligent Routing of User Prompts to
      Large Language Models", Hari and Thomson, arXiv 2308.11601) routes each prompt to one
      of a library of models, minimising predicted loss plus weighted user flags; here six
      models of 0.1B to 70B parameters, four domains, and the size flag:
      reward = -loss - ``lam`` * size / 70B.
    - ``"elliesql"``: EllieSQL (arXiv 2503.22402) routes each Text-to-SQL query to a
      basic, intermediate or advanced pipeline by estimated complexity; reward =
      correct - ``lam`` * tokens / 10,000, and the episode reports its Token Elasticity of
      Performance against always-basic.
    - ``"duo"``: Duo-LLM (arXiv 2410.10846) routes every token through each of the
      ``layers`` feed-forward slots of a network to a big module, a small module or a skip;
      here a tiny trained network on a regression task; the action is a whole route,
      reward = -loss - ``lam`` * big modules used, and routes with more big modules than
      ``big_budget`` are infeasible.

    ## Action Space

    ``Discrete(n)``: the model (tryage, n = 6), the pipeline (elliesql, n = 3: basic,
    intermediate, advanced) or the route (duo, n = 3^layers, ``env.unwrapped.routes``).
    Infeasible routes (duo, over ``big_budget``) are masked in ``info["action_mask"]`` and
    ``action_masks()``, and raise ``gymnasium.error.InvalidAction``.

    ## Observation Space

    ``Box(-inf, inf, (f,), float32)``: tryage: a noisy difficulty estimate and the domain
    one-hot (f = 5); elliesql: a noisy complexity estimate and the question's length,
    tables and joins, scaled (f = 4); duo: the token's input vector (f = 8).

    ## Rewards

    quality - ``lam`` * cost of the chosen option on the current query (see Description).

    ## Starting State

    ``num_queries`` fresh queries and every option's outcome on them, drawn from
    ``self.np_random``; ``reset(options={"instance": RoutingInstance})`` replays one.

    ## Episode End

    ``terminated`` after ``num_queries`` queries. Never truncated.

    ## Info

    At reset: ``action_mask`` and the problem's settings ``variant``, ``lam``,
    ``estimate_noise``, ``big_budget`` (what a router is told). Each step: ``quality``, ``cost`` of the chosen option, ``regret`` (the best option's
    reward minus the chosen one's), ``action_mask``. At the end ``metrics``: ``objective``
    (mean reward), ``mean_quality``, ``mean_cost``, ``best_choice_rate`` (share of queries
    routed to a best option), and per variant: ``tep`` and ``execution_accuracy`` and
    ``tokens_per_query`` (elliesql), ``mean_loss`` (tryage, duo), ``mean_size_b`` (tryage),
    ``big_modules`` (duo, per token).

    ## Arguments

    - ``variant`` (str, ``"tryage"``): ``"tryage"``, ``"elliesql"`` or ``"duo"``.
    - ``num_queries`` (int, 500, in [1, 10^6]): queries (tokens, for duo) per episode.
    - ``lam`` (float, 0.5, >= 0): the cost weight (Tryage's flag weight lambda).
    - ``estimate_noise`` (float, 0.15, >= 0): std of the noise on the difficulty
      estimate the router sees (tryage, elliesql).
    - ``big_budget`` (int or None, None): duo only, the most big modules a route may use
      (None: no limit).
    - ``render_mode`` (None): nothing to render.

    ## Reference Agents

    ``route-oracle`` (reads every option's outcome through ``model()``),
    ``route-always-cheapest``, ``route-always-best``, ``route-linucb``; also
    ``route-thompson``, ``route-classifier`` (a difficulty classifier trained on samples of
    the generative model) and ``random``.

    ## Registered Configurations

    - ``LLMRouting-v0``: ``variant="tryage"``.
    - ``LLMRoutingSQL-v0``: ``variant="elliesql"``.
    - ``LLMRoutingDuo-v0``: ``variant="duo"``, ``lam=0.0``.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "objective"
    higher_is_better = True
    quick_kwargs = {"num_queries": 100}
    bad_inputs = {"variant": ("gpt",), "num_queries": (0, 1.5), "lam": (-0.1, "x"),
                  "estimate_noise": (-1.0,), "big_budget": (-1, 2.5), "render_mode": ("human",)}
    speed_target = 0.05
    speed_target_reason = ("a step is a few numpy reads (~1x CartPole for tryage and elliesql); "
                           "a duo reset runs all 81 routes of every token, ~0.1x amortised")

    def __init__(self, variant: str = "tryage", num_queries: int = 500, lam: float = 0.5,
                 estimate_noise: float = 0.15, big_budget: int | None = None,
                 render_mode: str | None = None):
        self.variant = check_choice("variant", variant, VARIANTS)
        self.num_queries = check_int("num_queries", num_queries, low=1, high=10**6)
        self.lam = check_real("lam", lam, low=0.0)
        self.estimate_noise = check_real("estimate_noise", estimate_noise, low=0.0)
        self.big_budget = None if big_budget is None else check_int("big_budget", big_budget,
                                                                     low=0)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        if self.variant == "tryage":
            n_options, n_features = len(TRYAGE_MODELS), 1 + len(DOMAINS)
        elif self.variant == "elliesql":
            n_options, n_features = len(ELLIE_TIERS), 4
        else:
            self.net: DuoNet = load_duo_net()
            self.routes = duo_routes(self.net.layers)
            n_options, n_features = len(self.routes), self.net.w_in.shape[0]
        big = (self.routes == 2).sum(axis=1) if self.variant == "duo" else np.zeros(n_options)
        self._mask = (big <= (np.inf if self.big_budget is None else self.big_budget)
                      ).astype(np.int8)
        self.action_space = gym.spaces.Discrete(n_options)
        self._n_options, self._legal = n_options, self._mask.astype(bool).tolist()
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (n_features,), np.float32)
        self._t: int | None = None

    # ------------------------------------------------------------------ instances
    def _sample(self, rng: np.random.Generator) -> RoutingInstance:
        n = self.num_queries
        if self.variant == "tryage":
            difficulty = rng.beta(2.0, 2.0, n)
            domain = rng.integers(len(DOMAINS), size=n)
            losses = tryage_losses(difficulty, domain, 0.1 * rng.standard_normal(
                (n, len(TRYAGE_MODELS))))
            expected = -tryage_losses(difficulty, domain, 0.0)
            estimate = difficulty + self.estimate_noise * rng.standard_normal(n)
            features = np.column_stack([estimate, np.eye(len(DOMAINS))[domain]])
            sizes = np.array([m[1] for m in TRYAGE_MODELS])
            cost = np.broadcast_to(sizes / sizes.max(), (n, len(sizes))).copy()
            return RoutingInstance("tryage", features, -losses, cost, expected, self.lam)
        if self.variant == "elliesql":
            difficulty = rng.beta(1.5, 2.5, n)
            skills = np.array([t[1] for t in ELLIE_TIERS])
            base_tokens = np.array([t[2] for t in ELLIE_TIERS])
            p = sigmoid(skills[None, :] - ELLIE_SLOPE * difficulty[:, None])
            # one latent draw per query: a harder pipeline that fails implies the easier fail
            u = rng.random((n, 1))
            correct = (u < p).astype(float)
            tokens = base_tokens[None, :] * (1 + difficulty[:, None]) * np.exp(
                0.2 * rng.standard_normal((n, len(ELLIE_TIERS))))
            estimate = difficulty + self.estimate_noise * rng.standard_normal(n)
            length = 0.3 + 0.7 * difficulty + 0.1 * rng.standard_normal(n)
            tables = np.rint(1 + 4 * difficulty + rng.normal(0, 0.5, n)) / 5
            joins = np.rint(3 * difficulty + rng.normal(0, 0.5, n)).clip(0) / 3
            features = np.column_stack([estimate, length, tables, joins])
            return RoutingInstance("elliesql", features, correct, tokens / 10_000.0, p,
                                   self.lam)
        x = rng.standard_normal((n, self.net.w_in.shape[0]))
        k = len(self.routes)                         # every route of every token, one pass
        losses = self.net.loss(np.tile(x, (k, 1)), np.repeat(self.routes, n, axis=0))
        losses = losses.reshape(k, n).T
        big = (self.routes == 2).sum(axis=1).astype(float)
        cost = np.broadcast_to(big, (n, len(big))).copy()
        return RoutingInstance("duo", x, -losses, cost, -losses, self.lam)

    def action_masks(self) -> np.ndarray:
        return self._mask.copy()

    def _observation(self) -> np.ndarray:
        t = min(self._t, self.num_queries - 1)
        return self._features32[t].copy()        # a fresh array: callers may write to it

    # ------------------------------------------------------------------ API
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = check_options(options, OPTION_KEYS, type(self).__name__)
        instance = (options or {}).get("instance")
        if instance is None:
            instance = self._sample(self.np_random)
        elif not isinstance(instance, RoutingInstance) or instance.variant != self.variant \
                or instance.quality.shape != (self.num_queries, self.action_space.n):
            raise ValueError(f"options['instance'] must be a RoutingInstance of variant "
                             f"{self.variant!r} with {self.num_queries} queries")
        self._model = instance
        rewards = instance.reward()
        # per-episode arrays the hot step only reads (issue 19: >= 10^5 steps/s)
        self._best = np.where(self._mask[None, :] == 1, rewards, -np.inf).max(axis=1).tolist()
        self._features32 = instance.features.astype(np.float32)
        self._t = 0
        self._log = {"reward": 0.0, "quality": 0.0, "cost": 0.0, "best": 0, "big": 0.0}
        self._chosen = np.zeros(self.num_queries, dtype=np.int64)
        return self._observation(), {"action_mask": self.action_masks(), **self._config()}

    def _config(self) -> dict:
        """The routing problem's public settings (the user's flag weight, the variant)."""
        return {"variant": self.variant, "lam": self.lam, "estimate_noise": self.estimate_noise,
                "big_budget": self.big_budget}

    def step(self, action):
        if self._t is None or self._t >= self.num_queries:
            raise ResetNeeded("step() before reset() or after the episode ended")
        # fast path: a plain or int64 integer in range is what Discrete.contains accepts
        if not ((type(action) is int or type(action) is np.int64)
                and 0 <= action < self._n_options):
            if isinstance(action, (bool, np.bool_)) or not self.action_space.contains(action):
                raise InvalidAction(f"action must be an option in [0, {self.action_space.n}), "
                                    f"got {action!r}")
        action = int(action)
        if not self._legal[action]:
            raise InvalidAction(f"route {self.routes[action].tolist()} uses more than "
                                f"big_budget={self.big_budget} big modules")
        t, inst = self._t, self._model
        quality, cost = inst.quality.item(t, action), inst.cost.item(t, action)
        reward = quality - self.lam * cost
        regret = self._best[t] - reward
        log = self._log
        log["reward"] += reward
        log["quality"] += quality
        log["cost"] += cost
        log["best"] += regret <= 1e-12
        self._chosen[t] = action
        self._t = t = t + 1
        terminated = t >= self.num_queries
        info = {"quality": quality, "cost": cost, "regret": regret,
                "action_mask": self._mask.copy()}
        if terminated:
            info["metrics"] = self._metrics()
            t -= 1                                   # the last query's features again
        return self._features32[t].copy(), reward, terminated, False, info

    def _metrics(self) -> dict[str, float]:
        n, log, inst = self.num_queries, self._log, self._model
        metrics = {"objective": log["reward"] / n, "mean_quality": log["quality"] / n,
                   "mean_cost": log["cost"] / n, "best_choice_rate": log["best"] / n}
        rows = np.arange(n)
        if self.variant == "tryage":
            sizes = np.array([m[1] for m in TRYAGE_MODELS])
            metrics["mean_loss"] = -metrics["mean_quality"]
            metrics["mean_size_b"] = float(sizes[self._chosen].mean())
        elif self.variant == "elliesql":
            ex = float(inst.quality[rows, self._chosen].mean())
            tokens = float(inst.cost[rows, self._chosen].mean()) * 10_000
            metrics["execution_accuracy"] = ex
            metrics["tokens_per_query"] = tokens
            metrics["tep"] = token_elasticity(ex, tokens, float(inst.quality[:, 0].mean()),
                                              float(inst.cost[:, 0].mean()) * 10_000)
        else:
            metrics["mean_loss"] = -metrics["mean_quality"]
            metrics["big_modules"] = float((self.routes[self._chosen] == 2).sum(axis=1).mean())
        return metrics


def token_elasticity(ex: float, tokens: float, ex_ref: float, tokens_ref: float) -> float:
    """EllieSQL's Token Elasticity of Performance against a reference (always-basic):
    (relative execution-accuracy gain) / (relative token increase). 0 when the tokens do not
    grow (no elasticity to measure); our reading of the paper's definition (docs/serving.md)."""
    if tokens <= tokens_ref or ex_ref <= 0:
        return 0.0
    return ((ex - ex_ref) / ex_ref) / ((tokens - tokens_ref) / tokens_ref)
