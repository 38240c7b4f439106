"""Checks of the env contracts of docs/CONTRACTS.md, shared by the registry-wide tests and by envs that
are not registered ids (PettingZoo variants)."""

from __future__ import annotations

import inspect

DOC_SECTIONS = ("## Description", "## Action Space", "## Observation Space", "## Rewards",
                "## Starting State", "## Episode End", "## Info", "## Arguments",
                "## Reference Agents", "## Registered Configurations", "## Version History")


def assert_docstring_layout(cls: type) -> str:
    """The CartPole layout, every section present and in order; returns the docstring."""
    doc = cls.__doc__ or ""
    positions = [doc.find(section) for section in DOC_SECTIONS]
    missing = [s for s, p in zip(DOC_SECTIONS, positions) if p < 0]
    assert not missing, f"{cls.__name__} docstring lacks {missing}"
    assert positions == sorted(positions), f"{cls.__name__} docstring sections out of order"
    return doc


def assert_arguments_documented(cls: type) -> None:
    """Every constructor argument is named (as ``name``) under ``## Arguments``."""
    doc = assert_docstring_layout(cls)
    arguments = doc[doc.index("## Arguments"):doc.index("## Reference Agents")]
    for name in inspect.signature(cls.__init__).parameters:
        if name != "self":
            assert f"``{name}``" in arguments, f"{cls.__name__}: argument {name} undocumented"
