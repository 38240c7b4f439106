"""From stored cells to ranked boards: IQM and 95% stratified bootstrap CIs.

One board per (env id, env kwargs); one row per (agent, agent config).  A row's score
is the interquartile mean (IQM, rliable's ``aggregate_iqm``) of the per-seed primary
metric, and its interval a percentile bootstrap that resamples runs within each task
(rliable's stratified bootstrap; on one board there is one task, so it resamples
seeds).  The bootstrap is our own few lines of numpy, seeded, so the same store always
gives the same table.  Why not rliable's ``StratifiedBootstrap``: its ``library`` module
imports ``arch``, whose 7.x releases fail to import under pandas 3; arch 8 imports fine,
but rliable 1.2.0 (the latest release) requires ``arch<8``, so ``pip install rliable
"arch>=8"`` is unresolvable (checked November 2026).  Ours is the same percentile method
over the same resampling; ``tests/leaderboard/test_aggregate.py`` pins its trim and its
interval level.

With fewer than 4 seeds the 25% trim removes no whole seed, so the IQM equals the mean
(rliable's ``aggregate_iqm`` is ``scipy.stats.trim_mean(x, 0.25)``, which trims
``int(0.25 * n)`` values from each end).  Failed cells are counted, never scored.

Boards of one env that differ only in the arguments its class lists in
``leaderboard_group_by`` are shown as one table with those arguments as columns
(:func:`group_boards`); a parallel env ranked by role has one board per role.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from papergym.results import CellKey, CellResult, config_hash, config_json

__all__ = ["Board", "Row", "aggregate", "group_boards", "iqm", "stratified_bootstrap_ci"]

CURVE_GRID = 50


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean over all runs and tasks (25% trimmed from each end; below 4
    values nothing is trimmed and it equals the mean)."""
    # rliable's aggregate_iqm is exactly this formula
    return float(stats.trim_mean(np.asarray(scores, dtype=float), 0.25, axis=None))


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
    replicate = stats.trim_mean(resampled.reshape(reps, runs * tasks), 0.25, axis=1)
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
    group_values: dict[str, Any] = field(default_factory=dict)  # grouped boards' columns

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
    role: str | None = None  # a parallel env ranked by role: the role of this board
    group_by: tuple[str, ...] = ()  # kwargs shown as columns (the rows' group_values)

    @property
    def title(self) -> str:
        parts = [f"{k}={v!r}" for k, v in sorted(self.env_kwargs.items())]
        if self.role:
            parts.insert(0, f"role={self.role}")
        if self.group_by:
            parts.append(f"by {', '.join(self.group_by)}")
        return f"{self.env_id} ({', '.join(parts)})" if parts else self.env_id

    @property
    def slug(self) -> str:
        suffix = f"_{config_hash(self.env_kwargs)[:8]}" if self.env_kwargs else ""
        if self.role:
            suffix += f"_{self.role}"
        if self.group_by:
            suffix += "_by_" + "_".join(self.group_by)
        return f"{self.env_id}{suffix}"


def _last_line(error: str | None) -> str:
    """The last non-blank line of an error text (a traceback's exception line), or ""."""
    lines = (error or "").strip().splitlines()
    return lines[-1].strip() if lines else ""


def _traits(env_id: str):
    from papergym.leaderboard.cells import env_traits

    try:
        return env_traits(env_id)
    except Exception:  # noqa: BLE001 - an env no longer importable: report it anyway
        return None


def _higher_is_better(env_id: str) -> bool:
    traits = _traits(env_id)
    return True if traits is None else traits.higher_is_better


def _role(cell: CellResult) -> str | None:
    config = cell.agent_config
    return config.get("role") if isinstance(config, dict) and "team" in config else None


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
    groups: dict[tuple[str, str, str], dict[tuple[str, str], list[CellResult]]] = {}
    for cell in cells:
        key = cell.key
        if keys is not None and key not in keys:
            continue
        board = groups.setdefault((cell.env_id, key.env_kwargs_hash, _role(cell) or ""), {})
        board.setdefault((cell.agent, key.agent_config_hash), []).append(cell)
    boards = []
    for (env_id, _, role), by_agent in sorted(groups.items()):
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
        _rank(rows, better)
        boards.append(Board(env_id, dict(first.env_kwargs), first.primary_metric or "?",
                            better, rows, role=role or None))
    return boards


def _rank(rows: list[Row], higher_is_better: bool) -> None:
    rows.sort(key=lambda r: (r.iqm is None,
                             -(r.iqm or 0) if higher_is_better else (r.iqm or 0), r.label))


def group_boards(boards: Sequence[Board]) -> list[Board]:
    """Merge the boards of one env (and role) that differ only in the kwargs its class
    lists in ``leaderboard_group_by`` into one board, with those kwargs as columns (the
    constructor's default where a board leaves one unset); a group of one board is kept
    as it is.  The merged board takes the place of its first member."""
    out: list[Board] = []
    merged: dict[tuple, Board] = {}
    for board in boards:
        traits = _traits(board.env_id)
        group_by = tuple(g for g in (traits.group_by if traits else ()))
        if not group_by:
            out.append(board)
            continue
        rest = {k: v for k, v in board.env_kwargs.items() if k not in group_by}
        key = (board.env_id, board.role, config_json(rest), board.primary_metric)
        members = [b for b in boards if b.env_id == board.env_id and b.role == board.role
                   and b.primary_metric == board.primary_metric
                   and config_json({k: v for k, v in b.env_kwargs.items()
                                    if k not in group_by}) == key[2]]
        if len(members) < 2:
            out.append(board)
            continue
        if key in merged:
            continue
        defaults = _defaults(board.env_id)
        rows = []
        for member in members:
            values = {g: member.env_kwargs.get(g, defaults.get(g)) for g in group_by}
            tag = ", ".join(f"{g}={v}" for g, v in values.items())
            for row in member.rows:
                rows.append(Row(**{**row.__dict__, "label": f"{row.label} ({tag})",
                                   "group_values": values}))
        _rank(rows, board.higher_is_better)
        merged[key] = Board(board.env_id, rest, board.primary_metric, board.higher_is_better,
                            rows, role=board.role, group_by=group_by)
        out.append(merged[key])
    return out


def _defaults(env_id: str) -> dict[str, Any]:
    from papergym.envs.registration import resolved_kwargs

    try:
        return resolved_kwargs(env_id)
    except Exception:  # noqa: BLE001 - an env no longer importable: no defaults shown
        return {}
