"""The simulator against DistServe's real-system measurements (papergym.envs.serving.published).

The measured figures are the authors' notebook outputs (Figure 8, OPT-13B on ShareGPT).
Each "no worse than measured" bound is the figure this file's configuration gave when the
comparison was written (docs/serving.md, "Real-system measurements"), plus a small margin:
the simulation is seeded, so a change to the simulator or the samplers that moves it
further from the real system fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from papergym.envs.serving import validation as V
from papergym.envs.serving.published import (
    CURVES,
    DISTSERVE_GOODPUT,
    GOODPUT_RATIOS,
    SHAREGPT_FIRST_ROUND,
)

CURVE_SEEDS = 10
RATIO_SEEDS = 5
RATIO_EPS = 0.05


@pytest.fixture(scope="module")
def vllm_curve() -> V.CurveComparison:
    return V.compare_curve("vllm-opt-13b-sharegpt", "vLLM", seeds=CURVE_SEEDS)


@pytest.fixture(scope="module")
def ratios() -> dict[float, V.RatioComparison]:
    return {target: V.compare_goodput_ratio(target, seeds=RATIO_SEEDS, eps=RATIO_EPS)
            for target in (90.0, 98.5)}


def _ratio(model, dataset, sweep, baseline, target):
    (row,) = [r for r in GOODPUT_RATIOS if (r.model, r.dataset, r.sweep, r.baseline,
                                            r.target_pct) == (model, dataset, sweep, baseline,
                                                              target)]
    return row


def test_printed_ratios_follow_from_the_printed_curves():
    """The shipped curves and ratios belong together: the notebook's interpolation on the
    baseline curves gives DistServe the same goodput through either baseline, and every
    ratio marked as a bound sits next to a curve that never reaches the target."""
    vllm, mii = CURVES["vllm-opt-13b-sharegpt"], CURVES["deepspeed-mii-opt-13b-sharegpt"]
    x_vllm, kind_vllm = V.crossing(vllm.xs, vllm.attainment_pct, 90.0)
    x_mii, kind_mii = V.crossing(mii.xs, mii.attainment_pct, 90.0)
    assert (x_vllm, kind_vllm, kind_mii) == (0.5, "crossing", "crossing")
    ds = DISTSERVE_GOODPUT[("opt-13b", "sharegpt", 90.0)]
    assert ds / x_vllm == pytest.approx(_ratio("opt-13b", "sharegpt", "rate", "vLLM", 90.0).ratio, rel=1e-12)
    assert ds / x_mii == pytest.approx(
        _ratio("opt-13b", "sharegpt", "rate", "DeepSpeed-MII", 90.0).ratio, rel=1e-12)
    humaneval = CURVES["vllm-opt-66b-humaneval"]
    x_he, _ = V.crossing(humaneval.xs, humaneval.attainment_pct, 90.0)
    assert DISTSERVE_GOODPUT[("opt-66b", "humaneval", 90.0)] / x_he == pytest.approx(
        _ratio("opt-66b", "humaneval", "rate", "vLLM", 90.0).ratio, rel=1e-12)
    for key, curve in CURVES.items():
        assert len(curve.xs) == len(curve.attainment_pct), key
        counts = np.asarray(curve.attainment_pct) * curve.requests / 100.0
        assert np.allclose(counts, np.round(counts)), key
        for r in GOODPUT_RATIOS:
            if (r.model, r.dataset, r.sweep, r.baseline) == (
                    curve.model, curve.dataset, curve.sweep, curve.system):
                _, kind = V.crossing(curve.xs, curve.attainment_pct, r.target_pct)
                assert r.lower_bound == (kind == "never"), (key, r.target_pct)


def test_first_round_sampler_reproduces_the_published_means():
    """Drawn from the quantile table and filtered like the vLLM paper (< 2048 tokens), the
    means land within 4% of the data's 161.2 and 338.0 tokens."""
    work = V.sample_sharegpt_first_round(40_000, np.random.default_rng(0))
    assert work.prompt.mean() == pytest.approx(161.2, rel=0.04)
    assert work.output.mean() == pytest.approx(338.0, rel=0.04)
    assert np.median(work.prompt) <= SHAREGPT_FIRST_ROUND.prompt[10] * 1.1


def test_distserve_sampler_follows_the_preprocessing_rules():
    rng = np.random.default_rng(3)
    work = V.sample_sharegpt_distserve(5_000, rng)
    assert np.all(work.prompt + work.output < 2048)
    assert not np.any((work.prompt < 4) & (work.output < 4))
    first = V.sample_sharegpt_first_round(5_000, np.random.default_rng(3))
    assert work.prompt.mean() > 2 * first.prompt.mean()  # earlier turns join the prompt
    again = V.sample_sharegpt_distserve(5_000, np.random.default_rng(3))
    assert np.array_equal(work.prompt, again.prompt) and np.array_equal(work.gaps, again.gaps)
    with pytest.raises(ValueError, match="mean_rounds"):
        V.sample_sharegpt_distserve(10, rng, mean_rounds=2.0)
    with pytest.raises(ValueError, match="curve_key"):
        V.compare_curve("vllm-opt-66b-sharegpt-slo")


def test_vllm_attainment_error_no_worse_than_measured(vllm_curve):
    """Measured (10 request sets of 100): mean |error| 9.3 points, worst 24.3 points (at
    3 req/s, where we overestimate)."""
    assert vllm_curve.mean_abs_error_pp <= 9.3 + 1.0
    assert vllm_curve.max_abs_error_pp <= 24.3 + 2.0


def test_vllm_attainment_falls_as_the_rate_rises_like_the_real_curve(vllm_curve):
    ours, real = vllm_curve.ours_pct, np.asarray(vllm_curve.curve.attainment_pct)
    assert ours[-1] < ours[0] - 5.0 and real[-1] < real[0] - 5.0
    assert np.all(np.diff(ours) <= 1.0)  # non-increasing up to noise
    assert np.corrcoef(ours, real)[0, 1] > 0.9


@pytest.mark.xfail(strict=True, reason="measured: the simulated vLLM curve falls too slowly "
                   "with the rate (79% at 3 req/s against the real 55%)")
def test_vllm_attainment_within_five_points_at_every_rate(vllm_curve):
    assert vllm_curve.max_abs_error_pp <= 5.0


def test_distserve_keeps_98_5_percent_where_vllm_never_does(ratios):
    """Measured: vLLM stays under 98.5% at every rate down to 0.25 req/s (the notebook's
    "Intersection point not found"), DistServe keeps it up to 1.60 req/s per GPU. Ours:
    vLLM never, DistServe up to 2.02 (+26%, measured with this file's request sets)."""
    r = ratios[98.5]
    assert r.measured_is_bound and r.ours_vllm < 0.25
    assert abs(np.log(r.ours_distserve / r.measured_distserve)) <= np.log(2.02 / 1.597) + 0.05


def test_distserve_beats_vllm_at_90_percent_no_worse_than_measured(ratios):
    """Measured 4.6x at 90%; ours 2.1x with this file's request sets (2.7x with the 10 sets
    of docs/serving.md): disaggregation wins, by less than on the real systems."""
    r = ratios[90.0]
    assert r.ours_ratio > 1.5
    assert abs(r.log2_error) <= abs(np.log2(2.11 / 4.6)) + 0.1


@pytest.mark.xfail(strict=True, reason="measured: 2.1x (2.7x with 10 request sets) against "
                   "the real 4.6x; our vLLM stays near 90% over a wider range of rates")
def test_distserve_goodput_ratio_within_25_percent_of_the_real_one(ratios):
    assert abs(np.log(ratios[90.0].ours_ratio / 4.6)) <= np.log(1.25)
