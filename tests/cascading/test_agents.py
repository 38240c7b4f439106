"""The family's agents: arguments, applicability, determinism, optimism, BPI bookkeeping,
and SB3's PPO through the wrapper."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction

import papergym
from papergym.agents.base import AgentNotApplicableError, agents_for, why_not_applicable
from papergym.agents.cascading import (
    AdaptBPIAgent,
    AdaptRMAgent,
    CascadingBPIAgent,
    CascadingVIAgent,
)
from papergym.envs.cascading.env import CascadingRLEnv
from papergym.envs.cascading.model import evaluate_policy, optimal_plan


@pytest.mark.parametrize("cls, kwargs, name", [
    (CascadingVIAgent, {"delta": 0.0}, "delta"), (CascadingVIAgent, {"delta": 1.0}, "delta"),
    (CascadingVIAgent, {"bonus_scale": -1}, "bonus_scale"),
    (CascadingBPIAgent, {"epsilon": 0}, "epsilon"), (AdaptRMAgent, {"delta": "x"}, "delta"),
    (AdaptBPIAgent, {"epsilon": -0.5}, "epsilon"),
])
def test_bad_agent_arguments(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_applicability():
    assert why_not_applicable("adapt-rm", "CascadingBandit-v0", {})
    assert why_not_applicable("cascade-ucb1", "CascadingRL-v0", {})
    assert why_not_applicable("adapt-rm", "CascadingRL-v0", {"n_items": 20, "list_size": 4})
    assert why_not_applicable("adapt-rm", "CascadingRL-v0", {}) is None
    assert set(agents_for("CascadingBandit-v0", reference_only=True)) == {
        "cascade-klucb", "cascade-ucb1", "cascading-vi", "optimal"}
    with pytest.raises(AgentNotApplicableError):
        papergym.run("CascadingBandit-v0", "adapt-rm", seeds=1, num_rounds=10)


@pytest.mark.parametrize("name", ["cascading-vi", "cascading-bpi", "adapt-rm", "adapt-bpi",
                                  "random"])
def test_same_seed_same_run(name):
    kwargs = dict(n_states=3, n_items=4, list_size=2, horizon=2, num_episodes=40)
    a = papergym.run("CascadingRL-v0", name, seeds=[3], **kwargs)[0].metrics
    b = papergym.run("CascadingRL-v0", name, seeds=[3], **kwargs)[0].metrics
    assert a == b


def test_cascading_vi_is_optimistic():
    """At every replanning V_up_1(s_1) >= V*_1(s_1) (the confidence bounds hold)."""
    for seed in range(3):
        env = CascadingRLEnv(n_states=3, n_items=4, list_size=2, horizon=3, num_episodes=150)
        obs, info = env.reset(seed=seed)
        v_star = optimal_plan(env.model()).value[0, 0]
        agent = CascadingVIAgent()
        agent.bind(env.observation_space, env.action_space)
        agent.reset(obs, info, seed=seed)
        done = False
        while not done:
            action = agent.act(obs, info)
            if obs[1] == 0:
                assert agent.upper_value[0, 0] >= v_star - 1e-9
            obs, reward, done, _, info = env.step(action)
            agent.observe(action, reward, obs, done, False, info)


def test_bpi_commits_after_stopping_and_brackets_its_policy():
    env = CascadingRLEnv(n_states=2, n_items=3, list_size=2, horizon=2, num_episodes=3000)
    obs, info = env.reset(seed=1)
    inst = env.model()
    agent = CascadingBPIAgent(epsilon=1.0)
    agent.bind(env.observation_space, env.action_space)
    agent.reset(obs, info, seed=1)
    done, stop_seen = False, None
    while not done:
        action = agent.act(obs, info)
        if agent.stopped and stop_seen is None:
            stop_seen = agent.stopped_episode
            v_pi = evaluate_policy(inst, agent.policy)[0, 0]
            v_star = optimal_plan(inst).value[0, 0]
            assert agent.upper_value[0, 0] >= v_star - 1e-9
            assert agent.upper_value[0, 0] - agent.width <= v_pi + 1e-9
            assert agent.width <= 1.0
        if agent.stopped:
            assert np.array_equal(action, agent.policy[obs[1], obs[0]])
        obs, reward, done, _, info = env.step(action)
        agent.observe(action, reward, obs, done, False, info)
    assert stop_seen is not None and agent.stopped_episode == stop_seen


def test_repeated_items_stop_mode():
    env = gym.make("CascadingRL-v0", n_items=4, num_episodes=2, repeated_items="stop")
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.array([3, 3, 1]))
    assert info["examined"][0] == 3 and len(info["examined"]) == 1
    _, _, _, _, info = env.step(np.array([2, 0, 2]))
    assert set(info["examined"]) <= {2, 0}
    strict = gym.make("CascadingRL-v0", n_items=4, num_episodes=2)
    strict.reset(seed=0)
    with pytest.raises(InvalidAction):
        strict.step(np.array([3, 3, 1]))


@pytest.mark.slow
def test_ppo_trains_and_plays_with_repeats_as_stops():
    """Slow only for torch's import (seconds on a loaded core)."""
    from stable_baselines3 import PPO

    from papergym.agents.base import SB3Agent
    from papergym.wrappers import sb3_wrap

    kwargs = dict(n_items=4, num_episodes=40, repeated_items="stop")
    env = sb3_wrap(gym.make("CascadingRL-v0", **kwargs))
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(128)
    result = papergym.run("CascadingRL-v0", SB3Agent(model), seeds=[1], **kwargs)[0]
    assert result.metrics["cumulative_regret"] >= 0.0
