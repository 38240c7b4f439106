"""Shared helpers of the paging tests: play one episode of an agent on a given instance."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from papergym.agents.base import make_agent
from papergym.envs.paging import PagingEnv, phase_partition


def play(agent_name: str, *, seed: int = 0, agent_seed: int = 0, options: dict | None = None,
         **env_kwargs) -> dict[str, float]:
    """One episode; returns ``info["metrics"]`` (plus ``steps``)."""
    env = PagingEnv(**env_kwargs)
    agent = make_agent(agent_name)
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed, options=options)
    agent.reset(obs, info, env_model=env.model() if agent.requires_model else None,
                seed=agent_seed)
    steps, done = 0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        steps += 1
        done = terminated or truncated
    return {**info["metrics"], "steps": steps}


def new_pages_per_phase(seq: np.ndarray, k: int) -> np.ndarray:
    """``m_j``: pages of phase j not requested in phase j-1 (all pages for j = 0)."""
    phase = phase_partition(seq, k)
    sets = [set(seq[phase == j].tolist()) for j in range(int(phase[-1]) + 1)]
    return np.array([len(s - (sets[j - 1] if j else set())) for j, s in enumerate(sets)])


def harmonic(n: int) -> float:
    return float(sum(1.0 / i for i in range(1, n + 1)))


def unwrap(env: gym.Env) -> PagingEnv:
    return env.unwrapped
