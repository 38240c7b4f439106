"""Contracts every registered papergym id must meet (docs/CONTRACTS.md, sections 1, 2 and 5).

The checks are library code (``papergym.utils.env_checker``); this file runs each one on
every registered id, so a new family is covered with no edit here.
"""

from __future__ import annotations

import re
import subprocess
import sys

import gymnasium as gym
import pytest

import papergym
from papergym.agents.base import registered_agents
from papergym.envs.registration import FAMILIES, family_of, parallel_env_ids
from papergym.utils import env_checker

ENV_IDS = papergym.papergym_env_ids()
PARALLEL_IDS = parallel_env_ids()
VECTOR_IDS = [env_id for env_id in ENV_IDS if gym.spec(env_id).vector_entry_point is not None]


def test_catalogue_is_registered():
    assert "Paging-v0" in ENV_IDS and "MarkovCodingGameParallel-v0" in PARALLEL_IDS
    for env_id in ENV_IDS + PARALLEL_IDS:
        assert re.fullmatch(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*-v\d+", env_id), env_id
        assert family_of(env_id) in FAMILIES
    for env_id in ENV_IDS:
        assert env_id in gym.registry


def test_make_with_module_prefix_needs_no_import():
    code = ("import gymnasium as gym; env = gym.make('papergym:Paging-v0'); "
            "print(type(env.unwrapped).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PagingEnv"


@pytest.mark.parametrize("check", env_checker.PAPER_ENV_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_paper_env_contract(env_id, check):
    check(env_id)


@pytest.mark.parametrize("env_id", PARALLEL_IDS)
def test_parallel_env_contract(env_id):
    env_checker.check_parallel_env(env_id)


@pytest.mark.parametrize("env_id", VECTOR_IDS)
def test_vector_env_matches_sync(env_id):
    env_checker.check_vector_env(env_id)


def test_every_agent_names_its_paper_or_is_a_baseline():
    for name, spec in registered_agents().items():
        if spec.reference and name != "random":
            assert spec.paper, f"reference agent {name} names no paper"
