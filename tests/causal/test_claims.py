"""The paper's claims, measured (Peng, Zhang, Mitra, IEEE TSP 2025; arXiv 2408.11240).

Fast versions run on N = 8 (256 interventions: at N = 6 UCB's 64 arms are explored in
time and UCB is on par, measured 551 vs 515 over seeds 2025-2027) and three instances; the ``slow`` ones reproduce the authors'
setting (N = 10, T = 1500, 30 instances; ``make bench``).  docs/causal.md lists the
measured figures next to the paper's.
"""

from __future__ import annotations

import numpy as np
import pytest

from papergym.agents.causal.experiment import regret_trace
from papergym.agents.causal.structure import learn_structure
from papergym.envs.causal.sem import draw_instance_weights, intervened, sample_nodes

SEEDS_FAST = (2025, 2026, 2027)
SEEDS_SLOW = tuple(2025 + i for i in range(30))


def _traces(env_id, agents, seeds, **kwargs):
    out = {}
    for agent in agents:
        rows = [regret_trace(env_id, agent, seed, **kwargs) for seed in seeds]
        out[agent] = (np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                      np.array([r[2] for r in rows]))
    return out


def _check_stationary_claims(traces):
    regret = {a: tr[0].sum(axis=1).mean() for a, tr in traces.items()}
    assert regret["csl-ucb"] < regret["ucb"], regret
    assert regret["csl-ucb"] < regret["golem-mab"], regret
    windows = traces["csl-ucb"][1].reshape(len(traces["csl-ucb"][1]), -1, 100).mean(axis=(0, 2))
    # measured: N = 8 (3 instances) 0.42 -> 1.0; N = 10 (30 instances) 0.29 -> 0.73
    assert windows[-1] > windows[0] + 0.3, windows
    assert np.all(np.diff(windows) >= -0.05), windows  # rises, never drops by more than 0.05
    return regret, windows


@pytest.fixture(scope="module")
def stationary_fast():
    return _traces("CausalBandit-v0", ("csl-ucb", "ucb", "golem-mab"), SEEDS_FAST,
                   n_nodes=8, horizon=1500)


def test_csl_ucb_has_less_regret_than_ucb_and_golem_and_its_optimal_share_rises(
        stationary_fast):
    _check_stationary_claims(stationary_fast)


@pytest.mark.slow
def test_csl_ucb_claims_on_the_authors_setting():
    traces = _traces("CausalBandit-v0", ("csl-ucb", "ucb", "golem-mab"), SEEDS_SLOW,
                     n_nodes=10, horizon=1500)
    regret, windows = _check_stationary_claims(traces)
    reward = {a: tr[2].mean() for a, tr in traces.items()}
    gains = {a: (reward["csl-ucb"] - reward[a]) / abs(reward[a]) for a in ("ucb", "golem-mab")}
    print(f"mean cumulative regret {regret}; optimal share per window {windows}; "
          f"average-reward gain of CSL-UCB {gains}")
    # measured (seeds 2025-2054): CSL-UCB 4765, UCB 55517, GOLEM-MAB 42228; the gain is
    # reported, not asserted (the abstract's 85% is computed in a way we cannot retrieve)


def _edge_error_rates(n_nodes, instances, rounds_per_mode, seed):
    """False-negative and false-positive rates of the learned parents, with the bandit's
    data: random interventions, the first ``rounds_per_mode`` rounds of each node in each
    mode (CSL-UCB's ``n_max``)."""
    rng = np.random.default_rng(seed)
    nu = np.ones(n_nodes)
    off = ~np.eye(n_nodes, dtype=bool)
    fn = fp = parents = non_parents = 0
    for _ in range(instances):
        b, bp = draw_instance_weights(rng, n_nodes)
        rounds = 4 * rounds_per_mode
        bits = rng.random((rounds, n_nodes)) < 0.5
        x = sample_nodes(intervened(bits, b, bp), nu + rng.standard_normal((rounds, n_nodes)))
        for mode, weights in ((0, b), (1, bp)):
            samples = [x[bits[:, i] == mode][:rounds_per_mode] for i in range(n_nodes)]
            learned = learn_structure(samples, nu, random_state=0)
            true = weights != 0
            fn += int((true & ~learned).sum())
            fp += int((~true & learned & off).sum())
            parents += int(true.sum())
            non_parents += int((~true & off).sum())
    return fn / parents, fp / non_parents


def test_structure_learner_misses_fewer_parents_than_it_adds():
    fnr, fpr = _edge_error_rates(6, 3, 100, seed=0)
    assert fnr < fpr, (fnr, fpr)


@pytest.mark.slow
def test_structure_learner_asymmetry_at_ten_nodes():
    fnr, fpr = _edge_error_rates(10, 10, 100, seed=1)
    print(f"N = 10, 100 rounds per node and mode: FNR {fnr:.4f}, FPR {fpr:.4f}")
    assert fnr < fpr, (fnr, fpr)


def _late_slopes(regret, starts_and_ends, tail=300):
    """Mean regret per step over the last ``tail`` steps of each segment: ``(instances,
    segments)``."""
    return np.stack([regret[:, end - tail:end].mean(axis=1) for _, end in starts_and_ends],
                    axis=1)


DRIFT_SEGMENTS = ((0, 1000), (1000, 2000), (2000, 3000))


def _drift_slopes(seeds):
    traces = _traces("CausalBanditDrift-v0", ("csl-ucb", "ucb"), seeds, n_nodes=6)
    return {a: _late_slopes(tr[0], DRIFT_SEGMENTS) for a, tr in traces.items()}


def test_after_a_change_csl_ucb_returns_to_its_stationary_slope_and_ucb_does_not():
    """Median over instances of the regret slope (last 300 steps of a segment); the two
    post-change segments pooled per instance.  Measured (seeds 2025-2028): CSL-UCB 0 ->
    0, UCB without a window 0 -> 0.8."""
    slopes = _drift_slopes(tuple(2025 + i for i in range(4)))
    csl, ucb = slopes["csl-ucb"], slopes["ucb"]
    assert np.median(csl[:, 1:].mean(axis=1)) <= np.median(csl[:, 0]) + 0.05, csl
    assert np.median(ucb[:, 1:].mean(axis=1)) > np.median(ucb[:, 0]) + 0.3, ucb


@pytest.mark.slow
def test_drift_claim_on_twenty_instances():
    """Measured (N = 6, T = 3000, 20 instances, seeds 2025-2044): median late slope per
    segment CSL-UCB 0, 0, 0; UCB 0.02, 0.41, 1.92."""
    slopes = _drift_slopes(tuple(2025 + i for i in range(20)))
    csl, ucb = np.median(slopes["csl-ucb"], axis=0), np.median(slopes["ucb"], axis=0)
    print(f"median late regret slope per segment: CSL-UCB {csl}, UCB {ucb}")
    assert max(csl[1], csl[2]) <= csl[0] + 0.05
    assert ucb[1] > ucb[0] + 0.2 and ucb[2] > ucb[0] + 0.3
