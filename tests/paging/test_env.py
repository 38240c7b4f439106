"""Paging-v0 mechanics: spaces, steps only at faults, metrics, replay, bad input."""

from __future__ import annotations

import pickle
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.paging import PagingEnv, belady, load_trace, next_use
from tests.paging.helpers import play

QUICK = PagingEnv.quick_kwargs


@pytest.mark.parametrize("kwargs, name", [
    ({"k": 0}, "k"), ({"k": 2.5}, "k"), ({"k": 5, "n_pages": 5}, "n_pages"),
    ({"horizon": 0}, "horizon"), ({"noise": -0.1}, "noise"), ({"noise": 1.5}, "noise"),
    ({"noise0": 2.0}, "noise0"), ({"noise1": -1.0}, "noise1"),
    ({"noise_mode": "adversarial", "noise0": 0.5}, "noise0"),
    ({"prediction": "next_arrival", "noise1": 0.5}, "noise1"),
    ({"trace": "/no/such/trace.txt"}, "trace"), ({"trace": 7}, "trace"),
    ({"trace_column": "page"}, "trace_column"), ({"n_pages": 0}, "n_pages"),
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
    """One polarity: in both bit modes the flips show a truly evictable page (1) as 0, on
    the requests whose page returns furthest in the future."""
    for prediction in ("discard", "phase"):
        env = PagingEnv(k=4, n_pages=12, horizon=400, prediction=prediction, noise=0.05,
                        noise_mode="adversarial")
        env.reset(seed=2)
        m = env.model()
        flipped = np.flatnonzero(m.true_bits != m.predicted_bits)
        assert len(flipped) == 20 and np.all(m.predicted_bits[flipped] == 0)
        assert np.all(m.true_bits[flipped] == 1)
        nxt = next_use(m.requests)
        candidates = np.flatnonzero(m.true_bits == 1)
        spared = np.setdiff1d(candidates, flipped)
        assert nxt[flipped].min() > nxt[spared].max()  # the furthest-returning ones


def test_phase_bit_is_one_when_the_page_skips_the_next_phase():
    """k = 2: phases [0 1 0] [2 1] [3 0]; page 0 is not requested in phase 1 (bit 1 at
    t = 0 and 2), page 1 is (bit 0 at t = 1), page 2 is not requested in phase 2."""
    env = PagingEnv(k=2, n_pages=4, prediction="phase", noise=0.0)
    env.reset(options={"instance": [0, 1, 0, 2, 1, 3, 0]})
    m = env.model()
    assert m.phase.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert m.true_bits.tolist() == [1, 0, 1, 1, 1, 1, 1]
    assert np.array_equal(m.predicted_bits, m.true_bits)


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


# ------------------------------------------------------------------ reset and step guards


def test_step_before_reset_raises_reset_needed():
    env = PagingEnv(**QUICK)
    with pytest.raises(ResetNeeded):
        env.step(0)
    with pytest.raises(ResetNeeded):
        env.model()
    env.reset(options={"instance": [0]})
    env.step(0)
    with pytest.raises(ResetNeeded):  # and after the end
        env.step(0)


@pytest.mark.parametrize("options, match", [
    ({"instanc": [0, 1]}, r"unknown key 'instanc' \(did you mean 'instance'\?\)"),
    ({"instance": [0, 1], "seed": 3}, "unknown key 'seed'"),
    ([("instance", [0, 1])], "options must be a dict"),
    ("instance", "options must be a dict"),
    ({"predictions": [0, 1]}, r"options\['predictions'\] needs options\['instance'\]"),
])
def test_bad_reset_options_are_refused(options, match):
    env = PagingEnv(**QUICK)
    with pytest.raises(ValueError, match=match):
        env.reset(seed=0, options=options)


# ------------------------------------------------------------------ next-arrival predictions


def test_next_arrival_predictions_are_next_request_times():
    seq = [0, 1, 0, 2, 1, 0]
    env = PagingEnv(k=2, n_pages=3, prediction="next_arrival", noise=0.0)
    obs, info = env.reset(options={"instance": seq})
    m = env.model()
    assert m.true_predictions.tolist() == [2, 4, 5, 6, 6, 6]  # T = 6: never again
    assert np.array_equal(m.predictions, m.true_predictions)
    assert info["request_prediction"] == 2 and "bits" not in info
    assert obs[2, 3] == pytest.approx(2 / 6)  # the request row shows t_next / T
    obs, _, _, _, info = env.step(0)
    obs, _, _, _, info = env.step(1)  # page 0 was hit at t = 2: its prediction is now 5
    assert info["predicted_next"].tolist() == [5, 4]
    assert obs[0, 3] == pytest.approx(5 / 6)


def test_next_arrival_noise_rate_and_range():
    env = PagingEnv(k=5, n_pages=20, horizon=20000, prediction="next_arrival", noise=0.3)
    env.reset(seed=0)
    m = env.model()
    t = np.arange(20000)
    wrong = m.predictions != m.true_predictions
    assert wrong.mean() == pytest.approx(0.3, abs=0.02)
    assert np.all(m.predictions > t) and np.all(m.predictions <= 20000)
    results = play("lru", prediction="next_arrival", noise=0.3, k=5, n_pages=20, horizon=300)
    assert results["prediction_error"] == pytest.approx(0.3 * 300, abs=30)
    assert results["error_rate"] == results["prediction_error"] / 300
    assert results["eta_l1"] >= results["prediction_error"] and "eta0" not in results


def test_next_arrival_adversarial_predicts_the_furthest_pages_return_at_once():
    env = PagingEnv(k=4, n_pages=12, horizon=400, prediction="next_arrival", noise=0.05,
                    noise_mode="adversarial")
    env.reset(seed=2)
    m = env.model()
    wrong = np.flatnonzero(m.predictions != m.true_predictions)
    assert len(wrong) == 20 and np.array_equal(m.predictions[wrong], wrong + 1)
    nxt = next_use(m.requests)
    candidates = np.flatnonzero(m.true_predictions > np.arange(400) + 1)  # could be wrong
    spared = np.setdiff1d(candidates, wrong)
    assert nxt[wrong].min() > nxt[spared].max()


def test_replayed_next_arrival_predictions_are_checked():
    env = PagingEnv(k=2, n_pages=3, prediction="next_arrival")
    for bad in ([1, 2, 3], [1, 2, 5, 4], [0, 2, 3, 4], [1.0, 2.0, 3.0, 4.0]):
        with pytest.raises(ValueError, match=r"options\['predictions'\]"):
            env.reset(options={"instance": [0, 1, 0, 2], "predictions": bad})
    env.reset(options={"instance": [0, 1, 0, 2], "predictions": [4, 4, 4, 4]})
    assert env.model().predictions.tolist() == [4, 4, 4, 4]


# ------------------------------------------------------------------ trace files


TRACE_DIR = Path(__file__).parent / "data"


def test_load_trace_reads_one_id_per_line_and_renames_pages():
    pages = load_trace(TRACE_DIR / "small_trace.txt")
    # 0x7f00 0x7f40 0x7f00 0x8000 0x7f40 0x7f80 0x7f00 0x8000 ... renamed in first-seen order
    assert pages[:8].tolist() == [0, 1, 0, 2, 1, 3, 0, 2]
    assert pages.dtype == np.int64 and len(pages) == 40 and pages.max() == 5


def test_load_trace_reads_a_csv_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("time,page,size\n1,a,3\n2,b,3\n3,a,4\n4,c,1\n")
    assert load_trace(path, "page").tolist() == [0, 1, 0, 2]
    assert load_trace(path, "size").tolist() == [0, 0, 1, 2]
    headerless = tmp_path / "h.csv"
    headerless.write_text("1,x\n2,y\n3,x\n")
    assert load_trace(headerless, 1).tolist() == [0, 1, 0]
    one = tmp_path / "one.csv"
    one.write_text("5\n6\n5\n")
    assert load_trace(one).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="trace_column"):
        load_trace(path)  # three columns: which one?
    with pytest.raises(ValueError, match="trace_column"):
        load_trace(path, "pages")
    with pytest.raises(ValueError, match="trace_column"):
        load_trace(headerless, 2)
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n")
    with pytest.raises(ValueError, match="trace"):
        load_trace(empty)


def test_trace_argument_replays_the_file_every_episode():
    path = TRACE_DIR / "small_trace.txt"
    pages = load_trace(path)
    env = PagingEnv(k=3, trace=path, prediction="phase", noise=0.2)
    assert env.n_pages == 6  # None: the trace's page count
    for seed in (0, 1):
        env.reset(seed=seed)
        assert np.array_equal(env.model().requests, pages)
        assert env.model().opt_faults == belady(pages, 3).faults
    bits = env.model().predicted_bits
    env.reset(seed=5)
    assert not np.array_equal(env.model().predicted_bits, bits)  # noise drawn per seed
    m = play("lru", k=3, trace=str(path))
    assert m["horizon"] == 40 and m["opt_faults"] == belady(pages, 3).faults
    with pytest.raises(ValueError, match="n_pages"):
        PagingEnv(k=3, trace=path, n_pages=5)  # fewer pages than the trace
    # the same trace through options={"instance": ...} gives the same episode
    same = play("lru", k=3, n_pages=6, options={"instance": pages})
    assert same == m


def test_trace_env_pickles_and_runs_through_gym_make(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("\n".join(["a", "b", "c", "a", "d", "b", "a"] * 5))
    env = gym.make("Paging-v0", k=2, trace=str(path))
    env.reset(seed=0)
    clone = pickle.loads(pickle.dumps(env.unwrapped))
    assert np.array_equal(clone.model().requests, env.unwrapped.model().requests)


def test_trace_with_fixed_predictions_needs_no_instance():
    path = TRACE_DIR / "small_trace.txt"
    env = PagingEnv(k=3, trace=path)
    bits = np.zeros(40, dtype=np.int8)
    env.reset(seed=0, options={"predictions": bits})
    assert np.array_equal(env.model().predictions, bits)
    with pytest.raises(ValueError, match=r"options\['predictions'\] must be 40"):
        env.reset(seed=0, options={"predictions": bits[:5]})
