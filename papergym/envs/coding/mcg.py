"""MarkovCodingGame-v0: send a compressed message through the moves of a noisy grid world."""

from __future__ import annotations

from bisect import bisect_right
from types import MappingProxyType
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.coding.grid import LAYOUTS, MOVES, action_gap, grid_mdp
from papergym.envs.coding.mec import entropy
from papergym.envs.coding.protocol import (
    ENCODERS,
    MEMORY_LIMIT_BYTES,
    Belief,
    CodingProtocol,
    build_protocol,
    memory_estimate,
    message_prior,
)
from papergym.utils.checks import check_choice, check_int, check_options, check_real, is_int

__all__ = ["MarkovCodingGameEnv", "RECEIVER_VIEWS"]

#: what the receiver sees of each move: the sender's intended action, or the move after slipping
RECEIVER_VIEWS = ("action", "move")
_OPTION_KEYS = ("message", "instance")


class MarkovCodingGameEnv(PaperEnv):
    """
    ## Description
    A source draws a message X (``message_size`` values, default 512, uniform or skewed
    prior) and compresses it to a code T with entropy H(T) <= R bits (the compression rate
    is H(X)/R).  The sender (the agent) sees T and plays one episode of a noisy grid
    world (start, goal, trap, obstacles; moves slip); a receiver who sees only the
    trajectory (the cells and, by default, the sender's intended actions) decodes X.
    Sender and receiver share a common-knowledge protocol: the encoder X -> T, the sender's
    base (maximum-entropy) policy and the coupling rule (greedy minimum-entropy coupling of
    the receiver's belief with the policy at every step, MEME).  The agent is paid the
    MDP's return; the game's payoff adds a bonus for a correct guess, so a sender trades
    return for accuracy.

    This is the rate-limited Markov coding game of Ebrahimi, Chen, Khisti, "Minimum
    Entropy Coupling with Bottleneck" (NeurIPS 2024, arXiv 2410.21666), built on Sokota et
    al., "Communicating via Markov Decision Processes" (ICML 2022, arXiv 2107.08295).
    What we chose where the papers leave room: ``docs/coding.md``.

    ## Action Space
    ``Discrete(4)``: 0 up, 1 right, 2 down, 3 left (an int or numpy integer; a bool is
    refused).  A move goes as intended with probability ``1 - slip``, else in one of the
    other three directions; walls and obstacles leave the agent in place.

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
    both with ``self.np_random``.  ``reset(options={"message": x})`` (or ``{"instance":
    x}``) fixes the message; a message outside ``[0, message_size)`` or with prior 0, an
    unknown option key or options that are not a dict raise ``ValueError`` and change
    nothing.

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
    and the bits a sender conveys are paid for here).  At reset: also ``protocol`` (the
    protocol's JSON-able spec, common knowledge; ``None`` without one),
    ``receiver_sees`` and ``slip`` (what a sender needs to track the receiver's belief).
    At the end, ``metrics``: ``mdp_return`` (undiscounted), ``decode_accuracy``
    (1 if the receiver's guess equals X else 0: its mean over episodes is P(X_hat = X)),
    ``posterior_true_message`` (receiver's posterior probability of the true X, a
    lower-variance estimate of the same), ``rate`` (H(T) of the encoder, bits),
    ``rate_budget`` (R), ``compression`` (H(X)/R; ``inf`` at R = 0),
    ``code_information`` (I(X;T)), ``decoding_ceiling`` (sum over t of max over x of
    p(x, t): the accuracy of a receiver that learns T exactly); with ``protocol=None``
    nothing reaches the receiver, so ``rate`` and ``code_information`` are 0 and the
    ceiling is max p(x); ``mcg_payoff`` (``mdp_return + accuracy_weight *
    decode_accuracy``).

    ## Arguments
    - ``message_size`` (int >= 2, default 512): number of messages; a size whose estimated
      memory exceeds 2 GiB (about 256 bytes a message, 48 n^2 bytes with ``refine=True``)
      is refused with the estimate.
    - ``prior`` ("uniform" default, "geometric", "binomial" or a distribution).
    - ``rate`` (finite float >= 0 bits or None = lossless, default None) or
      ``compression`` (finite float >= 1, H(X)/R); give at most one.  Bools and strings
      are refused.
    - ``protocol`` ("mecb" default: the paper's greedy EBIM encoder + MEC coupling;
      "mecb-best": the best deterministic encoder we find (exact for n <= 9, else the best
      of several merge chains) + the same coupling; "uniform": uniform quantiser + the same
      coupling; "identity": T = X, lossless only (a ``rate`` or ``compression`` below H(X)
      raises ``ValueError``); None: no protocol, the receiver guesses the most likely
      message; or a :class:`CodingProtocol`).  A ``CodingProtocol`` object brings its own
      encoder, so ``rate``/``compression`` do not build it: they are the budget R it must
      meet, H(T) <= R (a ``ValueError`` naming ``rate``, ``compression`` or, with neither,
      ``protocol`` otherwise); ``metrics["rate"]`` is its H(T), ``metrics["rate_budget"]``
      that R.
    - ``beta`` (float > 0, default 0.02): temperature of the base policy (the paper sweeps
      log beta in [-6, -3]; higher: more bits per step, lower return).
    - ``refine`` (bool, default False): Theorem 3 refinement of the MEC-B encoder (a dense
      encoder, n^2 memory).
    - ``grid`` (str: "6x6" default, "4x4", "10x10" or a map over ``SGT#.``, rows of
      equal length separated by newlines, one S and at least one G).
    - ``slip`` (float in [0, 1], default 0.1): probability that a move slips.
    - ``max_steps`` (int >= 1, default 40): the time limit (``truncated``).
    - ``accuracy_weight`` (finite float >= 0, default 1.0): weight of a correct guess in
      ``mcg_payoff``.
    - ``gamma`` (float in [0, 1), default 0.95): discount of the soft Q-value iteration
      that computes the base (maximum-entropy) policy, of ``model()`` and of the Q* behind
      ``info["regret"]``.
    - ``receiver_sees`` ("action" default or "move"): what the receiver sees of each move.
      "action": the sender's intended action, so slips never corrupt the message (our
      choice; the papers' receiver sees the actions); "move": the direction taken after
      slipping, and the receiver (and the sender, who sees the move in ``info["move"]``)
      update by Bayes' rule with the slip probabilities.
    - ``render_mode`` (None default, or "rgb_array").

    ## Reference Agents
    ``mecb`` and ``uniform-quantizer`` (MEME senders of the two protocols), with
    ``max-ent``, ``return-max``, ``message-only`` and ``random`` as baselines; SB3 PPO via
    ``papergym train`` (preset: ``experiments/coding/ppo.yaml``, read by
    ``scripts/coding/train_ppo.py``).

    ## Registered Configurations
    - ``MarkovCodingGame-v0``: 512 messages, uniform prior, lossless, 6x6 grid.
    - ``MarkovCodingGameCompress4-v0``: the same at compression 4 (R = 2.25 bits).
    - ``MarkovCodingGameCompress16-v0``: heavily compressed (R = 0.5625 bits).
    - ``MarkovCodingGameSmall-v0``: 64 messages on the 4x4 grid, compression 2.
    - ``MarkovCodingGameLarge-v0``: 512 messages on the 10x10 grid, compression 2.

    ## Version History
    - v0: initial version; per-step ``info["regret"]`` added later; then the
      ``receiver_sees`` argument (default unchanged), ``decoding_ceiling``, and couplings
      that give every code a cell (a message of tiny prior is no longer lost).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}
    primary_metric = "mcg_payoff"
    higher_is_better = True
    # The rates are registered ids; each id is ranked under both shared protocols, so
    # MEC-B's sender and the uniform quantiser's sender each get a board at every rate...
    leaderboard_configs = ({}, {"protocol": "uniform"})
    # ...which the leaderboard shows side by side, the protocol as a column
    leaderboard_group_by = ("protocol",)
    quick_kwargs: dict[str, Any] = {}  # an episode already takes milliseconds
    speed_target = 0.4
    speed_target_reason = ("every step couples the receiver's belief over up to 512 codes with "
                           "the policy (a greedy MEC); under random actions the env computes "
                           "that coupling itself (measured 0.41-0.58x CartPole-v1 over the ids); "
                           "with the reference sender sharing it, benchmarks/coding.py "
                           "measures the step at >= 0.5x")
    #: invalid values per constructor argument (the contract checker asserts each is refused)
    bad_inputs = {"message_size": (0, 2.5, 2**31), "prior": ("zipfian",), "rate": (-1.0, "x"),
                  "compression": (0.5, "x"), "protocol": ("nope",), "beta": (-1.0, "x"),
                  "refine": ("no",), "grid": ("6by6", None), "slip": (-0.1, 1.5),
                  "max_steps": (0,), "accuracy_weight": (float("inf"),),
                  "gamma": (1.5, -0.1), "receiver_sees": ("state",),
                  "render_mode": ("human",)}

    def __init__(self, message_size: int = 512, prior: Any = "uniform", rate: float | None = None,
                 compression: float | None = None, protocol: Any = "mecb", beta: float = 0.02,
                 refine: bool = False, grid: str = "6x6", slip: float = 0.1,
                 max_steps: int = 40, accuracy_weight: float = 1.0, gamma: float = 0.95,
                 receiver_sees: str = "action", render_mode: str | None = None):
        message_size = check_int("message_size", message_size, low=2)
        if not isinstance(refine, (bool, np.bool_)):
            raise ValueError(f"refine must be a bool (True or False), got {refine!r}")
        dense = bool(refine) and (protocol == "mecb" if isinstance(protocol, str) else False)
        need = memory_estimate(message_size, dense=dense)
        if need > MEMORY_LIMIT_BYTES:  # refused before anything of that size exists
            raise ValueError(f"message_size={message_size} needs an estimated "
                             f"{need / 2**30:.3g} GiB of memory"
                             f"{' (refine=True keeps a dense n x n encoder)' if dense else ''}, "
                             f"above the limit of {MEMORY_LIMIT_BYTES / 2**30:g} GiB")
        self.prior = message_prior(prior, message_size)
        self.prior.setflags(write=False)
        self.message_size = message_size
        self._h_x = entropy(self.prior)
        if rate is not None and compression is not None:
            raise ValueError("rate, compression: give at most one of them")
        if rate is not None:
            check_real("rate", rate, low=0.0)
        if compression is not None:
            check_real("compression", compression, low=1.0)
        self.rate_budget = self._h_x if rate is None and compression is None else (
            float(rate) if rate is not None else self._h_x / float(compression))
        self.slip = check_real("slip", slip, low=0.0, high=1.0)
        self.beta = check_real("beta", beta, low=0.0, low_open=True)
        if not isinstance(grid, str):
            raise ValueError(f"grid must be a layout name in {tuple(LAYOUTS)} or a map over "
                             f"'SGT#.' (rows separated by newlines), got {grid!r}")
        self.max_steps = check_int("max_steps", max_steps, low=1)
        self.gamma = check_real("gamma", gamma, low=0.0, high=1.0, high_open=True)
        self.accuracy_weight = check_real("accuracy_weight", accuracy_weight, low=0.0)
        self.receiver_sees = check_choice("receiver_sees", receiver_sees, RECEIVER_VIEWS)
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.mdp = grid_mdp(grid, self.slip)
        self.grid = grid
        # V*(s) - Q*(s, a), computed once per (grid, slip, gamma) and shared by every env
        self._regret = action_gap(grid, self.slip, self.gamma)
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
        self._update_slip = self.slip if self.receiver_sees == "move" else None
        self._cum_prior = np.cumsum(self.prior)
        # the step's lookups as Python lists: scalar reads of numpy arrays cost more
        self._cum_move_rows = [row.tolist() for row in self._cum_move]
        self._terminal = self.mdp.terminal.tolist()
        self._rewards_of_cell = [
            self.mdp.goal_reward if self.mdp.cell(c) == "G" else
            self.mdp.trap_reward if self.mdp.cell(c) == "T" else self.mdp.step_reward
            for c in range(self.mdp.n_states)]
        self._next_state = [[self._destination(s, move) for move in range(4)]
                            for s in range(self.mdp.n_states)]
        self._regret_rows = self._regret.tolist()
        self._state, self._message, self._code, self._t = self.mdp.start, 0, 0, 0
        self._belief: Belief | None = None
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
            raise ValueError(f"protocol must be one of {ENCODERS}, None or a CodingProtocol, "
                             f"got {protocol!r}")
        if protocol == "identity" and self._h_x > self.rate_budget + 1e-9:
            name = "rate" if rate is not None else "compression"
            raise ValueError(f"{name}: protocol='identity' sends X itself, H(T) = H(X) = "
                             f"{self._h_x:.6g} bits, above the rate budget R = "
                             f"{self.rate_budget:.6g} bits; use it lossless (no rate or "
                             f"compression) or choose 'mecb' / 'uniform'")
        spec = {"encoder": protocol, "message_size": self.message_size,
                "prior": prior if isinstance(prior, str) else [float(v) for v in self.prior],
                "rate": self.rate_budget, "refine": bool(refine), "grid": self.grid,
                "slip": self.slip, "beta": self.beta, "gamma": self.gamma}
        return build_protocol(spec)

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        message = self._check_options(options)  # before seeding: a bad reset changes nothing
        super().reset(seed=seed)
        if message is None:
            message = int(min(np.searchsorted(self._cum_prior, self.np_random.random(),
                                              side="right"), self.message_size - 1))
            while self.prior[message] == 0:  # rounding at the top of the cdf
                message -= 1
        self._message = message
        u = self.np_random.random()
        self._code = self.protocol.encode(message, u) if self.protocol else message
        self._state, self._t, self._return = self.mdp.start, 0, 0.0
        self._belief = self.protocol.initial_belief() if self.protocol else None
        self._done = False
        info = self.current_info()
        info["protocol"] = dict(self.protocol.spec) if self.protocol else None
        info["receiver_sees"] = self.receiver_sees
        info["slip"] = self.slip
        return self._obs(), info

    def _check_options(self, options) -> int | None:
        options = check_options(options, _OPTION_KEYS, type(self).__name__)
        if "message" in options and "instance" in options:
            raise ValueError("options: give 'message' or 'instance' (the same thing), not both")
        key = "message" if "message" in options else "instance"
        message = options.get(key)
        if message is None:
            return None
        if not is_int(message) or not 0 <= message < self.message_size:
            raise ValueError(f"options['{key}'] must be an integer in "
                             f"[0, {self.message_size}), got {message!r}")
        if self.prior[message] == 0:
            raise ValueError(f"options['{key}']: message {message} has prior probability 0, "
                             "so the source never sends it")
        return int(message)

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        if type(action) is int or isinstance(action, np.integer):  # the fast path
            a = int(action)
            if not 0 <= a < 4:
                raise InvalidAction(f"action must be an int in [0, 4), got {action!r}")
        elif isinstance(action, (bool, np.bool_)) or not self.action_space.contains(action):
            raise InvalidAction(f"action must be an int in [0, 4), got {action!r}")
        else:  # a 0-d integer array
            a = int(action)
        state = self._state
        regret = self._regret_rows[state][a]
        move = min(bisect_right(self._cum_move_rows[a], self._np_random.random()), 3)
        if self.protocol is not None:
            seen = a if self._update_slip is None else move
            belief = self._belief = self.protocol.update(self._belief, state, seen,
                                                         slip=self._update_slip)
            h = belief.entropy()
        else:
            h = self._h_x
        self._state = new = self._next_state[state][move]
        reward = self._rewards_of_cell[new]
        self._t += 1
        self._return += reward
        terminated = self._terminal[new]
        truncated = not terminated and self._t >= self.max_steps
        self._done = terminated or truncated
        info = {"state": new, "belief_entropy": h, "move": move, "regret": regret}
        if terminated or truncated:
            info["metrics"] = self._metrics()
        return self._obs(), reward, terminated, truncated, info

    def _destination(self, state: int, move: int) -> int:
        """The cell a move from ``state`` lands in (walls and obstacles: stay)."""
        r, c = divmod(state, self.mdp.cols)
        rr, cc = r + int(MOVES[move][0]), c + int(MOVES[move][1])
        if 0 <= rr < self.mdp.rows and 0 <= cc < self.mdp.cols and \
                self.mdp.cell(rr * self.mdp.cols + cc) != "#":
            return rr * self.mdp.cols + cc
        return state

    def model(self) -> MappingProxyType:
        """The protocol-free MDP (read-only): transitions[s, a, s'], rewards[s, a],
        terminal[s], start, gamma, layout, slip, max_steps and the protocol's beta."""
        m = self.mdp
        return MappingProxyType({"transitions": m.transitions, "rewards": m.rewards,
                                 "terminal": m.terminal, "start": m.start, "gamma": self.gamma,
                                 "layout": m.layout, "slip": m.slip, "max_steps": self.max_steps,
                                 "beta": self.beta})

    # ------------------------------------------------------------------ read-only state
    @property
    def position(self) -> int:
        """The agent's cell now."""
        return self._state

    @property
    def elapsed_steps(self) -> int:
        """Moves made in this episode."""
        return self._t

    @property
    def message(self) -> int:
        """The message X of this episode."""
        return self._message

    @property
    def code(self) -> int:
        """The code T of this episode."""
        return self._code

    @property
    def belief(self) -> Belief | None:
        """The receiver's belief over codes (read-only; None without a protocol)."""
        return self._belief

    @property
    def episode_over(self) -> bool:
        """True before the first reset and after the episode ended."""
        return self._done

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

    def current_info(self) -> dict:
        """The per-step info without the step's own keys: ``state``, ``belief_entropy``."""
        h = self._belief.entropy() if self._belief is not None else self._h_x
        return {"state": int(self._state), "belief_entropy": float(h)}

    def _metrics(self) -> dict[str, float]:
        if self.protocol is not None:
            posterior = self.protocol.message_posterior(self._belief)
            guess = int(np.argmax(posterior))
            rate, info_xt = self.protocol.rate, self.protocol.information
            ceiling = self.protocol.decoding_ceiling
        else:  # no protocol: the receiver reads nothing from the moves
            posterior, guess = self.prior, int(np.argmax(self.prior))
            rate = info_xt = 0.0
            ceiling = float(self.prior.max())
        accuracy = float(guess == self._message)
        compression = self._h_x / self.rate_budget if self.rate_budget > 0 else float("inf")
        return {"mdp_return": float(self._return), "decode_accuracy": accuracy,
                "posterior_true_message": float(posterior[self._message]),
                "rate": float(rate) + 0.0, "rate_budget": float(self.rate_budget) + 0.0,
                "compression": float(compression),
                "code_information": float(info_xt) + 0.0,
                "decoding_ceiling": float(ceiling),
                "mcg_payoff": float(self._return) + self.accuracy_weight * accuracy}
