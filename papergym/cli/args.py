"""Argument helpers shared by every ``papergym`` sub-command: ``--kw`` parsing, the
``--import`` flag, env id resolution and the one error format (exit code 2)."""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["CliError", "add_import_flag", "error", "import_plugins", "parse_kwargs",
           "resolve_env_id", "split_names"]


class CliError(Exception):
    """Bad input on the command line: printed, exit code 2."""


def error(message: str) -> int:
    """Print ``papergym: error: <message>`` to stderr; returns exit code 2."""
    print(f"papergym: error: {message}", file=sys.stderr)
    return 2


def parse_kwargs(items: Sequence[str] | None, flag: str = "--kw") -> dict[str, Any]:
    """``["k=8", "prediction=phase", "noise=0.1"]`` -> ``{"k": 8, "prediction": "phase", ...}``.

    Values are Python literals where they parse as one (numbers, booleans, lists), else
    strings.
    """
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        if not sep or not key.isidentifier():
            raise CliError(f"{flag} expects key=value with a Python identifier as key, "
                           f"got {item!r}")
        if key in out:
            raise CliError(f"{flag}: {key} given twice")
        try:
            out[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            out[key] = raw
    return out


def split_names(values: list[str] | None) -> list[str] | None:
    """``--envs A B`` and ``--envs A,B`` both work."""
    if values is None:
        return None
    return [v for item in values for v in item.split(",") if v]


def resolve_env_id(env_id: str) -> str:
    """``env_id`` without a ``papergym:`` prefix if it is registered, else CliError
    listing close matches."""
    from papergym.envs.registration import UnknownEnvError, check_env_id

    bare = env_id.removeprefix("papergym:")
    try:
        check_env_id(bare)
    except UnknownEnvError as exc:
        raise CliError(str(exc)) from None
    return bare


def add_import_flag(parser, where: str = "first") -> None:
    """``--import MODULE`` (repeatable) into ``args.imports``; ``parser`` may be a group."""
    parser.add_argument("--import", dest="imports", action="append", default=[],
                        metavar="MODULE", help=f"import MODULE {where}, to register your own "
                        "envs/agents; this runs the module's code (the current folder is "
                        "searched first): import only modules you trust")


def import_plugins(args: argparse.Namespace) -> None:
    from papergym.leaderboard.cells import LeaderboardInputError
    from papergym.leaderboard.cells import import_plugins as do_import

    try:
        do_import(args.imports)
    except LeaderboardInputError as exc:
        raise CliError(str(exc)) from None
