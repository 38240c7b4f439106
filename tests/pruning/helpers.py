"""Shared helpers of the pruning tests: play one episode and watch the masks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import torch

from papergym.agents.base import Agent, make_agent

QUICK = {"hidden": (24,), "train_steps_per_round": 20, "max_rounds": 4, "target_density": 0.5,
         "synflow_iterations": 5}  # a little larger than the env's quick_kwargs: 4 rounds


def play(env_id: str, agent: str | Agent, *, seed: int = 0,
         on_step: Callable[[Any, dict], None] | None = None, **env_kwargs) -> dict[str, float]:
    """One episode of ``agent`` on ``env_id``; ``on_step(env, info)`` after every step.
    Returns ``info["metrics"]``."""
    env = gym.make(env_id, **env_kwargs).unwrapped
    agent = make_agent(agent) if isinstance(agent, str) else agent
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed)
    agent.reset(obs, info, env_model=env.model() if agent.requires_model else None, seed=seed)
    done = False
    while not done:
        action = agent.act(obs, info)
        obs, _, terminated, truncated, info = env.step(action)
        agent.observe(action, 0.0, obs, terminated, truncated, info)
        if on_step is not None:
            on_step(env, info)
        done = terminated or truncated
    return info["metrics"]


def assert_masks_respected(env, info) -> None:
    """Pruned weights are exactly zero in the env's trained net and in ``model()``, and the
    reported density is the true count of nonzero mask entries."""
    masks, weights = env._masks, env._net.weights
    for i, (m, w) in enumerate(zip(masks, weights)):
        assert torch.all(w[m == 0] == 0.0), f"layer {i}: a pruned weight is nonzero"
        assert set(torch.unique(m).tolist()) <= {0.0, 1.0}
    state = env.model()
    for i, (m, w) in enumerate(zip(state.masks, state.weights)):
        assert (w[m == 0] == 0.0).all(), f"model(): layer {i} pruned weight nonzero"
    alive = sum(int(m.sum()) for m in masks)
    total = sum(m.numel() for m in masks)
    assert info["density"] == alive / total
    # no alive weight is counted that training has made exactly zero either way: the
    # nonzero weights are at most the alive ones
    assert sum(int((w != 0).sum()) for w in weights) <= alive
