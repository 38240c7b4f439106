"""Issue 11: processes and signals, leases, safe model loading, bad input refused up front,
no network, what users see.  Each test failed before the change it pins."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

import papergym
from papergym.cli import main
from papergym.leaderboard import (
    LeaderboardInputError,
    execute,
    load_experiment,
    plan,
    run_leaderboard,
)
from papergym.results import ResultsStore, ResultsStoreError
from tests.leaderboard.conftest import REPO, TOY

ENV = {**os.environ, "PYTHONPATH": str(REPO), "WANDB_MODE": "offline"}


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(["leaderboard", "--no-progress", "--import", TOY, *args])
    return code, capsys.readouterr().err


# --------------------------------------------------------------------- processes, signals


def _session_members(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``, from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            out.append(int(entry.name))
    return out


def _start_leaderboard(tmp_path: Path, *extra: str) -> subprocess.Popen:
    """A leaderboard of slow cells on 2 workers, in a session of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "papergym.cli", "leaderboard", "--import", TOY,
         "--envs", "ToySlow-v0", "--agents", "toy_sleepy", "--seeds", "0-39", "--workers", "2",
         "--no-files", "--db", str(tmp_path / "k.sqlite"), *extra],
        cwd=tmp_path, env=ENV, start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen, count: int, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while len(_session_members(proc.pid)) < count + 2:  # + the driver, its resource tracker
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "workers never started"
        time.sleep(0.2)


def _assert_session_empties(sid: int, limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while _session_members(sid):
        if time.monotonic() > deadline:
            left = _session_members(sid)
            for pid in left:  # leave nothing behind, then fail
                os.kill(pid, signal.SIGKILL)
            pytest.fail(f"{len(left)} descendant(s) survived their parent: {left}")
        time.sleep(0.2)


def test_kill_9_of_the_leaderboard_leaves_no_descendant(tmp_path):
    proc = _start_leaderboard(tmp_path)
    _wait_for_workers(proc, 2)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    _assert_session_empties(proc.pid)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_exit_130_with_one_line(tmp_path, signum):
    proc = _start_leaderboard(tmp_path)
    _wait_for_workers(proc, 2)
    time.sleep(1.0)
    if signum == signal.SIGINT:  # a terminal's Ctrl-C reaches the whole process group
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines() == [
        "papergym: interrupted (finished cells are stored; run again to resume)"]
    _assert_session_empties(proc.pid)


def test_two_processes_split_the_cells_through_leases(tmp_path):
    """Two runs on one results file at once: each cell runs once (give or take the cells
    in flight when a run looks), and both print the whole table."""
    db = tmp_path / "two.sqlite"
    args = [sys.executable, "-m", "papergym.cli", "leaderboard", "--import", TOY, "--no-files",
            "--no-progress", "--envs", "ToySlow-v0", "--agents", "toy_sleepy", "--seeds", "0-15",
            "--workers", "1", "--timeout", "inf", "--db", str(db)]
    ResultsStore(db).close()  # created before both start
    procs = [subprocess.Popen(args, cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    ran = []
    for out, _ in outs:
        (line,) = [x for x in out.splitlines() if x.startswith("16 cells:")]
        ran.append(int(line.split(":")[1].split()[0]))
        assert "toy_sleepy" in out
    assert 16 <= sum(ran) <= 16 + 2, ran  # not 32: the second run does not repeat the first
    assert min(ran) >= 3, ran  # both did a share
    with ResultsStore(db) as store:
        assert len(store) == 16 and store.leases() == []


def test_a_live_lease_is_left_to_its_owner_and_an_expired_one_taken_over(tmp_path):
    cells, _ = plan(["ToyHits-v0"], ["toy_hint"], seeds=2)
    with ResultsStore(tmp_path / "l.sqlite") as db:
        assert db.claim(cells[0].key, "crashed-owner", ttl=-1) == "claimed"  # expired
        assert db.claim(cells[1].key, "slow-owner", ttl=1.5) == "claimed"  # live, 1.5 s
        start = time.monotonic()
        stats = execute(cells, db, workers=1, timeout=None)
        assert stats.ran == 2 and len(db) == 2 and db.leases() == []
        assert time.monotonic() - start >= 1.0  # it waited for the live lease to expire
        assert db.claim(cells[0].key, "someone") == "stored"


def test_a_cell_stored_meanwhile_by_another_process_is_not_run(tmp_path):
    from papergym.leaderboard.worker import run_cell

    cells, _ = plan(["ToyHits-v0"], ["toy_hint"], seeds=3)
    with ResultsStore(tmp_path / "m.sqlite") as db:
        db.claim(cells[2].key, "other-process", ttl=30)
        timer = threading.Timer(0.3, lambda: ResultsStore(tmp_path / "m.sqlite").put(
            run_cell(cells[2])))
        timer.start()
        stats = execute(cells, db, workers=1, timeout=None)
        timer.join()
        assert (stats.ran, stats.skipped) == (2, 1)


# --------------------------------------------------------------------- model loading


def _crafted_zip(tmp_path: Path, marker: Path) -> Path:
    """An SB3-style zip whose serialized field unpickles to ``open(marker, "w")``."""
    import base64
    import pickle

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    data = {"policy_class": {":type:": "<class 'abc.ABCMeta'>",
                             ":serialized:": base64.b64encode(pickle.dumps(Payload())).decode()}}
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("data", json.dumps(data))
        z.writestr("_stable_baselines3_version", "2.0.0")
    path.with_suffix(".json").write_text(json.dumps({"algo": "PPO", "env_id": "ToyHits-v0"}))
    return path


def test_a_crafted_model_file_never_runs_its_payload(tmp_path, capsys):
    marker = tmp_path / "PWNED"
    evil = _crafted_zip(tmp_path, marker)
    assert main(["run", "ToyHits-v0", f"sb3:{evil}", "--seeds", "1", "--import", TOY]) == 2
    assert "unpickles objects" in capsys.readouterr().err
    ResultsStore(tmp_path / "r.sqlite").close()
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", f"sb3:{evil}", "--db",
                     str(tmp_path / "r.sqlite"), "--report-only")
    assert code == 2 and "unpickles objects" in err
    # papergym's own format: a .pt "weights" file that is a pickle with a payload
    import torch

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"w": Payload()}, tmp_path / "m.pt")
    (tmp_path / "m.json").write_text(json.dumps({
        "format": "papergym-sb3/1", "algo": "PPO", "policy": "MlpPolicy", "env_id": "ToyHits-v0",
        "env_kwargs": {}, "weights": "m.pt"}))
    assert main(["run", "ToyHits-v0", f"sb3:{tmp_path / 'm'}", "--seeds", "1",
                 "--import", TOY]) == 2
    assert "cannot load its weights" in capsys.readouterr().err
    assert not marker.exists()


def test_a_model_is_ranked_only_on_the_configuration_it_was_trained_on(tmp_path):
    from papergym.leaderboard.cells import sb3_refusal
    from papergym.training import TrainArgs, train

    desc = train(TrainArgs(env="ToyMisses-v0", kw={"hint_noise": 0.0}, algo="PPO", steps=16,
                           n_steps=16, eval_seeds=0, save_dir=str(tmp_path),
                           wandb_mode="disabled", progress=False))
    assert sb3_refusal(desc, "ToyMisses-v0", {"hint_noise": 0.0}) is None
    assert "hint_noise=0.0 (here 0.3)" in sb3_refusal(desc, "ToyMisses-v0", {})
    # ToyMisses-v0 has two leaderboard boards ({} and hint_noise=0): the model joins one
    cells, _ = plan(["ToyMisses-v0"], [f"sb3:{desc}", "random"], seeds=1)
    assert sorted((c.agent.startswith("sb3:"), str(c.env_kwargs)) for c in cells) \
        == [(False, "{'hint_noise': 0.0}"), (False, "{}"), (True, "{'hint_noise': 0.0}")]
    with pytest.raises(Exception, match="hint_noise=0.0 .here 0.3."):
        plan([{"id": "ToyMisses-v0", "kwargs": {}}], [f"sb3:{desc}"], seeds=1)


def test_a_broken_model_file_or_bad_agent_kwargs_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip at all")
    broken.with_suffix(".json").write_text(json.dumps({"algo": "PPO", "env_id": "ToyHits-v0"}))
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", f"sb3:{broken}",
                     "--allow-pickle", "--db", str(tmp_path / "b.sqlite"))
    assert code == 2 and "not a loadable SB3 model" in err
    with pytest.raises(LeaderboardInputError, match="agent 'toy_hint' with kwargs"):
        plan(["ToyHits-v0"], [{"name": "toy_hint", "kwargs": {"nope": 1}}], seeds=1)


def test_imports_are_documented_as_running_code(capsys):
    with pytest.raises(SystemExit):
        main(["leaderboard", "--help"])
    assert "runs the module's code" in " ".join(capsys.readouterr().out.split())
    from papergym.leaderboard import experiment

    assert "it runs their code" in " ".join(experiment.__doc__.split())


# --------------------------------------------------------------------- bad input, exit 2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"seeds": "10"}, TypeError, "seeds"),
    ({"seeds": [1, 1]}, ValueError, "seeds"),
    ({"seeds": [1.5]}, TypeError, "seeds"),
    ({"seeds": [2**63]}, ValueError, "seeds"),
    ({"seeds": 0}, ValueError, "seeds"),
    ({"episodes": 1.0}, TypeError, "episodes"),
    ({"episodes": "2"}, TypeError, "episodes"),
    ({"max_steps": 0}, ValueError, "max_steps"),
    ({"agent": 42}, TypeError, "agent"),
])
def test_runner_refuses_bad_arguments_naming_them(kwargs, error, match):
    args = {"agent": "random", **kwargs}
    with pytest.raises(error, match=match):
        papergym.run("ToyHits-v0", args.pop("agent"), **args)


def test_runner_says_unknown_env_id_first():
    with pytest.raises(ValueError, match="^unknown env id 'ToyHitz-v0'"):
        papergym.run("ToyHitz-v0", "random", seeds="10")


def test_env_kwarg_values_are_refused_before_any_cell_runs(tmp_path, capsys):
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--kw", "n_actions=1", "--db",
                     str(tmp_path / "kw.sqlite"))
    assert code == 2 and "n_actions must be >= 2" in err
    with ResultsStore(tmp_path / "kw.sqlite") as db:
        assert len(db) == 0


@pytest.mark.parametrize("flags, message", [
    (["--seeds", "9223372036854775808"], "seeds"),
    (["--seeds", "0-100000000000"], "at most 100000"),
    (["--markdown", "FILE/LEADERBOARD.md"], "is not a folder"),
    (["--plots", "FILE"], "FILE: exists and is not a folder"),
    (["--db", "/proc/nope/x.sqlite"], "cannot create its folder"),
])
def test_bad_seeds_and_output_paths_exit_2_before_any_work(tmp_path, capsys, flags, message):
    (tmp_path / "FILE").write_text("a file")
    flags = [f.replace("FILE", str(tmp_path / "FILE")) for f in flags]
    db = ["--db", str(tmp_path / "o.sqlite")] if "--db" not in flags else []
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", "toy_hint", *db, *flags)
    assert code == 2 and message in err, err
    assert not (tmp_path / "o.sqlite").exists() or len(ResultsStore(tmp_path / "o.sqlite")) == 0


def test_malformed_store_rows_are_clear_errors(tmp_path, capsys):
    db = tmp_path / "bad.sqlite"
    run_leaderboard(["ToyHits-v0"], ["toy_hint"], seeds=2, store=db, workers=1, timeout=None,
                    markdown=None, plots=None)
    raw = sqlite3.connect(db)
    raw.execute("UPDATE cells SET episodes='not json' WHERE seed=1")
    raw.commit()
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--agents", "toy_hint", "--seeds", "2",
                     "--db", str(db), "--report-only")
    assert code == 2 and "malformed row" in err and "episodes is not JSON" in err
    raw.execute("UPDATE meta SET value='two' WHERE key='schema_version'")
    raw.commit()
    raw.close()
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--db", str(db), "--report-only")
    assert code == 2 and "malformed meta row schema_version='two'" in err


def test_a_store_with_an_extra_column_is_written_and_read(tmp_path):
    db = tmp_path / "extra.sqlite"
    ResultsStore(db).close()
    raw = sqlite3.connect(db)
    raw.execute("ALTER TABLE cells ADD COLUMN note TEXT")
    raw.commit()
    raw.close()
    result = run_leaderboard(["ToyHits-v0"], ["toy_hint"], seeds=2, store=db, workers=1,
                             timeout=None, markdown=None, plots=None)
    assert result.stats.written == 2 and result.boards[0].rows[0].seeds == 2


def test_a_report_needs_no_write_lock(tmp_path):
    """--report-only opens the file read-only: another process holding the write lock
    (or a read-only file) does not stop it."""
    db = tmp_path / "ro.sqlite"
    run_leaderboard(["ToyHits-v0"], ["toy_hint"], seeds=2, store=db, workers=1, timeout=None,
                    markdown=None, plots=None)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        result = run_leaderboard(["ToyHits-v0"], ["toy_hint"], seeds=2, store=db, run=False,
                                 markdown=None, plots=None)
        assert time.monotonic() - start < 10 and result.boards[0].rows[0].seeds == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with ResultsStore(db, readonly=True) as store, pytest.raises(ResultsStoreError, match="read"):
        store.put(next(store.cells()))


def test_ray_backend_without_ray_exits_2(tmp_path, capsys, monkeypatch):
    from papergym.leaderboard import ray_backend

    def missing():
        raise ImportError("--backend ray needs Ray: pip install 'papergym[ray]'")

    monkeypatch.setattr(ray_backend, "import_ray", missing)
    code, err = _cli(capsys, "--envs", "ToyHits-v0", "--backend", "ray", "--db",
                     str(tmp_path / "ray.sqlite"))
    assert code == 2 and "pip install 'papergym[ray]'" in err


@pytest.mark.parametrize("text, message", [
    ("envs:\n  - id: ToyHits-v0\n    configs: []\n", "`configs` is empty"),
    ("envs:\n  - id: ToyHits-v0\n  - id: ToyHits-v0\n", "listed twice"),
    ("seeds: 2\nseeds: 3\nenvs:\n  - id: ToyHits-v0\n", "duplicate key 'seeds'"),
    ("envs:\n  - id: ToyHits-v0\n    kwargs: {}\n    configs: [{}]\n", "not both"),
])
def test_experiment_file_refusals(tmp_path, text, message):
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    with pytest.raises(LeaderboardInputError, match=message):
        load_experiment(path)


def test_a_plan_entry_with_kwargs_and_configs_is_refused():
    with pytest.raises(LeaderboardInputError, match="not both"):
        plan([{"id": "ToyHits-v0", "kwargs": {}, "configs": [{"horizon": 3}]}], ["random"], 1)


def test_a_script_without_the_main_guard_gets_an_error_that_says_so(tmp_path):
    script = tmp_path / "noguard.py"
    script.write_text(
        "from papergym.leaderboard import run_leaderboard\n"
        f"run_leaderboard(['ToyHits-v0'], ['toy_hint'], seeds=2, store={str(tmp_path / 'g.sqlite')!r},\n"
        f"                workers=2, imports=[{TOY!r}], markdown=None, plots=None)\n")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=ENV,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert 'if __name__ == "__main__":' in out.stderr
    with ResultsStore(tmp_path / "g.sqlite") as db:
        assert [c.status for c in db.cells()] == []  # no cell stored as failed


def test_infrastructure_failures_are_reported_not_cached(tmp_path):
    cells, _ = plan(["ToyHits-v0"], ["toy_hint"], seeds=2)
    with ResultsStore(tmp_path / "i.sqlite") as db:
        stats = execute(cells, db, workers=1, timeout=None, imports=["no_such_plugin_xyz"])
        assert (stats.ran, stats.unstored, stats.written, len(db)) == (2, 2, 0, 0)
        assert db.leases() == []


# --------------------------------------------------------------------- network


def test_sockets_are_blocked_in_the_test_suite():
    import socket

    with pytest.raises(OSError, match="network use in a test"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    with pytest.raises(OSError, match="network use in a test"):
        socket.getaddrinfo("example.com", 443)


def test_wandb_offline_settings_record_no_git_and_ray_reports_no_usage(monkeypatch):
    from papergym.training.tracking import wandb_settings

    settings = wandb_settings("offline")
    assert settings.disable_git and settings.disable_job_creation and not settings.save_code
    monkeypatch.delenv("RAY_USAGE_STATS_ENABLED", raising=False)
    from papergym.leaderboard.ray_backend import import_ray

    import_ray()
    assert os.environ["RAY_USAGE_STATS_ENABLED"] == "0"


# --------------------------------------------------------------------- what users see


def test_help_and_list_import_no_torch():
    code = ("import sys, contextlib, io\n"
            "from papergym.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: main(['--help'])\n"
            "    except SystemExit: pass\n"
            "    assert main(['list']) == 0\n"
            "heavy = sorted(m for m in ('torch', 'stable_baselines3', 'wandb', 'ray')\n"
            "               if m in sys.modules)\n"
            "print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_leaderboard_prints_progress_lines_without_a_terminal(tmp_path, monkeypatch):
    from rich.console import Console

    from papergym.leaderboard import api

    monkeypatch.setattr(api, "PROGRESS_EVERY_S", 0.0)
    buffer = io.StringIO()
    run_leaderboard(["ToyHits-v0"], ["toy_hint"], seeds=3, store=tmp_path / "p.sqlite",
                    workers=1, timeout=None, progress=True, markdown=None, plots=None,
                    console=Console(file=buffer, force_terminal=False))
    lines = buffer.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "cells 1/3", "cells 2/3", "cells 3/3", "cells 3/3"], lines
    assert all("elapsed, ETA" in line for line in lines)


def test_train_shows_progress_and_a_line_per_evaluation(tmp_path, capsys):
    from papergym.training import TrainArgs, train

    train(TrainArgs(env="ToyHits-v0", algo="PPO", steps=32, n_steps=16, seed=0, eval_seeds=1,
                    eval_every=16, save_dir=str(tmp_path), wandb_mode="disabled"))
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("eval step")] \
        == ["eval step 16/32", "eval step 32/32", "eval step 32/32"]


def test_plots_are_150_dpi_or_more(tmp_path):
    from PIL import Image

    from papergym.leaderboard.report import plot_board

    result = run_leaderboard(["ToyHits-v0"], ["toy_hint", "random"], seeds=2,
                             store=tmp_path / "d.sqlite", workers=1, timeout=None,
                             markdown=None, plots=tmp_path / "plots")
    (png,) = result.plot_paths.values()
    assert min(Image.open(png).info["dpi"]) >= 149.9
    with pytest.raises(ValueError, match="dpi must be >= 150"):
        plot_board(result.boards[0], tmp_path / "low.png", dpi=72)


def test_the_caption_says_iqm_is_the_mean_below_4_seeds(tmp_path):
    from papergym.leaderboard.report import markdown

    result = run_leaderboard(["ToyHits-v0"], ["toy_hint"], seeds=3, store=tmp_path / "c.sqlite",
                             workers=1, timeout=None, markdown=None, plots=None)
    assert "below 4 seeds the IQM equals the mean" in markdown(result.boards)
    (row,) = result.boards[0].rows
    assert row.iqm == pytest.approx(sum(row.values) / 3)
