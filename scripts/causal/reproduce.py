"""Reproduce the causal-bandit comparison (Peng, Zhang, Mitra, IEEE TSP 2025) and plot it.

    python scripts/causal/reproduce.py                      # stationary, 30 instances
    python scripts/causal/reproduce.py --drift --nodes 6    # drifting variant
    python scripts/causal/reproduce.py --plot-only          # re-plot saved traces

Runs every agent on the same instances (seeds ``2025 + i``), saves the per-step traces to
``docs/causal/<name>.npz`` and a summary to ``docs/causal/<name>.json``, and plots the
mean cumulative regret (2.5-97.5% quantile band) and the optimal-intervention share per
100-step window, as the authors' figures do, to ``docs/causal/<name>.png``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "docs" / "causal"
STATIONARY = ("ucb", "golem-mab", "linsem-ts", "csl-ucb")
DRIFTING = ("ucb", "causal-sw-ucb", "golem-mab", "linsem-ts", "csl-ucb")
LABELS = {"ucb": "Vanilla UCB", "causal-sw-ucb": "Sliding-window UCB", "golem-mab": "GOLEM-MAB (DAGMA)",
          "linsem-ts": "LinSEM-TS (true parents)", "csl-ucb": "CSL-UCB (paper)"}


def run(env_id: str, agents: tuple[str, ...], instances: int, **kwargs) -> dict:
    from tqdm.auto import tqdm

    from papergym.agents.causal.experiment import regret_trace

    traces = {}
    for agent in agents:
        rows = [regret_trace(env_id, agent, 2025 + i, **kwargs)
                for i in tqdm(range(instances), desc=agent)]
        traces[agent] = {"regret": np.array([r[0] for r in rows]),
                         "optimal": np.array([r[1] for r in rows]),
                         "expected_reward": np.array([r[2] for r in rows])}
    return traces


def summarise(traces: dict) -> dict:
    summary = {}
    csl = traces["csl-ucb"]["expected_reward"].mean()
    for agent, tr in traces.items():
        cum = tr["regret"].sum(axis=1)
        reward = tr["expected_reward"].mean()
        summary[agent] = {
            "mean_cumulative_regret": float(cum.mean()),
            "q025": float(np.quantile(cum, 0.025)), "q975": float(np.quantile(cum, 0.975)),
            "optimal_share_last_window": float(tr["optimal"][:, -100:].mean()),
            "mean_expected_reward": float(reward),
            "csl_ucb_reward_gain": float((csl - reward) / abs(reward)),
        }
    return summary


def plot(traces: dict, path: Path, title: str, change_points=()) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=160)
    for agent, tr in traces.items():
        cum = np.cumsum(tr["regret"], axis=1)
        t = np.arange(1, cum.shape[1] + 1)
        ax1.plot(t, cum.mean(axis=0), label=LABELS.get(agent, agent))
        ax1.fill_between(t, np.quantile(cum, 0.025, axis=0), np.quantile(cum, 0.975, axis=0),
                         alpha=0.15)
        windows = tr["optimal"].reshape(tr["optimal"].shape[0], -1, 100).mean(axis=2)
        ax2.plot(np.arange(100, cum.shape[1] + 1, 100), windows.mean(axis=0), marker="o",
                 label=LABELS.get(agent, agent))
    for ax in (ax1, ax2):
        for cp in change_points:
            ax.axvline(cp, color="grey", linestyle=":")
        ax.set_xlabel("time step")
        ax.grid(alpha=0.3)
    ax1.set_ylabel("cumulative (pseudo-)regret")
    ax1.set_yscale("symlog", linthresh=10)
    ax1.set_ylim(bottom=0)
    ax2.set_ylabel("optimal-intervention share per 100 steps")
    ax2.set_ylim(-0.05, 1.05)
    ax1.legend(fontsize=8, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=30)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=None)
    parser.add_argument("--drift", action="store_true")
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args()
    env_id = "CausalBanditDrift-v0" if args.drift else "CausalBandit-v0"
    kwargs = {"n_nodes": args.nodes}
    if args.horizon:
        kwargs["horizon"] = args.horizon
    name = f"{'drift' if args.drift else 'stationary'}_n{args.nodes}"
    OUT.mkdir(parents=True, exist_ok=True)
    npz = OUT / f"{name}.npz"
    if args.plot_only:
        data = np.load(npz)
        traces = {}
        for key in data.files:
            agent, field = key.split("/")
            traces.setdefault(agent, {})[field] = data[key]
    else:
        traces = run(env_id, DRIFTING if args.drift else STATIONARY, args.instances, **kwargs)
        np.savez_compressed(npz, **{f"{a}/{f}": v for a, tr in traces.items()
                                    for f, v in tr.items()})
    summary = summarise(traces)
    (OUT / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")
    horizon = next(iter(traces.values()))["regret"].shape[1]
    cps = (horizon // 3, 2 * horizon // 3) if args.drift else ()
    count = next(iter(traces.values()))["regret"].shape[0]
    plot(traces, OUT / f"{name}.png",
         f"{env_id}: N = {args.nodes}, T = {horizon}, {count} instances", cps)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
