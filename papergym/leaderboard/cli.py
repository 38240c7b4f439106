"""``papergym leaderboard`` and ``papergym train``: sub-parsers for :mod:`papergym.cli`.

Exit codes: 0 every cell ok, 1 some cell failed (its row says why), 2 bad input
(unknown env id or agent, with close matches; an agent that applies nowhere, with the
reason; a bad experiment file; a results file that is not a papergym store).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_leaderboard_parser", "add_train_parser", "parse_kwargs"]


def parse_kwargs(items) -> dict[str, Any]:
    """``["k=8", "prediction=phase"]`` -> ``{"k": 8, "prediction": "phase"}`` (the CLI's rule)."""
    from papergym.cli import parse_kwargs as parse

    return parse(items)


def _split(values: list[str] | None) -> list[str] | None:
    """``--envs A B`` and ``--envs A,B`` both work."""
    if values is None:
        return None
    return [v for item in values for v in item.split(",") if v]


def _error(message: str) -> int:
    print(f"papergym: error: {message}", file=sys.stderr)
    return 2


def add_leaderboard_parser(subparsers) -> argparse.ArgumentParser:
    from papergym.cli import add_import_flag
    from papergym.results import DEFAULT_PATH

    p = subparsers.add_parser(
        "leaderboard", help="rank every agent on every env it applies to, over seeds",
        description="Run the leaderboard's missing cells (env, kwargs, agent, seed), then print "
                    "one table per env (IQM of its primary metric, 95% stratified bootstrap "
                    "CI) and write Markdown and PNG plots.  Stored cells are skipped, so an "
                    "interrupted run resumes.")
    sel = p.add_argument_group("what to run")
    sel.add_argument("--envs", nargs="+", metavar="ID", help="env ids (default: every papergym id)")
    sel.add_argument("--agents", nargs="+", metavar="NAME",
                     help="agent names or sb3:<model.zip> (default: every agent that applies)")
    sel.add_argument("--seeds", help="a count (5), a list (0,3,7) or a range (0-9); "
                                     "default 5, or 3 with --quick")
    sel.add_argument("--episodes", type=int, help="episodes per seed (default 1)")
    sel.add_argument("--quick", action="store_true",
                     help="reference agents + random, each env's quick_kwargs, 3 seeds")
    sel.add_argument("--experiment", metavar="FILE", help="a TOML/YAML experiment file")
    sel.add_argument("--kw", nargs="*", metavar="KEY=VALUE",
                     help="env keyword arguments (replace the envs' leaderboard_configs)")
    sel.add_argument("--max-steps", type=int, help="safety stop per episode")
    add_import_flag(sel, "in every worker")
    how = p.add_argument_group("how to run")
    how.add_argument("--db", default=str(DEFAULT_PATH), help=f"results store (default {DEFAULT_PATH})")
    how.add_argument("--backend", choices=("local", "ray"), default="local")
    how.add_argument("--workers", type=int, help="local processes (default: the core count)")
    how.add_argument("--ray-address", help="Ray cluster address (default: RAY_ADDRESS or local)")
    how.add_argument("--timeout", type=float, default=600.0,
                     help="seconds per cell (default 600; inf: no limit)")
    how.add_argument("--force", action="store_true", help="rerun cells already stored")
    how.add_argument("--retry-failed", action="store_true",
                     help="rerun the stored failed cells and replace them (ok cells are kept)")
    how.add_argument("--report-only", action="store_true",
                     help="run nothing; rank what the store holds for this selection")
    how.add_argument("--no-progress", action="store_true", help="no progress bar")
    out = p.add_argument_group("output")
    out.add_argument("--markdown", default="results/LEADERBOARD.md", help="Markdown file")
    out.add_argument("--plots", default="results/plots", help="folder of PNG plots")
    out.add_argument("--no-files", action="store_true", help="print the tables only")
    p.set_defaults(func=leaderboard_command)
    return p


def leaderboard_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from papergym.agents.base import AgentNotApplicableError, UnknownAgentError
    from papergym.leaderboard.api import run_leaderboard
    from papergym.leaderboard.cells import DEFAULT_SEEDS, LeaderboardInputError
    from papergym.leaderboard.report import render_tables
    from papergym.results import ResultsStoreError

    console = Console()
    if not console.is_terminal:  # piped or in CI: room for the full table, not 80 columns
        console = Console(width=120)
    envs = _split(args.envs)
    try:
        if args.kw:
            kwargs = parse_kwargs(args.kw)
            if envs is None:
                return _error("--kw needs --envs (the kwargs of which env?)")
            envs = [{"id": e, "kwargs": kwargs} for e in envs]
        seeds = args.seeds
        if seeds is None and args.experiment is None:
            seeds = 3 if args.quick else DEFAULT_SEEDS
        result = run_leaderboard(
            envs, _split(args.agents), seeds, episodes=args.episodes, quick=args.quick,
            experiment=args.experiment, store=args.db, backend=args.backend,
            workers=args.workers, force=args.force, retry_failed=args.retry_failed,
            timeout=args.timeout,
            max_steps=args.max_steps, imports=args.imports, run=not args.report_only,
            progress=not args.no_progress, address=args.ray_address,
            markdown=None if args.no_files else args.markdown,
            plots=None if args.no_files else args.plots, console=console)
    except (UnknownAgentError, AgentNotApplicableError, LeaderboardInputError,
            ResultsStoreError) as exc:
        return _error(str(exc))
    if not result.cells:
        return _error("nothing to run: no env/agent pair in this selection")
    render_tables(result.boards, console)
    s = result.stats
    console.print(f"{s.planned} cells: {s.ran} run ({s.failed} failed), {s.skipped} already "
                  f"stored in {args.db}", highlight=False, soft_wrap=True)
    if s.stale and args.report_only:
        console.print(f"{s.stale} stored cells ran with other --episodes / --max-steps and "
                      "are left out (run without --report-only to rerun them)",
                      highlight=False, soft_wrap=True)
    elif s.stale:
        console.print(f"{s.stale} of the cells run had been stored with other --episodes / "
                      "--max-steps and were replaced", highlight=False, soft_wrap=True)
    if not result.boards:
        console.print(f"nothing stored for this selection in {args.db} yet"
                      + (": run without --report-only" if args.report_only else ""),
                      highlight=False, soft_wrap=True)
    if result.markdown_path:
        console.print(f"wrote {result.markdown_path} and {len(result.plot_paths)} plot(s) in "
                      f"{args.plots}", highlight=False, soft_wrap=True)
    return 1 if any(r.failed for b in result.boards for r in b.rows) else 0


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    from papergym.leaderboard.train import add_arguments

    p = subparsers.add_parser(
        "train", help="train an SB3 agent (PPO, A2C, DQN, MaskablePPO) with W&B logging",
        description="Train with Stable-Baselines3 on a papergym env, log to W&B (offline by "
                    "default), save the model so `papergym leaderboard --agents sb3:<path>` "
                    "ranks it.  Same as scripts/train_sb3.py.")
    add_arguments(p)
    p.set_defaults(func=train_command)
    return p


def train_command(args: argparse.Namespace) -> int:
    from papergym.leaderboard.cells import LeaderboardInputError
    from papergym.leaderboard.train import args_from_namespace, train

    try:
        path = train(args_from_namespace(args))
    except (LeaderboardInputError, ValueError) as exc:
        return _error(str(exc))
    print(f"saved {path}\nrank it: papergym leaderboard --envs {args.env} --agents "
          f"random sb3:{path}")
    return 0
