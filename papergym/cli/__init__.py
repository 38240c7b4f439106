"""The ``papergym`` command line (a package above the library: nothing imports it).

    papergym list                                   ids, families, papers, agents
    papergym run Paging-v0 lru --seeds 5 --kw k=8    one agent on one env, a metrics table
    papergym leaderboard [--quick] ...              every agent on every env (papergym.leaderboard)
    papergym train --env Paging-v0 --algo MaskablePPO  SB3 training with W&B logging

Exit codes: 0 success, 1 a run failed, 2 bad input (unknown env id or agent, an agent
that does not apply, a malformed ``--kw``, an argument out of range), 130 interrupted
(Ctrl-C or SIGTERM; finished cells stay stored, a rerun resumes).

Sub-commands import what they need when they run: ``papergym --help`` and ``papergym
list`` import no torch.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from papergym.cli.args import CliError, add_import_flag, error, parse_kwargs, resolve_env_id

__all__ = ["main", "build_parser", "parse_kwargs", "resolve_env_id", "add_import_flag",
           "CliError"]


def build_parser() -> argparse.ArgumentParser:
    from papergym import __version__
    from papergym.cli.leaderboard import add_leaderboard_parser
    from papergym.cli.run import add_list_parser, add_run_parser
    from papergym.cli.train import add_train_parser

    parser = argparse.ArgumentParser(prog="papergym", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"papergym {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_list_parser(sub)
    add_run_parser(sub)
    add_leaderboard_parser(sub)
    add_train_parser(sub)
    return parser


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM is handled like Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave SIGTERM alone
        previous = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            return int(args.func(args) or 0)
        except CliError as exc:
            return error(str(exc))
    except KeyboardInterrupt:
        print("papergym: interrupted (finished cells are stored; run again to resume)",
              file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
