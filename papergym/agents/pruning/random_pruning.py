"""Random pruning at initialisation: the floor every criterion must beat."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.pruning._common import alive_counts, keep_action, uniform_keep_to

__all__ = ["RandomPruningAgent"]


class RandomPruningAgent(Agent):
    """Prune at initialisation to the target density uniformly at random, the same keep
    fraction in every layer (the control of SNIP, GraSP and SynFlow papers), then train
    once from ``theta_0``."""

    name = "random-pruning"
    paper = ("Frankle & Carbin, The Lottery Ticket Hypothesis, ICLR 2019 (arXiv 1803.03635): "
             "the random-pruning control")

    def act(self, observation, info):
        alive = alive_counts(self.action_space, info)
        sizes = np.array([float(np.prod(s.shape)) for s in self.action_space["mask"].values()])
        keep = uniform_keep_to(float(info["target_density"]), alive, sizes.sum())
        return keep_action(np.full(len(alive), keep), rule="random", weights="rewind", stop=True)
