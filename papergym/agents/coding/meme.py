"""MEME sender for Markov coding games (MEC-B = EBIM encoder + MEME sender + MAP receiver).

Sokota, Schroeder de Witt, Igl, Zintgraf, Torr, Strohmeier, Kolter, Whiteson, Foerster,
"Communicating via Markov Decision Processes", ICML 2022 (arXiv 2107.08295), MEME:

1. compute a maximum-entropy policy pi(a|s) of temperature beta (soft Q-value iteration,
   :func:`papergym.envs.coding.grid.soft_q_policy`);
2. at every step couple the receiver's belief b(T) with pi(.|s_t) by the greedy
   minimum-entropy coupling and draw the action from the row of the true code t;
3. update b by Bayes' rule on the observed action, exactly as the receiver does.

With the EBIM encoder of Ebrahimi, Chen, Khisti, "Minimum Entropy Coupling with
Bottleneck" (NeurIPS 2024, arXiv 2410.21666, Algorithm 1; Section 5) in front of it this
is the paper's MEC-B method; with the uniform quantiser it is their baseline.  The
protocol (encoder, beta, coupling rule) is common knowledge: the agent takes it from its
``protocol`` argument or from the env's ``info["protocol"]`` spec at reset.

Hyper-parameters: none of its own; beta, the rate and the encoder belong to the protocol
(env arguments ``beta``, ``rate``/``compression``, ``protocol``).  With the env's
``receiver_sees="move"`` it tracks the receiver's belief on the moves after slipping
(``info["move"]``), as the receiver does.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent
from papergym.envs.coding.protocol import Belief, CodingProtocol, build_protocol

__all__ = ["MemeSender", "MessageOnlySender", "protocol_from_info"]

PAPER = ("Ebrahimi, Chen, Khisti, Minimum Entropy Coupling with Bottleneck, NeurIPS 2024, "
         "arXiv 2410.21666; Sokota et al., Communicating via Markov Decision Processes, "
         "ICML 2022")


def protocol_from_info(info: dict, given: CodingProtocol | None) -> CodingProtocol:
    """The agent's copy of the common-knowledge protocol."""
    if given is not None:
        return given
    spec = info.get("protocol") if isinstance(info, dict) else None
    if spec is None:
        raise ValueError("protocol: the env has no protocol (protocol=None) and none was given "
                         "to the agent; a MEME sender needs one")
    return build_protocol(spec)


class MemeSender(Agent):
    """The MEME sender: greedy-MEC coupling of the receiver's belief with pi at every step.

    ``protocol``: a :class:`CodingProtocol` (default: the one the env announces).
    ``encoder``: if set (``"mecb"`` / ``"uniform"``), the registry applies this agent only
    to envs whose protocol uses that encoder (the agent's name then names the method).
    :meth:`config` includes the given protocol's :meth:`CodingProtocol.digest`, so
    senders with different protocols never share a results-store key.
    """

    name = "mecb"
    paper = PAPER
    role = "sender"
    roles = ("sender",)  # the role it plays on the leaderboard of the parallel game

    def __init__(self, protocol: CodingProtocol | None = None, encoder: str | None = None):
        self._given = protocol
        self.encoder = encoder or ""
        self._protocol: CodingProtocol | None = None
        self._belief: Belief | None = None
        self._coupling = None
        self._state = 0
        self._slip: float | None = None

    def config(self) -> dict:
        config = super().config()
        if self._given is not None:
            config["protocol"] = self._given.digest()
        return config

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._protocol = protocol_from_info(info, self._given)
        self._belief = self._protocol.initial_belief()
        self._state = int(observation["state"])
        # the receiver may see the moves after slipping: then track its belief on those
        sees_moves = isinstance(info, dict) and info.get("receiver_sees") == "move"
        self._slip = float(info["slip"]) if sees_moves else None

    def act(self, observation, info):
        self._state = int(observation["state"])
        self._coupling = self._protocol.couple(self._belief, self._state)
        probs = self._protocol.action_distribution(self._belief, self._state,
                                                   int(observation["code"]), self._coupling)
        return int(min(np.searchsorted(np.cumsum(probs), self.rng.random(), side="right"),
                       probs.size - 1))

    def observe(self, action, reward, observation, terminated, truncated, info):
        seen = int(action) if self._slip is None else int(info["move"])
        self._belief = self._protocol.update(self._belief, self._state, seen, self._coupling,
                                             slip=self._slip)
        self._coupling = None
        self._state = int(observation["state"])


class MessageOnlySender(MemeSender):
    """A message-only baseline: ignores the reward and, among the actions the protocol
    allows for its code, takes the one that most raises the receiver's posterior on it,
    argmax_a J[t, a] / pi(a|s) (ties: the likelier action).  Accuracy up, return down."""

    name = "message-only"
    paper = None

    def act(self, observation, info):
        self._state = int(observation["state"])
        self._coupling = self._protocol.couple(self._belief, self._state)
        probs = self._protocol.action_distribution(self._belief, self._state,
                                                   int(observation["code"]), self._coupling)
        pi = self._protocol.policy[self._state]
        score = np.where(probs > 0, probs / pi, -np.inf)
        return int(np.lexsort((-probs, -score))[0])
