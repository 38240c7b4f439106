#!/usr/bin/env python
"""Run one of the papers' algorithms (no training loop) and log every episode to W&B.

    python scripts/run_agent.py --env Paging-v0 --agent lru --seeds 5 --episodes 10
    python scripts/run_agent.py --env Paging-v0 --agent marker --kw k=8 --wandb-mode online

Each episode's ``info["metrics"]`` (the paper's measures) is logged at
``global_step = <episode index>`` with its seed; the run's summary holds the means.
The evaluation goes through ``papergym.run``, the same loop as the leaderboard, so
the numbers match ``papergym leaderboard`` for the same seeds.
"""

import argparse
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import papergym
from papergym.cli.train import add_arguments, args_from_namespace
from papergym.training.tracking import WANDB_MODES, default_wandb_mode, log_metrics, start_wandb


@dataclass
class RunArgs:
    env: str = field(default="Paging-v0", metadata={"help": "registered env id"})
    agent: str = field(default="random", metadata={"help": "registered agent or sb3:<path>"})
    seeds: int = field(default=5, metadata={"help": "seeds 0..N-1"})
    episodes: int = field(default=1, metadata={"help": "episodes per seed"})
    kw: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "env keyword arguments, KEY=VALUE ...", "nargs": "*"})
    project: str = field(default="papergym", metadata={"help": "W&B project"})
    wandb_mode: str = field(default_factory=default_wandb_mode, metadata={
        "help": f"W&B mode: {', '.join(WANDB_MODES)} (default $WANDB_MODE, else offline)"})
    wandb_dir: str | None = field(default=None, metadata={
        "help": "parent folder of W&B's run folders (default $WANDB_DIR, else ./wandb)"})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser, RunArgs)
    args = args_from_namespace(parser.parse_args(argv), RunArgs)

    # 1. Evaluate through the one runner (refuses an agent that does not apply, with why).
    results = papergym.run(args.env, args.agent, seeds=args.seeds, episodes=args.episodes,
                           progress=True, env_kwargs=args.kw)

    # 2. One W&B run per (env, agent): a point per episode, the means in the summary.
    run = start_wandb(project=args.project, name=f"{args.env}__{args.agent}",
                      config=asdict(args), mode=args.wandb_mode, directory=args.wandb_dir,
                      group=args.env, job_type="evaluate")
    for index, result in enumerate(results):
        log_metrics(run, {**result.metrics, "seed": result.seed, "episode": result.episode},
                    index, prefix="episode/")
    keys = sorted({k for r in results for k in r.metrics})
    for k in keys:
        run.summary[f"mean/{k}"] = float(np.mean([r.metrics.get(k, np.nan) for r in results]))
        print(f"{k:>24}: {run.summary[f'mean/{k}']:.4g}")
    run.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
