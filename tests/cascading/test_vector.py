"""The batched envs step exactly like SyncVectorEnv, through autoresets too."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.cascading.vector import CascadingBanditVectorEnv, CascadingRLVectorEnv
from papergym.utils.env_checker import check_vector_env

SMALL = {"CascadingRL-v0": dict(n_states=3, n_items=4, list_size=2, horizon=2, num_episodes=3),
         "CascadingBandit-v0": dict(n_items=5, list_size=2, num_rounds=4)}


@pytest.mark.parametrize("env_id", sorted(SMALL))
def test_matches_sync_through_autoresets(env_id):
    kwargs = SMALL[env_id]
    native = gym.make_vec(env_id, num_envs=5, vectorization_mode="vector_entry_point", **kwargs)
    sync = gym.make_vec(env_id, num_envs=5, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": native.metadata["autoreset_mode"]},
                        **kwargs)
    a, _ = native.reset(seed=3)
    b, _ = sync.reset(seed=3)
    assert np.array_equal(a, b)
    native.action_space.seed(0)
    ends = 0
    for _ in range(40):
        actions = native.action_space.sample()
        out_a, out_b = native.step(actions), sync.step(actions)
        for x, y in zip(out_a[:4], out_b[:4]):
            assert np.array_equal(x, y)
        live = out_a[4]["_regret"]
        if live.any():  # on an all-reset step the sync env's infos have no regret key
            np.testing.assert_allclose(out_a[4]["regret"][live], out_b[4]["regret"][live],
                                       atol=1e-12)
        ends += int(out_a[2].sum())
    assert ends >= 5  # every copy finished runs and was reset
    # a reset with new seeds matches again
    assert np.array_equal(native.reset(seed=[7, 8, 9, 10, 11])[0],
                          sync.reset(seed=[7, 8, 9, 10, 11])[0])


@pytest.mark.parametrize("env_id", sorted(SMALL))
def test_contract_checker(env_id):
    check_vector_env(env_id)


def test_bad_actions_and_order():
    env = CascadingRLVectorEnv(num_envs=3, n_states=2, n_items=4, list_size=2, horizon=2,
                               num_episodes=2)
    with pytest.raises(ResetNeeded):
        env.step(np.zeros((3, 2), dtype=np.int64))
    env.reset(seed=0)
    state = env._state.copy()
    for bad in (np.array([[0, 1], [2, 2], [0, 4]]), np.array([[0, 1]] * 2),
                np.array([[0, 5]] * 3), np.full((3, 2), 0.5)):
        with pytest.raises(InvalidAction):
            env.step(bad)
    assert np.array_equal(env._state, state)
    obs, *_ = env.step(np.array([[0, 1], [4, 4], [3, 4]]))  # stops and empty lists are fine
    assert obs.shape == (3, 2)
    with pytest.raises(ValueError, match="num_envs"):
        CascadingBanditVectorEnv(num_envs=0)
    with pytest.raises(ValueError, match="list_size"):
        CascadingBanditVectorEnv(num_envs=2, n_items=3, list_size=4)
    with pytest.raises(ValueError, match="options"):
        env.reset(options={"bad": 1})


def test_cumulative_regret_matches_the_scalar_metric():
    kwargs = dict(n_states=3, n_items=4, list_size=2, horizon=2, num_episodes=6)
    vec = CascadingRLVectorEnv(num_envs=2, **kwargs)
    vec.reset(seed=5)
    envs = [gym.make("CascadingRL-v0", **kwargs) for _ in range(2)]
    for i, e in enumerate(envs):
        e.reset(seed=5 + i)
    vec.action_space.seed(1)
    metrics = [None, None]
    for _ in range(12):
        actions = vec.action_space.sample()
        vec.step(actions)
        for i, e in enumerate(envs):
            *_, info = e.step(actions[i])
            metrics[i] = info.get("metrics", metrics[i])
    np.testing.assert_allclose(vec.cumulative_regret,
                               [m["cumulative_regret"] for m in metrics], atol=1e-9)


def test_repeat_stops_mode_matches_sync_on_unconstrained_actions():
    kwargs = dict(SMALL["CascadingRL-v0"], repeated_items="stop", list_size=3)
    native = gym.make_vec("CascadingRL-v0", num_envs=4, vectorization_mode="vector_entry_point",
                          **kwargs)
    sync = gym.make_vec("CascadingRL-v0", num_envs=4, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": native.metadata["autoreset_mode"]},
                        **kwargs)
    native.reset(seed=1)
    sync.reset(seed=1)
    rng = np.random.default_rng(0)
    for _ in range(30):
        actions = rng.integers(0, 5, size=(4, 3))  # repeats and stops anywhere
        out_a, out_b = native.step(actions), sync.step(actions)
        for x, y in zip(out_a[:4], out_b[:4]):
            assert np.array_equal(x, y)


def test_matches_sync_across_uniform_blocks_and_autoresets():
    """Runs of 90 steps: uniforms drawn in blocks of 64 then 26, two autoresets."""
    kwargs = dict(n_states=3, n_items=4, list_size=2, horizon=3, num_episodes=30)
    native = gym.make_vec("CascadingRL-v0", num_envs=3, vectorization_mode="vector_entry_point",
                          **kwargs)
    sync = gym.make_vec("CascadingRL-v0", num_envs=3, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": native.metadata["autoreset_mode"]},
                        **kwargs)
    native.reset(seed=2)
    sync.reset(seed=2)
    native.action_space.seed(3)
    ends = 0
    for _ in range(200):
        actions = native.action_space.sample()
        out_a, out_b = native.step(actions), sync.step(actions)
        for x, y in zip(out_a[:4], out_b[:4]):
            assert np.array_equal(x, y)
        ends += int(out_a[2].sum())
    assert ends == 6
