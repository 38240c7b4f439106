"""The Markov coding game with a learned receiver: a two-agent PettingZoo ParallelEnv."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded
from gymnasium.utils import EzPickle
from pettingzoo import ParallelEnv

from papergym.envs.coding.mcg import MarkovCodingGameEnv

__all__ = ["MarkovCodingGameParallelEnv", "AGENTS"]

AGENTS = ("sender", "receiver")
_NO_ACTION = 4  # padding of the receiver's ``actions`` (moves are 0..3)


class MarkovCodingGameParallelEnv(ParallelEnv, EzPickle):
    """
    ## Description
    The rate-limited Markov coding game of :class:`MarkovCodingGameEnv` with the receiver
    as a second agent instead of the env's built-in decoder.  A source draws a message X
    and compresses it to a code T with H(T) <= R; the ``"sender"`` sees T and plays one
    episode of the noisy grid world; the ``"receiver"`` sees only the trajectory (the
    cells and the sender's chosen moves) and, after the last move, guesses X.  Both are
    paid for a correct guess (a cooperative game), the sender also the MDP's return, so
    the sender trades return for bits and the receiver must learn (or be given) the code.

    The game is the Markov coding game of Sokota et al., "Communicating via Markov
    Decision Processes" (ICML 2022, arXiv 2107.08295), under the rate limit of Ebrahimi,
    Chen, Khisti, "Minimum Entropy Coupling with Bottleneck" (NeurIPS 2024, arXiv
    2410.21666).  The protocol (encoder, base policy, coupling rule) is still announced
    as common knowledge in ``infos[agent]["protocol"]``; a receiver may use it (then it
    matches the single-agent env's receiver exactly) or learn its own decoding.

    ## Action Space
    ``"sender"``: ``Discrete(4)`` (0 up, 1 right, 2 down, 3 left; moves slip as in the
    single-agent env).  ``"receiver"``: ``Discrete(message_size)``, its guess of X.  The
    game has one step per move, then one decode step.  The receiver's action counts only
    at the decode step (its ``action_mask`` then allows every message); during the moves
    the mask allows only 0 and any action is ignored.  The sender's action at the decode
    step is ignored.  Who acts is in each agent's info, ``acts`` (what
    ``papergym.runner.run_parallel`` reads); an ignored action may be left out of
    ``actions``; a given action outside its space raises ``gymnasium.error.InvalidAction``
    and changes nothing.

    ## Observation Space
    ``"sender"``: ``Dict(state=Discrete(rows*cols), code=Discrete(message_size))``, as in
    the single-agent env.  ``"receiver"``: ``Dict`` of ``state`` (``Discrete(rows*cols)``,
    the current cell), ``states`` (``MultiDiscrete([rows*cols + 1] * max_steps)``: the cell
    each move was chosen in, ``rows*cols`` after the last move), ``actions``
    (``MultiDiscrete([5] * max_steps)``: the chosen moves as the receiver sees them, the
    intended actions or, with ``receiver_sees="move"``, the moves after slipping; 4 after
    the last),
    ``counts`` (``Box(0, max_steps, (rows*cols, 4), int64)``: how often each move was
    chosen in each cell, a fixed-size summary for learners) and ``action_mask``
    (``MultiBinary(message_size)``).

    ## Rewards
    Each move: the sender gets the MDP's reward (+1 goal, -1 trap, -0.02 otherwise), the
    receiver 0.  Decode step: both get ``accuracy_weight`` if the receiver's guess equals
    X, else 0.  The sender's return is thus the game's payoff ``mcg_payoff``.

    ## Starting State
    As in the single-agent env: the sender at S, X from the prior, T from the encoder,
    drawn with the env's ``np_random``; ``reset(options={"message": x})`` fixes X.

    ## Episode End
    The moves end when the sender enters the goal or a trap or after ``max_steps``
    moves; the next step is the decode step, after which both agents are ``terminated``
    (the game always ends by the receiver's guess; ``metrics["mdp_truncated"]`` says
    whether the moves were cut by ``max_steps``).  The sender stays live (its PettingZoo
    ``terminations``/``truncations`` stay False) until the decode step, so the end of the
    sender's MDP is told in its info: every move step's ``infos["sender"]`` has
    ``mdp_terminated`` (the move entered the goal or a trap) and ``mdp_truncated`` (the
    move was the ``max_steps``-th), the single-agent env's ``terminated`` and
    ``truncated``, also as ``agent_terminated`` and ``agent_truncated`` (the keys
    ``papergym.runner.run_parallel_episode`` hands to the sender's ``observe``); a sender
    that learns from the moves bootstraps on neither.
    A ``step`` with no live agents raises ``gymnasium.error.ResetNeeded``.

    ## Info
    ``infos["sender"]``: the single-agent env's info (``state``, ``belief_entropy``, and
    after a move ``move``, ``regret``, ``mdp_terminated``, ``mdp_truncated``, and after the
    move that ends the MDP the single-agent env's ``metrics``, its built-in protocol
    receiver's decoding included) plus ``phase`` (``"move"``: the next step is a
    move, ``"decode"``: it is the decode step, ``"over"``), ``acts`` (whether it acts at
    the next step), ``agent_terminated``/``agent_truncated`` after a move.
    ``infos["receiver"]``: ``phase`` and ``acts``.  At reset both also get ``protocol``
    (the common-knowledge spec or ``None``), ``receiver_sees`` and ``slip``.  After the decode step both get ``metrics`` of the game: ``mdp_return``,
    ``decode_accuracy`` (1 if the receiver agent's guess is X), ``mcg_payoff``
    (``mdp_return + accuracy_weight * decode_accuracy``), ``rate``, ``rate_budget``,
    ``compression``, ``code_information``, ``decoding_ceiling``, ``mdp_truncated``, and
    the env's protocol
    receiver's ``protocol_decode_accuracy`` and ``protocol_posterior_true_message`` (what
    decoding with the announced protocol scores on the same trajectory).

    ## Arguments
    Those of :class:`MarkovCodingGameEnv`, same defaults, ranges and errors:
    ``message_size`` (int >= 2, 512), ``prior`` ("uniform"), ``rate`` (bits >= 0 or None)
    or ``compression`` (>= 1), ``protocol`` ("mecb", "uniform", None or a
    ``CodingProtocol``), ``beta`` (> 0, 0.02), ``refine`` (False), ``grid`` ("6x6"),
    ``slip`` ([0, 1], 0.1), ``max_steps`` (int >= 1, 40), ``accuracy_weight`` (>= 0,
    1.0), ``gamma`` ([0, 1), 0.95), ``receiver_sees`` ("action" or "move": what the
    receiver's ``actions`` observation holds), ``render_mode`` (None or "rgb_array": the
    grid and the sender, drawn by the single-agent env's renderer).

    ## Reference Agents
    Senders: those of ``MarkovCodingGame-v0`` (``mecb``, ``uniform-quantizer``,
    ``return-max``, ...) on the sender's observation.  Receivers: ``protocol-receiver``
    (decodes with the announced protocol, the paper's receiver) and ``prior-receiver``
    (guesses the likeliest message, chance accuracy).  Play them with
    ``papergym.runner.run_parallel("MarkovCodingGameParallel-v0", {"sender": "mecb",
    "receiver": "protocol-receiver"})``.

    ## Registered Configurations
    ``MarkovCodingGameParallel-v0`` (a parallel-env id, ranked per role:
    ``papergym.envs.registration.make_parallel``), also
    ``papergym.envs.coding.parallel_env(**kwargs)`` and ``papergym.envs.coding.env(**kwargs)``
    (AEC); the single-agent game is ``MarkovCodingGame-v0`` and its variants.

    ## Version History
    - v0: initial version.
    """

    metadata = {"name": "markov_coding_game_v0", "render_modes": ["rgb_array"],
                "render_fps": 4, "is_parallelizable": True}
    primary_metric = "mcg_payoff"
    higher_is_better = True
    leaderboard_configs = ({},)
    quick_kwargs: dict[str, Any] = {}
    #: the single-agent env's table: the game builds one and checks every argument there
    bad_inputs = MarkovCodingGameEnv.bad_inputs

    def __init__(self, message_size: int = 512, prior: Any = "uniform", rate: float | None = None,
                 compression: float | None = None, protocol: Any = "mecb", beta: float = 0.02,
                 refine: bool = False, grid: str = "6x6", slip: float = 0.1,
                 max_steps: int = 40, accuracy_weight: float = 1.0, gamma: float = 0.95,
                 receiver_sees: str = "action", render_mode: str | None = None):
        EzPickle.__init__(self, message_size=message_size, prior=prior, rate=rate,
                          compression=compression, protocol=protocol, beta=beta, refine=refine,
                          grid=grid, slip=slip, max_steps=max_steps,
                          accuracy_weight=accuracy_weight, gamma=gamma,
                          receiver_sees=receiver_sees, render_mode=render_mode)
        # the single-agent game checks every argument and plays the moves
        self.game = MarkovCodingGameEnv(
            message_size=message_size, prior=prior, rate=rate, compression=compression,
            protocol=protocol, beta=beta, refine=refine, grid=grid, slip=slip,
            max_steps=max_steps, accuracy_weight=accuracy_weight, gamma=gamma,
            receiver_sees=receiver_sees, render_mode=render_mode)
        self.render_mode = render_mode
        n_states, horizon, n = self.game.mdp.n_states, self.game.max_steps, self.game.message_size
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.observation_spaces = {
            "sender": self.game.observation_space,
            "receiver": spaces.Dict({
                "state": spaces.Discrete(n_states),
                "states": spaces.MultiDiscrete(np.full(horizon, n_states + 1, dtype=np.int64)),
                "actions": spaces.MultiDiscrete(np.full(horizon, _NO_ACTION + 1,
                                                        dtype=np.int64)),
                "counts": spaces.Box(0, horizon, (n_states, 4), dtype=np.int64),
                "action_mask": spaces.MultiBinary(n),
            }),
        }
        self.action_spaces = {"sender": self.game.action_space, "receiver": spaces.Discrete(n)}
        self._states = np.full(horizon, n_states, dtype=np.int64)
        self._actions = np.full(horizon, _NO_ACTION, dtype=np.int64)
        self._counts = np.zeros((n_states, 4), dtype=np.int64)
        self._wait_mask = np.zeros(n, dtype=np.int8)
        self._wait_mask[0] = 1
        self._decode_mask = np.ones(n, dtype=np.int8)
        for mask in (self._wait_mask, self._decode_mask):
            mask.setflags(write=False)
        self._phase = "over"
        self._sender_obs: dict = {}
        self._game_metrics: dict = {}

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    @property
    def np_random(self) -> np.random.Generator:
        """The game's generator: the only source of randomness."""
        return self.game.np_random

    # ------------------------------------------------------------------ PettingZoo API
    def reset(self, seed: int | None = None, options: dict | None = None):
        """Start a game; ``options`` as the single-agent env's (``message``/``instance``),
        except that other keys are ignored here: PettingZoo's own ``parallel_api_test``
        passes an arbitrary one, which a two-agent env must accept."""
        if isinstance(options, dict):
            options = {k: v for k, v in options.items() if k in ("message", "instance")}
        obs, info = self.game.reset(seed=seed, options=options)
        self.agents = list(self.possible_agents)
        self._states.fill(self.game.mdp.n_states)
        self._actions.fill(_NO_ACTION)
        self._counts.fill(0)
        self._phase = "move"
        self._sender_obs = obs
        common = {k: info[k] for k in ("protocol", "receiver_sees", "slip")}
        infos = {"sender": {**info, "phase": self._phase, "acts": True},
                 "receiver": {"phase": self._phase, "acts": False, **common}}
        return self._observations(), infos

    def step(self, actions: dict):
        if not self.agents:
            raise ResetNeeded("the game is over (or never started): call reset()")
        self._check(actions)
        if self._phase == "move":
            return self._move(int(actions["sender"]))
        return self._decode(int(actions["receiver"]))

    def render(self):
        return self.game.render()

    def close(self):
        self.game.close()

    def model(self) -> MappingProxyType:
        """The protocol-free MDP of the sender's moves (as the single-agent env's)."""
        return self.game.model()

    # ------------------------------------------------------------------ helpers
    def _check(self, actions: dict) -> None:
        if not isinstance(actions, dict):
            raise InvalidAction(f"actions: a dict agent -> action, got {actions!r}")
        needed = "sender" if self._phase == "move" else "receiver"
        for agent, action in actions.items():
            if agent not in self.agents:
                raise InvalidAction(f"actions: {agent!r} is not a live agent ({self.agents})")
            if not self.action_spaces[agent].contains(action):
                raise InvalidAction(f"actions[{agent!r}]: must be in "
                                    f"{self.action_spaces[agent]}, got {action!r}")
        if needed not in actions:
            raise InvalidAction(f"actions: the {needed!r} must act at this step")

    def _move(self, action: int):
        state, t = self.game.position, self.game.elapsed_steps
        obs, reward, terminated, truncated, info = self.game.step(action)
        seen = action if self.game.receiver_sees == "action" else info["move"]
        self._states[t], self._actions[t] = state, seen
        self._counts[state, seen] += 1
        self._sender_obs = obs
        if terminated or truncated:
            self._phase = "decode"
            # the sender's info keeps the single-agent env's metrics (as that env gives
            # them at its last move); the decode step reports the game's from a copy
            self._game_metrics = dict(info["metrics"])
            self._game_metrics["mdp_truncated"] = float(truncated)
        info["mdp_terminated"], info["mdp_truncated"] = bool(terminated), bool(truncated)
        # the sender's own episode (its MDP) ends here; PettingZoo keeps it live until decoding
        info["agent_terminated"], info["agent_truncated"] = bool(terminated), bool(truncated)
        info["phase"] = self._phase
        moving = self._phase == "move"
        info["acts"] = moving
        rewards = {"sender": float(reward), "receiver": 0.0}
        done = dict.fromkeys(self.agents, False)
        return (self._observations(), rewards, done, dict(done),
                {"sender": info, "receiver": {"phase": self._phase, "acts": not moving}})

    def _decode(self, guess: int):
        correct = float(guess == self.game.message)
        game = self._game_metrics
        metrics = {
            "mdp_return": game["mdp_return"], "decode_accuracy": correct,
            "mcg_payoff": game["mdp_return"] + self.game.accuracy_weight * correct,
            "rate": game["rate"], "rate_budget": game["rate_budget"],
            "compression": game["compression"], "code_information": game["code_information"],
            "decoding_ceiling": game["decoding_ceiling"],
            "mdp_truncated": game["mdp_truncated"],
            "protocol_decode_accuracy": game["decode_accuracy"],
            "protocol_posterior_true_message": game["posterior_true_message"],
        }
        bonus = self.game.accuracy_weight * correct
        self._phase = "over"
        obs = self._observations()
        infos = {"sender": {**self.game.current_info(), "phase": self._phase, "acts": False,
                            "metrics": metrics},
                 "receiver": {"phase": self._phase, "acts": False, "metrics": dict(metrics)}}
        done = dict.fromkeys(self.agents, True)
        self.agents = []
        return obs, {"sender": bonus, "receiver": bonus}, done, dict.fromkeys(done, False), infos

    def _observations(self) -> dict:
        return {
            "sender": dict(self._sender_obs),
            "receiver": {
                "state": np.int64(self.game.position),
                "states": self._states.copy(), "actions": self._actions.copy(),
                "counts": self._counts.copy(),
                "action_mask": self._wait_mask if self._phase == "move" else self._decode_mask,
            },
        }
