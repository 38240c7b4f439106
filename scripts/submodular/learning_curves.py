#!/usr/bin/env python
"""Learning curves of SubPO against the modular-reward policy gradient (and the
natural-gradient variant, optionally the non-Markov policy), mean and band over seeds, at
the authors' sizes: 500 trajectories per update, 50 epochs.

    python scripts/submodular/learning_curves.py              # docs/submodular/*.png, .json
    python scripts/submodular/learning_curves.py --seeds 2 --epochs 10 --out /tmp/lc

Each curve point is the mean F(tau) of one epoch's 500 sampled trajectories (before the
update); the dashed line is the greedy planner's F on the same instance.  Also draws the
trajectories SubPO and the modular agent sample after training (``trajectories.png``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import papergym  # noqa: F401  (registers the ids)
from papergym.agents.submodular._pg import PGConfig, PolicyGradientTrainer
from papergym.envs.submodular.planners import greedy_rollout, mean_revisit_rate
from papergym.envs.submodular.render import draw

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {
    "coverage (30x30, H=80, constant)": "SubmodularCoverage-v0",
    "bimodal (30x30, H=40)": "SubmodularCoverageBimodal-v0",
    "two rooms (7x14, H=40)": "SubmodularTwoRooms-v0",
    "capped items (7x15, H=40)": "SubmodularCappedItems-v0",
    "informative path (30x30, H=40)": "SubmodularInformativePath-v0",
}
AGENTS = {
    "SubPO (marginal gains)": {"reward": "marginal"},
    "SubPO, natural gradient": {"reward": "marginal", "update": "natural"},
    "modular-reward PG": {"reward": "modular"},
}
NON_MARKOV = {"non-Markov PG (history MLP)": {"reward": "marginal", "policy": "history"}}
COLORS = {"SubPO (marginal gains)": "tab:blue", "SubPO, natural gradient": "tab:green",
          "modular-reward PG": "tab:red", "non-Markov PG (history MLP)": "tab:purple"}


def run(seeds: int, epochs: int, batch: int, with_nm: bool,
        settings: list[str] | None = None) -> dict:
    from tqdm import tqdm

    agents = {**AGENTS, **(NON_MARKOV if with_nm else {})}
    out: dict = {"epochs": epochs, "batch_size": batch, "seeds": seeds, "settings": {}}
    chosen = [s for s in SETTINGS if settings is None or SETTINGS[s] in settings]
    jobs = [(s, a, seed) for s in chosen for a in agents for seed in range(seeds)]
    bar = tqdm(jobs, desc="training")
    for setting, agent, seed in bar:
        bar.set_postfix_str(f"{agent} / {setting.split(' (')[0]} / seed {seed}")
        env = gym.make(SETTINGS[setting])
        env.reset(seed=seed)
        problem = env.unwrapped.model()
        start = time.perf_counter()
        trainer = PolicyGradientTrainer(problem, PGConfig(epochs=epochs, batch_size=batch,
                                                          **agents[agent]), seed=seed)
        curve = trainer.train()
        final = trainer.rollout(batch, np.random.default_rng(10_000 + seed))
        entry = out["settings"].setdefault(setting, {"greedy": [], "agents": {}})
        if len(entry["greedy"]) <= seed:
            entry["greedy"].append(greedy_rollout(problem)[0])
        rec = entry["agents"].setdefault(agent, {"curves": [], "final": [], "revisit": [],
                                                 "seconds": [], "paths": []})
        rec["curves"].append(curve)
        rec["final"].append(float(final.values.mean()))
        rec["revisit"].append(mean_revisit_rate(final.cells))
        rec["seconds"].append(time.perf_counter() - start)
        best = int(np.argmax(final.values))
        rec["paths"].append(final.cells[best].tolist())
    return out


def plot(data: dict, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = list(data["settings"])
    ncols = min(3, len(settings))
    nrows = -(-(len(settings) + 1) // ncols) if len(settings) > 2 else 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 3.9 * nrows), squeeze=False)
    flat = axes.ravel()
    for ax, setting in zip(flat, settings):
        entry = data["settings"][setting]
        for agent, rec in entry["agents"].items():
            curves = np.array(rec["curves"])
            x = np.arange(1, curves.shape[1] + 1)
            mean, std = curves.mean(0), curves.std(0)
            ax.plot(x, mean, color=COLORS.get(agent), label=agent)
            ax.fill_between(x, mean - std, mean + std, color=COLORS.get(agent), alpha=0.2)
        ax.axhline(np.mean(entry["greedy"]), color="black", ls="--", lw=1, label="greedy planner")
        ax.set_title(setting, fontsize=10)
        ax.set_xlabel(f"epoch ({data['batch_size']} trajectories each)")
        ax.set_ylabel("mean F(τ) of the batch")
        ax.grid(alpha=0.3)
    handles, labels = flat[0].get_legend_handles_labels()
    for ax in flat[len(settings):]:
        ax.axis("off")
    if len(flat) > len(settings):
        flat[-1].legend(handles, labels, loc="center", fontsize=10, frameon=False)
        bottom = 0.0
    else:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9,
                   frameon=False)
        bottom = 0.08
    fig.suptitle(f"SubPO vs the modular-reward policy gradient (mean ± std over "
                 f"{data['seeds']} seeds)", fontsize=11)
    fig.tight_layout(rect=(0, bottom, 1, 0.96))
    fig.savefig(folder / "learning_curves.png", dpi=150)
    plt.close(fig)

    # the best sampled trajectory of each agent after training, on the first setting's seed 0
    setting = settings[1] if len(settings) > 1 else settings[0]
    env = gym.make(SETTINGS[setting])
    env.reset(seed=0)
    problem = env.unwrapped.model()
    agents = [a for a in data["settings"][setting]["agents"] if "natural" not in a]
    fig, axes = plt.subplots(1, len(agents), figsize=(4.2 * len(agents), 4.6))
    for ax, agent in zip(np.atleast_1d(axes), agents):
        path = data["settings"][setting]["agents"][agent]["paths"][0]
        state = problem.trajectory_state()
        for c in path:
            state.add(c)
        ax.imshow(draw(problem, state.covered, path))
        ax.set_title(f"{agent}\nF = {state.value:.1f}, {len(set(path))} distinct cells",
                     fontsize=9)
        ax.axis("off")
    fig.suptitle(f"{setting}: the best of {data['batch_size']} trajectories sampled after "
                 "training (orange; red: the end; white box: the start)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(folder / "trajectories.png", dpi=150)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--with-nm", action="store_true", help="also the non-Markov policy")
    parser.add_argument("--ids", nargs="*", default=None, choices=list(SETTINGS.values()),
                        help="only these settings (default: all four)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "submodular")
    parser.add_argument("--plot-only", action="store_true", help="replot the saved JSON")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "learning_curves.json"
    if args.plot_only:
        data = json.loads(path.read_text())
    else:
        data = run(args.seeds, args.epochs, args.batch, args.with_nm, args.ids)
        path.write_text(json.dumps(data))
    plot(data, args.out)
    for setting, entry in data["settings"].items():
        print(f"{setting}: greedy {np.mean(entry['greedy']):.1f}")
        for agent, rec in entry["agents"].items():
            print(f"  {agent:<30} final F {np.mean(rec['final']):7.1f} ± "
                  f"{np.std(rec['final']):5.1f}  revisit {np.mean(rec['revisit']):.2f}  "
                  f"{np.mean(rec['seconds']):5.1f} s/run")


if __name__ == "__main__":
    main()
