"""MarkovCodingGame-v0: send a compressed message through the moves of a noisy grid world."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs._validate import is_int as _is_int
from papergym.envs._validate import is_number as _is_number
from papergym.envs.coding.grid import LAYOUTS, MOVES, action_gap, grid_mdp
from papergym.envs.coding.protocol import (
    ENCODERS,
    CodingProtocol,
    build_protocol,
    entropy,
    message_prior,
)

__all__ = ["MarkovCodingGameEnv"]


class MarkovCodingGameEnv(gym.Env):
    """
    ## Description
    A source draws a message X (``message_size`` values, default 512, uniform or skewed
    prior) and compresses it to a code T with entropy H(T) <= R bits (the compression rate
    is H(X)/R).  The sender (the agent) sees T and plays one episode of a noisy grid
    world (start, goal, trap, obstacles; moves slip); a receiver who sees only the
    trajectory (states and the actions taken) decodes X.  Sender and receiver share a
    common-knowledge protocol: the encoder X -> T, the sender's base (maximum-entropy)
    policy and the coupling rule (greedy minimum-entropy coupling of the receiver's belief
    with the policy at every step, MEME).  The agent is paid the MDP's return; the game's
    payoff adds a bonus for a correct guess, so a sender trades return for accuracy.

    This is the rate-limited Markov coding game of Ebrahimi, Chen, Khisti, "Minimum
    Entropy Coupling with Bottleneck" (NeurIPS 2024, arXiv 2410.21666), built on Sokota et
    al., "Communicating via Markov Decision Processes" (ICML 2022, arXiv 2107.08295).

    ## Action Space
    ``Discrete(4)``: 0 up, 1 right, 2 down, 3 left.  A move goes as intended with
    probability ``1 - slip``, else in one of the other three directions; walls and
    obstacles leave the agent in place.

    ## Observation Space
    ``Dict(state=Discrete(rows*cols), code=Discrete(message_size))``: the agent's cell
    (``row * cols + col``) and the code T it should convey (agents that ignore ``code``
    are plain MDP agents).  A hand-built ``CodingProtocol`` with more codes than messages
    widens ``code`` to its ``n_codes``.  With ``protocol=None`` the code is X itself.

    ## Rewards
    The MDP's: +1 on entering the goal, -1 on entering a trap, -0.02 for any other step.
    The accuracy bonus is not paid as a reward; it enters ``info["metrics"]["mcg_payoff"]``.
    What a move costs in return is ``info["regret"]`` (see Info): the runner sums it into
    the ``cumulative_regret`` metric.

    ## Starting State
    The agent at the start cell S; X drawn from the prior, T from the encoder p(T|X),
    both with ``self.np_random``.  ``reset(options={"message": x})`` fixes the message.

    ## Episode End
    ``terminated`` when the agent enters the goal or a trap; ``truncated`` after
    ``max_steps`` steps.  The receiver then decodes.  A ``step`` after the episode ended
    (or before the first ``reset``) raises ``gymnasium.error.ResetNeeded`` and changes
    nothing.

    ## Info
    Every step: ``state`` (cell after the move), ``move`` (the direction actually taken
    after slipping), ``belief_entropy`` (receiver's uncertainty about T, bits),
    ``regret`` (V*(s) - Q*(s, a) >= 0 for the state s the move was chosen in and the chosen
    action a: the action gap of the return-maximising policy in the protocol-free MDP of
    ``model()``, discounted by ``gamma``; 0 for an optimal move, so ``return-max`` scores 0
    and the bits a sender conveys are paid for here).  At reset:
    also ``protocol`` (the protocol's JSON-able spec, common knowledge; ``None`` without
    one).  At the end, ``metrics``: ``mdp_return`` (undiscounted), ``decode_accuracy``
    (1 if the receiver's guess equals X else 0: its mean over episodes is P(X_hat = X)),
    ``posterior_true_message`` (receiver's posterior probability of the true X, a
    lower-variance estimate of the same), ``rate`` (H(T) of the encoder, bits),
    ``rate_budget`` (R), ``compression`` (H(X)/R), ``code_information`` (I(X;T)); with
    ``protocol=None`` nothing reaches the receiver, so ``rate`` and ``code_information``
    are 0,
    ``mcg_payoff`` (``mdp_return + accuracy_weight * decode_accuracy``).

    ## Arguments
    - ``message_size`` (int >= 2, default 512): number of messages.
    - ``prior`` ("uniform" default, "geometric", "binomial" or a distribution).
    - ``rate`` (finite float >= 0 bits or None = lossless, default None) or
      ``compression`` (finite float >= 1, H(X)/R); give at most one.  Bools and strings
      are refused.
    - ``protocol`` ("mecb" default: EBIM encoder + MEC coupling; "uniform": uniform
      quantiser + the same coupling; "identity": T = X, lossless only (a ``rate`` or
      ``compression`` below H(X) raises ``ValueError``); None: no protocol, the receiver
      guesses the most likely message; or a :class:`CodingProtocol`).  A ``CodingProtocol`` object
      brings its own encoder, so ``rate``/``compression`` do not build it: they are the
      budget R it must meet, H(T) <= R (a ``ValueError`` naming ``rate``,
      ``compression`` or, with neither, ``protocol`` otherwise); ``metrics["rate"]`` is
      its H(T), ``metrics["rate_budget"]`` that R.
    - ``beta`` (float > 0, default 0.02): temperature of the base policy (the paper sweeps
      log beta in [-6, -3]; higher: more bits per step, lower return).
    - ``refine`` (bool, default False): Theorem 3 refinement of the MEC-B encoder.
    - ``grid`` (str: "6x6" default, "4x4", "10x10" or a map over ``SGT#.``, rows of
      equal length separated by newlines, one S and at least one G).
    - ``slip`` (float in [0, 1], default 0.1): probability that a move slips.
    - ``max_steps`` (int >= 1, default 40): the time limit (``truncated``).
    - ``accuracy_weight`` (finite float >= 0, default 1.0): weight of a correct guess in
      ``mcg_payoff``.
    - ``gamma`` (float in [0, 1), default 0.95): discount of the soft Q-value iteration
      that computes the base (maximum-entropy) policy, of ``model()`` and of the Q* behind
      ``info["regret"]``.
    - ``render_mode`` (None default, or "rgb_array").

    ## Reference Agents
    ``mecb`` and ``uniform-quantizer`` (MEME senders of the two protocols), with
    ``max-ent``, ``return-max``, ``message-only`` and ``random`` as baselines; SB3 PPO via
    ``papergym.agents.coding.ppo``.

    ## Registered Configurations
    - ``MarkovCodingGame-v0``: 512 messages, uniform prior, lossless, 6x6 grid.
    - ``MarkovCodingGameCompress4-v0``: the same at compression 4 (R = 2.25 bits).
    - ``MarkovCodingGameCompress16-v0``: heavily compressed (R = 0.5625 bits).
    - ``MarkovCodingGameSmall-v0``: 64 messages on the 4x4 grid, compression 2.
    - ``MarkovCodingGameLarge-v0``: 512 messages on the 10x10 grid, compression 2.

    ## Version History
    - v0: initial version; per-step ``info["regret"]`` added later (dynamics,
      observations and rewards unchanged).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}
    primary_metric = "mcg_payoff"
    higher_is_better = True
    # The rates are registered ids; each id is ranked under both shared protocols, so
    # MEC-B's sender and the uniform quantiser's sender each get a board at every rate.
    leaderboard_configs = ({}, {"protocol": "uniform"})
    quick_kwargs: dict[str, Any] = {}  # an episode already takes milliseconds
    #: invalid values per constructor argument (the contract checker asserts each is refused)
    bad_inputs = {"message_size": (0, 2.5), "prior": ("zipfian",), "rate": (-1.0, "x"),
                  "compression": (0.5, "x"), "protocol": ("nope",), "beta": (-1.0, "x"),
                  "refine": ("no",), "grid": ("6by6", None), "slip": (-0.1, 1.5),
                  "max_steps": (0,), "accuracy_weight": (float("inf"),),
                  "gamma": (1.5, -0.1), "render_mode": ("human",)}

    def __init__(self, message_size: int = 512, prior: Any = "uniform", rate: float | None = None,
                 compression: float | None = None, protocol: Any = "mecb", beta: float = 0.02,
                 refine: bool = False, grid: str = "6x6", slip: float = 0.1,
                 max_steps: int = 40, accuracy_weight: float = 1.0, gamma: float = 0.95,
                 render_mode: str | None = None):
        self.prior = message_prior(prior, message_size)
        self.message_size = int(message_size)
        h_x = entropy(self.prior)
        if rate is not None and compression is not None:
            raise ValueError("rate, compression: give at most one of them")
        if rate is not None and not (_is_number(rate) and rate >= 0):
            raise ValueError(f"rate: must be a finite number >= 0 bits (or None), got {rate!r}")
        if compression is not None and not (_is_number(compression) and compression >= 1):
            raise ValueError(f"compression: must be a finite number >= 1 (H(X)/R, or None), "
                             f"got {compression!r}")
        self.rate_budget = h_x if rate is None and compression is None else (
            float(rate) if rate is not None else h_x / float(compression))
        if not (_is_number(slip) and 0.0 <= slip <= 1.0):
            raise ValueError(f"slip: must be a number in [0, 1], got {slip!r}")
        if not (_is_number(beta) and beta > 0):
            raise ValueError(f"beta: must be a finite number > 0, got {beta!r}")
        if not isinstance(refine, (bool, np.bool_)):
            raise ValueError(f"refine: must be a bool (True or False), got {refine!r}")
        if not isinstance(grid, str):
            raise ValueError(f"grid: a layout name in {tuple(LAYOUTS)} or a map over 'SGT#.' "
                             f"(rows separated by newlines), got {grid!r}")
        if not _is_int(max_steps) or max_steps < 1:
            raise ValueError(f"max_steps: must be an integer >= 1, got {max_steps!r}")
        if isinstance(gamma, (bool, np.bool_)) or not isinstance(
                gamma, (int, float, np.integer, np.floating)) or not 0.0 <= gamma < 1.0:
            raise ValueError(f"gamma must be in [0, 1), got {gamma!r}")
        if not (_is_number(accuracy_weight) and accuracy_weight >= 0):
            raise ValueError(f"accuracy_weight: must be a finite number >= 0, "
                             f"got {accuracy_weight!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode: None or 'rgb_array', got {render_mode!r}")
        self.mdp = grid_mdp(grid, float(slip))
        self.grid, self.slip, self.beta, self.gamma = grid, float(slip), float(beta), float(gamma)
        # V*(s) - Q*(s, a), computed once per (grid, slip, gamma) and shared by every env
        self._regret = action_gap(grid, self.slip, self.gamma)
        self.max_steps, self.accuracy_weight = int(max_steps), float(accuracy_weight)
        self.render_mode = render_mode
        self.protocol = self._make_protocol(protocol, prior, refine, rate, compression)
        # a hand-built stochastic encoder may use more codes than there are messages
        n_codes = max(self.message_size, self.protocol.n_codes if self.protocol else 0)
        self.observation_space = spaces.Dict({
            "state": spaces.Discrete(self.mdp.n_states),
            "code": spaces.Discrete(n_codes),
        })
        self.action_space = spaces.Discrete(4)
        self._cum_move = np.cumsum(np.full((4, 4), self.slip / 3.0) + np.eye(4) *
                                   (1.0 - self.slip - self.slip / 3.0), axis=1)
        self._state, self._message, self._code, self._t = self.mdp.start, 0, 0, 0
        self._belief = None
        self._return = 0.0
        self._done = True  # no episode until reset

    def _make_protocol(self, protocol, prior, refine, rate, compression
                       ) -> CodingProtocol | None:
        if protocol is None or isinstance(protocol, CodingProtocol):
            if protocol is not None and protocol.n_messages != self.message_size:
                raise ValueError(f"protocol: built for {protocol.n_messages} messages, "
                                 f"not message_size={self.message_size}")
            if protocol is not None and protocol.policy.shape[0] != self.mdp.n_states:
                raise ValueError("protocol: its policy has the wrong number of grid states")
            if protocol is not None and protocol.rate > self.rate_budget + 1e-9:
                # a hand-built encoder is not built for the budget; it must meet it, else
                # metrics["rate_budget"] would claim a limit the code breaks
                name = ("rate" if rate is not None else
                        "compression" if compression is not None else "protocol")
                raise ValueError(f"{name}: the CodingProtocol's code rate H(T) = "
                                 f"{protocol.rate:.6g} bits exceeds the rate budget R = "
                                 f"{self.rate_budget:.6g} bits; give a larger rate (or a "
                                 f"smaller compression, or neither: R = H(X)) or a protocol "
                                 f"within it")
            return protocol
        if not isinstance(protocol, str) or protocol not in ENCODERS:
            raise ValueError(f"protocol: one of {ENCODERS}, None or a CodingProtocol, "
                             f"got {protocol!r}")
        if protocol == "identity" and entropy(self.prior) > self.rate_budget + 1e-9:
            name = "rate" if rate is not None else "compression"
            raise ValueError(f"{name}: protocol='identity' sends X itself, H(T) = H(X) = "
                             f"{entropy(self.prior):.6g} bits, above the rate budget R = "
                             f"{self.rate_budget:.6g} bits; use it lossless (no rate or "
                             f"compression) or choose 'mecb' / 'uniform'")
        spec = {"encoder": protocol, "message_size": self.message_size,
                "prior": prior if isinstance(prior, str) else [float(v) for v in self.prior],
                "rate": self.rate_budget, "refine": bool(refine), "grid": self.grid,
                "slip": self.slip, "beta": self.beta, "gamma": self.gamma}
        return build_protocol(spec)

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        options = options or {}
        message = options.get("message")
        # checked before seeding, so a bad reset changes nothing
        if message is not None and (not _is_int(message) or
                                    not 0 <= message < self.message_size):
            raise ValueError(f"options['message']: must be an integer in "
                             f"[0, {self.message_size}), got {message!r}")
        super().reset(seed=seed)
        if message is not None:
            message = int(message)
        else:
            message = int(np.searchsorted(np.cumsum(self.prior), self.np_random.random(),
                                          side="right").clip(0, self.message_size - 1))
        self._message = message
        u = self.np_random.random()
        self._code = self.protocol.encode(message, u) if self.protocol else message
        self._state, self._t, self._return = self.mdp.start, 0, 0.0
        self._belief = self.protocol.initial_belief() if self.protocol else None
        self._done = False
        info = self._info()
        info["protocol"] = dict(self.protocol.spec) if self.protocol else None
        return self._obs(), info

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        if not self.action_space.contains(action):
            raise InvalidAction(f"action: must be an int in [0, 4), got {action!r}")
        a = int(action)
        regret = float(self._regret[self._state, a])
        if self.protocol is not None:
            self._belief = self.protocol.update(self._belief, self._state, a)
        move = int(np.searchsorted(self._cum_move[a], self.np_random.random(), side="right"))
        move = min(move, 3)
        r, c = divmod(self._state, self.mdp.cols)
        rr, cc = r + MOVES[move][0], c + MOVES[move][1]
        if 0 <= rr < self.mdp.rows and 0 <= cc < self.mdp.cols and \
                self.mdp.cell(rr * self.mdp.cols + cc) != "#":
            self._state = int(rr * self.mdp.cols + cc)
        cell = self.mdp.cell(self._state)
        reward = (self.mdp.goal_reward if cell == "G" else
                  self.mdp.trap_reward if cell == "T" else self.mdp.step_reward)
        self._t += 1
        self._return += reward
        terminated = bool(self.mdp.terminal[self._state])
        truncated = not terminated and self._t >= self.max_steps
        self._done = terminated or truncated
        info = self._info()
        info["move"] = move
        info["regret"] = regret
        if terminated or truncated:
            info["metrics"] = self._metrics()
        return self._obs(), float(reward), terminated, truncated, info

    def model(self) -> MappingProxyType:
        """The protocol-free MDP (read-only): transitions[s, a, s'], rewards[s, a],
        terminal[s], start, gamma, layout, slip."""
        m = self.mdp
        return MappingProxyType({"transitions": m.transitions, "rewards": m.rewards,
                                 "terminal": m.terminal, "start": m.start, "gamma": self.gamma,
                                 "layout": m.layout, "slip": m.slip, "max_steps": self.max_steps})

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        colours = {"#": (120, 120, 120), "G": (60, 180, 75), "T": (220, 60, 60),
                   "S": (230, 230, 230), ".": (245, 245, 245)}
        px = 24
        img = np.zeros((self.mdp.rows * px, self.mdp.cols * px, 3), dtype=np.uint8)
        for s in range(self.mdp.n_states):
            r, c = divmod(s, self.mdp.cols)
            img[r * px:(r + 1) * px, c * px:(c + 1) * px] = colours[self.mdp.cell(s)]
            img[r * px, c * px:(c + 1) * px] = img[r * px:(r + 1) * px, c * px] = 200
        r, c = divmod(self._state, self.mdp.cols)
        img[r * px + 6:(r + 1) * px - 6, c * px + 6:(c + 1) * px - 6] = (40, 80, 200)
        return img

    # ------------------------------------------------------------------ helpers
    def _obs(self) -> dict:
        return {"state": np.int64(self._state), "code": np.int64(self._code)}

    def _info(self) -> dict:
        h = self._belief.entropy() if self._belief is not None else float(entropy(self.prior))
        return {"state": int(self._state), "belief_entropy": float(h)}

    def _metrics(self) -> dict[str, float]:
        if self.protocol is not None:
            posterior = self.protocol.message_posterior(self._belief)
            guess = int(np.argmax(posterior))
            rate, info_xt = self.protocol.rate, self.protocol.information
        else:  # no protocol: the receiver reads nothing from the moves
            posterior, guess = self.prior, int(np.argmax(self.prior))
            rate = info_xt = 0.0
        accuracy = float(guess == self._message)
        h_x = float(entropy(self.prior))
        return {"mdp_return": float(self._return), "decode_accuracy": accuracy,
                "posterior_true_message": float(posterior[self._message]),
                "rate": float(rate), "rate_budget": float(self.rate_budget),
                "compression": h_x / max(self.rate_budget, 1e-9),
                "code_information": float(info_xt),
                "mcg_payoff": float(self._return) + self.accuracy_weight * accuracy}

