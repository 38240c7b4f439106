"""The Ray backend: the same cells as Ray tasks (``pip install papergym[ray]``).

Connects to the running Ray session if there is one (``ray.init`` already called, as the
tests do), else to ``RAY_ADDRESS`` / a new local instance.  Each task runs
:func:`papergym.leaderboard.execute.run_cell`, the very function the local backend
runs, so the numbers are the same for the same seeds; results come back to the driver,
which stores them.  Besides the in-worker timeout, the driver cancels a task not back
``2 * timeout + grace`` seconds after it was queued (a hang in native code; a queued
task may wait for one other cell before it starts, hence the factor 2).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from papergym.leaderboard.cells import Cell
from papergym.leaderboard.execute import GRACE, failed_result, run_cell
from papergym.results import CellResult

__all__ = ["run_ray", "GRACE"]


def run_ray(todo: Sequence[Cell], still_needed: Callable[[Cell], bool],
            finish: Callable[[Cell, CellResult], None], *, timeout: float | None,
            imports: Sequence[str] = (), address: str | None = None,
            grace: float = GRACE) -> None:
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("--backend ray needs Ray: pip install 'papergym[ray]'") from exc
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False, include_dashboard=False)
    remote = ray.remote(num_cpus=1, max_retries=0)(run_cell)
    capacity = max(1, int(ray.cluster_resources().get("CPU", 1)))
    queue = list(reversed(todo))
    in_flight: dict = {}  # ObjectRef -> (cell, start time)
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
                result = failed_result(cell, f"Ray task failed: {type(exc).__name__}: {exc}")
            finish(cell, result)
        if timeout:
            now = time.monotonic()
            for ref, (cell, start) in list(in_flight.items()):
                if now - start > 2 * timeout + grace:
                    ray.cancel(ref, force=True)
                    del in_flight[ref]
                    finish(cell, failed_result(cell, f"timed out after {timeout:g} s "
                                                     "(cancelled by the driver)", now - start))
