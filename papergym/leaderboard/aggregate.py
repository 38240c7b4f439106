"""From stored cells to ranked boards: IQM and 95% stratified bootstrap CIs.

One board per (env id, env kwargs); one row per (agent, agent config).  A row's score
is the interquartile mean (IQM, rliable's ``aggregate_iqm``) of the per-seed primary
metric, and its interval a percentile bootstrap that resamples runs within each task
(rliable's stratified bootstrap; on one board there is one task, so it resamples
seeds).  The bootstrap is our own few lines of numpy, seeded, so the same store always
gives the same table: rliable's ``library`` module needs ``arch``, whose 7.x releases do
not import under pandas 3.  Failed cells are counted, never scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from papergym.agents.base import config_hash
from papergym.results import CellKey, CellResult

__all__ = ["Board", "Row", "aggregate", "iqm", "stratified_bootstrap_ci"]

CURVE_GRID = 50


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean over all runs and tasks (25% trimmed from each end)."""
    try:
        from rliable.metrics import aggregate_iqm
    except ImportError:  # pragma: no cover - rliable is a dependency; same formula
        return float(stats.trim_mean(np.asarray(scores), 0.25, axis=None))
    return float(aggregate_iqm(np.asarray(scores, dtype=float)))


def stratified_bootstrap_ci(scores: np.ndarray, *, reps: int = 2000, confidence: float = 0.95,
                            seed: int = 0) -> tuple[float, float]:
    """Percentile CI of the IQM of ``scores`` (``runs x tasks``): each replicate resamples
    the runs of every task independently, with replacement."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    runs, tasks = scores.shape
    rng = np.random.default_rng(seed)
    picks = rng.integers(runs, size=(reps, runs, tasks))
    resampled = np.take_along_axis(np.broadcast_to(scores, (reps, runs, tasks)), picks, axis=1)
    replicate = stats.trim_mean(resampled.reshape(reps, -1), 0.25, axis=1)
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(replicate, [alpha, 1 - alpha])
    return float(lo), float(hi)


@dataclass
class Row:
    agent: str
    label: str
    values: list[float] = field(default_factory=list)  # per-seed primary metric (ok cells)
    iqm: float | None = None
    ci: tuple[float, float] | None = None
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    episodes: int = 0
    wall_time: float = 0.0
    requires_model: bool = False
    curve_name: str = ""  # "cumulative regret" or "cumulative reward"
    curve: list[tuple[float, float]] = field(default_factory=list)  # mean over seeds

    @property
    def seeds(self) -> int:
        return len(self.values)


@dataclass
class Board:
    env_id: str
    env_kwargs: dict[str, Any]
    primary_metric: str
    higher_is_better: bool
    rows: list[Row]

    @property
    def title(self) -> str:
        kw = ", ".join(f"{k}={v!r}" for k, v in sorted(self.env_kwargs.items()))
        return f"{self.env_id} ({kw})" if kw else self.env_id

    @property
    def slug(self) -> str:
        suffix = f"_{config_hash(self.env_kwargs)[:8]}" if self.env_kwargs else ""
        return f"{self.env_id}{suffix}"


def _last_line(error: str | None) -> str:
    """The last non-blank line of an error text (a traceback's exception line), or ""."""
    lines = (error or "").strip().splitlines()
    return lines[-1].strip() if lines else ""


def _higher_is_better(env_id: str) -> bool:
    from papergym.leaderboard.cells import env_traits

    try:
        return env_traits(env_id).higher_is_better
    except Exception:  # noqa: BLE001 - an env no longer importable: report it anyway
        return True


def _mean_curve(cells: Sequence[CellResult]) -> tuple[str, list[tuple[float, float]]]:
    """Mean over seeds of each cell's first-episode curve (regret if the env gives it)."""
    firsts = [c.episodes[0] for c in cells if c.episodes]
    kind = "regret_curve" if firsts and all(e.get("regret_curve") for e in firsts) \
        else "return_curve"
    curves = [np.asarray(e.get(kind) or [], dtype=float) for e in firsts]
    curves = [c for c in curves if c.ndim == 2 and len(c)]
    if not curves:
        return "", []
    end = min(c[-1, 0] for c in curves)
    grid = np.linspace(min(c[0, 0] for c in curves), end, CURVE_GRID)
    mean = np.mean([np.interp(grid, c[:, 0], c[:, 1]) for c in curves], axis=0)
    name = "cumulative regret" if kind == "regret_curve" else "cumulative reward"
    return name, [(float(x), float(y)) for x, y in zip(grid, mean)]


def aggregate(cells: Iterable[CellResult], *, keys: set[CellKey] | None = None,
              reps: int = 2000, seed: int = 0) -> list[Board]:
    """Boards from stored cells (only those in ``keys`` when given), rows best first."""
    groups: dict[tuple[str, str], dict[tuple[str, str], list[CellResult]]] = {}
    for cell in cells:
        key = cell.key
        if keys is not None and key not in keys:
            continue
        board = groups.setdefault((cell.env_id, key.env_kwargs_hash), {})
        board.setdefault((cell.agent, key.agent_config_hash), []).append(cell)
    boards = []
    for (env_id, _), by_agent in sorted(groups.items()):
        first = next(iter(by_agent.values()))[0]
        names = [a for a, _ in by_agent]
        rows = []
        for (agent, cfg_hash), agent_cells in sorted(by_agent.items()):
            label = agent if names.count(agent) == 1 else f"{agent} [{cfg_hash[:6]}]"
            ok = [c for c in agent_cells if c.status == "ok" and c.primary_value is not None]
            bad = [c for c in agent_cells if c not in ok]
            row = Row(agent, label, values=[float(c.primary_value) for c in ok],
                      failed=len(bad), episodes=sum(len(c.episodes) for c in ok),
                      wall_time=sum(c.wall_time for c in agent_cells),
                      requires_model=any(c.requires_model for c in agent_cells),
                      errors=[_last_line(c.error) for c in bad])
            if ok:
                scores = np.asarray(row.values)[:, None]
                row.iqm = iqm(scores)
                row.ci = stratified_bootstrap_ci(scores, reps=reps, seed=seed)
                row.curve_name, row.curve = _mean_curve(ok)
            rows.append(row)
        better = _higher_is_better(env_id)
        rows.sort(key=lambda r: (r.iqm is None, -(r.iqm or 0) if better else (r.iqm or 0),
                                 r.label))
        boards.append(Board(env_id, dict(first.env_kwargs), first.primary_metric or "?",
                            better, rows))
    return boards
