"""The names behind the pruning envs' discrete action indices (no torch here: agents and
the registry import this without paying for torch)."""

__all__ = ["ACTION_RULES", "GROK_RULES", "MASK_SOURCES", "RULES", "SCHEMES", "WEIGHT_RESETS"]

#: the scoring rules of :mod:`papergym.envs.pruning.scores`
RULES = ("magnitude", "random", "snip", "grasp", "synflow", "neuron")
#: LotteryTicket-v0's ``rule`` index: the scoring rules, then an explicit mask
ACTION_RULES = (*RULES, "mask")
#: LotteryTicket-v0's ``weights`` index: what the surviving weights are set to
WEIGHT_RESETS = ("rewind", "continue", "reinit")
#: ParameterSharing-v0's action: how the memory budget is spent
SCHEMES = ("magnitude", "random", "roast", "stable-rps", "small-dense")
#: GrokkingTicket-v0's ``source`` index: which weights the mask is computed from
MASK_SOURCES = ("init", "memorisation", "generalisation")
#: GrokkingTicket-v0's ``rule`` index
GROK_RULES = ("magnitude", "random")
