"""The batched vector envs step exactly as SyncVectorEnv (longer runs than the registry's
check, with autoresets), and PPO trains on both envs through sb3_wrap / papergym train."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

import papergym
from papergym.agents.base import SB3Agent
from papergym.utils.env_checker import check_vector_env, same
from papergym.wrappers import sb3_wrap


@pytest.mark.parametrize("env_id, kwargs", [
    ("LSDBandit-v0", {"horizon": 30}),
    ("LSDBandit-v0", {"horizon": 25, "instance": "random", "n_arms": 3, "cap": 4,
                      "signed": True}),
    ("StreamingBandit-v0", {"n_arms": 6, "memory": 2, "horizon": 300}),
    ("StreamingBandit-v0", {"n_arms": 4, "memory": 1, "horizon": 10**9, "setting": "mix_in"}),
])
def test_vector_env_equals_sync_through_many_autoresets(env_id, kwargs):
    n, seed = 5, 123
    native = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    sync = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": native.metadata["autoreset_mode"]},
                        **kwargs)
    a, _ = native.reset(seed=seed)
    b, _ = sync.reset(seed=seed)
    assert same(a, b)
    native.action_space.seed(seed)
    ends = 0
    for t in range(400):
        actions = native.action_space.sample()
        out_a, out_b = native.step(actions), sync.step(actions)
        for x, y in zip(out_a[:4], out_b[:4]):
            assert same(x, y), t
        ends += int(out_a[2].sum())
        if out_a[2].any():  # metrics in Gymnasium's vector-info layout, as Sync gives them
            assert same(out_a[4]["_metrics"], out_b[4]["_metrics"])
            assert same(out_a[4]["metrics"], out_b[4]["metrics"])
    assert ends >= n  # every copy ended at least once: autoreset was exercised


@pytest.mark.parametrize("env_id", ["LSDBandit-v0", "StreamingBandit-v0"])
def test_registry_vector_check(env_id):
    check_vector_env(env_id, num_envs=3, steps=100, seed=5)


def test_vector_streaming_refuses_an_illegal_action_of_any_copy():
    env = gym.make_vec("StreamingBandit-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       n_arms=5)
    env.reset(seed=0)
    with pytest.raises(gym.error.InvalidAction, match="copy 1"):
        env.step(np.array([0 + env.unwrapped.codes.pull(1, 0), 0, 0]))


def _ppo(env, steps=256):
    from stable_baselines3 import PPO

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = PPO("MlpPolicy", env, seed=0, device="cpu", n_steps=128, batch_size=64,
                    n_epochs=1, verbose=0)
        model.learn(total_timesteps=steps)
    return model


def test_ppo_trains_on_lsd_and_plays_through_the_adapter():
    kwargs = {"horizon": 60}
    model = _ppo(sb3_wrap(gym.make("LSDBandit-v0", **kwargs)))
    results = papergym.run("LSDBandit-v0", SB3Agent(model), seeds=2, **kwargs)
    assert all(0 < r.metrics["ratio_to_optimum"] <= 1 + 1e-9 for r in results)


def test_maskable_ppo_trains_on_streaming_and_plays_legally():
    from sb3_contrib import MaskablePPO

    kwargs = {"n_arms": 5, "memory": 1, "horizon": 2000}
    env = sb3_wrap(gym.make("StreamingBandit-v0", **kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MaskablePPO("MlpPolicy", env, seed=0, device="cpu", n_steps=128,
                            batch_size=64, n_epochs=1, verbose=0)
        model.learn(total_timesteps=256)
    for r in papergym.run("StreamingBandit-v0", SB3Agent(model), seeds=2, **kwargs):
        assert r.metrics["max_stored"] <= 1  # a masked action would have raised


@pytest.mark.slow
def test_papergym_train_runs_on_both_envs(tmp_path):
    from papergym.training.sb3 import TrainArgs, train

    for env_id, kw in (("LSDBandit-v0", {"horizon": 40}),
                       ("StreamingBandit-v0", {"n_arms": 4, "horizon": 500})):
        path = train(TrainArgs(env=env_id, algo="auto", steps=64, n_steps=32, seed=0, kw=kw,
                               save_dir=str(tmp_path / "models"), eval_seeds=1,
                               wandb_mode="disabled", wandb_dir=str(tmp_path / "wb")))
        assert path.exists()
