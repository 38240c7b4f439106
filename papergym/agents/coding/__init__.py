"""Markov coding game agents and the coupling library they share.

Registered: ``mecb`` (MEME sender of the MEC-B protocol, Ebrahimi et al. NeurIPS 2024),
``uniform-quantizer`` (the same sender with the paper's uniform-quantiser baseline),
``message-only``, ``max-ent`` and ``return-max``.  SB3 PPO: :mod:`papergym.agents.coding.ppo`.
Receivers of the two-agent game (``papergym.envs.coding.parallel_env``, no gymnasium id, so
not in the registry): ``ProtocolReceiver`` and ``PriorReceiver``; ``play_game`` plays one.
"""

from __future__ import annotations

from papergym.agents.base import register_agent
from papergym.agents.coding import coupling  # noqa: F401  (pure numpy, no env import)
from papergym.agents.coding.baselines import MaxEntAgent, ReturnMaxAgent
from papergym.agents.coding.meme import MemeSender, MessageOnlySender
from papergym.agents.coding.receiver import PriorReceiver, ProtocolReceiver, play_game
from papergym.envs import family_env_ids

MCG_IDS = family_env_ids("coding")


def _needs_encoder(encoder: str):
    def check(env_id, kwargs):
        protocol = kwargs.get("protocol", "mecb")
        if protocol is None:
            return f"{env_id} has protocol=None: there is no receiver protocol to follow"
        if isinstance(protocol, str) and protocol != encoder:
            return f"needs protocol={encoder!r}, the env has protocol={protocol!r}"
        if not isinstance(protocol, str) and protocol.spec.get("encoder") != encoder:
            return f"needs a {encoder!r} protocol object"
        return None
    return check


def _any_protocol(env_id, kwargs):
    if kwargs.get("protocol", "mecb") is None:
        return f"{env_id} has protocol=None: there is no receiver protocol to follow"
    return None


register_agent("mecb", MemeSender, MCG_IDS, applies_to=_needs_encoder("mecb"), reference=True,
               encoder="mecb")
register_agent("uniform-quantizer", MemeSender, MCG_IDS, applies_to=_needs_encoder("uniform"),
               reference=True, encoder="uniform")
register_agent("message-only", MessageOnlySender, MCG_IDS, applies_to=_any_protocol)
register_agent("max-ent", MaxEntAgent, MCG_IDS)
register_agent("return-max", ReturnMaxAgent, MCG_IDS, reference=True)

__all__ = ["MemeSender", "MessageOnlySender", "MaxEntAgent", "ReturnMaxAgent", "MCG_IDS",
           "ProtocolReceiver", "PriorReceiver", "play_game"]
