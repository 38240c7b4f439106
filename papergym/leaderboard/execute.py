"""Running cells: in this process, on a local process pool, or as Ray tasks.

Workers only compute; the driver (this process) writes every finished cell to the
results store, one transaction per cell, so a Ray cluster needs no shared disk and a
killed run loses at most the cells in flight.  Before a cell is handed to a worker the
driver claims it in the store (a lease with an expiry, kept alive by a heartbeat), so
processes sharing one results file split the work instead of repeating it; a crashed
process's leases expire and its cells are taken over.  Workers die with the driver
(:func:`papergym.leaderboard.worker.worker_init`), and Ctrl-C or SIGTERM kills them at
once.

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
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from papergym.leaderboard.cells import Cell, LeaderboardInputError
from papergym.leaderboard.worker import (
    GRACE,
    START_S,
    CellTimeout,
    failed_result,
    overdue_error,
    probe,
    run_cell,
    warm_up,
    worker_init,
)
from papergym.results import LEASE_S, CellResult, LeaseKeeper, ResultsStore, new_owner

__all__ = ["run_cell", "execute", "ExecutionStats", "CellTimeout", "GRACE", "WorkerStartError"]

LEASE_POLL_S = 0.5
# One worker by default, chosen by measurement (docs/leaderboard.md): on the 2-core
# machine, `leaderboard --quick` took 12.5 s with 1 worker and 15-16 s with 2 (7.3-7.8 s
# in-process, --timeout inf); Paging-v0 + MarkovCodingGame-v0 over 5 seeds, 10.8 s
# against 15.4 s (8.0 s in-process).  Cells of milliseconds cost less than a second
# worker's start-up and its share of two cores; pass --workers N for long cells.
DEFAULT_WORKERS = 1


def default_workers() -> int:
    """The local backend's worker count when none is given (docs/leaderboard.md)."""
    return DEFAULT_WORKERS  # how often a run waiting for another process's cells looks again

GUARD_HINT = (
    "worker processes could not start.  If a script calls run_leaderboard (or execute), "
    "put the call under `if __name__ == \"__main__\":` (each worker imports the script "
    "again; without the guard it would start the leaderboard again), and name modules that "
    "register envs or agents in imports= (--import)")


class WorkerStartError(LeaderboardInputError):
    """Worker processes cannot start (a script without the ``__main__`` guard, a plugin
    that fails in a fresh interpreter): nothing is stored, the run stops (exit 2)."""


_LAUNCHER: list[str | None] = []  # the setpriv wrapper, made once per process (or None)


def _launcher() -> str | None:
    """Linux with util-linux's ``setpriv``: a tiny executable that starts Python with the
    parent-death signal already set, so a worker (and multiprocessing's resource
    tracker) dies with this process even while it is still starting up, before
    :func:`worker_init` runs; ``None`` elsewhere (the watchdog in worker_init remains)."""
    if not _LAUNCHER:
        import shutil
        import sys
        import tempfile

        setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
        path = None
        if setpriv and sys.executable:
            folder = tempfile.mkdtemp(prefix="papergym-launcher-")
            path = os.path.join(folder, "python")
            with open(path, "w") as f:
                f.write(f'#!/bin/sh\nexec {setpriv} --pdeathsig KILL -- "{sys.executable}" "$@"\n')
            os.chmod(path, 0o700)
        _LAUNCHER.append(path)
    return _LAUNCHER[0]


@contextmanager
def _no_sigint_for_children():
    """While this thread starts processes: block SIGINT (a child inherits the mask, so a
    Ctrl-C during its start-up stays pending until :func:`worker_init` has set it to be
    ignored: no traceback from a half-started worker; ours is delivered on exit), and
    start them through :func:`_launcher`, so they die with us from their first moment."""
    from multiprocessing import spawn

    launcher = _launcher()
    previous_exe = spawn.get_executable()
    if launcher:
        spawn.set_executable(launcher)
    masked = hasattr(signal, "pthread_sigmask")
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked else None
    try:
        yield
    finally:
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if launcher:
            spawn.set_executable(previous_exe)


def _submit(pool: ProcessPoolExecutor, *args):
    with _no_sigint_for_children():
        return pool.submit(*args)


def _workers_can_start(spawn, imports: Sequence[str]) -> bool:
    """Start one fresh worker and run a no-op in it."""
    pool = _new_pool(1, spawn)
    try:
        return _submit(pool, probe).result(timeout=max(START_S, 60.0))
    except Exception:  # noqa: BLE001 - broken pool, timeout, pickling: it cannot start
        _kill_workers(pool)
        return False
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class ExecutionStats:
    planned: int = 0
    skipped: int = 0  # already stored (resume, or stored meanwhile by another process)
    ran: int = 0
    written: int = 0  # rows this run wrote (a parallel run may have written the rest)
    failed: int = 0
    stale: int = 0  # stored under another evaluation (episodes, max_steps): run and replaced
    waited: int = 0  # cells another process held a lease on when this one reached them
    unstored: int = 0  # failed for reasons outside the cell (reported, not stored)


def execute(cells: Sequence[Cell], store: ResultsStore, *, backend: str = "local",
            workers: int | None = None, force: bool = False, retry_failed: bool = False,
            timeout: float | None = 600.0, imports: Sequence[str] = (),
            on_done: Callable[[Cell, CellResult | None], None] | None = None,
            address: str | None = None, grace: float = GRACE,
            lease_s: float = LEASE_S) -> ExecutionStats:
    """Run the cells not yet stored (all with ``force``) and store each result.

    ``backend``: ``"local"`` (a process pool of ``workers``, default
    :data:`DEFAULT_WORKERS`; with one worker
    and ``timeout=None`` the cells run in this process) or ``"ray"``.  ``retry_failed``:
    stored ``failed`` cells are run again and replaced by the new result (stored ``ok``
    cells are still skipped).  ``on_done(cell, result)`` is called per cell, with
    ``None`` for a skipped one (the progress bar).  ``address``: Ray's.  ``grace``: see
    the module doc (the driver-side timeout is ``2 * timeout + grace``).

    Before a cell is handed to a worker it is claimed in the store (a lease, see
    :mod:`papergym.results`): a cell another process holds is left to it and looked at
    again once this run's own cells are done; it is run here only if that process's
    lease expires (it crashed) before the cell is stored.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1 (or None for the default), got {workers}")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds (or None for no limit), got {timeout}")
    if timeout == math.inf:
        timeout = None
    if backend not in ("local", "ray"):
        raise ValueError(f"backend must be 'local' or 'ray', got {backend!r}")
    stats = ExecutionStats(planned=len(cells))
    done = on_done or (lambda cell, result: None)
    owner = new_owner()

    stale: set = set()  # keys stored under another evaluation: rerun and replaced

    def wanted(cell: Cell):
        """Whether a stored row (``store.lookup``'s answer) leaves ``cell`` to run: not
        stored, stored under another evaluation, or a failure to retry (or ``force``)."""
        def check(found) -> bool:
            if force or found is None:
                return True
            status, evaluation = found
            if evaluation is not None and evaluation != cell.evaluation:
                stale.add(cell.key)
                return True
            return retry_failed and status == "failed"
        return check

    held: list[Cell] = []  # claimed by another process: looked at again at the end

    def still_needed(cell: Cell) -> bool:
        """Claim ``cell`` just before it is handed to a worker."""
        answer = store.claim(cell.key, owner, ttl=lease_s, wanted=wanted(cell))
        if answer == "stored":
            stats.skipped += 1
            done(cell, None)
            return False
        if answer == "held":
            held.append(cell)
            return False
        return True

    def finish(cell: Cell, result: CellResult) -> None:
        stats.ran += 1
        stats.failed += result.status == "failed"
        if result.transient:  # not the cell's fault: reported, left for the next run
            stats.unstored += 1
            store.release(owner, cell.key)
        elif force or cell.key in stale:
            stats.written += store.put(result, replace=True)
        elif retry_failed:
            stats.written += store.put(result, replace_failed=True)
        else:
            stats.written += store.put(result)
        done(cell, result)

    def run_batch(todo: Sequence[Cell]) -> None:
        if backend == "ray":
            from papergym.leaderboard.ray_backend import run_ray

            run_ray(todo, still_needed, finish, timeout=timeout, imports=imports,
                    address=address, grace=grace)
            return
        n = workers or default_workers()
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

    keeper = LeaseKeeper(store.path, owner, ttl=lease_s, every=min(5.0, lease_s / 4))
    try:
        run_batch(list(cells))
        while held:  # another process's cells: wait until stored, or its lease expires
            stats.waited += len(held)
            waiting, held[:] = list(held), []
            time.sleep(LEASE_POLL_S)
            run_batch(waiting)
            stats.waited -= len(held)  # counted again on the next round
    finally:
        keeper.stop(store)
    stats.stale = len(stale)
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


def _new_pool(workers: int, spawn) -> ProcessPoolExecutor:
    with _no_sigint_for_children():  # the pool may start multiprocessing's resource tracker
        return ProcessPoolExecutor(workers, mp_context=spawn, initializer=worker_init,
                                   initargs=(os.getpid(),))


def _run_alone(cell: Cell, spawn, timeout: float | None, imports: Sequence[str],
               grace: float) -> CellResult:
    """Run ``cell`` in a pool of one worker that runs nothing else: a cell that was
    overdue, or in flight when a worker died, is judged by itself here.  The limit is
    ``timeout + grace`` from the cell's own start (the worker is started and warmed up
    first, allowed ``max(2 * timeout + grace, START_S)``)."""
    limit = timeout + grace if timeout else None
    start_limit = max(2 * timeout + grace, START_S) if timeout else None
    solo = _new_pool(1, spawn)
    try:
        try:
            _submit(solo, warm_up, imports).result(timeout=start_limit)
        except FutureTimeout:
            _kill_workers(solo)
            return failed_result(cell, f"timed out after {timeout:g} s (killed: its worker "
                                       f"did not even start within {start_limit:g} s, e.g. "
                                       "a plugin import that hangs)", start_limit)
        start = time.monotonic()
        try:
            return _submit(solo, run_cell, cell, timeout, imports).result(timeout=limit)
        except FutureTimeout:
            _kill_workers(solo)
            return failed_result(cell, overdue_error(timeout, time.monotonic() - start),
                                 time.monotonic() - start)
    except BrokenProcessPool:
        if not _workers_can_start(spawn, imports):
            raise WorkerStartError(GUARD_HINT) from None
        return failed_result(cell, "the worker process died while running this cell (a "
                                   "crash, os._exit or out of memory)")
    except BaseException:  # Ctrl-C, SIGTERM: the worker goes with us
        _kill_workers(solo)
        raise
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
    the cells in flight that were not yet overdue are queued again.  A pool that breaks
    before any cell came back is first checked with a probe worker: when no worker can
    start at all, :class:`WorkerStartError` (nothing stored).  On Ctrl-C or SIGTERM the
    workers are killed at once."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    limit = 2 * timeout + grace if timeout else None
    queue = list(reversed(todo))
    suspects: list[Cell] = []
    while queue:
        in_flight: dict = {}  # future -> (cell, submitted at)
        pool = _new_pool(workers, spawn)
        returned = 0
        try:
            while queue or in_flight:
                while queue and len(in_flight) < 2 * workers:
                    cell = queue.pop()
                    if still_needed(cell):
                        try:
                            future = _submit(pool, run_cell, cell, timeout, imports)
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
                    returned += 1
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
            if not returned and not _workers_can_start(spawn, imports):
                raise WorkerStartError(GUARD_HINT) from None
            suspects += [cell for cell, _ in in_flight.values()]
        except BaseException:  # Ctrl-C, SIGTERM, an error of ours: no worker outlives it
            _kill_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    for cell in suspects:
        if still_needed(cell):
            finish(cell, _run_alone(cell, spawn, timeout, imports, grace))
