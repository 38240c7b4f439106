"""Layer pruning at initialisation for LayerPruning-v0."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.utils.checks import check_choice

__all__ = ["LayerPruningAgent"]

_PAPER = "Jordão et al., When Layers Play the Lottery, all Tickets Win at Initialization, 2023"


class LayerPruningAgent(Agent):
    """Score the residual blocks at initialisation and keep the best ones.

    ``criterion="cka"`` (``layer-cka-init``): drop the blocks whose output is most similar
    (linear CKA, observation column 2) to their input at initialisation: they transform
    the representation least.  The paper's exact criterion was not available to us (only
    its abstract); representation similarity is our reading of it, stated in
    docs/pruning.md.  ``"update"`` (``layer-norm-init``): keep the blocks with the largest
    update-to-input ratio (column 1).  ``"random"`` (``random-layer-pruning``): random
    scores from the agent's seed, the control.
    """

    name = "layer-cka-init"
    paper = _PAPER

    def __init__(self, criterion: str = "cka"):
        self.criterion = check_choice("criterion", criterion, ("cka", "update", "random"))

    def act(self, observation, info):
        obs = np.asarray(observation, dtype=np.float64)
        if self.criterion == "cka":
            return (-obs[:, 2]).astype(np.float32)
        if self.criterion == "update":
            return obs[:, 1].astype(np.float32)
        return self.rng.random(obs.shape[0]).astype(np.float32)
