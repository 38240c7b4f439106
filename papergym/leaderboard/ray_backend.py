"""The Ray backend: the same cells as Ray tasks (``pip install papergym[ray]``).

Connects to the running Ray session if there is one (``ray.init`` already called, as the
tests do), else to ``RAY_ADDRESS`` / a new local instance.  Each task runs
:func:`papergym.leaderboard.execute.run_cell`, the very function the local backend
runs, so the numbers are the same for the same seeds; results come back to the driver,
which stores them.  Besides the in-worker timeout, the driver cancels a task not back
``2 * timeout + grace`` seconds after it was queued (a hang in native code; a queued
task may wait for one other cell before it starts, hence the factor 2).  That is only a
suspicion (a healthy cell may have waited longer): once the other cells are done, each
cancelled cell is run again alone, in an actor (a worker process) of its own that is
started first, with a limit of ``timeout + grace`` from the cell's own start; only a
cell that overruns that gets a ``failed`` row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from papergym.leaderboard.cells import Cell
from papergym.leaderboard.worker import (
    GRACE,
    START_S,
    failed_result,
    overdue_error,
    run_cell,
    warm_up,
)
from papergym.results import CellResult

__all__ = ["run_ray", "import_ray", "GRACE"]


def import_ray():
    """``ray``, with its usage statistics (a network report) off; ImportError with the
    install hint when Ray is missing (the CLI checks this before any work)."""
    import os

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_USAGE_STATS_PROMPT_ENABLED", "0")
    try:
        import ray
    except ImportError as exc:
        raise ImportError("--backend ray needs Ray: pip install 'papergym[ray]'") from exc
    return ray


def run_ray(todo: Sequence[Cell], still_needed: Callable[[Cell], bool],
            finish: Callable[[Cell, CellResult], None], *, timeout: float | None,
            imports: Sequence[str] = (), address: str | None = None,
            grace: float = GRACE) -> None:
    ray = import_ray()
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False, include_dashboard=False)
    remote = ray.remote(num_cpus=1, max_retries=0)(run_cell)
    capacity = max(1, int(ray.cluster_resources().get("CPU", 1)))
    queue = list(reversed(todo))
    in_flight: dict = {}  # ObjectRef -> (cell, start time)
    suspects: list[Cell] = []  # cancelled for being overdue
    while queue or in_flight:
        while queue and len(in_flight) < 2 * capacity:
            cell = queue.pop()
            if still_needed(cell):
                in_flight[remote.remote(cell, timeout, list(imports))] = (cell, time.monotonic())
        if not in_flight:
            continue
        ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
        for ref in ready:
            cell, _start = in_flight.pop(ref)
            try:
                result = ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - the worker died or Ray failed the task
                # Ray's failure, not the cell's (run_cell never raises for the cell's own
                # errors): reported, not stored, tried again by the next run
                result = failed_result(cell, f"Ray task failed: {type(exc).__name__}: {exc}",
                                       transient=True)
            finish(cell, result)
        if timeout:
            now = time.monotonic()
            for ref, (cell, start) in list(in_flight.items()):
                if now - start > 2 * timeout + grace:
                    ray.cancel(ref, force=True)
                    del in_flight[ref]
                    suspects.append(cell)  # judged alone below: it may only have waited
    solo = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(_Solo)
    for cell in suspects:
        if still_needed(cell):
            finish(cell, _run_alone(ray, solo, cell, timeout, imports, grace))


class _Solo:
    """An actor that runs one suspect cell in a worker process of its own."""

    def __init__(self, imports: Sequence[str]):
        warm_up(imports)

    def ready(self) -> bool:
        return True

    def run(self, cell: Cell, timeout: float | None, imports: Sequence[str]) -> CellResult:
        return run_cell(cell, timeout, imports)


def _run_alone(ray, solo, cell: Cell, timeout: float, imports: Sequence[str],
               grace: float) -> CellResult:
    """Start an actor (waiting up to ``max(2 * timeout + grace, START_S)`` for it), then
    give the cell ``timeout + grace`` from its start."""
    limit, start_limit = timeout + grace, max(2 * timeout + grace, START_S)
    actor = solo.remote(list(imports))
    try:
        try:
            ray.get(actor.ready.remote(), timeout=start_limit)
        except ray.exceptions.GetTimeoutError:
            return failed_result(cell, f"timed out after {timeout:g} s (cancelled by the "
                                       f"driver: no worker for it started within "
                                       f"{start_limit:g} s)", start_limit)
        start = time.monotonic()
        try:
            return ray.get(actor.run.remote(cell, timeout, list(imports)), timeout=limit)
        except ray.exceptions.GetTimeoutError:
            waited = time.monotonic() - start
            return failed_result(cell, overdue_error(timeout, waited), waited)
    except Exception as exc:  # noqa: BLE001 - the worker died or Ray failed the task
        return failed_result(cell, f"Ray task failed: {type(exc).__name__}: {exc}",
                             transient=True)
    finally:
        ray.kill(actor, no_restart=True)
