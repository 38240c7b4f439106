"""Train PPO or SAC (Stable-Baselines3) on an auctions env through ``sb3_wrap`` and
evaluate it next to the family's reference agents.

    python scripts/auctions/train_sb3.py --env MultiChannelAutobidding-v0 --algo SAC \
        --steps 20000 --kw horizon=200

``papergym train`` covers PPO/A2C/DQN/MaskablePPO; SAC (continuous actions, which both
auctions envs have) is trained here.  The model is saved with its sidecar under
``--save-dir``; PPO models load in the leaderboard as ``sb3:<path>``.
"""

from __future__ import annotations

import argparse
import ast
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np

import papergym
from papergym.agents.base import SB3Agent
from papergym.wrappers import sb3_wrap
from papergym.wrappers.sb3 import save_sb3_model


def parse_kw(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="MultiChannelAutobidding-v0",
                        choices=["MultiChannelAutobidding-v0", "PositionAuction-v0"])
    parser.add_argument("--algo", default="SAC", choices=["SAC", "PPO"])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kw", nargs="*", default=[], help="env kwargs KEY=VALUE")
    parser.add_argument("--eval-seeds", type=int, default=3)
    parser.add_argument("--save-dir", default="models")
    args = parser.parse_args(argv)
    import stable_baselines3

    kwargs = parse_kw(args.kw)
    env = sb3_wrap(gym.make(args.env, **kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = getattr(stable_baselines3, args.algo)("MlpPolicy", env, seed=args.seed,
                                                      device="cpu", verbose=0)
        model.learn(total_timesteps=args.steps, progress_bar=True)
    path = Path(args.save_dir) / f"{args.env}__{args.algo}__seed{args.seed}"
    save_sb3_model(model, path, algo=args.algo, env_id=args.env, env_kwargs=kwargs)
    print(f"saved {path}.zip")
    seeds = list(range(1000, 1000 + args.eval_seeds))
    cls = type(gym.make(args.env).unwrapped)
    metric = cls.primary_metric
    rows = [(f"{args.algo} (ours, trained)", papergym.run(args.env, SB3Agent(model),
                                                          seeds=seeds, **kwargs))]
    for name in papergym.agents_for(args.env, kwargs, reference_only=True):
        rows.append((name, papergym.run(args.env, name, seeds=seeds, **kwargs)))
    for name, results in rows:
        print(f"{name:<28} {metric} {np.mean([r.metrics[metric] for r in results]):.4f}")


if __name__ == "__main__":
    main()
