"""Registration of papergym's environments, and the checks of env ids and env kwargs.

Gymnasium keeps these in ``gymnasium.envs.registration``; papergym adds a family table (for
``papergym list`` and for agents, which register for their family's ids) and a registry of
PettingZoo parallel envs beside Gymnasium's.

A family registers its ids in its own package ``papergym/envs/<family>/__init__.py``::

    from papergym.envs.registration import register_env

    PAPER = "Paper title (Venue Year, arXiv id)"
    register_env("myfamily", PAPER, "MyProblem-v0", "papergym.envs.myfamily.problem:MyProblemEnv")

and adds one line, its package name, to ``FAMILY_PACKAGES`` in ``papergym/envs/__init__.py``.
A family package's ``__init__`` must stay light (no torch, no heavy imports at module level):
``import papergym`` imports every one of them.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import registry

__all__ = [
    "FAMILIES",
    "PARALLEL_REGISTRY",
    "Family",
    "ParallelEnvSpec",
    "UnknownEnvError",
    "UnknownEnvKwargError",
    "check_env_id",
    "check_env_kwargs",
    "entry_point",
    "env_defaults",
    "family_of",
    "make_parallel",
    "parallel_env_ids",
    "register_env",
    "register_parallel_env",
    "resolved_kwargs",
]


@dataclass
class Family:
    """One paper family: the paper(s) it implements and the ids it registers."""

    name: str
    paper: str
    env_ids: list[str] = field(default_factory=list)
    parallel_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParallelEnvSpec:
    """A registered PettingZoo parallel env: ``make_parallel(id)`` calls
    ``entry_point(**{**kwargs, **caller's})``.  ``rank_by`` says how the leaderboard forms
    rows: ``"team"`` (one row per team of agents, all roles played by one agent name) or
    ``"role"`` (one row per agent role)."""

    id: str
    family: str
    paper: str
    entry_point: str | Callable[..., Any]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    rank_by: str = "team"

    def load(self) -> Callable[..., Any]:
        return _load(self.entry_point)


#: family name -> Family; filled as family packages are imported (papergym.envs.register_envs)
FAMILIES: dict[str, Family] = {}
#: parallel env id -> ParallelEnvSpec
PARALLEL_REGISTRY: dict[str, ParallelEnvSpec] = {}


class UnknownEnvError(ValueError):
    """An env id that is not registered; the message lists close matches."""


class UnknownEnvKwargError(ValueError):
    """A keyword argument the env's constructor does not take; the message lists those it takes."""


def _family(name: str, paper: str) -> Family:
    fam = FAMILIES.get(name)
    if fam is None:
        fam = FAMILIES[name] = Family(name, paper)
    return fam


def register_env(family: str, paper: str, env_id: str, entry_point: str, *,
                 kwargs: Mapping[str, Any] | None = None, vector_entry_point: str | None = None,
                 **gym_kwargs: Any) -> None:
    """Register a Gymnasium id of ``family`` (idempotent: a second call changes nothing).

    ``vector_entry_point`` is a native batched ``gymnasium.vector.VectorEnv`` taking
    ``num_envs`` and the env's kwargs; ``gym_kwargs`` go to ``gymnasium.register``
    (``max_episode_steps``, ...).
    """
    fam = _family(family, paper)
    if env_id not in fam.env_ids:
        fam.env_ids.append(env_id)
    if env_id not in registry:
        gym.register(id=env_id, entry_point=entry_point, kwargs=dict(kwargs or {}),
                     vector_entry_point=vector_entry_point, **gym_kwargs)


def register_parallel_env(family: str, paper: str, env_id: str,
                          entry_point: str | Callable[..., Any], *,
                          kwargs: Mapping[str, Any] | None = None, rank_by: str = "team") -> None:
    """Register a PettingZoo parallel env under ``env_id`` (its own namespace: ids here are
    not Gymnasium ids).  ``entry_point`` is ``"module:callable"`` returning a ParallelEnv."""
    if rank_by not in ("team", "role"):
        raise ValueError(f"rank_by must be 'team' or 'role', got {rank_by!r}")
    fam = _family(family, paper)
    if env_id not in fam.parallel_ids:
        fam.parallel_ids.append(env_id)
    PARALLEL_REGISTRY.setdefault(
        env_id, ParallelEnvSpec(env_id, family, paper, entry_point, dict(kwargs or {}), rank_by))


def parallel_env_ids() -> list[str]:
    """Every registered parallel env id, in registration order."""
    from papergym.envs import register_envs

    register_envs()
    return list(PARALLEL_REGISTRY)


def make_parallel(env_id: str, **kwargs: Any) -> Any:
    """Build the registered PettingZoo parallel env ``env_id`` with ``kwargs`` over its
    registered ones."""
    from papergym.envs import register_envs

    register_envs()
    if env_id not in PARALLEL_REGISTRY:
        close = difflib.get_close_matches(env_id, list(PARALLEL_REGISTRY), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownEnvError(f"unknown parallel env id {env_id!r}{hint} "
                              "(`papergym list` shows all)")
    spec = PARALLEL_REGISTRY[env_id]
    return spec.load()(**{**spec.kwargs, **kwargs})


def family_of(env_id: str) -> str | None:
    """The family that registered ``env_id`` (Gymnasium or parallel id), or None."""
    for fam in FAMILIES.values():
        if env_id in fam.env_ids or env_id in fam.parallel_ids:
            return fam.name
    return None


# --------------------------------------------------------------------------- checks


def _load(entry: str | Callable[..., Any]) -> Callable[..., Any]:
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        entry = getattr(importlib.import_module(module), attr)
    return entry


def check_env_id(env_id: str) -> None:
    """:class:`UnknownEnvError` listing close matches unless ``env_id`` is registered
    (with Gymnasium or as a parallel env)."""
    if not isinstance(env_id, str):
        raise UnknownEnvError(f"unknown env id {env_id!r}: an env id is a string")
    if env_id in registry or env_id in PARALLEL_REGISTRY:
        return
    from papergym.envs import papergym_env_ids

    ours = papergym_env_ids() + list(PARALLEL_REGISTRY)
    known = ours + sorted(set(registry) - set(ours))
    close = difflib.get_close_matches(env_id, known, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownEnvError(f"unknown env id {env_id!r}{hint} (`papergym list` shows all)")


def entry_point(env_id: str) -> Any:
    """The class or factory that builds ``env_id`` (ImportError if it cannot be loaded)."""
    check_env_id(env_id)
    if env_id in PARALLEL_REGISTRY:
        return PARALLEL_REGISTRY[env_id].load()
    return _load(gym.spec(env_id).entry_point)


def _registered_kwargs(env_id: str) -> dict[str, Any]:
    if env_id in PARALLEL_REGISTRY:
        return dict(PARALLEL_REGISTRY[env_id].kwargs)
    return dict(gym.spec(env_id).kwargs)


# keywords gym.make takes itself rather than passing them to the env's constructor
_MAKE_KWARGS = ("max_episode_steps", "disable_env_checker")


def _parameters(env_id: str) -> list[inspect.Parameter] | None:
    """The entry point's keyword parameters, or None when it takes ``**kwargs`` or has no
    readable signature."""
    try:
        params = list(inspect.signature(entry_point(env_id)).parameters.values())
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    # a class's signature has no ``self``; positional-only and ``*args`` cannot be kwargs
    return [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                            inspect.Parameter.KEYWORD_ONLY)]


def env_defaults(env_id: str) -> dict[str, Any]:
    """The constructor's signature defaults of ``env_id``'s entry point."""
    params = _parameters(env_id) or []
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


def resolved_kwargs(env_id: str, kwargs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What ``env_id`` is built with: signature defaults, then the registered kwargs, then
    ``kwargs``.  Agents' ``applies_to`` checks read this, so they need not restate an env's
    defaults."""
    return {**env_defaults(env_id), **_registered_kwargs(env_id), **dict(kwargs or {})}


def check_env_kwargs(env_id: str, kwargs: Mapping[str, Any] | None) -> None:
    """:class:`UnknownEnvKwargError` unless every name in ``kwargs`` is a parameter of
    ``env_id``'s entry point (or one of gym.make's own); the message lists the accepted
    names and close matches.  An entry point taking ``**kwargs`` accepts anything, and
    one whose signature cannot be read is not checked."""
    check_env_id(env_id)
    if not kwargs:
        return
    params = _parameters(env_id)
    if params is None:
        return
    accepted = [p.name for p in params]
    accepted += [n for n in _MAKE_KWARGS if n not in accepted]
    unknown = [k for k in kwargs if k not in accepted]
    if not unknown:
        return
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, accepted, n=3, cutoff=0.5)
        parts.append(f"{name!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
    noun = "argument" if len(unknown) == 1 else "arguments"
    raise UnknownEnvKwargError(
        f"{env_id}: unknown env keyword {noun} {', '.join(parts)}; it accepts "
        f"{', '.join(accepted)}")
