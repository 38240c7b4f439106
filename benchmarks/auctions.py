"""Speed of the auctions family, as ratios to baselines measured in the same run.

1. Env steps per second through ``gym.make`` with pre-drawn actions (sampling a Box costs
   more than these envs' steps and is the harness's cost), next to CartPole-v1; best of
   ``--rounds`` interleaved rounds.
2. The global optimum for 10 channels x 1,000 auctions: scipy's HiGHS LP (target < 1 s)
   and our closed-form threshold solution.
3. The learner's cost per period (act + observe) next to equal split's.
4. The position mechanisms: allocation and payments, next to brute-force enumeration.

Usage::

    python benchmarks/auctions.py [--seconds 1.0] [--rounds 3]

Exits with status 1 when the LP misses its 1 s target.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import gymnasium as gym
import numpy as np

import papergym
from papergym.envs.auctions.channels import draw_pool, global_lp, global_optimum
from papergym.envs.auctions.position_mechanisms import (
    cascade_dp_best,
    draw_position_instance,
    exact_best,
    mnl_best,
    run_mechanism,
)

ENVS = (("CartPole-v1", {}), ("MultiChannelAutobidding-v0", {}),
        ("MultiChannelAutobidding-v0", {"feedback": "exact"}),
        ("PositionAuction-v0", {}), ("PositionAuction-v0", {"click_model": "cascade"}))


def steps_per_second(env_id: str, kwargs: dict, seconds: float) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make(env_id, **kwargs)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(256)]
    env.reset(seed=0)
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()
        steps += len(actions)
    return steps / (time.perf_counter() - start)


def best_time(fn, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def agent_period_cost(name: str, horizon: int = 1000, **env_kwargs) -> float:
    """Seconds per period of the agent's act + observe (the env's step subtracted)."""
    env = gym.make("MultiChannelAutobidding-v0", horizon=horizon, **env_kwargs)
    agent = papergym.make_agent(name)
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=0)
    agent.reset(obs, info, seed=0)
    spent = 0.0
    done = False
    while not done:
        start = time.perf_counter()
        action = agent.act(obs, info)
        spent += time.perf_counter() - start
        obs, reward, done, _, info = env.step(action)
        start = time.perf_counter()
        agent.observe(action, reward, obs, done, False, info)
        spent += time.perf_counter() - start
    return spent / horizon


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    print("1. env steps (pre-drawn actions, best of interleaved rounds)")
    best = [0.0] * len(ENVS)
    for _ in range(args.rounds):
        for i, (env_id, kwargs) in enumerate(ENVS):
            best[i] = max(best[i], steps_per_second(env_id, kwargs, args.seconds))
    for (env_id, kwargs), rate in zip(ENVS, best):
        label = env_id + (f" {kwargs}" if kwargs else "")
        print(f"   {label:<58} {rate:>10,.0f}/s {rate / best[0]:>6.2f}x CartPole")

    print("   batched MultiChannelAutobidding-v0, 16 copies (steps of all copies per second)")
    for mode in ("sync", "vector_entry_point"):
        vec = gym.make_vec("MultiChannelAutobidding-v0", num_envs=16, vectorization_mode=mode)
        vec.action_space.seed(0)
        batch = [vec.action_space.sample() for _ in range(64)]
        vec.reset(seed=0)
        start, steps = time.perf_counter(), 0
        while time.perf_counter() - start < args.seconds:
            for action in batch:
                vec.step(action)
            steps += 16 * len(batch)
        rate = steps / (time.perf_counter() - start)
        print(f"   {mode:<58} {rate:>10,.0f}/s {rate / best[0]:>6.2f}x CartPole")
        vec.close()

    print("2. global optimum, 10 channels x 1,000 auctions")
    pool = draw_pool(np.random.default_rng(0), np.full(10, 1000))
    v, d, _ = pool.items()
    budget = 0.2 * float(d.sum())
    lp = best_time(lambda: global_lp(v, d, budget, 1.0))
    closed = best_time(lambda: global_optimum(pool, budget, 1.0))
    print(f"   HiGHS LP {lp:.3f} s (target < 1 s); threshold rule {closed * 1e3:.2f} ms "
          f"({lp / closed:.0f}x faster)")

    print("3. agent cost per period (act + observe), T = 1000")
    for channels in (3, 10):
        base = agent_period_cost("equal-split", n_channels=channels)
        ours = agent_period_cost("primal-dual-ucb", n_channels=channels)
        print(f"   M = {channels:>2}: primal-dual-ucb {ours * 1e6:8.1f} us, equal-split "
              f"{base * 1e6:6.1f} us ({ours / base:.0f}x)")

    print("4. position mechanisms, 5 ads x 4 positions (per auction)")
    rng = np.random.default_rng(1)
    for model, ours_fn, name in (("mnl", mnl_best, "matching"),
                                 ("cascade", cascade_dp_best, "cascade-dp")):
        insts = [draw_position_instance(rng, 5, 4, model) for _ in range(200)]
        bids = [rng.uniform(size=5) for _ in range(200)]
        pairs = list(zip(bids, insts))
        t_ours = best_time(lambda f=ours_fn, p=pairs: [f(b, i) for b, i in p]) / 200
        t_exact = best_time(lambda p=pairs: [exact_best(b, i) for b, i in p]) / 200
        t_pay = best_time(lambda n=name, p=pairs: [run_mechanism(n, b, i) for b, i in p],
                          1) / 200
        print(f"   {model:<8} {name:<11} {t_ours * 1e6:7.1f} us; enumeration "
              f"{t_exact * 1e6:7.1f} us ({t_exact / t_ours:.1f}x); with payments "
              f"{t_pay * 1e6:7.1f} us")
    return 0 if lp < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
