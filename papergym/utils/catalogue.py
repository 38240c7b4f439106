"""The catalogue of every registered env as a Markdown table (``papergym list --markdown``);
the README's environment table is this text, and a test fails when it is stale."""

from __future__ import annotations

__all__ = ["catalogue_markdown"]


def catalogue_markdown() -> str:
    """One row per registered id (parallel ids marked): family, id, paper, reference agents
    (the agents ``--quick`` runs on the id's first leaderboard configuration) and the
    family's docs page."""
    from papergym.agents.base import agents_for
    from papergym.envs import register_envs
    from papergym.envs.registration import FAMILIES, PARALLEL_REGISTRY, entry_point

    register_envs()
    rows = ["| family | env id | paper | reference agents |", "|---|---|---|---|"]
    for fam in FAMILIES.values():
        for i, env_id in enumerate(fam.env_ids + fam.parallel_ids):
            cls = entry_point(env_id)
            configs = getattr(cls, "leaderboard_configs", ({},)) or ({},)
            agents = ", ".join(f"`{a}`" for a in agents_for(env_id, dict(configs[0]),
                                                              reference_only=True))
            label = f"`{env_id}`" + (" (PettingZoo)" if env_id in PARALLEL_REGISTRY else "")
            family = f"[{fam.name}](docs/{fam.name}.md)" if i == 0 else ""
            paper = fam.paper if i == 0 else ""
            rows.append(f"| {family} | {label} | {paper} | {agents or '-'} |")
    return "\n".join(rows) + "\n"
