"""Gaps to PyVRP per test size (the paper's table layout) and the docs' plots.

    python scripts/routing/gap_table.py [--instances 2] [--iterations 300] [--camp PATH]

For each distribution (random, pi, cluster), n in {40, 60, 80, 100} and m in {3, 5, 7}:
the first ``--instances`` instances of the fixed test sets, PyVRP's objective and every
agent's gap to it, ``pyvrp - objective`` in objective units (lower is better; a negative
gap beats PyVRP). A relative gap is not used: the objective ``0.2 preference - 0.8 time``
crosses zero (PyVRP's mean is -1.6 on random profiles but +0.2 on pi profiles at n = 40,
m = 3), so dividing by it is meaningless. Writes docs/routing/gaps.json, docs/routing/gaps.md (the
table), docs/routing/gaps.png and docs/routing/routes.png (routes of one n = 40, m = 3
instance rendered with ``render_mode="rgb_array"``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from papergym.agents.routing import GreedyAgent, PreferenceGreedyAgent, PyVRPAgent, SweepAgent
from papergym.envs.routing.datasets import TEST_DISTRIBUTIONS, TEST_M, TEST_N, test_instances
from papergym.envs.routing.pvrp import PVRPEnv

OUT = Path(__file__).resolve().parents[2] / "docs" / "routing"


def play(agent, inst, render: bool = False):
    """One PVRP-v0 episode of ``agent`` on ``inst``: (objective, frame or None)."""
    env = PVRPEnv(n=inst.n, m=inst.m, render_mode="rgb_array" if render else None)
    obs, info = env.reset(seed=0, options={"instance": inst})
    agent.reset(obs, info, env_model=inst, seed=0)
    done = False
    while not done:
        obs, _, done, _, info = env.step(agent.act(obs, info))
    assert info["metrics"]["feasible"] == 1.0
    return info["metrics"]["objective"], (env.render() if render else None)


def agents(camp_path: str | None, iterations: int):
    out = {"pyvrp": lambda: PyVRPAgent(iterations=iterations), "pvrp-greedy": GreedyAgent,
           "pvrp-greedy-preference": PreferenceGreedyAgent, "sweep": SweepAgent}
    from papergym.agents.routing.ortools_agent import ORToolsAgent, ortools_missing

    if ortools_missing() is None:
        out["ortools"] = ORToolsAgent
    if camp_path:
        from papergym.agents.routing.camp import CAMPAgent, load_policy

        policy = load_policy(camp_path)
        out["camp"] = lambda: CAMPAgent(policy=policy)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--camp", default=None, help="CAMP checkpoint to include")
    parser.add_argument("--n", type=int, nargs="+", default=list(TEST_N))
    parser.add_argument("--m", type=int, nargs="+", default=list(TEST_M))
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    makers = agents(args.camp, args.iterations)
    cells = [(d, n, m) for d in TEST_DISTRIBUTIONS for n in args.n for m in args.m]
    out = Path(args.out)
    results = {}
    for dist, n, m in tqdm(cells, desc="test sizes"):
        objs = {name: [] for name in makers}
        for inst in test_instances(n, m, dist, count=args.instances):
            for name, make in makers.items():
                objs[name].append(play(make(), inst)[0])
        ref = np.array(objs["pyvrp"])
        results[f"{dist} n={n} m={m}"] = {
            "pyvrp_objective": float(ref.mean()),
            **{f"gap_{name}": float(np.mean(ref - np.array(v)))
               for name, v in objs.items() if name != "pyvrp"}}
    out.mkdir(parents=True, exist_ok=True)
    (out / "gaps.json").write_text(json.dumps(results, indent=1))
    names = [k for k in next(iter(results.values())) if k.startswith("gap_")]
    lines = ["| instance set | PyVRP objective | " + " | ".join(
        f"gap {k[4:]}" for k in names) + " |", "|---|---:|" + "---:|" * len(names)]
    for key, row in results.items():
        lines.append(f"| {key} | {row['pyvrp_objective']:.3f} | " +
                     " | ".join(f"{row[k]:.3f}" for k in names) + " |")
    (out / "gaps.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(results, names, makers, out)
    return 0


def plot(results, names, makers, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for ax, dist in zip(axes, TEST_DISTRIBUTIONS):
        keys = [k for k in results if k.startswith(dist + " ")]
        x = np.arange(len(keys))
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            ax.bar(x + i * width, [results[k][name] for k in keys], width, label=name[4:])
        ax.set_xticks(x + 0.4 - width / 2, [k[len(dist) + 1:] for k in keys], rotation=90,
                      fontsize=7)
        ax.set_title(f"{dist} profiles")
        ax.axhline(0, c="k", lw=0.6)
    axes[0].set_ylabel("PyVRP objective - agent objective\n(lower is better)")
    axes[-1].legend(fontsize=8)
    fig.suptitle("PVRP: gap to PyVRP per test size (mean over the first test instances)")
    fig.tight_layout()
    fig.savefig(out / "gaps.png", dpi=150)
    inst = test_instances(40, 3, "cluster", count=1)[0]
    shown = [name for name in ("pyvrp", "ortools", "camp", "pvrp-greedy-preference", "pvrp-greedy")
             if name in makers]
    fig, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 4.3))
    for ax, name in zip(axes, shown):
        objective, frame = play(makers[name](), inst, render=True)
        ax.imshow(frame)
        ax.set_axis_off()
        ax.set_title(f"{name}: objective {objective:.3f}", fontsize=10)
    fig.suptitle("One n = 40, m = 3 instance (cluster profiles), routes per vehicle")
    fig.tight_layout()
    fig.savefig(out / "routes.png", dpi=150)


if __name__ == "__main__":
    raise SystemExit(main())
