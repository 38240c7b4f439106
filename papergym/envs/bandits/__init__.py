"""Non-stationary and streaming bandits.

Importing this package registers ``LSDBandit-v0`` (last-switch-dependent bandits: Laforgue
et al., AISTATS 2022; Foussoul et al., ICML 2023) and ``StreamingBandit-v0`` (single-pass
streaming bandits: Wang, ICML 2023).  The env modules (and numpy/scipy) load on first use.
"""

from papergym.envs.registration import register_env

PAPER = ("Last Switch Dependent Bandits with Monotone Payoff Functions (ICML 2023, arXiv "
         "2306.00338); Tight Regret Bounds for Single-pass Streaming Multi-armed Bandits "
         "(ICML 2023, arXiv 2306.02208)")

register_env("bandits", PAPER, "LSDBandit-v0", "papergym.envs.bandits.lsd:LSDBanditEnv",
             vector_entry_point="papergym.envs.bandits.lsd:LSDBanditVectorEnv")
register_env("bandits", PAPER, "StreamingBandit-v0",
             "papergym.envs.bandits.streaming:StreamingBanditEnv",
             vector_entry_point="papergym.envs.bandits.streaming:StreamingBanditVectorEnv")

__all__ = ["PAPER"]
