"""Leaderboard cells: what to run, enumerated from the registries or an experiment file.

A cell is one (env id, env kwargs, agent, seed); it is the unit that is run, stored,
skipped on resume and counted in the progress bar.  The env's class declares how it is
ranked (``primary_metric``, ``higher_is_better``), which kwargs variants the default
leaderboard runs (``leaderboard_configs``) and how to make it fast (``quick_kwargs``);
they are read with defaults so an env without them still works.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from papergym.agents.base import (
    AgentNotApplicableError,
    agent_spec,
    agents_for,
    make_agent,
    why_not_applicable,
)
from papergym.envs import papergym_env_ids, registration
from papergym.results import CellKey, config_hash, config_json
from papergym.runner import MAX_SEED, check_seed_list

__all__ = ["Cell", "EnvTraits", "EnvKwargValueError", "UnknownEnvError", "UnknownEnvKwargError",
           "LeaderboardInputError", "check_env_id", "check_env_kwargs", "check_env_values",
           "sb3_refusal", "env_traits", "plan_cells", "parse_seeds", "import_plugins",
           "QUICK_SEEDS", "DEFAULT_SEEDS", "MAX_SEEDS"]

QUICK_SEEDS = 3
DEFAULT_SEEDS = 5
MAX_SEEDS = 100_000  # seeds per env config; a range beyond it is refused before it is built


class LeaderboardInputError(ValueError):
    """Bad leaderboard input (unknown name, inapplicable agent, bad file); CLI exit code 2."""


class UnknownEnvError(LeaderboardInputError, registration.UnknownEnvError):
    """An env id that is not registered; the message lists close matches."""


class UnknownEnvKwargError(LeaderboardInputError, registration.UnknownEnvKwargError):
    """An env keyword argument the env's constructor does not take; lists the accepted ones."""


class EnvKwargValueError(LeaderboardInputError):
    """An env keyword argument the env's constructor refuses (out of range, wrong type)."""


@dataclass
class Cell:
    """One unit of leaderboard work. ``agent_config`` is filled in by :func:`plan_cells`.

    On a PettingZoo parallel env (``parallel``), ``team`` is ``((role, agent name), ...)``
    when the roles are played by different agents (an env ranked by role: ``role`` is
    the one this cell ranks ``agent`` on), and ``None`` when ``agent`` plays every role."""

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
    parallel: bool = False
    team: tuple[tuple[str, str], ...] | None = None
    role: str | None = None

    @property
    def key(self) -> CellKey:
        return CellKey.of(self.env_id, self.env_kwargs, self.agent, self.agent_config, self.seed)

    @cached_property
    def evaluation(self) -> dict[str, Any]:
        """How the cell is run (not part of its key; stored beside it): episodes, the step
        limit, and the content digest of every env argument that names a file (a replayed
        trace), so a cell stored from other file contents is rerun, not reused."""
        files = input_file_digests(self.env_kwargs)
        return {"episodes": self.episodes, "max_steps": self.max_steps,
                **({"files": files} if files else {})}

    def label(self) -> str:
        kw = ",".join(f"{k}={v}" for k, v in sorted(self.env_kwargs.items()))
        who = f"{self.role}={self.agent}" if self.role else self.agent
        return f"{self.env_id}{'(' + kw + ')' if kw else ''} {who} seed={self.seed}"


def input_file_digests(env_kwargs: Mapping[str, Any]) -> dict[str, str]:
    """``{argument: sha256}`` of the env arguments whose value names an existing file
    (e.g. Paging-v0's ``trace``): a stored cell keyed by the path alone would otherwise be
    reused after the file changed."""
    digests = {}
    for name, value in sorted(env_kwargs.items()):
        if isinstance(value, (str, os.PathLike)) and str(value) and os.path.isfile(value):
            digest = hashlib.sha256()
            with open(value, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            digests[name] = digest.hexdigest()
    return digests


@dataclass(frozen=True)
class EnvTraits:
    primary_metric: str = "episode_return"
    higher_is_better: bool = True
    leaderboard_configs: tuple[dict[str, Any], ...] = ({},)
    quick_kwargs: Mapping[str, Any] = field(default_factory=dict)
    group_by: tuple[str, ...] = ()  # kwargs whose values share one table (a column)
    rank_by: str | None = None  # parallel envs: "team" or "role"
    roles: tuple[str, ...] = ()  # parallel envs: possible_agents
    partners: Mapping[str, str] = field(default_factory=dict)  # parallel: role -> agent


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
    """:func:`papergym.envs.registration.check_env_id`, its error as :class:`UnknownEnvError`
    (bad leaderboard input, CLI exit 2)."""
    try:
        registration.check_env_id(env_id)
    except registration.UnknownEnvError as exc:
        raise UnknownEnvError(str(exc)) from None


def check_env_kwargs(env_id: str, kwargs: Mapping[str, Any] | None) -> None:
    """:func:`papergym.envs.registration.check_env_kwargs` (names the env's constructor
    does not take), its errors as leaderboard input errors."""
    check_env_id(env_id)
    try:
        registration.check_env_kwargs(env_id, kwargs)
    except registration.UnknownEnvKwargError as exc:
        raise UnknownEnvKwargError(str(exc)) from None


def check_env_values(env_id: str, kwargs: Mapping[str, Any]) -> None:
    """Build ``env_id`` with ``kwargs`` once and close it: an argument out of range is
    refused here (:class:`EnvKwargValueError`), before any cell runs, instead of failing
    every cell of the configuration."""
    check_env_kwargs(env_id, kwargs)
    try:
        if env_id in registration.PARALLEL_REGISTRY:
            env = registration.make_parallel(env_id, **kwargs)
        else:
            import gymnasium as gym

            env = gym.make(env_id, **kwargs)
        env.close()
    except (TypeError, ValueError) as exc:  # TypeError: an env that does not check types
        raise EnvKwargValueError(f"{env_id} {_kw_text(kwargs)}: {exc}") from None


def _kw_text(kwargs: Mapping[str, Any]) -> str:
    return "(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"


def sb3_refusal(path: str | Path, env_id: str, env_kwargs: Mapping[str, Any] | None = None,
                allow_pickle: bool = False) -> str | None:
    """Why the SB3 model at ``path`` (``sb3:`` prefix allowed) must not play ``env_id``
    with ``env_kwargs``: there is no model there; it is an SB3 zip (a pickle) and
    ``allow_pickle`` is off; or its description says it was trained on another env id
    or another configuration (constructor defaults, registered and given kwargs
    compared), since a policy is only ranked where it was trained.  ``None`` when it
    may play (a zip without a description: nothing to compare)."""
    from papergym.wrappers.sb3 import (
        MODEL_FORMAT,
        description_path,
        is_pickle_model,
        model_zip_path,
        read_description,
    )

    path = Path(str(path).removeprefix("sb3:"))
    pickle_model = is_pickle_model(path)
    if pickle_model and not allow_pickle:
        return (f"sb3:{path} is an SB3 zip: loading it unpickles objects, which can run code "
                "from the file (pass --allow-pickle if you trust it)")
    try:
        desc = read_description(path)
    except ValueError as exc:
        return f"sb3:{path}: {exc}"
    if not pickle_model and (desc is None or desc.get("format") != MODEL_FORMAT):
        return (f"sb3:{path}: no model there (neither a papergym model description "
                f"{description_path(path)} nor an SB3 zip {model_zip_path(path)})")
    if desc is None:
        return None
    trained_on = desc.get("env_id")
    if trained_on is not None and trained_on != env_id:
        return f"sb3:{path} was trained on {trained_on}, not {env_id}"
    if "env_kwargs" in desc and env_kwargs is not None:
        try:
            trained = registration.resolved_kwargs(env_id, desc["env_kwargs"] or {})
        except TypeError:
            return f"sb3:{path}: its description's env_kwargs are not a mapping"
        here = registration.resolved_kwargs(env_id, env_kwargs)
        if config_json(trained) != config_json(here):
            diff = sorted(k for k in set(trained) | set(here) if trained.get(k) != here.get(k))
            shown = ", ".join(f"{k}={trained.get(k)!r} (here {here.get(k)!r})" for k in diff)
            return f"sb3:{path} was trained on {env_id} with {shown}"
    return None


_TRAITS: dict[str, EnvTraits] = {}


def _parallel_class(env_id: str) -> type:
    """The class of a registered parallel env (its factory may be a plain function)."""
    entry = registration.entry_point(env_id)
    if isinstance(entry, type):
        return entry
    env = registration.make_parallel(env_id)
    try:
        return type(env)
    finally:
        env.close()


def env_traits(env_id: str) -> EnvTraits:
    """The leaderboard attributes of ``env_id``'s class (ImportError if it is not built yet).

    A class that names a ``primary_metric`` must say which way it is ranked
    (``higher_is_better``): :class:`LeaderboardInputError` otherwise, never a silent
    guess.  A class that names neither (a plain Gymnasium env) is ranked by
    ``episode_return``, higher is better.  ``leaderboard_group_by`` (a tuple of kwarg
    names) puts the boards that differ only in those kwargs into one table."""
    check_env_id(env_id)
    if env_id in _TRAITS:
        return _TRAITS[env_id]
    parallel = registration.PARALLEL_REGISTRY.get(env_id)
    entry = _parallel_class(env_id) if parallel else registration.entry_point(env_id)
    metric = getattr(entry, "primary_metric", None)
    better = getattr(entry, "higher_is_better", None)
    if metric is not None and better is None:
        raise LeaderboardInputError(
            f"{env_id}: its class {getattr(entry, '__name__', entry)} names primary_metric "
            f"{metric!r} but not higher_is_better: declare which way it is ranked")
    configs = tuple(dict(c) for c in getattr(entry, "leaderboard_configs", ({},))) or ({},)
    group_by = getattr(entry, "leaderboard_group_by", ())
    if isinstance(group_by, str) or not all(isinstance(g, str) for g in group_by):
        raise LeaderboardInputError(f"{env_id}: leaderboard_group_by must be a tuple of "
                                    f"argument names, got {group_by!r}")
    traits = EnvTraits(primary_metric=metric or "episode_return",
                       higher_is_better=True if better is None else bool(better),
                       leaderboard_configs=configs,
                       quick_kwargs=dict(getattr(entry, "quick_kwargs", {})),
                       group_by=tuple(group_by))
    if parallel:
        env = registration.make_parallel(env_id)
        try:
            roles = tuple(env.possible_agents)
        finally:
            env.close()
        traits = EnvTraits(**{**traits.__dict__, "rank_by": parallel.rank_by, "roles": roles,
                              "partners": dict(getattr(entry, "leaderboard_partners", {}))})
    _TRAITS[env_id] = traits
    return traits


def _seed_count(lo: int, hi: int, value: Any) -> None:
    if hi - lo + 1 > MAX_SEEDS:
        raise LeaderboardInputError(f"seeds {value!r}: {hi - lo + 1} seeds; at most "
                                    f"{MAX_SEEDS} per run")
    if hi > MAX_SEED:
        raise LeaderboardInputError(f"seeds {value!r}: seeds must be < 2**63, got {hi}")


def parse_seeds(value: int | str | Sequence[int]) -> list[int]:
    """``3`` -> [0, 1, 2]; ``"0,4,7"`` -> those; ``"10-12"`` -> [10, 11, 12].

    Seeds are whole numbers in [0, 2**63), at most :data:`MAX_SEEDS` of them, none twice;
    anything else is :class:`LeaderboardInputError` (before a list is built)."""
    usage = f"seeds {value!r}: give a count (5), a list (0,3,7) or a range (0-9)"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value > 0:
            _seed_count(0, int(value) - 1, value)
        seeds = list(range(int(value)))
    elif isinstance(value, str):
        seeds = []
        try:
            if value.strip().isdigit():
                _seed_count(0, int(value) - 1, value)
                seeds = list(range(int(value)))
            else:
                for part in filter(None, value.split(",")):
                    lo, sep, hi = part.partition("-")
                    if sep and int(hi) < int(lo):
                        raise LeaderboardInputError(f"seeds {value!r}: the range {part} is "
                                                    "reversed (write low-high)")
                    if sep:
                        _seed_count(int(lo), int(hi), value)
                    seeds += list(range(int(lo), int(hi) + 1)) if sep else [int(lo)]
                    if len(seeds) > MAX_SEEDS:
                        _seed_count(0, len(seeds) - 1, value)
        except ValueError as exc:
            if isinstance(exc, LeaderboardInputError):
                raise
            raise LeaderboardInputError(usage) from None
    elif isinstance(value, (list, tuple, range, np.ndarray)) and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in value):
        if len(value) > MAX_SEEDS:
            _seed_count(0, len(value) - 1, value)
        seeds = [int(s) for s in value]
    else:
        raise LeaderboardInputError(usage + " (whole numbers)")
    try:
        return check_seed_list(seeds)
    except ValueError as exc:
        raise LeaderboardInputError(f"seeds {value!r}: {exc}") from None


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


def _default_entries() -> list[EnvEntry]:
    return [EnvEntry(i) for i in papergym_env_ids() + registration.parallel_env_ids()]


def plan_cells(entries: Sequence[EnvEntry] | None = None, *, agents=None, seeds=QUICK_SEEDS,
               episodes: int = 1, quick: bool = False, max_steps: int | None = None) -> list[Cell]:
    """Enumerate the cells of a leaderboard.

    ``entries`` default to every papergym id, Gymnasium and parallel (ids whose class
    cannot be imported yet are skipped with a warning).  For each env: each kwargs
    variant (``configs``, else the class's ``leaderboard_configs``), with ``quick_kwargs``
    applied when ``quick``, each built once here so that a value the env refuses is bad
    input before anything runs; each agent (the entry's, else ``agents``, else
    ``agents_for``; with ``quick`` the reference agents plus ``random``); each seed.
    Named agents are skipped where they do not apply; one that applies nowhere raises
    :class:`AgentNotApplicableError` with why.  Parallel envs: see :func:`_parallel_pairs`.
    """
    explicit_envs = entries is not None
    entries = list(entries) if entries is not None else _default_entries()
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
            check_env_values(entry.env_id, env_kwargs)
            if items is None:
                names = agents_for(entry.env_id, env_kwargs, reference_only=quick)
                if quick and "random" not in names:
                    names.append("random")
                pairs = [(n, {}) for n in names]
            else:
                pairs = []
                for name, kw in items:
                    reason = (sb3_refusal(name, entry.env_id, env_kwargs,
                                          bool(kw.get("allow_pickle")))
                              if name.startswith("sb3:") else None) \
                        or why_not_applicable(name, entry.env_id, env_kwargs)
                    if reason is None:
                        pairs.append((name, kw))
                        applied.add(name)
                    else:
                        reasons.setdefault(name, []).append(reason)
            seeds_here = entry.seeds or default_seeds
            if traits.rank_by is not None:
                cells += _parallel_cells(entry, traits, env_kwargs, pairs, seeds_here,
                                         episodes, max_steps, explicit=items is not None)
                continue
            for name, kw in pairs:
                config = _agent_config(name, kw)
                for seed in seeds_here:
                    cells.append(Cell(entry.env_id, dict(env_kwargs), name, seed, kw, config,
                                      episodes, max_steps, traits.primary_metric,
                                      _requires_model(name)))
    refused = {name: why for name, why in reasons.items() if name not in applied}
    if refused:
        raise AgentNotApplicableError("; ".join(
            f"agent {name!r} refused: {'; '.join(dict.fromkeys(why))}"
            for name, why in refused.items()))
    return cells


def agent_roles(name: str) -> tuple[str, ...] | None:
    """The roles of a parallel env agent ``name`` can play: its class's ``roles``
    attribute (a tuple of role names), ``None`` when it declares none."""
    if name.startswith("sb3:"):
        return None
    roles = getattr(agent_spec(name).factory, "roles", None)
    return None if roles is None else tuple(roles)


def _parallel_cells(entry: EnvEntry, traits: EnvTraits, env_kwargs: dict[str, Any],
                    pairs: list[tuple[str, dict[str, Any]]], seeds: Sequence[int],
                    episodes: int, max_steps: int | None, explicit: bool) -> list[Cell]:
    """Cells of a PettingZoo parallel env, by the env's ``rank_by``.

    ``"team"``: each agent plays every role (a copy per role), one row per agent name.
    ``"role"``: one board per role; an agent plays a role its class lists in ``roles``
    while every other role is played by its partner: the env class's
    ``leaderboard_partners[role]``, else the first reference agent (by name) that lists
    that role, else the first agent that does.  Agents without ``roles`` are not ranked
    by role.  Agent keyword arguments are not supported on parallel envs."""
    if any(kw for _, kw in pairs):
        raise LeaderboardInputError(f"{entry.env_id}: agent kwargs are not supported on "
                                    "parallel envs (register a configured agent instead)")
    base = dict(env_id=entry.env_id, env_kwargs=dict(env_kwargs), episodes=episodes,
                max_steps=max_steps, primary_metric=traits.primary_metric, parallel=True)
    if traits.rank_by == "team":
        return [Cell(agent=name, seed=seed, agent_config={"team": _agent_config(name, {})},
                     requires_model=_requires_model(name), **base)
                for name, _ in pairs for seed in seeds]
    players = {role: [n for n, _ in pairs if role in (agent_roles(n) or ())]
               for role in traits.roles}
    everyone = agents_for(entry.env_id, env_kwargs)
    partners = {}
    for role in traits.roles:
        fixed = traits.partners.get(role)
        able = [n for n in everyone if role in (agent_roles(n) or ())]
        reference = [n for n in able if agent_spec(n).reference]
        partners[role] = fixed or (reference or able or [None])[0]
    missing = [r for r, p in partners.items() if p is None]
    if missing:
        if explicit:
            raise LeaderboardInputError(
                f"{entry.env_id}: no registered agent declares it plays role(s) "
                f"{', '.join(missing)} (an agent class's `roles`), so no team can be formed")
        return []
    cells = []
    for role, names in players.items():
        for name in names:
            team = tuple((r, name if r == role else partners[r]) for r in traits.roles)
            config = {"role": role, "team": dict(team),
                      "configs": {n: _agent_config(n, {}) for n in dict(team).values()}}
            for seed in seeds:
                cells.append(Cell(agent=name, seed=seed, agent_config=config, team=team,
                                  role=role, requires_model=any(_requires_model(n)
                                                                for _, n in team), **base))
    return cells


_CONFIGS: dict[tuple[str, str, tuple[int, int] | None], dict[str, Any]] = {}


def _agent_config(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The agent's ``config()`` (what the store hashes); built once per (name, kwargs)."""
    cache_key = (name, config_hash(kwargs), _file_state(name))
    if cache_key not in _CONFIGS:
        try:
            agent = make_agent(name, **kwargs)
        except (TypeError, ValueError, OSError) as exc:  # bad kwargs, a broken model file
            shown = f" with kwargs {dict(kwargs)}" if kwargs else ""
            raise LeaderboardInputError(f"agent {name!r}{shown}: {exc}") from None
        config = dict(agent.config())
        _CONFIGS[cache_key] = {**config, **{k: v for k, v in kwargs.items() if k not in config}}
    return dict(_CONFIGS[cache_key])


def _file_state(name: str) -> tuple[int, int] | None:
    """(mtime, size) of an ``sb3:`` agent's model file: a model retrained at the same path
    is another agent (its config holds the file's digest), so the cache must see it."""
    if not name.startswith("sb3:"):
        return None
    from papergym.wrappers.sb3 import model_files

    try:
        stats = [f.stat() for f in model_files(name[4:]) if f.exists()]
    except OSError:
        return None
    return tuple((st.st_mtime_ns, st.st_size) for st in stats) or None


def _requires_model(name: str) -> bool:
    return False if name.startswith("sb3:") else agent_spec(name).requires_model
