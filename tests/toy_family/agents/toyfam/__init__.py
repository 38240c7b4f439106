"""The toy family's agent: plays the better coin (it reads the model)."""

from papergym.agents.base import Agent, register_agent
from papergym.envs import family_env_ids


class ToyGreedyAgent(Agent):
    """Plays the coin with the higher probability (toy; requires the model)."""

    name = "toy-greedy"
    paper = "A toy two-armed bandit (papergym's own test family)"
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.best = int(env_model[1] > env_model[0])

    def act(self, observation, info):
        return self.best


register_agent("toy-greedy", ToyGreedyAgent, family_env_ids("toyfam"), reference=True)
