"""The generic parallel episode loop (papergym.runner.run_parallel_episode) on a toy
PettingZoo env whose roles take turns, so every rule of the loop is pinned."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from pettingzoo import ParallelEnv

from papergym.agents.base import Agent
from papergym.runner import agent_seed, run_parallel_episode


class TurnsEnv(ParallelEnv):
    """Two roles; ``a`` acts at even steps, ``b`` at odd ones (``acts``: False otherwise).
    ``a``'s own episode ends after its second move (``agent_terminated``) although it stays
    live until the game ends after 4 steps. Each acting role is paid its action."""

    metadata = {"name": "turns_v0"}

    def __init__(self):
        self.possible_agents = ["a", "b"]

    def observation_space(self, agent):
        return gym.spaces.Box(0, 10, (1,), np.float32)

    def action_space(self, agent):
        return gym.spaces.Discrete(3)

    def _infos(self):
        infos = {r: {"acts": (self.t % 2 == 0) == (r == "a")} for r in self.agents}
        return infos

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self.t = 0
        self.start = int(np.random.default_rng(seed).integers(5))
        obs = {r: np.array([self.start], np.float32) for r in self.agents}
        return obs, self._infos()

    def step(self, actions):
        mover = "a" if self.t % 2 == 0 else "b"
        assert set(actions) == {mover}, f"step {self.t}: {set(actions)} acted, not {mover}"
        self.t += 1
        rewards = {r: float(actions.get(r, 0)) for r in self.agents}
        done = self.t >= 4
        terms = dict.fromkeys(self.agents, done)
        truncs = dict.fromkeys(self.agents, False)
        obs = {r: np.array([self.t], np.float32) for r in self.agents}
        infos = self._infos()
        if mover == "a":
            infos["a"]["agent_terminated"] = self.t >= 3
        if done:
            infos = {r: {**infos[r], "metrics": {"steps": float(self.t)}} for r in self.agents}
            self.agents = []
        return obs, rewards, terms, truncs, infos


class Recorder(Agent):
    name = "recorder"

    def __init__(self, action: int = 1):
        self.action = action

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.seed_seen, self.acted, self.observed = seed, 0, []

    def act(self, observation, info):
        self.acted += 1
        return self.action

    def observe(self, action, reward, observation, terminated, truncated, info):
        self.observed.append((reward, terminated))


def test_roles_act_only_when_asked_and_observe_their_own_end():
    env = TurnsEnv()
    a, b = Recorder(1), Recorder(2)
    result = run_parallel_episode(env, {"a": a, "b": b}, seed=3, agent_seed_value=99)
    assert a.acted == 2 and b.acted == 2
    assert a.observed == [(1.0, False), (1.0, True)]   # agent_terminated after its 2nd move
    assert b.observed == [(2.0, False), (2.0, True)]   # the env's termination at the end
    assert a.seed_seen == b.seed_seen == 99
    assert result.metrics["steps"] == 4.0
    assert result.metrics["return_a"] == 2.0 and result.metrics["return_b"] == 4.0
    assert result.metrics["episode_return"] == 6.0 and result.metrics["episode_length"] == 4.0
    assert "cut" not in result.metrics
    assert result.agent == "a=recorder,b=recorder" and result.seed == 3


def test_max_steps_cuts_the_episode():
    result = run_parallel_episode(TurnsEnv(), {"a": Recorder(), "b": Recorder()}, seed=0,
                                  max_steps=3)
    assert result.metrics["episode_length"] == 3.0 and result.metrics["cut"] == 1.0


def test_run_parallel_on_the_registry(monkeypatch):
    from papergym import runner
    from papergym.envs import registration

    monkeypatch.setitem(registration.PARALLEL_REGISTRY, "Turns-v0", registration.ParallelEnvSpec(
        "Turns-v0", "toy", "toy", TurnsEnv))
    results = runner.run_parallel("Turns-v0", {"a": Recorder(1), "b": Recorder(0)}, seeds=[4, 5],
                                  episodes=2)
    assert [(r.seed, r.episode) for r in results] == [(4, 0), (4, 1), (5, 0), (5, 1)]
    assert all(r.metrics["return_a"] == 2.0 and r.metrics["return_b"] == 0.0 for r in results)
    with pytest.raises(ValueError, match="no agent for role"):
        runner.run_parallel("Turns-v0", {"a": Recorder()})
    with pytest.raises(ValueError, match="seeds must be"):
        runner.run_parallel("Turns-v0", Recorder(), seeds=[-1])
    assert agent_seed(4, 0) != agent_seed(4, 1)
