"""CascadingRL-v0 and CascadingBandit-v0: dynamics, feedback, regret, bad input."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.cascading.env import CascadingBanditEnv, CascadingRLEnv
from papergym.envs.cascading.model import (
    CascadingInstance,
    evaluate_policy,
    generate_instance,
    optimal_plan,
)
from papergym.utils.env_checker import check_bad_inputs


def small_env(**kwargs) -> CascadingRLEnv:
    base = dict(n_states=3, n_items=4, list_size=2, horizon=3, num_episodes=5)
    return CascadingRLEnv(**{**base, **kwargs})


def test_spaces_and_reset():
    env = small_env()
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs) and obs.dtype == np.int64
    assert tuple(obs) == (0, 0) and info == {"state": 0, "h": 0, "paper_episode": 0}
    assert env.action_space.shape == (2,) and (env.action_space.nvec == 5).all()
    for _ in range(50):
        assert env.action_space.contains(env.action_space.sample())


def test_episode_length_feedback_and_metrics():
    env = small_env()
    env.reset(seed=1)
    steps, total, regret = 0, 0.0, 0.0
    terminated = False
    while not terminated:
        action = env.action_space.sample()
        obs, reward, terminated, truncated, info = env.step(action)
        steps += 1
        total += reward
        regret += info["regret"]
        items = [a for a in action.tolist()[:action.tolist().index(4)]] \
            if 4 in action.tolist() else action.tolist()
        pos = info["click_position"]
        if pos < 0:
            assert info["examined"] == tuple(items) and reward == 0.0
            assert info["clicked_item"] == -1
        else:
            assert info["examined"] == tuple(items[:pos + 1])
            assert info["clicked_item"] == items[pos]
            assert reward == env.model().reward[info["state"], items[pos]]
        assert info["regret"] >= 0.0 and not truncated
        assert info["episode_end"] == (info["h"] == 2)
    assert steps == 5 * 3
    m = info["metrics"]
    assert m["cumulative_regret"] == pytest.approx(regret)
    assert m["total_reward"] == pytest.approx(total)
    assert m["realized_regret"] == pytest.approx(5 * m["optimal_value"] - total)
    with pytest.raises(ResetNeeded):
        env.step(env.action_space.sample())


def test_step_before_reset_raises():
    with pytest.raises(ResetNeeded):
        small_env().step(np.array([0, 1]))


@pytest.mark.parametrize("action", [np.array([1, 1]), np.array([0, 5]), np.array([-1, 0]),
                                    np.array([0, 1, 2]), [0.5, 1], "ab", 3,
                                    np.array([True, False])])
def test_illegal_actions_change_nothing(action):
    env = small_env()
    env.reset(seed=0)
    before = pickle.dumps(env)
    with pytest.raises(InvalidAction):
        env.step(action)
    assert pickle.dumps(env) == before


def test_entries_after_the_stop_are_ignored_and_the_empty_list_is_legal():
    env = small_env()
    env.reset(seed=0)
    _, reward, _, _, info = env.step(np.array([4, 4]))
    assert info["examined"] == () and info["click_position"] == -1 and reward == 0.0
    _, _, _, _, info = env.step([4, 2])  # item 2 after the stop: ignored
    assert info["examined"] == ()


def test_optimal_lists_have_zero_regret_and_others_positive():
    env = small_env()
    env.reset(seed=2)
    plan = env.optimal_plan()
    obs, info = env.reset(seed=2)
    for _ in range(15):
        s, h = obs
        obs, _, _, _, info = env.step(plan.lists[h, s])
        assert info["regret"] == pytest.approx(0.0, abs=1e-12)
    worst = [a for a in range(4) if a not in plan.lists[obs[1], obs[0]]]
    assert worst  # an item the optimal list leaves out


def test_pseudo_regret_is_unbiased_for_the_policy_gap():
    """Per-step regret V*_h - Q*_h sums, in expectation, to V*_1 - V^pi_1 (performance
    difference), and the mean return estimates V^pi_1: checked by Monte Carlo."""
    rng = np.random.default_rng(0)
    inst = generate_instance(rng, 3, 4, 2, 3)
    policy = np.full((3, 3, 2), 4)
    policy[:, :, 0] = rng.integers(4, size=(3, 3))
    v_pi = evaluate_policy(inst, policy)[0, 0]
    v_star = optimal_plan(inst).value[0, 0]
    K = 4000
    env = CascadingRLEnv(n_states=3, n_items=4, list_size=2, horizon=3, num_episodes=K)
    obs, _ = env.reset(seed=0, options={"instance": inst})
    done = False
    while not done:
        obs, _, done, _, info = env.step(policy[obs[1], obs[0]])
    m = info["metrics"]
    # returns are in [0, 3]: 4 standard errors of K episodes
    tol = 4 * 3 / 2 / np.sqrt(K)
    assert m["total_reward"] / K == pytest.approx(v_pi, abs=tol)
    assert m["cumulative_regret"] / K == pytest.approx(v_star - v_pi, abs=tol)
    assert m["optimal_value"] == pytest.approx(v_star)


def test_replaying_an_instance():
    env = small_env()
    env.reset(seed=5)
    inst = env.model()
    other = small_env()
    other.reset(seed=99, options={"instance": inst})
    assert np.array_equal(other.model().attraction, inst.attraction)
    other.reset(seed=99, options={"instance": inst.to_dict()})
    assert np.array_equal(other.model().transition, inst.transition)
    assert isinstance(other.model(), CascadingInstance)


@pytest.mark.parametrize("field, value", [
    ("attraction", np.full((3, 4), 1.5)),
    ("attraction", np.full((3, 4), -0.1)),
    ("attraction", np.full(3, 0.5)),
    ("reward", np.full((3, 4), 2.0)),
    ("reward", np.full((2, 4), 0.5)),
    ("transition", np.full((3, 4, 3), 1 / 3)),
    ("transition", np.full((3, 5, 3), 0.5)),
    ("list_size", 5),
    ("horizon", 0),
])
def test_bad_instances_name_the_field(field, value):
    env = small_env()
    env.reset(seed=0)
    fields = env.model().to_dict()
    fields[field] = value
    with pytest.raises(ValueError, match=field):
        env.reset(options={"instance": fields})


@pytest.mark.parametrize("options", [{"instanse": 1}, [1], "x", {"instance": 3}])
def test_bad_options(options):
    with pytest.raises(ValueError, match="options"):
        small_env().reset(seed=0, options=options)


def test_instance_of_other_sizes_refused():
    inst = generate_instance(np.random.default_rng(0), 2, 4, 2, 3)
    with pytest.raises(ValueError, match="attraction"):
        small_env().reset(options={"instance": inst})


@pytest.mark.parametrize("kwargs, name", [
    ({"list_size": 5}, "list_size"), ({"horizon": 0}, "horizon"),
    ({"attraction_low": 1.2}, "attraction_low"), ({"attraction_high": -0.2}, "attraction_high"),
    ({"attraction_low": 0.6, "attraction_high": 0.5}, "attraction_low"),
    ({"n_states": 0}, "n_states"), ({"concentration": 0}, "concentration"),
])
def test_bad_constructor_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        small_env(**kwargs)


@pytest.mark.parametrize("env_id", ["CascadingRL-v0", "CascadingBandit-v0"])
def test_bad_input_tables(env_id):
    check_bad_inputs(env_id)


def test_bandit_is_the_one_state_special_case():
    env = CascadingBanditEnv(n_items=6, list_size=2, num_rounds=50)
    obs, _ = env.reset(seed=0)
    q = env.model().attraction[0]
    np.testing.assert_allclose(np.sort(q), [0.05] * 4 + [0.2] * 2)
    best = np.argsort(-q)[:2]
    _, reward, _, _, info = env.step(np.array(best))
    assert info["regret"] == pytest.approx(0.0, abs=1e-12) and reward in (0.0, 1.0)
    assert tuple(obs) == (0, 0)
    _, _, _, _, info = env.step(np.array([6, 6]))  # empty list: lose 1 - 0.8^2
    assert info["regret"] == pytest.approx(1 - 0.8 ** 2)
    env.reset(seed=0, options={"instance": np.linspace(0, 1, 6)})
    assert env.model().attraction[0, 5] == 1.0
    with pytest.raises(ValueError, match="attraction"):
        env.reset(options={"instance": np.array([0.5, 2.0, 0, 0, 0, 0])})
    with pytest.raises(ValueError, match="gap"):
        CascadingBanditEnv(attraction=0.1, gap=0.2)


def test_uniform_bandit_generator_and_render():
    env = CascadingBanditEnv(n_items=5, list_size=3, num_rounds=20, generator="uniform",
                             render_mode="rgb_array")
    env.reset(seed=3)
    assert len(set(env.model().attraction[0].tolist())) == 5
    for _ in range(10):
        env.step(env.action_space.sample())
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert (img != 255).any()


def test_gym_make_and_pickle_mid_run():
    env = gym.make("CascadingRL-v0", num_episodes=3)
    env.reset(seed=4)
    env.step(env.action_space.sample())
    clone = pickle.loads(pickle.dumps(env))
    for _ in range(5):
        a = env.action_space.sample()
        out1, out2 = env.step(a), clone.step(a)
        assert np.array_equal(out1[0], out2[0]) and out1[1] == out2[1]


def test_action_space_samples_uniformly_among_legal_lists():
    """N = 3, m = 2: 1 + 3 + 6 = 10 legal lists, each drawn about a tenth of the time."""
    from papergym.envs.cascading.spaces import ItemListSpace

    space = ItemListSpace(3, 2, seed=0)
    counts: dict[tuple, int] = {}
    for _ in range(5000):
        a = space.sample()
        items = tuple(x for x in a.tolist() if x != 3) if a[0] != 3 else ()
        counts[items] = counts.get(items, 0) + 1
    assert len(counts) == 10
    assert all(abs(c - 500) < 4 * (500 * 0.9) ** 0.5 for c in counts.values()), counts
    assert not space.contains(np.array([1, 1])) and space.contains(np.array([3, 3]))
    with pytest.raises(ValueError, match="mask"):
        space.sample(mask=(np.ones(4, np.int8), np.ones(4, np.int8)))
