"""The worker side of running cells, shared by every backend (local pool, Ray, in-process).

:func:`run_cell` runs one cell through :func:`papergym.run` under a deadline and turns
any error of the cell's env or agent into a ``failed`` :class:`~papergym.results.CellResult`;
it never raises for the cell's own errors.  :func:`worker_init` is what a worker process
runs first: it dies with its parent (Linux ``PR_SET_PDEATHSIG`` and a watchdog thread on
the parent's pid, for other systems and for the gap before the first), and leaves Ctrl-C
to the parent, which kills its workers itself.

A result with ``transient=True`` failed for a reason outside the cell (its worker could
not start or import the plugins, Ray lost the task): the driver reports it and does not
store it, so the next run tries the cell again.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from papergym.leaderboard.cells import Cell, LeaderboardInputError, import_plugins
from papergym.results import CellResult, papergym_version

__all__ = ["CellTimeout", "ERROR_CHARS", "GRACE", "START_S", "failed_result", "overdue_error",
           "run_cell", "warm_up", "worker_init"]

ERROR_CHARS = 4000  # the tail of a traceback kept in a failed row
GRACE = 30.0  # seconds the driver waits past 2 * timeout before it kills a cell
START_S = 60.0  # at least this long for a suspect's own fresh worker to start (a loaded
# machine can take seconds to start an interpreter and import papergym, not the cell's fault)
WATCHDOG_S = 0.5  # how often a worker checks that its parent is alive


class CellTimeout(BaseException):
    """The cell ran past its timeout.  A BaseException (like KeyboardInterrupt), so an
    agent's or env's ``except Exception:`` cannot swallow it and keep running."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`CellTimeout` in this thread after ``seconds`` (SIGALRM; main thread
    only, which is where pool and Ray workers run tasks).  Elsewhere: no limit here, the
    driver-side guard still applies."""
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


def _set_parent_death_signal() -> None:
    """Linux: the kernel sends SIGKILL to this process when its parent dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1  # noqa: N806 - the C constant's name
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:  # re-parented: the driver is gone
            os._exit(1)
        time.sleep(WATCHDOG_S)


def worker_init(parent: int | None = None) -> None:
    """First thing in a worker process: die with the parent, ignore Ctrl-C.

    ``parent`` is the driver's pid (default: this process's parent now); a worker that
    finds another parent already (the driver died while it started) exits at once."""
    parent = os.getppid() if parent is None else parent
    _set_parent_death_signal()
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="papergym-parent-watchdog",
                     daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and kills us
    if hasattr(signal, "pthread_sigmask"):  # started with SIGINT blocked (see execute.py)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def failed_result(cell: Cell, error: str, wall_time: float = 0.0, *,
                  transient: bool = False) -> CellResult:
    """A ``failed`` row for ``cell``; ``transient``: not the cell's fault, not to be stored."""
    result = CellResult(cell.env_id, cell.env_kwargs, cell.agent, cell.agent_config, cell.seed,
                        status="failed", error=error[-ERROR_CHARS:],
                        primary_metric=cell.primary_metric, requires_model=cell.requires_model,
                        wall_time=wall_time, finished_at=time.time(), evaluation=cell.evaluation)
    result.transient = transient
    return result


def _episodes(cell: Cell) -> list:
    """The cell's episodes: :func:`papergym.run`, or :func:`papergym.runner.run_parallel`
    for a PettingZoo parallel env (``cell.team`` maps roles to agent names there)."""
    from papergym.runner import run, run_parallel

    if cell.parallel:
        return run_parallel(cell.env_id, dict(cell.team) if cell.team else cell.agent,
                            seeds=[cell.seed], episodes=cell.episodes,
                            max_steps=cell.max_steps, env_kwargs=cell.env_kwargs)
    return run(cell.env_id, cell.agent, seeds=[cell.seed], episodes=cell.episodes,
               agent_kwargs=cell.agent_kwargs, max_steps=cell.max_steps,
               env_kwargs=cell.env_kwargs)


def run_cell(cell: Cell, timeout: float | None = None, imports: Sequence[str] = ()) -> CellResult:
    """Run one cell; never raises for the cell's own errors (they become its failed row)."""
    start = time.perf_counter()
    try:
        import_plugins(imports)
    except LeaderboardInputError as exc:  # the driver imported it: this worker's problem
        return failed_result(cell, f"the worker cannot import a plugin: {exc}",
                             time.perf_counter() - start, transient=True)
    try:
        with deadline(timeout):
            episodes = _episodes(cell)
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
                      wall_time=wall, finished_at=time.time(), papergym_version=papergym_version(),
                      evaluation=cell.evaluation)


def overdue_error(timeout: float, waited: float) -> str:
    return (f"timed out after {timeout:g} s (killed: not back after {waited:.0f} s; the "
            "worker did not stop at its deadline, e.g. a hang in native code)")


def warm_up(imports: Sequence[str]) -> None:
    """Runs in a fresh worker before its one cell: the interpreter starts and imports
    papergym and the plugins, so the cell's limit counts from the cell's own start.  An
    import error is left for :func:`run_cell` to report."""
    import papergym.envs  # noqa: F401 - registers every env id
    import papergym.runner  # noqa: F401

    try:
        import_plugins(imports)
    except Exception:  # noqa: BLE001, S110 - run_cell reports it, as a transient failure
        pass


def probe() -> bool:
    """A task that only proves a worker process can start and run papergym code."""
    return True
