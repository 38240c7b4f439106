"""Running cells: in this process, on a local process pool, or as Ray tasks.

Workers only compute; the driver (this process) writes every finished cell to the
results store, one transaction per cell, so a Ray cluster needs no shared disk and a
killed run loses at most the cells in flight.  Before a cell is handed to a worker the
driver checks the store again, so two runs sharing a database rarely repeat work, and
``INSERT OR IGNORE`` makes the rare race harmless.

A cell that raises or runs past ``timeout`` seconds becomes a ``failed`` row carrying
the error text; the rest of the run goes on.  The timeout is enforced twice: in the
worker by SIGALRM (which cannot interrupt native code, or code that blocks or ignores
the signal), and by the driver, which gives up on a cell not back ``2 * timeout +
grace`` seconds after it was handed to the pool or to Ray (a handed-over cell may wait
for one other cell before it starts, hence the factor 2).  Overdue is only a suspicion
(a healthy cell may have waited longer behind a hung one): the pool's worker processes
are killed, the other cells in flight are run again, and each overdue cell is run once
more alone, in a worker of its own, where the limit is ``timeout + grace`` from its own
start; only a cell that overruns that gets a ``failed`` row.  With a timeout every cell
runs in a worker process (one worker: a pool of one), since the driver cannot stop a
cell that hangs in its own process.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from papergym.leaderboard.cells import Cell, import_plugins
from papergym.results import CellResult, ResultsStore

__all__ = ["run_cell", "execute", "ExecutionStats", "CellTimeout", "GRACE"]

ERROR_CHARS = 4000  # the tail of a traceback kept in a failed row
GRACE = 30.0  # seconds the driver waits past 2 * timeout before it kills a cell
START_S = 60.0  # at least this long for a suspect's own fresh worker to start (a loaded
# machine can take seconds to start an interpreter and import papergym, not the cell's fault)


class CellTimeout(BaseException):
    """The cell ran past its timeout.  A BaseException (like KeyboardInterrupt), so an
    agent's or env's ``except Exception:`` cannot swallow it and keep running."""


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`CellTimeout` in this thread after ``seconds`` (SIGALRM; main thread
    only, which is where pool and Ray workers run tasks).  Elsewhere: no limit here, the
    driver-side guard of the Ray backend still applies."""
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise CellTimeout(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def failed_result(cell: Cell, error: str, wall_time: float = 0.0) -> CellResult:
    return CellResult(cell.env_id, cell.env_kwargs, cell.agent, cell.agent_config, cell.seed,
                      status="failed", error=error[-ERROR_CHARS:],
                      primary_metric=cell.primary_metric, requires_model=cell.requires_model,
                      wall_time=wall_time, finished_at=time.time(), evaluation=cell.evaluation)


def run_cell(cell: Cell, timeout: float | None = None, imports: Sequence[str] = ()) -> CellResult:
    """Run one cell through :func:`papergym.run`; never raises for the cell's own errors."""
    import papergym

    start = time.perf_counter()
    try:
        import_plugins(imports)
        with _deadline(timeout):
            episodes = papergym.run(cell.env_id, cell.agent, seeds=[cell.seed],
                                    episodes=cell.episodes, agent_kwargs=cell.agent_kwargs,
                                    max_steps=cell.max_steps, env_kwargs=cell.env_kwargs)
    except CellTimeout as exc:
        return failed_result(cell, str(exc), time.perf_counter() - start)
    except Exception:  # noqa: BLE001 - any agent/env error becomes the cell's failure row
        return failed_result(cell, traceback.format_exc(), time.perf_counter() - start)
    wall = time.perf_counter() - start
    values = [r.metrics.get(cell.primary_metric) for r in episodes]
    if any(v is None for v in values):
        return failed_result(cell, f"the env's info['metrics'] has no primary metric "
                                   f"{cell.primary_metric!r} (has {sorted(episodes[0].metrics)})",
                             wall)
    try:
        primary = float(np.mean(np.asarray(values, dtype=float)))
    except (TypeError, ValueError):
        return failed_result(cell, f"primary metric {cell.primary_metric!r} is not a number: "
                                   f"{values!r}", wall)
    if not math.isfinite(primary):  # SQLite would store NaN as NULL: the cell would look failed
        return failed_result(cell, f"primary metric {cell.primary_metric!r} is {primary} "
                                   f"(per episode: {values!r})", wall)
    return CellResult(cell.env_id, cell.env_kwargs, cell.agent, cell.agent_config, cell.seed,
                      episodes=[r.as_dict() for r in episodes],
                      primary_metric=cell.primary_metric,
                      primary_value=primary, requires_model=cell.requires_model,
                      wall_time=wall, finished_at=time.time(), papergym_version=papergym.__version__,
                      evaluation=cell.evaluation)


@dataclass
class ExecutionStats:
    planned: int = 0
    skipped: int = 0  # already stored (resume)
    ran: int = 0
    written: int = 0  # rows this run wrote (a parallel run may have written the rest)
    failed: int = 0
    stale: int = 0  # stored under another evaluation (episodes, max_steps): run and replaced


def execute(cells: Sequence[Cell], store: ResultsStore, *, backend: str = "local",
            workers: int | None = None, force: bool = False, retry_failed: bool = False,
            timeout: float | None = 600.0, imports: Sequence[str] = (),
            on_done: Callable[[Cell, CellResult | None], None] | None = None,
            address: str | None = None, grace: float = GRACE) -> ExecutionStats:
    """Run the cells not yet stored (all with ``force``) and store each result.

    ``backend``: ``"local"`` (a process pool of ``workers``, default the core count; with
    one worker and ``timeout=None`` the cells run in this process) or ``"ray"``.  ``retry_failed``: stored ``failed`` cells
    are run again and replaced by the new result (stored ``ok`` cells are still skipped).
    ``on_done(cell, result)`` is called per cell, with ``None`` for a skipped one (the
    progress bar).  ``address``: Ray's.  ``grace``: see the module doc (the driver-side
    timeout is ``2 * timeout + grace``).
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1 (or None for the core count), got {workers}")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds (or None for no limit), got {timeout}")
    if timeout == math.inf:
        timeout = None
    if backend not in ("local", "ray"):
        raise ValueError(f"backend must be 'local' or 'ray', got {backend!r}")
    stats = ExecutionStats(planned=len(cells))
    done = on_done or (lambda cell, result: None)

    stale: set = set()  # keys stored under another evaluation: rerun and replaced

    def stored(cell: Cell) -> bool:
        """True if ``cell`` need not run: stored under the same evaluation (episodes,
        step limit), and not a failure to retry."""
        if force:
            return False
        found = store.lookup(cell.key)
        if found is None:
            return False
        status, evaluation = found
        if evaluation is not None and evaluation != cell.evaluation:
            stale.add(cell.key)
            return False
        return not (retry_failed and status == "failed")

    todo = []
    for cell in cells:
        if stored(cell):
            stats.skipped += 1
            done(cell, None)
        else:
            todo.append(cell)
    stats.stale = len(stale)

    def still_needed(cell: Cell) -> bool:
        if not stored(cell):
            return True
        stats.skipped += 1
        done(cell, None)
        return False

    def finish(cell: Cell, result: CellResult) -> None:
        stats.ran += 1
        stats.failed += result.status == "failed"
        if force or cell.key in stale:
            written = store.put(result, replace=True)
        elif retry_failed:
            written = store.put(result, replace_failed=True)
        else:
            written = store.put(result)
        stats.written += written
        done(cell, result)

    if backend == "ray":
        from papergym.leaderboard.ray_backend import run_ray

        run_ray(todo, still_needed, finish, timeout=timeout, imports=imports, address=address,
                grace=grace)
    else:
        n = workers or os.cpu_count() or 1
        if timeout is None and (n <= 1 or len(todo) <= 1):
            # no limit to enforce, so no need for a worker process the driver could kill
            for cell in todo:
                if still_needed(cell):
                    finish(cell, run_cell(cell, timeout, imports))
        elif todo:
            # with a timeout even one cell goes to a worker: in this process only SIGALRM
            # could stop it, and a hang in native code (or an ignored signal) would hang
            # the run for good
            _run_pool(todo, min(n, len(todo)), still_needed, finish, timeout, imports, grace)
    return stats


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's worker processes (a hung cell may block or ignore SIGTERM); the
    pool then counts as broken and must be replaced."""
    kill = getattr(pool, "kill_workers", None)  # Python >= 3.14
    if kill is not None:
        kill()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):  # already gone or closed
            pass


def _overdue_error(timeout: float, waited: float) -> str:
    return (f"timed out after {timeout:g} s (killed: not back after {waited:.0f} s; the "
            "worker did not stop at its deadline, e.g. a hang in native code)")


def _warm_up(imports: Sequence[str]) -> None:
    """Runs in a fresh worker before its one cell: the interpreter starts and imports
    papergym and the plugins, so the cell's limit counts from the cell's own start.  An
    import error is left for :func:`run_cell` to report."""
    import papergym  # noqa: F401

    try:
        import_plugins(imports)
    except Exception:  # noqa: BLE001, S110 - run_cell raises it again, as the cell's error
        pass


def _run_alone(cell: Cell, spawn, timeout: float | None, imports: Sequence[str],
               grace: float) -> CellResult:
    """Run ``cell`` in a pool of one worker that runs nothing else: a cell that was
    overdue, or in flight when a worker died, is judged by itself here.  The limit is
    ``timeout + grace`` from the cell's own start (the worker is started and warmed up
    first, allowed ``max(2 * timeout + grace, START_S)``)."""
    limit = timeout + grace if timeout else None
    start_limit = max(2 * timeout + grace, START_S) if timeout else None
    solo = ProcessPoolExecutor(1, mp_context=spawn)
    try:
        try:
            solo.submit(_warm_up, imports).result(timeout=start_limit)
        except FutureTimeout:
            _kill_workers(solo)
            return failed_result(cell, f"timed out after {timeout:g} s (killed: its worker "
                                       f"did not even start within {start_limit:g} s, e.g. "
                                       "a plugin import that hangs)", start_limit)
        start = time.monotonic()
        try:
            return solo.submit(run_cell, cell, timeout, imports).result(timeout=limit)
        except FutureTimeout:
            _kill_workers(solo)
            return failed_result(cell, _overdue_error(timeout, time.monotonic() - start),
                                 time.monotonic() - start)
    except BrokenProcessPool:
        return failed_result(cell, "the worker process died while running this cell (a "
                                   "crash, os._exit or out of memory)")
    finally:
        solo.shutdown(wait=True, cancel_futures=True)


def _run_pool(todo: Sequence[Cell], workers: int, still_needed, finish, timeout, imports,
              grace: float = GRACE) -> None:
    """A spawn-context process pool with a bounded queue (so the store is re-checked
    just before each cell starts).  A worker that dies (segfault, ``os._exit``, OOM
    kill) breaks the whole pool; a cell not back ``2 * timeout + grace`` seconds after
    it was submitted makes the driver kill the pool's workers.  Either way the cells in
    flight are suspects (an overdue cell may only have waited behind a hung one): each
    is re-run alone by :func:`_run_alone`, so only the culprit gets a ``failed`` row;
    the cells in flight that were not yet overdue are queued again."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    limit = 2 * timeout + grace if timeout else None
    queue = list(reversed(todo))
    suspects: list[Cell] = []
    while queue:
        in_flight: dict = {}  # future -> (cell, submitted at)
        pool = ProcessPoolExecutor(workers, mp_context=spawn)
        try:
            while queue or in_flight:
                while queue and len(in_flight) < 2 * workers:
                    cell = queue.pop()
                    if still_needed(cell):
                        try:
                            future = pool.submit(run_cell, cell, timeout, imports)
                        except BrokenProcessPool:
                            # a worker died since the last wait: this cell never started
                            queue.append(cell)
                            raise
                        in_flight[future] = (cell, time.monotonic())
                if not in_flight:
                    continue
                wait_s = None
                if limit is not None:
                    oldest = min(start for _, start in in_flight.values())
                    wait_s = max(0.0, oldest + limit - time.monotonic()) + 0.05
                finished, _ = wait(in_flight, timeout=wait_s, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()  # BrokenProcessPool: see below
                    finish(in_flight.pop(future)[0], result)
                now = time.monotonic()
                overdue = [f for f, (_, start) in in_flight.items()
                           if limit is not None and now - start > limit and not f.done()]
                if overdue:
                    _kill_workers(pool)
                    # no failed row yet: a healthy cell may be overdue only for having
                    # waited behind a hung one; each is judged alone below
                    suspects += [in_flight.pop(future)[0] for future in overdue]
                    # the cells killed with the pool before their time: first in line
                    # for the next pool
                    queue.extend(reversed([cell for cell, _ in in_flight.values()]))
                    in_flight.clear()
                    break
        except BrokenProcessPool:
            suspects += [cell for cell, _ in in_flight.values()]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    for cell in suspects:
        if still_needed(cell):
            finish(cell, _run_alone(cell, spawn, timeout, imports, grace))
