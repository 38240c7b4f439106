"""Agents of the pruning family: lottery tickets (IMP), pruning at initialisation (SNIP,
GraSP, SynFlow), random and one-shot baselines, and Rethinking's Scratch-E / Scratch-B."""

from papergym.agents.base import register_agent
from papergym.agents.pruning._common import ONLY_LOTTERY, only
from papergym.agents.pruning.grasp import GraSPAgent
from papergym.agents.pruning.grokking import GrokkingTicketAgent
from papergym.agents.pruning.imp import IMPAgent
from papergym.agents.pruning.layer_pruning import LayerPruningAgent
from papergym.agents.pruning.magnitude_init import MagnitudeAtInitAgent
from papergym.agents.pruning.one_shot import OneShotMagnitudeAgent
from papergym.agents.pruning.random_pruning import RandomPruningAgent
from papergym.agents.pruning.scratch import StructuredPruningAgent
from papergym.agents.pruning.sharing import MemorySchemeAgent, PruneSameMemoryAgent, ROASTAgent
from papergym.agents.pruning.snip import SNIPAgent
from papergym.agents.pruning.synflow import SynFlowAgent
from papergym.envs import family_env_ids

__all__ = ["GraSPAgent", "GrokkingTicketAgent", "IMPAgent", "LayerPruningAgent", "MemorySchemeAgent", "MagnitudeAtInitAgent", "OneShotMagnitudeAgent", "PruneSameMemoryAgent", "ROASTAgent",
           "RandomPruningAgent", "SNIPAgent", "StructuredPruningAgent", "SynFlowAgent"]

ENV_IDS = family_env_ids("pruning")

register_agent("imp", IMPAgent, ENV_IDS, applies_to=ONLY_LOTTERY, reference=True)
register_agent("imp-random-reinit", IMPAgent, ENV_IDS, applies_to=ONLY_LOTTERY,
               final_weights="reinit")
register_agent("one-shot-magnitude", OneShotMagnitudeAgent, ENV_IDS, applies_to=ONLY_LOTTERY,
               reference=True)
register_agent("random-pruning", RandomPruningAgent, ENV_IDS, applies_to=ONLY_LOTTERY,
               reference=True)
register_agent("snip", SNIPAgent, ENV_IDS, applies_to=ONLY_LOTTERY, reference=True)
register_agent("grasp", GraSPAgent, ENV_IDS, applies_to=ONLY_LOTTERY, reference=True)
register_agent("synflow", SynFlowAgent, ENV_IDS, applies_to=ONLY_LOTTERY, reference=True)
register_agent("magnitude-at-init", MagnitudeAtInitAgent, ENV_IDS, applies_to=ONLY_LOTTERY)
register_agent("l1-neuron-finetune", StructuredPruningAgent, ENV_IDS, applies_to=ONLY_LOTTERY,
               mode="finetune")
register_agent("scratch-e", StructuredPruningAgent, ENV_IDS, applies_to=ONLY_LOTTERY,
               mode="scratch-e")
register_agent("scratch-b", StructuredPruningAgent, ENV_IDS, applies_to=ONLY_LOTTERY,
               mode="scratch-b")

ONLY_LAYERS = only("LayerPruning-v0")
register_agent("layer-cka-init", LayerPruningAgent, ENV_IDS, applies_to=ONLY_LAYERS,
               reference=True, criterion="cka")
register_agent("layer-norm-init", LayerPruningAgent, ENV_IDS, applies_to=ONLY_LAYERS,
               criterion="update")
register_agent("random-layer-pruning", LayerPruningAgent, ENV_IDS, applies_to=ONLY_LAYERS,
               reference=True, criterion="random")

ONLY_SHARING = only("ParameterSharing-v0")
register_agent("stable-rps", MemorySchemeAgent, ENV_IDS, applies_to=ONLY_SHARING, reference=True,
               scheme="stable-rps")
register_agent("roast", ROASTAgent, ENV_IDS, applies_to=ONLY_SHARING, reference=True)
register_agent("mag-same-memory", PruneSameMemoryAgent, ENV_IDS, applies_to=ONLY_SHARING,
               reference=True)
register_agent("random-same-memory", MemorySchemeAgent, ENV_IDS, applies_to=ONLY_SHARING,
               scheme="random")
register_agent("small-dense", MemorySchemeAgent, ENV_IDS, applies_to=ONLY_SHARING,
               scheme="small-dense")

ONLY_GROKKING = only("GrokkingTicket-v0")
register_agent("grokking-ticket", GrokkingTicketAgent, ENV_IDS, applies_to=ONLY_GROKKING,
               reference=True)
register_agent("memorisation-ticket", GrokkingTicketAgent, ENV_IDS, applies_to=ONLY_GROKKING,
               reference=True, source="memorisation")
register_agent("random-pruning-init", GrokkingTicketAgent, ENV_IDS, applies_to=ONLY_GROKKING,
               reference=True, source="init", rule="random")
register_agent("dense-grokking", GrokkingTicketAgent, ENV_IDS, applies_to=ONLY_GROKKING,
               reference=True, keep=1.0)
