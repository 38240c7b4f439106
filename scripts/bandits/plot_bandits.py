"""The bandits family's figures (docs/bandits/*.png).

``lsd_spike.png``: Laforgue et al.'s main instance (k = 5, width 10, T = 3600), left the
payoff curves mu_i(tau), right the cumulative expected payoff of ISI-CombUCB1, CombUCB1,
Oracle Greedy, UCB1 and our LP planner against the exact optimum (mean over seeds).
``streaming_regret.png``: StreamingBandit-v0 (K = 50, clear_cut), left mean regret against
T on log-log axes with the T^{2/3} reference, right the regret reduction against uniform
exploration per algorithm and setting (T = 100 K^3).  Usage::

    python scripts/bandits/plot_bandits.py [--seeds 3] [--out docs/bandits]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import papergym  # noqa: E402
from papergym.agents.base import make_agent  # noqa: E402
from papergym.envs.bandits import lsd_math  # noqa: E402

LSD_AGENTS = ("isi-combucb1", "combucb1", "oracle-greedy", "ucb1", "lsd-lp-planner", "lsd-dp")
STREAM_AGENTS = ("uniform-exploration", "naive-eps-best", "log-eps-best", "loglog-eps-best",
                 "logstar-eps-best", "game-of-arms")


def lsd_curve(agent_name: str, seed: int) -> np.ndarray:
    """Cumulative expected payoff (sum of the pulled means) of one episode."""
    import gymnasium as gym

    env = gym.make("LSDBandit-v0")
    agent = make_agent(agent_name)
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed)
    agent.reset(obs, info, env_model=env.unwrapped.model() if agent.requires_model else None,
                seed=seed)
    curve = []
    done = False
    while not done:
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(action, reward, obs, terminated, truncated, info)
        curve.append(info["expected_payoff"])
        done = terminated or truncated
    return np.array(curve)


def plot_lsd(seeds: int, out: Path) -> None:
    table = lsd_math.spike_table()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.8))
    delays = np.arange(1, 11)
    for arm, style in ((1, "o-"), (2, "s-"), (0, "d-")):
        label = rf"$\mu_{arm}(\tau)$" + (" (arms 0, 3, 4)" if arm == 0 else "")
        ax0.plot(delays, table[arm], style, label=label)
    ax0.axvline(3, ls="--", color="k", lw=0.8)
    ax0.set_xlabel(r"delay $\tau$ (rounds since last pull)")
    ax0.set_ylabel("expected payoff")
    ax0.set_title("Spike instance (Laforgue et al. 2022)")
    ax0.legend()
    ax0.grid(alpha=0.3)
    runs = [(a, s) for a in LSD_AGENTS for s in range(seeds if a in ("isi-combucb1", "combucb1",
                                                                       "oracle-greedy") else 1)]
    curves: dict[str, list[np.ndarray]] = {}
    for agent, seed in tqdm(runs, desc="LSD episodes"):
        curves.setdefault(agent, []).append(lsd_curve(agent, seed))
    labels = {"isi-combucb1": "ISI-CombUCB1", "combucb1": "CombUCB1",
              "oracle-greedy": "Oracle Greedy", "ucb1": "UCB1",
              "lsd-lp-planner": "LP planner (ours)", "lsd-dp": "exact optimum (DP)"}
    for agent in LSD_AGENTS:
        mean = np.mean(curves[agent], axis=0)
        ax1.plot(np.arange(1, len(mean) + 1), mean, label=f"{labels[agent]}: {mean[-1]:.0f}",
                 ls="--" if agent in ("lsd-dp", "lsd-lp-planner") else "-")
    ax1.set_xlabel("round")
    ax1.set_ylabel("cumulative expected payoff")
    ax1.set_title(f"T = 3600, mean over {seeds} seeds (learners)")
    ax1.legend(loc="upper left")
    ax1.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "lsd_spike.png", dpi=150)
    plt.close(fig)


def plot_streaming(seeds: int, out: Path) -> None:
    horizons = [10**5, 10**6, 10**7, 10**8, 10**9]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.8))
    runs = [(a, t) for a in STREAM_AGENTS for t in horizons]
    means: dict[str, list[float]] = {}
    for agent, t in tqdm(runs, desc="streaming regret vs T"):
        r = papergym.run("StreamingBandit-v0", agent, seeds=range(seeds * 3), memory=8,
                         horizon=t)
        means.setdefault(agent, []).append(np.mean([x.metrics["regret"] for x in r]))
    for agent in STREAM_AGENTS:
        slope = np.polyfit(np.log(horizons), np.log(means[agent]), 1)[0]
        ax0.loglog(horizons, means[agent], "o-", label=f"{agent} (slope {slope:.3f})")
    ref = np.array(horizons, dtype=float) ** (2 / 3)
    ax0.loglog(horizons, ref * means["log-eps-best"][0] / ref[0] / 2, "k:",
               label=r"$\propto T^{2/3}$")
    ax0.set_xlabel("horizon T")
    ax0.set_ylabel("mean pseudo-regret")
    ax0.set_title("K = 50, clear_cut, memory 8")
    ax0.legend(fontsize=8)
    ax0.grid(alpha=0.3, which="both")
    width = 0.38
    for k, setting in enumerate(("clear_cut", "mix_in")):
        regret = {a: np.mean([x.metrics["regret"] for x in papergym.run(
            "StreamingBandit-v0", a, seeds=range(seeds * 5), memory=8, setting=setting)])
            for a in tqdm(STREAM_AGENTS, desc=f"reduction, {setting}")}
        base = regret["uniform-exploration"]
        cut = [100 * (1 - regret[a] / base) for a in STREAM_AGENTS[1:]]
        x = np.arange(len(cut)) + (k - 0.5) * width
        ax1.bar(x, cut, width, label=setting)
    ax1.axhline(0, color="k", lw=0.8)
    ax1.axhline(70, color="grey", ls="--", lw=0.8, label="abstract: up to 70%")
    ax1.set_xticks(np.arange(len(STREAM_AGENTS) - 1))
    ax1.set_xticklabels([a.replace("-eps-best", "") for a in STREAM_AGENTS[1:]])
    ax1.set_ylabel("regret reduction vs uniform exploration (%)")
    ax1.set_title(f"K = 50, T = 100 K^3, {seeds * 5} seeds")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(out / "streaming_regret.png", dpi=150)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("docs/bandits"))
    parser.add_argument("--only", choices=("lsd", "streaming"), default=None)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only != "streaming":
        plot_lsd(args.seeds, args.out)
    if args.only != "lsd":
        plot_streaming(args.seeds, args.out)


if __name__ == "__main__":
    main()
