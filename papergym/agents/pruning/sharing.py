"""The ParameterSharing-v0 schemes as agents: each spends the memory budget one way."""

from __future__ import annotations

from papergym.agents.base import Agent
from papergym.envs.pruning.constants import SCHEMES
from papergym.utils.checks import check_choice

__all__ = ["MemorySchemeAgent"]

_RPS = ("Desai & Shrivastava, In Defense of Parameter Sharing for Model-Compression, "
        "ICLR 2024 (arXiv 2310.11611)")
_ROAST = "Desai, Chou & Shrivastava, Random Offset Block Embedding / ROAST, 2022"


class MemorySchemeAgent(Agent):
    """Play one memory scheme of ParameterSharing-v0: ``stable-rps`` (balanced hashing with
    gradient scaling), ``roast`` (chunked hashing with independent offsets), ``magnitude``
    / ``random`` (pruning at initialisation to the same number of stored weights) or
    ``small-dense`` (a narrower MLP with at most as many weights)."""

    name = "stable-rps"
    paper = _RPS

    def __init__(self, scheme: str = "stable-rps"):
        self.scheme = check_choice("scheme", scheme, SCHEMES)

    def act(self, observation, info):
        return SCHEMES.index(self.scheme)


class ROASTAgent(MemorySchemeAgent):
    """ROAST as a MemorySchemeAgent (its own class so that it names its own paper)."""

    name = "roast"
    paper = _ROAST

    def __init__(self, scheme: str = "roast"):
        super().__init__(scheme)


class PruneSameMemoryAgent(MemorySchemeAgent):
    """Magnitude pruning at init to the same memory: the foil of the RPS paper."""

    name = "mag-same-memory"
    paper = _RPS

    def __init__(self, scheme: str = "magnitude"):
        super().__init__(scheme)
