"""Routers for LLMRouting-v0 (Tryage, EllieSQL, Duo-LLM variants) and their baselines."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent

TRYAGE = ("Hari and Thomson, Tryage: Real-time, intelligent Routing of User Prompts to "
          "Large Language Models, arXiv 2308.11601")
BASELINES = ("the oracle and fixed-choice baselines of Tryage (arXiv 2308.11601), EllieSQL "
             "(arXiv 2503.22402) and Duo-LLM (arXiv 2410.10846)")


def _legal(info) -> np.ndarray:
    """The legal options' indices (np.flatnonzero without its wrappers: routers run per token)."""
    return np.asarray(info["action_mask"]).ravel().nonzero()[0]


class OracleRouter(Agent):
    """Knows every option's outcome on the current query (``model()``) and takes the best
    reward among legal options: Tryage's and EllieSQL's oracle router, Duo-LLM's oracle
    route search (exhaustive over all routes within the big-module budget)."""

    name = "route-oracle"
    paper = BASELINES
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.rewards = env_model.reward()
        self.t = 0

    def act(self, observation, info):
        legal = _legal(info)
        choice = int(legal[np.argmax(self.rewards[self.t, legal])])
        self.t += 1
        return choice


class AlwaysCheapestRouter(Agent):
    """Always the cheapest option: the smallest model, the basic pipeline, or the route
    that skips every layer (the first legal option: options are ordered cheapest first)."""

    name = "route-always-cheapest"
    paper = BASELINES

    def act(self, observation, info):
        return int(_legal(info)[0])


class AlwaysBestRouter(Agent):
    """Always the most capable option: the largest model, the advanced pipeline, or the
    route with the most big modules allowed (the last legal option)."""

    name = "route-always-best"
    paper = BASELINES

    def act(self, observation, info):
        return int(_legal(info)[-1])


class LinUCBRouter(Agent):
    """Disjoint LinUCB (Li et al., WWW 2010): a ridge regression of the reward on the
    query's features per option, played by its upper confidence bound ``alpha``."""

    name = "route-linucb"
    paper = "Li, Chu, Langford, Schapire, A contextual-bandit approach to personalized news recommendation, WWW 2010"

    def __init__(self, alpha: float = 0.5, ridge: float = 1.0):
        self.alpha = alpha
        self.ridge = ridge

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        n, d = len(info["action_mask"]), len(observation) + 1
        self.a_inv = np.broadcast_to(np.eye(d) / self.ridge, (n, d, d)).copy()
        self.b = np.zeros((n, d))

    def _x(self, observation) -> np.ndarray:
        return np.append(np.asarray(observation, dtype=float), 1.0)

    def scores(self, x: np.ndarray) -> np.ndarray:
        theta = np.einsum("kij,kj->ki", self.a_inv, self.b)
        width = np.sqrt(np.einsum("i,kij,j->k", x, self.a_inv, x))
        return theta @ x + self.alpha * width

    def act(self, observation, info):
        legal = _legal(info)
        x = self._x(observation)
        self.x = x
        return int(legal[np.argmax(self.scores(x)[legal])])

    def observe(self, action, reward, observation, terminated, truncated, info):
        a_inv, x = self.a_inv[action], self.x
        ax = a_inv @ x
        self.a_inv[action] = a_inv - np.outer(ax, ax) / (1.0 + x @ ax)   # Sherman-Morrison
        self.b[action] += reward * x


class ThompsonRouter(LinUCBRouter):
    """Linear Thompson sampling (Agrawal and Goyal, ICML 2013): each option's weights drawn
    from its Gaussian posterior (scale ``v``), the best draw played."""

    name = "route-thompson"
    paper = "Agrawal and Goyal, Thompson sampling for contextual bandits with linear payoffs, ICML 2013"

    def __init__(self, v: float = 0.3, ridge: float = 1.0):
        self.v = v
        self.ridge = ridge

    def act(self, observation, info):
        legal = _legal(info)
        x = self._x(observation)
        self.x = x
        theta = np.einsum("kij,kj->ki", self.a_inv, self.b)
        mean = theta @ x
        std = self.v * np.sqrt(np.einsum("i,kij,j->k", x, self.a_inv, x))
        draw = mean + std * self.rng.standard_normal(len(mean))
        return int(legal[np.argmax(draw[legal])])


class PredictiveRouter(Agent):
    """Tryage's perceptive router: predict every option's quality from the query's
    features, then choose ``argmax predicted quality - lam * cost`` (Tryage's objective with
    the user's flag weight). The predictor is a ridge regression per option, fitted on
    ``training_queries`` queries labelled with every option's outcome, drawn from the same
    generative model as the env's under its own seed (Tryage trains its router offline on
    prompts labelled with every model's loss; EllieSQL's classifier routers likewise)."""

    name = "route-predictive"
    paper = TRYAGE

    #: fitted predictors by (settings, training size, ridge): every seed's copy shares them
    _FITTED: dict[tuple, dict] = {}

    def __init__(self, training_queries: int = 2000, ridge: float = 1e-2):
        self.training_queries = training_queries
        self.ridge = ridge

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        key = (info["variant"], info["lam"], info["estimate_noise"], info["big_budget"],
               self.training_queries, self.ridge)
        if key not in self._FITTED:
            self._FITTED[key] = self._fit(key)
        self._fitted = self._FITTED[key]

    def _fit(self, key) -> dict:
        from papergym.envs.serving.routing import LLMRoutingEnv

        variant, lam, noise, budget = key[:4]
        env = LLMRoutingEnv(variant=variant, num_queries=self.training_queries, lam=lam,
                            estimate_noise=noise, big_budget=budget)
        env.reset(seed=2**31 - 1)                    # a training set of its own
        data = env.unwrapped.model()
        x = np.column_stack([data.features, np.ones(len(data.features))])
        gram = x.T @ x + self.ridge * np.eye(x.shape[1])
        weights = np.linalg.solve(gram, x.T @ data.quality)       # (d, options)
        return {"weights": weights, "lam": lam, "cost": data.cost.mean(axis=0)}

    def act(self, observation, info):
        legal = _legal(info)
        fitted = self._fitted
        x = np.append(np.asarray(observation, dtype=float), 1.0)
        value = x @ fitted["weights"] - fitted["lam"] * fitted["cost"]
        return int(legal[np.argmax(value[legal])])
