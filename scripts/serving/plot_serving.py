"""The serving family's figures for docs/serving.md (about a minute on one core).

1. DistServe: goodput per GPU of the best disaggregated and the best colocated placement
   as the TPOT SLO tightens (OPT-13B, 4 GPUs, summarisation-like requests).
2. ExpertFlow: hit ratio and stall time against the route predictor's accuracy, with and
   without token regrouping, next to LRU and the per-batch oracle bound.
3. Routing: mean cost against mean quality as the cost weight lambda grows (Tryage's
   Pareto sweep), for the oracle and the learned routers.

    python scripts/serving/plot_serving.py [--out docs/serving]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from rich.progress import track  # noqa: E402

import papergym  # noqa: E402


def mean(env_id: str, agent: str, key: str, seeds: int = 2, **kwargs) -> float:
    return float(np.mean([r.metrics[key] for r in papergym.run(env_id, agent, seeds=seeds,
                                                                **kwargs)]))


def goodput_figure(out: Path) -> None:
    slos = [100.0, 60.0, 40.0, 30.0, 25.0]
    base = {"num_requests": 150, "gpu_budget": 4, "max_instances": 3, "slo_ttft_ms": 1000.0,
            "workload": "summarization"}
    rows = {a: [] for a in ("distserve-search", "colocated-best")}
    for slo in track(slos, description="goodput vs TPOT SLO"):
        for agent in rows:
            rows[agent].append(mean("DisaggregatedServing-v0", agent, "goodput_per_gpu",
                                    seeds=1, slo_tpot_ms=slo, **base))
    fig, ax = plt.subplots(figsize=(6, 4))
    for agent, label in (("distserve-search", "disaggregated (DistServe search)"),
                         ("colocated-best", "colocated (best config)")):
        ax.plot(slos, rows[agent], marker="o", label=label)
    ax.set_xlabel("TPOT SLO (ms), tighter to the right")
    ax.invert_xaxis()
    ax.set_ylabel("goodput (req/s per GPU)")
    ax.set_title("OPT-13B on 4 GPUs, TTFT SLO 1 s, 90% attainment")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "goodput_vs_tpot.png", dpi=150)
    plt.close(fig)


def expert_figure(out: Path) -> None:
    accuracies = [0.3, 0.5, 0.7, 0.85, 0.95]
    series = {("expert-predictive", False): ([], []), ("expert-predictive-regroup", True): ([], [])}
    for acc in track(accuracies, description="hit ratio vs accuracy"):
        for (agent, regroup), (hits, stalls) in series.items():
            runs = papergym.run("ExpertOffloading-v0", agent, seeds=2, num_tokens=512,
                                predictor_accuracy=acc, regroup=regroup)
            hits.append(np.mean([r.metrics["hit_ratio"] for r in runs]))
            stalls.append(np.mean([r.metrics["stall_ms"] for r in runs]) / 1000)
    lru = papergym.run("ExpertOffloading-v0", "expert-lru", seeds=2, num_tokens=512)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8))
    for (_agent, regroup), (hits, stalls) in series.items():
        label = "predictive + regrouping" if regroup else "predictive prefetch"
        ax1.plot(accuracies, hits, marker="o", label=label)
        ax2.plot(accuracies, stalls, marker="o", label=label)
    ax1.axhline(np.mean([r.metrics["hit_ratio"] for r in lru]), ls="--", c="grey", label="LRU")
    ax1.axhline(np.mean([r.metrics["oracle_hit_ratio"] for r in lru]), ls=":", c="k",
                label="oracle bound (FIFO batches)")
    ax2.axhline(np.mean([r.metrics["stall_ms"] for r in lru]) / 1000, ls="--", c="grey",
                label="LRU")
    ax1.set(xlabel="route predictor accuracy", ylabel="hit ratio", title="Expert cache hits")
    ax2.set(xlabel="route predictor accuracy", ylabel="stall time (s)",
            title="Transfer stalls, 512 tokens")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "experts_vs_accuracy.png", dpi=150)
    plt.close(fig)


def routing_figure(out: Path) -> None:
    lams = [0.0, 0.1, 0.3, 0.6, 1.0, 2.0, 4.0]
    agents = ("route-oracle", "route-predictive", "route-linucb")
    fig, ax = plt.subplots(figsize=(6, 4))
    for agent in track(agents, description="routing Pareto sweep"):
        size = [mean("LLMRouting-v0", agent, "mean_size_b", lam=lam, num_queries=400)
                for lam in lams]
        loss = [mean("LLMRouting-v0", agent, "mean_loss", lam=lam, num_queries=400)
                for lam in lams]
        ax.plot(size, loss, marker="o", label=agent)
    ax.set_xscale("log")
    ax.set(xlabel="mean model size (billions of parameters)", ylabel="mean loss",
           title="Tryage-style routing, lambda from 0 to 4")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "routing_pareto.png", dpi=150)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/serving"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    goodput_figure(args.out)
    expert_figure(args.out)
    routing_figure(args.out)
    print(f"wrote {args.out}/goodput_vs_tpot.png, experts_vs_accuracy.png, routing_pareto.png")


if __name__ == "__main__":
    main()
