"""Stable-Baselines3 PPO on the marginal-gain reward, trained on the instance at reset.

The env's marginal-gain rewards sum to F(tau), so plain RL on them optimises the paper's
objective; with ``observe_coverage=True`` (the default) the observation carries the covered
map that makes the problem Markov, which PPO needs.  For a model trained once and ranked
many times, use ``papergym train --env <id> --algo PPO`` and ``sb3:<path>`` instead.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from papergym.agents.base import Agent
from papergym.envs.submodular.problem import SubmodularProblem

__all__ = ["PPOAgent", "InstanceEnv"]


class InstanceEnv(gym.Wrapper):
    """Every reset replays one instance (``options={"instance": problem}``)."""

    def __init__(self, env: gym.Env, problem: SubmodularProblem):
        super().__init__(env)
        self.problem = problem

    def reset(self, *, seed=None, options=None):
        return self.env.reset(seed=seed, options={"instance": self.problem})


def env_for(problem: SubmodularProblem, observe_coverage: bool = True) -> gym.Env:
    """A SubmodularCoverageEnv that always plays ``problem`` (its weights and items come
    from the replayed instance, so only the configuration is rebuilt here)."""
    from papergym.envs.submodular.coverage import SubmodularCoverageEnv

    g = problem.geometry
    placed = problem.item_kind[problem.item_kind >= 0]
    counts = np.bincount(placed, minlength=len(problem.capacities))
    env = SubmodularCoverageEnv(
        shape=(g.rows, g.cols), horizon=problem.horizon, objective=problem.objective,
        radius=g.radius, domain=g.domain, start=problem.start,
        item_counts=tuple(int(c) for c in counts),
        capacities=tuple(int(c) for c in problem.capacities),
        gp_lengthscale=problem.gp_lengthscale, gp_noise=problem.gp_noise,
        observe_coverage=observe_coverage)
    return InstanceEnv(env, problem)


class PPOAgent(Agent):
    """SB3 PPO (``MlpPolicy`` on the flattened observation) trained for ``total_timesteps``
    env steps on the instance, then played (``deterministic`` actions by default).  Torch
    runs on one thread (see ``single_thread_torch``)."""

    name = "ppo"
    paper = "Schulman et al., Proximal Policy Optimization Algorithms, 2017 (SB3)"
    requires_model = True

    def __init__(self, total_timesteps: int = 20_000, n_steps: int = 512,
                 learning_rate: float = 3e-4, deterministic: bool = True):
        self.total_timesteps = total_timesteps
        self.n_steps = n_steps
        self.learning_rate = learning_rate
        self.deterministic = deterministic
        self._model: Any = None

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        from stable_baselines3 import PPO

        from papergym.agents.submodular._pg import single_thread_torch
        from papergym.wrappers import sb3_wrap

        single_thread_torch()
        env = sb3_wrap(env_for(env_model, observe_coverage="covered" in observation))
        self._model = PPO("MlpPolicy", env, n_steps=self.n_steps, batch_size=64,
                          learning_rate=self.learning_rate, seed=seed, verbose=0, device="cpu")
        self._model.learn(total_timesteps=self.total_timesteps)

    def act(self, observation, info):
        from papergym.wrappers import flatten_observation

        obs = flatten_observation(self.observation_space, observation)
        action, _ = self._model.predict(obs, deterministic=self.deterministic)
        return int(action)

    def clone(self):
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other._model = None
        return other
