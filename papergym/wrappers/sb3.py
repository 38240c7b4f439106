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

from papergym.wrappers.metrics import RecordMetrics

__all__ = ["ActionMasks", "DiscretizeMultiDiscrete", "FlattenDictAction", "FlattenDictObservation",
           "CONTINUOUS_ALGOS", "MODEL_FORMAT", "SB3_ALGOS", "UnsafeModelError", "description_path",
           "flat_action_space", "flatten_observation", "is_pickle_model", "load_sb3_model",
           "load_sb3_policy", "model_files", "model_zip_path", "read_description",
           "save_sb3_model", "sb3_wrap", "sidecar_path", "unflatten_action"]

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


SB3_ALGOS = ("PPO", "A2C", "DQN", "SAC", "TD3", "MaskablePPO")
#: the algorithms that need a continuous (Box) action space
CONTINUOUS_ALGOS = ("SAC", "TD3")


def _algo_class(algo: str):
    if algo == "MaskablePPO":
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    import stable_baselines3

    if algo not in SB3_ALGOS:
        raise ValueError(f"algo must be one of {', '.join(SB3_ALGOS)}, got {algo!r}")
    return getattr(stable_baselines3, algo)


MODEL_FORMAT = "papergym-sb3/1"
_WEIGHT_SUFFIXES = (".safetensors", ".pt")


class UnsafeModelError(ValueError):
    """A model file whose loading would unpickle objects (an SB3 ``.zip``): refused unless
    the caller passes ``allow_pickle=True`` (CLI ``--allow-pickle``)."""


def model_zip_path(path: str | Path) -> Path:
    """The ``.zip`` SB3 saves for ``path`` (it appends ``.zip`` unless already there)."""
    path = Path(path)
    return path if path.suffix == ".zip" else Path(f"{path}.zip")


def _stem(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix in (".json", ".zip", *_WEIGHT_SUFFIXES):
        return path.with_suffix("")
    return path


def description_path(path: str | Path) -> Path:
    """The JSON description of a papergym model (``<stem>.json``)."""
    return Path(f"{_stem(path)}.json")


sidecar_path = description_path  # the name the zip format used for the same file


def read_description(path: str | Path) -> dict[str, Any] | None:
    """The JSON description next to ``path``, ``None`` if there is none; ValueError when
    it is not a JSON object."""
    desc = description_path(path)
    if not desc.is_file():
        return None
    try:
        data = json.loads(desc.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{desc}: not a readable JSON description ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{desc}: not a JSON object")
    return data


def is_pickle_model(path: str | Path) -> bool:
    """Whether ``path`` names an SB3 ``.zip`` (pickle-based) rather than papergym weights."""
    if Path(path).suffix == ".zip":
        return True
    try:
        desc = read_description(path)
    except ValueError:
        desc = None
    return (desc is None or desc.get("format") != MODEL_FORMAT) and \
        model_zip_path(_stem(path)).is_file()


def model_files(path: str | Path) -> list[Path]:
    """The files a model consists of (its identity: the store keys runs by their digest)."""
    if is_pickle_model(path):
        return [model_zip_path(_stem(path) if Path(path).suffix != ".zip" else path)]
    desc = description_path(path)
    files = [desc]
    try:
        data = read_description(path) or {}
    except ValueError:
        data = {}
    if isinstance(data.get("weights"), str):
        files.append(desc.parent / Path(data["weights"]).name)
    return files


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=repr))


def save_sb3_model(model, path: str | Path, *, algo: str, env_id: str,
                   env_kwargs: dict[str, Any] | None = None, discrete_actions: bool = False,
                   **meta: Any) -> Path:
    """Save ``model`` as weights plus a JSON description; returns the description's path.

    ``<stem>.safetensors`` (or ``<stem>.pt``, a ``torch.save`` of the policy's state dict,
    where safetensors is not installed) holds the policy's tensors and nothing else;
    ``<stem>.json`` the algorithm, the policy class and its keyword arguments, the spaces,
    and the env id and kwargs it was trained on, from which :func:`load_sb3_policy`
    rebuilds the policy: loading never unpickles anything from the files."""
    import torch

    stem = _stem(path)
    stem.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone().contiguous() for k, v in model.policy.state_dict().items()}
    try:
        from safetensors.torch import save_file
    except ImportError:  # pragma: no cover - safetensors is a dependency
        weights = Path(f"{stem}.pt")
        torch.save(state, weights)
    else:
        weights = Path(f"{stem}.safetensors")
        save_file(state, str(weights))
    policy_kwargs = dict(getattr(model, "policy_kwargs", {}) or {})
    for training_only in ("optimizer_class", "optimizer_kwargs"):  # not needed to play
        policy_kwargs.pop(training_only, None)
    if _json_safe(policy_kwargs) != policy_kwargs:
        raise ValueError(f"policy_kwargs {policy_kwargs!r} cannot be described in JSON; "
                         "papergym saves models trained with JSON-describable policy_kwargs")
    description = {
        "format": MODEL_FORMAT, "algo": algo, "policy": "MlpPolicy",
        "policy_kwargs": policy_kwargs, "observation_space": repr(model.observation_space),
        "action_space": repr(model.action_space), "env_id": env_id,
        "env_kwargs": _json_safe(dict(env_kwargs or {})), "discrete_actions": discrete_actions,
        "weights": weights.name, "weights_sha256": _sha256(weights), **_json_safe(meta)}
    desc = description_path(stem)
    desc.write_text(json.dumps(description, indent=2))
    return desc


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_weights(path: Path) -> dict[str, Any]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path), device="cpu")
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def load_sb3_policy(path: str | Path, *, allow_pickle: bool = False):
    """``(policy, description)`` of a model saved by :func:`save_sb3_model`.

    The policy is rebuilt from the description (algorithm, policy class, its kwargs, the
    env's spaces) and its weights read with safetensors (or ``torch.load(...,
    weights_only=True)``); nothing in the files is executed.  An SB3 ``.zip`` is a
    pickle: loading it can run code hidden in the file, so it is refused
    (:class:`UnsafeModelError`) unless ``allow_pickle=True``."""
    if is_pickle_model(path):
        zip_path = model_zip_path(path if Path(path).suffix == ".zip" else _stem(path))
        if not allow_pickle:
            raise UnsafeModelError(
                f"{zip_path} is an SB3 zip: loading it unpickles objects, which can run "
                "code from the file; retrain with `papergym train` (weights + JSON), or "
                "pass --allow-pickle (allow_pickle=True) if you trust the file")
        return _load_zip(zip_path)
    desc_file = description_path(path)
    desc = read_description(path)
    if desc is None:
        raise FileNotFoundError(f"no papergym model at {desc_file} (nor an SB3 zip)")
    if desc.get("format") != MODEL_FORMAT:
        raise ValueError(f"{desc_file}: not a papergym model description (format "
                         f"{desc.get('format')!r}, expected {MODEL_FORMAT!r})")
    for key in ("algo", "policy", "env_id", "weights"):
        if not isinstance(desc.get(key), str):
            raise ValueError(f"{desc_file}: `{key}` missing or not a string")
    algo_class = _algo_class(desc["algo"])
    weights = desc_file.parent / Path(desc["weights"]).name
    if weights.suffix not in _WEIGHT_SUFFIXES or not weights.is_file():
        raise ValueError(f"{desc_file}: its weights {weights} are missing or not "
                         f"{' / '.join(_WEIGHT_SUFFIXES)}")
    if desc.get("weights_sha256") not in (None, _sha256(weights)):
        raise ValueError(f"{weights}: its digest differs from the one in {desc_file.name} "
                         "(a partial copy, or the files of two models mixed)")
    policy_class = getattr(algo_class, "policy_aliases", {}).get(desc["policy"])
    if policy_class is None:
        raise ValueError(f"{desc_file}: unknown policy {desc['policy']!r} for {desc['algo']}")
    env = sb3_wrap(gym.make(desc["env_id"], **dict(desc.get("env_kwargs") or {})),
                   discrete_actions=bool(desc.get("discrete_actions")))
    try:
        for name in ("observation_space", "action_space"):
            have = repr(getattr(env, name))
            if desc.get(name) is not None and have != desc[name]:
                raise ValueError(f"{desc_file}: trained with {name} {desc[name]}, but "
                                 f"{desc['env_id']} now has {have}")
        policy = policy_class(env.observation_space, env.action_space, lambda _: 0.0,
                              **dict(desc.get("policy_kwargs") or {}))
    finally:
        env.close()
    try:
        policy.load_state_dict(_load_weights(weights))
    except Exception as exc:  # noqa: BLE001 - any reader error: a broken file
        raise ValueError(f"{weights}: cannot load its weights ({type(exc).__name__}: "
                         f"{exc})") from None
    policy.set_training_mode(False)
    return policy, desc


def _load_zip(zip_path: Path):
    """An SB3 zip (pickle-based: only with allow_pickle)."""
    if not zip_path.exists():
        raise FileNotFoundError(f"no SB3 model at {zip_path}")
    meta = read_description(zip_path) or {}
    algo = meta.get("algo")
    if algo is None:
        raise ValueError(f"{zip_path}: no sidecar {description_path(zip_path).name} says which "
                         f"algorithm trained it (one of {', '.join(SB3_ALGOS)})")
    try:
        model = _algo_class(algo).load(zip_path, device="cpu")
    except Exception as exc:  # noqa: BLE001 - SB3 raises many kinds for a broken zip
        raise ValueError(f"{zip_path}: not a loadable SB3 model ({type(exc).__name__}: "
                         f"{exc})") from None
    return model.policy, {"algo": algo, **meta}


def load_sb3_model(path: str | Path, algo: str | None = None, *, allow_pickle: bool = False):
    """The policy of a saved model (see :func:`load_sb3_policy`); ``algo`` is ignored
    (the description says it) and kept for old callers."""
    return load_sb3_policy(path, allow_pickle=allow_pickle)[0]
