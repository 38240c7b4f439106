"""Experiments as data (bsuite-style): a TOML or YAML file that names what to run.

```toml
seeds = 5               # a count, a list [0, 3, 7], or "0-9"
episodes = 1
agents = ["random"]     # optional default for every env; else the registry's agents
imports = []            # optional modules registering extra envs/agents

[[envs]]
id = "Paging-v0"
configs = [{}, { prediction = "phase" }]   # or kwargs = {...} for one variant
agents = ["lru", "random", { name = "marker", kwargs = {} }]
seeds = [0, 1]          # optional per-env override
```

The YAML form has the same keys.  Unknown keys, and values of the wrong type (a float
``episodes``, a string where a list belongs, an agent table with a misspelt key), a key
given twice, an empty ``configs``, an env listed twice, are errors, so a typo cannot
silently change an experiment.

``imports`` (like ``--import``) imports Python modules, searched in the current folder
first: it runs their code.  Run experiment files you trust, as you would a script.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papergym.leaderboard.cells import (
    EnvEntry,
    LeaderboardInputError,
    check_agent_list,
    parse_seeds,
)

__all__ = ["Experiment", "load_experiment"]

_TOP_KEYS = {"name", "seeds", "episodes", "agents", "envs", "imports", "quick", "max_steps"}
_ENV_KEYS = {"id", "kwargs", "configs", "agents", "seeds"}


@dataclass
class Experiment:
    name: str
    entries: list[EnvEntry]
    seeds: list[int] | None = None
    episodes: int | None = None
    agents: list[Any] | None = None
    imports: list[str] = field(default_factory=list)
    quick: bool | None = None
    max_steps: int | None = None


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text()
    if path.suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            try:
                import tomli as tomllib
            except ImportError as exc:
                raise LeaderboardInputError(
                    f"{path}: reading TOML on Python 3.10 needs `pip install tomli` "
                    "(or write the experiment as YAML)") from exc
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise LeaderboardInputError(f"{path}: not valid TOML ({exc})") from exc
    if path.suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.load(text, Loader=_unique_key_loader(yaml))  # noqa: S506 - SafeLoader
        except yaml.YAMLError as exc:
            raise LeaderboardInputError(f"{path}: not valid YAML ({exc})") from exc
        return data if data is not None else {}
    raise LeaderboardInputError(f"{path}: experiment files are .toml, .yaml or .yml")


def _unique_key_loader(yaml):
    """yaml's SafeLoader, refusing a key given twice in one mapping (TOML does already)."""

    class UniqueKeyLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return loader.construct_mapping(node, deep)

    UniqueKeyLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return UniqueKeyLoader


def load_experiment(path: str | Path) -> Experiment:
    """Parse and validate an experiment file (names are checked later, by the planner)."""
    path = Path(path)
    if not path.is_file():
        raise LeaderboardInputError(f"{path}: no such experiment file")
    data = _read(path)
    if not isinstance(data, dict):
        raise LeaderboardInputError(f"{path}: the top level must be a table/mapping")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise LeaderboardInputError(f"{path}: unknown keys {sorted(unknown)}; "
                                    f"allowed: {sorted(_TOP_KEYS)}")
    envs = data.get("envs")
    if not envs or not isinstance(envs, list):
        raise LeaderboardInputError(f"{path}: needs a non-empty list `envs` of tables with `id`")
    entries = []
    seen_ids: set[tuple[str, str]] = set()
    for i, env in enumerate(envs):
        where = f"{path}: envs[{i}]"
        if not isinstance(env, dict) or "id" not in env:
            raise LeaderboardInputError(f"{where}: needs an `id`")
        bad = set(env) - _ENV_KEYS
        if bad:
            raise LeaderboardInputError(f"{where}: unknown keys {sorted(bad)}; "
                                        f"allowed: {sorted(_ENV_KEYS)}")
        if "kwargs" in env and "configs" in env:
            raise LeaderboardInputError(f"{where}: give `kwargs` or `configs`, not both")
        configs = [env["kwargs"]] if "kwargs" in env else env.get("configs")
        if configs is not None and (not isinstance(configs, list)
                                    or not all(isinstance(c, dict) for c in configs)):
            raise LeaderboardInputError(f"{where}: `configs` must be a list of tables "
                                        "(`kwargs` one table)")
        if configs is not None and not configs:
            raise LeaderboardInputError(f"{where}: `configs` is empty (leave it out for the "
                                        "env's leaderboard_configs)")
        if configs is not None and len({json.dumps(c, sort_keys=True, default=repr)
                                        for c in configs}) < len(configs):
            raise LeaderboardInputError(f"{where}: `configs` lists one configuration twice")
        for config in (configs if configs is not None else [None]):
            listed = (str(env["id"]), json.dumps(config, sort_keys=True, default=repr))
            if listed in seen_ids:
                shown = "its leaderboard_configs" if config is None else f"configuration {config}"
                raise LeaderboardInputError(f"{where}: env {env['id']!r} with {shown} is "
                                            "listed twice (its cells would run twice)")
            seen_ids.add(listed)
        if "agents" in env:
            check_agent_list(env["agents"], f"{where}.agents")
        entries.append(EnvEntry(str(env["id"]), configs, env.get("agents"),
                                _seeds(env["seeds"], where) if "seeds" in env else None))
    if "agents" in data:
        check_agent_list(data["agents"], f"{path}: agents")
    for key in ("episodes", "max_steps"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise LeaderboardInputError(f"{path}: `{key}` must be a whole number >= 1, "
                                        f"got {value!r}")
    imports = data.get("imports", [])
    if not isinstance(imports, list) or not all(isinstance(m, str) for m in imports):
        raise LeaderboardInputError(f"{path}: `imports` must be a list of module names, "
                                    f"got {imports!r}")
    if not isinstance(data.get("quick", False), bool):
        raise LeaderboardInputError(f"{path}: `quick` must be true or false, "
                                    f"got {data['quick']!r}")
    return Experiment(
        name=str(data.get("name", path.stem)), entries=entries,
        seeds=_seeds(data["seeds"], str(path)) if "seeds" in data else None,
        episodes=data.get("episodes"), agents=data.get("agents"), imports=imports,
        quick=data.get("quick"), max_steps=data.get("max_steps"))


def _seeds(value: Any, where: str) -> list[int]:
    try:
        return parse_seeds(value)
    except LeaderboardInputError as exc:
        raise LeaderboardInputError(f"{where}: {exc}") from None
