"""The common shape of the pruning-at-initialisation agents: score once, prune globally to
the target density, train once from ``theta_0``."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.pruning._common import mask_action, net_from_state, target_count

__all__ = ["PruneAtInitAgent"]


class PruneAtInitAgent(Agent):
    """Base class: subclasses implement :meth:`masks`, the global mask at ``n_keep``
    weights of the network in ``state`` (the env's :class:`PruningState`)."""

    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._state = env_model

    def masks(self, state, n_keep: int) -> list:
        raise NotImplementedError

    def act(self, observation, info):
        import torch

        torch.set_num_threads(1)
        state = self._state
        total = sum(m.size for m in state.masks)
        n_keep = target_count(float(state.target_density), total)
        masks = self.masks(state, n_keep)
        return mask_action([m.numpy() for m in masks], len(masks), weights="rewind", stop=True)

    @staticmethod
    def net_and_masks(state):
        import torch

        net = net_from_state(state.weights, state.biases)
        masks = [torch.from_numpy(np.array(m, dtype=np.float32)) for m in state.masks]
        return net, masks

    @staticmethod
    def batch(state):
        import torch

        return (torch.from_numpy(np.array(state.x_score)),
                torch.from_numpy(np.array(state.y_score)))
