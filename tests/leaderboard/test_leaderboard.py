"""The leaderboard end to end on the toy envs: the table, resume, parallel runs, failures."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

import papergym
from papergym.leaderboard import env_traits, execute, plan, run_leaderboard
from papergym.leaderboard.report import render_tables
from papergym.results import ResultsStore
from tests.leaderboard.conftest import REPO, TOY

ENVS = ["ToyHits-v0", "ToyMisses-v0"]
AGENTS = ["random", "toy_hint", "toy_oracle"]


def test_tiny_leaderboard_produces_the_table(tmp_path):
    result = run_leaderboard(ENVS, seeds=3, store=tmp_path / "lb.sqlite", workers=1,
                             imports=[TOY])
    # ToyMisses declares two leaderboard_configs: 3 boards x 3 agents x 3 seeds.
    assert len(result.cells) == 27 and result.stats.ran == 27 and result.stats.failed == 0
    assert [b.title for b in result.boards] == [
        "ToyHits-v0", "ToyMisses-v0", "ToyMisses-v0 (hint_noise=0.0)"]
    for board in result.boards:
        assert sorted(r.agent for r in board.rows) == AGENTS  # from the agent registry
        for row in board.rows:
            # the IQM is of the same numbers papergym.run gives for these seeds
            direct = [papergym.run(board.env_id, row.agent, seeds=[s], **board.env_kwargs)[0]
                      .metrics[board.primary_metric] for s in range(3)]
            assert row.values == direct
            assert row.iqm == pytest.approx(stats.trim_mean(direct, 0.25))
            assert row.ci[0] <= row.iqm <= row.ci[1]
            assert row.seeds == 3 and row.episodes == 3 and row.failed == 0
        assert [r.requires_model for r in board.rows if r.agent == "toy_oracle"] == [True]
        iqms = [r.iqm for r in board.rows]
        assert iqms == sorted(iqms, reverse=board.higher_is_better)
    assert result.boards[0].rows[-1].agent == "random"  # hits: higher is better
    assert result.boards[1].rows[-1].agent == "random"  # misses: lower is better

    text = result.markdown_path.read_text()
    assert result.markdown_path.resolve() == tmp_path / "results" / "LEADERBOARD.md"
    assert text.count("| 1 | `") == 3 and "`toy_oracle`" in text and "lower is better" in text
    assert len(result.plot_paths) == 3
    for png in result.plot_paths.values():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({png.resolve().relative_to(tmp_path / 'results').as_posix()})" in text

    from rich.console import Console

    console = Console(record=True, width=120)
    render_tables(result.boards, console)
    out = console.export_text()
    assert out.count("toy_oracle") == 3 and "95% CI" in out


REAL = {"Paging-v0": ["belady", "lru", "random"],
        "MarkovCodingGame-v0": ["mecb", "max-ent", "random"]}


@pytest.mark.skipif(not set(REAL) <= set(papergym.papergym_env_ids()),
                    reason="the real envs are not registered")
def test_tiny_quick_leaderboard_on_the_real_envs(tmp_path):
    envs = [{"id": env_id, "configs": [env_traits(env_id).leaderboard_configs[0]],
             "agents": agents} for env_id, agents in REAL.items()]
    result = run_leaderboard(envs, seeds=3, quick=True, store=tmp_path / "real.sqlite",
                             workers=1, plots=None)
    assert (result.stats.ran, result.stats.failed) == (18, 0)
    paging, mcg = result.boards
    assert paging.env_kwargs.items() >= env_traits("Paging-v0").quick_kwargs.items()
    assert paging.rows[0].agent == "belady" and paging.rows[0].values == [1.0] * 3  # optimal
    assert paging.rows[0].requires_model and not paging.higher_is_better
    assert sorted(r.agent for r in mcg.rows) == sorted(REAL["MarkovCodingGame-v0"])
    assert mcg.rows[-1].agent == "random" and mcg.higher_is_better
    assert "`belady`" in result.markdown_path.read_text()


def test_quick_mode_uses_reference_agents_quick_kwargs_and_3_seeds():
    cells, _ = plan(["ToyHits-v0"], quick=True)
    assert sorted({c.agent for c in cells}) == ["random", "toy_oracle"]  # reference + random
    assert {c.seed for c in cells} == {0, 1, 2}
    assert all(c.env_kwargs == {"horizon": 6} for c in cells)


class _Interrupt(Exception):
    pass


def test_resume_after_interruption_adds_exactly_the_missing_cells(tmp_path):
    db = ResultsStore(tmp_path / "lb.sqlite")
    cells, _ = plan(ENVS, AGENTS, seeds=3)
    done = []

    def kill_after_ten(cell, result):
        done.append(cell)
        if len(done) == 10:
            raise _Interrupt  # as if the run were killed right after its 10th cell

    with pytest.raises(_Interrupt):
        execute(cells, db, workers=1, on_done=kill_after_ten)
    assert len(db) == 10
    first = {c.key: c.finished_at for c in db.cells()}

    stats = execute(cells, db, workers=1)
    assert (stats.skipped, stats.ran, stats.written) == (10, 17, 17)
    assert len(db) == 27 and db.keys() == {c.key for c in cells}
    assert {c.key: c.finished_at for c in db.cells() if c.key in first} == first  # untouched

    stats = execute(cells, db, workers=1)
    assert (stats.skipped, stats.ran) == (27, 0)
    stats = execute(cells[:4], db, workers=1, force=True)
    assert (stats.ran, stats.written, len(db)) == (4, 4, 27)


def test_two_runs_in_parallel_on_one_database_lose_and_duplicate_nothing(tmp_path):
    db_path = tmp_path / "shared.sqlite"
    # long episodes (tens of ms a cell), so the two runs overlap for a few seconds
    envs = [{"id": env_id, "kwargs": {"horizon": 1000}} for env_id in ENVS]
    # A barrier (each run waits for the other's ready file) starts them together, and the
    # second run plans the same cells in the opposite order, so the runs meet in the
    # middle: each writes some cells only if they really ran at the same time.
    script = (
        "import json, pathlib, sys, time\n"
        f"import {TOY}\n"
        "from papergym.leaderboard import run_leaderboard\n"
        "db, me, backwards = sys.argv[1], int(sys.argv[2]), sys.argv[2] == '1'\n"
        "pathlib.Path(f'{db}.ready{me}').touch()\n"
        "until = time.monotonic() + 120\n"
        "while not pathlib.Path(f'{db}.ready{1 - me}').exists() and time.monotonic() < until:\n"
        "    time.sleep(0.005)\n"
        f"envs, agents, seeds = {envs!r}, {AGENTS!r}, list(range(8))\n"
        "if backwards:\n"
        "    envs, agents, seeds = envs[::-1], agents[::-1], seeds[::-1]\n"
        "r = run_leaderboard(envs, agents, seeds=seeds, store=db, workers=1,\n"
        f"                    imports=[{TOY!r}], markdown=None, plots=None)\n"
        "print(json.dumps(r.stats.__dict__))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(db_path), str(i)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    runs = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    print("cells written by each run:", [r["written"] for r in runs])
    planned = 2 * 3 * 8
    assert all(r["planned"] == planned for r in runs)
    assert sum(r["written"] for r in runs) == planned  # every cell written exactly once
    assert all(r["written"] > 0 for r in runs)  # the runs overlapped (a sequential pair: 48, 0)
    with ResultsStore(db_path) as db:
        assert len(db) == planned
        assert all(c.status == "ok" for c in db.cells())


def test_failing_agents_get_failed_rows_and_the_rest_completes(tmp_path):
    agents = ["random", "toy_crash", "toy_hang"]
    result = run_leaderboard(["ToyFaulty-v0"], agents, seeds=2, store=tmp_path / "f.sqlite",
                             workers=1, timeout=0.5, imports=[TOY], markdown=None, plots=None)
    assert (result.stats.ran, result.stats.failed) == (6, 4)
    rows = {r.agent: r for r in result.boards[0].rows}
    assert rows["random"].seeds == 2 and rows["random"].failed == 0
    assert rows["toy_crash"].failed == 2 and rows["toy_crash"].iqm is None
    assert rows["toy_crash"].errors == ["RuntimeError: toy_crash always fails"] * 2
    assert rows["toy_hang"].errors == ["timed out after 0.5 s"] * 2
    with ResultsStore(tmp_path / "f.sqlite") as db:
        failed = list(db.cells(status="failed"))
    assert len(failed) == 4 and all("Traceback" in c.error or "timed out" in c.error
                                    for c in failed)
    assert result.boards[0].rows[0].agent == "random"  # failed rows rank last


def test_a_worker_that_dies_fails_only_its_own_cells(tmp_path):
    result = run_leaderboard(["ToyFaulty-v0"], ["random", "toy_die", "toy_hint"], seeds=2,
                             store=tmp_path / "d.sqlite", workers=2, imports=[TOY],
                             markdown=None, plots=None)
    rows = {r.agent: r for r in result.boards[0].rows}
    assert rows["toy_die"].failed == 2 and "worker process died" in rows["toy_die"].errors[0]
    assert rows["random"].seeds == 2 and rows["toy_hint"].seeds == 2
    assert rows["random"].failed == rows["toy_hint"].failed == 0


def test_ray_backend_gives_the_same_numbers_as_local(tmp_path, ray_session):
    agents = ["random", "toy_oracle", "toy_crash", "toy_hang"]
    # 4 s per cell: a loaded 2-core machine took over 1 s to start a Ray task, which failed
    # a healthy cell; toy_hang still times out, and only it
    kw = dict(seeds=3, markdown=None, plots=None, imports=[TOY], timeout=4.0)
    local = run_leaderboard(["ToyFaulty-v0"], agents, store=tmp_path / "local.sqlite",
                            workers=1, **kw)
    remote = run_leaderboard(["ToyFaulty-v0"], agents, store=tmp_path / "ray.sqlite",
                             backend="ray", **kw)
    assert remote.stats.ran == local.stats.ran == 12
    with ResultsStore(tmp_path / "local.sqlite") as a, ResultsStore(tmp_path / "ray.sqlite") as b:
        cells_a = {c.key: c for c in a.cells()}
        cells_b = {c.key: c for c in b.cells()}
    assert cells_a.keys() == cells_b.keys()
    for key, cell in cells_a.items():
        other = cells_b[key]
        assert (other.status, other.primary_value) == (cell.status, cell.primary_value)
        assert (other.error or "").splitlines()[-1:] == (cell.error or "").splitlines()[-1:]
        assert [e["metrics"] for e in other.episodes] == [e["metrics"] for e in cell.episodes]
        assert [e["return_curve"] for e in other.episodes] == \
            [e["return_curve"] for e in cell.episodes]
    assert sum(c.status == "failed" for c in cells_b.values()) == 6
    assert sum(c.error == "timed out after 4 s" for c in cells_b.values()) == 3  # in the worker
    assert [r.iqm for r in remote.boards[0].rows] == [r.iqm for r in local.boards[0].rows]
    assert np.isfinite([r.iqm for r in remote.boards[0].rows if r.iqm is not None]).all()


def test_a_pool_found_broken_at_submit_loses_no_cell(tmp_path, monkeypatch):
    """A worker can die between two waits; the next submit then raises BrokenProcessPool.
    The cell being submitted has not started and must still be run (it once went missing)."""
    import importlib
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # the package re-exports the function execute(), which hides the module's name
    execute_module = importlib.import_module("papergym.leaderboard.execute")

    calls = {"n": 0}

    class BreaksOnThirdSubmit(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise BrokenProcessPool("simulated: a worker died")
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(execute_module, "ProcessPoolExecutor", BreaksOnThirdSubmit)
    result = run_leaderboard(["ToyHits-v0"], ["random", "toy_hint"], seeds=3,
                             store=tmp_path / "b.sqlite", workers=2, imports=[TOY],
                             markdown=None, plots=None)
    assert calls["n"] > 3
    assert (result.stats.ran, result.stats.failed) == (6, 0)
    with ResultsStore(tmp_path / "b.sqlite") as db:
        assert len(db) == 6


def test_a_cell_its_worker_cannot_stop_is_killed_by_the_driver(tmp_path):
    """toy_stuck blocks SIGALRM (like a hang in native code): the worker's deadline never
    fires, so the driver kills the pool after 2 * timeout + grace and runs the cells
    that were in flight with it again; the overdue ones alone, where the stuck cell is
    killed after timeout + grace from its own start and gets a failed row."""
    cells, _ = plan(["ToyFaulty-v0"], ["random", "toy_stuck", "toy_hint"], seeds=2)
    with ResultsStore(tmp_path / "k.sqlite") as db:
        stats = execute(cells, db, workers=2, timeout=0.5, grace=2.0, imports=[TOY])
        rows = {(c.agent, c.seed): c for c in db.cells()}
    assert (stats.ran, stats.failed, stats.written, len(rows)) == (6, 2, 6, 6)
    for seed in (0, 1):
        stuck = rows["toy_stuck", seed]
        assert stuck.status == "failed" and stuck.error.startswith("timed out after 0.5 s")
        assert "(killed" in stuck.error and stuck.wall_time >= 2.5
        assert rows["random", seed].status == rows["toy_hint", seed].status == "ok"


def test_an_agent_catching_exception_cannot_swallow_the_timeout(tmp_path):
    cells, _ = plan(["ToyFaulty-v0"], ["toy_swallow"], seeds=1)
    with ResultsStore(tmp_path / "s.sqlite") as db:
        stats = execute(cells, db, workers=1, timeout=0.3, imports=[TOY])
        (row,) = db.cells()
    assert stats.failed == 1 and row.status == "failed"
    assert row.error == "timed out after 0.3 s"


def test_retry_failed_reruns_failed_cells_and_keeps_ok_ones(tmp_path):
    from papergym.leaderboard.worker import failed_result, run_cell

    cells, _ = plan(["ToyHits-v0"], ["random"], seeds=3)
    with ResultsStore(tmp_path / "r.sqlite") as db:
        db.put(failed_result(cells[0], "boom (a flaky failure)"))
        db.put(run_cell(cells[1]))
        kept = {c.key: c.finished_at for c in db.cells() if c.status == "ok"}

        stats = execute(cells, db, workers=1, imports=[TOY])  # skips the failed row too
        assert (stats.skipped, stats.ran) == (2, 1)
        assert db.status(cells[0].key) == "failed"

        stats = execute(cells, db, workers=1, retry_failed=True, imports=[TOY])
        assert (stats.skipped, stats.ran, stats.written, stats.failed) == (2, 1, 1, 0)
        by_key = {c.key: c for c in db.cells()}
        assert len(db) == 3 and all(c.status == "ok" for c in by_key.values())
        assert by_key[cells[0].key].error is None
        assert {k: by_key[k].finished_at for k in kept} == kept  # ok rows untouched

        stats = execute(cells, db, workers=1, retry_failed=True, imports=[TOY])
        assert (stats.skipped, stats.ran) == (3, 0)


def test_cells_stored_under_other_episodes_or_step_limit_are_rerun_not_reused(tmp_path):
    """The key holds no evaluation settings: a stored cell run with other ``episodes`` or
    ``max_steps`` is run again and replaced, never handed out as this run's answer."""
    with ResultsStore(tmp_path / "e.sqlite") as db:
        one, _ = plan(["ToyHits-v0"], ["random"], seeds=2, episodes=1)
        assert execute(one, db, workers=1, imports=[TOY]).ran == 2
        five, _ = plan(["ToyHits-v0"], ["random"], seeds=2, episodes=5)
        stats = execute(five, db, workers=1, imports=[TOY])
        assert (stats.skipped, stats.ran, stats.written, stats.stale) == (0, 2, 2, 2)
        assert len(db) == 2 and [len(c.episodes) for c in db.cells()] == [5, 5]
        assert all(c.evaluation == {"episodes": 5, "max_steps": None} for c in db.cells())
        stats = execute(five, db, workers=1, imports=[TOY])
        assert (stats.skipped, stats.ran, stats.stale) == (2, 0, 0)

        capped, _ = plan(["ToyHits-v0"], ["random"], seeds=2, episodes=5, max_steps=3)
        stats = execute(capped, db, workers=1, imports=[TOY])
        assert (stats.ran, stats.stale) == (2, 2)
        assert all(c.evaluation["max_steps"] == 3 for c in db.cells())


def test_a_cell_replaying_a_changed_trace_file_is_rerun_not_reused(tmp_path):
    """Env arguments that name a file are keyed by path, and the file's content digest is
    part of the evaluation: after the trace changes, its stored cells are stale."""
    trace = tmp_path / "trace.txt"
    trace.write_text("\n".join(str(p % 5) for p in range(40)))
    envs = [{"id": "Paging-v0", "kwargs": {"k": 3, "trace": str(trace)}}]
    with ResultsStore(tmp_path / "t.sqlite") as db:
        cells, _ = plan(envs, ["lru"], seeds=2)
        assert execute(cells, db, workers=1).ran == 2
        first = {c.seed: c.episodes[0]["metrics"]["faults"] for c in db.cells()}
        again, _ = plan(envs, ["lru"], seeds=2)
        assert execute(again, db, workers=1).skipped == 2  # same file: reused
        trace.write_text("\n".join(str(p % 3) for p in range(40)))  # 3 pages fit in k = 3
        changed, _ = plan(envs, ["lru"], seeds=2)
        stats = execute(changed, db, workers=1)
        assert (stats.ran, stats.stale, stats.skipped) == (2, 2, 0)
        assert len(db) == 2
        assert {c.seed: c.episodes[0]["metrics"]["faults"] for c in db.cells()} != first
        assert all(set(c.evaluation["files"]) == {"trace"} for c in db.cells())


def test_a_report_leaves_out_cells_stored_under_another_evaluation(tmp_path, capsys):
    from papergym.cli import main

    store = tmp_path / "r.sqlite"
    kw = dict(store=store, workers=1, imports=[TOY], markdown=None, plots=None)
    run_leaderboard(["ToyHits-v0"], ["random"], 2, episodes=1, **kw)
    report = run_leaderboard(["ToyHits-v0"], ["random"], 2, episodes=4, run=False, **kw)
    assert report.boards == [] and (report.stats.skipped, report.stats.stale) == (0, 2)
    report = run_leaderboard(["ToyHits-v0"], ["random"], 2, episodes=1, run=False, **kw)
    assert report.boards[0].rows[0].episodes == 2 and report.stats.stale == 0
    args = ["leaderboard", "--no-progress", "--no-files", "--envs", "ToyHits-v0", "--agents",
            "random", "--seeds", "2", "--db", str(store), "--import", TOY, "--report-only"]
    assert main([*args, "--episodes", "4"]) == 0
    out = capsys.readouterr().out
    assert "2 stored cells ran with other --episodes / --max-steps and are left out" in out
    assert "nothing stored for this selection" in out


def test_a_report_on_a_missing_store_exits_2_and_creates_nothing(tmp_path, capsys):
    from papergym.cli import main

    missing = tmp_path / "nowhere.sqlite"
    assert main(["leaderboard", "--no-progress", "--no-files", "--envs", "ToyHits-v0",
                 "--import", TOY, "--db", str(missing), "--report-only"]) == 2
    assert "no results store there yet" in capsys.readouterr().err and not missing.exists()


def test_a_schema_1_store_is_migrated_and_its_rows_keep_working(tmp_path):
    """A file written before the evaluation column: opening adds the column under the
    write lock; an old ``ok`` row counts as run with its episode count and no limit."""
    import sqlite3

    from papergym.results import _SCHEMA, APPLICATION_ID

    path = tmp_path / "old.sqlite"
    (cell,) = plan(["ToyHits-v0"], ["random"], seeds=1, episodes=2)[0]
    old_schema = "\n".join(line for line in _SCHEMA.splitlines() if "evaluation" not in line)
    con = sqlite3.connect(path)
    con.executescript(old_schema)
    con.execute(f"PRAGMA application_id={APPLICATION_ID}")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    key = cell.key
    con.execute("INSERT INTO cells VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (key.env_id, key.env_kwargs_hash, key.agent, key.agent_config_hash, key.seed,
                 "{}", "{}", "ok", None, json.dumps([{"hits": 1.0}, {"hits": 3.0}]), "hits",
                 2.0, 0, 0.1, 0.0, "0.1.0"))
    con.commit()
    con.close()
    with ResultsStore(path) as db:
        assert db._db.execute("SELECT value FROM meta").fetchone()[0] == "2"
        assert db.lookup(key) == ("ok", {"episodes": 2, "max_steps": None})
        assert execute([cell], db, workers=1, imports=[TOY]).skipped == 1  # same evaluation
        (row,) = db.cells()
        assert row.evaluation is None and row.primary_value == 2.0


def test_cli_retry_failed(tmp_path, capsys):
    from papergym.cli import main
    from papergym.leaderboard.worker import failed_result

    (cell,) = plan(["ToyHits-v0"], ["random"], seeds=1)[0]
    db_path = tmp_path / "c.sqlite"
    with ResultsStore(db_path) as db:
        db.put(failed_result(cell, "boom"))
    args = ["leaderboard", "--no-progress", "--no-files", "--envs", "ToyHits-v0", "--agents",
            "random", "--seeds", "1", "--db", str(db_path), "--workers", "1", "--import", TOY]
    assert main(args) == 1 and "0 run (0 failed), 1 already stored" in capsys.readouterr().out
    assert main([*args, "--retry-failed"]) == 0
    assert "1 run (0 failed), 0 already stored" in capsys.readouterr().out


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_non_finite_primary_metric_gives_a_failed_row(tmp_path, value):
    result = run_leaderboard([{"id": "ToyNaN-v0", "kwargs": {"value": value}}], ["random"],
                             seeds=2, store=tmp_path / "n.sqlite", workers=1, imports=[TOY],
                             markdown=None, plots=None)
    assert (result.stats.ran, result.stats.failed) == (2, 2)
    (row,) = result.boards[0].rows
    assert len(row.errors) == 2
    assert all(e.startswith(f"primary metric 'hits' is {value} ") for e in row.errors)
    with ResultsStore(tmp_path / "n.sqlite") as db:
        assert [c.status for c in db.cells()] == ["failed", "failed"]


def test_a_healthy_cell_queued_behind_a_hung_one_is_not_failed(tmp_path):
    """2 workers, one stuck cell and three healthy ones of 2.5 s (timeout 3 s): the third
    healthy cell waits behind the other two and is still running when the driver's limit
    (2 * 3 + 1 s from submission) runs out.  Both overdue cells are re-run alone, with
    3 + 1 s from their own start: only the stuck one fails."""
    (stuck,), _ = plan(["ToyFaulty-v0"], ["toy_stuck"], seeds=1)
    slow, _ = plan(["ToyFaulty-v0"], ["toy_slow"], seeds=3)
    with ResultsStore(tmp_path / "q.sqlite") as db:
        stats = execute([stuck, *slow], db, workers=2, timeout=3.0, grace=1.0, imports=[TOY])
        rows = {(c.agent, c.seed): c for c in db.cells()}
    assert (stats.ran, stats.failed, stats.written, len(rows)) == (4, 1, 4, 4)
    row = rows["toy_stuck", 0]
    assert row.status == "failed" and row.error.startswith("timed out after 3 s (killed")
    for seed in (0, 1, 2):
        assert rows["toy_slow", seed].status == "ok", rows["toy_slow", seed].error
        assert rows["toy_slow", seed].wall_time < 3.0


def _execute_in_thread(db_path, cells, limit_s: float, **kwargs):
    """``execute`` in a daemon thread, given up on after ``limit_s`` (a hang must fail
    the test, not stall CI; SIGALRM is no guard: an in-process cell would replace it)."""
    import threading

    out: dict = {}

    def target():
        with ResultsStore(db_path) as db:  # SQLite connections stay in their thread
            out["stats"] = execute(cells, db, **kwargs)
            out["rows"] = list(db.cells())

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit_s)
    assert not thread.is_alive(), f"execute() still running after {limit_s} s: it hangs"
    return out["stats"], out["rows"]


def test_a_single_stuck_cell_runs_in_a_worker_the_driver_can_kill(tmp_path):
    """One cell (a --retry-failed of one, a resume with one left) once ran in the
    driver's own process, where a cell that ignores SIGALRM hung the run for good."""
    import time

    cells, _ = plan(["ToyFaulty-v0"], ["toy_stuck"], seeds=1)
    start = time.monotonic()
    stats, (row,) = _execute_in_thread(tmp_path / "one.sqlite", cells, 60, workers=2,
                                       timeout=0.5, grace=1.0, imports=[TOY])
    assert (stats.ran, stats.failed) == (1, 1) and row.status == "failed"
    assert row.error.startswith("timed out after 0.5 s (killed"), row.error
    assert time.monotonic() - start < 30


def test_one_worker_with_a_timeout_is_a_pool_of_one(tmp_path):
    cells, _ = plan(["ToyFaulty-v0"], ["toy_stuck", "toy_hint"], seeds=1)
    stats, rows = _execute_in_thread(tmp_path / "w1.sqlite", cells, 60, workers=1,
                                     timeout=0.5, grace=1.0, imports=[TOY])
    assert (stats.ran, stats.failed) == (2, 1), [(r.agent, r.error) for r in rows]
    assert {r.agent: r.status for r in rows} == {"toy_stuck": "failed", "toy_hint": "ok"}


def test_ray_backstop_fails_only_the_stuck_cell(tmp_path, ray_session):
    cells, _ = plan(["ToyFaulty-v0"], ["toy_stuck", "toy_hint"], seeds=1)
    with ResultsStore(tmp_path / "r.sqlite") as db:
        stats = execute(cells, db, backend="ray", timeout=0.5, grace=1.0, imports=[TOY])
        rows = {c.agent: c for c in db.cells()}
    assert (stats.ran, stats.failed) == (2, 1)
    assert rows["toy_hint"].status == "ok"
    assert rows["toy_stuck"].error.startswith("timed out after 0.5 s (killed"), \
        rows["toy_stuck"].error
