"""MarkovCodingGame env: the paper's claims, the protocol contract, bad input, SB3 PPO."""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded

import papergym
from papergym.agents import make_agent, why_not_applicable
from papergym.agents.coding.meme import MemeSender
from papergym.envs.coding.ebim import deterministic_joint
from papergym.envs.coding.grid import soft_q_policy
from papergym.envs.coding.mcg import MarkovCodingGameEnv
from papergym.envs.coding.protocol import CodingProtocol, build_protocol
from papergym.results import config_hash

SMALL = "MarkovCodingGameSmall-v0"
LOG_BETAS = (-6.0, -4.5, -4.0, -3.5, -3.0)  # the paper sweeps log beta in [-6, -3]


def point(env_id, agent, seeds=200, **kw):
    """Mean and standard error of (return, accuracy) over ``seeds`` episodes."""
    res = papergym.run(env_id, agent, seeds=seeds, **kw)
    ret = np.array([r.metrics["mdp_return"] for r in res])
    acc = np.array([r.metrics["decode_accuracy"] for r in res])
    n = len(res)
    return ret.mean(), ret.std() / np.sqrt(n), acc.mean(), acc.std() / np.sqrt(n)


def test_lossless_high_temperature_decodes_near_one():
    ret, _, acc, _ = point("MarkovCodingGame-v0", "mecb", seeds=30, beta=float(np.exp(-3.0)))
    assert acc >= 0.95


def test_beta_sweep_traces_the_trade_off_monotonically():
    pts = [point(SMALL, "mecb", compression=1.0, beta=float(np.exp(b))) for b in LOG_BETAS]
    for (r0, s0, a0, e0), (r1, s1, a1, e1) in zip(pts, pts[1:]):
        assert r1 <= r0 + 2 * np.hypot(s0, s1)  # return does not rise with beta
        assert a1 >= a0 - 2 * np.hypot(e0, e1)  # accuracy does not fall
    (r_lo, s_lo, a_lo, e_lo), (r_hi, s_hi, a_hi, e_hi) = pts[0], pts[-1]
    assert r_lo - r_hi > 3 * np.hypot(s_lo, s_hi) and a_hi - a_lo > 3 * np.hypot(e_lo, e_hi)


@pytest.mark.parametrize("compression", [2.0, 4.0])
def test_mecb_is_not_dominated_by_the_uniform_quantiser_frontier(compression):
    ours = [point(SMALL, "mecb", compression=compression, beta=float(np.exp(b)))
            for b in LOG_BETAS]
    base = [point(SMALL, "uniform-quantizer", compression=compression, protocol="uniform",
                  beta=float(np.exp(b))) for b in LOG_BETAS]
    for r, s, a, e in ours:
        for rb, sb, ab, eb in base:
            dominated = rb > r + 2 * np.hypot(s, sb) and ab > a + 2 * np.hypot(e, eb)
            assert not dominated
    # and at the highest temperature it decodes strictly better
    assert ours[-1][2] - base[-1][2] > 2 * np.hypot(ours[-1][3], base[-1][3])


def test_plain_mdp_agents_decode_at_chance():
    chance = 1 / 64
    for agent in ("return-max", "max-ent", "random"):
        _, _, acc, err = point(SMALL, agent, seeds=150, compression=1.0)
        assert acc <= chance + 3 * max(err, np.sqrt(chance * (1 - chance) / 150))
    _, _, acc, _ = point(SMALL, "mecb", seeds=150, compression=1.0, beta=float(np.exp(-3.5)))
    assert acc > 0.5


def test_without_protocol_the_receiver_guesses_the_prior():
    res = papergym.run(SMALL, "return-max", seeds=20, protocol=None)
    assert all(r.metrics["posterior_true_message"] == 1 / 64 for r in res)
    assert why_not_applicable("mecb", SMALL, {"protocol": None})
    assert why_not_applicable("mecb", SMALL, {"protocol": "uniform"})
    assert why_not_applicable("uniform-quantizer", SMALL, {"protocol": "uniform"}) is None


def test_sender_and_receiver_hold_the_same_belief_every_step():
    env = gym.make("MarkovCodingGame-v0", compression=2.0, beta=0.05)
    agent = make_agent("mecb")
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=4)
    agent.reset(obs, info, seed=4)
    done, steps = False, 0
    while not done:
        action = agent.act(obs, info)
        obs, reward, term, trunc, info = env.step(action)
        agent.observe(action, reward, obs, term, trunc, info)
        mine, theirs = agent._belief, env.unwrapped._belief
        assert np.array_equal(mine.codes, theirs.codes) and np.allclose(mine.probs, theirs.probs)
        assert int(obs["code"]) in theirs.codes  # the true code is never ruled out
        done, steps = term or trunc, steps + 1
    assert steps > 0 and abs(sum(theirs.probs) - 1) < 1e-9


def test_explicit_protocol_object_is_shared_by_env_and_agent():
    prior = np.full(64, 1 / 64)
    encoder = deterministic_joint(prior, np.arange(64) % 8)  # 3-bit code: x mod 8
    policy = soft_q_policy("4x4", 0.1, float(np.exp(-3.0)))
    proto = CodingProtocol(encoder, policy)
    n = 200
    res = papergym.run(SMALL, MemeSender(protocol=proto), seeds=n, protocol=proto)
    accuracy = np.mean([r.metrics["decode_accuracy"] for r in res])
    # a 3-bit code leaves 8 messages per code: at best 1/8, and well above chance (1/64)
    chance = 1 / 64
    assert chance + 3 * np.sqrt(chance * (1 - chance) / n) < accuracy <= 1 / 8 + 0.1
    # the receiver learns the code every episode (posterior 1/8 on the true message)...
    assert all(abs(r.metrics["posterior_true_message"] - 1 / 8) < 1e-9 for r in res)
    # ...which an agent that ignores the protocol does not
    ignorant = papergym.run(SMALL, "max-ent", seeds=n, protocol=proto)
    assert np.mean([r.metrics["posterior_true_message"] for r in ignorant]) < 1 / 32
    assert all(abs(r.metrics["rate"] - 3.0) < 1e-12 for r in res)
    # an agent cannot rebuild a hand-made protocol from the env's spec
    with pytest.raises(ValueError, match="protocol"):
        papergym.run(SMALL, MemeSender(), seeds=1, protocol=proto)


def test_protocol_digest_sees_every_byte_and_is_stable():
    prior = np.full(512, 1 / 512)
    policy = soft_q_policy("6x6", 0.1, 0.02)
    labels = np.arange(512) % 16
    a = CodingProtocol(deterministic_joint(prior, labels), policy)
    other = labels.copy()
    other[[200, 201]] = other[[201, 200]]  # two messages swap codes, deep inside the array
    b = CodingProtocol(deterministic_joint(prior, other), policy)
    assert repr(a.encoder) == repr(b.encoder)  # numpy's repr elides the difference
    assert a.digest() != b.digest()
    assert a.digest() == CodingProtocol(deterministic_joint(prior, labels), policy).digest()
    nudged = policy.copy()
    nudged[20, 0] += 1e-12
    c = CodingProtocol(a.encoder, nudged)
    assert c.digest() != a.digest()
    with pytest.raises(ValueError, match="read-only"):  # the protocol cannot change under it
        c.policy[20, 0] = 0.5
    assert nudged.flags.writeable  # the caller's array is copied, not frozen
    spec = {"encoder": "mecb", "message_size": 64, "prior": "uniform", "rate": 3.0,
            "refine": False, "grid": "4x4", "slip": 0.1, "beta": 0.02, "gamma": 0.95}
    built = build_protocol(spec)
    assert built.digest() == CodingProtocol(built.encoder.copy(), built.policy.copy(),
                                            spec=dict(spec)).digest()
    assert built.digest() != build_protocol({**spec, "beta": 0.03}).digest()
    assert built.digest() != CodingProtocol(built.encoder, built.policy).digest()  # spec counts


def test_senders_with_different_protocols_have_different_store_keys():
    prior = np.full(512, 1 / 512)
    policy = soft_q_policy("6x6", 0.1, 0.02)
    labels = np.arange(512) % 16
    other = labels.copy()
    other[[200, 201]] = other[[201, 200]]
    a = CodingProtocol(deterministic_joint(prior, labels), policy)
    b = CodingProtocol(deterministic_joint(prior, other), policy)
    key_a = config_hash(MemeSender(protocol=a).config())
    assert key_a != config_hash(MemeSender(protocol=b).config())
    assert key_a != config_hash(MemeSender().config())
    same = CodingProtocol(deterministic_joint(prior, labels), policy)
    assert key_a == config_hash(MemeSender(protocol=same).config())
    assert config_hash(MemeSender(protocol=a, encoder="mecb").config()) != \
        config_hash(MemeSender(encoder="mecb").config())
    from papergym.agents.coding.meme import MessageOnlySender
    assert config_hash(MessageOnlySender(protocol=a).config()) != \
        config_hash(MessageOnlySender(protocol=b).config())


def _finish_episode(env, action=0):
    done = False
    while not done:
        _, _, term, trunc, _ = env.step(action)
        done = term or trunc
    return term, trunc


@pytest.mark.parametrize("max_steps", [3, 40])  # ends by truncation / by reaching G or T
def test_step_after_the_episode_ended_raises_reset_needed_and_changes_nothing(max_steps):
    env = MarkovCodingGameEnv(message_size=64, compression=2.0, grid="4x4",
                              max_steps=max_steps)
    with pytest.raises(ResetNeeded):
        env.step(0)  # before the first reset
    env.reset(seed=0)
    term, trunc = _finish_episode(env, action=1)
    assert term or trunc
    state, t, ret, belief = env._state, env._t, env._return, env._belief
    rng_state = copy.deepcopy(env.np_random.bit_generator.state)
    for action in (0, 1, 2, 3):
        with pytest.raises(ResetNeeded):
            env.step(action)
    assert (env._state, env._t, env._return) == (state, t, ret) and env._belief is belief
    assert env.np_random.bit_generator.state == rng_state
    env.reset(seed=1)  # reset clears the flag
    assert env.step(0)[0]["state"] in range(16)


def test_step_after_termination_raises_on_the_small_id():
    env = gym.make(SMALL).unwrapped
    env.reset(seed=0)
    for seed in range(50):  # find an episode that terminates (goal or trap)
        env.reset(seed=seed)
        term, _ = _finish_episode(env, action=int(seed % 4))
        if term:
            break
    assert term
    with pytest.raises(ResetNeeded):
        env.step(0)



@pytest.mark.parametrize("message", [3.9, 3.0, True, -1, 64, "3", np.float64(2.0)])
def test_bad_reset_message_raises_and_changes_nothing(message):
    env = gym.make(SMALL).unwrapped
    env.reset(seed=0)
    env.step(1)
    state, t, rng_state = env._state, env._t, copy.deepcopy(env.np_random.bit_generator.state)
    with pytest.raises(ValueError, match="message"):
        env.reset(seed=5, options={"message": message})
    assert (env._state, env._t) == (state, t)
    assert env.np_random.bit_generator.state == rng_state
    assert env.reset(seed=0, options={"message": np.int64(3)}) is not None
    assert env._message == 3


def test_same_seed_same_metrics():
    a = papergym.run(SMALL, "mecb", seeds=[3, 4], episodes=2, beta=0.05)
    b = papergym.run(SMALL, "mecb", seeds=[3, 4], episodes=2, beta=0.05)
    assert [r.metrics for r in a] == [r.metrics for r in b]


def test_metrics_and_payoff():
    env = gym.make(SMALL, accuracy_weight=2.5)
    agent = make_agent("mecb")
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=0, options={"message": 5})
    agent.reset(obs, info, seed=0)
    done = False
    while not done:
        obs, r, term, trunc, info = env.step(agent.act(obs, info))
        done = term or trunc
    m = info["metrics"]
    assert m["mcg_payoff"] == pytest.approx(m["mdp_return"] + 2.5 * m["decode_accuracy"])
    assert m["compression"] == pytest.approx(2.0) and m["rate"] <= m["rate_budget"] + 1e-12
    assert set(m) >= {"mdp_return", "decode_accuracy", "rate", "mcg_payoff"}


def test_invalid_action_raises_and_leaves_the_state_unchanged():
    env = gym.make(SMALL).unwrapped
    env.reset(seed=1)
    env.step(1)
    before = copy.deepcopy(env)
    for bad in (4, -1, 1.5, "up"):
        with pytest.raises(InvalidAction):
            env.step(bad)
    assert env._state == before._state and env._t == before._t
    assert np.array_equal(env._belief.codes, before._belief.codes)
    assert env.step(2)[1:] == before.step(2)[1:]


@pytest.mark.parametrize("kwargs, word", [
    ({"message_size": 1}, "message_size"), ({"message_size": 2.5}, "message_size"),
    ({"slip": 1.5}, "slip"), ({"slip": -0.1}, "slip"), ({"rate": -1.0}, "rate"),
    ({"compression": 0.5}, "compression"), ({"rate": 1.0, "compression": 2.0}, "rate"),
    ({"beta": 0.0}, "beta"), ({"protocol": "huffman"}, "protocol"),
    ({"prior": [0.5, 0.6]}, "prior"), ({"prior": [-0.5, 1.5]}, "prior"),
    ({"max_steps": 0}, "max_steps"), ({"grid": "S.X\nG.."}, "grid"),
    ({"accuracy_weight": -1.0}, "accuracy_weight"),
    ({"max_steps": 2.7}, "max_steps"), ({"max_steps": 3.0}, "max_steps"),
    ({"max_steps": True}, "max_steps"), ({"gamma": 1.5}, r"gamma must be a finite real number in \[0.0, 1.0\)"),
    ({"gamma": 1.0}, "gamma"), ({"gamma": -0.1}, "gamma"), ({"gamma": float("nan")}, "gamma"),
    ({"gamma": True}, "gamma"), ({"gamma": "0.9"}, "gamma"),
    ({"rate": True}, "rate"), ({"rate": "2"}, "rate"), ({"rate": float("inf")}, "rate"),
    ({"rate": float("nan")}, "rate"), ({"compression": "x"}, "compression"),
    ({"compression": True}, "compression"), ({"compression": float("inf")}, "compression"),
    ({"refine": "no"}, "refine"), ({"refine": 1}, "refine"), ({"refine": None}, "refine"),
    ({"accuracy_weight": float("inf")}, "accuracy_weight"),
    ({"accuracy_weight": float("nan")}, "accuracy_weight"),
    ({"accuracy_weight": "1"}, "accuracy_weight"), ({"accuracy_weight": True}, "accuracy_weight"),
    ({"grid": None}, r"grid must be a layout name in \('4x4', '6x6', '10x10'\) or a map"),
    ({"grid": ["S.", ".G"]}, "grid"), ({"grid": 6}, "grid"),
    ({"slip": "0.1"}, "slip"), ({"slip": float("nan")}, "slip"), ({"slip": True}, "slip"),
    ({"beta": "0.02"}, "beta"), ({"beta": float("inf")}, "beta"), ({"beta": True}, "beta"),
    ({"prior": {"a": 1}}, "prior"), ({"prior": object()}, "prior"), ({"prior": ["a", "b"]}, "prior"),
    ({"protocol": np.array([1, 2])}, "protocol"),
    ({"protocol": "identity", "compression": 2.0}, "compression: protocol='identity' sends X"),
    ({"protocol": "identity", "rate": 8.0}, "rate"),
])
def test_bad_arguments_raise_value_error_naming_them(kwargs, word):
    with pytest.raises(ValueError, match="^" + word):
        gym.make("MarkovCodingGame-v0", **kwargs)


def test_hand_built_protocol_must_meet_the_rate_budget_it_is_reported_under():
    prior = np.full(512, 1 / 512)
    policy = soft_q_policy("6x6", 0.1, 0.02)
    proto = CodingProtocol(deterministic_joint(prior, np.arange(512) % 16), policy)  # 4 bits
    for kwargs, word in (({"rate": 3.0}, "rate"), ({"compression": 4.0}, "compression")):
        with pytest.raises(ValueError, match="^" + word + r": the CodingProtocol's code rate"):
            gym.make("MarkovCodingGame-v0", protocol=proto, **kwargs)
    # a stochastic encoder can spend more than H(X): with no budget given, R = H(X)
    noisy = CodingProtocol(np.full((512, 1024), 1 / (512 * 1024)), policy)
    with pytest.raises(ValueError, match="^protocol: the CodingProtocol's code rate"):
        gym.make("MarkovCodingGame-v0", protocol=noisy)
    # within the budget the budget is reported as given, the rate as the protocol's H(T)
    for kwargs, budget in (({}, 9.0), ({"rate": 4.0}, 4.0), ({"compression": 2.0}, 4.5)):
        env = gym.make("MarkovCodingGame-v0", protocol=proto, **kwargs)
        env.reset(seed=0)
        done = False
        while not done:
            *_, term, trunc, info = env.step(0)
            done = term or trunc
        assert info["metrics"]["rate"] == pytest.approx(4.0)
        assert info["metrics"]["rate_budget"] == pytest.approx(budget)
        assert info["metrics"]["rate"] <= info["metrics"]["rate_budget"] + 1e-9


def test_a_protocol_with_more_codes_than_messages_widens_the_code_space():
    """A stochastic encoder may use more codes than messages (here 16 codes for 8
    messages, H(T) = 4 bits): every observation must stay in the observation space."""
    encoder = np.zeros((8, 16))
    for x in range(8):
        encoder[x, [2 * x, 2 * x + 1]] = 0.5 / 8
    env = gym.make("MarkovCodingGame-v0", message_size=8, grid="4x4", rate=4.0,
                   protocol=CodingProtocol(encoder, soft_q_policy("4x4", 0.1, 0.02)))
    assert env.observation_space["code"].n == 16
    codes = set()
    for seed in range(40):
        obs, _ = env.reset(seed=seed)
        assert env.observation_space.contains(obs)
        codes.add(int(obs["code"]))
    assert max(codes) >= 8  # the wide codes are really sent


def test_binomial_prior_is_exact_and_does_not_overflow_for_large_message_sets():
    from math import comb

    from papergym.envs.coding.protocol import message_prior

    exact = np.array([comb(99, k) for k in range(100)], dtype=float)
    np.testing.assert_allclose(message_prior("binomial", 100), exact / exact.sum(), rtol=1e-12)
    p = message_prior("binomial", 4096)  # C(4095, 2047) is far beyond a float
    assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0) and p.argmax() in (2047, 2048)


def test_without_protocol_nothing_is_conveyed():
    (res,) = papergym.run(SMALL, "return-max", seeds=1, protocol=None)
    assert res.metrics["rate"] == 0.0 and res.metrics["code_information"] == 0.0


def test_model_is_the_protocol_free_mdp_and_read_only():
    env = gym.make(SMALL).unwrapped
    model = env.model()
    np.testing.assert_allclose(model["transitions"].sum(axis=2), 1.0)
    with pytest.raises(ValueError):
        model["rewards"][0, 0] = 5.0
    with pytest.raises(TypeError):
        model["gamma"] = 0.5  # type: ignore[index]


def test_render_rgb_array():
    env = gym.make(SMALL, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (96, 96, 3) and frame.dtype == np.uint8


def test_sb3_ppo_preset_trains_through_papergym_train_and_ranks_through_the_adapter(tmp_path):
    from pathlib import Path

    from papergym.cli import main
    from papergym.cli.train import load_preset

    preset_path = Path(__file__).resolve().parents[2] / "experiments" / "coding" / "ppo.yaml"
    preset = load_preset(str(preset_path))
    assert (preset["env"], preset["algo"], preset["n_steps"]) == (SMALL, "PPO", 256)
    code = main(["train", "--preset", str(preset_path), "--steps", "256", "--save-dir",
                 str(tmp_path), "--eval-seeds", "0", "--wandb-mode", "disabled"])
    assert code == 0
    (path,) = {p.with_suffix("") for p in tmp_path.glob("*.json")}
    res = papergym.run(SMALL, f"sb3:{path}", seeds=2)
    assert all(np.isfinite(r.metrics["mcg_payoff"]) for r in res)


def test_train_preset_refuses_unknown_keys_and_flags_override(tmp_path):
    from papergym.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("env: MarkovCodingGameSmall-v0\nstpes: 10\n")
    assert main(["train", "--preset", str(bad)]) == 2
    assert main(["train", "--preset", str(tmp_path / "missing.yaml")]) == 2


@pytest.mark.slow
@pytest.mark.parametrize("compression", [1.0, 2.0, 4.0, 8.0])
def test_paper_setup_mecb_beats_uniform_accuracy_at_equal_beta(compression):
    # The paper's Figure 4 setting: 512 uniform messages, 200 episodes per point.
    for log_beta in (-4.0, -3.5, -3.0):
        kw = {"compression": compression, "beta": float(np.exp(log_beta))}
        ours = point("MarkovCodingGame-v0", "mecb", seeds=200, **kw)
        base = point("MarkovCodingGame-v0", "uniform-quantizer", seeds=200, protocol="uniform",
                     **kw)
        assert ours[2] >= base[2] - 2 * np.hypot(ours[3], base[3])
        if compression > 1 and log_beta == -3.0:
            assert ours[2] - base[2] > 2 * np.hypot(ours[3], base[3])
