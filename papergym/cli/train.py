"""``papergym train``: :func:`papergym.training.train` from the command line; one
``--flag`` per field of :class:`papergym.training.TrainArgs`."""

from __future__ import annotations

import argparse
import typing
from dataclasses import MISSING, fields
from typing import Any

from papergym.cli.args import error, parse_kwargs

__all__ = ["add_train_parser", "add_arguments", "args_from_namespace", "load_preset",
           "train_command"]


def _scalar_type(annotation: Any) -> type:
    """int or float for ``int``/``float | None`` annotations (strings or types), else str."""
    if isinstance(annotation, str):
        names = {n.strip() for n in annotation.split("|")} - {"None"}
        return {"int": int, "float": float, "bool": bool}.get(
            names.pop() if len(names) == 1 else "", str)
    options = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    return options[0] if options[0] in (int, float, bool) else str


def add_arguments(parser: argparse.ArgumentParser, cls: type | None = None) -> None:
    """One ``--flag`` per dataclass field (underscores become dashes; a bool field is a
    ``--flag/--no-flag`` pair)."""
    if cls is None:
        from papergym.training.sb3 import TrainArgs as cls
    for f in fields(cls):
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        meta = dict(f.metadata)
        kind = _scalar_type(f.type)
        if "nargs" in meta:
            parser.add_argument(flag, nargs=meta["nargs"], metavar="KEY=VALUE", default=None,
                                help=meta["help"])
        elif kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                                help=f"{meta['help']} (default: {'on' if default else 'off'})")
        else:
            # default None: a flag given on the command line is told from one left unset,
            # so it can override a --preset; the dataclass fills what neither sets
            shown = default if f.default_factory is MISSING else f.default_factory()
            parser.add_argument(flag, type=kind, default=None, help=f"{meta['help']} "
                                f"(default: {shown})" if shown is not None else meta["help"])


def load_preset(path: str, cls: type | None = None) -> dict[str, Any]:
    """A training preset (YAML or TOML: the fields of ``TrainArgs``, e.g.
    ``experiments/coding/ppo.yaml``) as a dict; an unknown key is refused by name."""
    from pathlib import Path

    if cls is None:
        from papergym.training.sb3 import TrainArgs as cls
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as exc:
        raise ValueError(f"--preset {path}: cannot read it ({exc.strerror})") from None
    if file.suffix == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        data = tomllib.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"--preset {path}: must be a mapping of TrainArgs fields")
    known = [f.name for f in fields(cls)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"--preset {path}: unknown key(s) {unknown}; known: {known}")
    return data


def args_from_namespace(ns: argparse.Namespace, cls: type | None = None):
    """The dataclass from parsed arguments (``--kw`` parsed as literals), over the values
    of ``--preset`` where one is given: flags win."""
    if cls is None:
        from papergym.training.sb3 import TrainArgs as cls
    values = load_preset(ns.preset, cls) if getattr(ns, "preset", None) else {}
    for f in fields(cls):
        value = getattr(ns, f.name, None)
        if f.name == "kw":
            value = parse_kwargs(value)
        if value is not None:
            values[f.name] = value
    return cls(**values)


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train", help="train an SB3 agent (PPO, A2C, DQN, SAC, TD3, MaskablePPO) with W&B logging",
        description="Train with Stable-Baselines3 on a papergym env, log to W&B (offline by "
                    "default), save the model (weights + JSON description) so `papergym "
                    "leaderboard --agents sb3:<path>` ranks it.  Same as scripts/train_sb3.py.")
    p.add_argument("--preset", metavar="FILE",
                   help="a YAML/TOML file of these settings (experiments/<family>/*.yaml); "
                        "flags given here override it")
    add_arguments(p)
    p.set_defaults(func=train_command)
    return p


def train_command(args: argparse.Namespace) -> int:
    from papergym.training.sb3 import train

    try:
        settings = args_from_namespace(args)
        path = train(settings)
    except ValueError as exc:  # every refusal, before training (env ids, kwargs, paths)
        return error(str(exc))
    print(f"saved {path}\nrank it: papergym leaderboard --envs {settings.env} --agents "
          f"random sb3:{path}")
    return 0
