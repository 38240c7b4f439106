"""The agent protocol, the agent registry and the SB3 adapter.

Every agent in papergym, whether a paper's algorithm, a baseline or a trained SB3
model, is driven by one loop (:func:`papergym.run`)::

    agent.bind(env.observation_space, env.action_space)   # once per environment
    agent.reset(obs, info, env_model=..., seed=...)        # at every episode start
    while not done:
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(action, reward, obs, terminated, truncated, info)

``env_model`` is ``env.unwrapped.model()`` and is handed only to agents whose class
declares ``requires_model = True`` (oracles, offline optimisers); everyone else gets
``None``.  ``bind`` is an addition to the design notes' protocol (docs/CONTRACTS.md):
adapters and random agents need the spaces, and the loop is the one place that has them.

Agents are registered by name with :func:`register_agent`, together with the env ids
they apply to and, optionally, a check of the env's keyword arguments
(``applies_to``), so the leaderboard can enumerate every (env, agent) pair and refuse
a pair with a reason.
"""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import importlib
import json
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = [
    "Agent",
    "AgentSpec",
    "RandomAgent",
    "SB3Agent",
    "UnknownAgentError",
    "AgentNotApplicableError",
    "register_agent",
    "make_agent",
    "agent_spec",
    "agents_for",
    "why_not_applicable",
    "registered_agents",
    "config_hash",
    "config_json",
]


class Agent:
    """Base class of the agent protocol (docs/CONTRACTS.md, section 3).

    Subclasses set the class attributes ``name``, ``paper`` and ``requires_model`` and
    override :meth:`act`; learners also override :meth:`observe`, :meth:`save` and
    :meth:`load`.  :meth:`config` returns the hyper-parameters that identify this agent
    in the results store (the default collects the public attributes set in
    ``__init__`` that are plain numbers, strings or booleans).
    """

    name: str = "agent"
    paper: str | None = None
    requires_model: bool = False

    observation_space: gym.Space | None = None
    action_space: gym.Space | None = None

    def bind(self, observation_space: gym.Space, action_space: gym.Space) -> None:
        """Receive the env's spaces once, before the first :meth:`reset`."""
        self.observation_space = observation_space
        self.action_space = action_space

    def reset(self, observation: Any, info: dict, *, env_model: Any = None, seed: int | None = None) -> None:
        """Start an episode. ``seed`` seeds the agent's own randomness.  An agent that
        declares ``requires_model`` and gets no ``env_model`` is refused here, once for
        every agent."""
        if self.requires_model and env_model is None:
            raise ValueError(f"agent {self.name!r} requires the env's model (env.unwrapped."
                             "model()); papergym.run passes it, pass env_model= yourself")
        self.rng = np.random.default_rng(seed)

    def act(self, observation: Any, info: dict) -> Any:
        raise NotImplementedError

    def observe(self, action: Any, reward: float, observation: Any, terminated: bool,
                truncated: bool, info: dict) -> None:
        """Feedback after each step; learners update here. Default: nothing."""

    def config(self) -> dict[str, Any]:
        return {k: v for k, v in sorted(vars(self).items())
                if not k.startswith("_")
                and k not in ("name", "rng", "observation_space", "action_space")
                and isinstance(v, (bool, int, float, str))}

    def clone(self) -> Agent:
        """An independent copy for another seed (the runner plays each seed with one)."""
        return copy.deepcopy(self)

    def save(self, path: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not learn; nothing to save")

    def load(self, path: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not learn; nothing to load")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class RandomAgent(Agent):
    """Uniformly random legal action: samples the action space, honouring
    ``info["action_mask"]`` (or, PettingZoo's way, ``observation["action_mask"]``) where the
    env gives one. The floor of every leaderboard."""

    name = "random"
    paper = None

    def act(self, observation, info):
        mask = info.get("action_mask") if isinstance(info, Mapping) else None
        if mask is None and isinstance(observation, Mapping):
            mask = observation.get("action_mask")   # PettingZoo puts it in the observation
        space = self.action_space
        if mask is not None and isinstance(space, gym.spaces.Discrete):
            legal = np.flatnonzero(np.asarray(mask))
            return int(space.start + legal[self.rng.integers(len(legal))])
        if space is None:
            raise RuntimeError("RandomAgent needs bind(observation_space, action_space) first")
        space.seed(int(self.rng.integers(2**31)))
        return space.sample(mask=mask) if mask is not None else space.sample()


def _hashable(value: Any) -> Any:
    """What ``config_hash`` hashes for a value JSON cannot take: an object's ``digest()``
    (e.g. a coding protocol), a numpy array's dtype, shape and bytes (its repr elides
    large arrays, so two different arrays could share a key), else its repr."""
    if hasattr(value, "digest") and callable(value.digest):
        return {"digest": value.digest()}
    if isinstance(value, np.ndarray):
        data = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"ndarray": [str(value.dtype), list(value.shape), data]}
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def config_json(config: Mapping[str, Any]) -> str:
    """The canonical JSON of a mapping (env kwargs, agent config): sorted keys, values JSON
    cannot encode replaced as in ``_hashable``. The store saves this text, so a stored
    row's recomputed hash equals its key."""
    return json.dumps(config, sort_keys=True, default=_hashable)


def config_hash(config: Mapping[str, Any]) -> str:
    """A short stable hash of a mapping (env kwargs, agent config); values JSON cannot
    encode are hashed by content (see ``_hashable``)."""
    return hashlib.sha256(config_json(config).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- registry


class UnknownAgentError(KeyError):
    """An agent name that is not registered; the message lists close matches."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain text
        return str(self.args[0])


class AgentNotApplicableError(ValueError):
    """An agent asked to play an env it does not apply to; the message says why."""


@dataclass(frozen=True)
class AgentSpec:
    """What the registry knows of an agent.

    ``env_ids``: the registered ids it applies to (``"*"`` for every id).
    ``applies_to``: optional ``f(env_id, env_kwargs) -> reason | None``, for agents that
    need a particular configuration (e.g. an algorithm for ``prediction="phase"``).
    ``reference``: the agent is one of its env's reference agents (quick leaderboard).
    """

    name: str
    factory: Callable[..., Agent]
    env_ids: tuple[str, ...]
    applies_to: Callable[[str, Mapping[str, Any]], str | None] | None = None
    reference: bool = False
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def agent_class(self) -> type | None:
        return self.factory if isinstance(self.factory, type) else None

    @property
    def paper(self) -> str | None:
        return getattr(self.factory, "paper", None)

    @property
    def requires_model(self) -> bool:
        return bool(getattr(self.factory, "requires_model", False))


_REGISTRY: dict[str, AgentSpec] = {}
_DISCOVERED = False


def register_agent(name: str, factory: Callable[..., Agent], env_ids: str | Iterable[str], *,
                   applies_to: Callable[[str, Mapping[str, Any]], str | None] | None = None,
                   reference: bool = False, **kwargs: Any) -> AgentSpec:
    """Register ``factory(**kwargs)`` under ``name`` for ``env_ids``.

    Re-registering a name replaces it (so a module can be reloaded); ``kwargs`` are the
    default constructor arguments, overridable in :func:`make_agent`.
    """
    if not name or ":" in name:
        raise ValueError(f"agent name {name!r}: must be non-empty and without ':'")
    ids = (env_ids,) if isinstance(env_ids, str) else tuple(env_ids)
    spec = AgentSpec(name, factory, ids, applies_to, reference, dict(kwargs))
    _REGISTRY[name] = spec
    return spec


def _discover() -> None:
    """Import every ``papergym.agents.<family>`` package once; each registers its agents.

    A new family needs no edit here: its folder's ``__init__`` calls ``register_agent``.
    """
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    import papergym.agents as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.ispkg:
            importlib.import_module(f"papergym.agents.{mod.name}")


def registered_agents() -> dict[str, AgentSpec]:
    """All registered agents by name (built-in ``random`` included)."""
    _discover()
    return dict(_REGISTRY)


def agent_spec(name: str) -> AgentSpec:
    _discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownAgentError(
            f"unknown agent {name!r}{hint} (`papergym list` shows all; "
            f"a saved SB3 model is 'sb3:<path>')") from None


def _env_kwargs(env_id: str, env_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """What ``env_id`` is built with: its constructor's defaults, then its registered
    kwargs, then the caller's (so ``applies_to`` checks need not restate env defaults)."""
    from papergym.envs.registration import resolved_kwargs

    return resolved_kwargs(env_id, env_kwargs)


def why_not_applicable(name: str, env_id: str, env_kwargs: Mapping[str, Any] | None = None) -> str | None:
    """``None`` if agent ``name`` applies to ``env_id`` with ``env_kwargs``, else the reason."""
    if name.startswith("sb3:"):
        return None
    spec = agent_spec(name)
    if "*" not in spec.env_ids and env_id not in spec.env_ids:
        return f"agent {name!r} applies to {', '.join(spec.env_ids)}, not {env_id}"
    if spec.applies_to is not None:
        return spec.applies_to(env_id, _env_kwargs(env_id, env_kwargs))
    return None


def agents_for(env_id: str, env_kwargs: Mapping[str, Any] | None = None, *,
               reference_only: bool = False) -> list[str]:
    """Names of the agents that apply to ``env_id`` (with ``env_kwargs``), sorted."""
    _discover()
    names = [n for n, s in _REGISTRY.items()
             if (s.reference or not reference_only) and why_not_applicable(n, env_id, env_kwargs) is None]
    return sorted(names)


def make_agent(name: str, **kwargs: Any) -> Agent:
    """Build a registered agent; ``sb3:<path>`` loads a saved SB3 model via :class:`SB3Agent`."""
    if name.startswith("sb3:"):
        return SB3Agent.from_path(name[4:], **kwargs)
    spec = agent_spec(name)
    agent = spec.factory(**{**spec.kwargs, **kwargs})
    agent.name = name
    return agent


register_agent("random", RandomAgent, "*")


# --------------------------------------------------------------------------- SB3 adapter


class SB3Agent(Agent):
    """Wrap a trained Stable-Baselines3 model as an agent.

    The model sees what :func:`papergym.wrappers.sb3_wrap` gave it in training: Dict
    observations flattened with ``gymnasium.spaces.flatten``, and the action mask from
    ``info["action_mask"]`` passed to ``predict`` for MaskablePPO.  Actions of a
    flattened Dict/MultiDiscrete space are mapped back by
    :func:`papergym.wrappers.unflatten_action`.
    """

    name = "sb3"
    paper = "Raffin et al., Stable-Baselines3, JMLR 2021"

    def __init__(self, model: Any, deterministic: bool = True, path: str | None = None):
        self.model = model
        self.deterministic = deterministic
        self.path = path

    @classmethod
    def from_path(cls, path: str, algo: str | None = None, deterministic: bool = True) -> SB3Agent:
        from papergym.wrappers.sb3 import load_sb3_model

        return cls(load_sb3_model(path, algo), deterministic=deterministic, path=str(path))

    def config(self) -> dict[str, Any]:
        # the file's digest, not only its path: a model retrained at the same path is a
        # new agent, whose cells must not be taken from the store
        return {"algo": type(self.model).__name__, "path": self.path,
                "deterministic": self.deterministic, "sha256": self._file_digest}

    @functools.cached_property
    def _file_digest(self) -> str | None:
        if self.path is None:
            return None
        from papergym.wrappers.sb3 import model_zip_path

        return hashlib.sha256(model_zip_path(self.path).read_bytes()).hexdigest()[:16]

    def clone(self) -> SB3Agent:
        # The trained model is only read during evaluation, so seeds can share it
        # (torch tensors of a trained policy cannot be deep-copied anyway).
        return SB3Agent(self.model, deterministic=self.deterministic, path=self.path)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        if seed is not None:
            # a stochastic policy samples from torch's RNG: seed that (SB3's
            # set_random_seed would also reseed random, numpy and the model's env)
            import torch

            torch.manual_seed(int(seed) % 2**32)
            self.model.action_space.seed(int(seed) % 2**32)

    def act(self, observation, info):
        from papergym.wrappers.sb3 import flatten_observation, unflatten_action

        obs = flatten_observation(self.observation_space, observation)
        kwargs = {}
        mask = info.get("action_mask")
        if mask is not None and "Maskable" in type(self.model).__name__:
            kwargs["action_masks"] = np.asarray(mask, dtype=bool)
        action, _ = self.model.predict(obs, deterministic=self.deterministic, **kwargs)
        return unflatten_action(self.action_space, action)
