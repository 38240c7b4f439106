"""MarkovCodingGame's per-step regret: the action gap V*(s) - Q*(s, a) of the protocol-free MDP."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import papergym
from papergym.agents.coding.baselines import value_iteration
from papergym.envs.coding.grid import action_gap, grid_mdp, optimal_q

SMALL = "MarkovCodingGameSmall-v0"


def test_return_max_has_zero_regret_at_every_step():
    res = papergym.run(SMALL, "return-max", seeds=10)
    for r in res:
        assert r.metrics["cumulative_regret"] == 0.0
        assert r.regret_curve and all(value == 0.0 for _, value in r.regret_curve)


@pytest.mark.parametrize("agent", ["random", "mecb"])
def test_agents_off_the_optimum_pay_regret(agent):
    res = papergym.run(SMALL, agent, seeds=10, beta=0.1)
    total = [r.metrics["cumulative_regret"] for r in res]
    assert all(t >= 0 for t in total) and sum(total) > 0
    for r in res:  # cumulative regret never falls
        values = [v for _, v in r.regret_curve]
        assert values == sorted(values)


def test_regret_is_the_action_gap_of_the_state_the_move_was_chosen_in():
    env = gym.make(SMALL).unwrapped
    q = value_iteration(env.model())
    obs, _ = env.reset(seed=3)
    rng = np.random.default_rng(0)
    done = False
    while not done:
        state, action = int(obs["state"]), int(rng.integers(4))
        obs, _, term, trunc, info = env.step(action)
        assert info["regret"] == pytest.approx(q[state].max() - q[state, action], abs=1e-12)
        assert info["regret"] >= 0
        done = term or trunc


def test_q_star_is_computed_once_per_grid_slip_gamma_and_read_only():
    a = gym.make(SMALL).unwrapped
    b = gym.make(SMALL, accuracy_weight=3.0).unwrapped
    assert a._regret is b._regret  # shared, not recomputed per env
    assert gym.make(SMALL, gamma=0.9).unwrapped._regret is not a._regret
    with pytest.raises(ValueError):
        a._regret[0, 0] = 1.0
    gap = action_gap("4x4", 0.1, 0.95)
    assert np.all(gap >= 0) and np.all(gap.min(axis=1) == 0)
    # the agent's value iteration and the env's cached Q* are one computation
    mdp = grid_mdp("4x4", 0.1)
    model = {"transitions": mdp.transitions, "rewards": mdp.rewards, "terminal": mdp.terminal,
             "gamma": 0.95}
    assert np.array_equal(value_iteration(model), optimal_q("4x4", 0.1, 0.95))
