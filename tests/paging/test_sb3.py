"""MaskablePPO (sb3-contrib) trains on Paging-v0 through sb3_wrap and plays via SB3Agent."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

import papergym
from papergym.agents.base import SB3Agent
from papergym.envs.paging import PagingEnv
from papergym.wrappers import sb3_wrap


def train(env_kwargs: dict, steps: int, seed: int = 0, **ppo_kwargs):
    from sb3_contrib import MaskablePPO

    env = sb3_wrap(gym.make("Paging-v0", **env_kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MaskablePPO("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **ppo_kwargs)
        model.learn(total_timesteps=steps)
    return model


def test_maskable_ppo_trains_a_few_hundred_steps_and_plays_legally():
    kwargs = {**PagingEnv.quick_kwargs, "k": 4, "n_pages": 10}
    model = train(kwargs, steps=256, n_steps=128, batch_size=64, n_epochs=1)
    results = papergym.run("Paging-v0", SB3Agent(model), seeds=2, **kwargs)  # masked slots
    for r in results:                                                        # would raise
        assert r.metrics["faults"] == -r.metrics["episode_return"] >= r.metrics["opt_faults"]


@pytest.mark.slow
def test_maskable_ppo_learns_to_beat_random():
    """A short real training (60k steps, about 2 CPU-minutes): the trained policy's mean
    competitive ratio on unseen seeds is below the random agent's."""
    kwargs = {"k": 4, "n_pages": 12, "horizon": 200, "generator": "zipf", "noise": 0.1}
    model = train(kwargs, steps=60_000, n_steps=512, batch_size=128)
    seeds = range(100, 120)
    trained = np.mean([r.metrics["competitive_ratio"]
                       for r in papergym.run("Paging-v0", SB3Agent(model), seeds=seeds, **kwargs)])
    random = np.mean([r.metrics["competitive_ratio"]
                      for r in papergym.run("Paging-v0", "random", seeds=seeds, **kwargs)])
    assert trained < random - 0.05, (trained, random)
