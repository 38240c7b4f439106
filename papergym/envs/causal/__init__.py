"""Causal bandits on linear SEMs ("Asymmetric Graph Error Control with Low Complexity in
Causal Bandits", Peng, Zhang, Mitra; ICASSP 2024 / IEEE TSP 2025; arXiv 2408.11240).

Importing this package registers ``CausalBandit-v0`` (stationary) and
``CausalBanditDrift-v0`` (piecewise stationary); the SEM math lives in :mod:`.sem`.
"""

from papergym.envs.registration import register_env

PAPER = ("Asymmetric Graph Error Control with Low Complexity in Causal Bandits "
         "(Peng, Zhang, Mitra; IEEE TSP 2025, arXiv 2408.11240)")
_ENTRY = "papergym.envs.causal.causal_bandit:CausalBanditEnv"
_VECTOR = "papergym.envs.causal.causal_bandit:CausalBanditVectorEnv"

#: the drifting variant's registered kwargs (our choice: the authors' non-stationary script
#: is not public)
DRIFT_KWARGS = {"horizon": 3000, "change_fractions": (1 / 3, 2 / 3), "n_changed_columns": 2}

register_env("causal", PAPER, "CausalBandit-v0", _ENTRY, vector_entry_point=_VECTOR)
register_env("causal", PAPER, "CausalBanditDrift-v0", _ENTRY, kwargs=DRIFT_KWARGS,
             vector_entry_point=_VECTOR)

from papergym.envs.causal.causal_bandit import (  # noqa: E402
    CausalBanditEnv,
    CausalBanditInstance,
    CausalBanditVectorEnv,
)

__all__ = ["DRIFT_KWARGS", "PAPER", "CausalBanditEnv", "CausalBanditInstance",
           "CausalBanditVectorEnv"]
