"""Competitive ratio against prediction error rate, one curve per algorithm, per cache size.

The figure of the learning-augmented paging literature, on ``Paging-v0``: one row per
prediction kind (the paper's discard and phase bits, and next-arrival predictions), one
column per cache size ``k``; each curve is an algorithm's mean competitive ratio (faults /
Belady's) over seeds, with standard-error bars, against the measured fraction of wrong
predictions (``info["metrics"]["error_rate"]``, set by ``noise``).  LRU and Marker ignore
predictions: dotted horizontal lines.  Zipf(1.0) requests over ``5k`` pages.  Usage::

    python scripts/paging/plot_ratio_vs_error.py [--seeds 5] [--horizon 2000]
        [--ks 4 16 64] [--out docs/paging/ratio_vs_error.png] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from rich.progress import Progress  # noqa: E402

import papergym  # noqa: E402

AGENTS = {
    "discard": ["discard-predictions", "discard-predictions-randomized", "follow-discard-bit"],
    "phase": ["phase-predictions", "follow-phase-bit"],
    "next_arrival": ["blind-oracle", "predictive-marker", "lmarker", "robust-blind-oracle"],
}
BASELINES = ["lru", "marker"]
NOISE = [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0]
TITLES = {"discard": "discard bits (paper)", "phase": "phase bits (paper)",
          "next_arrival": "next-arrival predictions"}


def measure(agent: str, seeds: list[int], **env_kwargs) -> tuple[float, float, float]:
    """(mean error rate, mean competitive ratio, its standard error) over ``seeds``."""
    results = papergym.run("Paging-v0", agent, seeds=seeds, **env_kwargs)
    ratios = np.array([r.metrics["competitive_ratio"] for r in results])
    errors = np.array([r.metrics["error_rate"] for r in results])
    sem = ratios.std(ddof=1) / np.sqrt(len(ratios)) if len(ratios) > 1 else 0.0
    return float(errors.mean()), float(ratios.mean()), float(sem)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="episodes per point (seeds 0..n-1)")
    parser.add_argument("--horizon", type=int, default=2000, help="requests per episode")
    parser.add_argument("--ks", type=int, nargs="+", default=[4, 16, 64], help="cache sizes")
    parser.add_argument("--noise", type=float, nargs="+", default=NOISE, help="noise levels")
    parser.add_argument("--out", default="docs/paging/ratio_vs_error.png")
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, 300 requests, k = 4, two noise levels (a smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.horizon, args.ks, args.noise = 2, 300, [4], [0.0, 0.5]
    if args.dpi < 150:
        parser.error("--dpi must be >= 150")
    seeds = list(range(args.seeds))
    modes = list(AGENTS)
    jobs = sum(len(AGENTS[m]) * len(args.noise) + len(BASELINES) for m in modes) * len(args.ks)
    fig, axes = plt.subplots(len(modes), len(args.ks), squeeze=False,
                             figsize=(4.2 * len(args.ks), 3.4 * len(modes)))
    colours = plt.get_cmap("tab10")
    with Progress(transient=True) as progress:
        task = progress.add_task("ratio vs error (curve points)", total=jobs)

        def advance() -> None:
            progress.advance(task)

        for row, mode in enumerate(modes):
            for col, k in enumerate(args.ks):
                ax = axes[row][col]
                kwargs = dict(k=k, n_pages=5 * k, horizon=args.horizon, prediction=mode)
                for i, agent in enumerate(AGENTS[mode]):
                    points = []
                    for noise in args.noise:
                        points.append(measure(agent, seeds, noise=noise, **kwargs))
                        advance()
                    x, y, err = map(np.array, zip(*points))
                    # a combiner overlaps what it follows: dashed, so both stay visible
                    style = "--" if agent.startswith("robust") else "-"
                    ax.errorbar(x, y, yerr=err, marker="os^D"[i % 4], ms=3.5, capsize=2,
                                lw=1.3, ls=style, color=colours(i), label=agent)
                for j, agent in enumerate(BASELINES):
                    _, y, _ = measure(agent, seeds, noise=0.0, **kwargs)
                    advance()
                    ax.axhline(y, ls=":", lw=1.2, color=colours(7 + j), label=agent)
                ax.set_title(f"{TITLES[mode]}, k = {k}", fontsize=10)
                ax.set_xlabel("prediction error rate (wrong predictions / T)")
                ax.set_ylabel("competitive ratio (faults / OPT)")
                ax.grid(alpha=0.3)
            axes[row][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(f"Paging-v0: competitive ratio against prediction error "
                 f"(Zipf(1.0), 5k pages, T = {args.horizon}, {args.seeds} seeds, mean ± s.e.)",
                 fontsize=11)
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=args.dpi, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
