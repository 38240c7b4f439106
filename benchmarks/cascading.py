"""Speed of the cascading family, as ratios against baselines measured in the same run.

1. BestPerm against enumerating every list (numpy over a precomputed table of all lists:
   the strongest enumeration we have), N = 8..12, m = 3..4; the optimum must be identical.
   Target: >= 100x at N = 10, m = 4.
2. CascadingRL-v0 steps/s through ``gym.make`` against CartPole-v1 (actions drawn up front).
   Target: >= 1.0x.
3. The batched env at 256 copies against ``SyncVectorEnv`` of 256 copies.  Target: >= 10x.
4. Planning time per episode of CascadingVI (BestPerm) and AdaptRM (atomic lists), S = 9,
   H = 5, m = 3, N = 4..10: the paper's running-time claim, whose gap should widen with N.

Usage::

    python benchmarks/cascading.py [--seconds 0.5] [--rounds 3]

Exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import gymnasium as gym
import numpy as np

import papergym  # noqa: F401  (registers the ids)
from papergym.agents.cascading import AdaptRMAgent, CascadingVIAgent
from papergym.envs.cascading.model import all_lists, best_perm, list_value


def best_time(fn, seconds: float, rounds: int) -> float:
    """The best over ``rounds`` of the mean time per call over about ``seconds``."""
    best = np.inf
    for _ in range(rounds):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed > seconds:
                break
        best = min(best, elapsed / calls)
    return best


class Enumeration:
    """Every list of at most m of N items as a padded (L, m) table; ``best`` scores all of
    them with numpy and returns the best value and list."""

    def __init__(self, n: int, m: int):
        self.lists = all_lists(n, m)
        table = np.full((len(self.lists), m), n)
        for i, items in enumerate(self.lists):
            table[i, :len(items)] = items
        self.table = table
        self.n = n

    def best(self, q: np.ndarray, w: np.ndarray, w_bot: float) -> tuple[float, tuple]:
        qp = np.append(q, 0.0)[self.table]
        wp = np.append(w, 0.0)[self.table]
        survive = np.cumprod(1.0 - qp, axis=1)
        reach = np.hstack((np.ones((len(qp), 1)), survive[:, :-1]))
        values = (reach * qp * wp).sum(axis=1) + survive[:, -1] * w_bot
        i = int(values.argmax())
        return float(values[i]), self.lists[i]


def bench_best_perm(seconds: float, rounds: int) -> bool:
    print("BestPerm vs enumeration of all lists (numpy), one state")
    print(f"{'N':>3} {'m':>2} {'lists':>7} {'enum us':>9} {'BestPerm us':>12} {'ratio':>8}  same")
    ok = True
    rng = np.random.default_rng(0)
    for n in (8, 10, 12):
        for m in (3, 4):
            q, w, w_bot = rng.uniform(0.05, 0.5, n), rng.uniform(0, 2, n), 0.6
            enum = Enumeration(n, m)
            e_val, e_list = enum.best(q, w, w_bot)
            b_val, b_list = best_perm(q, w, w_bot, m)
            same = abs(e_val - b_val) < 1e-12 and abs(
                list_value(q, w, w_bot, b_list) - e_val) < 1e-12
            t_enum = best_time(lambda e=enum, a=(q, w, w_bot): e.best(*a), seconds, rounds)
            t_bp = best_time(lambda a=(q, w, w_bot, m): best_perm(*a), seconds, rounds)
            ratio = t_enum / t_bp
            print(f"{n:>3} {m:>2} {len(enum.lists):>7,} {1e6 * t_enum:>9.1f} "
                  f"{1e6 * t_bp:>12.1f} {ratio:>7.1f}x  {same}")
            ok &= same
            if (n, m) == (10, 4):
                ok &= ratio >= 100
    return ok


def steps_per_second(env_id: str, seconds: float, rounds: int, **kwargs) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make(env_id, **kwargs)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(4096)]
    best = 0.0
    for _ in range(rounds):
        env.reset(seed=0)
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(256):
                _, _, terminated, truncated, _ = env.step(actions[steps & 4095])
                steps += 1
                if terminated or truncated:
                    env.reset()
        best = max(best, steps / (time.perf_counter() - start))
    env.close()
    return best


def vector_steps_per_second(env_id: str, mode: str, num_envs: int, seconds: float,
                            rounds: int) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode,
                           vector_kwargs={} if mode == "vector_entry_point" else
                           {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP})
    space = gym.make(env_id).action_space
    space.seed(0)
    actions = [np.stack([space.sample() for _ in range(num_envs)]) for _ in range(16)]
    best = 0.0
    for _ in range(rounds):
        env.reset(seed=0)
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            env.step(actions[steps % 16])
            steps += 1
        best = max(best, steps * num_envs / (time.perf_counter() - start))
    env.close()
    return best


def bench_planning(seconds: float, rounds: int) -> None:
    print("Planning time per paper episode (S = 9, H = 5, m = 3), after 200 random episodes")
    print(f"{'N':>3} {'lists':>6} {'CascadingVI us':>15} {'AdaptRM us':>11} {'AdaptRM/VI':>11}")
    for n in (4, 6, 8, 10):
        env = gym.make("CascadingRL-v0", n_items=n, num_episodes=200).unwrapped
        obs, info = env.reset(seed=0)
        agents = [CascadingVIAgent(), AdaptRMAgent()]
        for agent in agents:
            agent.bind(env.observation_space, env.action_space)
            agent.reset(obs, info, seed=0)
        done = False
        while not done:  # shared random data, so both plan over realistic counts
            action = env.action_space.sample()
            obs, reward, done, _, info = env.step(action)
            for agent in agents:
                agent.observe(action, reward, obs, done, False, info)
        t_vi, t_rm = (best_time(agent.plan, seconds, rounds) for agent in agents)
        print(f"{n:>3} {agents[1].n_actions:>6,} {1e6 * t_vi:>15.1f} {1e6 * t_rm:>11.1f} "
              f"{t_rm / t_vi:>10.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    ok = bench_best_perm(args.seconds / 2, args.rounds)
    print()
    cart = steps_per_second("CartPole-v1", args.seconds, args.rounds)
    print(f"{'env':<22} {'steps/s':>10} {'vs CartPole-v1':>15}")
    print(f"{'CartPole-v1':<22} {cart:>10,.0f} {1.0:>14.2f}x")
    for env_id in ("CascadingRL-v0", "CascadingBandit-v0"):
        rate = steps_per_second(env_id, args.seconds, args.rounds)
        print(f"{env_id:<22} {rate:>10,.0f} {rate / cart:>14.2f}x")
        ok &= rate / cart >= 1.0
    print()
    print(f"{'batched, 256 copies':<22} {'steps/s':>10} {'vs SyncVectorEnv':>17}")
    for env_id in ("CascadingRL-v0", "CascadingBandit-v0"):
        sync = vector_steps_per_second(env_id, "sync", 256, args.seconds, args.rounds)
        native = vector_steps_per_second(env_id, "vector_entry_point", 256, args.seconds,
                                         args.rounds)
        print(f"{env_id:<22} {native:>10,.0f} {native / sync:>16.1f}x  (sync {sync:,.0f})")
        ok &= native / sync >= 10
    print()
    bench_planning(args.seconds / 2, args.rounds)
    print("\nall targets met" if ok else "\nA TARGET WAS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
