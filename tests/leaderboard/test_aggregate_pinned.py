"""What the leaderboard's aggregation promises, each on small inputs worked out by hand.

These pin behaviour that the byte-exact README/docs tables show only as a whole (the
ranking order and its tie-break, the direction of an env's metric, failed cells, the
labels, per-role boards, the mean curve, grouped boards, the bootstrap's defaults), so
that a small fault in ``papergym/leaderboard/aggregate.py`` fails a test that says what
broke (issue 9, section 7: the mutation score of the spine).  All in-process: mutmut can
run them.
"""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.envs.registration import EnvSpec, registry

from papergym.leaderboard import Board, Row, aggregate, group_boards, iqm, stratified_bootstrap_ci
from papergym.results import CellResult, config_hash
from tests.leaderboard.toyenv import GROUPED_ID, ToyHitsEnv

HITS, MISSES = "ToyHits-v0", "ToyMisses-v0"  # higher / lower is better
UNKNOWN = "NoSuchEnvAnyMore-v0"  # not registered: an env whose package is gone


def cell(env_id=HITS, agent="a", seed=0, value=1.0, *, kwargs=None, config=None, status="ok",
         error=None, episodes=None, metric="hits", wall_time=0.0, requires_model=False):
    return CellResult(env_id, dict(kwargs or {}), agent, dict(config or {}), seed,
                      status=status, error=error, episodes=list(episodes or []),
                      primary_metric=metric, primary_value=value, wall_time=wall_time,
                      requires_model=requires_model)


# --- IQM and the bootstrap ---------------------------------------------------------------

def test_float32_metrics_are_averaged_in_double_precision():
    # env metrics often arrive as float32; their IQM is the float64 mean of those values
    x32 = np.array([0.1, 0.2, 0.7], dtype=np.float32)
    assert iqm(x32) == float(np.mean(x32.astype(np.float64)))
    assert iqm(x32) != float(np.mean(x32))  # float32 arithmetic would round differently
    scores = (np.random.default_rng(0).normal(size=(9, 1)) / 3).astype(np.float32)
    assert stratified_bootstrap_ci(scores, reps=200) == \
        stratified_bootstrap_ci(scores.astype(np.float64), reps=200)


def test_bootstrap_defaults_are_2000_replicates_at_seed_0_and_95_percent():
    scores = np.random.default_rng(4).normal(size=(15, 1))
    default = stratified_bootstrap_ci(scores)
    assert default == stratified_bootstrap_ci(scores, reps=2000, seed=0, confidence=0.95)
    assert default != stratified_bootstrap_ci(scores, reps=2001, seed=0)
    assert default != stratified_bootstrap_ci(scores, reps=2000, seed=1)


def test_bootstrap_takes_one_dimensional_scores_as_one_task():
    scores = np.random.default_rng(5).normal(size=12)
    assert stratified_bootstrap_ci(scores, reps=300) == \
        stratified_bootstrap_ci(scores[:, None], reps=300)


# --- rows: what is scored, what is counted ------------------------------------------------

def test_a_row_scores_ok_cells_and_counts_the_rest():
    episode = {"return": 1.0}
    cells = [cell(seed=0, value=1.0, episodes=[episode] * 2, wall_time=0.5),
             cell(seed=1, value=2.0, episodes=[episode] * 2, wall_time=0.5),
             # failed, yet carrying a value: counted as failed, never scored
             cell(seed=2, value=9.0, status="failed", episodes=[episode], wall_time=1.0,
                  error="Traceback (most recent call last):\n  File \"x.py\", line 1\n"
                        "RuntimeError: boom\n", requires_model=True),
             cell(seed=3, value=3.0, episodes=[episode] * 2, wall_time=0.5),
             # "ok" without a value (no metric reached): counted as failed
             cell(seed=4, value=None, episodes=[episode], wall_time=0.25)]
    (board,) = aggregate(cells)
    (row,) = board.rows
    assert (row.agent, row.label) == ("a", "a")
    assert row.values == [1.0, 2.0, 3.0] and row.seeds == 3
    assert row.failed == 2
    assert row.errors == ["RuntimeError: boom", ""]
    assert row.episodes == 6  # episodes of the scored cells only
    assert row.wall_time == pytest.approx(2.75)  # every cell's time, failed ones too
    assert row.requires_model is True  # any cell's
    assert row.iqm == pytest.approx(2.0)  # 3 seeds: the mean
    assert row.ci == stratified_bootstrap_ci(np.array([[1.0], [2.0], [3.0]]), reps=2000, seed=0)


def test_a_row_whose_cells_all_failed_has_no_score():
    cells = [cell(seed=s, value=None, status="failed", error="ValueError: no", metric=None)
             for s in range(2)]
    (board,) = aggregate(cells)
    (row,) = board.rows
    assert (row.iqm, row.ci, row.values, row.failed) == (None, None, [], 2)
    assert board.primary_metric == "?"  # no cell named the metric


def test_reps_and_seed_reach_the_bootstrap_and_default_to_2000_at_seed_0():
    # 40 seeds, so that nearly every replicate differs and the percentiles move with reps
    values = np.random.default_rng(8).normal(size=40)
    cells = [cell(seed=s, value=float(v)) for s, v in enumerate(values)]
    (row,) = aggregate(cells, reps=300, seed=7)[0].rows
    assert row.ci == stratified_bootstrap_ci(np.array(row.values)[:, None], reps=300, seed=7)
    (default,) = aggregate(cells)[0].rows  # 2000 replicates at seed 0, as documented
    assert default.ci == stratified_bootstrap_ci(np.array(row.values)[:, None], reps=2000, seed=0)
    assert default.ci != row.ci
    assert default.ci != stratified_bootstrap_ci(np.array(row.values)[:, None], reps=2001, seed=0)
    assert default.ci != stratified_bootstrap_ci(np.array(row.values)[:, None], reps=2000, seed=1)


def test_a_board_of_one_cell_keeps_its_env_kwargs_metric_and_direction():
    (board,) = aggregate([cell(MISSES, kwargs={"horizon": 5}, value=4.0, metric="misses")])
    assert (board.env_id, board.env_kwargs, board.primary_metric) == \
        (MISSES, {"horizon": 5}, "misses")
    assert board.higher_is_better is False and board.role is None
    assert board.rows[0].iqm == 4.0


def test_keys_select_the_cells_to_rank():
    cells = [cell(seed=s, value=float(s)) for s in range(4)]
    (board,) = aggregate(cells, keys={cells[1].key, cells[3].key})
    assert board.rows[0].values == [1.0, 3.0]
    assert aggregate(cells, keys=set()) == []


def test_an_agent_with_two_configs_is_labelled_by_config_hash():
    fast = {"lr": 0.1}
    cells = [cell(agent="a", value=1.0), cell(agent="a", config=fast, value=2.0),
             cell(agent="b", value=3.0)]
    (board,) = aggregate(cells)
    assert [r.label for r in board.rows] == \
        ["b", f"a [{config_hash(fast)[:6]}]", f"a [{config_hash({})[:6]}]"]
    assert [r.agent for r in board.rows] == ["b", "a", "a"]


# --- ranking ------------------------------------------------------------------------------

# one seed each, so each row's IQM is its value; "t" failed; "p" and "r" tie
SCORES = {"p": 0.5, "q": 0.0, "r": 0.5, "s": -1.0, "t": None}


def _ranked(env_id):
    cells = [cell(env_id, agent=a, value=v, status="ok" if v is not None else "failed")
             for a, v in SCORES.items()]
    (board,) = aggregate(cells)
    return board, [r.agent for r in board.rows]


def test_higher_is_better_ranks_best_first_ties_by_label_unscored_last():
    board, order = _ranked(HITS)
    assert board.higher_is_better is True
    assert order == ["p", "r", "q", "s", "t"]


def test_lower_is_better_ranks_the_smallest_first_ties_by_label_unscored_last():
    board, order = _ranked(MISSES)
    assert board.higher_is_better is False
    assert order == ["s", "q", "p", "r", "t"]


def test_an_env_that_no_longer_imports_is_ranked_higher_is_better():
    board, order = _ranked(UNKNOWN)
    assert board.higher_is_better is True
    assert order == ["p", "r", "q", "s", "t"]


# --- parallel envs: one board per role ----------------------------------------------------

def test_a_role_ranked_env_has_one_board_per_role():
    team = {"left": "x", "right": "y"}
    cells = [cell(UNKNOWN, agent="x", config={"role": "right", "team": team}, value=1.0),
             cell(UNKNOWN, agent="x", config={"role": "left", "team": team}, value=2.0),
             cell(UNKNOWN, agent="y", config={"role": "left", "team": team}, value=3.0)]
    boards = aggregate(cells)
    assert [b.role for b in boards] == ["left", "right"]
    assert [[r.agent for r in b.rows] for b in boards] == [["y", "x"], ["x"]]


def test_team_ranked_cells_and_an_agent_option_called_role_share_one_board():
    cells = [cell(UNKNOWN, agent="x", config={"team": {"left": "x", "right": "x"}}, value=1.0),
             # a single-agent option that happens to be named "role" makes no role board
             cell(UNKNOWN, agent="y", config={"role": "left"}, value=2.0)]
    (board,) = aggregate(cells)
    assert board.role is None
    assert [r.agent for r in board.rows] == ["y", "x"]


# --- the mean curve -----------------------------------------------------------------------

def _curve_row(*episode_lists):
    cells = [cell(seed=s, value=1.0, episodes=eps) for s, eps in enumerate(episode_lists)]
    (board,) = aggregate(cells)
    return board.rows[0]


def test_the_curve_is_the_mean_of_each_seeds_first_episode_on_a_50_point_grid():
    # seed 0: regret 2x from step 2 (4 before it, interpolation holds the end values);
    # seed 1: regret 4x + 1 up to step 20.  The grid spans the earliest start (0) to the
    # earliest end (10); later episodes and the return curves are not used.
    later = {"regret_curve": [[0, 100.0], [30, 100.0]], "return_curve": [[0, 7.0], [30, 7.0]]}
    row = _curve_row(
        [{"regret_curve": [[2, 4.0], [5, 10.0], [10, 20.0]], "return_curve": [[0, 9.0], [10, 9.0]]},
         later],
        [{"regret_curve": [[0, 1.0], [10, 41.0], [20, 81.0]], "return_curve": [[0, 9.0], [20, 9.0]]},
         later],
        [])  # a cell with no episodes: scored, but no curve
    assert row.curve_name == "cumulative regret"
    x = np.linspace(0, 10, 50)
    expected = (np.maximum(2 * x, 4.0) + 4 * x + 1) / 2
    assert len(row.curve) == 50
    assert all(isinstance(v, float) for point in row.curve for v in point)
    assert np.allclose(np.array(row.curve), np.column_stack([x, expected]))


def test_the_reward_curve_is_used_unless_every_seed_has_a_regret_curve():
    row = _curve_row([{"regret_curve": [[0, 0.0], [4, 4.0]], "return_curve": [[0, 0.0], [4, 8.0]]}],
                     [{"return_curve": [[0, 0.0], [4, 4.0]]}])
    assert row.curve_name == "cumulative reward"
    assert np.allclose(np.array(row.curve)[:, 1], 1.5 * np.linspace(0, 4, 50))


def test_curves_that_are_not_step_value_pairs_are_skipped():
    row = _curve_row([{"return_curve": [1.0, 2.0, 3.0]}], [{"return_curve": [[0, 0.0], [2, 2.0]]}])
    assert row.curve_name == "cumulative reward"
    assert np.allclose(np.array(row.curve)[:, 1], np.linspace(0, 2, 50))
    assert (_curve_row([{"return_curve": [1.0, 2.0]}], [{"return_curve": []}]).curve_name,
            _curve_row([{}]).curve) == ("", [])


# --- grouped boards -----------------------------------------------------------------------

def _board(env_id, kwargs, scores, *, metric="hits", better=True, role=None):
    rows = [Row(agent, agent, values=[v], iqm=v, ci=(v, v)) for agent, v in scores.items()]
    return Board(env_id, dict(kwargs), metric, better, rows, role=role)


def test_boards_differing_only_in_a_group_by_argument_merge_in_place_of_the_first():
    hits = _board(HITS, {}, {"a": 1.0})
    g_default = _board(GROUPED_ID, {"horizon": 8}, {"a": 0.2, "b": 0.9})
    other = _board(HITS, {"horizon": 5}, {"a": 2.0})
    g_zero = _board(GROUPED_ID, {"horizon": 8, "hint_noise": 0.0}, {"a": 0.5})
    after = _board(HITS, {"hint_noise": 0.0}, {"a": 3.0})
    out = group_boards([hits, g_default, other, g_zero, after])
    assert len(out) == 4
    assert out[0] is hits and out[2] is other and out[3] is after
    merged = out[1]
    assert (merged.env_id, merged.env_kwargs, merged.primary_metric, merged.role) == \
        (GROUPED_ID, {"horizon": 8}, "hits", None)
    assert merged.higher_is_better is True and merged.group_by == ("hint_noise",)
    # ranked across members; an unset argument shows the constructor's default (0.3)
    assert [r.label for r in merged.rows] == \
        ["b (hint_noise=0.3)", "a (hint_noise=0.0)", "a (hint_noise=0.3)"]
    assert [r.group_values for r in merged.rows] == \
        [{"hint_noise": 0.3}, {"hint_noise": 0.0}, {"hint_noise": 0.3}]
    assert [(r.agent, r.iqm) for r in merged.rows] == [("b", 0.9), ("a", 0.5), ("a", 0.2)]


def test_a_merged_lower_is_better_role_board_ranks_the_smallest_first():
    out = group_boards([_board(GROUPED_ID, {}, {"a": 0.2, "b": 0.9}, better=False, role="left"),
                        _board(GROUPED_ID, {"hint_noise": 0.0}, {"a": 0.5}, better=False,
                               role="left")])
    (merged,) = out
    assert merged.higher_is_better is False and merged.role == "left"
    assert [r.iqm for r in merged.rows] == [0.2, 0.5, 0.9]


def test_boards_differing_in_role_metric_or_another_argument_stay_apart():
    base = _board(GROUPED_ID, {}, {"a": 1.0})
    boards = [base,
              _board(GROUPED_ID, {"hint_noise": 0.0}, {"a": 2.0}, role="left"),
              _board(GROUPED_ID, {"hint_noise": 0.0, "horizon": 5}, {"a": 3.0}),
              _board(GROUPED_ID, {"hint_noise": 0.0}, {"a": 4.0}, metric="misses"),
              _board(HITS, {}, {"a": 5.0})]
    out = group_boards(boards)
    assert len(out) == len(boards) and all(o is b for o, b in zip(out, boards))


def test_boards_of_an_env_without_group_by_or_no_longer_importable_are_kept():
    boards = [_board(UNKNOWN, {}, {"a": 1.0}), _board(UNKNOWN, {"x": 1}, {"a": 2.0}),
              _board(HITS, {}, {"a": 1.0}), _board(HITS, {"hint_noise": 0.0}, {"a": 2.0})]
    out = group_boards(boards)
    assert len(out) == 4 and all(o is b for o, b in zip(out, boards))


class TwoArgGroupedEnv(ToyHitsEnv):
    """ToyHits grouped by two arguments (registered by the test that uses it)."""

    leaderboard_group_by = ("hint_noise", "horizon")


def test_a_board_grouped_by_two_arguments_labels_rows_with_both(monkeypatch):
    env_id = "ToyTwoArgGrouped-v0"
    monkeypatch.setitem(registry, env_id, EnvSpec(
        env_id, entry_point="tests.leaderboard.test_aggregate_pinned:TwoArgGroupedEnv"))
    (merged,) = group_boards([_board(env_id, {"n_actions": 3}, {"a": 1.0}),
                              _board(env_id, {"n_actions": 3, "horizon": 5}, {"a": 2.0})])
    assert merged.group_by == ("hint_noise", "horizon") and merged.env_kwargs == {"n_actions": 3}
    assert [r.label for r in merged.rows] == \
        ["a (hint_noise=0.3, horizon=5)", "a (hint_noise=0.3, horizon=20)"]
