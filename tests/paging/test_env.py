"""Paging-v0 mechanics: spaces, steps only at faults, metrics, replay, bad input."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction

from papergym.envs.paging import PagingEnv, belady
from tests.paging.helpers import play

QUICK = PagingEnv.quick_kwargs


@pytest.mark.parametrize("kwargs, name", [
    ({"k": 0}, "k"), ({"k": 2.5}, "k"), ({"k": 5, "n_pages": 5}, "n_pages"),
    ({"horizon": 0}, "horizon"), ({"noise": -0.1}, "noise"), ({"noise": 1.5}, "noise"),
    ({"noise0": 2.0}, "noise0"), ({"noise1": -1.0}, "noise1"),
    ({"noise_mode": "adversarial", "noise0": 0.5}, "noise0"),
    ({"prediction": "oracle"}, "prediction"), ({"generator": "markov"}, "generator"),
    ({"noise_mode": "evil"}, "noise_mode"), ({"zipf_alpha": -1.0}, "zipf_alpha"),
    ({"render_mode": "human"}, "render_mode"),
    # wrong types name the argument too (not a TypeError from float() or np.isfinite)
    ({"noise": None}, "noise"), ({"noise": "abc"}, "noise"), ({"noise": [0.1]}, "noise"),
    ({"noise0": True}, "noise0"), ({"zipf_alpha": "abc"}, "zipf_alpha"),
    ({"zipf_alpha": float("nan")}, "zipf_alpha"),
])
def test_bad_constructor_argument_names_itself(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        PagingEnv(**kwargs)


def test_bad_instance_and_predictions_are_refused():
    env = PagingEnv(k=2, n_pages=4)
    for bad in ([], [0, 4], [-1], [[0, 1]], [0.5, 1.0]):
        with pytest.raises(ValueError, match=r"options\['instance'\]"):
            env.reset(options={"instance": bad})
    # probabilities, out-of-range integers and wrong lengths are refused, never cast to bits
    for bad in ([0, 1], [0.9, 0.2, 1.0], [256, 0, 0], [2, 0, 1], [[0, 1, 1]]):
        with pytest.raises(ValueError, match=r"options\['predictions'\]"):
            env.reset(options={"instance": [0, 1, 2], "predictions": bad})
    env.reset(options={"instance": [0, 1, 2], "predictions": [True, False, True]})
    assert env.model().predicted_bits.tolist() == [1, 0, 1]


def test_invalid_actions_raise_and_change_nothing():
    env = PagingEnv(k=3, n_pages=6, horizon=50)
    obs, info = env.reset(seed=1)
    obs, _, _, _, info = env.step(0)  # slot 0 now occupied, slots 1 and 2 free
    before = pickle.dumps(env)
    for bad in (3, -1, 0, 1.0, "1", np.array([1, 2]), True):
        with pytest.raises(InvalidAction):
            env.step(bad)
        assert pickle.dumps(env) == before
    assert env.action_masks().tolist() == [False, True, True]
    env.step(np.int64(2))  # a numpy integer is a valid action


def test_steps_happen_only_at_faults_and_return_is_minus_faults():
    seq = [0, 1, 0, 1, 2, 2, 2, 0, 1]
    env = PagingEnv(k=2, n_pages=3)
    obs, info = env.reset(options={"instance": seq})
    assert info["t"] == 0 and info["request"] == 0
    total, steps, ts = 0.0, 0, []
    done = False
    while not done:
        ts.append(info["t"])
        action = int(np.flatnonzero(info["action_mask"])[0]) if steps < 2 else \
            int(np.argmin(info["last_use"]))  # LRU
        obs, reward, done, truncated, info = env.step(action)
        total += reward
        steps += 1
    # LRU, k=2: faults at t=0, 1; at 4 it evicts 0 (last used at 2); 0 faults at 7 (evicts 1,
    # last used at 3); 1 faults at 8.  The hits at 2, 3, 5, 6 take no step.
    assert ts == [0, 1, 4, 7, 8]
    assert info["metrics"]["faults"] == steps == -total == 5
    assert info["metrics"]["opt_faults"] == belady(np.array(seq), 2).faults == 4
    assert info["metrics"]["competitive_ratio"] == pytest.approx(5 / 4)


def test_observation_matches_info_and_space():
    env = PagingEnv(k=4, n_pages=9, horizon=300)
    obs, info = env.reset(seed=5)
    done = False
    while not done:
        assert env.observation_space.contains(obs)
        T, t = 300, info["t"]
        occupied = info["pages"] >= 0
        assert np.array_equal(obs[:4, 0], occupied.astype(np.float32))
        assert np.allclose(obs[:4, 1][occupied], info["load_time"][occupied] / T)
        assert np.allclose(obs[:4, 2][occupied], info["last_use"][occupied] / T)
        assert np.array_equal(obs[:4, 3], info["bits"].astype(np.float32))
        assert obs[4, 1] == pytest.approx(t / T) and obs[4, 3] == info["request_bit"]
        assert info["request"] not in info["pages"].tolist()  # a step is always a fault
        mask = info["action_mask"]
        action = int(np.argmin(info["last_use"])) if mask.all() else int(np.argmax(mask))
        obs, _, done, _, info = env.step(action)
    assert set(info["metrics"]) >= {"faults", "opt_faults", "competitive_ratio",
                                   "prediction_error", "eta0", "eta1"}


def test_replay_gives_the_same_episode_and_model_is_read_only():
    env = PagingEnv(**QUICK)
    env.reset(seed=3)
    model = env.model()
    with pytest.raises(ValueError):
        model.requests[0] = 1
    again = PagingEnv(**QUICK)
    again.reset(options={"instance": model.requests, "predictions": model.predicted_bits})
    assert np.array_equal(again.model().true_bits, model.true_bits)
    assert again.model().opt_faults == model.opt_faults
    a = play("lru", options={"instance": model.requests}, **QUICK)
    assert a["opt_faults"] == model.opt_faults


def test_seed_fixes_sequence_and_bits_and_faults():
    runs = [play("marker", seed=s, agent_seed=0, prediction="phase", **QUICK) for s in (4, 4, 5)]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_noise_rates_are_honoured():
    env = PagingEnv(k=5, n_pages=20, horizon=20000, noise0=0.3, noise1=0.0)
    env.reset(seed=0)
    m = env.model()
    true, pred = m.true_bits, m.predicted_bits
    assert np.all(pred[true == 1] == 1)  # noise1 = 0: no wrong 0-predictions
    assert np.mean(pred[true == 0]) == pytest.approx(0.3, abs=0.02)


def test_adversarial_noise_flips_exactly_the_budget_of_hiding_errors():
    for prediction, shown in (("discard", 0), ("phase", 1)):
        env = PagingEnv(k=4, n_pages=12, horizon=400, prediction=prediction, noise=0.05,
                        noise_mode="adversarial")
        env.reset(seed=2)
        m = env.model()
        flipped = np.flatnonzero(m.true_bits != m.predicted_bits)
        assert len(flipped) == 20 and np.all(m.predicted_bits[flipped] == shown)


def test_render_pickle_and_gym_make():
    env = gym.make("Paging-v0", render_mode="rgb_array", **QUICK)
    env.reset(seed=0)
    env.step(0)
    env.step(1)
    image = env.render()
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] == 10 * 6 and image.shape[1] == 2 * 6
    clone = pickle.loads(pickle.dumps(env.unwrapped))
    out1, out2 = env.unwrapped.step(2), clone.step(2)
    assert np.array_equal(out1[0], out2[0]) and out1[1:4] == out2[1:4]
