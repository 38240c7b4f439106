"""SB3 agents train on the serving envs through papergym's adapter (a smoke test: the
envs' spaces and masks work with MaskablePPO and PPO; learning itself is not asserted)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from papergym.agents.base import SB3Agent
from papergym.runner import run_episode
from papergym.wrappers import sb3_wrap


@pytest.mark.parametrize("env_id, kwargs, algo", [
    ("LLMRoutingSQL-v0", {"num_queries": 64}, "MaskablePPO"),
    ("DisaggregatedServing-v0", {"num_requests": 20, "gpu_budget": 2, "max_instances": 2,
                                 "search_eps": 1.0, "horizon": 4}, "MaskablePPO"),
    ("ExpertOffloading-v0", {"num_tokens": 64, "layers": 2, "experts": 4, "cache_size": 2,
                             "queue_size": 16}, "PPO"),
])
def test_sb3_trains_and_plays(env_id, kwargs, algo):
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    cls = MaskablePPO if algo == "MaskablePPO" else PPO
    model = cls("MlpPolicy", sb3_wrap(gym.make(env_id, **kwargs)), n_steps=32, batch_size=16,
                n_epochs=1, seed=0, device="cpu")
    model.learn(64)
    env = gym.make(env_id, **kwargs)
    agent = SB3Agent(model)
    agent.bind(env.observation_space, env.action_space)
    result = run_episode(env, agent, seed=0)
    assert np.isfinite(result.metrics["episode_return"])
