"""The two-agent Markov coding game (PettingZoo ParallelEnv) with a learned receiver."""

from __future__ import annotations

import copy
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

import papergym
from papergym.agents import make_agent
from papergym.agents.coding import MemeSender, PriorReceiver, ProtocolReceiver
from papergym.envs.coding import env, parallel_env
from papergym.envs.coding.mcg_parallel import MarkovCodingGameParallelEnv
from papergym.runner import agent_seed, run_parallel, run_parallel_episode
from papergym.utils.env_checker import check_parallel_env
from tests.contracts import assert_arguments_documented

SMALL = "MarkovCodingGameSmall-v0"
KW = {**gym.spec(SMALL).kwargs, "compression": 1.0, "beta": float(np.exp(-3.5))}


def play(penv, sender, receiver, seed):
    """One game through the runner's generic parallel loop, the agents seeded as the
    runner seeds a single-agent episode."""
    result = run_parallel_episode(penv, {"sender": sender, "receiver": receiver}, seed=seed,
                                  agent_seed_value=agent_seed(seed, 0))
    metrics = result.metrics
    returns = {"sender": metrics["return_sender"], "receiver": metrics["return_receiver"]}
    assert penv.agents == [] and metrics["mcg_payoff"] == pytest.approx(returns["sender"])
    return metrics, returns


def test_parallel_api_seed_and_aec_api():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the parallel test's warnings are contract breaches
        parallel_api_test(parallel_env(**KW), num_cycles=200)
        parallel_api_test(parallel_env(), num_cycles=60)  # the paper's 512 messages, 6x6
    parallel_seed_test(lambda: parallel_env(**KW))
    with warnings.catch_warnings():
        # the AEC test's style hints (agent names like "player_0", Box observations) only
        warnings.simplefilter("ignore", UserWarning)
        api_test(env(**KW), num_cycles=100)


def test_pickles_and_replays_the_same_game():
    penv = parallel_env(**KW, render_mode="rgb_array")
    clone = pickle.loads(pickle.dumps(penv))
    assert isinstance(clone, MarkovCodingGameParallelEnv) and clone.render_mode == "rgb_array"
    a = play(penv, MemeSender(), ProtocolReceiver(), seed=7)
    b = play(clone, MemeSender(), ProtocolReceiver(), seed=7)
    assert a == b
    frame = penv.render()
    assert frame.shape == (96, 96, 3) and frame.dtype == np.uint8


def test_protocol_receiver_matches_the_single_agent_env_on_the_same_seeds():
    seeds = range(30)
    single = papergym.run(SMALL, "mecb", seeds=seeds, compression=KW["compression"],
                          beta=KW["beta"])
    penv = parallel_env(**KW)
    for seed, res in zip(seeds, single):
        metrics, returns = play(penv, MemeSender(), ProtocolReceiver(), seed)
        assert metrics["decode_accuracy"] == res.metrics["decode_accuracy"]
        assert metrics["mdp_return"] == res.metrics["mdp_return"]
        assert metrics["protocol_decode_accuracy"] == metrics["decode_accuracy"]
        assert returns["sender"] == pytest.approx(metrics["mcg_payoff"])
        assert returns["receiver"] == metrics["decode_accuracy"]
    assert np.mean([r.metrics["decode_accuracy"] for r in single]) > 0.5


def test_receiver_guessing_by_the_prior_scores_chance():
    n, chance = 150, 1 / 64
    penv = parallel_env(**KW)
    results = [play(penv, MemeSender(), PriorReceiver(), seed)[0] for seed in range(n)]
    accuracy = np.mean([m["decode_accuracy"] for m in results])
    assert accuracy <= chance + 3 * np.sqrt(chance * (1 - chance) / n)
    # the trajectories carried the message: the protocol's receiver decodes them
    assert np.mean([m["protocol_decode_accuracy"] for m in results]) > 0.5
    # a skewed prior: the guess is its mode
    skewed = parallel_env(**{**KW, "prior": "geometric"})
    assert all(play(skewed, MemeSender(), PriorReceiver(), s)[0]["decode_accuracy"] ==
               float(skewed.game.message == 0) for s in range(5))
    # no protocol: the sender's code is X itself, and only the prior-guesser can play
    bare = parallel_env(**{**KW, "protocol": None})
    metrics, _ = play(bare, make_agent("return-max"), PriorReceiver(), seed=0)
    assert metrics["protocol_posterior_true_message"] == chance
    with pytest.raises(ValueError, match="protocol"):
        play(bare, make_agent("return-max"), ProtocolReceiver(), seed=0)


def test_receiver_observation_is_the_trajectory_and_its_mask_opens_at_the_decode_step():
    penv = parallel_env(**KW)
    obs, infos = penv.reset(seed=3)
    assert infos["receiver"]["protocol"] == infos["sender"]["protocol"] is not None
    rng = np.random.default_rng(0)
    steps = 0
    while infos["sender"]["phase"] == "move":
        assert obs["receiver"]["action_mask"].sum() == 1
        state, action = int(obs["sender"]["state"]), int(rng.integers(4))
        obs, rewards, _, _, infos = penv.step({"sender": action, "receiver": 5})
        assert obs["receiver"]["states"][steps] == state
        assert obs["receiver"]["actions"][steps] == action
        assert rewards["receiver"] == 0.0 and "regret" in infos["sender"]
        steps += 1
        assert obs["receiver"]["counts"].sum() == steps
        assert penv.observation_space("receiver").contains(obs["receiver"])
    assert obs["receiver"]["action_mask"].all() and penv.agents == ["sender", "receiver"]
    obs, rewards, terms, _, infos = penv.step({"receiver": 0})  # the sender may sit it out
    assert all(terms.values()) and penv.agents == []
    assert infos["sender"]["metrics"]["mdp_truncated"] == float(steps == KW["max_steps"])


@pytest.mark.parametrize("kwargs, word", [
    ({"message_size": 1}, "message_size"), ({"slip": 1.5}, "slip"), ({"rate": -1.0}, "rate"),
    ({"beta": 0.0}, "beta"), ({"protocol": "huffman"}, "protocol"),
    ({"max_steps": 0}, "max_steps"), ({"gamma": 1.0}, "gamma"),
    ({"accuracy_weight": -1.0}, "accuracy_weight"), ({"render_mode": "human"}, "render_mode"),
    ({"rate": True}, "rate"), ({"compression": "x"}, "compression"), ({"refine": "no"}, "refine"),
    ({"accuracy_weight": float("inf")}, "accuracy_weight"), ({"grid": None}, "grid"),
])
def test_bad_arguments_raise_value_error_naming_them(kwargs, word):
    with pytest.raises(ValueError, match="^" + word):
        parallel_env(**kwargs)


class _Recorder(MemeSender):
    """The MEME sender, recording what its ``observe`` is told."""

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.seen = []

    def observe(self, action, reward, observation, terminated, truncated, info):
        super().observe(action, reward, observation, terminated, truncated, info)
        self.seen.append((reward, terminated, truncated, dict(info)))


@pytest.mark.parametrize("max_steps", [40, 3])  # ends at the goal or trap / by the limit
def test_sender_observes_the_end_of_its_mdp_and_the_single_agent_metrics(max_steps):
    kw = {**KW, "max_steps": max_steps}
    ends = set()
    for seed in range(4):
        sender = _Recorder()
        game_metrics, _ = play(parallel_env(**kw), sender, ProtocolReceiver(), seed)
        # the same sender in the single-agent env under the runner's seeding
        single = gym.make(SMALL, **kw)
        obs, info = single.reset(seed=seed)
        solo = _Recorder()
        solo.reset(obs, info, seed=agent_seed(seed, 0))
        done = False
        while not done:
            action = solo.act(obs, info)
            obs, reward, term, trunc, info = single.step(action)
            solo.observe(action, reward, obs, term, trunc, info)
            done = term or trunc
        assert len(sender.seen) == len(solo.seen) > 0
        for (r, term, trunc, info), (r1, term1, trunc1, info1) in zip(sender.seen, solo.seen):
            assert (r, term, trunc) == (r1, term1, trunc1)
            assert (info["mdp_terminated"], info["mdp_truncated"]) == (term, trunc)
            assert ("metrics" in info) == ("metrics" in info1)
        *_, (_, term, trunc, last) = sender.seen
        assert term or trunc
        assert not any(t or u for _, t, u, _ in sender.seen[:-1])
        ends.add("truncated" if trunc else "terminated")
        assert trunc == (len(sender.seen) == max_steps and not term)
        assert last["phase"] == "decode" and last["metrics"] == solo.seen[-1][3]["metrics"]
        assert game_metrics["mdp_truncated"] == float(trunc)
        assert game_metrics["mdp_return"] == last["metrics"]["mdp_return"]
    assert ends == {"terminated" if max_steps == 40 else "truncated"}


def test_bad_actions_raise_and_change_nothing():
    penv = parallel_env(**KW)
    with pytest.raises(ResetNeeded):
        penv.step({"sender": 0, "receiver": 0})
    penv.reset(seed=1)
    penv.step({"sender": 1, "receiver": 0})
    def snapshot():  # (EzPickle makes deepcopy rebuild a fresh env, so copy the state)
        return (penv.game.elapsed_steps, penv.game.position, penv._actions.tolist(),
                penv._counts.tolist(),
                copy.deepcopy(penv.np_random.bit_generator.state), list(penv.agents))

    before = snapshot()
    for bad in ({"sender": 4, "receiver": 0}, {"sender": 1, "receiver": 64},
                {"sender": 1.5}, {"receiver": 0}, {"sender": 1, "spy": 0}, [1, 0]):
        with pytest.raises(InvalidAction):
            penv.step(bad)
    assert snapshot() == before
    obs, *_ = penv.step({"sender": 2, "receiver": 0})
    assert obs["receiver"]["actions"][:2].tolist() == [1, 2]


def test_docstring_lists_every_constructor_argument():
    assert_arguments_documented(MarkovCodingGameParallelEnv)


def test_registered_id_runs_through_run_parallel_with_registered_agents():
    check_parallel_env("MarkovCodingGameParallel-v0", num_cycles=30)
    results = run_parallel("MarkovCodingGameParallel-v0",
                           {"sender": "mecb", "receiver": "protocol-receiver"}, seeds=[0, 1],
                           **KW)
    single = papergym.run(SMALL, "mecb", seeds=[0, 1], compression=KW["compression"],
                          beta=KW["beta"])
    for res, solo in zip(results, single):
        assert res.metrics["decode_accuracy"] == solo.metrics["decode_accuracy"]
        assert res.metrics["mdp_return"] == solo.metrics["mdp_return"]
        assert res.metrics["return_receiver"] == res.metrics["decode_accuracy"]
    prior = run_parallel("MarkovCodingGameParallel-v0",
                         {"sender": "return-max", "receiver": "prior-receiver"}, seeds=1, **KW)
    assert prior[0].metrics["decode_accuracy"] in (0.0, 1.0)


def test_receivers_are_registered_for_the_two_agent_game_only():
    from papergym.agents import why_not_applicable

    assert why_not_applicable("protocol-receiver", "MarkovCodingGameParallel-v0") is None
    assert why_not_applicable("prior-receiver", "MarkovCodingGameParallel-v0") is None
    assert "not MarkovCodingGame-v0" in why_not_applicable("protocol-receiver",
                                                          "MarkovCodingGame-v0")
    assert why_not_applicable("mecb", "MarkovCodingGameParallel-v0") is None
    assert make_agent("protocol-receiver").role == "receiver"
    assert make_agent("mecb").role == make_agent("return-max").role == "sender"


def test_who_acts_is_in_the_infos():
    penv = parallel_env(**KW)
    obs, infos = penv.reset(seed=0)
    assert infos["sender"]["acts"] and not infos["receiver"]["acts"]
    while infos["sender"]["phase"] == "move":
        obs, _, _, _, infos = penv.step({"sender": 1})
        assert infos["sender"]["agent_terminated"] == infos["sender"]["mdp_terminated"]
        assert infos["sender"]["agent_truncated"] == infos["sender"]["mdp_truncated"]
    assert not infos["sender"]["acts"] and infos["receiver"]["acts"]


def test_receiver_seeing_moves_decodes_with_the_slip_model():
    # receiver_sees="move": the receiver's trajectory holds the moves after slipping; the
    # protocol receiver and the env's own receiver agree, and slips cost accuracy
    kw = {**KW, "slip": 0.2}
    moves = parallel_env(**kw, receiver_sees="move")
    actions = parallel_env(**kw)
    acc = {"move": [], "action": []}
    for seed in range(40):
        m, _ = play(moves, MemeSender(), ProtocolReceiver(), seed)
        assert m["decode_accuracy"] == m["protocol_decode_accuracy"]
        acc["move"].append(m["decode_accuracy"])
        acc["action"].append(play(actions, MemeSender(), ProtocolReceiver(), seed)[0][
            "decode_accuracy"])
    assert np.mean(acc["action"]) > np.mean(acc["move"])
