"""ExpertOffloading-v0: ExpertFlow's statements on our synthetic traces."""

from __future__ import annotations

import numpy as np
import pytest

import papergym
from papergym.envs.serving.experts import sample_trace

AGENTS = {False: ["expert-lru", "expert-static-frequent", "expert-predictive", "expert-oracle",
                  "random"],
          True: ["expert-lru-regroup", "expert-predictive-regroup", "random"]}


def mean_metric(agent: str, key: str, **kwargs) -> float:
    runs = papergym.run("ExpertOffloading-v0", agent, seeds=3, num_tokens=512, **kwargs)
    return float(np.mean([r.metrics[key] for r in runs]))


def test_trace_routes_are_distinct_top_k_and_predictions_have_the_accuracy():
    trace = sample_trace(np.random.default_rng(0), num_tokens=2000, layers=4, experts=16,
                         top_k=2, topics=4, concentration=0.2, streams=4, mean_sequence=32,
                         accuracy=0.7)
    assert trace.routes.shape == (2000, 4, 2)
    assert (trace.routes[..., 0] != trace.routes[..., 1]).all()
    assert (trace.predicted[..., 0] != trace.predicted[..., 1]).all()
    kept = (trace.routes == trace.predicted).mean()
    assert kept == pytest.approx(0.7, abs=0.03)


@pytest.mark.parametrize("regroup", [False, True])
def test_the_oracle_bounds_every_agent(regroup):
    for agent in AGENTS[regroup]:
        runs = papergym.run("ExpertOffloading-v0", agent, seeds=2, num_tokens=256,
                            regroup=regroup)
        for r in runs:
            assert r.metrics["hit_ratio"] <= r.metrics["oracle_hit_ratio"] + 1e-12, agent
    oracle = papergym.run("ExpertOffloading-v0", "expert-oracle", seeds=2, num_tokens=256)
    for r in oracle:
        assert r.metrics["hit_ratio"] == pytest.approx(r.metrics["oracle_hit_ratio"])


def test_better_prediction_raises_hits_and_cuts_stalls():
    low = {k: mean_metric("expert-predictive", k, predictor_accuracy=0.5)
           for k in ("hit_ratio", "stall_ms")}
    high = {k: mean_metric("expert-predictive", k, predictor_accuracy=0.95)
            for k in ("hit_ratio", "stall_ms")}
    assert high["hit_ratio"] > low["hit_ratio"] + 0.03
    assert high["stall_ms"] < low["stall_ms"]


def test_regrouping_raises_hits_and_cuts_stalls():
    fifo = {k: mean_metric("expert-predictive", k, predictor_accuracy=0.95)
            for k in ("hit_ratio", "stall_ms")}
    grouped = {k: mean_metric("expert-predictive-regroup", k, predictor_accuracy=0.95,
                              regroup=True) for k in ("hit_ratio", "stall_ms")}
    assert grouped["hit_ratio"] > fifo["hit_ratio"]
    assert grouped["stall_ms"] < fifo["stall_ms"]


def test_predictive_cache_beats_lru_on_hits():
    assert mean_metric("expert-predictive", "hit_ratio", predictor_accuracy=0.95) > \
        mean_metric("expert-lru", "hit_ratio")


def test_every_token_is_served_once_and_nobody_starves():
    runs = papergym.run("ExpertOffloading-v0", "expert-predictive-regroup", seeds=1,
                        num_tokens=512, regroup=True)
    m = runs[0].metrics
    assert m["mean_wait"] < 64                # the oldest token always joins the batch
    assert runs[0].metrics["episode_length"] == 512 / 16


def test_replayed_trace_with_expert_ids_out_of_range_is_refused():
    import dataclasses

    import gymnasium as gym

    env = gym.make("ExpertOffloading-v0", num_tokens=64)
    env.reset(seed=0)
    trace = env.unwrapped.model()
    env.reset(options={"instance": trace})                  # its own trace replays
    for name, bad in (("routes", 16), ("predicted", -1)):
        ids = getattr(trace, name).copy()
        ids[3, 1, 0] = bad
        with pytest.raises(ValueError, match=f"instance.*{name}"):
            env.reset(options={"instance": dataclasses.replace(trace, **{name: ids})})
