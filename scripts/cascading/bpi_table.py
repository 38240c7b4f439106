"""The paper's BPI experiment, at reduced sizes: CascadingBPI against AdaptBPI.

epsilon = 0.5, delta = 0.005, N in {4, ..., 8} as in the paper; S = 2, H = 2, m = 2 are ours
(with our confidence radii the paper's S = 9, H = 5 needs ~10^5 episodes per run), one
instance per seed, runs censored at ``--max-episodes``.  Saves ``bpi_summary.json`` and
``bpi_samples.png`` (samples and wall time against N, mean and 95% band) in ``--out``::

    python scripts/cascading/bpi_table.py [--seeds 3] [--max-episodes 30000]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from papergym.agents.cascading import AdaptBPIAgent, CascadingBPIAgent
from papergym.agents.cascading.bpi import identify
from papergym.envs.cascading.model import generate_instance

AGENTS = {"CascadingBPI": CascadingBPIAgent, "AdaptBPI": AdaptBPIAgent}


def band(x) -> tuple[float, float]:
    x = np.asarray(x, float)
    if len(x) < 2:
        return float(x.mean()), 0.0
    from scipy import stats

    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1)
                                  / np.sqrt(len(x)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-episodes", type=int, default=30_000)
    parser.add_argument("--epsilon", type=float, default=0.5)
    parser.add_argument("--delta", type=float, default=0.005)
    parser.add_argument("--n-items", type=int, nargs="+", default=[4, 5, 6, 7, 8])
    parser.add_argument("--out", type=Path, default=Path("docs/cascading"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from rich.progress import track

    jobs = [(n, seed) for n in args.n_items for seed in range(args.seeds)]
    raw: dict = {name: {} for name in AGENTS}
    for n, seed in track(jobs, description="BPI runs"):
        inst = generate_instance(np.random.default_rng(seed), 2, n, 2, 2)
        for name, cls in AGENTS.items():
            r = identify(cls(epsilon=args.epsilon, delta=args.delta), inst, seed=seed,
                         max_episodes=args.max_episodes)
            raw[name].setdefault(n, []).append(
                {"samples": r.samples, "stopped": r.stopped, "gap": r.gap, "seconds": r.seconds})
    summary = {"epsilon": args.epsilon, "delta": args.delta, "seeds": args.seeds,
               "max_episodes": args.max_episodes,
               "sizes": {"n_states": 2, "horizon": 2, "list_size": 2}, "results": {}}
    for name in AGENTS:
        for n in args.n_items:
            rows = raw[name][n]
            s_mean, s_half = band([r["samples"] for r in rows])
            t_mean, t_half = band([r["seconds"] for r in rows])
            summary["results"][f"N={n} {name}"] = {
                "samples_mean": s_mean, "samples_ci95": s_half, "seconds_mean": t_mean,
                "seconds_ci95": t_half, "stopped": sum(r["stopped"] for r in rows),
                "max_gap": max(r["gap"] for r in rows), "runs": len(rows)}
    (args.out / "bpi_summary.json").write_text(json.dumps(summary, indent=2))
    plot(summary, args)
    for key, row in summary["results"].items():
        print(f"{key:16s} samples {row['samples_mean']:8.0f} +- {row['samples_ci95']:6.0f}  "
              f"time {row['seconds_mean']:6.2f} s  stopped {row['stopped']}/{row['runs']}  "
              f"max gap {row['max_gap']:.3f}")
    return 0


def plot(summary: dict, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.0))
    colours = {"CascadingBPI": "tab:blue", "AdaptBPI": "tab:red"}
    for ax, key, label in ((axes[0], "samples", "episodes until the stopping rule"),
                           (axes[1], "seconds", "wall time (s)")):
        for name in AGENTS:
            rows = [summary["results"][f"N={n} {name}"] for n in args.n_items]
            mean = np.array([r[f"{key}_mean"] for r in rows])
            half = np.array([r[f"{key}_ci95"] for r in rows])
            ax.plot(args.n_items, mean, marker="o", color=colours[name], label=name)
            ax.fill_between(args.n_items, mean - half, mean + half, color=colours[name],
                            alpha=0.25)
        ax.set_xlabel("N (items)")
        ax.set_ylabel(label)
        ax.set_xticks(args.n_items)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", title=f"mean, 95% band, {args.seeds} seeds")
    axes[0].axhline(args.max_episodes, color="grey", ls=":", lw=1)
    fig.suptitle(f"BPI, epsilon = {args.epsilon} (S = 2, H = 2, m = 2; censored at "
                 f"{args.max_episodes:,})")
    fig.tight_layout()
    fig.savefig(args.out / "bpi_samples.png", dpi=150)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
