"""SB3 PPO on the MDP part of a Markov coding game.

PPO (Schulman et al. 2017, arXiv 1707.06347) through Stable-Baselines3 learns to play the
grid world from the flattened observation (one-hot cell and one-hot code, via
:func:`papergym.wrappers.sb3_wrap`); it is paid the MDP reward only, so it learns a
return-maximising policy and the receiver decodes at about chance (the "plain MDP
agent" of Ebrahimi, Chen, Khisti, NeurIPS 2024, Section 5).  It is ranked like any agent
through :class:`papergym.agents.SB3Agent`::

    path = train_ppo("MarkovCodingGameSmall-v0", total_timesteps=20_000, seed=0)
    papergym.run("MarkovCodingGameSmall-v0", f"sb3:{path}", seeds=5)

Hyper-parameters: SB3's PPO defaults except ``n_steps=256``, ``batch_size=64`` (episodes
are short).  For W&B logging use the generic ``papergym train`` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym

from papergym.wrappers import sb3_wrap
from papergym.wrappers.sb3 import save_sb3_model

__all__ = ["train_ppo"]


def train_ppo(env_id: str = "MarkovCodingGameSmall-v0", total_timesteps: int = 20_000,
              seed: int = 0, path: str | Path | None = None, **env_kwargs: Any) -> Path:
    """Train PPO on ``env_id`` (with ``env_kwargs``) and save it; returns the .zip path."""
    from stable_baselines3 import PPO

    if total_timesteps < 1:
        raise ValueError(f"total_timesteps: must be >= 1, got {total_timesteps}")
    env = sb3_wrap(gym.make(env_id, **env_kwargs))
    env.reset(seed=seed)
    model = PPO("MlpPolicy", env, n_steps=256, batch_size=64, seed=seed, verbose=0,
                device="cpu")
    model.learn(total_timesteps=int(total_timesteps))
    path = save_sb3_model(model, path or f"models/{env_id}__PPO__seed{seed}", algo="PPO",
                          env_id=env_id, env_kwargs=env_kwargs, seed=seed,
                          steps=int(total_timesteps))
    env.close()
    return path
