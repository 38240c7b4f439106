"""Independent PPO with parameter sharing on the PettingZoo PVRP (the multi-agent RL
baseline): one MaskablePPO policy (sb3-contrib) acts for every vehicle.

``SharedVehicleEnv`` turns ``PVRPParallelEnv`` into a Gymnasium env the way PettingZoo's
parallel-to-AEC conversion does: each step is one vehicle's choice (its own observation,
flattened, and its own action mask); when every live vehicle has chosen, the joint action
goes to the parallel env, whose team reward is the reward of that last step (0 before).
SuperSuit's ``pettingzoo_env_to_vec_env_v1`` (SuperSuit 3.11 installs cleanly) was not
used: its vector env has no action masks, and an unmasked PPO's illegal choices raise
``InvalidAction`` here.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from papergym.envs.routing.parallel import PVRPParallelEnv

__all__ = ["SharedVehicleEnv", "train_shared_ppo"]


class SharedVehicleEnv(gym.Env):
    """One vehicle's decision per step of the parallel PVRP (parameter sharing)."""

    metadata = {"render_modes": []}

    def __init__(self, **env_kwargs):
        self.parallel = PVRPParallelEnv(**env_kwargs)
        n, m = self.parallel.n, self.parallel.m
        size = (n + 1) * 5 + 4 + m
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (size,), np.float32)
        self.action_space = gym.spaces.Discrete(n + 1)

    def _flat(self) -> np.ndarray:
        agent = self.parallel.possible_agents[self._turn]
        o = self._obs[agent]
        who = np.zeros(self.parallel.m, dtype=np.float32)
        who[self._turn] = 1.0
        return np.concatenate([o["nodes"].ravel(), o["vehicle"], who]).astype(np.float32)

    def action_masks(self) -> np.ndarray:
        agent = self.parallel.possible_agents[self._turn]
        return self._obs[agent]["action_mask"].astype(bool)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._obs, _ = self.parallel.reset(seed=seed, options=options)
        self._turn, self._joint = 0, {}
        return self._flat(), {"action_mask": self.action_masks()}

    def step(self, action):
        agent = self.parallel.possible_agents[self._turn]
        self._joint[agent] = int(action)
        if self._turn + 1 < len(self.parallel.agents):
            self._turn += 1
            return self._flat(), 0.0, False, False, {"action_mask": self.action_masks()}
        self._obs, rewards, terms, truncs, infos = self.parallel.step(self._joint)
        self._turn, self._joint = 0, {}
        info = dict(infos[agent])
        done = any(terms.values())
        info["action_mask"] = (self.action_masks() if not done
                               else np.ones(self.action_space.n, dtype=bool))
        return self._flat(), float(rewards[agent]), done, any(truncs.values()), info


def train_shared_ppo(total_timesteps: int = 2048, seed: int = 0, **env_kwargs):
    """A MaskablePPO policy trained on ``SharedVehicleEnv(**env_kwargs)`` (one thread)."""
    import torch
    from sb3_contrib import MaskablePPO

    torch.set_num_threads(1)
    env = SharedVehicleEnv(**env_kwargs)
    model = MaskablePPO("MlpPolicy", env, n_steps=256, batch_size=64, seed=seed, verbose=0,
                        device="cpu")
    model.learn(total_timesteps)
    return model, env
