"""Per-step traces for the claim tests, the plots and the docs (a plain agent-env loop)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from papergym.agents.base import Agent, make_agent

__all__ = ["regret_trace"]


def regret_trace(env_id: str, agent: str | Agent, seed: int, **env_kwargs: Any
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One episode of ``agent`` on ``env_id`` under ``seed``: per-step regret (float),
    whether the intervention was optimal (bool) and its expected reward, each
    ``(horizon,)``."""
    env = gym.make(env_id, **env_kwargs)
    agent = make_agent(agent) if isinstance(agent, str) else agent
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed)
    model = env.unwrapped.model() if agent.requires_model else None
    agent.reset(obs, info, env_model=model, seed=seed)
    regrets, optimal, means = [], [], []
    done = False
    while not done:
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(action, reward, obs, terminated, truncated, info)
        regrets.append(info["regret"])
        optimal.append(info["optimal"])
        means.append(info["expected_reward"])
        done = terminated or truncated
    env.close()
    return np.asarray(regrets), np.asarray(optimal), np.asarray(means)
