"""The ``papergym`` command line.

    papergym list                                   ids, families, papers, agents
    papergym run Paging-v0 lru --seeds 5 --kw k=8    one agent on one env, a metrics table
    papergym leaderboard [--quick] ...              every agent on every env (papergym.leaderboard)
    papergym train --env Paging-v0 --algo MaskablePPO  SB3 training with W&B logging

Exit codes: 0 success, 1 a run failed, 2 bad input (unknown env id or agent, an agent
that does not apply, a malformed ``--kw``).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["main", "parse_kwargs", "resolve_env_id"]


class CliError(Exception):
    """Bad input on the command line: printed, exit code 2."""


def parse_kwargs(items: Sequence[str] | None) -> dict[str, Any]:
    """``["k=8", "prediction=phase", "noise=0.1"]`` -> ``{"k": 8, "prediction": "phase", ...}``.

    Values are Python literals where they parse as one (numbers, booleans, lists), else
    strings.
    """
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        if not sep or not key.isidentifier():
            raise CliError(f"--kw expects key=value with a Python identifier as key, got {item!r}")
        try:
            out[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            out[key] = raw
    return out


def resolve_env_id(env_id: str) -> str:
    """``env_id`` without a ``papergym:`` prefix if it is registered, else CliError
    listing close matches."""
    from papergym.leaderboard.cells import UnknownEnvError, check_env_id

    bare = env_id.removeprefix("papergym:")
    try:
        check_env_id(bare)
    except UnknownEnvError as exc:
        raise CliError(str(exc)) from None
    return bare


def _agents_listing(env_id: str, specs: dict) -> str:
    """Agents for ``env_id`` under its registered kwargs, then those that apply only under
    one of its leaderboard configurations (with that configuration)."""
    from papergym.agents.base import agents_for
    from papergym.leaderboard.cells import env_traits

    base = agents_for(env_id)
    names = [n + ("*" if specs[n].reference else "") for n in base]
    for config in env_traits(env_id).leaderboard_configs:
        extra = [n for n in agents_for(env_id, config) if n not in base]
        if extra:
            kw = ", ".join(f"{k}={v!r}" for k, v in config.items())
            names += [f"{n}{'*' if specs[n].reference else ''} ({kw})" for n in extra]
            base += extra
    return ", ".join(names)


def _cmd_list(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from papergym.agents.base import registered_agents
    from papergym.envs import FAMILIES, register_envs

    register_envs()
    _import_plugins(args)
    specs = registered_agents()
    console = Console()
    for family, fam in FAMILIES.items():  # one table per family: fits 80 columns
        table = Table(title=f"[bold]{family}[/bold]: {fam.paper}", show_lines=True,
                      title_justify="left")
        table.add_column("id", no_wrap=True)
        table.add_column("agents that apply (* = reference)")
        for env_id in fam.env_ids:
            table.add_row(env_id, _agents_listing(env_id, specs))
        for env_id in fam.parallel_ids:
            table.add_row(f"{env_id} (parallel)", _agents_listing(env_id, specs))
        console.print(table)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import gymnasium as gym
    from rich.console import Console
    from rich.table import Table

    from papergym.agents.base import UnknownAgentError, agent_spec, make_agent, why_not_applicable
    from papergym.leaderboard.cells import LeaderboardInputError, check_env_kwargs, sb3_refusal
    from papergym.runner import run

    _import_plugins(args)
    env_id = resolve_env_id(args.env_id)
    env_kwargs = parse_kwargs(args.kw)
    agent_kwargs = parse_kwargs(args.agent_kw)
    for flag, low in (("seeds", 1), ("episodes", 1), ("seed0", 0)):
        if getattr(args, flag) < low:
            raise CliError(f"--{flag} must be >= {low}, got {getattr(args, flag)}")
    try:
        check_env_kwargs(env_id, env_kwargs)  # before gym.make raises a TypeError for a typo
    except LeaderboardInputError as exc:
        raise CliError(str(exc)) from None
    if args.agent.startswith("sb3:"):
        reason = sb3_refusal(args.agent, env_id)
        if reason:
            raise CliError(reason)
    else:
        try:
            agent_spec(args.agent)
        except UnknownAgentError as exc:
            raise CliError(str(exc)) from None
        reason = why_not_applicable(args.agent, env_id, env_kwargs)
        if reason:
            raise CliError(reason)
        try:
            make_agent(args.agent, **agent_kwargs)
        except (TypeError, ValueError) as exc:
            raise CliError(f"--agent-kw for {args.agent}: {exc}") from None
    try:  # out-of-range env arguments are bad input (exit 2); errors during the run are not
        gym.make(env_id, **env_kwargs).close()
    except (TypeError, ValueError) as exc:  # TypeError: an env that does not check types
        raise CliError(f"{env_id}: {exc}") from None
    results = run(env_id, args.agent, seeds=list(range(args.seed0, args.seed0 + args.seeds)),
                  episodes=args.episodes, agent_kwargs=agent_kwargs, progress=True, **env_kwargs)
    keys = list(dict.fromkeys(k for r in results for k in r.metrics))
    per_episode = len(results) <= 6  # a column per episode while the table stays readable
    table = Table(title=f"{args.agent} on {env_id} {env_kwargs or ''}".strip())
    width = max(map(len, keys), default=6)
    table.add_column("metric", no_wrap=True, min_width=width)  # never "faul…" at 80 columns
    for col in ("mean", "std", "min", "max"):
        table.add_column(col, justify="right")
    if per_episode:
        for r in results:
            table.add_column(f"s{r.seed}" + (f"e{r.episode}" if args.episodes > 1 else ""),
                             justify="right")
    for k in keys:
        values = np.array([r.metrics.get(k, np.nan) for r in results], dtype=float)
        cells = [np.nanmean(values), np.nanstd(values), np.nanmin(values), np.nanmax(values)]
        if per_episode:
            cells += list(values)
        table.add_row(k, *(f"{v:.4g}" for v in cells))
    Console().print(table)
    return 0


def add_import_flag(parser, where: str = "first") -> None:
    """``--import MODULE`` (repeatable) into ``args.imports``; ``parser`` may be a group."""
    parser.add_argument("--import", dest="imports", action="append", default=[],
                        metavar="MODULE", help=f"import MODULE {where}, to register your own "
                        "envs/agents (the current folder is searched too)")


def _import_plugins(args: argparse.Namespace) -> None:
    from papergym.leaderboard.cells import LeaderboardInputError, import_plugins

    try:
        import_plugins(args.imports)
    except LeaderboardInputError as exc:
        raise CliError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    from papergym import __version__

    parser = argparse.ArgumentParser(prog="papergym", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"papergym {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="registered env ids, their papers and the agents that apply")
    add_import_flag(p)
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="evaluate one agent on one env over seeds")
    p.add_argument("env_id")
    p.add_argument("agent", help="a registered agent name, or sb3:<path to a saved model>")
    p.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    p.add_argument("--seed0", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--episodes", type=int, default=1, help="episodes per seed (default 1)")
    p.add_argument("--kw", nargs="*", metavar="KEY=VALUE", help="env keyword arguments")
    p.add_argument("--agent-kw", nargs="*", metavar="KEY=VALUE", help="agent keyword arguments")
    add_import_flag(p)
    p.set_defaults(func=_cmd_run)

    from papergym.leaderboard.cli import add_leaderboard_parser, add_train_parser

    add_leaderboard_parser(sub)
    add_train_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"papergym: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
