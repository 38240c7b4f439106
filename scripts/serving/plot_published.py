"""DistServe's real-system measurements against our simulator (docs/serving.md).

Draws docs/serving/real_vs_simulated.png: SLO attainment against the per-GPU rate for
OPT-13B on ShareGPT (TTFT 0.25 s, TPOT 0.1 s), the measured vLLM and DeepSpeed-MII curves
of the authors' notebook, our simulated vLLM and DistServe (default ShareGPT sampler, with
the spread over the sampler's assumption), and DistServe's measured goodput at 90% and
98.5%. Prints the markdown tables of docs/serving.md. About a minute on one core.

    python scripts/serving/plot_published.py [--out docs/serving] [--seeds 10]
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from rich.progress import track  # noqa: E402

from papergym.envs.serving import validation as V  # noqa: E402
from papergym.envs.serving.published import CURVES, DISTSERVE_GOODPUT  # noqa: E402

SAMPLERS = {
    "DistServe preprocessing, 4 rounds (default)": V.sample_sharegpt_distserve,
    "DistServe preprocessing, 2.5 rounds": functools.partial(V.sample_sharegpt_distserve,
                                                             mean_rounds=2.5),
    "DistServe preprocessing, 8 rounds": functools.partial(V.sample_sharegpt_distserve,
                                                           mean_rounds=8.0),
    "first rounds only": V.sample_sharegpt_first_round,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/serving"))
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    real = CURVES["vllm-opt-13b-sharegpt"]
    rates = np.asarray(real.xs)
    vllm, distserve, ratios = {}, {}, {}
    for name, sampler in track(list(SAMPLERS.items()), description="samplers"):
        vllm[name] = V.compare_curve("vllm-opt-13b-sharegpt", "vLLM", sampler, args.seeds)
        # DistServe on the same rate grid (per GPU; 3 GPUs, 300 requests per point)
        distserve[name] = V.compare_curve("vllm-opt-13b-sharegpt", "DistServe", sampler,
                                          args.seeds, requests=300)
        ratios[name] = {t: V.compare_goodput_ratio(t, sampler, args.seeds) for t in (90.0, 98.5)}

    default = next(iter(SAMPLERS))
    print("| per-GPU rate (req/s) | vLLM real (%) | vLLM ours (%) | error (points) |")
    print("|---|---|---|---|")
    comp = vllm[default]
    for x, r, o, sd, e in zip(rates, real.attainment_pct, comp.ours_pct, comp.ours_sd_pct,
                              comp.error_pp):
        print(f"| {x:g} | {r:g} | {o:.1f} ± {sd:.1f} | {e:+.1f} |")
    print()
    print("| sampler | mean abs error | worst | DistServe@90 | vLLM@90 | ratio@90 | "
          "DistServe@98.5 | vLLM@98.5 |")
    print("|---|---|---|---|---|---|---|---|")
    for name in SAMPLERS:
        c, r90, r98 = vllm[name], ratios[name][90.0], ratios[name][98.5]
        print(f"| {name} | {c.mean_abs_error_pp:.1f} | {c.max_abs_error_pp:.1f} | "
              f"{r90.ours_distserve:.2f} | {r90.ours_vllm:.2f} | {r90.ours_ratio:.2f} | "
              f"{r98.ours_distserve:.2f} | {r98.ours_vllm:.2f} |")

    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ax.plot(rates, real.attainment_pct, "v-", color="C1", lw=2, label="vLLM, real")
    mii = CURVES["deepspeed-mii-opt-13b-sharegpt"]
    ax.plot(mii.xs, mii.attainment_pct, "D-", color="C2", lw=1.5, alpha=0.7,
            label="DeepSpeed-MII, real")
    for series, color, label in ((vllm, "C1", "vLLM, simulated"),
                                 (distserve, "C0", "DistServe, simulated")):
        curves = np.array([c.ours_pct for c in series.values()])
        ax.plot(rates, series[default].ours_pct, "o--", color=color, label=label)
        ax.fill_between(rates, curves.min(axis=0), curves.max(axis=0), color=color, alpha=0.15)
    for target, marker in ((90.0, "*"), (98.5, "P")):
        ax.plot([DISTSERVE_GOODPUT[("opt-13b", "sharegpt", target)]], [target], marker,
                color="C0", ms=14, mec="k", ls="none",
                label=f"DistServe, real: goodput at {target:g}%")
    ax.axhline(90, color="grey", ls=":", lw=1)
    ax.set_xlabel("per-GPU rate (req/s)")
    ax.set_ylabel("SLO attainment (%)")
    ax.set_ylim(40, 102)
    ax.set_title("OPT-13B, ShareGPT, TTFT 0.25 s / TPOT 0.1 s\n"
                 "real: DistServe notebook (Fig. 8); bands: ShareGPT sampler assumptions",
                 fontsize=10)
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    fig.tight_layout()
    fig.savefig(args.out / "real_vs_simulated.png", dpi=150)
    plt.close(fig)


if __name__ == "__main__":
    main()
