"""Agents for the cascading family (CascadingRL-v0, CascadingBandit-v0): the optimal
planner, the paper's CascadingVI and CascadingBPI, the paper's baselines AdaptRM and
AdaptBPI (lists as atomic actions), and CascadeUCB1 / CascadeKL-UCB for the bandit.
The uniform random list agent is the built-in ``random`` (the env's action space samples
uniformly among legal lists)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from papergym.agents.base import register_agent
from papergym.agents.cascading._common import is_bandit
from papergym.agents.cascading.adapt_bpi import AdaptBPIAgent
from papergym.agents.cascading.adapt_rm import AdaptRMAgent
from papergym.agents.cascading.cascade_ucb import CascadeKLUCBAgent, CascadeUCB1Agent
from papergym.agents.cascading.cascading_bpi import CascadingBPIAgent
from papergym.agents.cascading.cascading_vi import CascadingVIAgent
from papergym.agents.cascading.optimal import OptimalAgent
from papergym.envs import family_env_ids
from papergym.envs.cascading.model import n_lists

__all__ = ["AdaptBPIAgent", "AdaptRMAgent", "CascadeKLUCBAgent", "CascadeUCB1Agent",
           "CascadingBPIAgent", "CascadingVIAgent", "OptimalAgent"]

ENV_IDS = family_env_ids("cascading")

#: AdaptRM / AdaptBPI keep tables over every atomic list; refused beyond this many
MAX_ATOMIC_LISTS = 5000


def few_atomic_lists(env_id: str, kwargs: Mapping[str, Any]) -> str | None:
    """``applies_to`` of the atomic-list baselines: at most MAX_ATOMIC_LISTS lists."""
    count = n_lists(int(kwargs["n_items"]), int(kwargs["list_size"]))
    if count > MAX_ATOMIC_LISTS:
        return (f"{env_id}: {count} atomic lists (N={kwargs['n_items']}, "
                f"m={kwargs['list_size']}) exceed {MAX_ATOMIC_LISTS}, too many for AdaptRM")
    return None


def not_bandit(env_id: str, kwargs: Mapping[str, Any]) -> str | None:
    """The atomic-list baselines are the RL env's comparison (and too big for the bandit's
    default sizes)."""
    if env_id == "CascadingBandit-v0":
        return "the atomic-list baselines are compared on CascadingRL-v0"
    return few_atomic_lists(env_id, kwargs)


def rl_only(env_id: str, kwargs: Mapping[str, Any]) -> str | None:
    return "CascadingBPI is compared on CascadingRL-v0" if env_id == "CascadingBandit-v0" \
        else None


register_agent("optimal", OptimalAgent, ENV_IDS, reference=True)
register_agent("cascading-vi", CascadingVIAgent, ENV_IDS, reference=True)
register_agent("cascading-bpi", CascadingBPIAgent, ENV_IDS, applies_to=rl_only)
register_agent("adapt-rm", AdaptRMAgent, ENV_IDS, applies_to=not_bandit, reference=True)
register_agent("adapt-bpi", AdaptBPIAgent, ENV_IDS, applies_to=not_bandit)
register_agent("cascade-ucb1", CascadeUCB1Agent, ENV_IDS, applies_to=is_bandit, reference=True)
register_agent("cascade-klucb", CascadeKLUCBAgent, ENV_IDS, applies_to=is_bandit,
               reference=True)
