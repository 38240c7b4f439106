"""Registration of every papergym environment (docs/CONTRACTS.md, section 2).

``import papergym`` calls :func:`register_envs`; ``gym.make("papergym:Paging-v0")``
works without the import, since Gymnasium imports ``papergym`` for the prefix.
A new family adds its ``register(...)`` lines to its block below and nothing else:
its agents are found by ``papergym.agents`` on their own.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

__all__ = ["register_envs", "papergym_env_ids", "family_env_ids", "FAMILIES"]

#: family name -> (paper, env ids); filled by register_envs, read by `papergym list`.
FAMILIES: dict[str, tuple[str, list[str]]] = {}


def _register(family: str, paper: str, env_id: str, entry_point: str, **kwargs) -> None:
    FAMILIES.setdefault(family, (paper, []))[1].append(env_id)
    if env_id not in registry:
        register(id=env_id, entry_point=entry_point, **kwargs)


def register_envs() -> None:
    """Register every id; safe to call more than once."""
    if FAMILIES:
        return
    # -- paging: "Paging with Succinct Predictions" (ICML 2023)
    _register("paging", "Paging with Succinct Predictions (ICML 2023, arXiv 2210.02775)",
              "Paging-v0", "papergym.envs.paging.paging:PagingEnv")
    # -- coding: "Minimum Entropy Coupling with Bottleneck" (NeurIPS 2024)
    coding = "Minimum Entropy Coupling with Bottleneck (NeurIPS 2024, arXiv 2410.21666)"
    mcg = "papergym.envs.coding.mcg:MarkovCodingGameEnv"
    _register("coding", coding, "MarkovCodingGame-v0", mcg)
    _register("coding", coding, "MarkovCodingGameCompress4-v0", mcg, kwargs={"compression": 4.0})
    _register("coding", coding, "MarkovCodingGameCompress16-v0", mcg,
              kwargs={"compression": 16.0})
    _register("coding", coding, "MarkovCodingGameSmall-v0", mcg,
              kwargs={"message_size": 64, "grid": "4x4", "compression": 2.0, "max_steps": 20})
    _register("coding", coding, "MarkovCodingGameLarge-v0", mcg,
              kwargs={"grid": "10x10", "compression": 2.0, "max_steps": 80})


def papergym_env_ids() -> list[str]:
    """Every id papergym registers, in registration order."""
    register_envs()
    return [env_id for _, ids in FAMILIES.values() for env_id in ids]


def family_env_ids(family: str) -> tuple[str, ...]:
    """The ids registered for ``family``: what its agents register for, so a new id of
    the family reaches its agents with no second edit."""
    register_envs()
    if family not in FAMILIES:
        raise KeyError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    return tuple(FAMILIES[family][1])
