"""Cascading reinforcement learning ("Cascading Reinforcement Learning", ICLR 2024).

Importing this package registers ``CascadingRL-v0`` and ``CascadingBandit-v0`` (each with a
batched ``vector_entry_point``); the family's math (instances, list values, BestPerm, the
optimal planner) lives in :mod:`papergym.envs.cascading.model`.
"""

from papergym.envs.registration import register_env

PAPER = "Cascading Reinforcement Learning (Du, Srikant, Chen; ICLR 2024, arXiv 2401.08961)"

register_env("cascading", PAPER, "CascadingRL-v0",
             "papergym.envs.cascading.env:CascadingRLEnv",
             vector_entry_point="papergym.envs.cascading.vector:CascadingRLVectorEnv")
register_env("cascading", PAPER, "CascadingBandit-v0",
             "papergym.envs.cascading.env:CascadingBanditEnv",
             vector_entry_point="papergym.envs.cascading.vector:CascadingBanditVectorEnv")

__all__ = ["PAPER"]
