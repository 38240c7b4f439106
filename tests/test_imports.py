"""The import rules of docs/CONTRACTS.md, read from the source with ``ast`` (function-level
imports too), so a new family is covered with no edit here.

1. Families are leaves: ``papergym.envs.<family>`` imports no agents, runner, leaderboard,
   training, results or cli; ``papergym.agents.<family>`` may import its own family's env
   package and nothing of another family; no family imports another.
2. Floors: a module never imports a module on a higher floor
   (cli > leaderboard > results/training/utils.env_checker > runner > agents > envs/wrappers/utils),
   and the spine has no import cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "papergym"

#: floor of a module, by the longest matching prefix
FLOORS = {
    "papergym.utils": 0,
    "papergym.envs": 0,
    "papergym.wrappers": 0,
    "papergym.agents": 1,
    "papergym.runner": 2,
    "papergym.results": 3,
    "papergym.training": 3,
    "papergym.utils.env_checker": 3,
    "papergym.utils.catalogue": 3,
    "papergym.leaderboard": 4,
    "papergym.cli": 5,
    "papergym": 6,  # the package's __init__ re-exports the public API
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (absolute names, relative imports resolved), with lines."""
    tree = ast.parse(path.read_text(), filename=str(path))
    name = module_name(path)
    package = name if is_package(path) else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[:len(parent) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            found.append((base, node.lineno))
            # `from papergym.envs import paging` names a submodule
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names
                      if (ROOT.parent / f"{base}.{alias.name}".replace(".", "/")).exists()
                      or (ROOT.parent / (f"{base}.{alias.name}".replace(".", "/") + ".py")).exists()]
    return [(m, line) for m, line in found if m == "papergym" or m.startswith("papergym.")]


MODULES = sorted(ROOT.rglob("*.py"))


def floor(name: str) -> int:
    best = max((p for p in FLOORS if name == p or name.startswith(p + ".")), key=len)
    return FLOORS[best]


def family_of(name: str) -> tuple[str, str] | None:
    """('envs' | 'agents', family) for a module inside a family package."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[1] in ("envs", "agents") and \
            (ROOT / parts[1] / parts[2]).is_dir():
        return parts[1], parts[2]
    return None


def violations(modules: list[Path] | None = None) -> list[str]:
    found = []
    for path in MODULES if modules is None else modules:
        name = module_name(path)
        mine = family_of(name)
        for target, line in imports_of(path):
            where = f"{path.relative_to(ROOT.parent)}:{line} imports {target}"
            theirs = family_of(target)
            if mine and theirs and mine[1] != theirs[1]:
                found.append(f"{where}: a family imports another family")
            elif mine and mine[0] == "envs" and theirs and theirs[0] == "agents":
                found.append(f"{where}: an env imports agents")
            elif mine and mine[0] == "envs" and floor(target) > floor(name):
                found.append(f"{where}: an env package imports a higher floor")
            elif target != "papergym" and floor(target) > floor(name):
                found.append(f"{where}: floor {floor(name)} imports floor {floor(target)}")
    return found


def test_no_import_breaks_the_rules():
    assert not violations(), "\n".join(violations())


def _graph() -> dict[str, set[str]]:
    names = {module_name(p) for p in MODULES}
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        targets = set()
        for target, _ in imports_of(path):
            while target and target not in names:
                target = target.rpartition(".")[0]
            # a module importing its own ancestor package is no cycle: Python initialises
            # the ancestor before the module runs
            if target and not module_name(path).startswith(target + ".") \
                    and target != module_name(path):
                targets.add(target)
        graph[module_name(path)] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    found = cycles(_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


@pytest.mark.parametrize("bad, message", [
    ("from papergym.agents.paging import lru\n", "an env imports"),
    ("import papergym.leaderboard\n", "higher floor"),
])
def test_the_rule_catches_a_planted_import(bad, message):
    planted = ROOT / "envs" / "paging" / f"_planted_probe_{abs(hash(bad))}.py"
    planted.write_text(f"def f():\n    {bad}")
    try:
        assert any(message in v and planted.name in v for v in violations([planted]))
    finally:
        planted.unlink()


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
