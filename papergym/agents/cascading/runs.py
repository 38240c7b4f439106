"""Play one learning run of an agent and keep the cumulative regret after every paper
episode (the curves of the paper's regret figures) and the agent's own running time."""

from __future__ import annotations

import time

import numpy as np

from papergym.envs.cascading.env import CascadingRLEnv

__all__ = ["regret_trace"]


def regret_trace(agent, seed: int, **env_kwargs) -> tuple[np.ndarray, float]:
    """Run ``agent`` on a fresh ``CascadingRLEnv(**env_kwargs)`` reset with ``seed``;
    returns the cumulative pseudo-regret after each paper episode (K,) and the seconds the
    agent spent in ``act`` and ``observe`` (its running time, without the env's)."""
    env = CascadingRLEnv(**env_kwargs)
    obs, info = env.reset(seed=seed)
    agent.bind(env.observation_space, env.action_space)
    agent.reset(obs, info, env_model=env.model() if agent.requires_model else None, seed=seed)
    per_episode = np.zeros(env.num_episodes)
    spent = 0.0
    terminated = False
    clock = time.perf_counter
    while not terminated:
        t0 = clock()
        action = agent.act(obs, info)
        spent += clock() - t0
        obs, reward, terminated, _, info = env.step(action)
        t0 = clock()
        agent.observe(action, reward, obs, terminated, False, info)
        spent += clock() - t0
        per_episode[info["paper_episode"]] += info["regret"]
    return np.cumsum(per_episode), spent
