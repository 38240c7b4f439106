"""Agents for the profiled vehicle routing family (docs/routing.md)."""

from papergym.agents.base import register_agent
from papergym.agents.routing.heuristics import (
    GreedyAgent,
    PreferenceGreedyAgent,
    PyVRPAgent,
    SweepAgent,
)
from papergym.envs import family_env_ids

__all__ = ["GreedyAgent", "PreferenceGreedyAgent", "PyVRPAgent", "SweepAgent"]

IDS = family_env_ids("routing")

register_agent("greedy", GreedyAgent, IDS, reference=True)
register_agent("greedy-preference", PreferenceGreedyAgent, IDS, reference=True)
register_agent("sweep", SweepAgent, IDS, reference=True)
register_agent("pyvrp", PyVRPAgent, IDS, reference=True)
