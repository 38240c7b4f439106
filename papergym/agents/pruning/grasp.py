"""GraSP as an agent of LotteryTicket-v0."""

from __future__ import annotations

from papergym.agents.pruning._init_pruning import PruneAtInitAgent

__all__ = ["GraSPAgent"]


class GraSPAgent(PruneAtInitAgent):
    """GraSP (Wang, Zhang & Grosse, ICLR 2020, arXiv 2002.07376): gradient-signal
    preservation, score ``-w * (H g)`` by double backprop on one minibatch (logits over a
    temperature of 200 as in the authors' code); the highest scores are removed."""

    name = "grasp"
    paper = "Wang, Zhang & Grosse, GraSP, ICLR 2020 (arXiv 2002.07376)"

    def masks(self, state, n_keep):
        from papergym.envs.pruning import scores as S

        net, masks = self.net_and_masks(state)
        x, y = self.batch(state)
        return S.keep_top_global(S.grasp_scores(net, masks, x, y), masks, n_keep)
