"""Steps per second of every registered papergym env through ``gym.make``, next to
CartPole-v1 measured in the same run; and, for every id with a ``vector_entry_point``, the
native batched env against Gymnasium's ``SyncVectorEnv`` at 256 copies.

Every env takes uniformly random *legal* actions (honouring ``info["action_mask"]``), and
resets count against it, as they do in training.  Usage::

    python benchmarks/env_steps.py [--seconds 1.0] [--rounds 3] [--ids Paging-v0 ...] [--write]

Each env class's ``speed_target`` (default 1.0x CartPole, with ``speed_target_reason`` where
it differs) is checked, at the class's ``speed_kwargs`` where it declares them; the script exits with status 1 when one is missed. A native vector
env is expected at >= 10x SyncVectorEnv. ``--write`` puts the tables in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os

# one core, as the targets are stated: a BLAS pool of several threads only fights the
# other processes of a shared machine (LLMRoutingDuo-v0's reset ran 3x slower with two)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import sys
import time
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidAction

import papergym

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section  # noqa: E402

RANDOM_POOL = 1 << 16
ACTION_POOL = 1 << 8
VECTOR_COPIES = 256
VECTOR_TARGET = 10.0


def steps_per_second(env_id: str, seconds: float, **kwargs) -> float:
    """Random legal actions for about ``seconds`` seconds; returns steps / s."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make(env_id, **kwargs)
    space = env.action_space
    rng = np.random.default_rng(0)
    uniform = rng.random(RANDOM_POOL).tolist()  # drawn up front: sampling is not the env's cost
    discrete = isinstance(space, gym.spaces.Discrete)
    space.seed(0)
    # actions of structured spaces drawn up front too: Box/Dict sampling costs more than
    # many env steps, and it is the harness's cost
    pool = [] if discrete else [space.sample() for _ in range(ACTION_POOL)]
    obs, info = env.reset(seed=0)
    steps, i = 0, 0
    start = time.perf_counter()
    deadline = start + seconds
    batch = 1  # steps between clock reads: grows while steps are fast, so a slow env (a
    # step that trains a network) stops on time and a fast one pays no clock per step
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            mask = info.get("action_mask")
            if discrete:
                # a one-byte mask (int8 / bool) is checked through its bytes: mask.all()
                # costs more than a Paging-v0 step's own bookkeeping, and sampling is
                # the harness's cost, not the env's
                if mask is None or (mask.tobytes().find(0) < 0 if mask.itemsize == 1
                                    else mask.all()):
                    action = int(uniform[i & (RANDOM_POOL - 1)] * space.n)
                else:
                    legal = np.flatnonzero(mask)
                    action = int(legal[int(uniform[i & (RANDOM_POOL - 1)] * len(legal))])
            elif mask is not None:
                action = space.sample(mask=mask)
            else:
                action = pool[i & (ACTION_POOL - 1)]
            i += 1
            obs, reward, terminated, truncated, info = env.step(action)
            steps += 1
            if terminated or truncated:
                obs, info = env.reset()
        now = time.perf_counter()
        if now > deadline:
            break
        if now - started < 0.01:
            batch = min(batch * 2, 256)
    elapsed = time.perf_counter() - start
    env.close()
    return steps / elapsed


def vector_steps_per_second(env_id: str, mode: str, seconds: float) -> float:
    """Env steps (copies x vector steps) per second of ``make_vec(..., mode)``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make_vec(env_id, num_envs=VECTOR_COPIES, vectorization_mode=mode)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(16)]
    env.reset(seed=0)
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        try:
            env.step(actions[steps % 16])
        except InvalidAction:
            return float("nan")  # masked actions: the family's own benchmark times it
        steps += 1
    elapsed = time.perf_counter() - start
    env.close()
    return steps * VECTOR_COPIES / elapsed


def target_of(env_id: str) -> tuple[float, str]:
    from papergym.utils.env_checker import env_class

    cls = env_class(env_id)
    return float(getattr(cls, "speed_target", 1.0)), getattr(cls, "speed_target_reason", "")


def vector_target_of(env_id: str) -> float:
    """The class's ``vector_speed_target`` (a number, or a dict by env id), else 10x."""
    from papergym.utils.env_checker import env_class

    target = getattr(env_class(env_id), "vector_speed_target", VECTOR_TARGET)
    if isinstance(target, dict):
        target = target.get(env_id, VECTOR_TARGET)
    return float(target)


def speed_kwargs(env_id: str) -> dict:
    """The kwargs an env is timed with: its class's ``speed_kwargs`` (e.g. a small network
    for an env whose step trains one), else the registered defaults."""
    if env_id == "CartPole-v1":
        return {}
    from papergym.utils.env_checker import env_class

    return dict(getattr(env_class(env_id), "speed_kwargs", {}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per env and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best kept)")
    parser.add_argument("--ids", nargs="*", default=None, help="env ids (default: all)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    ids = ["CartPole-v1", *(args.ids or papergym.papergym_env_ids())]
    # every env, CartPole included, is measured in each of several interleaved rounds and
    # keeps its best round: the same treatment for all, so load on a shared machine
    # (which only ever slows a round down) flatters no env against another
    best = dict.fromkeys(ids, 0.0)
    for _ in range(args.rounds):
        for env_id in ids:
            best[env_id] = max(best[env_id], steps_per_second(env_id, args.seconds,
                                                              **speed_kwargs(env_id)))
    baseline = best.pop("CartPole-v1")
    missed = []
    lines = ["| env id | steps/s | x CartPole-v1 | target | |", "|---|---:|---:|---:|---|",
             f"| CartPole-v1 (baseline) | {baseline:,.0f} | 1.00x | | |"]
    print(f"{'env id':<34} {'steps/s':>12} {'x CartPole':>11} {'target':>7}")
    print(f"{'CartPole-v1 (baseline)':<34} {baseline:>12,.0f} {1:>10.2f}x")
    for env_id, rate in best.items():
        target, reason = target_of(env_id)
        ratio = rate / baseline
        ok = ratio >= target
        if not ok:
            missed.append(f"{env_id}: {ratio:.2f}x < {target:g}x")
        print(f"{env_id:<34} {rate:>12,.4g} {ratio:>10.3g}x {target:>6g}x {'' if ok else 'MISSED'}")
        note = f"{'ok' if ok else '**missed**'}{'; ' + reason if reason else ''}"
        lines.append(f"| {env_id} | {rate:,.4g} | {ratio:.3g}x | {target:g}x | {note} |")
    vector_ids = [i for i in best if gym.spec(i).vector_entry_point is not None]
    vlines = ["| env id | native steps/s | sync steps/s | native / sync | target |",
              "|---|---:|---:|---:|---:|"]
    for env_id in vector_ids:
        native = max(vector_steps_per_second(env_id, "vector_entry_point", args.seconds)
                     for _ in range(args.rounds))
        sync = max(vector_steps_per_second(env_id, "sync", args.seconds)
                   for _ in range(args.rounds))
        ratio = native / sync
        if np.isnan(ratio):
            print(f"{env_id:<34} vector: masked actions, timed by its family's benchmark")
            vlines.append(f"| {env_id} | - | - | masked actions: see its family's benchmark | "
                          f"{VECTOR_TARGET:g}x |")
            continue
        target = vector_target_of(env_id)
        if ratio < target:
            missed.append(f"{env_id} vector: {ratio:.1f}x < {target:g}x SyncVectorEnv")
        print(f"{env_id:<34} vector {native:>12,.0f} sync {sync:>12,.0f} {ratio:>8.1f}x")
        vlines.append(f"| {env_id} | {native:,.0f} | {sync:,.0f} | {ratio:.1f}x | "
                      f"{target:g}x |")
    print(f"(best of {args.rounds} interleaved rounds of {args.seconds:g} s per env)")
    if args.write:
        text = (f"## Env step rates (`benchmarks/env_steps.py`)\n\n{machine()}; best of "
                f"{args.rounds} interleaved rounds of {args.seconds:g} s, random legal "
                "actions, resets included.\n\n" + "\n".join(lines))
        if vector_ids:
            text += (f"\n\nNative batched envs against `SyncVectorEnv`, {VECTOR_COPIES} "
                     "copies:\n\n" + "\n".join(vlines))
        write_section("env_steps", text)
    if missed:
        print("speed targets missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
