"""The paper's claims and the classic bounds, checked on generated instances.

Paper: Antoniadis et al., "Paging with Succinct Predictions", ICML 2023, arXiv 2210.02775.
An algorithm is (alpha, beta, gamma)-competitive when
``faults <= alpha * OPT + beta * eta0 + gamma * eta1`` (eta0 / eta1 = wrong 0- / 1-bits).
"""

from __future__ import annotations

import numpy as np
import pytest

from papergym.envs.paging import PagingEnv
from tests.paging.helpers import harmonic, new_pages_per_phase, play

GENERATORS = ("zipf", "uniform", "loop", "phase")


def random_config(rng: np.random.Generator, i: int, prediction: str, horizon: int = 250):
    k = int(rng.integers(2, 9))
    return dict(k=k, n_pages=int(rng.integers(k + 1, 4 * k)), horizon=horizon,
                generator=GENERATORS[i % 4], prediction=prediction,
                noise0=float(rng.uniform(0, 0.4)), noise1=float(rng.uniform(0, 0.4)))


# ------------------------------------------------------------------ discard predictions


@pytest.mark.parametrize("agent", ["discard-predictions", "follow-discard-bit"])
def test_perfect_discard_bits_give_exactly_opt(agent):
    """Consistency: with noise 0 both bit-followers make exactly Belady's faults."""
    rng = np.random.default_rng(1)
    for i in range(60):
        config = {**random_config(rng, i, "discard"), "noise0": 0.0, "noise1": 0.0}
        m = play(agent, seed=i, **config)
        assert m["prediction_error"] == 0 and m["faults"] == m["opt_faults"], config


def test_discard_algorithm_is_1_kminus1_1_competitive():
    """faults <= OPT + (k-1) eta0 + eta1 on 300 instances with random flip rates and on
    adversarial flips (the paper's bound for its deterministic algorithm; additive 0)."""
    rng = np.random.default_rng(2)
    slack = []
    for i in range(300):
        config = random_config(rng, i, "discard")
        if i % 6 == 5:
            del config["noise0"], config["noise1"]
            config.update(noise_mode="adversarial", noise=float(rng.uniform(0, 0.3)))
        m = play("discard-predictions", seed=i, **config)
        bound = m["opt_faults"] + (config["k"] - 1) * m["eta0"] + m["eta1"]
        assert m["faults"] <= bound, (config, m)
        slack.append(bound - m["faults"])
    assert min(slack) < 0.5 * np.median(slack)  # the instances do press on the bound


def test_one_wrong_bit_costs_the_foil_unboundedly_and_the_paper_k_minus_1():
    """The LRU fallback is what makes beta = k - 1: with k = 2 and page 1 never requested
    again but predicted 0 (eta0 = 1), follow-the-bit evicts slot 0 forever."""
    n = 40
    seq = [0, 1] + [2, 0] * n
    env = PagingEnv(k=2, n_pages=3)
    env.reset(options={"instance": seq})
    bits = env.model().true_bits.copy()
    assert bits[1] == 1
    bits[1] = 0  # the one wrong 0-bit
    options = {"instance": seq, "predictions": bits}
    paper = play("discard-predictions", options=options, k=2, n_pages=3)
    foil = play("follow-discard-bit", options=options, k=2, n_pages=3)
    assert (paper["eta0"], paper["eta1"]) == (1, 0)
    assert paper["faults"] <= paper["opt_faults"] + 1 * 1
    assert foil["faults"] == len(seq) > paper["opt_faults"] + 10


# ------------------------------------------------------------------ phase predictions


def test_perfect_phase_bits_fault_only_on_new_pages():
    """With perfect bits the phase algorithm faults exactly on each phase's new pages
    (sum of m_j), which is at most 2 OPT."""
    rng = np.random.default_rng(3)
    for i in range(60):
        config = {**random_config(rng, i, "phase"), "noise0": 0.0, "noise1": 0.0}
        env = PagingEnv(**config)
        env.reset(seed=i)
        new_pages = int(new_pages_per_phase(env.model().requests, config["k"]).sum())
        for agent_seed in range(3):
            m = play("phase-predictions", seed=i, agent_seed=agent_seed, **config)
            assert m["faults"] == new_pages <= 2 * m["opt_faults"], config


@pytest.mark.xfail(strict=True, reason=(
    "measured: the reconstructed phase algorithm is not 1-consistent. With perfect bits "
    "it pays sum m_j, up to 1.35x OPT (20 of 40 noiseless instances above OPT, e.g. "
    "k=2 uniform: 178 vs OPT 143); 27 of 200 instances exceed OPT + 2H_k eta0 + eta1 "
    "by up to 44 faults. The paper's (1, 2H_k, 1) algorithm could not be read in full, and "
    "under this env's k-distinct phases no online algorithm is 1-consistent (next test)."))
def test_phase_algorithm_is_1_2hk_1_competitive_in_expectation():
    rng = np.random.default_rng(4)
    for i in range(100):
        config = random_config(rng, i, "phase")
        if i % 5 == 0:
            config.update(noise0=0.0, noise1=0.0)
        runs = [play("phase-predictions", seed=i, agent_seed=s, **config) for s in range(10)]
        m = runs[0]
        bound = m["opt_faults"] + 2 * harmonic(config["k"]) * m["eta0"] + m["eta1"]
        assert np.mean([r["faults"] for r in runs]) <= bound, config


def _faults_after_first_eviction(seq: list[int], k: int, evict: int) -> int:
    """Faults of the best schedule that fills the cache with the first k distinct pages,
    evicts ``evict`` at the first fault with a full cache, then follows FitF (optimal
    from any cache state)."""
    cache: set[int] = set()
    faults, forced = 0, False
    for t, page in enumerate(seq):
        if page in cache:
            continue
        faults += 1
        if len(cache) == k:
            if not forced:
                victim, forced = evict, True
            else:
                rest = seq[t + 1:]
                victim = max(cache, key=lambda q: rest.index(q) if q in rest else len(seq))
            cache.discard(victim)
        cache.add(page)
    return faults


def test_k_distinct_phase_bits_cannot_make_any_online_algorithm_1_consistent():
    """Why the (1, 2H_k, 1) test above is an xfail whatever the algorithm: with k = 3,
    ``a b c | d a e | b`` and ``a b c | d a e | c`` share their requests and their perfect
    phase bits up to ``d``, the first fault with a full cache, where the optimum must
    evict ``c`` in the first and ``b`` in the second. So every online algorithm pays at
    least OPT + 1 on one of them with no wrong bit (eta0 = eta1 = 0), and repeating the
    gadget on fresh pages would let the gap grow without bound (not run here): with this
    env's phase bits (k-distinct
    phases, "requested in the next phase"), alpha = 1 is impossible. So either the paper
    speaks of another "appropriate partitioning" into phases, or the (1, 2H_k, 1) figure
    belongs to another of its algorithms (a third-party implementation, cache-coliseum's
    MARK&PREDICT, uses k-distinct phases too); the paper's body could not be read."""
    k, first_sequence, second_sequence = 3, [0, 1, 2, 3, 0, 4, 1], [0, 1, 2, 3, 0, 4, 2]
    env = PagingEnv(k=k, n_pages=5, prediction="phase", noise=0.0)
    seen, opts = [], []
    for seq in (first_sequence, second_sequence):
        env.reset(options={"instance": seq})
        model = env.model()
        assert np.array_equal(model.true_bits, model.predicted_bits)  # perfect bits
        seen.append((seq[:4], model.true_bits[:4].tolist()))  # all an online algorithm knows at d
        opts.append(model.opt_faults)
    assert seen[0] == seen[1]
    for evict in (0, 1, 2):  # whichever cached page is evicted at d ...
        extra = [_faults_after_first_eviction(seq, k, evict) - opt
                 for seq, opt in zip((first_sequence, second_sequence), opts)]
        assert max(extra) >= 1, evict  # ... one of the two sequences costs more than OPT


# ------------------------------------------------------------------ classic bounds


def test_marker_within_its_phase_bound_in_expectation():
    """E[Marker] <= sum_j m_j (1 + H_k - H_{m_j}) (Fiat et al. 1991), so <= 2 H_k OPT."""
    for i, (k, generator) in enumerate([(4, "phase"), (6, "phase"), (5, "zipf"), (3, "loop")]):
        config = dict(k=k, n_pages=3 * k, horizon=300, generator=generator)
        runs = np.array([play("marker", seed=i, agent_seed=s, **config)["faults"]
                         for s in range(200)])
        env = PagingEnv(**config)
        env.reset(seed=i)
        m = new_pages_per_phase(env.model().requests, k)
        hk = harmonic(k)
        bound = m[0] + sum(mj * (1 + hk - harmonic(int(mj))) for mj in m[1:])
        standard_error = runs.std(ddof=1) / np.sqrt(len(runs))
        assert runs.mean() <= bound + 3 * standard_error, (config, runs.mean(), bound)
        assert runs.mean() <= 2 * hk * env.model().opt_faults


@pytest.mark.parametrize("k", [2, 5, 8])
def test_lru_ratio_reaches_k_on_the_loop(k):
    """On a loop over k + 1 pages LRU and FIFO fault on every request and Belady about once
    per k requests: the ratio tends to k, the deterministic lower bound (and never exceeds
    it: LRU is k-competitive)."""
    for agent in ("lru", "fifo"):
        T = 100 * k * k
        m = play(agent, seed=k, k=k, n_pages=2 * k + 2, horizon=T, generator="loop")
        assert m["faults"] == T
        assert m["opt_faults"] == k + np.ceil((T - k) / k)  # k compulsory, then 1 per k
        assert 0.97 * k <= m["competitive_ratio"] <= k
