"""Contracts every registered papergym id must meet (docs/CONTRACTS.md, sections 1, 2 and 5)."""

from __future__ import annotations

import pickle
import re
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import papergym
from papergym.agents.base import RandomAgent, agents_for, registered_agents
from papergym.leaderboard import env_traits
from papergym.wrappers import sb3_wrap
from tests.contracts import assert_arguments_documented, assert_docstring_layout

ENV_IDS = papergym.papergym_env_ids()


def quick_make(env_id: str, **kwargs) -> gym.Env:
    return gym.make(env_id, **{**env_traits(env_id).quick_kwargs, **kwargs})


def env_class(env_id: str) -> type:
    return type(gym.make(env_id).unwrapped)


def same(a, b) -> bool:
    """Deep equality of observations / infos (dicts, arrays, numbers)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def rollout(env: gym.Env, seed: int, steps: int = 200):
    agent = RandomAgent()
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed)
    agent.reset(obs, info, seed=seed)
    trace = [(obs, info)]
    for _ in range(steps):
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((action, obs, reward, terminated, truncated, info))
        if terminated or truncated:
            break
    return trace


def test_catalogue_is_registered():
    assert "Paging-v0" in ENV_IDS
    for env_id in ENV_IDS:
        assert env_id in gym.registry
        assert re.fullmatch(r"[A-Za-z0-9]+-v\d+", env_id), env_id


def test_make_with_module_prefix_needs_no_import():
    import subprocess
    import sys

    code = "import gymnasium as gym; env = gym.make('papergym:Paging-v0'); print(type(env.unwrapped).__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PagingEnv"


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_check_env(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(quick_make(env_id).unwrapped, skip_render_check=True)


class _LegalizeMaskedActions(gym.Wrapper):
    """SB3's check_env steps with unmasked random actions; a masked one (which papergym
    envs refuse with InvalidAction) is replaced by the first legal action."""

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._mask = info.get("action_mask")
        return obs, info

    def step(self, action):
        mask = self._mask
        if mask is not None and isinstance(self.action_space, gym.spaces.Discrete) \
                and not np.asarray(mask).ravel()[int(action)]:
            action = int(np.flatnonzero(mask)[0])
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._mask = info.get("action_mask")
        return obs, reward, terminated, truncated, info


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_sb3_check_env_on_sb3_wrap(env_id):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sb3_check_env(sb3_wrap(_LegalizeMaskedActions(quick_make(env_id))), warn=False)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_same_rollout(env_id):
    a, b = rollout(quick_make(env_id), seed=7), rollout(quick_make(env_id), seed=7)
    assert len(a) == len(b) and same(a, b)
    c = rollout(quick_make(env_id), seed=8)
    assert not same(a, c), "a different seed gave the same rollout: seeding is ignored"


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickled_env_continues_identically(env_id):
    env = quick_make(env_id)
    obs, info = env.reset(seed=3)
    clone = pickle.loads(pickle.dumps(env))
    agent = RandomAgent()
    agent.bind(env.observation_space, env.action_space)
    agent.reset(obs, info, seed=0)
    for _ in range(20):
        action = agent.act(obs, info)
        out1, out2 = env.step(action), clone.step(action)
        assert same(out1, out2)
        obs, _, terminated, truncated, info = out1
        if terminated or truncated:
            break


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_env_class_contract(env_id):
    cls = env_class(env_id)
    doc = assert_docstring_layout(cls)
    assert_arguments_documented(cls)
    assert env_id in doc.split("## Registered Configurations")[1]
    assert isinstance(cls.primary_metric, str) and isinstance(cls.higher_is_better, bool)
    for config in getattr(cls, "leaderboard_configs", ({},)):
        assert isinstance(config, dict)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_episode_ends_with_primary_metric(env_id):
    results = papergym.run(env_id, "random", seeds=1, **env_class(env_id).quick_kwargs)
    assert env_class(env_id).primary_metric in results[0].metrics
    assert all(np.isfinite(v) for v in results[0].metrics.values())


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_every_env_has_reference_agents_and_each_runs(env_id):
    cls = env_class(env_id)
    for config in getattr(cls, "leaderboard_configs", ({},)):
        kwargs = {**config, **cls.quick_kwargs}
        names = agents_for(env_id, kwargs, reference_only=True)
        assert names, f"{env_id} {config} has no reference agent"
        for name in names:
            result = papergym.run(env_id, name, seeds=1, **kwargs)[0]
            assert cls.primary_metric in result.metrics, (name, config)


def test_every_agent_names_its_paper_or_is_a_baseline():
    for name, spec in registered_agents().items():
        if spec.reference and name != "random":
            assert spec.paper, f"reference agent {name} names no paper"
