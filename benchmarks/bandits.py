"""Speed of the bandits family against baselines measured in the same run.

Single env: steps per second through ``gym.make`` next to CartPole-v1 (random actions;
StreamingBandit-v0 both with unit pulls, the Bernoulli path an RL policy mostly takes, and
with random legal actions, whose batched pulls invert a binomial CDF).  Batched: the
``vector_entry_point`` at 256 copies next to ``SyncVectorEnv`` of the same env and to
CartPole-v1's own native vector env.  Usage::

    python benchmarks/bandits.py [--seconds 1.0] [--rounds 3] [--copies 256]

Targets (issue 13): batched >= 10x SyncVectorEnv and >= 1.0x CartPole's native vector
rate; single env >= 1.0x CartPole-v1.  Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import gymnasium as gym
import numpy as np

import papergym  # noqa: F401  (registers the ids)

POOL = 1 << 16


def single_rate(env_id: str, seconds: float, policy: str = "random", **kwargs) -> float:
    """Env steps per second of one env; ``policy``: ``random`` (uniform action, legal
    where the env masks), ``unit`` (StreamingBandit-v0: one pull of the arriving arm)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make(env_id, **kwargs)
    n = env.action_space.n
    u = np.random.default_rng(0).random(POOL).tolist()
    unit = env.unwrapped.codes.pull(env.unwrapped.memory, 0) if policy == "unit" else None
    obs, info = env.reset(seed=0)
    if env_id == "LSDBandit-v0":  # the instance's optimum (DP + planner) is computed once,
        from papergym.envs.bandits.lsd import optimum  # at the first episode's end: not a

        optimum(env.unwrapped.model())  # per-step cost, so it is paid before the clock
    steps = i = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(256):
            if unit is not None:
                action = unit
            else:
                mask = info.get("action_mask")
                if mask is None:
                    action = int(u[i & (POOL - 1)] * n)
                else:
                    legal = np.flatnonzero(mask)
                    action = int(legal[int(u[i & (POOL - 1)] * len(legal))])
            i += 1
            obs, _, terminated, truncated, info = env.step(action)
            steps += 1
            if terminated or truncated:
                obs, info = env.reset()
    return steps / (time.perf_counter() - start)


def vector_rate(env_id: str, mode: str, copies: int, seconds: float, policy: str = "random",
                **kwargs) -> float:
    """Env steps (copies x vector steps) per second of ``gym.make_vec`` in ``mode``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extra = {}
        if mode == "sync" and env_id != "CartPole-v1":
            extra["vector_kwargs"] = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}
        env = gym.make_vec(env_id, num_envs=copies, vectorization_mode=mode, **extra, **kwargs)
    env.reset(seed=0)
    space = env.single_action_space
    rng = np.random.default_rng(0)
    if policy == "unit":
        codes = gym.make(env_id, **kwargs).unwrapped
        pool = [np.full(copies, codes.codes.pull(codes.memory, 0))]
    else:
        pool = [rng.integers(space.n, size=copies) for _ in range(64)]
    steps = i = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(16):
            env.step(pool[i % len(pool)])
            i += 1
            steps += copies
    env.close()
    return steps / (time.perf_counter() - start)


CASES = [
    ("LSDBandit-v0", "random", {}),
    ("StreamingBandit-v0", "unit", {}),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=256)
    args = parser.parse_args(argv)
    sec, n = args.seconds, args.copies
    single = {"CartPole-v1": 0.0, "LSDBandit-v0": 0.0, "StreamingBandit-v0 (unit pulls)": 0.0,
              "StreamingBandit-v0 (random legal)": 0.0}
    vec = {}
    for _ in range(args.rounds):  # interleaved rounds, best kept: load never flatters one
        single["CartPole-v1"] = max(single["CartPole-v1"], single_rate("CartPole-v1", sec))
        single["LSDBandit-v0"] = max(single["LSDBandit-v0"], single_rate("LSDBandit-v0", sec))
        key = "StreamingBandit-v0 (unit pulls)"
        single[key] = max(single[key], single_rate("StreamingBandit-v0", sec, "unit"))
        key = "StreamingBandit-v0 (random legal)"
        single[key] = max(single[key], single_rate("StreamingBandit-v0", sec))
        cart = vector_rate("CartPole-v1", "vector_entry_point", n, sec)
        vec["CartPole-v1 native"] = max(vec.get("CartPole-v1 native", 0.0), cart)
        for env_id, policy, kw in CASES:
            for mode in ("vector_entry_point", "sync"):
                key = f"{env_id} {mode}"
                vec[key] = max(vec.get(key, 0.0),
                               vector_rate(env_id, mode, n, sec if mode != "sync" else sec / 2,
                                           policy, **kw))
    base = single.pop("CartPole-v1")
    print(f"{'single env':<40} {'steps/s':>12} {'x CartPole':>11}")
    print(f"{'CartPole-v1 (baseline)':<40} {base:>12,.0f} {1:>10.2f}x")
    failed = []
    for name, rate in single.items():
        print(f"{name:<40} {rate:>12,.0f} {rate / base:>10.2f}x")
        if rate < base and "random legal" not in name:
            failed.append(name)
    cart = vec.pop("CartPole-v1 native")
    print(f"\n{f'{n} copies':<40} {'steps/s':>12} {'x Sync':>8} {'x CartPole vec':>15}")
    print(f"{'CartPole-v1 native vector (baseline)':<40} {cart:>12,.0f} {'':>8} {1:>14.2f}x")
    for env_id, _, _ in CASES:
        native, sync = vec[f"{env_id} vector_entry_point"], vec[f"{env_id} sync"]
        print(f"{env_id + ' vector_entry_point':<40} {native:>12,.0f} {native / sync:>7.1f}x "
              f"{native / cart:>14.2f}x")
        print(f"{env_id + ' SyncVectorEnv':<40} {sync:>12,.0f} {1:>7.1f}x {sync / cart:>14.2f}x")
        if native < 10 * sync or native < cart:
            failed.append(f"{env_id} vector")
    print(f"(best of {args.rounds} interleaved rounds of {sec:g} s)")
    if failed:
        print("targets missed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
