"""Fuzzing: random valid configurations and action sequences keep every invariant: the
observation in its space and never in a wall, rewards >= 0 summing to F, metrics in range,
the vector env equal to one env per copy (autoreset included)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papergym.envs.submodular.coverage import SubmodularCoverageEnv, SubmodularCoverageVectorEnv
from papergym.envs.submodular.planners import greedy_rollout


@st.composite
def configurations(draw):
    objective = draw(st.sampled_from(["coverage", "information", "items"]))
    domain = draw(st.sampled_from(["single_room", "two_rooms"]))
    rows = draw(st.integers(3 if domain == "two_rooms" else 2, 8))
    cols = draw(st.integers(5 if domain == "two_rooms" else 2, 9))
    kwargs = {"shape": (rows, cols), "horizon": draw(st.integers(2, 12)),
              "objective": objective, "domain": domain,
              "start": draw(st.sampled_from([None, "random"])),
              "observe_coverage": draw(st.booleans())}
    if objective == "coverage":
        kwargs["weights"] = draw(st.sampled_from(["constant", "bimodal", "gp", "density"]))
        kwargs["radius"] = draw(st.integers(0, 2))
    if objective == "items":
        kwargs["item_counts"] = (2, 1)
        kwargs["capacities"] = tuple(draw(st.lists(st.integers(0, 2), min_size=2,
                                                   max_size=2)))
    if objective == "information":
        kwargs["gp_lengthscale"] = draw(st.floats(0.5, 5.0))
    return kwargs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=configurations(), seed=st.integers(0, 2**31 - 1),
       actions=st.lists(st.integers(0, 4), min_size=12, max_size=12))
def test_random_configurations_keep_the_invariants(kwargs, seed, actions):
    env = SubmodularCoverageEnv(**kwargs)
    obs, info = env.reset(seed=seed)
    problem = env.model()
    assert env.observation_space.contains(obs)
    assert not problem.geometry.walls[int(obs["cell"])]
    total, cells = 0.0, [int(obs["cell"])]
    for a in actions[:kwargs["horizon"] - 1]:
        obs, reward, terminated, truncated, info = env.step(a)
        assert env.observation_space.contains(obs) and reward >= 0.0 and not truncated
        assert not problem.geometry.walls[int(obs["cell"])]
        total += reward
        cells.append(int(obs["cell"]))
    assert terminated
    assert np.isclose(total, problem.value(cells), rtol=1e-9, atol=1e-9)
    metrics = info["metrics"]
    assert all(np.isfinite(v) for v in metrics.values())
    assert 0.0 <= metrics["coverage_fraction"] <= 1.0
    assert metrics["F"] <= problem.max_value() + 1e-9
    assert np.isclose(metrics["F_greedy"], greedy_rollout(problem)[0])
    assert metrics["F_greedy"] >= problem.value([problem.start]) - 1e-9


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=configurations(), seed=st.integers(0, 2**31 - 1), num_envs=st.integers(1, 4))
def test_vector_env_equals_one_env_per_copy(kwargs, seed, num_envs):
    native = SubmodularCoverageVectorEnv(num_envs=num_envs, **kwargs)
    singles = [SubmodularCoverageEnv(**kwargs) for _ in range(num_envs)]
    obs, _ = native.reset(seed=seed)
    outs = [env.reset(seed=seed + i)[0] for i, env in enumerate(singles)]
    rng = np.random.default_rng(seed)
    done = [False] * num_envs
    for _ in range(2 * kwargs["horizon"] + 1):
        for i, o in enumerate(outs):
            for key in o:
                assert np.array_equal(obs[key][i], o[key]), key
        acts = rng.integers(0, 5, size=num_envs)
        obs, rewards, terminated, _, _ = native.step(acts)
        for i, env in enumerate(singles):
            if done[i]:  # NEXT_STEP autoreset: this step resets the copy
                outs[i] = env.reset()[0]
                assert rewards[i] == 0.0 and not terminated[i]
                done[i] = False
                continue
            o, r, t, _, _ = env.step(int(acts[i]))
            outs[i] = o
            assert rewards[i] == r and terminated[i] == t
            done[i] = t


def test_gym_make_vec_accepts_every_registered_id():
    for env_id in ("SubmodularCoverage-v0", "SubmodularCappedItems-v0"):
        envs = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point",
                            horizon=4)
        envs.reset(seed=0)
        envs.step(np.array([1, 2]))
        envs.close()
