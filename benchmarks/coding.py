"""Markov coding game speed: the greedy coupling and the env step, as same-run ratios.

Two targets (issue 10, item 3), each a ratio to a baseline measured in this run:

1. **Coupling vs sort.**  The beliefs the env actually couples (recorded from episodes of
   ``MarkovCodingGame-v0`` played by the ``mecb`` sender): the total time of the greedy
   coupling (:func:`papergym.envs.coding.mec.greedy_core`) over them against ``np.sort`` of
   the same beliefs.  Target: coupling / sort <= 5.  The pure-numpy fallback is shown too.
2. **Env step vs CartPole-v1.**  Steps per second of ``MarkovCodingGame-v0``'s ``step``
   while the reference sender (``mecb``) plays, so the env reuses the sender's coupling of
   the step (the sender's own time is not counted), against CartPole-v1's ``step`` under
   random actions, timed in alternating slices (a shared machine loads both alike).
   Target: >= 0.5x.  The whole loop (sender + env) is shown too.

Also a table of the greedy on large supports (Dirichlet(1) marginals of 10^3..10^5 values,
and a belief against a 4-action policy), each against a sort of the same data, which
shows the O(n log n) growth.  Usage::

    python benchmarks/coding.py [--seconds 2] [--max-n 100000] [--episodes 30]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import papergym
from papergym.envs.coding.mec import greedy_core, greedy_core_numpy, numba_available


def recorded_beliefs(episodes: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(belief, policy row) of every step of ``episodes`` mecb episodes (default env)."""
    env = gym.make("MarkovCodingGame-v0", beta=float(np.exp(-3.5)))
    agent = papergym.make_agent("mecb")
    pairs = []
    for seed in range(episodes):
        obs, info = env.reset(seed=seed)
        agent.reset(obs, info, seed=seed)
        done = False
        while not done:
            state = int(obs["state"])
            pairs.append((np.array(env.unwrapped.belief.probs),
                          np.array(env.unwrapped.protocol.policy[state])))
            action = agent.act(obs, info)
            obs, reward, term, trunc, info = env.step(action)
            agent.observe(action, reward, obs, term, trunc, info)
            done = term or trunc
    return pairs


def total_time(fn, items, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best


class _Player:
    """MarkovCodingGame-v0 played by the mecb sender, timed in slices (interleaved with
    CartPole's slices, so both see the same load on a shared machine)."""

    def __init__(self):
        self.env = gym.make("MarkovCodingGame-v0")
        self.agent = papergym.make_agent("mecb")
        self.env_time = self.loop_time = 0.0
        self.steps = self.seed = 0

    def run(self, seconds: float) -> None:
        env, agent = self.env, self.agent
        env_time = loop_time = 0.0
        steps = 0
        while loop_time < seconds:
            obs, info = env.reset(seed=self.seed)
            agent.reset(obs, info, seed=self.seed)
            self.seed += 1
            done = False
            while not done:
                t0 = time.perf_counter()
                action = agent.act(obs, info)
                t1 = time.perf_counter()
                obs, reward, term, trunc, info = env.step(action)
                t2 = time.perf_counter()
                agent.observe(action, reward, obs, term, trunc, info)
                t3 = time.perf_counter()
                env_time += t2 - t1
                loop_time += t3 - t0
                steps += 1
                done = term or trunc
        self.env_time += env_time
        self.loop_time += loop_time
        self.steps += steps


class _CartPole:
    def __init__(self):
        self.env = gym.make("CartPole-v1")
        self.actions = np.random.default_rng(0).integers(0, 2, 100_000).tolist()
        self.env.reset(seed=0)
        self.elapsed, self.steps = 0.0, 0

    def run(self, seconds: float) -> None:
        elapsed = 0.0
        while elapsed < seconds:
            t0 = time.perf_counter()
            _, _, term, trunc, _ = self.env.step(self.actions[self.steps % len(self.actions)])
            elapsed += time.perf_counter() - t0
            self.steps += 1
            if term or trunc:
                self.env.reset()
        self.elapsed += elapsed


def interleaved_rates(seconds: float, slices: int = 10) -> tuple[float, float, float]:
    """(CartPole steps/s, MCG env-step steps/s, MCG sender+env steps/s), measured in
    alternating slices of ``seconds / slices`` each."""
    cart, mcg = _CartPole(), _Player()
    for _ in range(slices):
        cart.run(seconds / slices)
        mcg.run(seconds / slices)
    return (cart.steps / cart.elapsed, mcg.steps / mcg.env_time, mcg.steps / mcg.loop_time)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--max-n", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=30)
    args = parser.parse_args(argv)
    ok = True
    print(f"numba kernel: {'yes' if numba_available() else 'no (numpy fallback)'}")

    pairs = recorded_beliefs(args.episodes)
    sizes = np.array([p.size for p, _ in pairs])
    greedy_core([pairs[0][0], pairs[0][1]])  # compile outside the clock
    t_greedy = total_time(lambda pq: greedy_core(list(pq)), pairs)
    t_numpy = total_time(lambda pq: greedy_core_numpy(list(pq)), pairs, repeats=1)
    t_sort = total_time(lambda pq: np.sort(pq[0]), pairs)
    ratio = t_greedy / t_sort
    ok &= ratio <= 5.0
    print(f"\n1. coupling of the env's beliefs ({len(pairs)} steps, support median "
          f"{int(np.median(sizes))}, max {sizes.max()}):")
    print(f"   greedy {t_greedy / len(pairs) * 1e6:8.1f} us/step   numpy fallback "
          f"{t_numpy / len(pairs) * 1e6:8.1f} us/step   np.sort {t_sort / len(pairs) * 1e6:6.1f} "
          f"us/step")
    print(f"   coupling / sort = {ratio:.2f}  (target <= 5: {'met' if ratio <= 5 else 'MISSED'});"
          f"  numpy fallback / sort = {t_numpy / t_sort:.1f}")

    cart, env_rate, loop_rate = interleaved_rates(args.seconds)
    ok &= env_rate / cart >= 0.5
    print("\n2. MarkovCodingGame-v0 (512 messages, lossless) with the mecb sender:")
    print(f"   CartPole-v1 step      {cart:10.0f} steps/s")
    print(f"   env step (shared)     {env_rate:10.0f} steps/s  = {env_rate / cart:.2f}x CartPole "
          f"(target >= 0.5: {'met' if env_rate / cart >= 0.5 else 'MISSED'})")
    print(f"   sender + env loop     {loop_rate:10.0f} steps/s  = {loop_rate / cart:.2f}x CartPole")

    print("\n3. greedy on large supports (seconds; ratio to np.sort of the same marginals):")
    print(f"{'n':>8} {'pair s':>9} {'sort s':>9} {'pair/sort':>10} {'belief+pi s':>12} "
          f"{'/sort':>7}")
    for n in (n for n in (1_000, 10_000, 100_000) if n <= args.max_n):
        rng = np.random.default_rng(n)
        p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        pi = np.array([0.4, 0.3, 0.2, 0.1])
        pair = total_time(lambda pq: greedy_core(list(pq)), [(p, q)])
        srt = total_time(lambda pq: (np.sort(pq[0]), np.sort(pq[1])), [(p, q)])
        small = total_time(lambda pq: greedy_core(list(pq)), [(p, pi)])
        srt1 = total_time(np.sort, [p])
        print(f"{n:>8} {pair:>9.5f} {srt:>9.6f} {pair / srt:>10.1f} {small:>12.6f} "
              f"{small / srt1:>7.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
