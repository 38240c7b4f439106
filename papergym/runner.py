"""The one evaluation loop: scripts, the leaderboard and the tests all call :func:`run`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from papergym.agents.base import Agent, AgentNotApplicableError, make_agent, why_not_applicable

__all__ = ["EpisodeResult", "run", "run_episode", "agent_seed"]

CURVE_POINTS = 100  # cumulative reward / regret curves are kept at this many points at most


@dataclass
class EpisodeResult:
    """One finished episode: ``metrics`` is the env's ``info["metrics"]`` plus
    ``episode_return`` and ``episode_length``; the curves are cumulative reward and
    cumulative regret (where the env gives ``info["regret"]``) at up to
    ``CURVE_POINTS`` evenly spaced steps, as ``(step, value)`` pairs."""

    env_id: str
    agent: str
    seed: int
    episode: int
    metrics: dict[str, float]
    wall_time: float
    return_curve: list[tuple[int, float]] = field(default_factory=list)
    regret_curve: list[tuple[int, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def agent_seed(seed: int, episode: int) -> int:
    """The seed handed to ``agent.reset`` for episode ``episode`` of run seed ``seed``:
    independent of the env's stream, fixed by (seed, episode)."""
    return int(np.random.SeedSequence([int(seed), int(episode), 0xA6E7]).generate_state(1)[0])


def _thin(curve: list[tuple[int, float]]) -> list[tuple[int, float]]:
    if len(curve) <= CURVE_POINTS:
        return curve
    idx = np.unique(np.linspace(0, len(curve) - 1, CURVE_POINTS).astype(int))
    return [curve[i] for i in idx]


def run_episode(env: gym.Env, agent: Agent, *, seed: int | None, episode: int = 0,
                agent_seed_value: int | None = None, max_steps: int | None = None,
                env_id: str = "", agent_name: str = "") -> EpisodeResult:
    """Play one episode of ``agent`` on an already-made ``env``.

    ``seed`` is passed to ``env.reset`` (``None`` continues the env's RNG stream).
    ``max_steps`` is a safety stop; an episode cut by it has ``metrics["cut"] = 1``.
    """
    start = time.perf_counter()
    obs, info = env.reset(seed=seed)
    model = env.unwrapped.model() if getattr(agent, "requires_model", False) else None
    agent.reset(obs, info, env_model=model, seed=agent_seed_value)
    total, regret, steps = 0.0, 0.0, 0
    return_curve: list[tuple[int, float]] = []
    regret_curve: list[tuple[int, float]] = []
    terminated = truncated = False
    while not (terminated or truncated):
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(action, reward, obs, terminated, truncated, info)
        steps += 1
        total += float(reward)
        return_curve.append((steps, total))
        if "regret" in info:
            regret += float(info["regret"])
            regret_curve.append((steps, regret))
        if max_steps is not None and steps >= max_steps and not (terminated or truncated):
            break
    metrics = {k: float(v) for k, v in dict(info.get("metrics", {})).items()}
    metrics.setdefault("episode_return", total)
    metrics.setdefault("episode_length", float(steps))
    if regret_curve:
        metrics.setdefault("cumulative_regret", regret)
    if not (terminated or truncated):
        metrics["cut"] = 1.0
    return EpisodeResult(env_id=env_id, agent=agent_name or getattr(agent, "name", "agent"),
                         seed=-1 if seed is None else int(seed), episode=episode, metrics=metrics,
                         wall_time=time.perf_counter() - start,
                         return_curve=_thin(return_curve), regret_curve=_thin(regret_curve))


def run(env_id: str, agent: str | Agent | Callable[[], Agent], seeds: int | Iterable[int] = (0,),
        episodes: int = 1, *, agent_kwargs: Mapping[str, Any] | None = None,
        max_steps: int | None = None, progress: bool = False,
        env_kwargs: Mapping[str, Any] | None = None, **more_env_kwargs: Any) -> list[EpisodeResult]:
    """Evaluate ``agent`` on ``env_id`` for every seed, ``episodes`` episodes each.

    ``agent`` is a registered name (``make_agent(name, **agent_kwargs)``, refused with
    :class:`AgentNotApplicableError` if it does not apply to this env and kwargs), a
    zero-argument factory, or an :class:`Agent` instance (``agent.clone()`` per seed so
    seeds stay independent).  ``seeds`` is an int (that many seeds, 0..n-1) or the seeds.
    For each seed the env is reset with ``seed`` once, then continues its RNG stream for
    the following episodes; the agent gets :func:`agent_seed` ``(seed, episode)``.
    Returns one :class:`EpisodeResult` per episode, ordered by seed then episode.
    Env kwargs go as keywords, or in ``env_kwargs=`` when a name is also one of this
    function's (an env's own ``max_steps``, say).
    """
    env_kwargs = {**(env_kwargs or {}), **more_env_kwargs}
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if any(s < 0 for s in seed_list):
        raise ValueError(f"seeds must be >= 0 (numpy seeds are non-negative), got {seed_list}")
    if not seed_list:
        raise ValueError("seeds: give at least one seed")
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    if isinstance(agent, str):
        reason = why_not_applicable(agent, env_id, env_kwargs)
        if reason:
            raise AgentNotApplicableError(reason)

    def fresh() -> Agent:
        if isinstance(agent, str):
            return make_agent(agent, **dict(agent_kwargs or {}))
        if isinstance(agent, Agent):
            return agent.clone()
        return agent()

    results: list[EpisodeResult] = []
    env = gym.make(env_id, **env_kwargs)
    bar = _progress(len(seed_list) * episodes, f"{env_id}", enabled=progress)
    try:
        for seed in seed_list:
            player = fresh()
            player.bind(env.observation_space, env.action_space)
            name = agent if isinstance(agent, str) else getattr(player, "name", "agent")
            for ep in range(episodes):
                results.append(run_episode(
                    env, player, seed=seed if ep == 0 else None, episode=ep,
                    agent_seed_value=agent_seed(seed, ep), max_steps=max_steps,
                    env_id=env_id, agent_name=name))
                results[-1].seed = seed
                bar.advance()
    finally:
        bar.close()
        env.close()
    return results


class _progress:
    """A rich progress bar that is a no-op when disabled (tests, workers)."""

    def __init__(self, total: int, label: str, enabled: bool):
        self._bar = None
        if enabled and total > 1:
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._task = self._bar.add_task(label, total=total)
            self._bar.start()

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
