"""SynFlow as an agent of LotteryTicket-v0."""

from __future__ import annotations

from papergym.agents.pruning._init_pruning import PruneAtInitAgent

__all__ = ["SynFlowAgent"]


class SynFlowAgent(PruneAtInitAgent):
    """SynFlow (Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020, arXiv 2006.05467): iterative
    synaptic-flow pruning, data-free, ``iterations`` rounds (the paper's 100) on the
    exponential schedule."""

    name = "synflow"
    paper = "Tanaka et al., Pruning neural networks without any data, NeurIPS 2020 (arXiv 2006.05467)"

    def __init__(self, iterations: int = 100):
        from papergym.utils.checks import check_int

        self.iterations = check_int("iterations", iterations, low=1)

    def masks(self, state, n_keep):
        from papergym.envs.pruning import scores as S

        net, masks = self.net_and_masks(state)
        return S.synflow_masks(net, masks, n_keep, self.iterations)
