"""The paper's regret experiment on CascadingRL-v0: CascadingVI against AdaptRM.

delta = 0.005, H = 5, S = 9, m = 3, N in {4, 8}, K = 10,000 episodes, 20 runs (the
paper's setup; instances from our generator, one per run seed).  Saves the mean cumulative
regret curves with 95% bands (``docs/cascading/regret_curves.png``), the running-time
table and the raw summary (``docs/cascading/regret_summary.json``).  Usage::

    python scripts/cascading/regret_curves.py [--runs 20] [--episodes 10000] [--out docs/cascading]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from rich.progress import Progress
from scipy import stats

from papergym.agents.cascading import AdaptRMAgent, CascadingVIAgent
from papergym.agents.cascading.runs import regret_trace

AGENTS = {"CascadingVI": CascadingVIAgent, "AdaptRM": AdaptRMAgent}
POINTS = 200


def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% t-interval half-width over axis 0."""
    n = values.shape[0]
    half = stats.t.ppf(0.975, n - 1) * values.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 \
        else np.zeros(values.shape[1:])
    return values.mean(axis=0), half


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--n-items", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--delta", type=float, default=0.005)
    parser.add_argument("--out", type=Path, default=Path("docs/cascading"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    idx = np.unique(np.linspace(0, args.episodes - 1, POINTS).astype(int))
    summary: dict = {"runs": args.runs, "episodes": args.episodes, "delta": args.delta,
                     "sizes": {"n_states": 9, "horizon": 5, "list_size": 3}, "results": {}}
    curves: dict = {}
    total = len(args.n_items) * len(AGENTS) * args.runs
    with Progress() as progress:
        task = progress.add_task("regret runs", total=total)
        for n in args.n_items:
            for name, cls in AGENTS.items():
                finals, times, rows = [], [], []
                for seed in range(args.runs):
                    trace, spent = regret_trace(cls(delta=args.delta), seed, n_states=9,
                                                n_items=n, list_size=3, horizon=5,
                                                num_episodes=args.episodes)
                    rows.append(trace[idx])
                    finals.append(float(trace[-1]))
                    times.append(spent)
                    progress.advance(task)
                rows_arr = np.array(rows)
                curves[(n, name)] = rows_arr
                f_mean, f_half = band(np.array(finals)[:, None])
                t_mean, t_half = band(np.array(times)[:, None])
                summary["results"][f"N={n} {name}"] = {
                    "final_regret_mean": float(f_mean[0]), "final_regret_ci95": float(f_half[0]),
                    "agent_seconds_mean": float(t_mean[0]), "agent_seconds_ci95": float(t_half[0]),
                    "half_regret_mean": float(rows_arr[:, len(idx) // 2 - 1].mean())}
    (args.out / "regret_summary.json").write_text(json.dumps(summary, indent=2))
    plot(curves, idx + 1, args)
    for key, row in summary["results"].items():
        print(f"{key:18s} regret {row['final_regret_mean']:9.1f} +- {row['final_regret_ci95']:7.1f}"
              f"   time {row['agent_seconds_mean']:6.2f} +- {row['agent_seconds_ci95']:5.2f} s")
    return 0


def plot(curves: dict, x: np.ndarray, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(args.n_items), figsize=(5.2 * len(args.n_items), 4.0),
                             squeeze=False)
    colours = {"CascadingVI": "tab:blue", "AdaptRM": "tab:red"}
    for ax, n in zip(axes[0], args.n_items):
        for name in AGENTS:
            mean, half = band(curves[(n, name)])
            ax.plot(x, mean, label=name, color=colours[name])
            ax.fill_between(x, mean - half, mean + half, color=colours[name], alpha=0.25)
        ax.set_title(f"CascadingRL-v0, N = {n} (S = 9, H = 5, m = 3)")
        ax.set_xlabel("episode k")
        ax.set_ylabel("cumulative regret")
        ax.legend(loc="upper left", title=f"mean, 95% band, {args.runs} runs")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out / "regret_curves.png", dpi=150)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
