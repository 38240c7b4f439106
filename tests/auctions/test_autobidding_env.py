"""MultiChannelAutobidding-v0: API behaviour, bad input, determinism, and the oracles'
regret on the env itself."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded

import papergym
from papergym.envs.auctions.autobidding import MultiChannelAutobiddingEnv
from papergym.envs.auctions.channels import roi_gap_pool

ENV_ID = "MultiChannelAutobidding-v0"


def make(**kwargs) -> MultiChannelAutobiddingEnv:
    return gym.make(ENV_ID, **{"horizon": 20, **kwargs}).unwrapped


@pytest.mark.parametrize("levers,shape", [("budget", (3,)), ("roi", (3,)), ("both", (6,))])
def test_spaces_follow_the_levers(levers, shape):
    env = make(levers=levers)
    assert env.action_space.shape == shape and env.action_space.dtype == np.float32
    obs, info = env.reset(seed=0)
    assert obs.shape == (9,) and obs.dtype == np.float32 and obs in env.observation_space
    assert info["levers"] == levers and info["horizon"] == 20


@pytest.mark.parametrize("action", [[-1.0, 1.0, 1.0], [np.nan, 1.0, 1.0], [1.0, 1.0],
                                    "abc", [[1.0, 1.0, 1.0]]])
def test_invalid_actions_raise_and_change_nothing(action):
    env = make()
    env.reset(seed=0)
    env.step(np.ones(3, dtype=np.float32))
    before = pickle.dumps(env)
    with pytest.raises(InvalidAction):
        env.step(action)
    clone = pickle.loads(before)
    assert np.array_equal(env.step(np.ones(3))[0], clone.step(np.ones(3))[0])


def test_negative_roi_target_is_invalid():
    env = make(levers="roi")
    env.reset(seed=0)
    with pytest.raises(InvalidAction, match="target"):
        env.step(np.array([1.0, -0.5, 1.0]))


def test_step_outside_an_episode_needs_reset():
    env = make(horizon=2)
    with pytest.raises(ResetNeeded):
        env.step(np.ones(3))
    env.reset(seed=0)
    env.step(np.ones(3))
    assert env.step(np.ones(3))[2]
    with pytest.raises(ResetNeeded):
        env.step(np.ones(3))
    with pytest.raises(ResetNeeded):
        MultiChannelAutobiddingEnv().model()


@pytest.mark.parametrize("kwargs,name", [({"n_channels": 0}, "n_channels"),
                                         ({"n_auctions": 0}, "n_auctions"),
                                         ({"n_auctions": (3, 3)}, "n_auctions"),
                                         ({"budget": 0.0}, "budget"),
                                         ({"budget": -5.0}, "budget"),
                                         ({"target_roi": -1.0}, "target_roi")])
def test_bad_constructor_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MultiChannelAutobiddingEnv(**kwargs)


def test_reset_options_are_checked():
    env = make()
    with pytest.raises(ValueError, match="unknown key 'pool'"):
        env.reset(seed=0, options={"pool": 1})
    with pytest.raises(ValueError, match="options"):
        env.reset(seed=0, options=[1])
    with pytest.raises(ValueError, match="ChannelPool"):
        env.reset(seed=0, options={"instance": roi_gap_pool(0.1)[0]})   # 2 channels, not 3


def test_same_seed_same_pool_other_seed_other_pool():
    a, b, c = make(), make(), make()
    a.reset(seed=5)
    b.reset(seed=5)
    c.reset(seed=6)
    assert np.array_equal(a.model().pool.v, b.model().pool.v)
    assert not np.array_equal(a.model().pool.v, c.model().pool.v)


def test_highs_and_threshold_optimum_agree():
    a, b = make(optimum_solver="threshold"), make(optimum_solver="highs")
    for seed in range(5):
        a.reset(seed=seed)
        b.reset(seed=seed)
        assert a.model().opt_value == pytest.approx(b.model().opt_value, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("generator", ["uniform", "lognormal", "correlated"])
@pytest.mark.parametrize("auction_format", ["single", "multi"])
def test_budget_only_agent_has_zero_regret(generator, auction_format):
    """The paper's budget-only claim, on the env: every period's pseudo-regret is 0."""
    results = papergym.run(ENV_ID, "budget-only", seeds=2, horizon=30, generator=generator,
                           auction_format=auction_format, target_roi=1.2, budget=25.0)
    for r in results:
        assert abs(r.metrics["regret"]) < 1e-6 * r.metrics["opt_conversions"]
        assert r.metrics["roi_violation"] < 1e-9 and r.metrics["budget_violation"] < 1e-9
        assert r.metrics["penalised_conversion_ratio"] == pytest.approx(1.0, abs=1e-9)


def test_roi_only_agent_on_the_gap_family_gets_epsilon_of_the_optimum():
    eps = 0.02
    env = gym.make(ENV_ID, n_channels=2, budget=1.0, target_roi=1.0, levers="roi",
                   horizon=10, feedback="exact")
    pool, _, _ = roi_gap_pool(eps)
    agent = papergym.make_agent("roi-only")
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=0, options={"instance": pool})
    agent.reset(obs, info, env_model=env.unwrapped.model(), seed=0)
    total = 0.0
    done = False
    while not done:
        obs, reward, done, _, info = env.step(agent.act(obs, info))
        total += reward
        assert info["budget_violation"] == 0 and info["roi_violation"] == 0
    assert info["metrics"]["conversion_ratio"] == pytest.approx(eps)


def test_overspending_is_counted_as_violation():
    env = make(horizon=5, feedback="exact")
    env.reset(seed=0)
    for _ in range(5):
        _, _, done, _, info = env.step(np.full(3, 100.0, dtype=np.float32))
    assert info["budget_violation"] > 0
    m = info["metrics"]
    assert m["budget_violation"] > 0 and m["penalised_conversion_ratio"] < m["conversion_ratio"]


def test_vector_env_matches_sync_across_episode_ends():
    """The native batched env equals SyncVectorEnv under the same seeds, autoresets
    included (quick horizon 100, 250 steps)."""
    from papergym.utils.env_checker import check_vector_env

    check_vector_env(ENV_ID, num_envs=3, steps=250)


def test_vector_env_refuses_bad_sizes():
    from papergym.envs.auctions.autobidding import MultiChannelAutobiddingVectorEnv

    with pytest.raises(ValueError, match="num_envs"):
        MultiChannelAutobiddingVectorEnv(num_envs=0)
    env = MultiChannelAutobiddingVectorEnv(num_envs=2, horizon=5)
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=[1, 2, 3])


def test_vector_env_infos_equal_sync_infos():
    """Beyond the checker's observations and rewards: the batched infos too, across
    autoresets and episode ends (horizon 5, 12 steps)."""
    from papergym.utils.env_checker import same

    native = gym.make_vec(ENV_ID, num_envs=3, vectorization_mode="vector_entry_point",
                          horizon=5)
    sync = gym.make_vec(ENV_ID, num_envs=3, vectorization_mode="sync", horizon=5)
    assert same(native.reset(seed=1)[1], sync.reset(seed=1)[1])
    native.action_space.seed(0)
    for _ in range(12):
        action = native.action_space.sample()
        assert same(native.step(action)[4], sync.step(action)[4])
