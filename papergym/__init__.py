"""papergym: research papers as Gymnasium decision problems, with the papers' agents.

>>> import gymnasium as gym, papergym
>>> env = gym.make("Paging-v0")
>>> results = papergym.run("Paging-v0", "lru", seeds=3)
"""

from __future__ import annotations

__version__ = "0.1.0"

from papergym.envs import papergym_env_ids, register_envs

register_envs()

from papergym.agents.base import (  # noqa: E402
    Agent,
    agents_for,
    make_agent,
    register_agent,
    registered_agents,
)
from papergym.runner import EpisodeResult, run  # noqa: E402

__all__ = ["__version__", "Agent", "EpisodeResult", "agents_for", "make_agent",
           "papergym_env_ids", "register_agent", "registered_agents", "register_envs", "run"]
