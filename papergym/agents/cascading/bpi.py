"""Run a best-policy-identification agent (CascadingBPI, AdaptBPI) until it stops, and
score the policy it returns exactly against the optimum."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from papergym.envs.cascading.env import CascadingRLEnv
from papergym.envs.cascading.model import CascadingInstance, evaluate_policy, optimal_plan
from papergym.utils.checks import check_int

__all__ = ["BPIResult", "identify"]


@dataclass(frozen=True)
class BPIResult:
    """``samples``: paper episodes used before the stopping rule fired (``max_episodes``
    when it never did, with ``stopped`` False); ``gap``: ``V*_1(s_1) - V^pi_1(s_1)`` of the
    returned policy (exact); ``seconds``: wall time of the run."""

    samples: int
    stopped: bool
    gap: float
    seconds: float


def identify(agent, instance: CascadingInstance, *, max_episodes: int = 100_000,
             seed: int = 0) -> BPIResult:
    """Play ``agent`` (a fresh CascadingBPIAgent or AdaptBPIAgent) on ``instance`` until its
    stopping rule fires or ``max_episodes`` paper episodes have been played."""
    max_episodes = check_int("max_episodes", max_episodes, low=1)
    env = CascadingRLEnv(n_states=instance.n_states, n_items=instance.n_items,
                         list_size=instance.list_size, horizon=instance.horizon,
                         num_episodes=max_episodes)
    start = time.perf_counter()
    obs, info = env.reset(seed=seed, options={"instance": instance})
    agent.bind(env.observation_space, env.action_space)
    agent.reset(obs, info, seed=seed)
    terminated = False
    while not terminated:
        action = agent.act(obs, info)
        if agent.stopped:
            break
        obs, reward, terminated, _, info = env.step(action)
        agent.observe(action, reward, obs, terminated, False, info)
    if not agent.stopped:  # out of budget: the current optimistic policy is returned
        agent.plan()
    seconds = time.perf_counter() - start
    policy = agent.policy if agent.stopped else _greedy(agent)
    s1 = instance.initial_state
    gap = float(optimal_plan(instance).value[0, s1] - evaluate_policy(instance, policy)[0, s1])
    samples = agent.stopped_episode if agent.stopped else max_episodes
    return BPIResult(int(samples), bool(agent.stopped), gap, seconds)


def _greedy(agent) -> np.ndarray:
    if hasattr(agent, "_actions"):
        return agent._actions[agent._policy]
    return agent.current_lists()
