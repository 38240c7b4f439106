"""What Stable-Baselines3 needs to train on papergym's structured spaces.

SB3 takes Box/Discrete/MultiDiscrete/MultiBinary spaces and flat observations;
papergym envs use ``Dict`` observations and actions where the problem is structured.
:func:`sb3_wrap` applies, as needed:

* :class:`FlattenDictObservation` - a ``Dict``/``Tuple`` observation becomes one float32
  ``Box`` (``gymnasium.spaces.flatten``: Discrete parts one-hot);
* :class:`FlattenDictAction` - a ``Dict`` action of discrete parts becomes one
  ``MultiDiscrete`` (of Box parts, one ``Box``);
* :class:`DiscretizeMultiDiscrete` - with ``discrete_actions=True`` (DQN), a
  ``MultiDiscrete`` action becomes one ``Discrete`` over the product;
* :class:`ActionMasks` - ``action_masks()`` for sb3-contrib's MaskablePPO, read from
  ``info["action_mask"]`` of the last reset/step;
* where the env is already wrapped in :class:`papergym.wrappers.RecordMetrics`, SB3's
  ``Monitor`` under one more ``RecordMetrics``, so the ``info["episode"]`` SB3 logs keeps
  the paper's measures (SB3's own outermost Monitor would replace it with r/l/t).

:func:`flatten_observation` and :func:`unflatten_action` are the same maps as plain
functions; :class:`papergym.agents.base.SB3Agent` uses them to play a trained model
through the agent protocol.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

__all__ = ["ActionMasks", "DiscretizeMultiDiscrete", "FlattenDictAction", "FlattenDictObservation",
           "SB3_ALGOS", "flat_action_space", "flatten_observation", "load_sb3_model", "model_zip_path",
           "save_sb3_model", "sb3_wrap", "sidecar_path",
           "unflatten_action"]

_STRUCTURED = (spaces.Dict, spaces.Tuple)


def flatten_observation(space: gym.Space | None, obs: Any) -> Any:
    """``obs`` as SB3 saw it in training: Dict/Tuple flattened to float32, else unchanged."""
    if isinstance(space, _STRUCTURED):
        return spaces.flatten(space, obs).astype(np.float32)
    return obs


def _discrete_sizes(space: gym.Space) -> list[int] | None:
    """Per-dimension sizes if ``space`` is made only of discrete parts, else None."""
    if isinstance(space, spaces.Discrete):
        return [int(space.n)]
    if isinstance(space, spaces.MultiBinary):
        return [2] * int(np.prod(space.shape))
    if isinstance(space, spaces.MultiDiscrete):
        return [int(n) for n in np.asarray(space.nvec).ravel()]
    if isinstance(space, spaces.Dict):
        parts = [_discrete_sizes(s) for s in space.spaces.values()]
        return None if any(p is None for p in parts) else [n for p in parts for n in p]
    return None


def flat_action_space(space: gym.Space) -> gym.Space:
    """The SB3-side action space of a Dict action space."""
    sizes = _discrete_sizes(space)
    if sizes is not None:
        return spaces.MultiDiscrete(sizes)
    return spaces.flatten_space(space)


def _unflatten_dict(space: spaces.Dict, flat: np.ndarray) -> dict[str, Any]:
    if _discrete_sizes(space) is None:
        return spaces.unflatten(space, np.asarray(flat, dtype=np.float32))
    out, i = {}, 0
    for key, sub in space.spaces.items():
        width = len(_discrete_sizes(sub))
        chunk = np.asarray(flat[i:i + width], dtype=np.int64)
        i += width
        if isinstance(sub, spaces.Discrete):
            out[key] = int(sub.start + chunk[0])
        elif isinstance(sub, spaces.MultiBinary):
            out[key] = chunk.reshape(sub.shape).astype(np.int8)
        elif isinstance(sub, spaces.MultiDiscrete):
            out[key] = (chunk.reshape(np.shape(sub.nvec)) + sub.start).astype(sub.dtype)
        else:
            out[key] = _unflatten_dict(sub, chunk)
    return out


def unflatten_action(space: gym.Space | None, action: Any) -> Any:
    """Map an SB3 action back to ``space`` (inverse of the action wrappers below)."""
    action = np.asarray(action)
    if isinstance(space, spaces.Dict):
        if action.ndim == 0:  # a Discrete index over the product of the parts
            action = np.array(np.unravel_index(int(action), _discrete_sizes(space)))
        return _unflatten_dict(space, action.ravel())
    if isinstance(space, spaces.MultiDiscrete) and action.ndim == 0:
        return np.array(np.unravel_index(int(action), space.nvec.ravel()),
                        dtype=space.dtype).reshape(space.shape) + space.start
    if isinstance(space, spaces.Discrete):
        return int(action.reshape(-1)[0])
    return action


class FlattenDictObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Flatten a Dict/Tuple observation into one float32 Box."""

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.ObservationWrapper.__init__(self, env)
        flat = spaces.flatten_space(env.observation_space)
        self.observation_space = spaces.Box(flat.low.astype(np.float32), flat.high.astype(np.float32),
                                            dtype=np.float32)

    def observation(self, observation):
        return flatten_observation(self.env.observation_space, observation)


class FlattenDictAction(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """Take a MultiDiscrete (or Box) action and hand the env its Dict action."""

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.ActionWrapper.__init__(self, env)
        if not isinstance(env.action_space, spaces.Dict):
            raise TypeError(f"FlattenDictAction needs a Dict action space, got {env.action_space}")
        self.action_space = flat_action_space(env.action_space)

    def action(self, action):
        return unflatten_action(self.env.action_space, action)


class DiscretizeMultiDiscrete(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """Take one Discrete index over the product of a MultiDiscrete space (for DQN)."""

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.ActionWrapper.__init__(self, env)
        if not isinstance(env.action_space, spaces.MultiDiscrete):
            raise TypeError(f"DiscretizeMultiDiscrete needs MultiDiscrete, got {env.action_space}")
        self._nvec = env.action_space.nvec.ravel()
        self.action_space = spaces.Discrete(int(np.prod(self._nvec)))

    def action(self, action):
        space = self.env.action_space
        idx = np.unravel_index(int(action), self._nvec)
        return (np.array(idx, dtype=space.dtype).reshape(space.shape) + space.start)


class ActionMasks(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Expose ``action_masks()`` (what MaskablePPO calls) from ``info["action_mask"]``.

    Before the first reset, or for an env without masks, every action is legal.
    """

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        self._mask: np.ndarray | None = None

    def _full_mask(self) -> np.ndarray:
        sizes = _discrete_sizes(self.action_space) or [1]
        return np.ones(sum(sizes), dtype=bool)

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._mask = info.get("action_mask")
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._mask = info.get("action_mask")
        return obs, reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        if self._mask is None:
            return self._full_mask()
        return np.asarray(self._mask, dtype=bool).ravel()


def sb3_wrap(env: gym.Env, *, discrete_actions: bool = False) -> gym.Env:
    """Wrap ``env`` so SB3 (and sb3-contrib's MaskablePPO) can train on it.

    ``discrete_actions=True`` also turns a MultiDiscrete action into one Discrete, as
    DQN requires.  The wrappers are inverted by :func:`flatten_observation` and
    :func:`unflatten_action`, so a trained model plays through ``SB3Agent``.
    """
    if isinstance(env.observation_space, _STRUCTURED):
        env = FlattenDictObservation(env)
    if isinstance(env.action_space, spaces.Dict):
        env = FlattenDictAction(env)
    if discrete_actions and isinstance(env.action_space, spaces.MultiDiscrete):
        env = DiscretizeMultiDiscrete(env)
    env = ActionMasks(env)
    from papergym.wrappers import RecordMetrics  # beside this module; a cycle at import time

    if _wraps(env, RecordMetrics):
        from stable_baselines3.common.monitor import Monitor

        if not _wraps(env, Monitor):
            # SB3 adds its Monitor outermost unless the chain has one, and Monitor replaces
            # info["episode"] with r/l/t alone: add it here, under a RecordMetrics, so the
            # episode info SB3 keeps (ep_info_buffer, callbacks) has the paper's measures
            env = RecordMetrics(Monitor(env))
    return env


def _wraps(env: gym.Env, wrapper_class: type) -> bool:
    """Whether ``env`` is, or wraps somewhere in its chain, a ``wrapper_class``."""
    while True:
        if isinstance(env, wrapper_class):
            return True
        if not isinstance(env, gym.Wrapper):
            return False
        env = env.env


SB3_ALGOS = ("PPO", "A2C", "DQN", "MaskablePPO")


def _algo_class(algo: str):
    if algo == "MaskablePPO":
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    import stable_baselines3

    if algo not in SB3_ALGOS:
        raise ValueError(f"algo must be one of {', '.join(SB3_ALGOS)}, got {algo!r}")
    return getattr(stable_baselines3, algo)


def model_zip_path(path: str | Path) -> Path:
    """The ``.zip`` SB3 saves for ``path`` (it appends ``.zip`` unless already there)."""
    path = Path(path)
    return path if path.suffix == ".zip" else Path(f"{path}.zip")


def sidecar_path(path: str | Path) -> Path:
    """The ``.json`` written next to a model's zip: what trained it, and on which env."""
    return model_zip_path(path).with_suffix(".json")


def save_sb3_model(model, path: str | Path, *, algo: str, env_id: str, **meta: Any) -> Path:
    """Save ``model`` to ``<path>.zip`` with its sidecar (``algo``, ``env_id`` and
    ``meta``), the pair :func:`load_sb3_model` and the leaderboard's ``sb3:<path>`` read.
    Returns the zip's path."""
    zip_path = model_zip_path(path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    model.save(zip_path)
    sidecar_path(zip_path).write_text(json.dumps({"algo": algo, "env_id": env_id, **meta},
                                                 indent=2, default=str))
    return zip_path


def load_sb3_model(path: str | Path, algo: str | None = None):
    """Load a model saved by ``scripts/train_sb3.py``.

    The algorithm comes from ``algo`` or from the ``<model>.json`` sidecar the training
    script writes next to ``<model>.zip``.
    """
    zip_path = model_zip_path(path)
    if not zip_path.exists():
        raise FileNotFoundError(f"no SB3 model at {zip_path}")
    if algo is None:
        sidecar = sidecar_path(zip_path)
        if not sidecar.exists():
            raise ValueError(f"{zip_path}: pass algo= (one of {', '.join(SB3_ALGOS)}); "
                             f"no sidecar {sidecar.name} says which algorithm trained it")
        algo = json.loads(sidecar.read_text())["algo"]
    return _algo_class(algo).load(zip_path, device="cpu")
