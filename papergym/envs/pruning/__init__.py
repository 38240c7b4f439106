"""Pruning papers as optimisation tasks: lottery tickets, pruning at initialisation, layer
pruning, randomized parameter sharing and grokking tickets.

Importing this package registers the family's ids; it stays light (torch and sklearn are
imported by the env modules, when an env is built).
"""

from papergym.envs.registration import register_env

PAPER = ("The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks "
         "(Frankle & Carbin, ICLR 2019, arXiv 1803.03635)")

register_env("pruning", PAPER, "LotteryTicket-v0",
             "papergym.envs.pruning.lottery:LotteryTicketEnv")

register_env("pruning", PAPER, "LayerPruning-v0",
             "papergym.envs.pruning.layers:LayerPruningEnv")

register_env("pruning", PAPER, "ParameterSharing-v0",
             "papergym.envs.pruning.sharing:ParameterSharingEnv")

register_env("pruning", PAPER, "GrokkingTicket-v0",
             "papergym.envs.pruning.grokking:GrokkingTicketEnv")

__all__ = ["PAPER"]
