"""StreamingBandit-v0: the memory limit (hypothesis), masked actions, exact binomial pulls,
and Wang's claims (the eps-best algorithms beat uniform exploration; regret ~ T^{2/3})."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import papergym
from papergym.envs.bandits.rng import binomial_from_uniform, uniforms
from papergym.envs.bandits.streaming import StreamingBanditEnv, draw_means

PAPER_AGENTS = ("log-eps-best", "loglog-eps-best", "logstar-eps-best", "game-of-arms")


def regrets(agent, seeds, **kwargs):
    return np.array([r.metrics["regret"]
                     for r in papergym.run("StreamingBandit-v0", agent, seeds=seeds, **kwargs)])


# --------------------------------------------------------------------------- env rules


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), memory=st.integers(1, 3), n_arms=st.integers(2, 6),
       choices=st.lists(st.integers(0, 10**6), min_size=1, max_size=60))
def test_no_action_sequence_holds_more_than_memory_arms(seed, memory, n_arms, choices):
    """Any sequence of actions, legal or not: legal ones never exceed ``memory`` stored arms;
    illegal ones raise InvalidAction and change nothing."""
    env = StreamingBanditEnv(n_arms=n_arms, memory=memory, horizon=50 * n_arms)
    obs, info = env.reset(seed=seed)
    for c in choices:
        action = c % env.action_space.n
        mask = info["action_mask"]
        if mask[action]:
            obs, _, terminated, _, info = env.step(action)
            assert sum(1 for s in env._core.slot[:memory] if s >= 0) <= memory
            assert info["held"] <= memory + 1 and mask.sum() >= 1
            if terminated:
                assert info["pulls_left"] == 0 and info["metrics"]["max_stored"] <= memory
                break
        else:
            before = pickle.dumps(env)
            with pytest.raises(InvalidAction):
                env.step(action)
            assert pickle.dumps(env) == before
        assert info["action_mask"].any()  # never stuck without a legal action


def test_actions_decode_as_documented():
    env = StreamingBanditEnv(n_arms=3, memory=2, horizon=10)
    c = env.codes
    assert c.max_exponent == 3 and env.action_space.n == 3 * 4 + 2 * 2 + 1
    env.reset(options={"instance": [0.2, 0.9, 0.5]}, seed=0)
    env.step(c.pull(2, 1))           # the arriving arm (slot index = memory), 2 pulls
    _, _, _, _, info = env.step(c.store(1))
    assert env._core.slot == [-1, 0, 1] and info["slot_pulls"].tolist() == [0, 2, 0]
    env.step(c.skip)                 # arm 1 skipped: arm 2 arrives
    assert env._core.slot == [-1, 0, 2]
    _, _, _, _, info = env.step(c.drop(1))
    assert env._core.slot == [-1, -1, 2] and info["arriving"] == 1
    mask = info["action_mask"]
    assert not mask[c.skip]          # the last arm, nothing stored: skipping would leave none
    assert not mask[c.pull(0, 0)]    # an empty slot
    env.step(c.store(0))
    assert env._core.slot == [2, -1, -1] and env.action_masks()[c.drop(0)] == 0
    _, _, _, _, info = env.step(c.pull(0, 3))  # 8 pulls: all that is left
    assert info["pulls_left"] == 0 and "metrics" in info
    assert info["metrics"]["regret"] == pytest.approx(2 * 0.7 + 8 * 0.4)
    with pytest.raises(ResetNeeded):
        env.step(0)


def test_pulls_beyond_the_budget_are_masked():
    env = StreamingBanditEnv(n_arms=2, memory=1, horizon=5)
    env.reset(seed=0)
    c = env.codes
    env.step(c.pull(1, 2))  # 4 pulls, 1 left
    mask = env.action_masks()
    assert mask[c.pull(1, 0)] and not mask[c.pull(1, 1)] and not mask[c.pull(1, 2)]
    with pytest.raises(InvalidAction):
        env.step(c.pull(1, 1))


@pytest.mark.parametrize("kwargs, name", [
    ({"n_arms": 1}, "n_arms"), ({"memory": 0}, "memory"), ({"horizon": 10}, "horizon"),
    ({"alpha": 0.0}, "alpha"), ({"setting": "easy"}, "setting"), ({"beta": -1.0}, "beta"),
    ({"n_arms": 100, "alpha": 1e-9}, "horizon"),
])
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        StreamingBanditEnv(**kwargs)


def test_settings_draw_the_public_codes_means():
    rng = np.random.default_rng(0)
    clear = draw_means(rng, 5001, "clear_cut")
    assert clear.max() == 0.82 and np.sum(clear == 0.82) == 1
    rest = np.sort(clear)[:-1]
    assert rest.min() >= 0 and rest.max() <= 0.8 and abs(rest.mean() - 0.5) < 0.01
    mix = draw_means(rng, 5000, "mix_in")
    assert 0 <= mix.min() and mix.max() <= 1 and abs(mix.mean() - 0.5) < 0.02


def test_batched_pulls_are_exact_binomials():
    """Inversion of the binomial CDF at splitmix uniforms: the draws pass a chi-square test
    against Binomial(16, 0.3), and a 10**9-pull step lands within 6 sd of its mean."""
    u = uniforms(np.uint64(123456789), np.arange(40_000, dtype=np.uint64))
    draws = binomial_from_uniform(u, np.full(40_000, 16), np.full(40_000, 0.3))
    observed = np.bincount(draws, minlength=17)
    expected = stats.binom.pmf(np.arange(17), 16, 0.3) * 40_000
    keep = expected > 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-3
    big = binomial_from_uniform(u[:200], np.full(200, 10**9), np.full(200, 0.4))
    assert np.all(np.abs(big - 4e8) < 6 * np.sqrt(10**9 * 0.24))


def test_a_horizon_of_a_billion_plays_in_well_under_a_second_of_steps():
    r = papergym.run("StreamingBandit-v0", "log-eps-best", seeds=1, n_arms=50, memory=4,
                     horizon=10**9)[0]
    assert r.metrics["horizon"] == 1e9 and r.metrics["episode_length"] < 2000
    assert 0 < r.metrics["normalized_regret"] < 1.0


def test_sampling_the_action_space_draws_legal_actions():
    env = gym.make("StreamingBandit-v0", n_arms=5, memory=2)
    _, info = env.reset(seed=0)
    env.action_space.seed(0)
    for _ in range(200):
        a = env.action_space.sample()
        assert info["action_mask"][a]
        _, _, terminated, _, info = env.step(a)
        if terminated:
            _, info = env.reset()


# --------------------------------------------------------------------------- agents


@pytest.mark.parametrize("agent, memory", [
    ("uniform-exploration", 1), ("naive-eps-best", 1), ("game-of-arms", 1),
    ("log-eps-best", 4), ("loglog-eps-best", 4), ("logstar-eps-best", 4), ("stream-ucb1", 20)])
def test_agents_stay_within_memory_and_spend_the_budget(agent, memory):
    for r in papergym.run("StreamingBandit-v0", agent, seeds=2, n_arms=20, memory=memory,
                          horizon=200_000):
        assert r.metrics["max_stored"] <= memory
        assert r.metrics["regret"] >= 0


def test_memory_hungry_agents_say_why_they_do_not_apply():
    from papergym.agents.base import why_not_applicable

    assert "memory >= 3" in why_not_applicable("log-eps-best", "StreamingBandit-v0",
                                               {"memory": 1})
    assert "n_arms" in why_not_applicable("stream-ucb1", "StreamingBandit-v0", {"memory": 8})
    assert why_not_applicable("uniform-exploration", "LSDBandit-v0") is not None


# --------------------------------------------------------------------------- claims


def test_paper_algorithms_beat_uniform_exploration_on_clear_cut():
    """Wang's simulations: the eps-best algorithms beat uniform exploration (the abstract:
    by a large margin, up to 70%).  K = 50, T = 100 K^3, 8 seeds; measured mean reduction
    over 20 seeds: log 56%, loglog 55%, log* 29%, Game of Arms 59% (docs/bandits.md)."""
    seeds = range(8)
    base = regrets("uniform-exploration", seeds, memory=8).mean()
    for agent in PAPER_AGENTS:
        reduction = 1 - regrets(agent, seeds, memory=8).mean() / base
        assert reduction > 0.2, (agent, reduction)


@pytest.mark.xfail(strict=True, reason="measured: naive eps-best (ln K / eps^2 pulls per arm) "
                   "has 54% MORE regret than uniform exploration at K = 50, T = 100 K^3 "
                   "(ln K = 3.9 > (ln T)^{1/3} = 2.5)")
def test_naive_eps_best_beats_uniform_exploration_on_clear_cut():
    seeds = range(8)
    assert regrets("naive-eps-best", seeds).mean() < regrets("uniform-exploration", seeds).mean()


def test_naive_eps_best_no_worse_than_measured():
    seeds = range(8)
    ratio = regrets("naive-eps-best", seeds).mean() / regrets("uniform-exploration", seeds).mean()
    assert ratio < 1.7, ratio  # measured 1.54


def test_regret_grows_as_t_to_the_two_thirds():
    """Log-log slope of mean regret against T (10^5..10^9, K = 50): within 0.1 of 2/3.
    Measured: uniform 0.688, naive 0.667, log 0.666, loglog 0.666, log* 0.665, GoA 0.664."""
    horizons = [10**5, 10**6, 10**7, 10**8, 10**9]
    for agent in ("uniform-exploration", "naive-eps-best", "log-eps-best", "game-of-arms"):
        means = [regrets(agent, range(4), memory=8, horizon=t).mean() for t in horizons]
        slope = np.polyfit(np.log(horizons), np.log(means), 1)[0]
        assert abs(slope - 2 / 3) < 0.1, (agent, slope)


def test_full_memory_ucb1_is_the_unconstrained_reference():
    seeds = range(4)
    ucb = regrets("stream-ucb1", seeds, memory=50).mean()
    assert ucb < 0.2 * regrets("game-of-arms", seeds, memory=50).mean()


@settings(max_examples=30, deadline=None)
@given(agent=st.sampled_from(["uniform-exploration", "naive-eps-best", "game-of-arms",
                              "log-eps-best", "loglog-eps-best", "logstar-eps-best"]),
       n_arms=st.integers(2, 40), memory=st.integers(1, 6), seed=st.integers(0, 10**6),
       setting=st.sampled_from(["clear_cut", "mix_in"]), alpha=st.sampled_from([1.0, 30.0]))
def test_no_agent_ever_holds_more_than_memory_arms(agent, n_arms, memory, seed, setting, alpha):
    """Every agent, on any (K, memory, setting, T): within memory, the budget spent exactly
    (a memory-hungry agent refuses a too small memory with a ValueError naming it)."""
    from papergym.agents.base import why_not_applicable

    kwargs = {"n_arms": n_arms, "memory": memory, "setting": setting, "alpha": alpha}
    if why_not_applicable(agent, "StreamingBandit-v0", kwargs) is not None:
        with pytest.raises(ValueError, match="memory"):
            papergym.run("StreamingBandit-v0", agent, seeds=[seed], **kwargs)
        return
    (r,) = papergym.run("StreamingBandit-v0", agent, seeds=[seed], **kwargs)
    assert r.metrics["max_stored"] <= memory
    assert r.metrics["episode_length"] >= 1 and r.metrics["regret"] >= 0


def test_render_shows_the_arms_read_and_held():
    env = StreamingBanditEnv(n_arms=4, memory=1, horizon=100, render_mode="rgb_array")
    env.reset(seed=0, options={"instance": [0.0, 1.0, 0.5, 0.25]})
    env.step(env.codes.skip)         # arm 0 let go, arm 1 arrives
    img = env.render()
    assert img.shape == (16, 16, 3)
    assert img[0, 4:8].min() == 255 and img[0, 0:4].max() == 0   # grey = mean of arms read
    assert tuple(img[14, 4]) == (40, 200, 40)                   # arm 1 is held (arriving)
    assert StreamingBanditEnv(render_mode=None).render() is None
