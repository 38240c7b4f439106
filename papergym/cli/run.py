"""``papergym list`` and ``papergym run``."""

from __future__ import annotations

import argparse

from papergym.cli.args import (
    CliError,
    add_import_flag,
    import_plugins,
    parse_kwargs,
    resolve_env_id,
)

__all__ = ["add_list_parser", "add_run_parser"]


def _agents_listing(env_id: str, specs: dict) -> str:
    """Agents for ``env_id`` under its registered kwargs, then those that apply only under
    one of its leaderboard configurations (with that configuration)."""
    from papergym.agents.base import agents_for
    from papergym.leaderboard.cells import env_traits

    base = agents_for(env_id)
    names = [n + ("*" if specs[n].reference else "") for n in base]
    try:
        configs = env_traits(env_id).leaderboard_configs
    except Exception:  # noqa: BLE001 - listing never fails for one env's traits
        configs = ()
    for config in configs:
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
    import_plugins(args)
    if getattr(args, "markdown", False):
        from papergym.utils.catalogue import catalogue_markdown

        print(catalogue_markdown(), end="")
        return 0
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
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from papergym.agents.base import UnknownAgentError, agent_spec, make_agent, why_not_applicable
    from papergym.envs.registration import UnknownEnvKwargError, check_env_kwargs
    from papergym.leaderboard.cells import parse_seeds, sb3_refusal
    from papergym.runner import EnvArgumentError, run

    import_plugins(args)
    env_id = resolve_env_id(args.env_id)
    env_kwargs = parse_kwargs(args.kw)
    if args.trace:
        from pathlib import Path

        env_kwargs["trace"] = str(Path(args.trace).resolve())
        if args.trace_column:
            env_kwargs["trace_column"] = args.trace_column
    elif args.trace_column:
        raise CliError("--trace-column needs --trace FILE")
    agent_kwargs = parse_kwargs(args.agent_kw, "--agent-kw")
    for flag, low in (("seeds", 1), ("episodes", 1), ("seed0", 0)):
        if getattr(args, flag) < low:
            raise CliError(f"--{flag} must be >= {low}, got {getattr(args, flag)}")
    try:
        seeds = parse_seeds(f"{args.seed0}-{args.seed0 + args.seeds - 1}")
    except ValueError as exc:
        raise CliError(f"--seeds/--seed0: {exc}") from None
    try:
        check_env_kwargs(env_id, env_kwargs)  # before gym.make raises a TypeError for a typo
    except UnknownEnvKwargError as exc:
        raise CliError(str(exc)) from None
    if args.agent.startswith("sb3:"):
        if args.allow_pickle:
            agent_kwargs["allow_pickle"] = True
        reason = sb3_refusal(args.agent, env_id, env_kwargs, args.allow_pickle)
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
    except (TypeError, ValueError, FileNotFoundError) as exc:
        raise CliError(f"{args.agent}: {exc}") from None
    try:  # the env is built once, in run; a value it refuses is bad input (exit 2)
        results = run(env_id, args.agent, seeds=seeds, episodes=args.episodes,
                      agent_kwargs=agent_kwargs, progress=True, env_kwargs=env_kwargs)
    except EnvArgumentError as exc:
        raise CliError(str(exc)) from None
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


def add_list_parser(sub) -> None:
    p = sub.add_parser("list", help="registered env ids, their papers and the agents that apply")
    p.add_argument("--markdown", action="store_true",
                   help="print the catalogue as the Markdown table the README shows")
    add_import_flag(p)
    p.set_defaults(func=_cmd_list)


def add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="evaluate one agent on one env over seeds")
    p.add_argument("env_id")
    p.add_argument("agent", help="a registered agent name, or sb3:<path to a saved model>")
    p.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    p.add_argument("--seed0", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--episodes", type=int, default=1, help="episodes per seed (default 1)")
    p.add_argument("--kw", nargs="*", action="extend", metavar="KEY=VALUE", help="env keyword arguments")
    p.add_argument("--agent-kw", nargs="*", action="extend", metavar="KEY=VALUE", help="agent keyword arguments")
    p.add_argument("--trace", metavar="FILE",
                   help="replay a request trace (one page id per line, or a CSV column with "
                        "--trace-column): env ids that take a trace, e.g. Paging-v0")
    p.add_argument("--trace-column", metavar="COL", help="the CSV column of --trace")
    p.add_argument("--allow-pickle", action="store_true",
                   help="let sb3:<model>.zip load an SB3 zip: that unpickles objects, which "
                        "can run code from the file; only for files you trust")
    add_import_flag(p)
    p.set_defaults(func=_cmd_run)
