"""Serving simulators' speed: requests and tokens simulated per second of wall time.

Issue target: each simulator handles >= 10^5 requests or tokens per second on one core.
DistServe's simulator is run on simpy (the library the authors' simulator uses); this
script measures whether that suffices, against the target, in the same run:

    python benchmarks/serving.py [--write]
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
from pathlib import Path

import gymnasium as gym
import numpy as np

import papergym  # noqa: F401  (registers the ids)
from papergym.envs.serving.latency import MODELS
from papergym.envs.serving.simulator import Placement, Pool, simulate
from papergym.envs.serving.workload import sample_workload

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section  # noqa: E402

TARGET = 1e5


def distserve(mode: str) -> tuple[float, float]:
    work = sample_workload("chat", 20_000, np.random.default_rng(0))
    placement = (Placement("disaggregated", Pool(2, 1, 1), Pool(1, 1, 2)) if mode == "disagg"
                 else Placement("colocated", Pool(1, 1, 4)))
    start = time.perf_counter()
    simulate(MODELS["opt-13b"], placement, work, rate=8.0)
    elapsed = time.perf_counter() - start
    return len(work.prompt) / elapsed, float(work.output.sum()) / elapsed


def stepped(env_id: str, agent_name: str, tokens_per_step: int, **kwargs) -> float:
    """Tokens (or queries) per second through the env with a cheap agent."""
    env = gym.make(env_id, **kwargs)
    agent = papergym.make_agent(agent_name)
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=0)
    agent.reset(obs, info, seed=0)
    steps, start = 0, time.perf_counter()
    done = False
    while not done:
        action = agent.act(obs, info)
        obs, reward, term, trunc, info = env.step(action)
        agent.observe(action, reward, obs, term, trunc, info)
        steps += 1
        done = term or trunc
    return steps * tokens_per_step / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    rows = []
    for mode in ("disagg", "colocated"):
        req, tok = distserve(mode)
        rows.append((f"DistServe simulator ({mode}, simpy), 20,000 chat requests",
                     f"{req:,.0f} requests/s, {tok:,.0f} tokens/s", tok >= TARGET))
    rate = stepped("ExpertOffloading-v0", "expert-lru", 16, num_tokens=4096)
    rows.append(("ExpertOffloading-v0, LRU agent, batches of 16", f"{rate:,.0f} tokens/s",
                 rate >= TARGET))
    rate = stepped("LLMRouting-v0", "route-always-cheapest", 1, num_queries=20_000)
    rows.append(("LLMRouting-v0 (tryage), one query per step", f"{rate:,.0f} queries/s",
                 rate >= TARGET))
    rate = stepped("LLMRoutingDuo-v0", "route-always-cheapest", 1, num_queries=20_000)
    rows.append(("LLMRoutingDuo-v0, one token per step (81 routes evaluated)",
                 f"{rate:,.0f} tokens/s", rate >= TARGET))
    for name, figure, ok in rows:
        print(f"{name:<64} {figure:>40} {'ok' if ok else 'below 1e5'}")
    if args.write:
        table = ["| simulator | rate | >= 10^5/s |", "|---|---:|---|"]
        table += [f"| {n} | {f} | {'yes' if ok else '**no**'} |" for n, f, ok in rows]
        write_section("serving", "## Serving simulators (`benchmarks/serving.py`)\n\n"
                      f"{machine()}; one core, wall time.\n\n" + "\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
