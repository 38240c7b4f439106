"""Train SB3 PPO on a Markov coding game from a preset (``experiments/coding/ppo.yaml``).

``papergym train`` takes its settings as flags; this script reads them from a YAML preset
(the fields of :class:`papergym.training.sb3.TrainArgs`), lets flags override
``steps``/``seed``/``save_dir``, and trains through the same function.  Usage::

    python scripts/coding/train_ppo.py [--preset experiments/coding/ppo.yaml]
                                       [--steps N] [--seed S] [--save-dir DIR]
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import yaml
from papergym.training.sb3 import TrainArgs, train

PRESET = Path(__file__).resolve().parents[2] / "experiments" / "coding" / "ppo.yaml"


def load_preset(path: str | Path) -> TrainArgs:
    """The :class:`TrainArgs` of a YAML preset; unknown keys are refused by name."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    known = {f.name for f in fields(TrainArgs)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"preset {path}: unknown key(s) {unknown}; known: {sorted(known)}")
    return TrainArgs(**data)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=str(PRESET))
    parser.add_argument("--steps", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--save-dir")
    parser.add_argument("--eval-seeds", type=int)
    parser.add_argument("--wandb-mode", choices=("offline", "online", "disabled"))
    ns = parser.parse_args(argv)
    args = load_preset(ns.preset)
    for name in ("steps", "seed", "save_dir", "eval_seeds", "wandb_mode"):
        value = getattr(ns, name)
        if value is not None:
            setattr(args, name, value)
    path = train(args)
    print(f"saved {path}")
    return path


if __name__ == "__main__":
    main()
