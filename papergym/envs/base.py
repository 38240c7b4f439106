"""``PaperEnv``: the optional thin base class of a papergym environment.

It declares what the leaderboard, the contract checker and the benchmarks read from an env
class, and the guard of ``model()``; it never wraps ``step`` or ``reset`` (a hot loop pays
nothing for it).  Envs that predate it (Paging-v0, MarkovCodingGame-v0) declare the same
attributes by hand, which the checker accepts too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium as gym
from gymnasium.error import ResetNeeded
from gymnasium.vector.utils import batch_space

from papergym.utils.checks import check_int

__all__ = ["PaperEnv", "init_vector_copies"]


class PaperEnv(gym.Env):
    """Base class of a paper environment (docs/CONTRACTS.md, section 1).

    Class attributes a subclass sets:

    - ``primary_metric``: the key of ``info["metrics"]`` the leaderboard ranks by.
    - ``higher_is_better``: the direction of the primary metric (no default: a subclass
      that forgets it is refused by the checker rather than silently ranked one way).
    - ``leaderboard_configs``: a tuple of kwargs dicts, one leaderboard board each.
    - ``quick_kwargs``: what ``--quick`` (``make demo``) shortens, e.g. the horizon.
    - ``bad_inputs``: ``{argument: (invalid value, ...)}`` for every constructor argument;
      the checker asserts each raises ``ValueError`` whose message names the argument.
    - ``speed_target``: the env-step rate the benchmark expects, as a ratio to CartPole-v1
      (default 1.0), with ``speed_target_reason`` when it differs.

    ``model()`` returns the current instance for agents with ``requires_model = True``;
    subclasses set ``self._model`` in ``reset`` (read-only data: a frozen dataclass, arrays
    with ``writeable=False``) and this raises ``ResetNeeded`` before the first reset.
    """

    primary_metric: ClassVar[str]
    higher_is_better: ClassVar[bool]
    leaderboard_configs: ClassVar[tuple[Mapping[str, Any], ...]] = ({},)
    quick_kwargs: ClassVar[Mapping[str, Any]] = {}
    bad_inputs: ClassVar[Mapping[str, tuple[Any, ...]]] = {}
    speed_target: ClassVar[float] = 1.0
    speed_target_reason: ClassVar[str] = ""

    _model: Any = None

    def model(self) -> Any:
        """The current instance (read-only); only for agents with ``requires_model``."""
        if self._model is None:
            raise ResetNeeded(f"{type(self).__name__}.model() before reset(): no instance yet")
        return self._model


def init_vector_copies(vector_env: gym.vector.VectorEnv, env_class: type, num_envs: Any,
                       kwargs: Mapping[str, Any]) -> gym.Env:
    """Set up a batched env that keeps ``num_envs`` copies of ``env_class(**kwargs)`` (its
    ``envs``) and the single and batched spaces of the first; returns the first copy.  A
    subclass with a space of its own (e.g. a masked action space) sets it afterwards."""
    n = vector_env.num_envs = check_int("num_envs", num_envs, low=1)
    vector_env.envs = [env_class(**kwargs) for _ in range(n)]
    first = vector_env.envs[0]
    vector_env.single_observation_space = first.observation_space
    vector_env.single_action_space = first.action_space
    vector_env.observation_space = batch_space(first.observation_space, n)
    vector_env.action_space = batch_space(first.action_space, n)
    return first
