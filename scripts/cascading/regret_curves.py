"""The paper's regret experiment on CascadingRL-v0: CascadingVI against AdaptRM.

delta = 0.005, H = 5, S = 9, m = 3, N in {4, 8}, K = 10,000 episodes, 20 runs (the
paper's setup; instances from our generator, one per run seed).  Saves the raw curves
(``regret_runs.npz``), the summary with the running-time table (``regret_summary.json``)
and the mean cumulative regret curves with 95% bands (``regret_curves.png``) in ``--out``.
Usage::

    python scripts/cascading/regret_curves.py [--runs 20] [--episodes 10000] [--workers 1]
    python scripts/cascading/regret_curves.py --plot-only   # redraw from regret_runs.npz

Running time is the agent's own (``act`` + ``observe``), measured inside each run.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from papergym.agents.cascading import AdaptRMAgent, CascadingVIAgent
from papergym.agents.cascading.runs import regret_trace

AGENTS = {"CascadingVI": CascadingVIAgent, "AdaptRM": AdaptRMAgent}
POINTS = 200


def t_quantile(n: int) -> float:
    """The 97.5% quantile of Student's t with n - 1 degrees of freedom."""
    try:
        from scipy import stats
    except ImportError:  # a bare machine: the normal quantile
        return 1.959964
    return float(stats.t.ppf(0.975, n - 1))


def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% t-interval half-width over axis 0."""
    n = values.shape[0]
    if n < 2:
        return values.mean(axis=0), np.zeros(values.shape[1:])
    return values.mean(axis=0), t_quantile(n) * values.std(axis=0, ddof=1) / np.sqrt(n)


def one_run(job: tuple[str, int, int, int, float]) -> tuple[str, int, int, np.ndarray, float]:
    name, n_items, seed, episodes, delta = job
    trace, spent = regret_trace(AGENTS[name](delta=delta), seed, n_states=9, n_items=n_items,
                                list_size=3, horizon=5, num_episodes=episodes)
    idx = np.unique(np.linspace(0, episodes - 1, POINTS).astype(int))
    return name, n_items, seed, trace[idx], spent


def run(args) -> None:
    jobs = [(name, n, seed, args.episodes, args.delta) for n in args.n_items
            for name in AGENTS for seed in range(args.runs)]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(one_run, jobs))
    else:
        try:
            from rich.progress import track
        except ImportError:
            def track(x, **_):
                return x
        results = [one_run(job) for job in track(jobs, description="regret runs")]
    arrays = {}
    for n in args.n_items:
        for name in AGENTS:
            rows = sorted((r for r in results if r[0] == name and r[1] == n), key=lambda r: r[2])
            arrays[f"curve_{name}_{n}"] = np.array([r[3] for r in rows])
            arrays[f"time_{name}_{n}"] = np.array([r[4] for r in rows])
    idx = np.unique(np.linspace(0, args.episodes - 1, POINTS).astype(int))
    np.savez_compressed(args.out / "regret_runs.npz", episodes=idx + 1,
                        n_items=np.array(args.n_items), runs=args.runs, delta=args.delta,
                        **arrays)


def summarise(args) -> dict:
    data = np.load(args.out / "regret_runs.npz")
    summary: dict = {"runs": int(data["runs"]), "episodes": int(data["episodes"][-1]),
                     "delta": float(data["delta"]),
                     "sizes": {"n_states": 9, "horizon": 5, "list_size": 3}, "results": {}}
    for n in data["n_items"].tolist():
        for name in AGENTS:
            curves, times = data[f"curve_{name}_{n}"], data[f"time_{name}_{n}"]
            f_mean, f_half = band(curves[:, -1:])
            t_mean, t_half = band(times[:, None])
            mid = len(data["episodes"]) // 2 - 1
            summary["results"][f"N={n} {name}"] = {
                "final_regret_mean": float(f_mean[0]), "final_regret_ci95": float(f_half[0]),
                "regret_at_half_K_mean": float(curves[:, mid].mean()),
                "half_K": int(data["episodes"][mid]),
                "agent_seconds_mean": float(t_mean[0]), "agent_seconds_ci95": float(t_half[0])}
    (args.out / "regret_summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def plot(args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = np.load(args.out / "regret_runs.npz")
    sizes = data["n_items"].tolist()
    x = data["episodes"]
    fig, axes = plt.subplots(1, len(sizes), figsize=(5.4 * len(sizes), 4.2), squeeze=False)
    colours = {"CascadingVI": "tab:blue", "AdaptRM": "tab:red"}
    for ax, n in zip(axes[0], sizes):
        for name in AGENTS:
            mean, half = band(data[f"curve_{name}_{n}"])
            ax.plot(x, mean, label=name, color=colours[name])
            ax.fill_between(x, mean - half, mean + half, color=colours[name], alpha=0.25)
        ax.set_title(f"CascadingRL-v0, N = {n} (S = 9, H = 5, m = 3)")
        ax.set_xlabel("episode k")
        ax.set_ylabel("cumulative regret")
        ax.legend(loc="upper left", title=f"mean, 95% band, {int(data['runs'])} runs")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out / "regret_curves.png", dpi=150)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--n-items", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--delta", type=float, default=0.005)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("docs/cascading"))
    parser.add_argument("--plot-only", action="store_true")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.plot_only:
        run(args)
    summary = summarise(args)
    if not args.no_plot:
        plot(args)
    for key, row in summary["results"].items():
        print(f"{key:18s} regret {row['final_regret_mean']:9.1f} +- {row['final_regret_ci95']:7.1f}"
              f"   agent time {row['agent_seconds_mean']:6.2f} +- {row['agent_seconds_ci95']:5.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
