"""LotteryTicket-v0: masks respected by every agent, bad actions refused, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.agents.base import agents_for
from papergym.envs.pruning.lottery import LotteryTicketEnv
from tests.pruning.helpers import QUICK, assert_masks_respected, play

LOTTERY_AGENTS = [a for a in agents_for("LotteryTicket-v0", QUICK)]


def test_lottery_agents_are_registered():
    for name in ("imp", "imp-random-reinit", "one-shot-magnitude", "random-pruning", "snip",
                 "grasp", "synflow", "magnitude-at-init", "scratch-e", "scratch-b",
                 "l1-neuron-finetune"):
        assert name in LOTTERY_AGENTS


@pytest.mark.parametrize("agent", LOTTERY_AGENTS)
def test_masks_are_respected_by_every_agent(agent):
    steps = []

    def check(env, info):
        assert_masks_respected(env, info)
        steps.append(info["density"])

    metrics = play("LotteryTicket-v0", agent, seed=1, on_step=check, **QUICK)
    assert steps, "no step played"
    assert metrics["density"] == steps[-1]
    # densities never grow: pruned weights are never revived
    assert all(a >= b for a, b in zip(steps, steps[1:]))
    assert metrics["ticket_accuracy"] in (0.0, metrics["test_accuracy"])


def _env(**kwargs):
    env = LotteryTicketEnv(**{**QUICK, **kwargs})
    env.reset(seed=0)
    return env


def _act(env, **kw):
    action = {"keep": np.ones(env.n_layers, dtype=np.float32), "rule": 0}
    action.update(kw)
    return action


@pytest.mark.parametrize("keep", [0.0, -0.1, 1.5, np.nan])
def test_keep_fraction_outside_unit_interval_names_the_layer(keep):
    env = _env()
    before = [m.clone() for m in env._masks]
    bad = np.ones(env.n_layers, dtype=np.float32)
    bad[1] = keep
    with pytest.raises(InvalidAction, match="layer 1"):
        env.step(_act(env, keep=bad))
    assert all((a == b).all() for a, b in zip(before, env._masks)), "state changed"
    assert env._round == 0


def test_mask_of_wrong_shape_names_the_layer():
    env = _env()
    masks = {f"layer{i}": np.ones(s, dtype=np.int8) for i, s in enumerate(env._shapes)}
    masks["layer1"] = np.ones((3, 3), dtype=np.int8)
    with pytest.raises(InvalidAction, match="layer 1"):
        env.step(_act(env, rule=6, mask=masks))
    masks["layer1"] = np.full(env._shapes[1], 2, dtype=np.int8)
    with pytest.raises(InvalidAction, match="layer 1"):
        env.step(_act(env, rule=6, mask=masks))
    with pytest.raises(InvalidAction, match="mask"):
        env.step(_act(env, rule=6))


@pytest.mark.parametrize("key,value", [("rule", 7), ("rule", -1), ("weights", 3), ("stop", 2),
                                       ("scope", "global")])
def test_unknown_rule_or_choice_is_refused(key, value):
    env = _env()
    with pytest.raises(InvalidAction, match=key):
        env.step(_act(env, **{key: value}))


def test_malformed_actions_are_refused():
    env = _env()
    with pytest.raises(InvalidAction, match="dict"):
        env.step(3)
    with pytest.raises(InvalidAction, match="unknown keys"):
        env.step({**_act(env), "colour": 1})
    with pytest.raises(InvalidAction, match="keep"):
        env.step({"rule": 0})
    with pytest.raises(InvalidAction, match="entries"):
        env.step(_act(env, keep=np.ones(7)))


def test_step_before_reset_and_after_end_need_reset():
    env = LotteryTicketEnv(**QUICK)
    with pytest.raises(ResetNeeded):
        env.step({"keep": np.ones(2), "rule": 0})
    env.reset(seed=0)
    env.step(_act(env, stop=1))
    with pytest.raises(ResetNeeded):
        env.step(_act(env))


def test_bad_options_are_refused():
    env = LotteryTicketEnv(**QUICK)
    with pytest.raises(ValueError, match="options"):
        env.reset(options={"colour": 1})
    with pytest.raises(ValueError, match="options"):
        env.reset(options=[1])
    with pytest.raises(ValueError, match="instance"):
        env.reset(options={"instance": -3})


def test_instance_option_replays_split_and_init():
    a, b = LotteryTicketEnv(**QUICK), LotteryTicketEnv(**QUICK)
    a.reset(seed=1, options={"instance": 5})
    b.reset(seed=2, options={"instance": 5})
    assert all((x == y).all() for x, y in zip(a.model().init_weights, b.model().init_weights))
    assert (a.model().y_train == b.model().y_train).all()


def test_same_seed_same_metrics_and_density_is_exact():
    m1 = play("LotteryTicket-v0", "imp", seed=3, **QUICK)
    m2 = play("LotteryTicket-v0", "imp", seed=3, **QUICK)
    assert m1 == m2
    assert m1["density"] <= QUICK["target_density"]
    assert m1["reached_target"] == 1.0 and m1["ticket_accuracy"] == m1["test_accuracy"]


def test_imp_prunes_twenty_percent_per_layer_and_ten_percent_of_the_output():
    sizes = np.array([64 * 40, 40 * 20, 20 * 10])
    seen = []
    play("LotteryTicket-v0", "imp", seed=0, hidden=(40, 20), train_steps_per_round=5,
         max_rounds=12, target_density=0.2,
         on_step=lambda e, i: seen.append(np.rint(i["layer_density"] * sizes)))
    alive = sizes.astype(float)
    assert (seen[0] == sizes).all()  # round 0 trains the dense net
    for got in seen[1:-1]:           # middle rounds: 20% / 10% of the alive weights
        want = np.maximum(1, np.rint(alive * np.array([0.8, 0.8, 0.9])))
        assert (got == want).all(), (got, want)
        alive = got
    assert seen[-1].sum() / sizes.sum() <= 0.2


def test_train_flops_count_alive_weights():
    env = _env()
    env.step(_act(env, keep=np.array([0.5, 0.5], dtype=np.float32)))
    alive = sum(int(m.sum()) for m in env._masks)
    assert env._flops == 6.0 * env.batch_size * alive * env.train_steps_per_round


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None)
@given(keep=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=2),
       rule=st.integers(0, 5), scope=st.integers(0, 1), weights=st.integers(0, 2))
def test_any_legal_round_keeps_masks_exact_and_counts_per_layer(keep, rule, scope, weights):
    """Whatever legal round is played, pruned weights are zero, masks only shrink, and a
    per-layer magnitude/random/SNIP/GraSP round keeps exactly max(1, round(k * alive))."""
    env = LotteryTicketEnv(hidden=(8,), train_steps_per_round=2, max_rounds=3)
    env.reset(seed=0)
    before = [m.clone() for m in env._masks]
    _, _, _, _, info = env.step({"keep": np.array(keep, dtype=np.float32), "rule": rule,
                                 "scope": scope, "weights": weights})
    assert_masks_respected(env, info)
    for old, new in zip(before, env._masks):
        assert torch.all(new <= old)
    if scope == 0 and rule != 5:
        for k, old, new in zip(keep, before, env._masks):
            assert int(new.sum()) == max(1, int(round(k * int(old.sum()))))
