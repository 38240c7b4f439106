"""Measure (or reload) the pruning family's claims and draw docs/pruning/accuracy_vs_density.png.

Runs LotteryTicket-v0 on the default network for each agent and density over the seeds
and plots test accuracy against density (log scale), the dense network as a band.  With
``--from-json`` it only redraws from saved measurements.  Usage::

    python scripts/pruning/plot_claims.py [--steps 300] [--seeds 3] [--out PNG]
    python scripts/pruning/plot_claims.py --from-json docs/pruning/measured.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
AGENTS = ("imp", "imp-random-reinit", "random-pruning", "snip", "grasp", "synflow")
DENSITIES = (0.2, 0.1, 0.02)


def measure(steps: int, seeds: int, densities=DENSITIES, agents=AGENTS) -> dict:
    """``{agent: {density: [test accuracy per seed]}, "dense": [...]}``."""
    import papergym

    try:
        from tqdm import tqdm
    except ImportError:  # progress bars are a nicety
        def tqdm(x, **_):
            return x
    out: dict = {"steps": steps, "dense": []}
    jobs = [(a, d) for a in agents for d in densities]
    for agent, density in tqdm(jobs, desc="agents x densities"):
        results = papergym.run("LotteryTicket-v0", agent, seeds=list(range(seeds)),
                               train_steps_per_round=steps, target_density=density,
                               max_rounds=25)
        out.setdefault(agent, {})[str(density)] = [r.metrics["test_accuracy"] for r in results]
        if not out["dense"]:
            out["dense"] = [r.metrics["dense_test_accuracy"] for r in results]
    return out


def plot(data: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    dense = np.asarray(data["dense"])
    ax.axhspan(dense.mean() - 0.01, dense.mean() + 0.01, color="0.85",
               label=f"dense {dense.mean():.3f} +- 1 point")
    for agent in AGENTS:
        if agent not in data:
            continue
        ds = sorted(data[agent], key=float)
        x = [float(d) for d in ds]
        y = [np.mean(data[agent][d]) for d in ds]
        e = [np.std(data[agent][d]) for d in ds]
        ax.errorbar(x, y, yerr=e, marker="o", capsize=3, label=agent)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("density (fraction of weights kept)")
    ax.set_ylabel("test accuracy (digits)")
    ax.set_title(f"LotteryTicket-v0: Lenet-300-100 on digits, {data.get('steps', '?')} steps/round")
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=160)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--from-json", type=Path, default=None)
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "pruning" /
                        "accuracy_vs_density.png")
    args = parser.parse_args(argv)
    if args.from_json is not None:
        data = json.loads(args.from_json.read_text())
    else:
        data = measure(args.steps, args.seeds)
        if args.json_out is not None:
            args.json_out.write_text(json.dumps(data, indent=1))
    return plot(data, args.out)


if __name__ == "__main__":
    print(main())
