"""Pinned rollouts of ExpertOffloading-v0 and LLMRouting-v0: every observation, reward and
info value of whole episodes under fixed seeds, reduced to a digest and compared with the
digest the original (pre-optimisation) implementation gave. The speed work of issue 19
(bincount counts, per-episode tables, fast paths) must not change a single value.

Floats enter the digest at 9 significant digits, so the pins hold across platforms whose
last bits differ; integer and boolean arrays, shapes and dtypes enter exactly. To re-pin
after a deliberate behaviour change, run ``python tests/serving/test_rollout_digests.py``
and bump the env's version."""

from __future__ import annotations

import hashlib

import gymnasium as gym
import numpy as np
import pytest

import papergym
from papergym.agents.base import Agent


class CoarseScoresAgent(Agent):
    """Random scores on a grid of three values: many ties, so the env's tie rules (resident
    experts first, then the lower expert id; the older token first) decide."""

    name = "coarse-scores"

    def act(self, observation, info):
        layers_experts, slots = observation["cache"].shape, observation["waiting"].shape
        return {"expert_scores": (self.rng.integers(3, size=layers_experts) / 2).astype(np.float32),
                "token_scores": (self.rng.integers(3, size=slots) / 2).astype(np.float32)}


def _feed(digest, value) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
    elif isinstance(value, np.ndarray):
        digest.update(f"{value.dtype}{value.shape}".encode())
        if value.dtype.kind == "f":
            digest.update(" ".join(f"{x:.9g}" for x in value.ravel().tolist()).encode())
        else:
            digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (float, np.floating)):
        digest.update(f"f{float(value):.9g}".encode())
    else:
        digest.update(f"{type(value).__name__}{value!r}".encode())


def rollout_digest(env_id: str, agent_name: str, seed: int, **kwargs) -> str:
    """Two episodes (one reset with ``seed``, one continuing its stream), every action,
    observation, reward, flag and info of both, as a short hex digest."""
    env = gym.make(env_id, **kwargs)
    agent = CoarseScoresAgent() if agent_name == "coarse-scores" else \
        papergym.make_agent(agent_name)
    agent.bind(env.observation_space, env.action_space)
    digest = hashlib.sha256()
    for episode in range(2):
        obs, info = env.reset(seed=seed if episode == 0 else None)
        model = env.unwrapped.model() if agent.requires_model else None
        agent.reset(obs, info, env_model=model, seed=seed + episode)
        _feed(digest, {"obs": obs, "info": info})
        done = False
        while not done:
            action = agent.act(obs, info)
            obs, reward, terminated, truncated, info = env.step(action)
            _feed(digest, {"action": action, "obs": obs, "reward": reward, "info": info,
                           "flags": f"{terminated}{truncated}"})
            agent.observe(action, reward, obs, terminated, truncated, info)
            done = terminated or truncated
    return digest.hexdigest()[:16]


SMALL = {"layers": 3, "experts": 6, "top_k": 3, "cache_size": 2, "batch_size": 5,
         "queue_size": 9, "num_tokens": 97}
E, R = "ExpertOffloading-v0", "LLMRoutingDuo-v0"
CASES = [   # (env id, agent, seed, env kwargs, digest of the original implementation)
    (E, "expert-lru", 0, {}, "d72735f0504ce394"),
    (E, "expert-lru", 1, {**SMALL, "cache_size": 5}, "c30884a292322fd0"),
    (E, "expert-oracle", 2, SMALL, "0d67fba193e031bd"),
    (E, "expert-predictive", 3, {"cache_size": 3}, "66ef90b168e8f98a"),
    (E, "expert-static-frequent", 4, {"cache_size": 16}, "0d57f7e004e46ced"),
    (E, "expert-predictive-regroup", 5, {"regroup": True}, "2838cbb3d7e34e1f"),
    (E, "expert-lru-regroup", 6, {**SMALL, "regroup": True}, "3a9974a4bcef077d"),
    (E, "random", 7, {"regroup": True, "cache_size": 1}, "fe1209b0230b4926"),
    (E, "coarse-scores", 8, {}, "edbf2ac8e96556fb"),
    (E, "coarse-scores", 9, {**SMALL, "regroup": True}, "6d39a0dafa5ad70e"),
    ("LLMRouting-v0", "route-linucb", 0, {}, "17d4cf1e6fc96a78"),
    ("LLMRoutingSQL-v0", "route-oracle", 1, {}, "ccad68fb0f1e4ecf"),
    (R, "route-always-cheapest", 2, {}, "d241021673672b53"),
    (R, "route-oracle", 3, {"big_budget": 1, "lam": 0.2}, "ac3787f89df5847d"),
    (R, "random", 4, {"big_budget": 2}, "b138b4c0bd739c4a"),
]


def _kwargs(env_id: str, extra: dict) -> dict:
    size = {"num_tokens": 192} if env_id == E else {"num_queries": 150}
    return {**size, **extra}


@pytest.mark.parametrize("env_id, agent_name, seed, extra, pinned", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_rollout_is_the_pinned_one(env_id, agent_name, seed, extra, pinned):
    assert rollout_digest(env_id, agent_name, seed, **_kwargs(env_id, extra)) == pinned


if __name__ == "__main__":                         # print the table to re-pin
    for env_id, agent_name, seed, extra, _ in CASES:
        print(env_id, agent_name, seed, extra,
              rollout_digest(env_id, agent_name, seed, **_kwargs(env_id, extra)))
