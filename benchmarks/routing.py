"""Routing speed: instances/s of a greedy rollout at n = 100, m = 5, batched in torch vs a
per-instance Python loop (target >= 10x), and CAMP's batched greedy decoding vs one
instance at a time. One thread (``torch.set_num_threads(1)``). Usage::

    python benchmarks/routing.py [--batch 256] [--loop 10] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from papergym.agents.routing import GreedyAgent
from papergym.agents.routing.camp import CAMPPolicy, rollout
from papergym.envs.routing.batched import BatchedPVRP, greedy_actions
from papergym.envs.routing.generators import generate
from papergym.envs.routing.parallel import PVRPParallelEnv

N, M = 100, 5


def loop_greedy(instances) -> float:
    """Per-instance loop: the PettingZoo env with one greedy agent per vehicle."""
    env = PVRPParallelEnv(n=N, m=M)
    start = time.perf_counter()
    for inst in instances:
        obs, infos = env.reset(seed=0, options={"instance": inst})
        agents = {}
        for role in env.agents:
            agents[role] = GreedyAgent()
            agents[role].reset(obs[role], infos[role], seed=0)
        while env.agents:
            obs, _, _, _, infos = env.step({r: agents[r].act(obs[r], infos[r])
                                            for r in env.agents})
    return len(instances) / (time.perf_counter() - start)


def batched_greedy(instances) -> float:
    start = time.perf_counter()
    env = BatchedPVRP.from_instances(instances)
    while not bool(env.done.all()):
        env.step(greedy_actions(env, env.mask()))
    return len(instances) / (time.perf_counter() - start)


def camp_decode(policy, instances, batch: int) -> float:
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(instances), batch):
            rollout(policy, BatchedPVRP.from_instances(instances[i:i + batch]), sample=False)
    return len(instances) / (time.perf_counter() - start)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--loop", type=int, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    instances = [generate(rng, N, M) for _ in range(args.batch)]
    loop = loop_greedy(instances[:args.loop])
    batched = batched_greedy(instances)
    torch.manual_seed(0)
    policy = CAMPPolicy().eval()
    camp_one = camp_decode(policy, instances[:4], batch=1)
    camp_batched = camp_decode(policy, instances[:64], batch=64)
    rows = [("greedy rollout, PettingZoo env + agents, one instance at a time", loop, 1.0),
            (f"greedy rollout, batched torch env, {args.batch} instances", batched,
             batched / loop),
            ("CAMP greedy decoding (dim 64, 2 layers), one instance at a time", camp_one, 1.0),
            ("CAMP greedy decoding, batches of 64", camp_batched, camp_batched / camp_one)]
    table = ["| rollout (n = 100, m = 5, 1 thread) | instances/s | ratio to its loop |",
             "|---|---:|---:|"]
    table += [f"| {name} | {rate:.1f} | {ratio:.1f}x |" for name, rate, ratio in rows]
    text = "\n".join(table)
    print(text)
    if not args.no_write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _results import machine, write_section

        write_section("routing", f"## Routing (PVRP)\n\n{machine()}; "
                      "`python benchmarks/routing.py`; target: batched greedy >= 10x the "
                      f"loop.\n\n{text}\n")


if __name__ == "__main__":
    main()
