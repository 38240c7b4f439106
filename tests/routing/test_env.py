"""Env contract details of the routing family: bad input names the argument (and the
client), ResetNeeded / InvalidAction, option keys, generator facts, determinism."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.routing.datasets import test_instances
from papergym.envs.routing.generators import check_instance, generate
from papergym.envs.routing.parallel import PVRPParallelEnv
from papergym.envs.routing.pvrp import PVRPEnv


def _instance(n=6, m=3, **kw):
    return generate(np.random.default_rng(0), n, m, **kw)


def _replace(inst, **fields):
    return dataclasses.replace(inst, **{k: np.asarray(v) for k, v in fields.items()})


@pytest.mark.parametrize("cls", [PVRPEnv, PVRPParallelEnv])
@pytest.mark.parametrize(("arg", "value"), [("n", 0), ("m", 0), ("capacity", 8.0),
                                            ("distribution", "gauss"), ("speed", 0.0)])
def test_bad_constructor_arguments(cls, arg, value):
    with pytest.raises(ValueError, match=arg):
        cls(**{arg: value})


def test_check_instance_refuses_no_clients_and_no_vehicles():
    inst = _instance()
    with pytest.raises(ValueError, match="n must"):
        check_instance(_replace(inst, locs=inst.locs[:1], demand=inst.demand[:1],
                                profile=inst.profile[:, :0], allowed=inst.allowed[:, :0]))
    with pytest.raises(ValueError, match="m must"):
        check_instance(_replace(inst, capacity=inst.capacity[:0], speed=inst.speed[:0],
                                profile=inst.profile[:0], allowed=inst.allowed[:0]))


@pytest.mark.parametrize("cls", [PVRPEnv, PVRPParallelEnv])
def test_bad_instances_name_the_argument_and_the_client(cls):
    env = cls(n=6, m=3)
    inst = _instance()
    with pytest.raises(ValueError, match="profile"):
        env.reset(seed=0, options={"instance": _replace(inst, profile=np.ones((3, 5)))})
    allowed = np.array(inst.allowed)
    allowed[:, 3] = False
    with pytest.raises(ValueError, match="allowed.*client 4"):
        env.reset(seed=0, options={"instance": _replace(inst, allowed=allowed)})
    demand = np.array(inst.demand)
    demand[2] = 50
    with pytest.raises(ValueError, match="capacity.*client 2"):
        env.reset(seed=0, options={"instance": _replace(inst, demand=demand)})
    with pytest.raises(ValueError, match="n=7"):
        env.reset(seed=0, options={"instance": _instance(n=7)})
    with pytest.raises(ValueError, match="instance"):
        env.reset(seed=0, options={"instance": "not an instance"})


def test_options_unknown_keys_refused_single_agent_warned_parallel():
    with pytest.raises(ValueError, match="options"):
        PVRPEnv().reset(seed=0, options={"instnce": None})
    with pytest.raises(ValueError, match="options"):
        PVRPEnv().reset(seed=0, options=1)
    with pytest.warns(UserWarning, match="unknown key"):
        PVRPParallelEnv().reset(seed=0, options={"foo": 1})


def test_single_agent_reset_needed_and_invalid_action_leave_state_unchanged():
    env = PVRPEnv(n=5, m=2)
    with pytest.raises(ResetNeeded):
        env.step(0)
    obs, info = env.reset(seed=1)
    mask = info["action_mask"]
    assert mask[0] == 0 and mask[6] == 0          # every vehicle is at its depot
    with pytest.raises(InvalidAction):
        env.step(0)
    with pytest.raises(InvalidAction):
        env.step(env.action_space.n)
    with pytest.raises(InvalidAction):
        env.step(True)
    after = env._observation()
    for key in obs:
        np.testing.assert_array_equal(obs[key], after[key])
    done = False
    while not done:
        obs, _, done, _, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
    with pytest.raises(ResetNeeded):
        env.step(1)


def test_parallel_reset_needed_and_invalid_action():
    env = PVRPParallelEnv(n=5, m=2)
    with pytest.raises(ResetNeeded):
        env.step({})
    obs, _ = env.reset(seed=1)
    bad = {a: int(np.flatnonzero(o["action_mask"] == 0)[0]) for a, o in obs.items()}
    with pytest.raises(InvalidAction):
        env.step(bad)
    assert env._state.routes == [[], []]
    while env.agents:
        obs, *_ = env.step({a: int(np.flatnonzero(obs[a]["action_mask"])[-1])
                            for a in env.agents})
    with pytest.raises(ResetNeeded):
        env.step({"vehicle_0": 0})


def test_parallel_conflict_goes_to_the_lower_numbered_vehicle():
    env = PVRPParallelEnv(n=5, m=2)
    obs, _ = env.reset(seed=2)
    target = int(np.flatnonzero(obs["vehicle_0"]["action_mask"] & obs["vehicle_1"]["action_mask"])[0])
    _, _, _, _, infos = env.step({"vehicle_0": target, "vehicle_1": target})
    assert infos["vehicle_0"]["node"] == target and infos["vehicle_1"]["node"] == -1
    assert env._state.routes == [[target], []]


def test_generator_matches_camps_code():
    """Depot first, demands 1..9, capacity 40, pi profiles one-hot per client, cluster in
    [0, 1]; zones: the same number of forbidden vehicles per client, never all."""
    rng = np.random.default_rng(0)
    for dist in ("random", "pi", "block", "cluster"):
        inst = generate(rng, 200, 5, dist)
        assert inst.demand[0] == 0 and set(inst.demand[1:]) == set(range(1, 10))
        assert (inst.capacity == 40).all() and (inst.speed == 1).all()
        assert ((inst.profile >= 0) & (inst.profile <= 1)).all()
        if dist in ("pi", "block"):
            assert (inst.profile.sum(0) == 1).all()
    for _ in range(20):
        inst = generate(rng, 30, 7, zones=True)
        forbidden = (~inst.allowed).sum(0)
        assert len(set(forbidden)) == 1 and forbidden[0] <= 4   # floor(r m), r < 2/3
        np.testing.assert_array_equal(inst.profile, inst.allowed.astype(float))


def test_same_seed_same_instance_and_test_sets_are_fixed():
    a, b = PVRPEnv(), PVRPEnv()
    a.reset(seed=5)
    b.reset(seed=5)
    np.testing.assert_array_equal(a.model().locs, b.model().locs)
    first = test_instances(40, 3, "pi", count=2)
    again = test_instances(40, 3, "pi", count=2)
    assert first[0] is again[0]
    np.testing.assert_array_equal(first[1].profile, again[1].profile)
    assert not np.array_equal(first[0].locs, first[1].locs)


def test_replayed_instance_and_reference_gap():
    inst = test_instances(40, 3, count=1)[0]
    env = PVRPEnv()
    obs, info = env.reset(seed=0, options={"instance": inst, "reference_objective": -2.0})
    assert env.model() is inst
    done = False
    while not done:
        obs, _, done, _, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
    m = info["metrics"]
    assert np.isclose(m["gap_to_reference"], (-2.0 - m["objective"]) / 2.0)


def test_render_rgb_array():
    env = PVRPEnv(n=8, m=2, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert PVRPEnv(n=8, m=2).render() is None
