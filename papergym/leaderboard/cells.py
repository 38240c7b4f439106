"""Leaderboard cells: what to run, enumerated from the registries or an experiment file.

A cell is one (env id, env kwargs, agent, seed); it is the unit that is run, stored,
skipped on resume and counted in the progress bar.  The env's class declares how it is
ranked (``primary_metric``, ``higher_is_better``), which kwargs variants the default
leaderboard runs (``leaderboard_configs``) and how to make it fast (``quick_kwargs``);
they are read with defaults so an env without them still works.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import json
import os
import sys
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from papergym.agents.base import (
    AgentNotApplicableError,
    agent_spec,
    agents_for,
    config_hash,
    make_agent,
    why_not_applicable,
)
from papergym.envs import papergym_env_ids
from papergym.results import CellKey

__all__ = ["Cell", "EnvTraits", "UnknownEnvError", "UnknownEnvKwargError", "LeaderboardInputError",
           "check_env_id", "check_env_kwargs", "sb3_refusal", "env_traits", "plan_cells",
           "parse_seeds", "import_plugins", "QUICK_SEEDS", "DEFAULT_SEEDS"]

QUICK_SEEDS = 3
DEFAULT_SEEDS = 5


class LeaderboardInputError(ValueError):
    """Bad leaderboard input (unknown name, inapplicable agent, bad file); CLI exit code 2."""


class UnknownEnvError(LeaderboardInputError):
    """An env id that is not registered; the message lists close matches."""


class UnknownEnvKwargError(LeaderboardInputError):
    """An env keyword argument the env's constructor does not take; lists the accepted ones."""


@dataclass
class Cell:
    """One unit of leaderboard work. ``agent_config`` is filled in by :func:`plan_cells`."""

    env_id: str
    env_kwargs: dict[str, Any]
    agent: str
    seed: int
    agent_kwargs: dict[str, Any] = field(default_factory=dict)
    agent_config: dict[str, Any] = field(default_factory=dict)
    episodes: int = 1
    max_steps: int | None = None
    primary_metric: str = "episode_return"
    requires_model: bool = False

    @property
    def key(self) -> CellKey:
        return CellKey.of(self.env_id, self.env_kwargs, self.agent, self.agent_config, self.seed)

    @property
    def evaluation(self) -> dict[str, Any]:
        """How the cell is run (not part of its key; stored beside it)."""
        return {"episodes": self.episodes, "max_steps": self.max_steps}

    def label(self) -> str:
        kw = ",".join(f"{k}={v}" for k, v in sorted(self.env_kwargs.items()))
        return f"{self.env_id}{'(' + kw + ')' if kw else ''} {self.agent} seed={self.seed}"


@dataclass(frozen=True)
class EnvTraits:
    primary_metric: str = "episode_return"
    higher_is_better: bool = True
    leaderboard_configs: tuple[dict[str, Any], ...] = ({},)
    quick_kwargs: Mapping[str, Any] = field(default_factory=dict)


def import_plugins(modules: Iterable[str]) -> None:
    """Import modules that register extra envs/agents (``--import``); workers call it too.
    A module that cannot be imported is bad input (:class:`LeaderboardInputError`).  The
    current folder is searched too (as ``python -m`` does; the ``papergym`` console script
    alone would not), so ``--import mymodule`` finds ``./mymodule.py``; spawned workers
    start in the same folder and do the same."""
    modules = list(modules)
    if modules and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise LeaderboardInputError(f"--import {name}: cannot import it ({exc})") from exc


def check_env_id(env_id: str) -> None:
    """UnknownEnvError listing close matches unless ``env_id`` is registered (Gymnasium or
    parallel); the check itself is ``papergym.envs.registration.check_env_id``."""
    from papergym.envs import registration

    try:
        registration.check_env_id(env_id)
    except registration.UnknownEnvError as exc:
        raise UnknownEnvError(str(exc)) from None


def _entry_point(env_id: str) -> Any:
    """The class or factory that builds ``env_id`` (ImportError if it cannot be loaded)."""
    from papergym.envs.registration import entry_point

    return entry_point(env_id)


# keywords gym.make takes itself rather than passing them to the env's constructor
_MAKE_KWARGS = ("max_episode_steps", "disable_env_checker")


def check_env_kwargs(env_id: str, kwargs: Mapping[str, Any]) -> None:
    """:class:`UnknownEnvKwargError` unless every name in ``kwargs`` is a parameter of
    ``env_id``'s entry point (or one of gym.make's own); the message lists the accepted
    names and close matches.  An entry point taking ``**kwargs`` accepts anything, and
    one whose signature cannot be read is not checked."""
    check_env_id(env_id)
    if not kwargs:
        return
    try:
        params = inspect.signature(_entry_point(env_id)).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    accepted = [p.name for p in params
                if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              inspect.Parameter.KEYWORD_ONLY)]
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


def sb3_refusal(path: str | Path, env_id: str) -> str | None:
    """Why the SB3 model at ``path`` (``sb3:`` prefix allowed) must not play ``env_id``:
    the zip does not exist, or the ``.json`` sidecar the training script writes next to
    it names another env id.  ``None`` when it may play (no sidecar: nothing to check)."""
    from papergym.wrappers.sb3 import model_zip_path, sidecar_path

    path = Path(str(path).removeprefix("sb3:"))
    zip_path = model_zip_path(path)  # SB3 appends ".zip": run1.5 -> run1.5.zip
    if not zip_path.is_file():
        return f"sb3:{path}: no SB3 model at {zip_path}"
    sidecar = sidecar_path(zip_path)
    if not sidecar.is_file():
        return None
    try:
        trained_on = json.loads(sidecar.read_text()).get("env_id")
    except (OSError, ValueError, AttributeError) as exc:
        return f"sb3:{path}: its sidecar {sidecar} is not readable JSON ({exc})"
    if trained_on is not None and trained_on != env_id:
        return f"sb3:{path} was trained on {trained_on}, not {env_id} (says {sidecar.name})"
    return None


def env_traits(env_id: str) -> EnvTraits:
    """The leaderboard attributes of ``env_id``'s class (ImportError if it is not built yet)."""
    check_env_id(env_id)
    entry = _entry_point(env_id)
    configs = tuple(dict(c) for c in getattr(entry, "leaderboard_configs", ({},))) or ({},)
    return EnvTraits(primary_metric=getattr(entry, "primary_metric", "episode_return"),
                     higher_is_better=bool(getattr(entry, "higher_is_better", True)),
                     leaderboard_configs=configs,
                     quick_kwargs=dict(getattr(entry, "quick_kwargs", {})))


def parse_seeds(value: int | str | Sequence[int]) -> list[int]:
    """``3`` -> [0, 1, 2]; ``"0,4,7"`` -> those; ``"10-12"`` -> [10, 11, 12]."""
    usage = f"seeds {value!r}: give a count (5), a list (0,3,7) or a range (0-9)"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        seeds = list(range(int(value)))
    elif isinstance(value, str):
        seeds = []
        try:
            if value.isdigit():
                seeds = list(range(int(value)))
            else:
                for part in filter(None, value.split(",")):
                    lo, sep, hi = part.partition("-")
                    if sep and int(hi) < int(lo):
                        raise LeaderboardInputError(f"seeds {value!r}: the range {part} is "
                                                    "reversed (write low-high)")
                    seeds += list(range(int(lo), int(hi) + 1)) if sep else [int(lo)]
        except ValueError as exc:
            if isinstance(exc, LeaderboardInputError):
                raise
            raise LeaderboardInputError(usage) from None
    elif isinstance(value, (list, tuple, range, np.ndarray)) and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in value):
        seeds = [int(s) for s in value]
    else:
        raise LeaderboardInputError(usage + " (whole numbers)")
    if not seeds:
        raise LeaderboardInputError(f"seeds {value!r}: no seeds")
    if min(seeds) < 0:
        raise LeaderboardInputError(f"seeds {value!r}: seeds must be >= 0")
    repeated = sorted(s for s, n in Counter(seeds).items() if n > 1)
    if repeated:
        raise LeaderboardInputError(
            f"seeds {value!r}: seed(s) {', '.join(map(str, repeated))} given more than once")
    return seeds


@dataclass
class EnvEntry:
    """One env of a plan: its id, kwargs variants, agents (None = registry) and seeds."""

    env_id: str
    configs: list[dict[str, Any]] | None = None
    agents: list[str | dict[str, Any]] | None = None
    seeds: list[int] | None = None


def check_agent_list(agents: Any, where: str = "agents") -> None:
    """A list of agent names, or of ``{name = ..., kwargs = {...}}`` tables (nothing else:
    a misspelt key must not be dropped silently)."""
    if isinstance(agents, (str, Mapping)) or not isinstance(agents, (list, tuple)):
        raise LeaderboardInputError(f"{where}: a list of agent names or of tables "
                                    f"{{name = ..., kwargs = {{...}}}}, got {agents!r}")
    for i, a in enumerate(agents):
        if isinstance(a, str):
            continue
        if not isinstance(a, Mapping) or not isinstance(a.get("name"), str) \
                or not isinstance(a.get("kwargs", {}), Mapping) or set(a) - {"name", "kwargs"}:
            raise LeaderboardInputError(f"{where}[{i}]: an agent name or a table with `name` "
                                        f"(a string) and optional `kwargs` (a table), and no "
                                        f"other key; got {a!r}")


def _agent_items(agents: Iterable[str | Mapping[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    check_agent_list(agents)
    items: list[tuple[str, dict[str, Any]]] = []
    for a in agents:
        item = (a, {}) if isinstance(a, str) else (a["name"], dict(a.get("kwargs", {})))
        if item not in items:  # the same agent twice would run (and rank) every cell twice
            items.append(item)
    for name, _ in items:
        if not name.startswith("sb3:"):
            agent_spec(name)  # UnknownAgentError with close matches
    return items


def plan_cells(entries: Sequence[EnvEntry] | None = None, *, agents=None, seeds=QUICK_SEEDS,
               episodes: int = 1, quick: bool = False, max_steps: int | None = None) -> list[Cell]:
    """Enumerate the cells of a leaderboard.

    ``entries`` default to every papergym id (ids whose class cannot be imported yet are
    skipped with a warning).  For each env: each kwargs variant (``configs``, else the
    class's ``leaderboard_configs``), with ``quick_kwargs`` applied when ``quick``; each
    agent (the entry's, else ``agents``, else ``agents_for``; with ``quick`` the
    reference agents plus ``random``); each seed.  Named agents are skipped where they do
    not apply; one that applies nowhere raises :class:`AgentNotApplicableError` with why.
    """
    explicit_envs = entries is not None
    entries = list(entries) if entries is not None else [EnvEntry(i) for i in papergym_env_ids()]
    default_seeds = parse_seeds(seeds)
    cells: list[Cell] = []
    reasons: dict[str, list[str]] = {}  # named agents that did not apply, with why
    applied: set[str] = set()
    for entry in entries:
        try:
            traits = env_traits(entry.env_id)
        except ImportError as exc:
            if explicit_envs:
                raise LeaderboardInputError(f"{entry.env_id}: cannot import its class ({exc})") \
                    from exc
            warnings.warn(f"skipping {entry.env_id}: its class cannot be imported ({exc})",
                          stacklevel=2)
            continue
        variants = entry.configs if entry.configs else list(traits.leaderboard_configs)
        named = entry.agents if entry.agents is not None else agents
        items = _agent_items(named) if named is not None else None
        for variant in variants:
            # quick shortens what the configs leave unset; an explicit value wins
            env_kwargs = {**(traits.quick_kwargs if quick else {}), **variant}
            check_env_kwargs(entry.env_id, env_kwargs)
            if items is None:
                names = agents_for(entry.env_id, env_kwargs, reference_only=quick)
                if quick and "random" not in names:
                    names.append("random")
                pairs = [(n, {}) for n in names]
            else:
                pairs = []
                for name, kw in items:
                    reason = (sb3_refusal(name, entry.env_id) if name.startswith("sb3:")
                              else None) or why_not_applicable(name, entry.env_id, env_kwargs)
                    if reason is None:
                        pairs.append((name, kw))
                        applied.add(name)
                    else:
                        reasons.setdefault(name, []).append(reason)
            for name, kw in pairs:
                config = _agent_config(name, kw)
                for seed in entry.seeds or default_seeds:
                    cells.append(Cell(entry.env_id, dict(env_kwargs), name, seed, kw, config,
                                      episodes, max_steps, traits.primary_metric,
                                      _requires_model(name)))
    refused = {name: why for name, why in reasons.items() if name not in applied}
    if refused:
        raise AgentNotApplicableError("; ".join(
            f"agent {name!r} refused: {'; '.join(dict.fromkeys(why))}"
            for name, why in refused.items()))
    return cells


_CONFIGS: dict[tuple[str, str, tuple[int, int] | None], dict[str, Any]] = {}


def _agent_config(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The agent's ``config()`` (what the store hashes); built once per (name, kwargs)."""
    cache_key = (name, config_hash(kwargs), _file_state(name))
    if cache_key not in _CONFIGS:
        config = dict(make_agent(name, **kwargs).config())
        _CONFIGS[cache_key] = {**config, **{k: v for k, v in kwargs.items() if k not in config}}
    return dict(_CONFIGS[cache_key])


def _file_state(name: str) -> tuple[int, int] | None:
    """(mtime, size) of an ``sb3:`` agent's model file: a model retrained at the same path
    is another agent (its config holds the file's digest), so the cache must see it."""
    if not name.startswith("sb3:"):
        return None
    from papergym.wrappers.sb3 import model_zip_path

    try:
        stat = model_zip_path(name[4:]).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _requires_model(name: str) -> bool:
    return False if name.startswith("sb3:") else agent_spec(name).requires_model
