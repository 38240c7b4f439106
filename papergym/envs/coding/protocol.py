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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from papergym.agents.coding.coupling import (
    check_marginal,
    deterministic_joint,
    ebim_encoder,
    entropy,
    greedy_core,
    greedy_pair,
    mutual_information,
    uniform_quantizer,
)
from papergym.envs.coding.grid import soft_q_policy

__all__ = ["CodingProtocol", "Belief", "build_protocol", "message_prior", "ENCODERS"]

ENCODERS = ("mecb", "uniform", "identity")


def message_prior(prior: str | Any, message_size: int) -> np.ndarray:
    """p_X: ``"uniform"``, ``"geometric"`` (truncated geometric, ratio 0.99 per message),
    ``"binomial"`` (Binomial(n-1, 1/2)) or an explicit distribution."""
    if isinstance(message_size, bool) or not isinstance(message_size, (int, np.integer)) \
            or message_size < 2:
        raise ValueError(f"message_size: must be an integer >= 2, got {message_size!r}")
    n = int(message_size)
    if isinstance(prior, str):
        if prior == "uniform":
            return np.full(n, 1.0 / n)
        if prior == "geometric":
            p = 0.99 ** np.arange(n)
            return p / p.sum()
        if prior == "binomial":  # C(n-1, k) in log space: the counts overflow a float
            from math import lgamma

            log_p = np.array([lgamma(n) - lgamma(k + 1) - lgamma(n - k) for k in range(n)])
            p = np.exp(log_p - log_p.max())
            return p / p.sum()
        raise ValueError(f"prior: 'uniform', 'geometric', 'binomial' or a distribution, got {prior!r}")
    try:
        values = np.asarray(prior, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"prior: 'uniform', 'geometric', 'binomial' or a distribution (a "
                         f"sequence of {n} probabilities), got {prior!r}") from None
    p = check_marginal(values, "prior")
    if p.size != n:
        raise ValueError(f"prior: needs message_size={n} entries, got {p.size}")
    return p


@dataclass
class Belief:
    """The receiver's belief over codes: the codes with positive mass and their masses."""

    codes: np.ndarray
    probs: np.ndarray

    def entropy(self) -> float:
        return entropy(self.probs)


@dataclass(eq=False)
class CodingProtocol:
    """Encoder p(X, T), base policy pi(a|s) and the greedy-MEC coupling rule.

    ``encoder``: (n_messages, n_codes) joint p_XT whose row sums are the prior.
    ``policy``: (n_states, n_actions) base policy.  The receiver guesses the most likely
    message under its posterior sum_t b(t) p(x|t) (MAP).  Why not the MEC-B decoder here:
    the greedy MEC of p_T and p_X ignores which messages share a code, so its Y is not
    aligned with X and P(Y = X) is near 0 (measured 0.00 at compression 4), while for a
    deterministic encoder p(x|t) is itself an optimal decoder coupling (I(T;Y) = H(T)).
    :func:`papergym.agents.coding.coupling.mec_decoder` stays in the library.
    ``spec``: the JSON-able recipe that
    :func:`build_protocol` rebuilds it from (``{"custom": True}`` for hand-made ones).
    """

    encoder: np.ndarray
    policy: np.ndarray
    spec: dict = field(default_factory=lambda: {"custom": True})

    def __post_init__(self):
        self.encoder = np.asarray(self.encoder, dtype=float)
        self.policy = np.asarray(self.policy, dtype=float)
        self.prior = check_marginal(self.encoder.sum(axis=1), "encoder (row sums)")
        self.code_prior = self.encoder.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            # p(x | t); columns of unused codes stay 0
            self._cond = np.where(self.code_prior > 0, self.encoder / self.code_prior, 0.0)
            self._code_given_x = self.encoder / self.prior[:, None]
        self.rate = entropy(self.code_prior)
        self.information = mutual_information(self.encoder)

    def digest(self) -> str:
        """A stable hex digest (SHA-256) of everything that defines the protocol: the
        encoder's and the policy's dtype, shape and bytes, and the spec (beta, rate, ...).
        The results store keys runs by it (``papergym.agents.base.config_hash``): the
        repr of a large array elides most of it, so two protocols could share a repr."""
        h = hashlib.sha256()
        for name, array in (("encoder", self.encoder), ("policy", self.policy)):
            array = np.ascontiguousarray(array)
            h.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
            h.update(array.tobytes())
        h.update(b"spec:" + json.dumps(self.spec, sort_keys=True, default=repr).encode())
        return h.hexdigest()

    # -- encoder -------------------------------------------------------------------
    @property
    def n_messages(self) -> int:
        return self.encoder.shape[0]

    @property
    def n_codes(self) -> int:
        return self.encoder.shape[1]

    def encode(self, message: int, u: float) -> int:
        """The code of ``message`` drawn from p(T | X = message) with uniform ``u``."""
        row = self._code_given_x[message]
        return int(min(np.searchsorted(np.cumsum(row), u, side="right"), row.size - 1))

    # -- coupling rule ---------------------------------------------------------------
    def initial_belief(self) -> Belief:
        codes = np.flatnonzero(self.code_prior > 0)
        return Belief(codes, self.code_prior[codes] / self.code_prior[codes].sum())

    def couple(self, belief: Belief, state: int) -> tuple[np.ndarray, np.ndarray]:
        """Greedy MEC of b(T) and pi(.|state): ``(cells, masses)``, cells[:, 0] indexes
        ``belief.codes``, cells[:, 1] is the action.  O(n log n) in the belief's support."""
        q = self.policy[state]
        # both run the same greedy rule; runs of one action are cheap in numpy when pi is
        # near-deterministic, the heap is cheaper otherwise (sender and receiver agree).
        if q.max() >= 0.9:
            return greedy_pair(belief.probs, q)
        return greedy_core([belief.probs, q])

    def action_distribution(self, belief: Belief, state: int, code: int,
                            coupling=None) -> np.ndarray:
        """p(a | T = code): row ``code`` of the coupling, normalised (the sender's draw)."""
        cells, masses = coupling if coupling is not None else self.couple(belief, state)
        pos = np.searchsorted(belief.codes, code)
        if pos >= belief.codes.size or belief.codes[pos] != code:
            # the code was ruled out (only when the sender left the protocol): follow pi
            return np.asarray(self.policy[state], dtype=float)
        row = np.zeros(self.policy.shape[1])
        mine = cells[:, 0] == pos
        np.add.at(row, cells[mine, 1], masses[mine])
        return row / row.sum()

    def update(self, belief: Belief, state: int, action: int, coupling=None) -> Belief:
        """Bayes' rule on the coupling: b'(t) = J[t, action] / pi(action | state).

        If no code is consistent with ``action`` (a sender off the protocol), the belief
        is left unchanged.  ``coupling``: the result of :meth:`couple` if already known."""
        cells, masses = coupling if coupling is not None else self.couple(belief, state)
        hit = cells[:, 1] == action
        if not hit.any():
            return belief
        pos, mass = cells[hit, 0], masses[hit]
        order = np.argsort(pos, kind="stable")
        pos, mass = pos[order], mass[order]
        return Belief(belief.codes[pos], mass / mass.sum())

    # -- decoder ---------------------------------------------------------------------
    def message_posterior(self, belief: Belief) -> np.ndarray:
        """The receiver's distribution over X given its belief over T."""
        post = self._cond[:, belief.codes] @ belief.probs
        return post / post.sum()

    def decode(self, belief: Belief) -> int:
        return int(np.argmax(self.message_posterior(belief)))

    def belief_after(self, states, actions) -> Belief:
        """The receiver's belief after seeing the sender take ``actions[i]`` in
        ``states[i]``, in order: :meth:`update` from :meth:`initial_belief`, as the
        single-agent env's receiver does step by step."""
        belief = self.initial_belief()
        for state, action in zip(states, actions):
            belief = self.update(belief, int(state), int(action))
        return belief


def _key(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)


def build_protocol(spec: dict) -> CodingProtocol:
    """The protocol a spec describes (cached): keys ``encoder`` (``"mecb"``,
    ``"uniform"``, ``"identity"``), ``message_size``, ``prior``, ``rate`` (bits or
    None for lossless), ``refine`` (Theorem 3 refinement of the MEC-B encoder), ``grid``,
    ``slip``, ``beta``, ``gamma``."""
    if spec.get("custom"):
        raise ValueError("protocol: a custom protocol cannot be rebuilt from its spec; "
                         "give the CodingProtocol object to the agent (protocol=...)")
    return _build(_key(spec))


@lru_cache(maxsize=64)
def _build(key: str) -> CodingProtocol:
    spec = json.loads(key)
    prior = message_prior(spec["prior"] if isinstance(spec["prior"], str) else
                          np.asarray(spec["prior"]), spec["message_size"])
    rate = spec.get("rate")
    rate = entropy(prior) if rate is None else float(rate)
    kind = spec["encoder"]
    if kind == "mecb":
        joint = ebim_encoder(prior, rate, refine=bool(spec.get("refine", False)))
    elif kind == "uniform":
        labels, _ = uniform_quantizer(prior, rate)
        joint = deterministic_joint(prior, labels)
    elif kind == "identity":
        joint = np.diag(prior)
    else:
        raise ValueError(f"protocol: encoder must be one of {ENCODERS}, got {kind!r}")
    policy = soft_q_policy(spec["grid"], float(spec["slip"]), float(spec["beta"]),
                           float(spec.get("gamma", 0.95)))
    return CodingProtocol(joint, policy, spec=spec)
