"""SNIP as an agent of LotteryTicket-v0."""

from __future__ import annotations

from papergym.agents.pruning._init_pruning import PruneAtInitAgent

__all__ = ["SNIPAgent"]


class SNIPAgent(PruneAtInitAgent):
    """SNIP (Lee, Ajanthan & Torr, ICLR 2019, arXiv 1810.02340): connection sensitivity
    ``|dL/dw * w|`` on one minibatch at initialisation, the top ``target`` fraction kept
    over the whole network, then trained once."""

    name = "snip"
    paper = "Lee, Ajanthan & Torr, SNIP, ICLR 2019 (arXiv 1810.02340)"

    def masks(self, state, n_keep):
        from papergym.envs.pruning import scores as S

        net, masks = self.net_and_masks(state)
        x, y = self.batch(state)
        return S.keep_top_global(S.snip_scores(net, masks, x, y), masks, n_keep)
