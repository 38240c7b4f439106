"""Train an SB3 agent on a papergym env, logged to W&B, saved so the leaderboard ranks it.

    papergym train --env Paging-v0 --steps 50000 --seed 0   # auto: MaskablePPO
    python scripts/train_sb3.py --env Paging-v0 --algo MaskablePPO --steps 50000 --seed 0
    papergym leaderboard --envs Paging-v0 --agents sb3:models/Paging-v0__MaskablePPO__seed0

CleanRL-style: every argument is a field of :class:`TrainArgs`, and :func:`train` reads
top to bottom: check the inputs, make the env, start W&B, build the model, learn (SB3's
progress bar, a line per evaluation), save, evaluate.  The model is saved as weights
(safetensors) plus a JSON description (:func:`papergym.wrappers.sb3.save_sb3_model`), so
loading it never runs code from the file.  W&B is offline unless ``--wandb-mode online``
(see :mod:`papergym.training.tracking`).  torch, SB3 and W&B are imported inside
:func:`train`: importing this module is cheap.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from papergym.training.tracking import WANDB_MODES, default_wandb_mode, log_metrics, start_wandb
from papergym.wrappers.sb3 import SB3_ALGOS

__all__ = ["TrainArgs", "train", "check_train_args"]


@dataclass
class TrainArgs:
    env: str = field(default="Paging-v0", metadata={"help": "registered env id"})
    algo: str = field(default="auto", metadata={
        "help": "auto (MaskablePPO where the env masks actions, else PPO), PPO, A2C, DQN, "
                "SAC, TD3 (continuous actions) or MaskablePPO"})
    steps: int = field(default=50_000, metadata={"help": "total environment steps"})
    seed: int = field(default=0, metadata={"help": "seed of the env, the model and torch"})
    kw: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "env keyword arguments, KEY=VALUE ...", "nargs": "*"})
    learning_rate: float | None = field(default=None, metadata={
        "help": "optimizer step size (default: the algorithm's)"})
    n_steps: int | None = field(default=None, metadata={
        "help": "rollout length of PPO/A2C/MaskablePPO (default: the algorithm's)"})
    save_dir: str = field(default="models", metadata={
        "help": "where the model (.safetensors + .json) goes"})
    eval_seeds: int = field(default=3, metadata={
        "help": "after training, evaluate on this many held-out seeds (1000, 1001, ...)"})
    eval_every: int = field(default=0, metadata={
        "help": "also evaluate every this many steps during training, one line each "
                "(0: only at the end)"})
    progress: bool = field(default=True, metadata={"help": "SB3's progress bar"})
    project: str = field(default="papergym", metadata={"help": "W&B project"})
    wandb_mode: str = field(default_factory=default_wandb_mode, metadata={
        "help": f"W&B mode: {', '.join(WANDB_MODES)} (default $WANDB_MODE, else offline)"})
    wandb_dir: str | None = field(default=None, metadata={
        "help": "parent folder of W&B's run folders (default $WANDB_DIR, else ./wandb)"})
    verbose: int = field(default=0, metadata={"help": "1 prints SB3's training tables"})




def check_train_args(args: TrainArgs) -> None:
    """Every refusal that needs no training: ValueError naming the argument (the CLI's
    exit 2).  The save folder is checked here too, so a run never ends by losing its
    model."""
    from papergym.envs.registration import check_env_id, check_env_kwargs

    if args.algo not in ("auto", *SB3_ALGOS):
        raise ValueError(f"--algo must be one of {', '.join(SB3_ALGOS)} (or auto), "
                         f"got {args.algo!r}")
    if args.wandb_mode not in WANDB_MODES:
        raise ValueError(f"--wandb-mode must be one of {', '.join(WANDB_MODES)}, "
                         f"got {args.wandb_mode!r}")
    for name, low in (("steps", 1), ("seed", 0), ("eval_seeds", 0), ("eval_every", 0)):
        value = getattr(args, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"--{name.replace('_', '-')} must be a whole number >= {low}, "
                             f"got {value!r}")
    if args.seed >= 2**32:
        raise ValueError(f"--seed must be < 2**32 (SB3 seeds numpy with it), got {args.seed}")
    if args.n_steps is not None and args.n_steps < 2:
        raise ValueError(f"--n-steps must be >= 2, got {args.n_steps}")
    if args.learning_rate is not None and not args.learning_rate > 0:
        raise ValueError(f"--learning-rate must be > 0, got {args.learning_rate}")
    check_env_id(args.env)  # UnknownEnvError with close matches
    check_env_kwargs(args.env, args.kw)  # a typo names the accepted arguments
    save = Path(args.save_dir)
    parent = save
    while not parent.exists():
        parent = parent.parent
    if save.exists() and not save.is_dir():
        raise ValueError(f"--save-dir {save}: exists and is not a folder")
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--save-dir {save}: {parent} is not a writable folder")


def _callbacks(run, eval_every: int, evaluate):
    """SB3 callbacks: the env's ``info["metrics"]`` to W&B at every episode end, and an
    evaluation line every ``eval_every`` steps."""
    from stable_baselines3.common.callbacks import BaseCallback

    class EpisodeMetrics(BaseCallback):
        def _on_step(self) -> bool:
            for done, info in zip(self.locals["dones"], self.locals["infos"]):
                if done and "metrics" in info:
                    log_metrics(run, info["metrics"], self.num_timesteps, prefix="episode/")
            if eval_every and self.num_timesteps % eval_every == 0:
                evaluate(self.model, self.num_timesteps)
            return True

    return EpisodeMetrics()


def train(args: TrainArgs) -> Path:
    """Train, save ``<save_dir>/<env>__<algo>__seed<seed>`` (.safetensors weights + .json
    description), evaluate, and return the description's path."""
    check_train_args(args)
    import gymnasium as gym
    import numpy as np
    import torch
    from stable_baselines3.common.callbacks import CallbackList
    from stable_baselines3.common.logger import HumanOutputFormat, KVWriter, Logger
    from wandb.integration.sb3 import WandbCallback

    from papergym.agents.base import SB3Agent
    from papergym.results import papergym_version
    from papergym.runner import EnvArgumentError, run
    from papergym.wrappers.sb3 import (
        CONTINUOUS_ALGOS,
        _algo_class,
        save_sb3_model,
        sb3_wrap,
    )

    # 1. The env, as SB3 sees it (Dict spaces flattened, action_masks() for MaskablePPO).
    try:
        raw = gym.make(args.env, **args.kw)
    except (TypeError, ValueError) as exc:
        raise EnvArgumentError(f"{args.env}: {exc}") from None
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
    discrete = algo == "DQN"
    env = sb3_wrap(raw, discrete_actions=discrete)
    if algo in CONTINUOUS_ALGOS and not isinstance(env.action_space, gym.spaces.Box):
        raise ValueError(f"--algo {algo} needs a continuous (Box) action space; {args.env} "
                         f"has {env.action_space} (use PPO, A2C or DQN)")
    env.reset(seed=args.seed)

    # 2. W&B: one run per training job, offline unless asked otherwise.
    run_name = f"{args.env}__{algo}__seed{args.seed}__{int(time.time())}"
    wandb_run = start_wandb(project=args.project, name=run_name,
                            config={**asdict(args), "algo": algo}, mode=args.wandb_mode,
                            directory=args.wandb_dir, group=args.env)

    # 3. The model; its hyper-parameters are the algorithm's defaults unless overridden.
    torch.manual_seed(args.seed)
    hyper: dict[str, Any] = {}
    if args.learning_rate is not None:
        hyper["learning_rate"] = args.learning_rate
    if args.n_steps is not None and algo in ("PPO", "A2C", "MaskablePPO"):
        hyper["n_steps"] = args.n_steps
        if algo in ("PPO", "MaskablePPO"):
            hyper["batch_size"] = min(64, args.n_steps)
    model = _algo_class(algo)("MlpPolicy", env, seed=args.seed, verbose=0, device="cpu",
                              **hyper)
    outputs: list[KVWriter] = [_wandb_writer(wandb_run)]
    if args.verbose:
        outputs.append(HumanOutputFormat(sys.stdout))
    model.set_logger(Logger(folder=None, output_formats=outputs))
    eval_seeds = list(range(1000, 1000 + args.eval_seeds))

    def evaluate(trained, step: int) -> dict[str, float]:
        """Mean metrics of the current policy on the held-out seeds: one printed line."""
        if not eval_seeds:
            return {}
        agent = SB3Agent(trained.policy, algo=algo)
        results = run(args.env, agent, seeds=eval_seeds, env_kwargs=args.kw)
        keys = sorted({k for r in results for k in r.metrics})
        means = {k: float(np.mean([r.metrics.get(k, np.nan) for r in results])) for k in keys}
        log_metrics(wandb_run, means, step, prefix="eval/")
        metric = getattr(raw.unwrapped, "primary_metric", "episode_return")
        shown = metric if metric in means else "episode_return"
        print(f"eval step {step}/{args.steps}: mean {shown} {means.get(shown, float('nan')):.4g} "
              f"over {len(eval_seeds)} held-out seeds", flush=True)
        return means

    # 4. Learn; WandbCallback records the model's hyper-parameters in the run's config.
    model.learn(total_timesteps=args.steps, progress_bar=args.progress and _has_progress_bar(),
                callback=CallbackList([WandbCallback(verbose=0),
                                       _callbacks(wandb_run, args.eval_every, evaluate)]))

    # 5. Save weights + description (for `--agents sb3:<path>`).
    stem = Path(args.save_dir) / f"{args.env}__{algo}__seed{args.seed}"
    path = save_sb3_model(model, stem, algo=algo, env_id=args.env, env_kwargs=args.kw,
                          discrete_actions=discrete, steps=args.steps, seed=args.seed,
                          wandb_run_dir=str(wandb_run.dir), papergym_version=papergym_version())
    env.close()

    # 6. Evaluate through the runner on held-out seeds, as the leaderboard will.
    evaluate(model, args.steps)
    wandb_run.finish()
    return path


def _has_progress_bar() -> bool:
    """SB3's progress bar needs tqdm and rich."""
    try:
        import rich  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _wandb_writer(run):
    """An SB3 ``KVWriter`` forwarding SB3's logger (rollout/*, train/*, time/*) to W&B; the
    TensorBoard-free equivalent of ``wandb.init(sync_tensorboard=True)``."""
    from stable_baselines3.common.logger import KVWriter

    class WandbWriter(KVWriter):
        def write(self, key_values: dict[str, Any], key_excluded: dict[str, Any],
                  step: int = 0) -> None:
            log_metrics(run, key_values, step)

    return WandbWriter()
