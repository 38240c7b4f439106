"""One-shot magnitude pruning (train, prune once to the target, rewind, retrain)."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.pruning._common import alive_counts, keep_action, uniform_keep_to
from papergym.utils.checks import check_choice

__all__ = ["OneShotMagnitudeAgent"]


class OneShotMagnitudeAgent(Agent):
    """One-shot magnitude pruning, the lottery-ticket paper's one-shot baseline (its
    Section 2): train the dense net, remove the smallest-magnitude weights down to the
    target density in one round (the same keep fraction in every layer), reset the
    survivors (``weights="rewind"``, the paper's one-shot ticket; ``"continue"`` is
    prune-then-fine-tune) and retrain once."""

    name = "one-shot-magnitude"
    paper = "Frankle & Carbin, The Lottery Ticket Hypothesis, ICLR 2019 (arXiv 1803.03635)"

    def __init__(self, weights: str = "rewind"):
        self.weights = check_choice("weights", weights, ("rewind", "continue", "reinit"))

    def act(self, observation, info):
        alive = alive_counts(self.action_space, info)
        if info["round"] == 0 and info["rounds_left"] > 1:
            return keep_action(np.ones(len(alive)), weights="continue")
        sizes = np.array([float(np.prod(s.shape)) for s in self.action_space["mask"].values()])
        keep = uniform_keep_to(float(info["target_density"]), alive, sizes.sum())
        return keep_action(np.full(len(alive), keep), weights=self.weights, stop=True)
