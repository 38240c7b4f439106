"""Markov coding game agents.

Senders (the ``"sender"`` role; they play ``MarkovCodingGame-v0`` and its variants, and the
sender of ``MarkovCodingGameParallel-v0``): ``mecb`` (MEME sender of the MEC-B protocol,
Ebrahimi et al. NeurIPS 2024), ``uniform-quantizer`` (the same sender with the paper's
uniform-quantiser baseline), ``message-only``, ``max-ent`` and ``return-max``.  Receivers
(the ``"receiver"`` role of ``MarkovCodingGameParallel-v0`` only): ``protocol-receiver``
and ``prior-receiver``.  Each class says its role in its ``role`` attribute.  SB3 PPO:
``python scripts/coding/train_ppo.py`` (preset ``experiments/coding/ppo.yaml``) or
``papergym train``.  The math (couplings, EBIM,
the protocol) lives in :mod:`papergym.envs.coding`.
"""

from __future__ import annotations

from papergym.agents.base import register_agent
from papergym.agents.coding.baselines import MaxEntAgent, ReturnMaxAgent
from papergym.agents.coding.meme import MemeSender, MessageOnlySender
from papergym.agents.coding.receiver import PriorReceiver, ProtocolReceiver
from papergym.envs import family_env_ids
from papergym.envs.registration import PARALLEL_REGISTRY

#: every id of the family: the senders play all of them (the sender role of the parallel one)
MCG_IDS = family_env_ids("coding")
#: the two-agent ids, where a receiver is a role
PARALLEL_IDS = tuple(i for i in MCG_IDS if i in PARALLEL_REGISTRY)


def _needs_encoder(*encoders: str):
    def check(env_id, kwargs):
        protocol = kwargs.get("protocol", "mecb")
        if protocol is None:
            return f"{env_id} has protocol=None: there is no receiver protocol to follow"
        if isinstance(protocol, str) and protocol not in encoders:
            return f"needs protocol in {encoders}, the env has protocol={protocol!r}"
        if not isinstance(protocol, str) and protocol.spec.get("encoder") not in encoders:
            return f"needs a protocol object with encoder in {encoders}"
        return None
    return check


def _any_protocol(env_id, kwargs):
    if kwargs.get("protocol", "mecb") is None:
        return f"{env_id} has protocol=None: there is no receiver protocol to follow"
    return None


register_agent("mecb", MemeSender, MCG_IDS, applies_to=_needs_encoder("mecb", "mecb-best"),
               reference=True, encoder="mecb")
register_agent("uniform-quantizer", MemeSender, MCG_IDS, applies_to=_needs_encoder("uniform"),
               reference=True, encoder="uniform")
register_agent("message-only", MessageOnlySender, MCG_IDS, applies_to=_any_protocol)
register_agent("max-ent", MaxEntAgent, MCG_IDS)
register_agent("return-max", ReturnMaxAgent, MCG_IDS, reference=True)
register_agent("protocol-receiver", ProtocolReceiver, PARALLEL_IDS, applies_to=_any_protocol,
               reference=True)
register_agent("prior-receiver", PriorReceiver, PARALLEL_IDS)

__all__ = ["MemeSender", "MessageOnlySender", "MaxEntAgent", "ReturnMaxAgent", "MCG_IDS",
           "PARALLEL_IDS", "ProtocolReceiver", "PriorReceiver"]
