"""Speed of the submodular family, as ratios against baselines measured in the same run.

1. Env steps per second of every submodular id (random actions, resets included) next to
   CartPole-v1 (target: each id's ``speed_target`` x CartPole).
2. The batched ``vector_entry_point`` against Gymnasium's SyncVectorEnv at 256 copies
   (target: >= 10x on the coverage ids).
3. One SubPO training run at the paper's size (30 x 30, H = 80, 500 trajectories per update,
   50 epochs), tabular policy and the authors' MLP, wall-clock seconds (with a progress bar).

Usage::

    python benchmarks/submodular.py [--seconds 1.0] [--rounds 2] [--skip-training]

Exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from env_steps import steps_per_second  # noqa: E402

import papergym  # noqa: E402
from papergym.envs import family_env_ids  # noqa: E402
from papergym.utils.env_checker import env_class  # noqa: E402

VECTOR_TARGET = 10.0
VECTOR_IDS = ("SubmodularCoverage-v0", "SubmodularTwoRooms-v0")


def vector_steps_per_second(env_id: str, mode: str, num_envs: int, seconds: float) -> float:
    """Env steps (copies x batched steps) per second of ``gym.make_vec``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        envs = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode)
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 5, size=(64, num_envs))
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for row in actions[:16]:
            envs.step(row)
            steps += num_envs
    rate = steps / (time.perf_counter() - start)
    envs.close()
    return rate


def training_seconds(policy: str) -> tuple[float, float]:
    """(seconds, final mean F) of SubPO at the paper's coverage size."""
    from papergym.agents.submodular._pg import PGConfig, PolicyGradientTrainer

    env = gym.make("SubmodularCoverage-v0")
    env.reset(seed=0)
    start = time.perf_counter()
    trainer = PolicyGradientTrainer(env.unwrapped.model(), PGConfig(policy=policy), seed=0)
    curve = trainer.train(progress=True, label=f"SubPO ({policy}) 500 x 50")
    return time.perf_counter() - start, curve[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--num-envs", type=int, default=256)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args(argv)
    papergym.papergym_env_ids()
    ids = list(family_env_ids("submodular"))
    missed = []

    best = dict.fromkeys(["CartPole-v1", *ids], 0.0)
    for _ in range(args.rounds):
        for env_id in best:
            best[env_id] = max(best[env_id], steps_per_second(env_id, args.seconds))
    base = best.pop("CartPole-v1")
    print(f"{'env id':<32} {'steps/s':>10} {'x CartPole':>11} {'target':>7}")
    print(f"{'CartPole-v1 (baseline)':<32} {base:>10,.0f} {1:>10.2f}x")
    for env_id, rate in best.items():
        target = getattr(env_class(env_id), "speed_target", 1.0)
        print(f"{env_id:<32} {rate:>10,.0f} {rate / base:>10.2f}x {target:>6.2f}x")
        if rate / base < target:
            missed.append(f"{env_id} at {rate / base:.2f}x CartPole (target {target}x)")

    print(f"\n{'vector env (' + str(args.num_envs) + ' copies)':<32} {'native':>10} "
          f"{'sync':>10} {'ratio':>7}")
    for env_id in VECTOR_IDS:
        native = max(vector_steps_per_second(env_id, "vector_entry_point", args.num_envs,
                                             args.seconds) for _ in range(args.rounds))
        sync = max(vector_steps_per_second(env_id, "sync", args.num_envs, args.seconds)
                   for _ in range(args.rounds))
        print(f"{env_id:<32} {native:>10,.0f} {sync:>10,.0f} {native / sync:>6.1f}x")
        if native / sync < VECTOR_TARGET:
            missed.append(f"{env_id} vector env at {native / sync:.1f}x sync "
                          f"(target {VECTOR_TARGET}x)")

    if not args.skip_training:
        print("\nSubPO at the paper's coverage size (30 x 30, H = 80, 500 x 50):")
        for policy in ("tabular", "mlp"):
            seconds, final = training_seconds(policy)
            print(f"  policy={policy:<8} {seconds:7.1f} s   final mean F {final:.1f}")
    for line in missed:
        print("MISSED:", line, file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
