"""Bad input is refused with exit code 2 and a message that helps; files are never clobbered."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from papergym.cli import main
from papergym.leaderboard import LeaderboardInputError, load_experiment, plan
from papergym.leaderboard.cells import parse_seeds
from tests.leaderboard.conftest import REPO, TOY


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(["leaderboard", "--no-progress", "--import", TOY, *args])
    return code, capsys.readouterr().err


def test_unknown_env_id_exits_2_with_close_matches(capsys):
    code, err = _cli(capsys, "--envs", "ToyHitz-v0")
    assert code == 2
    assert "unknown env id 'ToyHitz-v0'" in err and "did you mean ToyHits-v0" in err


def test_unknown_agent_exits_2_with_close_matches(capsys):
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", "toy_orcale")
    assert code == 2
    assert "unknown agent 'toy_orcale'" in err and "toy_oracle" in err


def test_agent_that_does_not_apply_is_refused_with_the_reason(capsys):
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", "toy_crash")
    assert code == 2
    assert "toy_crash" in err and "applies to ToyFaulty-v0, not ToyHits-v0" in err


def test_agent_that_applies_somewhere_is_skipped_where_it_does_not():
    cells, _ = plan(["ToyHits-v0", "ToyFaulty-v0"], ["random", "toy_crash"], seeds=1)
    assert sorted((c.env_id, c.agent) for c in cells) == [
        ("ToyFaulty-v0", "random"), ("ToyFaulty-v0", "toy_crash"), ("ToyHits-v0", "random")]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_corrupted_results_file_is_named_and_left_untouched(tmp_path, capsys):
    bad = tmp_path / "corrupt.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    before = _digest(bad)
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--db", str(bad))
    assert code == 2 and str(bad) in err and "untouched" in err
    assert _digest(bad) == before


def test_foreign_sqlite_file_is_named_and_left_untouched(tmp_path, capsys):
    foreign = tmp_path / "someone_elses.sqlite"
    with sqlite3.connect(foreign) as con:
        con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.close()
    before = _digest(foreign)
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--db", str(foreign))
    assert code == 2 and str(foreign) in err and "not a papergym results store" in err
    assert _digest(foreign) == before
    with sqlite3.connect(foreign) as con:
        assert con.execute("SELECT * FROM invoices").fetchall() == [(1, 9.5)]
    con.close()


def test_cli_runs_ranks_and_exits_1_when_a_cell_failed(tmp_path, capsys):
    code = main(["leaderboard", "--no-progress", "--envs", "ToyFaulty-v0", "--agents", "random",
                 "toy_crash", "--seeds", "0,1", "--db", str(tmp_path / "x.sqlite"),
                 "--workers", "1", "--import", TOY])
    out = capsys.readouterr().out
    assert code == 1
    assert "toy_crash: 2 failed cell(s): RuntimeError: toy_crash always fails" in out
    assert (tmp_path / "results" / "LEADERBOARD.md").exists()
    code = main(["leaderboard", "--no-progress", "--envs", "ToyFaulty-v0", "--agents", "random",
                 "--seeds", "0,1", "--db", str(tmp_path / "x.sqlite"), "--report-only"])
    assert code == 0 and "0 run (0 failed), 2 already stored" in capsys.readouterr().out


@pytest.mark.parametrize("text, count", [("3", 3), ("0,4,7", 3), ("10-12", 3), ("2,5-6", 3)])
def test_seed_specs(text, count):
    assert len(parse_seeds(text)) == count


@pytest.mark.parametrize("text", ["", "a", "1-b", "3,,x", [-1, 2]])
def test_bad_seed_specs_are_refused(text):
    with pytest.raises(LeaderboardInputError):
        parse_seeds(text)


TOML = """
seeds = [0, 1]
agents = ["random", "toy_hint"]
imports = ["tests.leaderboard.toyenv"]

[[envs]]
id = "ToyHits-v0"
kwargs = { horizon = 5 }

[[envs]]
id = "ToyMisses-v0"
configs = [{}, { hint_noise = 0.0 }]
agents = ["toy_oracle"]
seeds = "3-4"
"""

YAML = """
seeds: [0, 1]
agents: [random, toy_hint]
imports: [tests.leaderboard.toyenv]
envs:
  - id: ToyHits-v0
    kwargs: {horizon: 5}
  - id: ToyMisses-v0
    configs: [{}, {hint_noise: 0.0}]
    agents: [toy_oracle]
    seeds: 3-4
"""


def test_toml_and_yaml_experiments_plan_the_same_cells(tmp_path):
    (tmp_path / "exp.toml").write_text(TOML)
    (tmp_path / "exp.yaml").write_text(YAML)
    plans = [plan(experiment=tmp_path / name)[0] for name in ("exp.toml", "exp.yaml")]
    assert [c.key for c in plans[0]] == [c.key for c in plans[1]]
    got = sorted((c.env_id, tuple(sorted(c.env_kwargs.items())), c.agent, c.seed)
                 for c in plans[0])
    assert got == sorted(
        [("ToyHits-v0", (("horizon", 5),), a, s) for a in ("random", "toy_hint") for s in (0, 1)]
        + [("ToyMisses-v0", kw, "toy_oracle", s) for kw in ((), (("hint_noise", 0.0),))
           for s in (3, 4)])


@pytest.mark.parametrize("text, message", [
    ("seeds = 2\n", "needs a non-empty list `envs`"),
    ('[[envs]]\nid = "ToyHits-v0"\nkwarg = {}\n', "unknown keys ['kwarg']"),
    ('sedes = 3\n[[envs]]\nid = "ToyHits-v0"\n', "unknown keys ['sedes']"),
    ("[[envs]\n", "not valid TOML"),
    # wrong types and misspelt agent keys: refused, never coerced or dropped
    ('episodes = "x"\n[[envs]]\nid = "ToyHits-v0"\n', "`episodes` must be a whole number"),
    ('episodes = 2.7\n[[envs]]\nid = "ToyHits-v0"\n', "`episodes` must be a whole number"),
    ('max_steps = 0\n[[envs]]\nid = "ToyHits-v0"\n', "`max_steps` must be a whole number"),
    ('imports = "os"\n[[envs]]\nid = "ToyHits-v0"\n', "`imports` must be a list"),
    ('quick = "no"\n[[envs]]\nid = "ToyHits-v0"\n', "`quick` must be true or false"),
    ('seeds = 1.5\n[[envs]]\nid = "ToyHits-v0"\n', "(whole numbers)"),
    ('seeds = [0, 1.5]\n[[envs]]\nid = "ToyHits-v0"\n', "(whole numbers)"),
    ('agents = [{name = "random", kwarg = {}}]\n[[envs]]\nid = "ToyHits-v0"\n',
     "agents[0]: an agent name or a table with `name`"),
    ('agents = [{kwargs = {}}]\n[[envs]]\nid = "ToyHits-v0"\n', "agents[0]"),
    ('[[envs]]\nid = "ToyHits-v0"\nagents = "random"\n', "envs[0].agents: a list of agent"),
    ('[[envs]]\nid = "ToyHits-v0"\nseeds = "0,5-3"\n', "the range 5-3 is reversed"),
])
def test_bad_experiment_files_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(LeaderboardInputError, match="bad.toml") as info:
        load_experiment(path)
    assert message in str(info.value)


def test_experiment_with_unknown_env_exits_2(tmp_path, capsys):
    (tmp_path / "e.yaml").write_text("envs:\n  - id: ToyMises-v0\n")
    code, err = _cli(capsys, "--experiment", str(tmp_path / "e.yaml"))
    assert code == 2 and "did you mean ToyMisses-v0" in err


def test_explicit_agents_and_seeds_override_an_experiment_s_per_env_ones(tmp_path):
    (tmp_path / "exp.toml").write_text(TOML)
    cells, _ = plan(["ToyMisses-v0"], ["random"], seeds=2, experiment=tmp_path / "exp.toml")
    assert {(c.agent, c.seed) for c in cells} == {("random", 0), ("random", 1)}
    cells, _ = plan(agents=["random"], seeds=1, experiment=tmp_path / "exp.toml")
    assert {(c.env_id, c.agent, c.seed) for c in cells} == {
        ("ToyHits-v0", "random", 0), ("ToyMisses-v0", "random", 0)}  # the file's agents gone


def test_quick_shortens_only_what_the_kwargs_leave_unset():
    (cell,) = plan([{"id": "Paging-v0", "kwargs": {"horizon": 500}}], ["lru"], 1, quick=True)[0]
    assert cell.env_kwargs["horizon"] == 500
    cells, _ = plan(["Paging-v0"], ["lru"], 1, quick=True)  # one cell per leaderboard config
    from papergym.envs.paging import PagingEnv

    assert [c.env_kwargs["horizon"] for c in cells] == \
        [PagingEnv.quick_kwargs["horizon"]] * len(PagingEnv.leaderboard_configs)


def test_an_agent_named_twice_is_planned_once():
    cells, _ = plan(["ToyHits-v0"], ["random", "random", {"name": "random"}], seeds=2)
    assert len(cells) == 2


def test_an_unimportable_plugin_exits_2(capsys):
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--import", "no_such_module_xyz")
    assert code == 2 and "--import no_such_module_xyz: cannot import it" in err


def test_timeout_inf_means_no_limit_and_huge_finite_ones_are_refused(tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", "random", "--seeds", "1",
                     "--workers", "1", "--no-files", "--db", db, "--timeout", "inf")
    assert code == 0, err
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--db", db, "--timeout", "1e12")
    assert code == 2 and "timeout must be at most" in err


@pytest.mark.parametrize("path", [p for p in sorted((REPO / "experiments").rglob("*.*"))
                                  if "train" not in p.read_text()[:400]], ids=lambda p: p.name)
def test_shipped_experiment_files_plan_cleanly(path):
    cells, _ = plan(experiment=path)  # every env id and agent name in them resolves
    assert cells and len({c.key for c in cells}) == len(cells)


# ------------------------------------------------------------ env kwargs, numbers, sb3


def test_unknown_env_kwarg_exits_2_listing_the_accepted_names(tmp_path, capsys):
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--kw", "horizn=3",
                     "--db", str(tmp_path / "k.sqlite"))
    assert code == 2
    assert "unknown env keyword argument 'horizn' (did you mean horizon?)" in err
    assert "accepts n_actions, horizon, hint_noise" in err
    assert not (tmp_path / "k.sqlite").exists()  # refused before anything ran


def test_unknown_env_kwarg_in_an_experiment_file_exits_2(tmp_path, capsys):
    (tmp_path / "e.yaml").write_text("envs:\n  - id: ToyHits-v0\n    kwargs: {n_action: 3}\n")
    code, err = _cli(capsys, "--experiment", str(tmp_path / "e.yaml"))
    assert code == 2 and "'n_action' (did you mean n_actions?)" in err


def test_check_env_kwargs():
    from papergym.leaderboard.cells import UnknownEnvKwargError, check_env_kwargs

    check_env_kwargs("ToyHits-v0", {"horizon": 3, "max_episode_steps": 9})  # gym.make's own
    with pytest.raises(UnknownEnvKwargError, match="'kk', 'zz'"):
        check_env_kwargs("ToyHits-v0", {"kk": 1, "zz": 2})
    with pytest.raises(LeaderboardInputError, match="unknown env id"):
        check_env_kwargs("ToyHitz-v0", {})


def test_check_env_kwargs_accepts_anything_for_a_var_keyword_entry_point():
    from gymnasium.envs.registration import register, registry

    from papergym.leaderboard.cells import check_env_kwargs
    from tests.leaderboard.toyenv import ToyHitsEnv

    def make_toy(**kwargs):
        return ToyHitsEnv(**kwargs)

    if "ToyAnyKw-v0" not in registry:
        register(id="ToyAnyKw-v0", entry_point=make_toy)
    check_env_kwargs("ToyAnyKw-v0", {"whatever": 1})


def test_duplicate_seeds_are_refused():
    with pytest.raises(LeaderboardInputError, match="seed.s. 0, 2 given more than once"):
        parse_seeds("0,0,1-2,2")


@pytest.mark.parametrize("flags, message", [
    (["--episodes", "0"], "episodes must be a whole number >= 1, got 0"),
    (["--workers", "0"], "workers must be >= 1"),
    (["--workers", "-2"], "workers must be >= 1"),
    (["--timeout", "-1"], "timeout must be > 0 seconds, got -1.0"),
    (["--timeout", "0"], "timeout must be > 0 seconds"),
    (["--max-steps", "0"], "max_steps must be a whole number >= 1"),
    (["--seeds", "0,0"], "given more than once"),
])
def test_bad_numbers_exit_2(tmp_path, capsys, flags, message):
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--db", str(tmp_path / "n.sqlite"), *flags)
    assert code == 2 and message in err


def test_help_shows_a_plain_percent_sign(capsys):
    with pytest.raises(SystemExit):
        main(["leaderboard", "--help"])
    out = capsys.readouterr().out
    assert "95% stratified" in out and "%%" not in out


def _fake_model(tmp_path, env_id):
    zip_path = tmp_path / f"{env_id}__PPO__seed0.zip"
    zip_path.write_bytes(b"not really a model")
    zip_path.with_suffix(".json").write_text(f'{{"algo": "PPO", "env_id": "{env_id}"}}')
    return zip_path


def test_sb3_refusal_reads_the_sidecar(tmp_path):
    from papergym.leaderboard.cells import sb3_refusal

    model = _fake_model(tmp_path, "ToyHits-v0")
    assert "unpickles objects" in sb3_refusal(model, "ToyHits-v0")  # a zip: not without the flag
    assert sb3_refusal(model, "ToyHits-v0", allow_pickle=True) is None
    assert sb3_refusal(f"sb3:{model}", "ToyMisses-v0", allow_pickle=True) == (
        f"sb3:{model} was trained on ToyHits-v0, not ToyMisses-v0")
    model.with_suffix(".json").unlink()
    assert sb3_refusal(model, "ToyMisses-v0", allow_pickle=True) is None  # nothing to check
    assert "no model there" in sb3_refusal(tmp_path / "missing", "ToyHits-v0")


def test_sb3_refusal_appends_zip_as_sb3_does(tmp_path):
    """``sb3:models/run1.5`` is ``models/run1.5.zip`` to SB3, not ``models/run1.zip``."""
    from papergym.leaderboard.cells import sb3_refusal

    model = tmp_path / "run1.5.zip"
    model.write_bytes(b"not really a model")
    (tmp_path / "run1.zip").write_bytes(b"another model")
    (tmp_path / "run1.json").write_text('{"algo": "PPO", "env_id": "ToyHits-v0"}')
    bare = tmp_path / "run1.5"
    assert sb3_refusal(f"sb3:{bare}", "ToyMisses-v0", allow_pickle=True) is None
    (tmp_path / "run1.5.json").write_text('{"algo": "PPO", "env_id": "ToyMisses-v0"}')
    assert sb3_refusal(bare, "ToyMisses-v0", allow_pickle=True) is None
    assert "was trained on ToyMisses-v0" in sb3_refusal(bare, "ToyHits-v0", allow_pickle=True)
    model.unlink()
    assert "no model there" in sb3_refusal(bare, "ToyHits-v0", allow_pickle=True)


def test_sb3_model_for_another_env_exits_2(tmp_path, capsys):
    model = _fake_model(tmp_path, "ToyHits-v0")
    code, err = _cli(capsys, "--envs", "ToyMisses-v0", "--agents", f"sb3:{model}",
                     "--db", str(tmp_path / "m.sqlite"), "--allow-pickle")
    assert code == 2 and "was trained on ToyHits-v0, not ToyMisses-v0" in err
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", f"sb3:{tmp_path}/nope",
                     "--db", str(tmp_path / "m.sqlite"))
    assert code == 2 and "no model there" in err
