"""Submodular RL ("Submodular Reinforcement Learning", ICLR 2024, arXiv 2307.13372).

Importing this package registers the grid-world ids; the math (objectives with incremental
marginal gains, the greedy and exhaustive planners) lives in its modules, imported lazily.
"""

from papergym.envs.registration import register_env

PAPER = ("Submodular Reinforcement Learning (Prajapat, Mutný, Zeilinger, Krause; ICLR 2024, "
         "arXiv 2307.13372)")

_ENTRY = "papergym.envs.submodular.coverage:SubmodularCoverageEnv"
_VECTOR = "papergym.envs.submodular.coverage:SubmodularCoverageVectorEnv"

#: id -> registered kwargs (sizes from the code's params/<setting>/subrl_M.yaml)
CONFIGURATIONS = {
    "SubmodularCoverage-v0": {},
    "SubmodularCoverageBimodal-v0": {"horizon": 40, "weights": "bimodal"},
    "SubmodularInformativePath-v0": {"horizon": 40, "objective": "information"},
    "SubmodularCappedItems-v0": {"shape": (7, 15), "horizon": 40, "objective": "items"},
    "SubmodularTwoRooms-v0": {"shape": (7, 14), "horizon": 40, "domain": "two_rooms"},
}

for _id, _kwargs in CONFIGURATIONS.items():
    register_env("submodular", PAPER, _id, _ENTRY, kwargs=_kwargs, vector_entry_point=_VECTOR)

__all__ = ["CONFIGURATIONS", "PAPER"]
