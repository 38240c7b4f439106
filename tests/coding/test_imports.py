"""The coding family keeps the import rule: its env package imports no agents, runner,
leaderboard or CLI (function-level imports included); its agents import only their own
family's env package; neither imports another family."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "papergym"
FORBIDDEN_FOR_ENVS = ("papergym.agents", "papergym.runner", "papergym.leaderboard",
                      "papergym.cli")
OTHER_FAMILIES = ("papergym.envs.paging", "papergym.agents.paging")


def imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", sorted((ROOT / "envs" / "coding").glob("*.py")),
                         ids=lambda p: p.name)
def test_env_modules_import_no_agents_runner_leaderboard_or_cli(path):
    bad = [n for n in imports(path) if under(n, FORBIDDEN_FOR_ENVS + OTHER_FAMILIES)]
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sorted((ROOT / "agents" / "coding").glob("*.py")),
                         ids=lambda p: p.name)
def test_agent_modules_import_only_their_family_and_the_spine_below_them(path):
    bad = [n for n in imports(path)
           if under(n, ("papergym.runner", "papergym.leaderboard", "papergym.cli")
                    + OTHER_FAMILIES)]
    assert not bad, f"{path.name} imports {bad}"
