"""``papergym leaderboard``.

Exit codes: 0 every cell ok, 1 some cell failed (its row says why), 2 bad input
(unknown env id or agent, with close matches; an agent that applies nowhere, with the
reason; an env argument the env refuses; a bad experiment file; an output path that
cannot be written; a results file that is not a papergym store), 130 interrupted.
"""

from __future__ import annotations

import argparse

from papergym.cli.args import add_import_flag, error, parse_kwargs, split_names

__all__ = ["add_leaderboard_parser", "leaderboard_command"]

DEFAULT_DB = "results/papergym.sqlite"  # papergym.results.DEFAULT_PATH (not imported: --help)


def add_leaderboard_parser(subparsers) -> argparse.ArgumentParser:
    DEFAULT_PATH = DEFAULT_DB  # noqa: N806

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
    sel.add_argument("--kw", nargs="*", action="extend", metavar="KEY=VALUE",
                     help="env keyword arguments (replace the envs' leaderboard_configs)")
    sel.add_argument("--max-steps", type=int, help="safety stop per episode")
    sel.add_argument("--allow-pickle", action="store_true",
                     help="let sb3:<model>.zip agents load SB3 zips: that unpickles objects, "
                          "which can run code from the file; only for files you trust")
    add_import_flag(sel, "in every worker")
    how = p.add_argument_group("how to run")
    how.add_argument("--db", default=str(DEFAULT_PATH), help=f"results store (default {DEFAULT_PATH})")
    how.add_argument("--backend", choices=("local", "ray"), default="local")
    how.add_argument("--workers", type=int,
                     help="local worker processes (default 1, the fastest measured on 2 "
                          "cores for short cells: docs/leaderboard.md)")
    how.add_argument("--ray-address", help="Ray cluster address (default: RAY_ADDRESS or local)")
    how.add_argument("--timeout", type=float, default=600.0,
                     help="seconds per cell (default 600; inf: no limit)")
    how.add_argument("--force", action="store_true", help="rerun cells already stored")
    how.add_argument("--retry-failed", action="store_true",
                     help="rerun the stored failed cells and replace them (ok cells are kept)")
    how.add_argument("--report-only", action="store_true",
                     help="run nothing; rank what the store holds for this selection")
    how.add_argument("--no-progress", action="store_true",
                     help="no progress bar (without a terminal: no progress lines)")
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
    envs = split_names(args.envs)
    agents = split_names(args.agents)
    if args.allow_pickle and agents is not None:
        agents = [{"name": a, "kwargs": {"allow_pickle": True}} if a.startswith("sb3:") else a
                  for a in agents]
    if args.workers is not None and args.workers < 1:
        return error(f"--workers must be >= 1, got {args.workers}")
    try:
        if args.kw:
            kwargs = parse_kwargs(args.kw)
            if envs is None:
                return error("--kw needs --envs (the kwargs of which env?)")
            envs = [{"id": e, "kwargs": kwargs} for e in envs]
        seeds = args.seeds
        if seeds is None and args.experiment is None:
            seeds = 3 if args.quick else DEFAULT_SEEDS
        result = run_leaderboard(
            envs, agents, seeds, episodes=args.episodes, quick=args.quick,
            experiment=args.experiment, store=args.db, backend=args.backend,
            workers=args.workers, force=args.force, retry_failed=args.retry_failed,
            timeout=args.timeout,
            max_steps=args.max_steps, imports=args.imports, run=not args.report_only,
            progress=not args.no_progress, address=args.ray_address,
            markdown=None if args.no_files else args.markdown,
            plots=None if args.no_files else args.plots, console=console)
    except (UnknownAgentError, AgentNotApplicableError, LeaderboardInputError,
            ResultsStoreError) as exc:
        return error(str(exc))
    if not result.cells:
        return error("nothing to run: no env/agent pair in this selection")
    render_tables(result.boards, console)
    s = result.stats
    console.print(f"{s.planned} cells: {s.ran} run ({s.failed} failed), {s.skipped} already "
                  f"stored in {args.db}", highlight=False, soft_wrap=True)
    if s.unstored:
        console.print(f"{s.unstored} cells failed for reasons outside them (a worker or Ray "
                      "failure) and were not stored: run again to retry them",
                      highlight=False, soft_wrap=True)
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
