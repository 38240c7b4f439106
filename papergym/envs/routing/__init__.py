"""Profiled vehicle routing (CAMP, AAMAS 2025): ``PVRP-v0`` and ``PVRP-ZC-v0`` (one vehicle
moves per step) and ``PVRPParallel-v0`` (PettingZoo: every vehicle moves at once)."""

from papergym.envs.registration import register_env, register_parallel_env

PAPER = "CAMP: Collaborative Attention Model with Profiles for Vehicle Routing (AAMAS 2025, arXiv 2501.02977)"

register_env("routing", PAPER, "PVRP-v0", "papergym.envs.routing.pvrp:PVRPEnv")
register_env("routing", PAPER, "PVRP-ZC-v0", "papergym.envs.routing.pvrp:PVRPEnv",
             kwargs={"zones": True})
register_parallel_env("routing", PAPER, "PVRPParallel-v0", "papergym.envs.routing.pvrp:parallel_env",
                      rank_by="team")
