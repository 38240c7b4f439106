"""Rethinking the Value of Network Pruning (Liu, Sun, Zhou, Huang & Darrell, ICLR 2019,
arXiv 1810.05270): structured pruning with fine-tuning, against training the pruned
architecture from scratch for the same epochs (Scratch-E) or the same compute (Scratch-B)."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.pruning._common import keep_action
from papergym.utils.checks import check_choice, check_real

__all__ = ["StructuredPruningAgent"]


class StructuredPruningAgent(Agent):
    """Train the dense net (round 0), remove ``1 - neuron_keep`` of each hidden layer's
    neurons by the L1 norm of their incoming weights (Li et al. 2017, one of the structured
    criteria Liu et al. examine), then, by ``mode``:

    - ``"finetune"``: keep the trained survivors and train one more round (the three-stage
      pipeline's fine-tuning);
    - ``"scratch-e"``: re-initialise the pruned architecture at random and train it for one
      round (the same number of steps as the dense network);
    - ``"scratch-b"``: the same, for ``round(1 / density)`` rounds (the dense network's
      training FLOPs), capped by the rounds the env has left.  The paper matches the
      budget in FLOPs too; it trains at most twice as long for some ImageNet models, which
      we do not copy (our choice).
    """

    name = "scratch-e"
    paper = "Liu et al., Rethinking the Value of Network Pruning, ICLR 2019 (arXiv 1810.05270)"

    def __init__(self, mode: str = "scratch-e", neuron_keep: float = 0.5):
        self.mode = check_choice("mode", mode, ("finetune", "scratch-e", "scratch-b"))
        self.neuron_keep = check_real("neuron_keep", neuron_keep, low=0.0, high=1.0,
                                      low_open=True)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._extra_rounds = None

    def act(self, observation, info):
        n_layers = len(info["layer_density"])
        ones = np.ones(n_layers)
        if info["round"] == 0:
            return keep_action(ones, weights="continue")
        if self._extra_rounds is None:  # the pruning round
            keep = np.full(n_layers, self.neuron_keep)
            if self.mode == "finetune":
                self._extra_rounds = 0
                return keep_action(keep, rule="neuron", weights="continue", stop=True)
            self._extra_rounds = -1  # set once the density is known (next call)
            stop = self.mode == "scratch-e" or info["rounds_left"] <= 1
            return keep_action(keep, rule="neuron", weights="reinit", stop=stop)
        if self._extra_rounds < 0:
            budget = int(round(1.0 / max(float(info["density"]), 1e-9)))
            self._extra_rounds = max(0, min(budget - 1, int(info["rounds_left"])))
        self._extra_rounds -= 1
        stop = self._extra_rounds <= 0 or info["rounds_left"] <= 1
        return keep_action(ones, weights="continue", stop=stop)
