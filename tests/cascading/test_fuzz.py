"""Property tests (hypothesis): any legal list on any small instance keeps the env's
invariants, BestPerm never loses to a random list, and illegal lists change nothing."""

from __future__ import annotations

import pickle

import numpy as np
from gymnasium.error import InvalidAction
from hypothesis import given, settings
from hypothesis import strategies as st

from papergym.envs.cascading.env import CascadingRLEnv
from papergym.envs.cascading.model import best_perm, list_value

sizes = st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 3),
                  st.integers(0, 10_000))


@settings(max_examples=40, deadline=None)
@given(sizes, st.data())
def test_random_runs_keep_invariants(size, data):
    S, N, H, seed = size
    m = data.draw(st.integers(1, N))
    env = CascadingRLEnv(n_states=S, n_items=N, list_size=m, horizon=H, num_episodes=3)
    obs, _ = env.reset(seed=seed)
    total, done, steps = 0.0, False, 0
    while not done:
        length = data.draw(st.integers(0, m))
        items = data.draw(st.permutations(range(N)))[:length]
        action = np.full(m, N, dtype=np.int64)
        action[:length] = items
        state = obs[0]
        obs, reward, done, truncated, info = env.step(action)
        steps += 1
        total += reward
        assert env.observation_space.contains(obs) and not truncated
        assert info["regret"] >= 0.0 and info["state"] == state
        pos = info["click_position"]
        assert len(info["examined"]) == (pos + 1 if pos >= 0 else length)
        assert 0.0 <= reward <= 1.0 and (reward == 0.0 or pos >= 0)
        assert 0 <= info["next_state"] < S
    assert steps == 3 * H
    assert info["metrics"]["total_reward"] == np.float64(total)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.data())
def test_best_perm_beats_any_list(n, data):
    m = data.draw(st.integers(1, n))
    floats = st.floats(0, 1, allow_nan=False)
    q = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    w = np.array(data.draw(st.lists(st.floats(0, 3, allow_nan=False), min_size=n, max_size=n)))
    w_bot = data.draw(st.floats(0, 3, allow_nan=False))
    value, items = best_perm(q, w, w_bot, m)
    other = data.draw(st.permutations(range(n)))[:data.draw(st.integers(0, m))]
    assert value >= list_value(q, w, w_bot, other) - 1e-12
    assert list_value(q, w, w_bot, items) == value or abs(
        list_value(q, w, w_bot, items) - value) < 1e-12


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 5), st.data())
def test_duplicates_are_refused_without_effect(n, data):
    m = data.draw(st.integers(2, n))
    env = CascadingRLEnv(n_states=2, n_items=n, list_size=m, horizon=2, num_episodes=2)
    env.reset(seed=0)
    a = data.draw(st.integers(0, n - 1))
    i, j = sorted(data.draw(st.lists(st.integers(0, m - 1), min_size=2, max_size=2,
                                     unique=True)))
    others = iter([x for x in data.draw(st.permutations(range(n))) if x != a])
    action = np.full(m, n, dtype=np.int64)
    for pos in range(j + 1):  # distinct other items, no stop before the repeat at j
        action[pos] = a if pos in (i, j) else next(others)
    before = pickle.dumps(env)
    try:
        env.step(action)
    except InvalidAction:
        assert pickle.dumps(env) == before
    else:
        raise AssertionError(f"{action} repeats item {a} and was accepted")
