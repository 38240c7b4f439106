"""The paper's claims (Du, Srikant, Chen, ICLR 2024), small and fast here; the paper-size
runs (K = 10,000 episodes, 20 runs) are marked slow (``make bench``).

Fast-test sizes are ours: they keep the family's fast tests well under a minute on one core.
"""

from __future__ import annotations

import numpy as np
import pytest

import papergym
from papergym.agents.cascading import (
    AdaptBPIAgent,
    AdaptRMAgent,
    CascadingBPIAgent,
    CascadingVIAgent,
    OptimalAgent,
)
from papergym.agents.cascading.bpi import identify
from papergym.envs.cascading.model import generate_instance
from tests.cascading.helpers import regret_trace

PAPER_SIZES = dict(n_states=9, list_size=3, horizon=5)  # with N in {4, 8}
DELTA = 0.005


def test_optimal_agent_has_zero_regret():
    trace, _ = regret_trace(OptimalAgent(), 0, n_states=3, n_items=4, list_size=2, horizon=3,
                            num_episodes=50)
    assert trace[-1] == pytest.approx(0.0, abs=1e-9)


def test_cascading_vi_regret_is_sublinear():
    """regret(2K) / regret(K) well below 2 (a linear regret doubles), on every seed."""
    ratios = []
    for seed in range(3):
        trace, _ = regret_trace(CascadingVIAgent(), seed, n_states=2, n_items=4, list_size=2,
                                horizon=2, num_episodes=1600)
        ratios.append(trace[1599] / trace[799])
    assert max(ratios) < 1.75, ratios


def test_cascading_vi_beats_adapt_rm_at_n8():
    """Paper-sized instances (S = 9, H = 5, m = 3, N = 8), K = 300: CascadingVI's regret is
    below AdaptRM's on every seed (the list structure shares what one click teaches)."""
    for seed in range(3):
        vi, _ = regret_trace(CascadingVIAgent(delta=DELTA), seed, n_items=8, num_episodes=300,
                             **PAPER_SIZES)
        rm, _ = regret_trace(AdaptRMAgent(delta=DELTA), seed, n_items=8, num_episodes=300,
                             **PAPER_SIZES)
        assert vi[-1] < 0.6 * rm[-1], (seed, vi[-1], rm[-1])


def test_cascading_bpi_is_epsilon_correct_with_fewer_samples_than_adapt_bpi():
    """On every seed (>= 1 - delta of them) CascadingBPI stops with an epsilon-optimal policy,
    and it uses fewer samples than AdaptBPI on each."""
    epsilon, seeds = 1.0, range(4)
    for seed in seeds:
        inst = generate_instance(np.random.default_rng(seed), 2, 3, 2, 2)
        ours = identify(CascadingBPIAgent(epsilon=epsilon, delta=DELTA), inst, seed=seed,
                        max_episodes=20_000)
        base = identify(AdaptBPIAgent(epsilon=epsilon, delta=DELTA), inst, seed=seed,
                        max_episodes=20_000)
        assert ours.stopped and ours.gap <= epsilon, (seed, ours)
        assert base.stopped and base.gap <= epsilon, (seed, base)
        assert ours.samples < base.samples, (seed, ours, base)


def test_cascade_bandit_baselines_learn():
    """CascadeUCB1 and CascadeKL-UCB (Kveton et al. 2015): regret far below the uniform
    random list's, flattening (the second half adds less than the first), KL-UCB below
    UCB1 as Kveton et al. report."""
    kwargs = dict(n_items=8, list_size=2, num_rounds=2000)
    runs = {name: papergym.run("CascadingBandit-v0", name, seeds=[0, 1], **kwargs)
            for name in ("cascade-ucb1", "cascade-klucb", "random", "optimal")}
    final = {name: [r.metrics["cumulative_regret"] for r in rs] for name, rs in runs.items()}
    assert max(final["optimal"]) == pytest.approx(0.0, abs=1e-9)
    for name in ("cascade-ucb1", "cascade-klucb"):
        assert max(final[name]) < 0.5 * min(final["random"]), final
        for result in runs[name]:
            curve = dict(result.regret_curve)
            steps = sorted(curve)
            half = steps[len(steps) // 2]
            assert curve[steps[-1]] - curve[half] < curve[half], name
    assert np.mean(final["cascade-klucb"]) < np.mean(final["cascade-ucb1"]), final


# --------------------------------------------------------------------------- paper size


@pytest.mark.slow
@pytest.mark.parametrize("n_items", [4, 8])
def test_paper_size_regret_cascading_vi_below_adapt_rm(n_items):
    """K = 10,000 episodes, 20 runs, delta = 0.005, H = 5, S = 9, m = 3: CascadingVI's mean
    cumulative regret is below AdaptRM's, and the gap is wider at N = 8."""
    vi = [regret_trace(CascadingVIAgent(delta=DELTA), seed, n_items=n_items,
                       num_episodes=10_000, **PAPER_SIZES)[0][-1] for seed in range(20)]
    rm = [regret_trace(AdaptRMAgent(delta=DELTA), seed, n_items=n_items,
                       num_episodes=10_000, **PAPER_SIZES)[0][-1] for seed in range(20)]
    assert np.mean(vi) < np.mean(rm)
    assert np.mean(vi) < (0.5 if n_items == 8 else 0.8) * np.mean(rm)


@pytest.mark.slow
@pytest.mark.parametrize("n_items", [4, 6, 8])
def test_bpi_fewer_samples_growing_n(n_items):
    """epsilon = 0.5, N in {4, 6, 8}, 3 seeds, on reduced sizes (ours: S = 3, H = 3, m = 3;
    at S = 9, H = 5 our constants need ~10^5 episodes): CascadingBPI stops with an
    epsilon-optimal policy in fewer episodes than AdaptBPI (censored at 50,000)."""
    for seed in range(3):
        inst = generate_instance(np.random.default_rng(seed), 3, n_items, 3, 3)
        ours = identify(CascadingBPIAgent(epsilon=0.5, delta=DELTA), inst, seed=seed,
                        max_episodes=50_000)
        base = identify(AdaptBPIAgent(epsilon=0.5, delta=DELTA), inst, seed=seed,
                        max_episodes=50_000)
        assert ours.stopped and ours.gap <= 0.5
        assert ours.samples < base.samples
