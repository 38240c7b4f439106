"""Agents for the profiled vehicle routing family (docs/routing.md)."""

from papergym.agents.base import register_agent
from papergym.agents.routing.heuristics import (
    GreedyAgent,
    PreferenceGreedyAgent,
    PyVRPAgent,
    SweepAgent,
)
from papergym.envs import family_env_ids

__all__ = ["CAMPAgent", "GreedyAgent", "PreferenceGreedyAgent", "PyVRPAgent", "SweepAgent"]

IDS = family_env_ids("routing")

register_agent("pvrp-greedy", GreedyAgent, IDS, reference=True)
register_agent("pvrp-greedy-preference", PreferenceGreedyAgent, IDS, reference=True)
register_agent("sweep", SweepAgent, IDS, reference=True)
register_agent("pyvrp", PyVRPAgent, IDS, reference=True)


def _camp(**kwargs):
    from papergym.agents.routing.camp import CAMPAgent

    return CAMPAgent(**kwargs)


_camp.paper = ("Hua, Berto, Son, Kang, Kwon, Park, CAMP: Collaborative Attention Model with "
               "Profiles for Vehicle Routing Problems, AAMAS 2025 (arXiv 2501.02977)")
_camp.requires_model = True


def _camp_applies(env_id, kwargs):
    from pathlib import Path

    if not (Path(__file__).with_name("camp_small.pt")).exists():
        return ("no CAMP checkpoint shipped: train one with "
                "`python scripts/routing/train_camp.py` and pass checkpoint=<path>")
    return None


register_agent("camp", _camp, IDS, applies_to=_camp_applies, reference=True)


def _ortools(**kwargs):
    from papergym.agents.routing.ortools_agent import ORToolsAgent

    return ORToolsAgent(**kwargs)


def _ortools_applies(env_id, kwargs):
    from papergym.agents.routing.ortools_agent import ortools_missing

    return ortools_missing()


_ortools.paper = "Perron and Didier, OR-Tools routing (Google), v9.15"
_ortools.requires_model = True
register_agent("ortools", _ortools, IDS, applies_to=_ortools_applies, reference=False)


def __getattr__(name):
    if name == "CAMPAgent":      # torch is imported only when CAMP is asked for
        from papergym.agents.routing.camp import CAMPAgent

        return CAMPAgent
    raise AttributeError(name)
