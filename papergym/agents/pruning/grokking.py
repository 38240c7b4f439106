"""Grokking tickets (Minegishi, Iwasawa & Matsuo, arXiv 2310.19470) as agents of
GrokkingTicket-v0."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.envs.pruning.constants import GROK_RULES, MASK_SOURCES
from papergym.utils.checks import check_choice, check_real

__all__ = ["GrokkingTicketAgent"]


class GrokkingTicketAgent(Agent):
    """Choose the grokking run's mask: from the weights at ``source`` (``generalisation``:
    the grokking ticket; ``memorisation``: the paper's early-ticket control; ``init``:
    pruning at initialisation), by ``rule`` (``magnitude`` or ``random``), keeping
    ``keep`` of the weights globally (the paper's pruning rate 0.4, i.e. keep 0.6;
    ``keep=1`` is the dense baseline)."""

    name = "grokking-ticket"
    paper = "Minegishi, Iwasawa & Matsuo, Grokking Tickets, arXiv 2310.19470"

    def __init__(self, source: str = "generalisation", rule: str = "magnitude",
                 keep: float = 0.6):
        self.source = check_choice("source", source, MASK_SOURCES)
        self.rule = check_choice("rule", rule, GROK_RULES)
        self.keep = check_real("keep", keep, low=0.0, high=1.0, low_open=True)

    def act(self, observation, info):
        return {"source": MASK_SOURCES.index(self.source), "rule": GROK_RULES.index(self.rule),
                "keep": np.array([self.keep], dtype=np.float32)}
