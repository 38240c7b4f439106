"""IQM and the stratified bootstrap CI."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from papergym.leaderboard import iqm, stratified_bootstrap_ci


def test_iqm_is_the_25_percent_trimmed_mean():
    scores = np.array([[1.0], [2.0], [3.0], [4.0], [100.0], [-50.0], [5.0], [6.0]])
    assert iqm(scores) == pytest.approx(stats.trim_mean(scores.ravel(), 0.25))
    assert iqm(scores) == pytest.approx(np.mean([2, 3, 4, 5]))


def test_ci_brackets_the_iqm_and_is_reproducible():
    scores = np.random.default_rng(0).normal(10, 2, size=(20, 1))
    lo, hi = stratified_bootstrap_ci(scores, reps=500, seed=3)
    assert lo < iqm(scores) < hi
    assert (lo, hi) == stratified_bootstrap_ci(scores, reps=500, seed=3)
    assert stratified_bootstrap_ci(np.full((5, 1), 7.0)) == (7.0, 7.0)


def test_bootstrap_resamples_runs_within_each_task():
    # Every run agrees within each task, so a stratified bootstrap has nothing to vary;
    # pooling runs across tasks (an unstratified bootstrap) would give a wide interval.
    scores = np.column_stack([np.zeros(6), np.full(6, 100.0)])
    assert stratified_bootstrap_ci(scores, reps=300) == pytest.approx((50.0, 50.0))


def test_wider_spread_gives_a_wider_interval():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(12, 1))
    narrow = np.subtract(*stratified_bootstrap_ci(base, reps=400)[::-1])
    wide = np.subtract(*stratified_bootstrap_ci(10 * base, reps=400)[::-1])
    assert wide == pytest.approx(10 * narrow)


def test_a_blank_error_text_does_not_break_the_board():
    from papergym.leaderboard import aggregate
    from papergym.results import CellResult

    cells = [CellResult("ToyHits-v0", {}, "random", {}, seed, status="failed", error=error,
                        primary_metric="hits") for seed, error in
             enumerate(["   \n  ", "", None, "Traceback ...\nValueError: x\n\n"])]
    (board,) = aggregate(cells)
    assert board.rows[0].errors == ["", "", "", "ValueError: x"]


def test_iqm_trims_a_quarter_from_each_end_and_equals_the_mean_below_4_seeds():
    assert iqm(np.array([[0.0], [1.0], [2.0], [100.0]])) == pytest.approx(1.5)  # 1 cut each end
    assert iqm(np.array([[0.0], [1.0], [100.0]])) == pytest.approx(101 / 3)  # nothing cut
    assert iqm(np.arange(8.0)[:, None]) == pytest.approx(3.5)


def test_ci_level_is_the_requested_percentile_interval():
    scores = np.random.default_rng(2).normal(size=(30, 1))
    lo95, hi95 = stratified_bootstrap_ci(scores, reps=2000, seed=0)
    lo50, hi50 = stratified_bootstrap_ci(scores, reps=2000, seed=0, confidence=0.5)
    assert lo95 < lo50 < hi50 < hi95
    # the 95% interval is the 2.5 and 97.5 percentiles of the same replicates
    rng = np.random.default_rng(0)
    picks = rng.integers(30, size=(2000, 30, 1))
    replicate = stats.trim_mean(np.take_along_axis(
        np.broadcast_to(scores, (2000, 30, 1)), picks, axis=1).reshape(2000, -1), 0.25, axis=1)
    assert (lo95, hi95) == pytest.approx(tuple(np.quantile(replicate, [0.025, 0.975])))
