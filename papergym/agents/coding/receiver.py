"""Receivers for the two-agent Markov coding game (``papergym.envs.coding.parallel_env``).

They act on the receiver's observation: the trajectory (``states``, ``actions``, padded)
and the ``action_mask`` that allows a guess only at the decode step.  Before it they
answer 0 (ignored by the env).

- :class:`ProtocolReceiver`: the receiver of Sokota et al., "Communicating via Markov
  Decision Processes" (ICML 2022) and of MEC-B (Ebrahimi, Chen, Khisti, NeurIPS 2024,
  arXiv 2410.21666): replays the common-knowledge protocol's Bayes updates on the
  trajectory (:meth:`CodingProtocol.belief_after`) and guesses the MAP message; the same
  computation as the single-agent env's built-in receiver.
- :class:`PriorReceiver`: ignores the trajectory and guesses the likeliest message under
  the prior (uniform prior: message 0), chance accuracy.

No hyper-parameters beyond the optional ``protocol`` (default: the announced one).
``papergym.runner.run_parallel("MarkovCodingGameParallel-v0", {"sender": ..., "receiver":
...})`` plays them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.coding.meme import PAPER, protocol_from_info

if TYPE_CHECKING:
    from papergym.envs.coding.protocol import CodingProtocol

__all__ = ["ProtocolReceiver", "PriorReceiver"]

_NO_ACTION = 4  # the padding of the receiver's ``actions`` observation


def _decode_step(observation) -> bool:
    return int(np.count_nonzero(observation["action_mask"])) > 1


class ProtocolReceiver(Agent):
    """Decodes with the shared protocol: MAP of p(X | trajectory)."""

    name = "protocol-receiver"
    paper = PAPER
    role = "receiver"
    roles = ("receiver",)  # the role it plays on the leaderboard of the parallel game

    def __init__(self, protocol: CodingProtocol | None = None):
        self._given = protocol
        self._protocol: CodingProtocol | None = None
        self._slip: float | None = None

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._protocol = protocol_from_info(info, self._given)
        # with receiver_sees="move" the observed directions are moves after slipping
        sees_moves = isinstance(info, dict) and info.get("receiver_sees") == "move"
        self._slip = float(info["slip"]) if sees_moves else None

    def act(self, observation, info):
        if not _decode_step(observation):
            return 0
        played = observation["actions"] != _NO_ACTION
        seen = observation["actions"][played]
        belief = self._protocol.belief_after(observation["states"][played], seen, seen,
                                             slip=self._slip)
        return self._protocol.decode(belief)


class PriorReceiver(Agent):
    """Guesses argmax of the prior whatever it sees: the protocol's prior (given or
    announced), else ``prior`` (a distribution over messages), else message 0."""

    name = "prior-receiver"
    paper = None
    role = "receiver"
    roles = ("receiver",)  # the role it plays on the leaderboard of the parallel game

    def __init__(self, protocol: CodingProtocol | None = None, prior=None):
        self._given = protocol
        self._prior = None if prior is None else np.asarray(prior, dtype=float)
        self._guess = 0

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        spec = info.get("protocol") if isinstance(info, dict) else None
        if self._given is not None or spec is not None:
            self._guess = int(np.argmax(protocol_from_info(info, self._given).prior))
        else:
            self._guess = 0 if self._prior is None else int(np.argmax(self._prior))

    def act(self, observation, info):
        return self._guess if _decode_step(observation) else 0
