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

__all__ = ["PaperEnv"]


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
