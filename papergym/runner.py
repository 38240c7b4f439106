"""The one evaluation loop: scripts, the leaderboard and the tests all call :func:`run`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from papergym.agents.base import Agent, AgentNotApplicableError, make_agent, why_not_applicable
from papergym.envs.registration import check_env_id, check_env_kwargs

__all__ = ["EnvArgumentError", "EpisodeResult", "MAX_SEED", "agent_seed", "check_seed_list",
           "check_seeds", "run", "run_episode", "run_parallel", "run_parallel_episode"]

MAX_SEED = 2**63 - 1  # seeds are stored as SQLite integers (signed 64 bits)


class EnvArgumentError(ValueError):
    """The env's constructor refused the keyword arguments it was given (the message is
    the env's own, which names the argument)."""


def _whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_seed_list(seeds: Iterable[Any]) -> list[int]:
    """``seeds`` as a list of ints, or ValueError/TypeError naming ``seeds``: every seed a
    whole number in [0, 2**63), none twice, at least one."""
    seeds = list(seeds)
    bad = [s for s in seeds if not _whole(s)]
    if bad:
        raise TypeError(f"seeds must be whole numbers, got {bad[0]!r}")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    if min(seeds) < 0 or max(seeds) > MAX_SEED:
        raise ValueError(f"seeds must be >= 0 and < 2**63, got {min(seeds) if min(seeds) < 0 else max(seeds)}")
    seen: set[int] = set()
    repeated = sorted({s for s in seeds if s in seen or seen.add(s)})
    if repeated:
        raise ValueError(f"seeds: seed(s) {', '.join(map(str, repeated))} given more than once")
    return seeds


def check_seeds(seeds: Any) -> list[int]:
    """``run``'s ``seeds``: a count (``3`` -> 0, 1, 2) or an iterable of seeds; a string,
    a float, a bool is refused (``seeds="10"`` would otherwise run seeds 1 and 0)."""
    if _whole(seeds):
        if not 1 <= seeds <= 10**7:
            raise ValueError(f"seeds: a count must be in [1, 10**7], got {seeds}")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes, float, bool)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a count or a list of whole numbers, got {seeds!r}")
    return check_seed_list(seeds)


def _check_run(env_id: str, env_kwargs: Mapping[str, Any] | None,
               more_env_kwargs: Mapping[str, Any], seeds: Any, episodes: Any,
               max_steps: Any) -> tuple[dict[str, Any], list[int]]:
    """What ``run`` and ``run_parallel`` check before building anything: the id, the
    merged kwargs' names, the seeds and the counts; returns the kwargs and the seeds."""
    check_env_id(env_id)
    env_kwargs = {**(env_kwargs or {}), **more_env_kwargs}
    check_env_kwargs(env_id, env_kwargs)
    seed_list = check_seeds(seeds)
    _check_count("episodes", episodes)
    _check_count("max_steps", max_steps, allow_none=True)
    return env_kwargs, seed_list


def _check_count(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not _whole(value):
        raise TypeError(f"{name} must be a whole number >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")


def _check_agent(agent: Any) -> None:
    if not (isinstance(agent, (str, Agent)) or callable(agent)):
        raise TypeError(f"agent must be a registered name, an Agent or a zero-argument "
                        f"factory, got {agent!r}")


def _make_env(env_id: str, env_kwargs: Mapping[str, Any], make: Callable[..., Any]) -> Any:
    """The env, or :class:`EnvArgumentError` when its constructor refuses the kwargs."""
    try:
        return make(env_id, **env_kwargs)
    except (TypeError, ValueError) as exc:  # TypeError: an env that does not check types
        raise EnvArgumentError(f"{env_id}: {exc}") from exc

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
                env_id: str = "", agent_name: str = "",
                run_seed: int | None = None) -> EpisodeResult:
    """Play one episode of ``agent`` on an already-made ``env``.

    ``seed`` is passed to ``env.reset`` (``None`` continues the env's RNG stream).
    ``run_seed`` is the seed recorded in the result (default ``seed``; -1 when both are
    None): the run's seed, for episodes after its first that continue the stream.
    ``max_steps`` is a safety stop; an episode cut by it has ``metrics["cut"] = 1``.
    """
    start = time.perf_counter()
    obs, info = env.reset(seed=seed)
    model = env.unwrapped.model() if agent.requires_model else None
    agent.reset(obs, info, env_model=model, seed=agent_seed_value)
    total, regret, steps = 0.0, 0.0, 0
    return_curve: list[tuple[int, float]] = []
    regret_curve: list[tuple[int, float]] = []
    while True:
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(action, reward, obs, terminated, truncated, info)
        steps += 1
        total += float(reward)
        return_curve.append((steps, total))
        if "regret" in info:
            regret += float(info["regret"])
            regret_curve.append((steps, regret))
        if terminated or truncated or (max_steps is not None and steps >= max_steps):
            break
    metrics = {k: float(v) for k, v in dict(info.get("metrics", {})).items()}
    metrics.setdefault("episode_return", total)
    metrics.setdefault("episode_length", float(steps))
    if regret_curve:
        metrics.setdefault("cumulative_regret", regret)
    if not (terminated or truncated):
        metrics["cut"] = 1.0
    recorded = seed if run_seed is None else run_seed
    return EpisodeResult(env_id=env_id, agent=agent_name or agent.name,
                         seed=-1 if recorded is None else int(recorded), episode=episode,
                         metrics=metrics,
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

    Bad input is refused before the env is built: an unknown env id (``UnknownEnvError``,
    "unknown env id ..."), an unknown env kwarg, seeds that are not whole numbers in
    [0, 2**63) or repeat, ``episodes``/``max_steps`` not whole numbers >= 1, an agent that
    is not a name, an Agent or callable; a kwarg value the env refuses raises
    :class:`EnvArgumentError` from its constructor, built once for the whole run.
    """
    env_kwargs, seed_list = _check_run(env_id, env_kwargs, more_env_kwargs, seeds, episodes,
                                       max_steps)
    _check_agent(agent)
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
    env = _make_env(env_id, env_kwargs, gym.make)
    bar = _progress(len(seed_list) * episodes, f"{env_id}", enabled=progress)
    try:
        for seed in seed_list:
            player = fresh()
            player.bind(env.observation_space, env.action_space)
            for ep in range(episodes):
                results.append(run_episode(
                    env, player, seed=seed if ep == 0 else None, episode=ep,
                    agent_seed_value=agent_seed(seed, ep), max_steps=max_steps,
                    env_id=env_id, agent_name=agent if isinstance(agent, str) else "",
                    run_seed=seed))
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
                         agent_name: str = "", run_seed: int | None = None) -> EpisodeResult:
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
        model = _model_of(env) if agent.requires_model else None
        agent.reset(obs[role], infos.get(role, {}), env_model=model, seed=agent_seed_value)
    returns = dict.fromkeys(env.possible_agents, 0.0)
    steps = 0
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
        return_curve.append((steps, sum(returns.values())))
        last_infos = infos or last_infos
        if max_steps is not None and steps >= max_steps:
            break
    metrics: dict[str, float] = {}
    for role in env.possible_agents:
        if "metrics" in last_infos.get(role, {}):
            metrics = {k: float(v) for k, v in dict(last_infos[role]["metrics"]).items()}
            break
    for role, value in returns.items():
        metrics.setdefault(f"return_{role}", value)
    metrics.setdefault("episode_return", sum(returns.values()))
    metrics.setdefault("episode_length", float(steps))
    if env.agents:
        metrics["cut"] = 1.0
    name = agent_name or ",".join(f"{r}={a.name}" for r, a in agents.items())
    recorded = seed if run_seed is None else run_seed
    return EpisodeResult(env_id=env_id, agent=name, seed=-1 if recorded is None else int(recorded),
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

    env_kwargs, seed_list = _check_run(env_id, env_kwargs, more_env_kwargs, seeds, episodes,
                                       max_steps)
    for one in (agents.values() if isinstance(agents, Mapping) else [agents]):
        _check_agent(one)
    env = _make_env(env_id, env_kwargs, make_parallel)
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

    label = agents if isinstance(agents, str) else ""  # a team of one registered name
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
                    env_id=env_id, agent_name=label, run_seed=seed)
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
