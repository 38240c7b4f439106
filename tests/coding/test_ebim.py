"""EBIM encoder (Ebrahimi, Chen, Khisti, NeurIPS 2024): Theorems 1-3, the uniform baseline."""

from __future__ import annotations

import numpy as np
import pytest

from papergym.envs.coding.ebim import (
    deterministic_joint,
    ebim_best_of_chains,
    ebim_exact,
    ebim_greedy,
    ebim_refine,
    labels_rate,
    uniform_quantizer,
)
from papergym.envs.coding.mec import binary_entropy, entropy, mutual_information
from papergym.envs.coding.protocol import message_prior
from tests.coding.brute import all_deterministic_rates, best_deterministic_rate


def random_prior(rng, n):
    return rng.dirichlet(np.full(n, 0.8))


def test_greedy_map_is_deterministic_and_within_rate():
    rng = np.random.default_rng(0)
    for _ in range(50):
        p = random_prior(rng, int(rng.integers(2, 40)))
        rate = float(rng.uniform(0, entropy(p) + 0.5))
        labels, h = ebim_greedy(p, rate)
        joint = deterministic_joint(p, labels)
        assert h <= rate + 1e-12
        assert abs(entropy(joint.sum(axis=0)) - h) < 1e-9
        assert abs(mutual_information(joint) - h) < 1e-9  # I(X;g(X)) = H(g(X))


def test_theorem_1_rate_is_reached_exactly_when_a_map_has_entropy_r():
    # Theorem 1: the EBIM optimum equals R iff some deterministic g has H(g(X)) = R.
    rng = np.random.default_rng(1)
    p = random_prior(rng, 5)
    rates = np.unique(np.round(all_deterministic_rates(p), 12))
    for r in rates[1::3]:
        # (if) at R = H(g) the Theorem 3 envelope over all maps reaches I(X;T) = R
        assert abs(mutual_information(ebim_refine(p, r, maps="all")) - r) < 1e-9
    # (only if) between two map rates, every coupling found stays strictly below R
    r = 0.5 * (rates[-1] + rates[-2])
    assert mutual_information(ebim_refine(p, r, maps="all")) < r - 1e-6


def test_theorem_1_at_rates_of_maps_the_greedy_chain_does_not_visit():
    # p = [.4, .3, .2, .1], R = h(0.4): the map {0},{1,2,3} has H(g(X)) = R exactly, but
    # the greedy chain never builds it (it returns 0.881 bits).  Theorem 1 says the EBIM
    # optimum is still R, and the exhaustive solvers (all set partitions) must find it.
    p = np.array([.4, .3, .2, .1])
    r = binary_entropy(0.4)
    assert abs(entropy(np.bincount([0, 1, 1, 1], weights=p)) - r) < 1e-12
    assert abs(best_deterministic_rate(p, r) - r) < 1e-12
    assert abs(mutual_information(ebim_refine(p, r, maps="all")) - r) < 1e-9
    _, h = ebim_greedy(p, r)
    assert h == pytest.approx(0.8813, abs=1e-4) and h < r - 0.05  # greedy falls short...
    assert r - h <= binary_entropy(np.sort(p)[-2]) + 1e-12  # ...but within Theorem 2
    rng = np.random.default_rng(7)
    checked = 0
    for n in (4, 5, 5, 6):
        q = random_prior(rng, n)
        rates = np.unique(np.round(all_deterministic_rates(q), 12))
        missed = [float(x) for x in rates if ebim_greedy(q, float(x))[1] < x - 1e-9]
        assert missed, "every map rate is on the greedy chain: pick another prior"
        for x in missed[:: max(1, len(missed) // 3)]:
            # (if) some map has H(g(X)) = R, so the optimum I(X;T) = R
            assert abs(best_deterministic_rate(q, x) - x) < 1e-9
            assert abs(mutual_information(ebim_refine(q, x, maps="all")) - x) < 1e-9
            assert x - ebim_greedy(q, x)[1] <= binary_entropy(np.sort(q)[-2]) + 1e-9
            checked += 1
        # (only if) just below an unvisited map rate no map has H = R: optimum < R
        x = missed[-1] - 1e-3
        if not np.any(np.abs(rates - x) < 1e-9):
            assert mutual_information(ebim_refine(q, x, maps="all")) < x - 1e-9
    assert checked >= 8


@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_theorem_2_greedy_within_h_p2_of_the_exhaustive_optimum(n):
    rng = np.random.default_rng(n)
    for _ in range(4 if n == 7 else 10):
        p = random_prior(rng, n)
        p2 = np.sort(p)[-2]
        for rate in np.linspace(0.05, entropy(p) - 0.01, 7):
            _, h = ebim_greedy(p, rate)
            best = best_deterministic_rate(p, rate)
            assert best - h <= binary_entropy(p2) + 1e-9
            assert rate - h <= binary_entropy(p2) + 1e-9  # against I* <= R itself


def test_theorem_3_refinement_hits_the_rate_and_adds_information():
    rng = np.random.default_rng(5)
    for _ in range(20):
        p = random_prior(rng, int(rng.integers(3, 30)))
        rate = float(rng.uniform(0.1, entropy(p) - 0.05))
        joint = ebim_refine(p, rate)
        np.testing.assert_allclose(joint.sum(axis=1), p, atol=1e-12)
        assert entropy(joint.sum(axis=0)) <= rate + 1e-9
        assert mutual_information(joint) >= ebim_greedy(p, rate)[1] - 1e-12


def test_theorem_3_envelope_matches_brute_force_on_the_papers_example():
    # Figure 2 (p_X = [.7, .2, .1]): the Theorem 3 moves applied to every deterministic
    # map give a non-decreasing envelope that is exact at the rates of deterministic maps
    # and dominates every random encoder we try.
    p = np.array([.7, .2, .1])
    rates = np.linspace(0.05, entropy(p) - 0.01, 25)
    values = np.array([mutual_information(ebim_refine(p, r, maps="all")) for r in rates])
    assert np.all(np.diff(values) >= -1e-9)
    for r in (binary_entropy(.3), binary_entropy(.2), binary_entropy(.1)):
        assert abs(mutual_information(ebim_refine(p, r, maps="all")) - r) < 1e-9
    rng = np.random.default_rng(0)
    for _ in range(400):  # random stochastic encoders p(T|X) with 3 codes
        enc = rng.dirichlet(np.full(3, 0.3), size=3)
        joint = p[:, None] * enc
        h = entropy(joint.sum(axis=0))
        k = np.searchsorted(rates, h)
        if k < rates.size:
            assert mutual_information(joint) <= values[k] + 1e-9
    # the greedy-chain version never beats the exhaustive one
    for r in rates:
        assert mutual_information(ebim_refine(p, r)) <= \
            mutual_information(ebim_refine(p, r, maps="all")) + 1e-9


def _losses(prior_name: str, n: int, refine: bool) -> list[tuple[float, float, float]]:
    p = message_prior(prior_name, n)
    out = []
    for rate in np.linspace(0.05, entropy(p), 40):
        ours = mutual_information(ebim_refine(p, rate)) if refine else ebim_greedy(p, rate)[1]
        _, base = uniform_quantizer(p, rate)
        if ours < base - 1e-9:
            out.append((round(float(rate), 3), round(ours, 3), round(base, 3)))
    return out


@pytest.mark.xfail(strict=True, reason="measured: the deterministic greedy chain (our reading of "
                   "Algorithm 1) is below the uniform quantiser's I(X;T) at 29/40 rates on "
                   "Binomial(63) (by up to 0.36 bit) and 15/40 on truncated-geometric(64) "
                   "(up to 0.06 bit)")
@pytest.mark.parametrize("prior", ["binomial", "geometric"])
def test_greedy_information_beats_uniform_quantiser_at_every_rate(prior):
    assert _losses(prior, 64, refine=False) == []


@pytest.mark.xfail(strict=True, reason="measured: with Theorem 3 refinement the encoder is still "
                   "below the uniform quantiser at 16/40 rates on Binomial(63), by up to 0.08 bit")
def test_refined_information_beats_uniform_quantiser_on_binomial():
    assert _losses("binomial", 64, refine=True) == []


def test_refined_encoder_beats_uniform_quantiser_on_geometric_at_most_rates():
    losses = _losses("geometric", 512, refine=True)
    assert len(losses) <= 2, losses


def test_uniform_quantiser_bins_are_contiguous_and_within_rate():
    p = np.full(512, 1 / 512)
    labels, h = uniform_quantizer(p, 4.5)
    assert h <= 4.5 and np.all(np.diff(labels) >= 0) and labels.max() + 1 == 22


@pytest.mark.parametrize("fn", [ebim_greedy, ebim_refine, uniform_quantizer])
def test_negative_rate_is_refused(fn):
    with pytest.raises(ValueError, match="rate"):
        fn([.5, .5], -0.1)


@pytest.mark.parametrize("fn", [ebim_greedy, uniform_quantizer])
def test_bad_prior_is_refused(fn):
    with pytest.raises(ValueError, match="p_x"):
        fn([.5, .6], 1.0)


# --------------------------------------------------------------------------- beyond greedy


def test_greedy_misses_a_map_that_fits_and_exact_and_chains_find_it():
    # the greedy chain jumps from 0.785 bits to the constant map at R = 0.70, though the
    # map {0, 1}, {2} carries 0.582 bits within the rate
    p, rate = np.array([.6265, .2342, .1393]), 0.70
    assert ebim_greedy(p, rate)[1] == 0.0
    labels, h = ebim_exact(p, rate)
    assert h == pytest.approx(binary_entropy(.1393)) and h <= rate
    assert labels[0] == labels[1] != labels[2]
    assert ebim_best_of_chains(p, rate)[1] == pytest.approx(h)


def test_exact_encoder_is_the_brute_force_optimum():
    rng = np.random.default_rng(8)
    for _ in range(25):
        p = random_prior(rng, int(rng.integers(2, 8)))
        rate = float(rng.uniform(0, entropy(p)))
        labels, h = ebim_exact(p, rate)
        assert h == pytest.approx(best_deterministic_rate(p, rate), abs=1e-12)
        assert labels_rate(p, labels) == pytest.approx(h) and h <= rate + 1e-12


def test_best_of_chains_never_loses_to_greedy_and_keeps_theorem_2():
    rng = np.random.default_rng(9)
    for _ in range(60):
        p = random_prior(rng, int(rng.integers(2, 200)))
        rate = float(rng.uniform(0, entropy(p)))
        labels, h = ebim_best_of_chains(p, rate)
        assert labels_rate(p, labels) == pytest.approx(h, abs=1e-9) and h <= rate + 1e-12
        assert h >= ebim_greedy(p, rate)[1] - 1e-12
        p2 = np.sort(p)[-2]
        assert rate - h <= binary_entropy(p2) + 1e-9


def _uniform_quantizer_by_bincount(p, rate):
    """The quantiser written directly (one bincount per K), to pin the prefix-sum version."""
    n, best = p.size, (np.zeros(p.size, dtype=np.int64), 0.0)
    for k in range(2, n + 1):
        labels = (np.arange(n) * k) // n
        h = entropy(np.bincount(labels, weights=p, minlength=k))
        if h <= rate + 1e-12 and h >= best[1]:
            best = (labels, h)
    return best


def test_uniform_quantiser_matches_a_direct_implementation():
    rng = np.random.default_rng(10)
    for _ in range(40):
        p = random_prior(rng, int(rng.integers(2, 90)))
        rate = float(rng.uniform(0, entropy(p) + 0.2))
        labels, h = uniform_quantizer(p, rate)
        ref_labels, ref_h = _uniform_quantizer_by_bincount(p, rate)
        assert h == pytest.approx(ref_h, abs=1e-12)
        assert labels_rate(p, labels) == pytest.approx(ref_h, abs=1e-12)


def test_rate_zero_gives_the_constant_map_everywhere():
    p = np.array([.5, .3, .2])
    for fn in (ebim_greedy, ebim_exact, ebim_best_of_chains, uniform_quantizer):
        labels, h = fn(p, 0.0)
        assert h == 0.0 and not np.signbit(h) and len(set(labels.tolist())) == 1


def _gaps(prior_name: str, n: int, encoder) -> list[float]:
    p = message_prior(prior_name, n)
    gaps = []
    for rate in np.linspace(0.05, entropy(p), 40):
        base = uniform_quantizer(p, rate)[1]
        ours = encoder(p, rate)
        if ours < base - 1e-9:
            gaps.append(base - ours)
    return gaps


@pytest.mark.parametrize("prior, encoder, most_rates, most_gap", [
    ("binomial", "greedy", 29, 0.36), ("geometric", "greedy", 15, 0.064),
    ("binomial", "refine", 16, 0.08), ("binomial", "chains", 17, 0.23),
    ("geometric", "chains", 4, 0.023),
])
def test_losses_to_the_uniform_quantiser_are_no_worse_than_measured(prior, encoder, most_rates,
                                                                     most_gap):
    # the companions of the strict xfails above: rates lost (of 40) and the largest gap
    encoders = {"greedy": lambda p, r: ebim_greedy(p, r)[1],
                "refine": lambda p, r: mutual_information(ebim_refine(p, r)),
                "chains": lambda p, r: ebim_best_of_chains(p, r)[1]}
    gaps = _gaps(prior, 64, encoders[encoder])
    assert len(gaps) <= most_rates and max(gaps, default=0.0) <= most_gap
