"""Return vs decode accuracy of every Markov-coding-game method across compression rates.

The picture of Ebrahimi, Chen, Khisti (NeurIPS 2024, arXiv 2410.21666), Figure 4: one
panel per compression rate H(X)/R; MEC-B and the uniform-quantiser baseline trace their
trade-off as the temperature beta sweeps log beta in [-6, -3]; the plain MDP agents
(return-max, max-ent, random) and the message-only sender are single points.  Every point
is the mean over ``--episodes`` episodes (seeds 0, 1, ...) with standard-error bars, and
each protocol's decoding ceiling (sum over t of max over x of p(x, t): what a receiver
that learned T exactly would score) is a dotted vertical line.  ``--table`` writes the
numbers as a markdown table (compression 4 by default).  Usage::

    python scripts/coding/plot_frontier.py [--env MarkovCodingGame-v0] [--episodes 300]
        [--out docs/coding/frontier.png] [--table docs/coding/frontier_table.md]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import papergym  # noqa: E402

COMPRESSIONS = (1.0, 2.0, 4.0, 8.0)
LOG_BETAS = (-6.0, -4.5, -4.0, -3.5, -3.0)
SENDERS = (("mecb", "mecb", "o-"), ("uniform-quantizer", "uniform", "s--"),
           ("message-only", "mecb", "^:"))
BASELINES = (("return-max", "*"), ("max-ent", "D"), ("random", "x"))


def point(env_id: str, agent: str, episodes: int, **kw) -> dict[str, float]:
    """Mean and standard error of accuracy and return over seeds 0..episodes-1, and the
    protocol's decoding ceiling."""
    res = papergym.run(env_id, agent, seeds=episodes, **kw)
    acc = np.array([r.metrics["decode_accuracy"] for r in res])
    ret = np.array([r.metrics["mdp_return"] for r in res])
    se = np.sqrt(len(res))
    return {"accuracy": float(acc.mean()), "accuracy_se": float(acc.std(ddof=1) / se),
            "return": float(ret.mean()), "return_se": float(ret.std(ddof=1) / se),
            "ceiling": float(res[0].metrics["decoding_ceiling"]), "episodes": len(res)}


def measure(env_id: str, episodes: int, compressions=COMPRESSIONS, log_betas=LOG_BETAS,
            progress: bool = True) -> dict:
    """Every point of the figure, as a JSON-able dict keyed by compression."""
    out: dict = {}
    for comp in compressions:
        panel: dict = {"senders": {}, "baselines": {}}
        for agent, protocol, _ in SENDERS:
            panel["senders"][agent] = [
                {"log_beta": b, **point(env_id, agent, episodes, compression=comp,
                                        protocol=protocol, beta=float(np.exp(b)))}
                for b in log_betas]
        for agent, _ in BASELINES:
            panel["baselines"][agent] = point(env_id, agent, episodes, compression=comp)
        out[f"{comp:g}"] = panel
        if progress:
            print(f"compression {comp:g} done", flush=True)
    return out


def table(data: dict, compression: float = 4.0) -> str:
    """Markdown: return and accuracy (mean ± standard error) of MEC-B and the uniform
    quantiser per log beta at one compression, with each protocol's decoding ceiling."""
    panel = data[f"{compression:g}"]["senders"]
    mecb, uq = panel["mecb"], panel["uniform-quantizer"]
    lines = ["| log beta | return, MEC-B | return, uniform | accuracy, MEC-B | "
             "accuracy, uniform |",
             "|---|---|---|---|---|"]
    for a, b in zip(mecb, uq):
        lines.append(f"| {a['log_beta']:g} | {a['return']:+.2f} ± {a['return_se']:.2f} | "
                     f"{b['return']:+.2f} ± {b['return_se']:.2f} | "
                     f"{a['accuracy']:.3f} ± {a['accuracy_se']:.3f} | "
                     f"{b['accuracy']:.3f} ± {b['accuracy_se']:.3f} |")
    lines.append(f"| ceiling | | | {mecb[0]['ceiling']:.3f} | {uq[0]['ceiling']:.3f} |")
    return "\n".join(lines) + "\n"


def draw(data: dict, env_id: str, episodes: int, out: Path) -> Path:
    comps = list(data)
    fig, axes = plt.subplots(1, len(comps), figsize=(3.2 * len(comps), 3.6), sharey=True,
                             squeeze=False)
    axes = axes[0]
    for ax, comp in zip(axes, comps):
        panel = data[comp]
        for agent, _, style in SENDERS:
            pts = panel["senders"][agent]
            line = ax.errorbar([p["accuracy"] for p in pts], [p["return"] for p in pts],
                               xerr=[p["accuracy_se"] for p in pts],
                               yerr=[p["return_se"] for p in pts], fmt=style, ms=4,
                               capsize=2, lw=1, label=agent)
            if agent != "message-only":
                ax.axvline(pts[0]["ceiling"], color=line[0].get_color(), ls=":", lw=1)
        for agent, marker in BASELINES:
            p = panel["baselines"][agent]
            ax.errorbar(p["accuracy"], p["return"], xerr=p["accuracy_se"], yerr=p["return_se"],
                        fmt=marker, ms=7, capsize=2, label=agent)
        ax.set_title(f"H(X)/R = {comp}", fontsize=9)
        ax.set_xlabel("decode accuracy P(X_hat = X)", fontsize=8)
        ax.set_xlim(-0.03, 1.03)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("mean MDP return", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=len(labels),
               frameon=False)
    fig.suptitle(f"{env_id}: return vs accuracy, log beta in [-6, -3], {episodes} episodes "
                 "per point (bars: 1 s.e.; dotted: decoding ceiling)", fontsize=9)
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="MarkovCodingGame-v0")
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--compressions", type=float, nargs="+", default=list(COMPRESSIONS))
    parser.add_argument("--out", default="docs/coding/frontier.png")
    parser.add_argument("--table", default=None, help="also write the compression-4 table")
    parser.add_argument("--json", default=None, help="also write every point as JSON")
    ns = parser.parse_args(argv)
    if ns.episodes < 2:
        parser.error("--episodes must be >= 2 (standard errors)")
    data = measure(ns.env, ns.episodes, tuple(ns.compressions))
    out = draw(data, ns.env, ns.episodes, Path(ns.out))
    if ns.json:
        Path(ns.json).write_text(json.dumps(data, indent=1))
    if ns.table:
        comp = 4.0 if 4.0 in ns.compressions else ns.compressions[0]
        Path(ns.table).write_text(table(data, comp))
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
