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
:func:`play_game` plays one game of a sender and a receiver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.coding.meme import PAPER, protocol_from_info

if TYPE_CHECKING:
    from papergym.envs.coding.protocol import CodingProtocol

__all__ = ["ProtocolReceiver", "PriorReceiver", "play_game"]

_NO_ACTION = 4  # the padding of the receiver's ``actions`` observation


def _decode_step(observation) -> bool:
    return int(np.count_nonzero(observation["action_mask"])) > 1


class ProtocolReceiver(Agent):
    """Decodes with the shared protocol: MAP of p(X | trajectory)."""

    name = "protocol-receiver"
    paper = PAPER

    def __init__(self, protocol: CodingProtocol | None = None):
        self._given = protocol
        self._protocol: CodingProtocol | None = None

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._protocol = protocol_from_info(info, self._given)

    def act(self, observation, info):
        if not _decode_step(observation):
            return 0
        played = observation["actions"] != _NO_ACTION
        belief = self._protocol.belief_after(observation["states"][played],
                                             observation["actions"][played])
        return self._protocol.decode(belief)


class PriorReceiver(Agent):
    """Guesses argmax of the prior whatever it sees: the protocol's prior (given or
    announced), else ``prior`` (a distribution over messages), else message 0."""

    name = "prior-receiver"
    paper = None

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


def play_game(game, sender: Agent, receiver: Agent, seed: int,
              agent_seed: int | None = None) -> tuple[dict[str, float], dict[str, float]]:
    """Play one game of ``papergym.envs.coding.parallel_env``: ``(metrics, returns)``.

    The sender acts (and observes) only at move steps, the receiver at every step.  The
    sender's ``observe`` gets the MDP's ``terminated``/``truncated`` (the env's
    ``mdp_terminated``/``mdp_truncated``), so its last move is terminal to it, with the
    single-agent env's ``metrics`` in its info, as under ``papergym.run``.  Both
    agents are seeded with ``agent_seed``, by default the seed ``papergym.run`` gives the
    agent of episode 0 of ``seed``, so a sender plays the same moves here as in the
    single-agent env under the runner."""
    if agent_seed is None:
        from papergym.runner import agent_seed as runner_seed  # the runner imports agents

        agent_seed = runner_seed(seed, 0)
    obs, infos = game.reset(seed=seed)
    model = game.model() if getattr(sender, "requires_model", False) else None
    sender.reset(obs["sender"], infos["sender"], env_model=model, seed=agent_seed)
    receiver.reset(obs["receiver"], infos["receiver"], seed=agent_seed)
    returns = dict.fromkeys(game.possible_agents, 0.0)
    while game.agents:
        actions = {"receiver": receiver.act(obs["receiver"], infos["receiver"])}
        moving = infos["sender"]["phase"] == "move"
        if moving:
            actions["sender"] = sender.act(obs["sender"], infos["sender"])
        obs, rewards, terms, truncs, infos = game.step(actions)
        if moving:
            # the sender's episode is its MDP: it ends with the move that ends the MDP
            # (PettingZoo keeps the sender live until the decode step)
            sender.observe(actions["sender"], rewards["sender"], obs["sender"],
                           infos["sender"]["mdp_terminated"], infos["sender"]["mdp_truncated"],
                           infos["sender"])
        receiver.observe(actions["receiver"], rewards["receiver"], obs["receiver"],
                         terms["receiver"], truncs["receiver"], infos["receiver"])
        for agent, reward in rewards.items():
            returns[agent] += reward
    return infos["receiver"]["metrics"], returns
