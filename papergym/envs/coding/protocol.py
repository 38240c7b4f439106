"""The common-knowledge protocol of a Markov coding game: encoder, base policy, coupling rule.

Sender and receiver of a Markov coding game agree beforehand on (Sokota et al., ICML 2022,
"Communicating via Markov Decision Processes"; Ebrahimi, Chen, Khisti, NeurIPS 2024,
arXiv 2410.21666, Section 5):

1. the encoder p(T|X) that compresses the message X to a code T with H(T) <= R
   (MEC-B: the EBIM encoder; baseline: the uniform quantiser);
2. the sender's base MDP policy pi(a|s), the maximum-entropy policy of temperature beta;
3. the coupling rule: at every step, the greedy minimum-entropy coupling of the
   receiver's belief b(T) and pi(.|s).  The sender holding code t draws its action from
   row t of the coupling; the receiver, seeing the action a, sets b'(t) = J[t, a] / pi(a|s).

A :class:`CodingProtocol` is that agreement as an object: the env's receiver and the
sender agent both call :meth:`CodingProtocol.couple` and :meth:`CodingProtocol.update`,
so they compute the same beliefs.  :func:`build_protocol` makes the standard ones from a
JSON-able spec (what the env publishes in ``info["protocol"]``) and caches them.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

import numpy as np

from papergym.envs.coding.ebim import (
    deterministic_joint,
    ebim_best_of_chains,
    ebim_exact,
    ebim_greedy,
    ebim_refine,
    uniform_quantizer,
)
from papergym.envs.coding.grid import soft_q_policy
from papergym.envs.coding.mec import (
    bayes_update,
    check_marginal,
    entropy,
    greedy_core,
    mutual_information,
    row_of,
)

__all__ = ["CodingProtocol", "Belief", "build_protocol", "message_prior", "ENCODERS",
           "MEMORY_LIMIT_BYTES", "memory_estimate"]

#: the standard encoders: the paper's greedy EBIM ("mecb"), the best of EBIM's exact search
#: (n <= 9) or several merge chains ("mecb-best"), the uniform quantiser, the identity
ENCODERS = ("mecb", "mecb-best", "uniform", "identity")

#: the largest estimated working memory an env may allocate for its protocol
MEMORY_LIMIT_BYTES = 2 * 2**30


def memory_estimate(message_size: int, dense: bool = False) -> int:
    """Bytes a game with ``message_size`` messages allocates (an upper estimate): about 256
    bytes per message for a deterministic encoder (prior, labels, code masses, beliefs, the
    coupling's heaps and cells), plus 6 n^2 floats for a dense one (``refine=True``: the
    joint, its conditionals and the refinement's working copies)."""
    n = int(message_size)
    return 256 * n + (48 * n * n if dense else 0) + 2**20


def message_prior(prior: str | Any, message_size: int) -> np.ndarray:
    """p_X: ``"uniform"``, ``"geometric"`` (truncated geometric, ratio 0.99 per message),
    ``"binomial"`` (Binomial(n-1, 1/2)) or an explicit distribution."""
    if isinstance(message_size, bool) or not isinstance(message_size, (int, np.integer)) \
            or message_size < 2:
        raise ValueError(f"message_size must be an integer >= 2, got {message_size!r}")
    n = int(message_size)
    if isinstance(prior, str):
        if prior == "uniform":
            return np.full(n, 1.0 / n)
        if prior == "geometric":
            p = 0.99 ** np.arange(n)
            return p / p.sum()
        if prior == "binomial":  # C(n-1, k) in log space: the counts overflow a float
            from scipy.special import gammaln

            k = np.arange(n)
            log_p = gammaln(n) - gammaln(k + 1) - gammaln(n - k)
            p = np.exp(log_p - log_p.max())
            return p / p.sum()
        raise ValueError(f"prior must be 'uniform', 'geometric', 'binomial' or a distribution, "
                         f"got {prior!r}")
    try:
        values = np.asarray(prior, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"prior must be 'uniform', 'geometric', 'binomial' or a distribution "
                         f"(a sequence of {n} probabilities), got {prior!r}") from None
    p = check_marginal(values, "prior")
    if p.size != n:
        raise ValueError(f"prior: needs message_size={n} entries, got {p.size}")
    return p


class Belief:
    """The receiver's belief over codes: the codes with positive mass (sorted) and their
    masses (read-only arrays; updates make a new belief)."""

    __slots__ = ("codes", "probs", "_entropy")

    def __init__(self, codes: np.ndarray, probs: np.ndarray):
        codes.flags.writeable = False
        probs.flags.writeable = False
        self.codes, self.probs, self._entropy = codes, probs, None

    def entropy(self) -> float:
        """H(b) in bits (computed once)."""
        if self._entropy is None:  # every mass is > 0
            self._entropy = 0.0 if self.probs.size == 1 else \
                max(-float(np.dot(self.probs, np.log2(self.probs))), 0.0)
        return self._entropy

    def __getstate__(self):
        return (self.codes, self.probs)

    def __setstate__(self, state):
        self.codes, self.probs, self._entropy = state[0], state[1], None

    def __repr__(self) -> str:
        return f"Belief(codes={self.codes!r}, probs={self.probs!r})"


def _slip_matrix(slip: float) -> np.ndarray:
    """P(move | intended action): 1 - slip on the diagonal, slip / 3 elsewhere."""
    return np.full((4, 4), slip / 3.0) + np.eye(4) * (1.0 - slip - slip / 3.0)




class CodingProtocol:
    """Encoder p(X, T), base policy pi(a|s) and the greedy-MEC coupling rule.

    The encoder is either deterministic, ``labels[x] = t`` with the ``prior`` (O(n)
    memory: :meth:`from_labels`, and what a dense deterministic ``encoder`` is turned
    into), or a dense (n_messages, n_codes) joint p_XT whose row sums are the prior.
    ``policy``: (n_states, n_actions) base policy.  The receiver guesses the most likely
    message under its posterior sum_t b(t) p(x|t) (MAP; why not the paper's MEC decoder:
    docs/coding.md).  ``spec``: the JSON-able recipe that :func:`build_protocol` rebuilds
    it from (``{"custom": True}`` for hand-made ones).

    Sender and env share one coupling and one belief update per step: :meth:`couple` and
    :meth:`update` remember their last call, so the second caller with the same belief
    object (the env after the sender, or the other way round) gets the first's result.
    """

    def __init__(self, encoder=None, policy=None, spec: dict | None = None, *,
                 labels=None, prior=None):
        if policy is None:
            raise ValueError("policy: the base policy pi(a|s) is required")
        self.policy = np.array(policy, dtype=float)  # a copy: it is made read-only
        self.spec = dict(spec) if spec is not None else {"custom": True}
        if labels is not None:
            if prior is None:
                raise ValueError("prior: a label encoder needs the message prior")
            self.prior = check_marginal(prior, "prior").copy()
            self.labels = np.asarray(labels, dtype=np.int64)
            self._dense = None
        else:
            if encoder is None:
                raise ValueError("encoder: give a joint p_XT or labels= and prior=")
            joint = np.asarray(encoder, dtype=float)
            self.prior = check_marginal(joint.sum(axis=1), "encoder (row sums)")
            nonzero = np.count_nonzero(joint, axis=1)
            if np.all(nonzero <= 1):  # deterministic: keep the labels only
                self.labels = np.argmax(joint, axis=1).astype(np.int64)
                self.prior = joint[np.arange(joint.shape[0]), self.labels].copy()
                self._n_codes = joint.shape[1]
                self._dense = None
            else:
                self.labels = None
                self._dense = joint
        if self.labels is not None:
            if self.labels.shape != self.prior.shape or (self.labels < 0).any():
                raise ValueError("labels: one non-negative code per message")
            n_codes = max(int(self.labels.max()) + 1, getattr(self, "_n_codes", 0))
            self._n_codes = n_codes
            self.code_prior = np.bincount(self.labels, weights=self.prior, minlength=n_codes)
            self.information = self.rate = entropy(self.code_prior)
            with np.errstate(invalid="ignore", divide="ignore"):  # p(x | labels[x])
                self._cond_of_label = np.where(self.prior > 0, self.prior /
                                               self.code_prior[self.labels], 0.0)
            ceiling = np.zeros(n_codes)
            np.maximum.at(ceiling, self.labels, self.prior)
            self.decoding_ceiling = float(ceiling.sum())
        else:
            joint = self._dense
            self._n_codes = joint.shape[1]
            self.code_prior = joint.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                # p(x | t); columns of unused codes stay 0
                self._cond = np.where(self.code_prior > 0, joint / self.code_prior, 0.0)
                self._code_given_x = np.where(self.prior[:, None] > 0,
                                              joint / self.prior[:, None], 0.0)
            self.rate = entropy(self.code_prior)
            self.information = mutual_information(joint)
            self.decoding_ceiling = float(joint.max(axis=0).sum())
        for array in (self.policy, self.prior, self.code_prior):
            array.setflags(write=False)
        self._clear_caches()

    @classmethod
    def from_labels(cls, prior, labels, policy, spec: dict | None = None) -> CodingProtocol:
        """The protocol of the deterministic encoder T = labels[X]."""
        return cls(policy=policy, spec=spec, labels=labels, prior=prior)

    def _clear_caches(self) -> None:
        n_actions = self.policy.shape[1]
        self._action_weights = [np.ascontiguousarray(row[:n_actions])
                                for row in np.eye(max(n_actions, 1))]
        self._initial: Belief | None = None
        self._last_couple: tuple | None = None
        self._last_update: tuple | None = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.update(_initial=None, _last_couple=None, _last_update=None)
        return state

    @property
    def deterministic(self) -> bool:
        """Whether the encoder is a map T = labels[X]."""
        return self.labels is not None

    @property
    def encoder(self) -> np.ndarray:
        """The dense joint p_XT (built on request for a deterministic encoder: n x K floats)."""
        if self._dense is not None:
            return self._dense
        return deterministic_joint(self.prior, self.labels, self._n_codes)

    def digest(self) -> str:
        """A stable hex digest (SHA-256) of everything that defines the protocol: the
        encoder (labels and prior, or the dense joint), the policy and the spec (beta,
        rate, ...).  The results store keys runs by it (``papergym.agents.base.config_hash``):
        the repr of a large array elides most of it, so two protocols could share a repr."""
        h = hashlib.sha256()
        parts = (("labels", self.labels), ("prior", self.prior)) if self.deterministic \
            else (("encoder", self._dense),)
        for name, array in parts + (("policy", self.policy),):
            array = np.ascontiguousarray(array)
            h.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
            h.update(array.tobytes())
        h.update(b"spec:" + json.dumps(self.spec, sort_keys=True, default=repr).encode())
        return h.hexdigest()

    # -- encoder -------------------------------------------------------------------
    @property
    def n_messages(self) -> int:
        return self.prior.shape[0]

    @property
    def n_codes(self) -> int:
        return self._n_codes

    def encode(self, message: int, u: float) -> int:
        """The code of ``message`` drawn from p(T | X = message) with uniform ``u``."""
        if self.deterministic:
            return int(self.labels[message])
        row = self._code_given_x[message]
        return int(min(np.searchsorted(np.cumsum(row), u, side="right"), row.size - 1))

    # -- coupling rule ---------------------------------------------------------------
    def initial_belief(self) -> Belief:
        """b(T) = p_T on the codes with positive mass (one shared, read-only object)."""
        if self._initial is None:
            codes = np.flatnonzero(self.code_prior > 0)
            self._initial = Belief(codes, self.code_prior[codes] / self.code_prior[codes].sum())
        return self._initial

    def couple(self, belief: Belief, state: int) -> tuple[np.ndarray, np.ndarray]:
        """Greedy MEC of b(T) and pi(.|state): ``(cells, masses)``, cells[:, 0] indexes
        ``belief.codes``, cells[:, 1] is the action.  Every code of the belief gets a cell.
        O(n log n) in the belief's support (compiled with numba where installed)."""
        last = self._last_couple
        if last is not None and last[0] is belief and last[1] == state:
            return last[2]
        coupling = greedy_core([belief.probs, self.policy[state]])
        for array in coupling:
            array.setflags(write=False)
        self._last_couple = (belief, state, coupling)
        return coupling

    def action_distribution(self, belief: Belief, state: int, code: int,
                            coupling=None) -> np.ndarray:
        """p(a | T = code): row ``code`` of the coupling, normalised (the sender's draw)."""
        cells, masses = coupling if coupling is not None else self.couple(belief, state)
        pos = np.searchsorted(belief.codes, code)
        if pos >= belief.codes.size or belief.codes[pos] != code:
            # the code was ruled out (only when the sender left the protocol): follow pi
            return np.asarray(self.policy[state], dtype=float)
        row = row_of(cells, masses, int(pos), self.policy.shape[1])
        return row / row.sum()

    def update(self, belief: Belief, state: int, action: int, coupling=None,
               slip: float | None = None) -> Belief:
        """Bayes' rule on the coupling.  ``slip=None`` (the receiver sees the intended
        action): b'(t) = J[t, action] / pi(action | state).  ``slip`` given (it sees the
        move after slipping): b'(t) proportional to sum_a J[t, a] P(move | a), where
        P(move | a) = 1 - slip for move = a and slip / 3 otherwise.

        If no code is consistent with ``action`` (a sender off the protocol), the belief
        is left unchanged.  ``coupling``: the result of :meth:`couple` if already known."""
        last = self._last_update
        if last is not None and last[0] is belief and last[1:4] == (state, action, slip):
            return last[4]
        cells, masses = coupling if coupling is not None else self.couple(belief, state)
        n_actions = self.policy.shape[1]
        if slip is None:
            weights = self._action_weights[action] if 0 <= action < n_actions else \
                np.zeros(n_actions)
        else:
            weights = np.ascontiguousarray(_slip_matrix(slip)[:, action])
        codes, mass = bayes_update(belief.codes, cells, masses, weights)
        if codes.size == 0:
            return belief
        new = Belief(codes, mass / mass.sum())
        self._last_update = (belief, state, action, slip, new)
        return new

    # -- decoder ---------------------------------------------------------------------
    def message_posterior(self, belief: Belief) -> np.ndarray:
        """The receiver's distribution over X given its belief over T."""
        if self.deterministic:
            b = np.zeros(self._n_codes)
            b[belief.codes] = belief.probs
            post = b[self.labels] * self._cond_of_label
        else:
            post = self._cond[:, belief.codes] @ belief.probs
        return post / post.sum()

    def decode(self, belief: Belief) -> int:
        return int(np.argmax(self.message_posterior(belief)))

    def belief_after(self, states, actions, moves=None, slip: float | None = None) -> Belief:
        """The receiver's belief after seeing the sender take ``actions[i]`` in
        ``states[i]``, in order (with ``slip``, ``moves[i]`` are what it saw instead: the
        moves after slipping): :meth:`update` from :meth:`initial_belief`, as the
        single-agent env's receiver does step by step."""
        belief = self.initial_belief()
        seen = actions if slip is None else moves
        for state, action in zip(states, seen):
            belief = self.update(belief, int(state), int(action), slip=slip)
        return belief


def _key(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)


def build_protocol(spec: dict) -> CodingProtocol:
    """The protocol a spec describes (cached): keys ``encoder`` (one of :data:`ENCODERS`),
    ``message_size``, ``prior``, ``rate`` (bits or None for lossless), ``refine`` (Theorem 3
    refinement of the MEC-B encoder), ``grid``, ``slip``, ``beta``, ``gamma``."""
    if spec.get("custom"):
        raise ValueError("protocol: a custom protocol cannot be rebuilt from its spec; "
                         "give the CodingProtocol object to the agent (protocol=...)")
    return _build(_key(spec))


def best_labels(prior: np.ndarray, rate: float) -> tuple[np.ndarray, float]:
    """The ``"mecb-best"`` encoder: exact over every deterministic map for n <= 9, else the
    best of several merge chains (the greedy's among them)."""
    return ebim_exact(prior, rate) if prior.size <= 9 else ebim_best_of_chains(prior, rate)


@lru_cache(maxsize=64)
def _build(key: str) -> CodingProtocol:
    spec = json.loads(key)
    prior = message_prior(spec["prior"] if isinstance(spec["prior"], str) else
                          np.asarray(spec["prior"]), spec["message_size"])
    rate = spec.get("rate")
    rate = entropy(prior) if rate is None else float(rate)
    kind = spec["encoder"]
    policy = soft_q_policy(spec["grid"], float(spec["slip"]), float(spec["beta"]),
                           float(spec.get("gamma", 0.95)))
    if kind == "mecb" and spec.get("refine", False):
        return CodingProtocol(ebim_refine(prior, rate), policy, spec=spec)
    if kind == "mecb":
        labels, _ = ebim_greedy(prior, rate)
    elif kind == "mecb-best":
        labels, _ = best_labels(prior, rate)
    elif kind == "uniform":
        labels, _ = uniform_quantizer(prior, rate)
    elif kind == "identity":
        labels = np.arange(prior.size)
    else:
        raise ValueError(f"protocol must be one of {ENCODERS}, got {kind!r}")
    return CodingProtocol.from_labels(prior, labels, policy, spec=spec)
