"""SB3 training and agent runs logged to an offline W&B run; the model joins the leaderboard."""

from __future__ import annotations

import json
import runpy

import pytest

import papergym
from papergym.cli import main
from papergym.leaderboard import run_leaderboard
from papergym.training import TrainArgs, train
from tests.leaderboard.conftest import REPO, TOY
from tests.leaderboard.wandb_records import read_run


def _one_run_dir(parent):
    runs = list((parent / "wandb").glob("offline-run-*"))
    assert len(runs) == 1, runs
    return runs[0]


def test_training_writes_an_offline_wandb_run_and_a_rankable_model(tmp_path):
    path = train(TrainArgs(env="ToyHits-v0", algo="PPO", steps=48, n_steps=16, seed=1,
                           save_dir=str(tmp_path / "models"), eval_seeds=1, progress=False,
                           wandb_dir=str(tmp_path / "wb")))
    history, config = read_run(_one_run_dir(tmp_path / "wb"))
    assert {k: config.get(k) for k in ("algo", "env", "steps")} == \
        {"algo": "PPO", "env": "ToyHits-v0", "steps": 48}, (sorted(config), len(history))
    episodes = [row for row in history if "episode/hits" in row]
    assert [row["global_step"] for row in episodes] == [20, 40]  # horizon 20, 48 steps
    assert all(row["episode/hits"] + row["episode/misses"] == 20 for row in episodes)
    assert any("train/value_loss" in row for row in history)  # SB3's logger, forwarded
    assert any("time/fps" in row for row in history)
    (evaluation,) = [row for row in history if "eval/hits" in row]
    assert evaluation["global_step"] == 48

    assert path == tmp_path / "models" / "ToyHits-v0__PPO__seed1.json" and path.exists()
    assert json.loads(path.read_text())["algo"] == "PPO"
    assert path.with_suffix(".safetensors").exists() and not path.with_suffix(".zip").exists()
    result = run_leaderboard(["ToyHits-v0"], ["random", f"sb3:{path}"], seeds=2,
                             store=tmp_path / "lb.sqlite", workers=1, imports=[TOY], markdown=None,
                             plots=None)
    rows = {r.agent: r for r in result.boards[0].rows}
    assert rows[f"sb3:{path}"].seeds == 2 and rows[f"sb3:{path}"].failed == 0


@pytest.mark.parametrize("algo", ["A2C", "DQN", "MaskablePPO"])
def test_every_algorithm_trains_saves_and_plays_through_the_runner(tmp_path, algo):
    path = train(TrainArgs(env="ToyHits-v0", algo=algo, steps=40, n_steps=8, seed=0,
                           save_dir=str(tmp_path), eval_seeds=1, wandb_mode="disabled",
                           progress=False))
    assert json.loads(path.read_text())["algo"] == algo
    (episode,) = papergym.run("ToyHits-v0", f"sb3:{path}", seeds=[5], horizon=4)
    assert episode.metrics["hits"] + episode.metrics["misses"] == 4


@pytest.mark.parametrize("algo", ["SAC", "TD3"])
def test_continuous_algorithms_train_save_and_play_on_a_box_env(tmp_path, algo):
    """SAC/TD3 models are saved as weights + description and load through sb3:<path>."""
    kw = {"horizon": 8}
    path = train(TrainArgs(env="MultiChannelAutobidding-v0", algo=algo, steps=24, seed=0,
                           kw=kw, save_dir=str(tmp_path), eval_seeds=0,
                           wandb_mode="disabled", progress=False))
    assert json.loads(path.read_text())["algo"] == algo
    episodes = papergym.run("MultiChannelAutobidding-v0", f"sb3:{path}", seeds=[3, 4], **kw)
    assert [e.metrics["horizon"] for e in episodes] == [8.0, 8.0]
    again = papergym.run("MultiChannelAutobidding-v0", f"sb3:{path}", seeds=[3, 4], **kw)
    assert [e.metrics for e in again] == [e.metrics for e in episodes]  # a deterministic policy


def test_run_agent_logs_every_episode(tmp_path):
    script = runpy.run_path(str(REPO / "scripts" / "run_agent.py"))
    code = script["main"](["--env", "ToyHits-v0", "--agent", "toy_hint", "--seeds", "2",
                           "--episodes", "2", "--kw", "horizon=7",
                           "--wandb-dir", str(tmp_path / "wb")])
    assert code == 0
    history, config = read_run(_one_run_dir(tmp_path / "wb"))
    rows = [row for row in history if "episode/hits" in row]
    assert len(rows) == 4, (sorted(config), history)
    assert [(r["episode/seed"], r["episode/episode"]) for r in rows] == [
        (0, 0), (0, 1), (1, 0), (1, 1)]
    assert all(r["episode/episode_length"] == 7 for r in rows)
    assert config["agent"] == "toy_hint" and config["kw"] == {"horizon": 7}


def test_default_algo_is_maskable_ppo_where_the_env_masks_actions(tmp_path):
    path = train(TrainArgs(env="Paging-v0", kw={"k": 3, "n_pages": 5, "horizon": 30}, steps=32,
                           n_steps=32, seed=0, save_dir=str(tmp_path / "models"), eval_seeds=1,
                           wandb_mode="disabled", progress=False))
    assert path.name == "Paging-v0__MaskablePPO__seed0.json"
    assert json.loads(path.read_text())["algo"] == "MaskablePPO"


def test_a_model_retrained_at_the_same_path_is_planned_as_a_new_agent(tmp_path):
    """The planner caches agent configs per process; an sb3: model's config holds its
    file's digest, so a retrained file must not be served from the cache."""
    from papergym.leaderboard import plan

    args = dict(env="ToyHits-v0", algo="PPO", n_steps=16, seed=0, eval_seeds=0,
                save_dir=str(tmp_path / "models"), wandb_mode="disabled", progress=False)
    path = train(TrainArgs(steps=16, **args))
    first = plan(["ToyHits-v0"], [f"sb3:{path}"], 1, imports=[TOY])[0][0]
    assert train(TrainArgs(steps=48, **args)) == path
    second = plan(["ToyHits-v0"], [f"sb3:{path}"], 1, imports=[TOY])[0][0]
    assert first.agent_config != second.agent_config and first.key != second.key


@pytest.mark.parametrize("args, message", [
    (["--env", "ToyHits-v0", "--algo", "PPQ"], "--algo must be one of PPO, A2C, DQN, SAC, TD3, MaskablePPO"),
    (["--env", "ToyHitz-v0"], "did you mean ToyHits-v0"),
    (["--env", "ToyHits-v0", "--steps", "0"], "--steps must be a whole number >= 1"),
    (["--env", "ToyHits-v0", "--save-dir", "FILE/models"], "is not a writable folder"),
    (["--env", "Paging-v0", "--kw", "k=0"], "Paging-v0: k must be"),
    (["--env", "ToyHits-v0", "--wandb-mode", "cloud"], "--wandb-mode must be one of"),
    (["--env", "ToyHits-v0", "--kw", "nope=1"], "unknown env keyword argument 'nope'"),
    (["--env", "ToyHits-v0", "--algo", "SAC", "--steps", "16"],
     "--algo SAC needs a continuous (Box) action space"),
    (["--env", "Paging-v0", "--algo", "PPO", "--steps", "16"],
     "--algo PPO cannot train on Paging-v0: the env masks actions"),
])
def test_train_refuses_bad_input_with_exit_2(capsys, tmp_path, args, message):
    (tmp_path / "FILE").write_text("a file, not a folder")
    args = [a.replace("FILE", str(tmp_path / "FILE")) for a in args]
    assert main(["train", *args, "--wandb-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "wandb").exists()  # refused before any W&B run started


def test_train_script_is_papergym_train_with_its_exit_codes(tmp_path, capsys):
    script = runpy.run_path(str(REPO / "scripts" / "train_sb3.py"))
    assert script["main"](["--env", "ToyHitz-v0", "--wandb-dir", str(tmp_path)]) == 2
    assert "did you mean ToyHits-v0" in capsys.readouterr().err
