"""SubmodularCoverage-v0 and variants: the API contract details, the objectives' math
(rewards sum to F, monotone and submodular F, incremental == from scratch), bad input."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded
from hypothesis import given, settings
from hypothesis import strategies as st

import papergym  # noqa: F401  (registers the ids)
from papergym.envs.submodular import CONFIGURATIONS
from papergym.envs.submodular.coverage import SubmodularCoverageEnv, SubmodularCoverageVectorEnv
from papergym.envs.submodular.problem import make_geometry

SMALL = {"shape": (8, 9), "horizon": 15}
OBJECTIVE_KWARGS = [
    {"objective": "coverage", "weights": "constant"},
    {"objective": "coverage", "weights": "bimodal", "radius": 2},
    {"objective": "coverage", "weights": "gp"},
    {"objective": "coverage", "weights": "density", "domain": "two_rooms", "start": 31},
    {"objective": "information", "gp_lengthscale": 2.0},
    {"objective": "items", "item_counts": (6, 5, 4), "capacities": (2, 0, 3)},
]


def play(env, seed, rng):
    obs, info = env.reset(seed=seed)
    cells, rewards = [int(obs["cell"])], []
    done = False
    while not done:
        obs, r, term, trunc, info = env.step(int(rng.integers(5)))
        cells.append(int(obs["cell"]))
        rewards.append(r)
        done = term or trunc
    return cells, rewards, info


@pytest.mark.parametrize("kwargs", OBJECTIVE_KWARGS, ids=lambda k: "-".join(map(str, k.values())))
def test_rewards_sum_to_F_of_the_visited_set(kwargs):
    env = SubmodularCoverageEnv(**SMALL, **kwargs)
    rng = np.random.default_rng(1)
    for seed in range(4):
        cells, rewards, info = play(env, seed, rng)
        problem = env.model()
        assert len(cells) == SMALL["horizon"]
        assert min(rewards) >= 0.0
        assert sum(rewards) == pytest.approx(problem.value(cells), rel=1e-9, abs=1e-9)
        assert info["metrics"]["F"] == pytest.approx(problem.value(cells), rel=1e-9, abs=1e-9)
        revisits = sum(c in cells[:i] for i, c in enumerate(cells) if i > 0)
        assert info["metrics"]["revisit_rate"] == pytest.approx(revisits / (len(cells) - 1))


@pytest.mark.parametrize("kwargs", OBJECTIVE_KWARGS, ids=lambda k: "-".join(map(str, k.values())))
def test_batched_gains_match_one_trajectory(kwargs):
    env = SubmodularCoverageEnv(**SMALL, **kwargs)
    env.reset(seed=3)
    problem = env.model()
    rng = np.random.default_rng(0)
    paths = rng.integers(0, problem.n_cells, size=(6, 12))
    batch = problem.batched_state(6)
    gains = np.array([batch.add(paths[:, j]) for j in range(paths.shape[1])]).T
    for b in range(6):
        one = problem.trajectory_state()
        expected = [one.add(int(c)) for c in paths[b]]
        np.testing.assert_allclose(gains[b], expected, rtol=1e-9, atol=1e-12)
        assert batch.value[b] == pytest.approx(problem.value(paths[b]), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(range(len(OBJECTIVE_KWARGS))), seed=st.integers(0, 10**6),
       data=st.data())
def test_F_is_monotone_and_submodular(kind, seed, data):
    env = SubmodularCoverageEnv(**SMALL, **OBJECTIVE_KWARGS[kind])
    env.reset(seed=seed)
    problem = env.model()
    n = problem.n_cells
    cells = st.integers(0, n - 1)
    small = set(data.draw(st.lists(cells, max_size=6)))
    large = small | set(data.draw(st.lists(cells, max_size=8)))
    x = data.draw(cells)
    f_small, f_large = problem.value(small), problem.value(large)
    assert f_small <= f_large + 1e-9                                  # monotone
    gain_small = problem.value(small | {x}) - f_small
    gain_large = problem.value(large | {x}) - f_large
    assert gain_small >= gain_large - 1e-9                             # diminishing returns


def test_code_start_cell_and_two_room_layout():
    # the code starts at cell 34: row 1, column 4 of its 30 x 30 grid
    env = gym.make("SubmodularCoverage-v0")
    obs, _ = env.reset(seed=0)
    assert divmod(int(obs["cell"]), 30) == (1, 4)
    # two rooms (7 x 14): 4-column rooms, a corridor on rows 2-3, start in mid-corridor
    env = gym.make("SubmodularTwoRooms-v0")
    obs, _ = env.reset(seed=0)
    walls = env.unwrapped.model().geometry.walls.reshape(7, 14)
    assert divmod(int(obs["cell"]), 14) == (2, 6)
    assert not walls[:, :4].any() and not walls[:, 10:].any()
    assert not walls[2:4, 4:10].any() and walls[[0, 1, 4, 5, 6]][:, 4:10].all()
    # walls stop the agent: up from the corridor's top row stays put
    cell, _, _, _, _ = env.step(4)
    assert int(cell["cell"]) == int(obs["cell"])


def test_geometry_moves_and_footprint():
    g = make_geometry(3, 4, 1, "single_room")
    assert g.next_cell[0].tolist() == [0, 1, 4, 0, 0]
    assert g.next_cell[5].tolist() == [5, 6, 9, 4, 1]
    assert sorted(u for u in g.footprint[0] if u < 12) == [0, 1, 4, 5]
    assert sorted(u for u in g.footprint[5] if u < 12) == [0, 1, 2, 4, 5, 6, 8, 9, 10]


def test_observation_and_markov_flag():
    env = SubmodularCoverageEnv(**SMALL)
    obs, info = env.reset(seed=0)
    assert set(obs) == {"cell", "time", "covered"} and obs["covered"].sum() == 9
    assert env.observation_space.contains(obs) and info["F"] == 9.0
    env = SubmodularCoverageEnv(**SMALL, observe_coverage=False)
    obs, _ = env.reset(seed=0)
    assert set(obs) == {"cell", "time"}


def test_instance_replay_and_pickle():
    env = SubmodularCoverageEnv(**SMALL, weights="gp", start="random")
    env.reset(seed=5)
    problem = env.model()
    actions = np.random.default_rng(0).integers(0, 5, size=SMALL["horizon"] - 1)
    first = [env.step(int(a))[1] for a in actions]
    env.reset(seed=99, options={"instance": problem})
    assert env.model() is problem
    clone = pickle.loads(pickle.dumps(env))
    second = [env.step(int(a))[1] for a in actions]
    assert first == second
    assert [clone.step(int(a))[1] for a in actions] == second


def test_errors_on_misuse():
    env = SubmodularCoverageEnv(**SMALL)
    with pytest.raises(ResetNeeded):
        env.step(0)
    with pytest.raises(ResetNeeded):
        env.model()
    env.reset(seed=0)
    with pytest.raises(InvalidAction):
        env.step(5)
    with pytest.raises(ValueError, match=r"unknown key .instanse. \(did you mean .instance.\?\)"):
        env.reset(options={"instanse": 1})
    with pytest.raises(ValueError, match="options"):
        env.reset(options=[1])
    with pytest.raises(ValueError, match="instance"):
        env.reset(options={"instance": "x"})
    other = SubmodularCoverageEnv(shape=(5, 5), horizon=15)
    other.reset(seed=0)
    with pytest.raises(ValueError, match="another configuration"):
        env.reset(options={"instance": other.model()})
    env.reset(seed=0)
    for _ in range(SMALL["horizon"] - 1):
        env.step(1)
    with pytest.raises(ResetNeeded):
        env.step(0)


@pytest.mark.parametrize("name, value", [
    ("shape", (1, 1)), ("shape", (1, 4)), ("horizon", 1), ("horizon", 0),
    ("weights", -np.ones((8, 9))), ("radius", -1), ("capacities", (3, -2, 3, 4, 6, 3)),
    ("item_counts", (-1, 2, 3, 4, 6, 3)), ("start", "corner"), ("objective", "sum"),
])
def test_bad_input_names_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        SubmodularCoverageEnv(**{**SMALL, name: value})
    with pytest.raises(ValueError, match=name):
        SubmodularCoverageVectorEnv(num_envs=2, **{**SMALL, name: value})


def test_coverage_only_arguments_are_refused_elsewhere():
    with pytest.raises(ValueError, match="weights"):
        SubmodularCoverageEnv(objective="items", weights="bimodal")
    with pytest.raises(ValueError, match="radius"):
        SubmodularCoverageEnv(objective="information", radius=2)


def test_start_in_a_wall_is_refused():
    with pytest.raises(ValueError, match="start"):
        SubmodularCoverageEnv(shape=(7, 14), domain="two_rooms", start=5)


def test_render_draws_the_grid():
    env = SubmodularCoverageEnv(**SMALL, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(1)
    img = env.render()
    assert img.shape == (8 * 12, 9 * 12, 3) and img.dtype == np.uint8
    assert (img == [220, 30, 30]).all(-1).any()        # the agent is drawn


def test_vector_env_autoresets_like_sync():
    kwargs = {"shape": (6, 6), "horizon": 5, "weights": "density", "start": "random"}
    native = gym.make_vec("SubmodularCoverage-v0", num_envs=3,
                          vectorization_mode="vector_entry_point", **kwargs)
    sync = gym.make_vec("SubmodularCoverage-v0", num_envs=3, vectorization_mode="sync", **kwargs)
    a, b = native.reset(seed=4), sync.reset(seed=4)
    np.testing.assert_array_equal(a[0]["covered"], b[0]["covered"])
    rng = np.random.default_rng(0)
    for _ in range(13):
        acts = rng.integers(0, 5, size=3)
        out_a, out_b = native.step(acts), sync.step(acts)
        for x, y in zip(out_a[1:4], out_b[1:4]):
            np.testing.assert_array_equal(x, y)
        for key in ("cell", "time", "covered"):
            np.testing.assert_array_equal(out_a[0][key], out_b[0][key])
        np.testing.assert_allclose(out_a[4]["F"], out_b[4]["F"])


def test_registered_configurations_are_the_codes_sizes():
    assert CONFIGURATIONS["SubmodularCappedItems-v0"]["shape"] == (7, 15)
    env = gym.make("SubmodularCappedItems-v0")
    env.reset(seed=0)
    problem = env.unwrapped.model()
    assert problem.capacities.tolist() == [3, 2, 3, 4, 6, 3]
    assert np.bincount(problem.item_kind[problem.item_kind >= 0]).tolist() == \
        [18, 14, 13, 16, 18, 14]
    assert gym.make("SubmodularCoverage-v0").unwrapped.config.horizon == 80
