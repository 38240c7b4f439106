"""Return vs decode accuracy of every Markov-coding-game method across compression rates.

The picture of Ebrahimi, Chen, Khisti (NeurIPS 2024, arXiv 2410.21666), Figure 4: one
panel per compression rate H(X)/R; MEC-B and the uniform-quantiser baseline trace their
trade-off as the temperature beta sweeps log beta in [-6, -3]; the plain MDP agents
(return-max, max-ent, random) and the message-only sender are single points.  Usage::

    python scripts/plot_mcg_frontier.py [--env MarkovCodingGame-v0] [--episodes 100]
                                        [--out docs/mcg_frontier.png]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import papergym  # noqa: E402


@dataclass
class Args:
    env: str = "MarkovCodingGame-v0"
    episodes: int = 100
    compressions: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    log_betas: tuple[float, ...] = (-6.0, -5.0, -4.5, -4.0, -3.5, -3.0)
    out: str = "docs/mcg_frontier.png"
    extra: dict = field(default_factory=dict)


def mean_point(env_id: str, agent: str, episodes: int, **kw) -> tuple[float, float]:
    res = papergym.run(env_id, agent, seeds=episodes, **kw)
    return (float(np.mean([r.metrics["decode_accuracy"] for r in res])),
            float(np.mean([r.metrics["mdp_return"] for r in res])))


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default=Args.env)
    parser.add_argument("--episodes", type=int, default=Args.episodes)
    parser.add_argument("--out", default=Args.out)
    ns = parser.parse_args(argv)
    args = Args(env=ns.env, episodes=ns.episodes, out=ns.out)
    fig, axes = plt.subplots(1, len(args.compressions), figsize=(11, 3.0), sharey=True)
    for ax, comp in zip(axes, args.compressions):
        for agent, protocol, style in (("mecb", "mecb", "o-"),
                                       ("uniform-quantizer", "uniform", "s--"),
                                       ("message-only", "mecb", "^:")):
            pts = [mean_point(args.env, agent, args.episodes, compression=comp, protocol=protocol,
                              beta=float(np.exp(b))) for b in args.log_betas]
            ax.plot(*zip(*pts), style, ms=4, label=agent)
        for agent, marker in (("return-max", "*"), ("max-ent", "D"), ("random", "x")):
            acc, ret = mean_point(args.env, agent, args.episodes, compression=comp)
            ax.plot(acc, ret, marker, ms=7, label=agent)
        ax.set_title(f"H(X)/R = {comp:g}", fontsize=9)
        ax.set_xlabel("decode accuracy P(X_hat = X)", fontsize=8)
        ax.set_xlim(-0.03, 1.03)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("mean MDP return", fontsize=8)
    axes[-1].legend(fontsize=6, loc="lower left")
    fig.suptitle(f"{args.env}: return vs accuracy, log beta in [-6, -3], "
                 f"{args.episodes} episodes per point", fontsize=9)
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150, bbox_inches="tight")
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
