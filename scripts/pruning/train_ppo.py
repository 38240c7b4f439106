"""Train the family's RL baseline: SB3 PPO choosing per-layer keep fractions on
LotteryTicket-v0 (through ``KeepFractionActions``), then evaluate it against IMP.

Usage::

    python scripts/pruning/train_ppo.py [--timesteps 2000] [--seeds 3] [--save PATH]

The default settings are the env's quick ones (a 64-16-10 net, 10 steps per round), so a
run takes about a minute on one core.
"""

from __future__ import annotations

import argparse

import numpy as np


def make_env(kwargs: dict):
    import gymnasium as gym

    import papergym  # noqa: F401  (registers the ids)
    from papergym.envs.pruning.wrappers import KeepFractionActions

    return KeepFractionActions(gym.make("LotteryTicket-v0", **kwargs))


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-steps", type=int, default=64)
    parser.add_argument("--save", default=None)
    args = parser.parse_args(argv)
    import torch
    from stable_baselines3 import PPO

    import papergym
    from papergym.envs.pruning.lottery import LotteryTicketEnv

    torch.set_num_threads(1)
    kwargs = dict(LotteryTicketEnv.quick_kwargs)
    env = make_env(kwargs)
    model = PPO("MlpPolicy", env, n_steps=args.n_steps, batch_size=min(64, args.n_steps),
                seed=0, verbose=0)
    model.learn(total_timesteps=args.timesteps, progress_bar=False)
    if args.save:
        model.save(args.save)
    scores = []
    for seed in range(args.seeds):
        eval_env = make_env(kwargs)
        obs, info = eval_env.reset(seed=seed)
        done = False
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, _, terminated, truncated, info = eval_env.step(action)
            done = terminated or truncated
        scores.append(info["metrics"]["ticket_accuracy"])
    imp = [r.metrics["ticket_accuracy"]
           for r in papergym.run("LotteryTicket-v0", "imp", seeds=args.seeds, **kwargs)]
    out = {"ppo_ticket_accuracy": float(np.mean(scores)), "imp_ticket_accuracy": float(np.mean(imp))}
    print(out)
    return out


if __name__ == "__main__":
    main()
