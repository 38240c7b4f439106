"""CausalBandit-v0 / CausalBanditDrift-v0: the SEM math against brute force, the generator,
changes, replayed instances, bad input, and the batched vector env."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded
from hypothesis import given, settings
from hypothesis import strategies as st

from papergym.envs.causal import CausalBanditEnv, CausalBanditInstance
from papergym.envs.causal.sem import (
    action_bits,
    action_index,
    all_action_bits,
    draw_instance_weights,
    expected_rewards,
    flow_to_reward,
    intervened,
    sample_nodes,
)
from papergym.utils.env_checker import same


def _inverse_rewards(b, bp, nu):
    """[mu_a]_N by the paper's formula (I - B_a)^{-T} nu, one dense inverse per action."""
    n = b.shape[0]
    out = []
    for bits in all_action_bits(n):
        b_a = intervened(bits, b, bp)
        out.append((np.linalg.inv(np.eye(n) - b_a.T) @ nu)[-1])
    return np.array(out)


@pytest.mark.parametrize("seed", range(5))
def test_expected_rewards_equal_the_inverse_formula(seed):
    rng = np.random.default_rng(seed)
    b, bp = draw_instance_weights(rng, 6)
    nu = rng.normal(size=6)
    np.testing.assert_allclose(expected_rewards(all_action_bits(6), b, bp, nu),
                               _inverse_rewards(b, bp, nu), rtol=1e-10, atol=1e-9)
    b_a = intervened(all_action_bits(6), b, bp)
    flows = np.linalg.inv(np.eye(6) - b_a)[:, :, -1]
    np.testing.assert_allclose(flow_to_reward(b_a), flows, rtol=1e-10, atol=1e-9)


def test_samples_solve_the_structural_equations_and_have_the_right_mean():
    rng = np.random.default_rng(0)
    b, bp = draw_instance_weights(rng, 5)
    bits = np.array([1, 0, 1, 1, 0], dtype=bool)
    b_a = intervened(bits, b, bp)
    eps = 1.0 + rng.standard_normal((20000, 5))
    x = sample_nodes(np.broadcast_to(b_a, (20000, 5, 5)), eps)
    np.testing.assert_allclose(x, x @ b_a + eps, atol=1e-9)  # X = B_a^T X + eps, row-wise
    mean = expected_rewards(bits[None], b, bp, np.ones(5))[0]
    stderr = x[:, -1].std() / np.sqrt(len(x))
    assert abs(x[:, -1].mean() - mean) < 5 * stderr


@pytest.mark.parametrize("seed", range(10))
def test_generator_follows_the_authors_law(seed):
    env = CausalBanditEnv(n_nodes=8)
    env.reset(seed=seed)
    b, bp = env.model().segments[0]
    for w in (b, bp):
        assert np.all(np.tril(w) == 0)
        nz = np.abs(w[w != 0])
        assert np.all((nz >= 0.5) & (nz <= 2.0))
    assert all(not np.array_equal(b[:, n], bp[:, n]) for n in range(1, 8))


def test_action_index_round_trip():
    for index in (0, 1, 5, 1023):
        assert action_index(action_bits(index, 10)) == index
    assert action_index(all_action_bits(4)[9]) == 9


def _play(env, actions_fn, seed=0):
    obs, info = env.reset(seed=seed)
    infos = []
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(actions_fn(info))
        infos.append(info)
        done = terminated or truncated
    return infos


def test_regret_is_the_gap_to_the_best_and_oracle_metrics():
    env = CausalBanditEnv(n_nodes=5, horizon=50)
    env.reset(seed=3)
    inst = env.model()
    best = int(np.argmax(inst.rewards[0]))
    infos = _play(env, lambda info: action_bits(best, 5), seed=3)
    assert all(i["regret"] == 0.0 and i["optimal"] for i in infos)
    metrics = infos[-1]["metrics"]
    assert metrics["cumulative_regret"] == 0.0 and metrics["optimal_share"] == 1.0
    worst = int(np.argmin(inst.rewards[0]))
    infos = _play(env, lambda info: action_bits(worst, 5), seed=3)
    gap = inst.best[0] - inst.rewards[0][worst]
    assert infos[-1]["metrics"]["cumulative_regret"] == pytest.approx(50 * gap)


def test_drift_changes_dethrone_the_old_optimum_and_are_marked():
    env = gym.make("CausalBanditDrift-v0", n_nodes=6, horizon=300)
    env.reset(seed=5)
    inst = env.unwrapped.model()
    assert inst.starts == (0, 100, 200)
    for k in (1, 2):
        old_optimal = inst.optimal_actions(k - 1)
        assert inst.rewards[k][old_optimal].max() < inst.best[k] - 1e-2
        changed_cols = np.flatnonzero(np.any(inst.segments[k][0] != inst.segments[k - 1][0], 0)
                                      | np.any(inst.segments[k][1] != inst.segments[k - 1][1], 0))
        assert 1 <= changed_cols.size <= 2
    infos = _play(env, lambda info: np.zeros(6, dtype=np.int8), seed=5)
    assert [i["t"] for i in infos if i["changed"]] == [101, 201]
    zero_regret = [inst.best[inst.segment_at(t)] - inst.rewards[inst.segment_at(t)][0]
                   for t in range(300)]
    np.testing.assert_allclose([i["regret"] for i in infos], zero_regret)


def test_oracle_instance_replays_exactly():
    env = CausalBanditEnv(n_nodes=5, horizon=30, change_fractions=(0.5,))
    env.reset(seed=1)
    inst = env.model()
    other = CausalBanditEnv(n_nodes=5, horizon=30, change_fractions=(0.5,))
    other.reset(seed=99, options={"instance": inst})
    assert same(other.model().rewards, inst.rewards) and other.model().starts == inst.starts
    b, bp = inst.segments[0]
    other.reset(seed=2, options={"instance": {"B": b, "B_prime": bp}})
    np.testing.assert_array_equal(other.model().rewards[0], inst.rewards[0])


@pytest.mark.parametrize("field, value, match", [
    ("B", np.ones((5, 5)), "B"),                                  # cyclic (diagonal, lower)
    ("B", np.triu(np.ones((5, 5)), 1).T, "B"),                    # edges against the order
    ("B_prime", np.zeros((5, 4)), "B_prime"),                     # non-square
    ("B_prime", np.zeros((4, 4)), "B_prime"),                     # wrong size
    ("noise_variance", -np.ones(5), "noise_variance"),
    ("noise_mean", np.ones(3), "noise_mean"),
])
def test_bad_instance_options_name_the_field(field, value, match):
    env = CausalBanditEnv(n_nodes=5, horizon=10)
    instance = {"B": np.zeros((5, 5)), "B_prime": np.zeros((5, 5)), field: value}
    with pytest.raises(ValueError, match=match):
        env.reset(seed=0, options={"instance": instance})


@pytest.mark.parametrize("kwargs, match", [
    ({"n_nodes": 1}, "n_nodes"), ({"noise_variance": -1.0}, "noise_variance"),
    ({"max_interventions": 11}, "max_interventions"), ({"weight_low": 3.0}, "weight_low"),
    ({"change_fractions": (0.9, 0.2)}, "change_fractions"),
])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CausalBanditEnv(**kwargs)


def test_bad_options_and_order_of_calls():
    env = CausalBanditEnv(n_nodes=4, horizon=3)
    with pytest.raises(ResetNeeded):
        env.step(np.zeros(4, dtype=np.int8))
    with pytest.raises(ValueError, match="options"):
        env.reset(options={"instanc": 1})
    with pytest.raises(ValueError, match="options"):
        env.reset(options=[1])
    env.reset(seed=0)
    for _ in range(3):
        env.step(np.zeros(4, dtype=np.int8))
    with pytest.raises(ResetNeeded):
        env.step(np.zeros(4, dtype=np.int8))


@pytest.mark.parametrize("action_format", ["multibinary", "discrete"])
def test_interventions_beyond_the_limit_are_invalid_and_change_nothing(action_format):
    env = CausalBanditEnv(n_nodes=5, horizon=20, max_interventions=2,
                          action_format=action_format)
    obs, info = env.reset(seed=0)
    too_many = np.array([1, 1, 1, 0, 0], dtype=np.int8)
    action = too_many if action_format == "multibinary" else action_index(too_many)
    state = pickle.dumps(env)
    with pytest.raises(InvalidAction, match="max_interventions"):
        env.step(action)
    assert pickle.dumps(env) == state
    with pytest.raises(InvalidAction):
        env.step(np.array([2, 0, 0, 0, 0]) if action_format == "multibinary" else 32)
    if action_format == "discrete":
        mask = env.action_masks()
        assert mask.shape == (32,) and mask.sum() == 1 + 5 + 10
        assert np.array_equal(mask, info["action_mask"])
        assert env.model().rewards[0][~mask.astype(bool)].max() == -np.inf


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_nodes=st.integers(2, 6),
       limit=st.integers(0, 6), steps=st.integers(1, 15))
def test_invariants_under_random_play(seed, n_nodes, limit, steps):
    limit = min(limit, n_nodes)
    env = CausalBanditEnv(n_nodes=n_nodes, horizon=steps, max_interventions=limit,
                          action_format="discrete")
    obs, info = env.reset(seed=seed)
    legal = np.flatnonzero(info["action_mask"])
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(int(rng.choice(legal)))
        assert info["regret"] >= 0.0 and info["optimal"] == (info["regret"] <= 1e-2)
        assert obs.dtype == np.float32 and reward == pytest.approx(float(obs[-1]), rel=1e-6,
                                                                   abs=1e-4)
        total += info["regret"]
    assert terminated and not truncated
    assert info["metrics"]["cumulative_regret"] == pytest.approx(total)


def test_render_shows_the_intervention_history():
    env = CausalBanditEnv(n_nodes=4, horizon=5, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(np.array([1, 0, 0, 1], dtype=np.int8))
    image = env.render()
    assert image.dtype == np.uint8 and image.shape == (30, 3, 3)
    assert tuple(image[0, 0]) == (255, 140, 0) and tuple(image[6, 0]) == (90, 90, 90)


@pytest.mark.parametrize("kwargs", [
    {"n_nodes": 5, "horizon": 40, "change_fractions": (0.3, 0.6)},
    {"n_nodes": 4, "horizon": 25, "action_format": "discrete", "max_interventions": 4},
])
def test_vector_env_steps_like_sync_across_changes_and_autoreset(kwargs):
    native = gym.make_vec("CausalBandit-v0", num_envs=3, vectorization_mode="vector_entry_point",
                          **kwargs)
    sync = gym.make_vec("CausalBandit-v0", num_envs=3, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": native.metadata["autoreset_mode"]},
                        **kwargs)
    a, _ = native.reset(seed=4)
    b, _ = sync.reset(seed=4)
    assert same(a, b)
    native.action_space.seed(0)
    for _ in range(2 * kwargs["horizon"] + 3):  # through two autoresets
        actions = native.action_space.sample()
        out_a, out_b = native.step(actions), sync.step(actions)
        for x, y in zip(out_a[:4], out_b[:4]):
            assert same(x, y)
        if "regret" in out_b[4]:  # absent when every copy autoreset at this step
            live = out_b[4]["_regret"]
            np.testing.assert_allclose(out_a[4]["regret"][live], out_b[4]["regret"][live])


def test_instance_is_read_only():
    env = CausalBanditEnv(n_nodes=3, horizon=2)
    env.reset(seed=0)
    inst = env.model()
    assert isinstance(inst, CausalBanditInstance)
    with pytest.raises(ValueError):
        inst.segments[0][0][0, 1] = 5.0
