"""The leaderboard on PettingZoo parallel envs (rows per team or per role, as the env is
registered) and grouped tables (configs that differ only in a declared argument)."""

from __future__ import annotations

import pytest

from papergym.leaderboard import LeaderboardInputError, env_traits, plan, run_leaderboard
from papergym.leaderboard.report import markdown
from papergym.runner import run_parallel
from tests.leaderboard import toyenv

DUEL = "tests.leaderboard.toyduel"


@pytest.fixture
def duels():
    toyenv.register_parallel_toys()
    yield
    toyenv.unregister_parallel_toys()


def test_a_team_env_ranks_one_row_per_agent_playing_every_role(tmp_path, duels):
    result = run_leaderboard([toyenv.DUEL_TEAM_ID], ["toy_duel_hint", "random"], seeds=3,
                             store=tmp_path / "t.sqlite", workers=1, timeout=None,
                             imports=[DUEL], markdown=None, plots=None)
    (board,) = result.boards
    assert board.primary_metric == "team_hits" and board.role is None
    assert [r.agent for r in board.rows] == ["toy_duel_hint", "random"]  # hints beat chance
    # the cells went through run_parallel: same numbers for the same seeds
    direct = run_parallel(toyenv.DUEL_TEAM_ID, "toy_duel_hint", seeds=[0, 1, 2])
    assert sorted(board.rows[0].values) == sorted(r.metrics["team_hits"] for r in direct)


def test_a_role_env_ranks_each_role_with_the_reference_partner(tmp_path, duels):
    cells, _ = plan([toyenv.DUEL_ROLE_ID], None, seeds=2, imports=[DUEL])
    teams = {(c.role, c.agent): dict(c.team) for c in cells}
    assert teams == {
        ("left", "toy_left_hint"): {"left": "toy_left_hint", "right": "toy_right_hint"},
        ("left", "toy_left_zero"): {"left": "toy_left_zero", "right": "toy_right_hint"},
        ("right", "toy_right_hint"): {"left": "toy_left_hint", "right": "toy_right_hint"},
    }
    result = run_leaderboard([toyenv.DUEL_ROLE_ID], None, seeds=3, store=tmp_path / "r.sqlite",
                             workers=2, timeout=30, imports=[DUEL], markdown=None, plots=None)
    boards = {b.role: b for b in result.boards}
    assert set(boards) == {"left", "right"}
    assert [r.agent for r in boards["left"].rows] == ["toy_left_hint", "toy_left_zero"]
    assert "role=left" in boards["left"].title and boards["left"].slug.endswith("_left")


def test_a_role_nobody_can_play_is_refused_when_named(duels):
    traits = env_traits(toyenv.DUEL_ROLE_ID)
    assert traits.rank_by == "role" and traits.roles == ("left", "right")
    with pytest.raises(LeaderboardInputError, match="agent kwargs are not supported"):
        plan([toyenv.DUEL_TEAM_ID], [{"name": "toy_duel_hint", "kwargs": {"x": 1}}], seeds=1)


def test_configs_differing_in_a_declared_argument_share_one_table(tmp_path):
    result = run_leaderboard([toyenv.GROUPED_ID], ["toy_hint_grouped"], seeds=3,
                             store=tmp_path / "g.sqlite", workers=1, timeout=None,
                             markdown=None, plots=None)
    (board,) = result.boards
    assert board.group_by == ("hint_noise",) and len(board.rows) == 2
    assert {r.group_values["hint_noise"] for r in board.rows} == {0.0, 0.3}
    assert board.rows[0].group_values["hint_noise"] == 0.0  # no noise ranks first
    text = markdown(result.boards)
    assert "| # | agent | hint_noise | IQM |" in text
    # ToyMisses-v0 declares no grouping: its two configs stay two tables
    other = run_leaderboard(["ToyMisses-v0"], ["toy_hint"], seeds=2,
                            store=tmp_path / "m.sqlite", workers=1, timeout=None,
                            markdown=None, plots=None)
    assert len(other.boards) == 2


def test_an_env_that_names_a_metric_without_its_direction_is_refused():
    with pytest.raises(LeaderboardInputError, match="higher_is_better"):
        plan([toyenv.NO_DIRECTION_ID], ["random"], seeds=1)
