"""The paper's checkable claims (Prajapat et al., ICLR 2024, arXiv 2307.13372), measured.

Fast versions run on small grids; the paper-size runs are marked slow."""

from __future__ import annotations

import math

import numpy as np
import pytest

import papergym
from papergym.agents.submodular._pg import PGConfig, PolicyGradientTrainer
from papergym.envs.submodular.coverage import SubmodularCoverageEnv
from papergym.envs.submodular.planners import exhaustive_optimum, mean_revisit_rate

SEEDS = range(5)


def trained(problem, seed, **config):
    trainer = PolicyGradientTrainer(problem, PGConfig(**config), seed=seed)
    trainer.train()
    batch = trainer.rollout(200, np.random.default_rng(10_000 + seed))
    return float(batch.values.mean()), mean_revisit_rate(batch.cells), trainer


def instance(**kwargs):
    env = SubmodularCoverageEnv(**kwargs)
    env.reset(seed=0)
    return env.model()


@pytest.mark.parametrize("weights", ["bimodal", "constant"])
def test_subpo_beats_the_modular_policy_gradient(weights):
    """SubPO's F is higher than that of the same policy trained on the modular reward, on
    every one of 5 seeds, and the modular agent revisits more (it keeps to high-weight
    cells)."""
    problem = instance(shape=(12, 12), horizon=20, weights=weights)
    budget = {"batch_size": 100, "epochs": 30}
    for seed in SEEDS:
        f_sub, rev_sub, _ = trained(problem, seed, reward="marginal", **budget)
        f_mod, rev_mod, _ = trained(problem, seed, reward="modular", **budget)
        assert f_sub > 1.2 * f_mod, (seed, f_sub, f_mod)
        assert rev_mod > rev_sub + 0.1, (seed, rev_sub, rev_mod)


BANDIT_CASES = [
    ("coverage-gp, one step", {"shape": (5, 5), "horizon": 2, "weights": "gp", "start": 12}),
    ("coverage-density, 4 steps", {"shape": (5, 5), "horizon": 5, "weights": "density",
                                   "start": 6}),
    ("information, 4 steps", {"shape": (5, 5), "horizon": 5, "objective": "information",
                              "gp_lengthscale": 2.0, "start": 12}),
    ("items, 5 steps", {"shape": (4, 4), "horizon": 6, "objective": "items",
                        "item_counts": (4, 4, 3), "capacities": (1, 2, 2), "start": 5}),
]


@pytest.mark.parametrize("case, kwargs", BANDIT_CASES, ids=[c[0] for c in BANDIT_CASES])
def test_subpo_reaches_one_minus_one_over_e_of_the_optimum(case, kwargs):
    """On small, deterministic (epsilon = 0 bandit-like) instances SubPO's sampled
    trajectories reach at least (1 - 1/e) of the exhaustive optimum, on every seed."""
    for seed in range(3):
        env = SubmodularCoverageEnv(**kwargs)
        env.reset(seed=seed)
        problem = env.model()
        opt, _ = exhaustive_optimum(problem)
        value, _, _ = trained(problem, seed, batch_size=100, epochs=30)
        assert value >= (1 - 1 / math.e) * opt, (case, seed, value, opt)


def test_exhaustive_optimum_is_the_best_of_every_action_sequence():
    problem = instance(shape=(4, 4), horizon=4, weights="bimodal", start=5)
    best = 0.0
    for code in range(5 ** 3):
        cell, cells = problem.start, [problem.start]
        for _ in range(3):
            code, a = divmod(code, 5)
            cell = int(problem.geometry.next_cell[cell, a])
            cells.append(cell)
        best = max(best, problem.value(cells))
    assert exhaustive_optimum(problem)[0] == pytest.approx(best)


def test_natural_gradient_variant_learns():
    problem = instance(shape=(12, 12), horizon=20, weights="bimodal")
    f_npg, _, trainer = trained(problem, 0, update="natural", batch_size=100, epochs=30)
    assert f_npg > 1.3 * trainer.curve[0]


def test_agents_rank_on_the_env():
    """Through papergym.run: greedy and SubPO beat the random walk; SubPO beats modular-pg."""
    kwargs = {"shape": (12, 12), "horizon": 20, "weights": "bimodal"}
    mean = {name: np.mean([r.metrics["F"] for r in papergym.run(
        "SubmodularCoverage-v0", name, seeds=3, **kwargs)])
        for name in ("random", "greedy", "subpo", "modular-pg")}
    assert mean["greedy"] > mean["random"] and mean["subpo"] > mean["random"]
    assert mean["subpo"] > mean["modular-pg"]


def test_subpo_agent_is_deterministic_under_a_seed():
    a = papergym.run("SubmodularTwoRooms-v0", "subpo", seeds=[3], horizon=10)[0].metrics
    b = papergym.run("SubmodularTwoRooms-v0", "subpo", seeds=[3], horizon=10)[0].metrics
    assert a == b


@pytest.mark.slow
def test_paper_size_subpo_beats_modular():
    """The paper's coverage setting (30 x 30, H = 80, constant weights, 500 trajectories per
    update, 50 epochs): SubPO beats the modular baseline on 5 seeds, and the modular agent
    revisits more (measured: 145.1 +- 4.9 against 71.3 +- 2.9; revisits 0.33 against 0.61)."""
    problem = instance()
    for seed in SEEDS:
        f_sub, rev_sub, _ = trained(problem, seed, reward="marginal")
        f_mod, rev_mod, _ = trained(problem, seed, reward="modular")
        assert f_sub > 1.5 * f_mod, (seed, f_sub, f_mod)
        assert rev_mod > rev_sub, (seed, rev_sub, rev_mod)


def _markov_and_history_nets(seed):
    """SubPO with the authors' Markov net on (cell, h) and the non-Markov net on the padded
    history, both as the code feeds them (raw indices) and trains them (Adam, lr 0.01), at
    the paper's coverage size."""
    problem = instance()
    f_sub, _, _ = trained(problem, seed, policy="mlp", features="raw")
    f_nm, _, _ = trained(problem, seed, policy="history", features="raw")
    return f_sub, f_nm


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured: the non-Markov net beats SubPO's Markov net at 500 x 50 (seed 0: 166.6 vs "
    "210.4 with the code's raw inputs; 160.7 vs 232.8 with normalised inputs)"))
def test_paper_size_subpo_at_least_as_good_as_non_markov():
    """The paper: SubPO is at least as good as the non-Markov policy (and more
    sample-efficient)."""
    for seed in range(3):
        f_sub, f_nm = _markov_and_history_nets(seed)
        assert f_sub >= f_nm, (seed, f_sub, f_nm)


@pytest.mark.slow
def test_paper_size_subpo_against_non_markov_no_worse_than_measured():
    """The companion of the strict xfail above: SubPO's Markov net stays within the measured
    distance of the non-Markov net (measured ratios about 0.8; asserted >= 0.65) and well
    above the random walk's F (57 at the start of training)."""
    for seed in range(3):
        f_sub, f_nm = _markov_and_history_nets(seed)
        assert f_sub >= 0.65 * f_nm, (seed, f_sub, f_nm)
        assert f_sub > 120, (seed, f_sub)


def test_ppo_trains_on_the_replayed_instance():
    """The PPO agent's training env replays the model's instance exactly."""
    from papergym.agents.submodular.ppo import env_for
    from papergym.envs.submodular.coverage import SubmodularCoverageEnv

    for kwargs in ({"weights": "gp"}, {"objective": "items", "item_counts": (5, 4),
                                         "capacities": (2, 1)}):
        env = SubmodularCoverageEnv(shape=(6, 7), horizon=9, start="random", **kwargs)
        env.reset(seed=2)
        problem = env.model()
        replay = env_for(problem)
        for seed in (0, 1):
            replay.reset(seed=seed)
            assert replay.unwrapped.model() is problem
        actions = [1, 2, 2, 3, 0, 4, 1, 1]
        env.reset(seed=0, options={"instance": problem})
        assert [env.step(a)[1] for a in actions] == [replay.step(a)[1] for a in actions]


@pytest.mark.slow
def test_ppo_on_marginal_gains_beats_the_random_walk():
    kwargs = {"shape": (8, 8), "horizon": 15, "weights": "bimodal"}
    ppo = papergym.run("SubmodularCoverage-v0", "ppo", seeds=2,
                       agent_kwargs={"total_timesteps": 8192}, **kwargs)
    rnd = papergym.run("SubmodularCoverage-v0", "random", seeds=20, **kwargs)
    assert np.mean([r.metrics["F"] for r in ppo]) > np.mean([r.metrics["F"] for r in rnd])


@pytest.mark.parametrize("policy", ["mlp", "history"])
def test_network_policies_train_and_play(policy):
    """The authors' MLP on (state, time) and on the padded history: a short run changes the
    policy, and the agent plays a whole episode with it."""
    problem = instance(shape=(6, 6), horizon=8, weights="bimodal")
    trainer = PolicyGradientTrainer(problem, PGConfig(policy=policy, epochs=3, batch_size=16),
                                    seed=0)
    before = trainer.probs(0, np.array([problem.start]), np.full((1, 8), problem.start))
    trainer.train()
    after = trainer.probs(0, np.array([problem.start]), np.full((1, 8), problem.start))
    assert not np.allclose(before, after)
    name = "subpo" if policy == "mlp" else "non-markov-pg"
    result = papergym.run("SubmodularCoverage-v0", name, seeds=1, shape=(6, 6), horizon=8,
                          agent_kwargs={"policy": policy, "epochs": 2, "batch_size": 8})[0]
    assert result.metrics["F"] > 0


@pytest.mark.parametrize("name, value", [("policy", "lstm"), ("reward", "sum"),
                                         ("update", "trpo"), ("epochs", -1),
                                         ("batch_size", 0), ("lr", 0.0)])
def test_bad_training_config_names_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        PGConfig(**{name: value})
    with pytest.raises(ValueError, match="natural"):
        PGConfig(policy="mlp", update="natural")
