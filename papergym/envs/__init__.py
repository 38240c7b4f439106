"""Every papergym environment, one package per paper family (docs/CONTRACTS.md, section 2).

``import papergym`` calls :func:`register_envs`, which imports each package named in
:data:`FAMILY_PACKAGES`; a family's ``__init__`` registers its ids with
:func:`papergym.envs.registration.register_env`.  ``gym.make("papergym:Paging-v0")`` works
without the import, since Gymnasium imports ``papergym`` for the prefix.

A new family adds one line below (its package name) and nothing else outside its folders.
"""

from __future__ import annotations

import importlib

from papergym.envs.registration import FAMILIES, parallel_env_ids

__all__ = ["FAMILIES", "FAMILY_PACKAGES", "family_env_ids", "papergym_env_ids",
           "parallel_env_ids", "register_envs"]

#: the family packages under papergym/envs/, in the order `papergym list` shows them
FAMILY_PACKAGES: tuple[str, ...] = (
    "paging",
    "coding",
    "auctions",
    "bandits",
    "serving",
    "cascading",
    "submodular",
    "causal",
    "pruning",
    "routing",
)

_REGISTERED = False


def register_envs() -> None:
    """Import every family package (each registers its ids); safe to call more than once."""
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    for name in FAMILY_PACKAGES:
        importlib.import_module(f"papergym.envs.{name}")


def papergym_env_ids() -> list[str]:
    """Every Gymnasium id papergym registers, in registration order."""
    register_envs()
    return [env_id for fam in FAMILIES.values() for env_id in fam.env_ids]


def family_env_ids(family: str) -> tuple[str, ...]:
    """The ids (Gymnasium and parallel) registered for ``family``: what its agents register
    for, so a new id of the family reaches its agents with no second edit."""
    register_envs()
    if family not in FAMILIES:
        raise KeyError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    fam = FAMILIES[family]
    return tuple(fam.env_ids) + tuple(fam.parallel_ids)
