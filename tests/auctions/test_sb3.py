"""PPO and SAC train on the auctions envs through ``sb3_wrap`` and play through SB3Agent."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest

import papergym
from papergym.agents.base import SB3Agent
from papergym.wrappers import sb3_wrap


def train(env_id: str, algo: str, steps: int, **env_kwargs):
    import stable_baselines3

    env = sb3_wrap(gym.make(env_id, **env_kwargs))
    extra = ({"n_steps": 64, "batch_size": 32, "n_epochs": 1} if algo == "PPO"
             else {"learning_starts": 32, "batch_size": 32, "train_freq": 8})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = getattr(stable_baselines3, algo)("MlpPolicy", env, seed=0, device="cpu",
                                                 verbose=0, **extra)
        model.learn(total_timesteps=steps)
    return model


@pytest.mark.parametrize("algo", ["SAC", pytest.param("PPO", marks=pytest.mark.slow)])
def test_sb3_trains_on_autobidding_and_plays(algo):
    kwargs = {"horizon": 32}
    model = train("MultiChannelAutobidding-v0", algo, 128, **kwargs)
    results = papergym.run("MultiChannelAutobidding-v0", SB3Agent(model), seeds=2, **kwargs)
    for r in results:
        assert r.metrics["horizon"] == 32 and r.metrics["opt_conversions"] > 0


def test_ppo_trains_on_position_auction_and_plays():
    kwargs = {"horizon": 16}
    model = train("PositionAuction-v0", "PPO", 128, **kwargs)
    results = papergym.run("PositionAuction-v0", SB3Agent(model), seeds=1, **kwargs)
    assert 0.0 <= results[0].metrics["efficiency"] <= 1.0 + 1e-9
