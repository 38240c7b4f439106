"""``run_leaderboard``: plan the cells, run the missing ones, rank, and write the reports.

>>> from papergym.leaderboard import run_leaderboard
>>> result = run_leaderboard(quick=True)          # every env, reference agents, 3 seeds
>>> result = run_leaderboard(envs=["Paging-v0"], agents=["lru", "random"], seeds=10)
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from papergym.leaderboard.aggregate import Board, aggregate, group_boards
from papergym.leaderboard.cells import (
    DEFAULT_SEEDS,
    QUICK_SEEDS,
    Cell,
    EnvEntry,
    LeaderboardInputError,
    import_plugins,
    parse_seeds,
    plan_cells,
)
from papergym.leaderboard.execute import ExecutionStats, execute
from papergym.leaderboard.experiment import load_experiment
from papergym.results import DEFAULT_PATH, ResultsStore, config_hash

__all__ = ["LeaderboardResult", "run_leaderboard", "plan"]

MAX_TIMEOUT = 1e7  # seconds (16 weeks) per cell; beyond, pass inf (no limit)
DEFAULT_MARKDOWN = Path("results") / "LEADERBOARD.md"
DEFAULT_PLOTS = Path("results") / "plots"


@dataclass
class LeaderboardResult:
    cells: list[Cell]
    stats: ExecutionStats
    boards: list[Board]
    markdown_path: Path | None = None
    plot_paths: dict[str, Path] = field(default_factory=dict)


def plan(envs: Sequence[str | dict[str, Any]] | None = None, agents: Sequence[Any] | None = None,
         seeds: int | str | Sequence[int] | None = None, *, episodes: int | None = None,
         quick: bool = False, experiment: str | Path | None = None,
         max_steps: int | None = None, imports: Sequence[str] = ()) -> tuple[list[Cell], list[str]]:
    """The cells a leaderboard run covers, and the plugin modules workers must import.

    ``envs`` items are ids or ``{"id": ..., "kwargs"/"configs": ...}``; an experiment
    file gives the defaults, explicit arguments override it (``agents`` and ``seeds``
    also override those the file sets for one env).
    """
    imports = list(imports)
    entries = None
    if experiment is not None:
        exp = load_experiment(experiment)
        imports += [m for m in exp.imports if m not in imports]
        import_plugins(imports)
        entries = [replace(e, agents=None if agents is not None else e.agents,
                           seeds=None if seeds is not None else e.seeds) for e in exp.entries]
        agents = agents if agents is not None else exp.agents
        seeds = seeds if seeds is not None else exp.seeds
        episodes = episodes if episodes is not None else exp.episodes
        quick = quick or bool(exp.quick)
        max_steps = max_steps if max_steps is not None else exp.max_steps
    import_plugins(imports)
    if envs is not None:
        entries = []
        for i, e in enumerate(envs):
            e = {"id": e} if isinstance(e, str) else dict(e)
            if "kwargs" in e and "configs" in e:
                raise LeaderboardInputError(f"envs[{i}]: give `kwargs` or `configs`, not both")
            if "configs" in e and not e["configs"]:
                raise LeaderboardInputError(f"envs[{i}]: `configs` is empty")
            configs = e.get("configs") or ([e["kwargs"]] if "kwargs" in e else None)
            entries.append(EnvEntry(e["id"].removeprefix("papergym:"), configs, e.get("agents")))
    if seeds is None:
        seeds = QUICK_SEEDS if quick else DEFAULT_SEEDS
    if episodes is not None and (isinstance(episodes, bool) or not isinstance(episodes, int)
                                 or episodes < 1):
        raise LeaderboardInputError(f"episodes must be a whole number >= 1, got {episodes!r}")
    if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, int)
                                  or max_steps < 1):
        raise LeaderboardInputError(f"max_steps must be a whole number >= 1, got {max_steps!r}")
    cells = plan_cells(entries, agents=agents, seeds=parse_seeds(seeds),
                       episodes=episodes if episodes is not None else 1, quick=quick,
                       max_steps=max_steps)
    return cells, imports


PROGRESS_EVERY_S = 10.0  # without a terminal: one progress line this often


class _Progress:
    """done/total with ETA: a rich progress bar on a terminal, else (a log, CI) one plain
    line every ``PROGRESS_EVERY_S`` seconds and one at the end; a no-op when disabled."""

    def __init__(self, total: int, enabled: bool, console=None):
        self.bar = None
        self.lines = False
        self.total, self.done, self.start, self.last = total, 0, time.monotonic(), 0.0
        if not (enabled and total):
            return
        from rich.console import Console

        console = console or Console()
        self.console = console
        if not console.is_terminal:
            self.lines = True
            self.last = self.start
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                            TimeRemainingColumn(), TextColumn("{task.fields[last]}"),
                            console=console, transient=False)
        self.task = self.bar.add_task("cells", total=total, last="")
        self.bar.start()

    def _line(self) -> None:
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        self.console.print(f"cells {self.done}/{self.total} ({100 * self.done / self.total:.0f}%),"
                           f" {elapsed:.0f} s elapsed, ETA {eta:.0f} s", highlight=False,
                           soft_wrap=True)
        self.last = time.monotonic()

    def __call__(self, cell: Cell, result) -> None:
        self.done += 1
        if self.bar is not None:
            note = "stored" if result is None else result.status
            self.bar.update(self.task, advance=1, last=f"{cell.label()}: {note}")
        elif self.lines and time.monotonic() - self.last >= PROGRESS_EVERY_S:
            self._line()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.task, last="")
            self.bar.stop()
        elif self.lines:
            self._line()


GUARD_ERROR = (
    "run_leaderboard was called while a worker process imported the main script: put the "
    "call under `if __name__ == \"__main__\":` (each worker process imports the script "
    "again, and without the guard it would start the leaderboard again)")


def _check_not_in_worker_bootstrap() -> None:
    """Refuse to run inside a spawned process that is still importing the parent's main
    script (a script without the ``__main__`` guard)."""
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError(GUARD_ERROR)


def check_output_path(path: str | Path, what: str, *, folder: bool = False) -> Path:
    """Refuse an output path that cannot be written, before any work: its folder (or the
    nearest existing parent) must be a writable folder; a file path must not be a folder.
    Creates nothing."""
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise LeaderboardInputError(f"{what} {path}: exists and is not a folder")
    if not folder and path.is_dir():
        raise LeaderboardInputError(f"{what} {path}: is a folder, not a file")
    target = path if folder else path.parent
    parent = target
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise LeaderboardInputError(f"{what} {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise LeaderboardInputError(f"{what} {path}: {parent} is not writable")
    if not folder and path.exists() and not os.access(path, os.W_OK):
        raise LeaderboardInputError(f"{what} {path}: the file is not writable")
    return path


def run_leaderboard(envs=None, agents=None, seeds=None, *, episodes: int | None = None,
                    quick: bool = False, experiment: str | Path | None = None,
                    store: str | Path | ResultsStore = DEFAULT_PATH, backend: str = "local",
                    workers: int | None = None, force: bool = False,
                    retry_failed: bool = False,
                    timeout: float | None = 600.0, max_steps: int | None = None,
                    imports: Sequence[str] = (), run: bool = True, progress: bool = False,
                    address: str | None = None,
                    markdown: str | Path | None = DEFAULT_MARKDOWN,
                    plots: str | Path | None = DEFAULT_PLOTS, console=None) -> LeaderboardResult:
    """Run a leaderboard and rank it.

    Cells already in ``store`` are skipped (``force`` reruns them; ``retry_failed`` reruns
    the stored ``failed`` ones and replaces them); each finished cell is stored at once,
    so an interrupted run resumes where it stopped.  ``address``: the Ray cluster for
    ``backend="ray"``.  ``run=False`` only ranks what is stored.  The boards cover exactly
    the planned cells; ``markdown`` and ``plots`` (a folder) are written unless ``None``.

    With a ``timeout`` (the default) every cell runs in a spawned worker process, even with
    ``workers=1``, so that a hung cell can be killed: a script that calls this needs the
    usual ``if __name__ == "__main__":`` guard, and envs or agents it registers itself
    must come from an importable module named in ``imports``.  ``timeout=None`` runs
    cells in this process when ``workers=1``.
    """
    _check_not_in_worker_bootstrap()
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise LeaderboardInputError(f"workers must be a whole number >= 1, got {workers!r}")
    if backend not in ("local", "ray"):
        raise LeaderboardInputError(f"backend must be 'local' or 'ray', got {backend!r}")
    if backend == "ray" and run:
        from papergym.leaderboard.ray_backend import import_ray

        try:
            import_ray()
        except ImportError as exc:
            raise LeaderboardInputError(str(exc)) from None
    if markdown is not None:
        check_output_path(markdown, "markdown")
    if plots is not None:
        check_output_path(plots, "plots", folder=True)
    if timeout is not None and not timeout > 0:  # also refuses NaN
        raise LeaderboardInputError(f"timeout must be > 0 seconds, got {timeout!r}")
    if timeout == float("inf"):  # the CLI's way to say "no limit"
        timeout = None
    if timeout is not None and timeout > MAX_TIMEOUT:  # waits past ~1e9 s overflow time_t
        raise LeaderboardInputError(f"timeout must be at most {MAX_TIMEOUT:g} seconds (or "
                                    f"inf for no limit), got {timeout!r}")
    cells, imports = plan(envs, agents, seeds, episodes=episodes, quick=quick,
                          experiment=experiment, max_steps=max_steps, imports=imports)
    owned = not isinstance(store, ResultsStore)
    if owned and not run and not Path(store).exists():  # a report creates no empty store
        raise LeaderboardInputError(f"{store}: no results store there yet; run the "
                                    "leaderboard first (without --report-only) or pass --db")
    db = ResultsStore(store, readonly=not run) if owned else store
    try:
        if run:
            bar = _Progress(len(cells), progress, console)
            try:
                stats = execute(cells, db, backend=backend, workers=workers, force=force,
                                retry_failed=retry_failed, timeout=timeout, imports=imports, on_done=bar,
                                address=address)
            finally:
                bar.close()
        # only rows run the way this plan asks (episodes, step limit) are ranked: a row of
        # another evaluation is rerun by a run, and left out (and counted) by a report
        wanted = {c.key: c.evaluation for c in cells}
        stored = [r for r in db.cells() if r.key in wanted]
        current = [r for r in stored if r.known_evaluation in (None, wanted[r.key])]
        if not run:
            stats = ExecutionStats(planned=len(cells), skipped=len(current),
                                   stale=len(stored) - len(current))
        order = {(c.env_id, c.key.env_kwargs_hash): i for i, c in reversed(list(enumerate(cells)))}
        boards = group_boards(sorted(
            aggregate(current),
            key=lambda b: order.get((b.env_id, config_hash(b.env_kwargs)), 0)))
    finally:
        if owned:
            db.close()
    result = LeaderboardResult(cells, stats, boards)
    if plots is not None and boards:
        from papergym.leaderboard.report import write_plots

        result.plot_paths = write_plots(boards, plots)
    if markdown is not None and boards:
        from papergym.leaderboard.report import write_markdown

        md = Path(markdown)
        links = {slug: _relative(p, md.parent) for slug, p in result.plot_paths.items()}
        result.markdown_path = write_markdown(boards, md, plots=links)
    return result


def _relative(path: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(path, start)).as_posix()
