"""Agents: the papers' algorithms, their baselines, and adapters (docs/CONTRACTS.md, section 3).

Each family is a subpackage ``papergym.agents.<family>`` whose ``__init__`` registers
its agents with :func:`register_agent`; the registry imports every subpackage on first
use, so a new family needs no edit here.
"""

from papergym.agents.base import (
    Agent,
    AgentNotApplicableError,
    AgentSpec,
    RandomAgent,
    SB3Agent,
    UnknownAgentError,
    agent_spec,
    agents_for,
    make_agent,
    register_agent,
    registered_agents,
    why_not_applicable,
)

__all__ = ["Agent", "AgentNotApplicableError", "AgentSpec", "RandomAgent", "SB3Agent",
           "UnknownAgentError", "agent_spec", "agents_for", "make_agent", "register_agent",
           "registered_agents", "why_not_applicable"]
