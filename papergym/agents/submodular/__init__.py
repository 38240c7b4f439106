"""Agents for the submodular grid worlds: SubPO (and its natural-gradient variant), the
modular-reward and non-Markov policy gradients, the greedy planner and SB3 PPO."""

from papergym.agents.base import register_agent
from papergym.agents.submodular.greedy import GreedyAgent
from papergym.agents.submodular.policy_gradient import (
    ModularPGAgent,
    NonMarkovPGAgent,
    SubPOAgent,
    SubPONaturalAgent,
)
from papergym.agents.submodular.ppo import PPOAgent
from papergym.envs import family_env_ids

__all__ = ["GreedyAgent", "ModularPGAgent", "NonMarkovPGAgent", "PPOAgent", "SubPOAgent",
           "SubPONaturalAgent"]

ENV_IDS = family_env_ids("submodular")

#: the leaderboard's training budget (trajectories per update x updates); the paper's runs
#: (500 x 50 and more) are in scripts/submodular/learning_curves.py
LEADERBOARD_BUDGET = {"batch_size": 48, "epochs": 20}

register_agent("subpo", SubPOAgent, ENV_IDS, reference=True, **LEADERBOARD_BUDGET)
register_agent("modular-pg", ModularPGAgent, ENV_IDS, reference=True, **LEADERBOARD_BUDGET)
register_agent("greedy", GreedyAgent, ENV_IDS, reference=True)
register_agent("subpo-npg", SubPONaturalAgent, ENV_IDS, **LEADERBOARD_BUDGET)
register_agent("non-markov-pg", NonMarkovPGAgent, ENV_IDS, **LEADERBOARD_BUDGET)
register_agent("ppo", PPOAgent, ENV_IDS)
