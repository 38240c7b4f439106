"""Shared helpers of the cascading tests: play an agent for a whole run and keep the
cumulative regret after every paper episode."""

from __future__ import annotations

import time

import numpy as np

from papergym.envs.cascading.env import CascadingRLEnv


def regret_trace(agent, seed: int, **env_kwargs) -> tuple[np.ndarray, float]:
    """Cumulative pseudo-regret after each paper episode (K,), and the agent's own time
    (seconds spent in ``act`` and ``observe``)."""
    env = CascadingRLEnv(**env_kwargs)
    obs, info = env.reset(seed=seed)
    agent.bind(env.observation_space, env.action_space)
    agent.reset(obs, info, env_model=env.model() if agent.requires_model else None, seed=seed)
    per_episode = np.zeros(env.num_episodes)
    spent = 0.0
    terminated = False
    while not terminated:
        t0 = time.perf_counter()
        action = agent.act(obs, info)
        spent += time.perf_counter() - t0
        obs, reward, terminated, _, info = env.step(action)
        t0 = time.perf_counter()
        agent.observe(action, reward, obs, terminated, False, info)
        spent += time.perf_counter() - t0
        per_episode[info["episode"]] += info["regret"]
    return np.cumsum(per_episode), spent
