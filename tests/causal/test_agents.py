"""The causal-bandit agents: each runs and respects the env's limits, bad arguments are
refused, CSL-UCB's batched index equals the paper's per-action formula, and the Theorem 1
width covers the estimation error."""

from __future__ import annotations

import numpy as np
import pytest

import papergym
from papergym.agents.base import agents_for, make_agent, why_not_applicable
from papergym.agents.causal import ucb_widths
from papergym.agents.causal.structure import is_acyclic, least_squares
from papergym.envs.causal.sem import (
    all_action_bits,
    draw_instance_weights,
    expected_rewards,
    intervened,
    sample_nodes,
)

SMALL = {"n_nodes": 4, "horizon": 120}


@pytest.mark.parametrize("agent", ["oracle", "csl-ucb", "ucb", "linsem-ts", "random"])
@pytest.mark.parametrize("action_format", ["multibinary", "discrete"])
def test_agents_respect_the_intervention_limit(agent, action_format):
    if agent == "random" and action_format == "multibinary":
        pytest.skip("a MultiBinary mask cannot express a cardinality limit: the built-in "
                    "random agent is mask-aware only in the discrete format")
    # an illegal intervention would raise InvalidAction inside the run
    results = papergym.run("CausalBandit-v0", agent, seeds=[0], max_interventions=2,
                           action_format=action_format, **SMALL)
    metrics = results[0].metrics
    assert metrics["cumulative_regret"] >= 0.0
    if agent == "oracle":
        assert metrics["cumulative_regret"] == 0.0


def test_oracle_follows_the_changes():
    results = papergym.run("CausalBanditDrift-v0", "oracle", seeds=[0, 1], n_nodes=5,
                           horizon=90)
    assert all(r.metrics["cumulative_regret"] == 0.0 for r in results)


def test_golem_mab_runs_and_commits():
    results = papergym.run("CausalBandit-v0", "golem-mab", seeds=[0], n_nodes=4, horizon=200)
    assert results[0].metrics["final_optimal_share"] in (0.0, 1.0)  # one committed action


def test_reference_agents_and_applicability():
    assert set(agents_for("CausalBandit-v0", reference_only=True)) == \
        {"oracle", "csl-ucb", "ucb", "linsem-ts"}
    assert set(agents_for("CausalBanditDrift-v0", reference_only=True)) == \
        {"oracle", "csl-ucb", "causal-sw-ucb", "linsem-ts"}
    assert "max_interventions" in why_not_applicable("golem-mab", "CausalBandit-v0",
                                                      {"max_interventions": 3})


@pytest.mark.parametrize("name, kwargs, match", [
    ("csl-ucb", {"delta": 0.0}, "delta"), ("csl-ucb", {"n_max": 5}, "n_max"),
    ("csl-ucb", {"detect_changes": "yes"}, "detect_changes"),
    ("ucb", {"window": 0}, "window"), ("ucb", {"coef": -1.0}, "coef"),
    ("golem-mab", {"n_learn": 1}, "n_learn"), ("linsem-ts", {"variance": 0.0}, "variance"),
])
def test_bad_agent_arguments(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_agent(name, **kwargs)


def test_same_seed_same_run():
    a = papergym.run("CausalBandit-v0", "csl-ucb", seeds=[3], **SMALL)[0].metrics
    b = papergym.run("CausalBandit-v0", "csl-ucb", seeds=[3], **SMALL)[0].metrics
    assert a == b


def _naive_width(bits, b_hat, bp_hat, nu, node_terms, delta):
    n = len(bits)
    b_a = intervened(bits, b_hat, bp_hat)
    flow = np.linalg.inv(np.eye(n) - b_a)
    mu = flow.T @ nu
    terms = sum(node_terms[int(bits[i]), i] for i in range(n))
    return mu[-1], (np.linalg.norm(flow[:, -1]) * np.linalg.norm(mu)
                    * np.sqrt(4 * np.log(2 * n / delta) * terms))


def test_batched_index_equals_the_per_action_formula():
    rng = np.random.default_rng(0)
    b, bp = draw_instance_weights(rng, 6)
    b = b + np.tril(rng.normal(scale=0.05, size=(6, 6)), -1)  # learned graphs need no order
    terms = rng.uniform(0.0, 0.1, size=(2, 6))
    nu = np.ones(6)
    mu, width = ucb_widths(all_action_bits(6), b, bp, nu, terms, 0.05)
    for k in (0, 7, 33, 63):
        m, w = _naive_width(all_action_bits(6)[k], b, bp, nu, terms, 0.05)
        assert mu[k] == pytest.approx(m) and width[k] == pytest.approx(w)


def _fit_true_parents(rng, b, bp, rounds):
    """Least squares on the true parents from random interventions, as in Theorem 1's
    'no causal error' assumption; returns estimates and the per-node width terms."""
    n = b.shape[0]
    bits = rng.random((rounds, n)) < 0.5
    x = sample_nodes(intervened(bits, b, bp), 1.0 + rng.standard_normal((rounds, n)))
    est = np.zeros((2, n, n))
    terms = np.zeros((2, n))
    for m, w in ((0, b), (1, bp)):
        for i in range(n):
            rows = x[bits[:, i] == m]
            parents = np.flatnonzero(w[:, i])
            weights, residual = least_squares(rows[:, parents], rows[:, i] - 1.0)
            est[m, parents, i] = weights
            if parents.size:
                var = residual @ residual / (len(rows) - parents.size)
                lam = np.linalg.eigvalsh(rows[:, parents].T @ rows[:, parents])[0]
                p = parents.size
                terms[m, i] = np.sqrt(p * (p + 2)) * var / lam
    return est, terms


def test_theorem1_width_covers_the_reward_error_and_shrinks():
    rng = np.random.default_rng(1)
    covered, total, shrink = 0, 0, []
    for _ in range(8):
        b, bp = draw_instance_weights(rng, 5)
        truth = expected_rewards(all_action_bits(5), b, bp, np.ones(5))
        widths = []
        for rounds in (200, 1600):
            est, terms = _fit_true_parents(rng, b, bp, rounds)
            mu, width = ucb_widths(all_action_bits(5), est[0], est[1], np.ones(5), terms, 0.05)
            if rounds == 200:
                covered += int(np.sum(np.abs(mu - truth) <= width))
                total += truth.size
            widths.append(np.median(width))
        shrink.append(widths[1] / widths[0])
    assert covered / total >= 0.95          # P(|error| >= U) <= delta = 0.05 per action
    assert np.median(shrink) < 0.6          # ~ 1/sqrt(8) = 0.35 expected


def test_is_acyclic():
    assert is_acyclic(np.triu(np.ones((4, 4)), 1))
    cyc = np.zeros((3, 3))
    cyc[0, 1] = cyc[1, 2] = cyc[2, 0] = 1
    assert not is_acyclic(cyc)


def test_golem_mab_global_change_test():
    """The authors' det_change_all: silent on the committed model's own samples, fires on
    a shifted SEM."""
    from papergym.agents.causal import GolemMABAgent

    agent = GolemMABAgent()
    rng = np.random.default_rng(0)
    mean, cov = np.ones(4), np.eye(4) + 0.3
    agent._model_mean, agent._model_cov = mean, cov
    agent._samples = list(rng.multivariate_normal(mean, cov, size=20))
    assert not agent._changed()
    agent._samples = list(rng.multivariate_normal(mean + 30.0, cov, size=20))
    assert agent._changed()


@pytest.mark.parametrize("seed", [2])
def test_csl_ucb_detects_each_change_soon_and_not_before(seed):
    """Measured (N = 5, T = 900, changes at 300 and 600): first flags at 303/603 (seed 0)
    and 360/601 (seed 2); none before the first change."""
    from papergym.agents.causal.experiment import regret_trace

    agent = make_agent("csl-ucb")
    flags = []
    detect = agent._detect_changes

    def recording(x):
        before = agent._learn.copy()
        detect(x)
        if (agent._learn & ~before).any():
            flags.append(agent.t)

    agent._detect_changes = recording
    regret_trace("CausalBanditDrift-v0", agent, seed, n_nodes=5, horizon=900)
    assert flags and min(flags) >= 300
    for change in (300, 600):
        assert any(change <= f < change + 100 for f in flags), flags
