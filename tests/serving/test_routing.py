"""LLMRouting-v0 variants: the statements of Tryage, EllieSQL and Duo-LLM on our models."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction

import papergym
from papergym.envs.serving.routing import duo_routes, token_elasticity


def metrics(env_id: str, agent: str, seeds: int = 2, **kwargs) -> dict[str, float]:
    runs = papergym.run(env_id, agent, seeds=seeds, **kwargs)
    return {k: float(np.mean([r.metrics[k] for r in runs])) for k in runs[0].metrics}


def test_token_elasticity():
    assert token_elasticity(0.9, 2000, 0.6, 1000) == pytest.approx(0.5 / 1.0)
    assert token_elasticity(0.66, 1100, 0.6, 1000) == pytest.approx(1.0)
    assert token_elasticity(0.9, 900, 0.6, 1000) == 0.0   # fewer tokens: no elasticity


def test_elliesql_oracle_has_the_best_tep_and_always_advanced_the_most_tokens():
    agents = ["route-oracle", "route-always-best", "route-always-cheapest", "route-linucb",
              "route-predictive", "random"]
    results = {a: metrics("LLMRoutingSQL-v0", a, num_queries=400) for a in agents}
    tep = {a: m["tep"] for a, m in results.items()}
    assert max(tep, key=tep.get) == "route-oracle"
    tokens = {a: m["tokens_per_query"] for a, m in results.items()}
    assert max(tokens, key=tokens.get) == "route-always-best"
    # EllieSQL's abstract: routing keeps accuracy at far fewer tokens than always-advanced
    oracle, best = results["route-oracle"], results["route-always-best"]
    assert oracle["execution_accuracy"] >= best["execution_accuracy"] - 0.01
    assert oracle["tokens_per_query"] < 0.6 * best["tokens_per_query"]


def test_raising_lambda_lowers_mean_cost_monotonically():
    costs = [metrics("LLMRouting-v0", "route-oracle", lam=lam, num_queries=300)["mean_size_b"]
             for lam in (0.0, 0.2, 0.5, 1.0, 3.0)]
    assert all(a >= b for a, b in zip(costs, costs[1:])) and costs[0] > costs[-1]


def test_tryage_zero_lambda_picks_the_lowest_loss_model():
    env = gym.make("LLMRouting-v0", lam=0.0, num_queries=200)
    env.reset(seed=0)
    inst = env.unwrapped.model()
    m = metrics("LLMRouting-v0", "route-oracle", seeds=1, lam=0.0, num_queries=200)
    assert m["mean_loss"] == pytest.approx(float((-inst.quality).min(axis=1).mean()))


def test_learned_routers_beat_the_trivial_ones():
    for env_id in ("LLMRouting-v0", "LLMRoutingSQL-v0"):
        predictive = metrics(env_id, "route-predictive", num_queries=400)["objective"]
        cheapest = metrics(env_id, "route-always-cheapest", num_queries=400)["objective"]
        rand = metrics(env_id, "random", num_queries=400)["objective"]
        assert predictive > max(cheapest, rand), env_id
    assert metrics("LLMRouting-v0", "route-linucb", num_queries=500)["objective"] > \
        metrics("LLMRouting-v0", "random", num_queries=500)["objective"]


def test_duo_oracle_beats_best_of_random_which_beats_the_mean_route():
    env = gym.make("LLMRoutingDuo-v0", num_queries=500)
    env.reset(seed=3)
    loss = -env.unwrapped.model().quality                       # (tokens, routes)
    oracle = loss.min(axis=1).mean()
    rng = np.random.default_rng(0)
    best_of_100 = loss[np.arange(len(loss))[:, None],
                       rng.integers(loss.shape[1], size=(len(loss), 100))].min(axis=1).mean()
    assert oracle <= best_of_100 <= loss.mean()


def test_duo_one_oracle_big_layer_beats_all_big():
    routes = duo_routes(4)
    all_big = int(np.flatnonzero((routes == 2).all(axis=1))[0])
    one_big = metrics("LLMRoutingDuo-v0", "route-oracle", big_budget=1, num_queries=300)
    env = gym.make("LLMRoutingDuo-v0", num_queries=300)
    losses = []
    for seed in (0, 1):
        env.reset(seed=seed)
        losses.append(-env.unwrapped.model().quality[:, all_big].mean())
    assert one_big["mean_loss"] < np.mean(losses)
    assert one_big["big_modules"] <= 1


def test_duo_budget_masks_routes():
    env = gym.make("LLMRoutingDuo-v0", big_budget=1, num_queries=5)
    _, info = env.reset(seed=0)
    routes = env.unwrapped.routes
    assert (info["action_mask"] == ((routes == 2).sum(axis=1) <= 1)).all()
    over = int(np.flatnonzero(info["action_mask"] == 0)[0])
    with pytest.raises(InvalidAction, match="big_budget"):
        env.unwrapped.step(over)
