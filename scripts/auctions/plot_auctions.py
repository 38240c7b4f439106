"""The auctions family's figures for docs/auctions.md (and the figures it quotes).

- ``docs/auctions/levers.png``: the ROI-only lever's ratio to the optimum on our gap family
  (and on random pools), the budget-only lever's.
- ``docs/auctions/learning.png``: cumulative pseudo-regret of the learner and baselines;
  the learner's running average ROI violation where the ROI binds.
- ``docs/auctions/position.png``: efficiency of each allocation rule per click model and
  objective.

Usage::

    python scripts/auctions/plot_auctions.py [--horizon 2000] [--seeds 3] [--out docs/auctions]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import papergym  # noqa: E402
from papergym.envs.auctions.channels import (  # noqa: E402
    budget_only,
    channel_response,
    draw_pool,
    global_optimum,
    roi_gap_pool,
    roi_only,
)

ROI_BINDS = {"generator": "correlated", "budget": 40.0, "target_roi": 1.3}
LEARNERS = ("primal-dual-ucb", "epsilon-greedy", "equal-split", "proportional")


def trace(agent_name: str, seed: int, horizon: int, **kwargs) -> dict[str, np.ndarray]:
    """One episode's per-period pseudo-regret and ROI slack."""
    env = gym.make("MultiChannelAutobidding-v0", horizon=horizon, **kwargs)
    agent = papergym.make_agent(agent_name)
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed)
    agent.reset(obs, info, env_model=env.unwrapped.model(), seed=seed)
    regret, slack = [], []
    done = False
    while not done:
        action = agent.act(obs, info)
        obs, reward, done, truncated, info = env.step(action)
        agent.observe(action, reward, obs, done, truncated, info)
        regret.append(info["regret"])
        slack.append(env.unwrapped.target_roi * info["spend"].sum()
                     - info["expected_conversions"].sum())
    return {"regret": np.array(regret), "slack": np.array(slack)}


def lever_panel(ax) -> dict[str, float]:
    eps = np.logspace(-3, -0.3, 12)
    ratios = []
    for e in eps:
        pool, budget, roi = roi_gap_pool(float(e))
        ratios.append(roi_only(pool, budget, roi)[0].value / global_optimum(pool, budget, roi).value)
    rng = np.random.default_rng(0)
    random_roi, random_budget = [], []
    for t in range(200):
        pool = draw_pool(rng, rng.integers(5, 40, size=3), ("uniform", "lognormal",
                                                          "correlated")[t % 3])
        budget = float(rng.uniform(0.05, 1.0) * pool.total_cost.sum())
        opt = global_optimum(pool, budget, 1.0).value
        if opt <= 0:
            continue
        random_roi.append(roi_only(pool, budget, 1.0)[0].value / opt)
        conv, _ = channel_response(pool, budget_only(pool, budget, 1.0), np.zeros(3))
        random_budget.append(conv.sum() / opt)
    ax.loglog(eps, ratios, "o-", label="ROI-only, gap family (ours)")
    ax.loglog(eps, np.ones_like(eps), "s--", label="budget-only (every instance)")
    ax.axhline(np.mean(random_roi), color="grey", ls=":",
               label=f"ROI-only, 200 random pools (mean {np.mean(random_roi):.3f})")
    ax.set_xlabel("gap-family parameter epsilon")
    ax.set_ylabel("conversions / global optimum")
    ax.set_title("One lever at a time")
    ax.legend(fontsize=8, loc="lower right")
    return {"roi_random_mean": float(np.mean(random_roi)),
            "roi_random_min": float(np.min(random_roi)),
            "budget_random_min": float(np.min(random_budget))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default="docs/auctions")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    fig, ax = plt.subplots(figsize=(6, 4.2))
    figures = lever_panel(ax)
    fig.tight_layout()
    fig.savefig(out / "levers.png", dpi=160)
    plt.close(fig)
    print("levers:", {k: round(v, 4) for k, v in figures.items()})

    runs = {}
    jobs = [(name, config, seed) for config in ("default", "roi") for name in LEARNERS
            for seed in range(args.seeds)]
    for name, config, seed in tqdm(jobs, desc="learning curves"):
        kwargs = ROI_BINDS if config == "roi" else {}
        runs.setdefault((name, config), []).append(trace(name, seed, args.horizon, **kwargs))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    t = np.arange(1, args.horizon + 1)
    for name in LEARNERS:
        cum = np.mean([np.cumsum(r["regret"]) for r in runs[(name, "default")]], axis=0)
        ax1.plot(t, cum, label=name)
        viol = np.mean([np.maximum(np.cumsum(r["slack"]), 0) / t for r in runs[(name, "roi")]],
                       axis=0)
        ax2.plot(t, viol, label=name)
        print(f"{name}: regret(T/4) {cum[args.horizon // 4 - 1]:.1f}, regret(T) {cum[-1]:.1f}, "
              f"ratio {cum[-1] / cum[args.horizon // 4 - 1]:.2f}; avg ROI violation at T "
              f"(ROI board) {viol[-1]:.3f}")
    ax1.set_xlabel("period t")
    ax1.set_ylabel("cumulative pseudo-regret (conversions)")
    ax1.set_title(f"Default board (budget binds), mean of {args.seeds} seeds")
    ax1.legend(fontsize=8)
    ax2.set_xlabel("period t")
    ax2.set_ylabel("average ROI violation so far")
    ax2.set_yscale("symlog", linthresh=0.1)
    ax2.set_title("ROI board (correlated, rho = 40, gamma = 1.3)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "learning.png", dpi=160)
    plt.close(fig)

    agents = ("matching", "cascade-dp", "exact-enumeration", "vcg-separable", "greedy-by-bid")
    boards = [(cm, obj) for cm in ("mnl", "cascade") for obj in ("welfare", "revenue")]
    eff = np.full((len(boards), len(agents)), np.nan)
    for b, (cm, obj) in enumerate(tqdm(boards, desc="position boards")):
        for a, name in enumerate(agents):
            if (name == "matching" and cm != "mnl") or (name == "cascade-dp" and cm != "cascade"):
                continue
            res = papergym.run("PositionAuction-v0", name, seeds=args.seeds, horizon=200,
                               click_model=cm, objective=obj)
            eff[b, a] = np.mean([r.metrics["efficiency"] for r in res])
    fig, ax = plt.subplots(figsize=(9, 4.8))
    width = 0.16
    for a, name in enumerate(agents):
        ax.bar(np.arange(len(boards)) + (a - 2) * width, np.nan_to_num(eff[:, a]), width,
               label=name)
    ax.set_xticks(np.arange(len(boards)), [f"{cm} / {obj}" for cm, obj in boards])
    ax.set_ylim(0.4, 1.02)
    ax.set_ylabel("efficiency (objective / exact optimum)")
    ax.set_title("PositionAuction-v0 allocation rules (200 rounds x seeds)")
    ax.legend(fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.tight_layout()
    fig.savefig(out / "position.png", dpi=160)
    plt.close(fig)
    for b, board in enumerate(boards):
        print("position", board, {n: round(float(e), 4) for n, e in zip(agents, eff[b])})


if __name__ == "__main__":
    main()
