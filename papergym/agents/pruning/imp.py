"""Iterative magnitude pruning with rewinding (Frankle & Carbin, ICLR 2019, arXiv 1803.03635)."""

from __future__ import annotations

import math

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.pruning._common import alive_counts, keep_action, uniform_keep_to
from papergym.utils.checks import check_choice, check_real

__all__ = ["IMPAgent"]


class IMPAgent(Agent):
    """Iterative magnitude pruning (IMP) with rewinding, the lottery-ticket algorithm.

    Round 0 trains the dense network (keep everything, continue).  Every later round
    removes ``rate`` of each hidden layer's alive weights with the smallest magnitude
    (``output_rate`` for the output layer: the paper's Lenet setting, 20% and 10%), resets
    the survivors to ``theta_k`` (the env's ``rewind_to``; ``theta_0`` by default, the
    paper's original recipe) and retrains.  The last round prunes straight to the env's
    ``target_density`` with one keep fraction for all layers and stops; if the rounds left
    cannot reach the target at ``rate``, the per-round rate grows to the geometric rate
    that does (our addition, so that every episode ends at the target).

    ``final_weights="reinit"`` gives the paper's control: the ticket's mask with a random
    re-initialisation (agent ``imp-random-reinit``).  ``scope="global"`` prunes by one
    magnitude threshold over all layers (open_lth's default) instead of layer-wise.
    """

    name = "imp"
    paper = "Frankle & Carbin, The Lottery Ticket Hypothesis, ICLR 2019 (arXiv 1803.03635)"

    def __init__(self, rate: float = 0.2, output_rate: float = 0.1, final_weights: str = "rewind",
                 scope: str = "layer"):
        self.rate = check_real("rate", rate, low=0.0, high=1.0, low_open=True, high_open=True)
        self.output_rate = check_real("output_rate", output_rate, low=0.0, high=1.0,
                                      high_open=True)
        self.final_weights = check_choice("final_weights", final_weights, ("rewind", "reinit"))
        self.scope = check_choice("scope", scope, ("layer", "global"))

    def act(self, observation, info):
        alive = alive_counts(self.action_space, info)
        n_layers = len(alive)
        if info["round"] == 0:
            return keep_action(np.ones(n_layers), weights="continue")
        sizes = np.array([float(np.prod(s.shape)) for s in self.action_space["mask"].values()])
        total = sizes.sum()
        density = alive.sum() / total
        target = float(info["target_density"])
        rounds_left = int(info["rounds_left"])
        keep = np.full(n_layers, 1.0 - self.rate)
        keep[-1] = 1.0 - self.output_rate
        predicted = sum(max(1, round(k * a)) for k, a in zip(keep, alive)) / total
        scope = 1 if self.scope == "global" else 0
        if predicted <= target or rounds_left <= 1:
            final = uniform_keep_to(target, alive, total)
            return keep_action(np.full(n_layers, final), weights=self.final_weights, stop=True,
                               scope=scope)
        needed = math.ceil(math.log(target / density) / math.log(1.0 - self.rate))
        if needed > rounds_left:
            keep = np.full(n_layers, (target / density) ** (1.0 / rounds_left))
        return keep_action(keep, weights="rewind", scope=scope)
