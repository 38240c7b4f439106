"""Train an SB3 agent on a papergym env, logged to W&B, saved so the leaderboard ranks it.

    python scripts/train_sb3.py --env Paging-v0 --algo MaskablePPO --steps 50000 --seed 0
    papergym train --env Paging-v0 --steps 50000 --seed 0   # the same (auto: MaskablePPO)
    papergym leaderboard --envs Paging-v0 --agents sb3:models/Paging-v0__PPO__seed0.zip

CleanRL-style: every argument is a field of :class:`TrainArgs`, and :func:`train` reads
top to bottom: make the env, start W&B, build the model, learn, save, evaluate.
W&B is offline unless ``--wandb-mode online`` (see :mod:`papergym.leaderboard.tracking`).
"""

from __future__ import annotations

import argparse
import time
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.logger import HumanOutputFormat, KVWriter, Logger

from papergym.leaderboard.tracking import WANDB_MODES, default_wandb_mode, log_metrics, start_wandb

__all__ = ["TrainArgs", "train", "add_arguments", "args_from_namespace"]


@dataclass
class TrainArgs:
    env: str = field(default="Paging-v0", metadata={"help": "registered env id"})
    algo: str = field(default="auto", metadata={
        "help": "auto (MaskablePPO where the env masks actions, else PPO), PPO, A2C, DQN or "
                "MaskablePPO"})
    steps: int = field(default=50_000, metadata={"help": "total environment steps"})
    seed: int = field(default=0, metadata={"help": "seed of the env, the model and torch"})
    kw: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "env keyword arguments, KEY=VALUE ...", "nargs": "*"})
    learning_rate: float | None = field(default=None, metadata={
        "help": "optimizer step size (default: the algorithm's)"})
    n_steps: int | None = field(default=None, metadata={
        "help": "rollout length of PPO/A2C/MaskablePPO (default: the algorithm's)"})
    save_dir: str = field(default="models", metadata={"help": "where the model .zip goes"})
    eval_seeds: int = field(default=3, metadata={
        "help": "after training, evaluate on this many held-out seeds (1000, 1001, ...)"})
    project: str = field(default="papergym", metadata={"help": "W&B project"})
    wandb_mode: str = field(default_factory=default_wandb_mode, metadata={
        "help": f"W&B mode: {', '.join(WANDB_MODES)} (default $WANDB_MODE, else offline)"})
    wandb_dir: str | None = field(default=None, metadata={
        "help": "parent folder of W&B's run folders (default $WANDB_DIR, else ./wandb)"})
    verbose: int = field(default=0, metadata={"help": "1 prints SB3's training tables"})


class _WandbWriter(KVWriter):
    """Forwards SB3's logger (rollout/*, train/*, time/*) to W&B; the TensorBoard-free
    equivalent of ``wandb.init(sync_tensorboard=True)``."""

    def __init__(self, run):
        self.run = run

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, Any], step: int = 0) -> None:
        log_metrics(self.run, key_values, step)


class _EpisodeMetrics(BaseCallback):
    """Logs the env's ``info["metrics"]`` (the paper's measures) at every episode end."""

    def __init__(self, run):
        super().__init__()
        self.run = run

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"]):
            if done and "metrics" in info:
                log_metrics(self.run, info["metrics"], self.num_timesteps, prefix="episode/")
        return True


def train(args: TrainArgs) -> Path:
    """Train, save ``<save_dir>/<env>__<algo>__seed<seed>.zip`` (+ a ``.json`` sidecar that
    tells the leaderboard the algorithm), evaluate, and return the model path."""
    import torch
    from wandb.integration.sb3 import WandbCallback

    import papergym
    from papergym.wrappers.sb3 import SB3_ALGOS, _algo_class, save_sb3_model, sb3_wrap

    if args.algo not in ("auto", *SB3_ALGOS):
        raise ValueError(f"--algo must be one of {', '.join(SB3_ALGOS)} (or auto), "
                         f"got {args.algo!r}")
    if args.wandb_mode not in WANDB_MODES:
        raise ValueError(f"--wandb-mode must be one of {', '.join(WANDB_MODES)}, "
                         f"got {args.wandb_mode!r}")
    if args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    if args.env not in papergym.papergym_env_ids() and args.env not in gym.registry:
        from papergym.leaderboard.cells import check_env_id

        check_env_id(args.env)  # UnknownEnvError with close matches
    from papergym.leaderboard.cells import check_env_kwargs

    check_env_kwargs(args.env, args.kw)  # a typo names the accepted arguments (exit 2)

    # 1. The env, as SB3 sees it (Dict spaces flattened, action_masks() for MaskablePPO).
    raw = gym.make(args.env, **args.kw)
    _, first_info = raw.reset(seed=args.seed)
    masked = "action_mask" in first_info
    algo = args.algo
    if algo == "auto":
        algo = "MaskablePPO" if masked else "PPO"
    elif masked and algo != "MaskablePPO":
        # an illegal action raises InvalidAction, and a mask-blind policy soon picks one
        raise ValueError(f"--algo {algo} cannot train on {args.env}: the env masks "
                         "actions (illegal ones raise InvalidAction) and only MaskablePPO "
                         "reads masks; use --algo MaskablePPO (or auto)")
    env = sb3_wrap(raw, discrete_actions=algo == "DQN")
    env.reset(seed=args.seed)

    # 2. W&B: one run per training job, offline unless asked otherwise.
    run_name = f"{args.env}__{algo}__seed{args.seed}__{int(time.time())}"
    run = start_wandb(project=args.project, name=run_name, config={**asdict(args), "algo": algo},
                      mode=args.wandb_mode, directory=args.wandb_dir, group=args.env)

    # 3. The model; its hyper-parameters are the algorithm's defaults unless overridden.
    torch.manual_seed(args.seed)
    hyper: dict[str, Any] = {}
    if args.learning_rate is not None:
        hyper["learning_rate"] = args.learning_rate
    if args.n_steps is not None and algo != "DQN":
        hyper["n_steps"] = args.n_steps
        if algo in ("PPO", "MaskablePPO"):
            hyper["batch_size"] = min(64, args.n_steps)
    model = _algo_class(algo)("MlpPolicy", env, seed=args.seed, verbose=0, device="cpu",
                                   **hyper)
    outputs: list[KVWriter] = [_WandbWriter(run)]
    if args.verbose:
        import sys

        outputs.append(HumanOutputFormat(sys.stdout))
    model.set_logger(Logger(folder=None, output_formats=outputs))

    # 4. Learn; WandbCallback records the model's hyper-parameters in the run's config.
    model.learn(total_timesteps=args.steps,
                callback=CallbackList([WandbCallback(verbose=0), _EpisodeMetrics(run)]))

    # 5. Save the model and a sidecar naming its algorithm (for `--agents sb3:<path>`).
    stem = Path(args.save_dir) / f"{args.env}__{algo}__seed{args.seed}"
    path = save_sb3_model(model, stem, algo=algo, env_id=args.env, env_kwargs=args.kw,
                          steps=args.steps, seed=args.seed, wandb_run_dir=str(run.dir))
    env.close()

    # 6. Evaluate through the runner on held-out seeds, as the leaderboard will.
    if args.eval_seeds > 0:
        results = papergym.run(args.env, f"sb3:{path}", seeds=range(1000, 1000 + args.eval_seeds),
                               env_kwargs=args.kw)
        keys = sorted({k for r in results for k in r.metrics})
        means = {k: float(np.mean([r.metrics.get(k, np.nan) for r in results])) for k in keys}
        log_metrics(run, means, args.steps, prefix="eval/")
    run.finish()
    return path


# --------------------------------------------------------------------------- argparse


def _scalar_type(annotation: Any) -> type:
    """int or float for ``int``/``float | None`` annotations (strings or types), else str."""
    if isinstance(annotation, str):
        names = {n.strip() for n in annotation.split("|")} - {"None"}
        return {"int": int, "float": float}.get(names.pop() if len(names) == 1 else "", str)
    options = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    return options[0] if options[0] in (int, float) else str


def add_arguments(parser: argparse.ArgumentParser, cls: type = TrainArgs) -> None:
    """One ``--flag`` per dataclass field (underscores become dashes)."""
    for f in fields(cls):
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        meta = dict(f.metadata)
        kind = _scalar_type(f.type)
        if "nargs" in meta:
            parser.add_argument(flag, nargs=meta["nargs"], metavar="KEY=VALUE", default=None,
                                help=meta["help"])
        else:
            shown = default if f.default_factory is MISSING else f.default_factory()
            parser.add_argument(flag, type=kind, default=default, help=f"{meta['help']} "
                                f"(default: {shown})" if shown is not None else meta["help"])


def args_from_namespace(ns: argparse.Namespace, cls: type = TrainArgs):
    """The dataclass from parsed arguments (``--kw`` parsed as literals)."""
    from papergym.leaderboard.cli import parse_kwargs

    values = {}
    for f in fields(cls):
        value = getattr(ns, f.name, None)
        if f.name == "kw":
            value = parse_kwargs(value)
        if value is not None:
            values[f.name] = value
    return cls(**values)
