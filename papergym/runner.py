"""The one evaluation loop: scripts, the leaderboard and the tests all call :func:`run`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from papergym.agents.base import Agent, AgentNotApplicableError, make_agent, why_not_applicable

__all__ = ["EpisodeResult", "agent_seed", "run", "run_episode", "run_parallel",
           "run_parallel_episode"]

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


# --------------------------------------------------------------------------- parallel envs


def _model_of(env: Any) -> Any:
    model = getattr(env, "model", None) or getattr(getattr(env, "unwrapped", None), "model", None)
    if model is None:
        raise AttributeError(f"{type(env).__name__} has no model(): no agent may require one")
    return model()


def run_parallel_episode(env: Any, agents: Mapping[str, Agent], *, seed: int | None,
                         episode: int = 0, agent_seed_value: int | None = None,
                         max_steps: int | None = None, env_id: str = "",
                         agent_name: str = "") -> EpisodeResult:
    """Play one episode of a PettingZoo ``ParallelEnv`` with one :class:`Agent` per role.

    The loop every parallel env shares (docs/CONTRACTS.md, section 1):

    - every live agent acts at every step, unless its info says ``"acts": False`` (a role
      that waits this step, e.g. the coding game's sender during decoding);
    - an agent that acted observes the step's outcome; the ``terminated``/``truncated`` it
      observes are the env's, or ``info["agent_terminated"]``/``info["agent_truncated"]``
      where the env ends a role's own episode earlier than PettingZoo removes it;
    - agents with ``requires_model`` get ``env.model()``;
    - ``metrics`` are the first ``info["metrics"]`` of the last step (in
      ``possible_agents`` order), plus ``return_<role>`` for each role, ``episode_return``
      (their sum) and ``episode_length``.
    """
    start = time.perf_counter()
    obs, infos = env.reset(seed=seed)
    for role, agent in agents.items():
        model = _model_of(env) if getattr(agent, "requires_model", False) else None
        agent.reset(obs[role], infos.get(role, {}), env_model=model, seed=agent_seed_value)
    returns = dict.fromkeys(env.possible_agents, 0.0)
    steps, total = 0, 0.0
    return_curve: list[tuple[int, float]] = []
    last_infos = infos
    while env.agents:
        actions = {role: agents[role].act(obs[role], infos.get(role, {}))
                   for role in env.agents if infos.get(role, {}).get("acts", True)}
        obs, rewards, terms, truncs, infos = env.step(actions)
        for role, action in actions.items():
            info = infos.get(role, {})
            agents[role].observe(action, rewards.get(role, 0.0), obs.get(role),
                                 bool(info.get("agent_terminated", terms.get(role, True))),
                                 bool(info.get("agent_truncated", truncs.get(role, False))),
                                 info)
        for role, reward in rewards.items():
            returns[role] += float(reward)
        steps += 1
        total = sum(returns.values())
        return_curve.append((steps, total))
        last_infos = infos or last_infos
        if max_steps is not None and steps >= max_steps and env.agents:
            break
    metrics: dict[str, float] = {}
    for role in env.possible_agents:
        if "metrics" in last_infos.get(role, {}):
            metrics = {k: float(v) for k, v in dict(last_infos[role]["metrics"]).items()}
            break
    for role, value in returns.items():
        metrics.setdefault(f"return_{role}", value)
    metrics.setdefault("episode_return", total)
    metrics.setdefault("episode_length", float(steps))
    if env.agents:
        metrics["cut"] = 1.0
    name = agent_name or ",".join(f"{r}={getattr(a, 'name', 'agent')}" for r, a in agents.items())
    return EpisodeResult(env_id=env_id, agent=name, seed=-1 if seed is None else int(seed),
                         episode=episode, metrics=metrics, wall_time=time.perf_counter() - start,
                         return_curve=_thin(return_curve))


AgentLike = str | Agent | Callable[[], Agent]


def run_parallel(env_id: str, agents: AgentLike | Mapping[str, AgentLike],
                 seeds: int | Iterable[int] = (0,), episodes: int = 1, *,
                 max_steps: int | None = None, env_kwargs: Mapping[str, Any] | None = None,
                 **more_env_kwargs: Any) -> list[EpisodeResult]:
    """:func:`run` for a registered PettingZoo parallel env (``papergym list`` marks them).

    ``agents`` is one agent (a name, an :class:`Agent` or a factory) that plays every role
    (a team: each role gets its own copy), or ``{role: agent}``.  Seeding follows
    :func:`run`: the env is reset with ``seed`` for a seed's first episode and continues its
    stream after; every role's agent gets :func:`agent_seed` ``(seed, episode)``.
    """
    from papergym.envs.registration import make_parallel

    env_kwargs = {**(env_kwargs or {}), **more_env_kwargs}
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list or any(s < 0 for s in seed_list):
        raise ValueError(f"seeds must be one or more integers >= 0, got {seed_list}")
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    env = make_parallel(env_id, **env_kwargs)
    roles = list(env.possible_agents)
    table = dict(agents) if isinstance(agents, Mapping) else dict.fromkeys(roles, agents)
    missing = [r for r in roles if r not in table]
    if missing:
        raise ValueError(f"agents: no agent for role(s) {missing} of {env_id} (roles: {roles})")
    for agent in table.values():
        if isinstance(agent, str):
            reason = why_not_applicable(agent, env_id, env_kwargs)
            if reason:
                raise AgentNotApplicableError(reason)

    def fresh(agent: AgentLike) -> Agent:
        if isinstance(agent, str):
            built = make_agent(agent)
        elif isinstance(agent, Agent):
            built = agent.clone()
        else:
            built = agent()
        return built

    label = (table[roles[0]] if not isinstance(agents, Mapping) and isinstance(agents, str)
             else None)
    results: list[EpisodeResult] = []
    try:
        for seed in seed_list:
            players = {role: fresh(table[role]) for role in roles}
            for role, player in players.items():
                player.bind(env.observation_space(role), env.action_space(role))
            for ep in range(episodes):
                result = run_parallel_episode(
                    env, players, seed=seed if ep == 0 else None, episode=ep,
                    agent_seed_value=agent_seed(seed, ep), max_steps=max_steps,
                    env_id=env_id, agent_name=label or "")
                result.seed = seed
                results.append(result)
    finally:
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
