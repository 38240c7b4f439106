"""Global magnitude pruning at initialisation as an agent of LotteryTicket-v0."""

from __future__ import annotations

from papergym.agents.pruning._init_pruning import PruneAtInitAgent

__all__ = ["MagnitudeAtInitAgent"]


class MagnitudeAtInitAgent(PruneAtInitAgent):
    """Global magnitude pruning at initialisation (the layer-collapse foil of SynFlow)."""

    name = "magnitude-at-init"
    paper = None

    def masks(self, state, n_keep):
        from papergym.envs.pruning import scores as S

        net, masks = self.net_and_masks(state)
        return S.keep_top_global(S.magnitude_scores(net, masks), masks, n_keep)
