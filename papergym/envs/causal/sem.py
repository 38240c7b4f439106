"""The linear-SEM math of the causal bandit (Peng, Zhang, Mitra, IEEE TSP 2025).

Conventions, shared by the env and the agents:

- ``B[j, i]`` is the weight of the edge ``j -> i``; matrices are strictly upper triangular,
  so nodes ``0..N-1`` are in topological order and node ``N-1`` is the reward node.
- An intervention is a bit vector ``a`` in ``{0, 1}^N``; column ``i`` of ``B_a`` is
  ``B_prime[:, i]`` if ``a[i] = 1`` else ``B[:, i]`` (a soft intervention replaces the
  node's incoming weights).  Its index is ``sum_i a[i] * 2**i`` (node 0 is the lowest bit).
- ``X = B_a^T X + eps`` with ``eps ~ N(nu, diag(sigma2))``, so ``X = (I - B_a)^{-T} eps``
  and ``mu_a = (I - B_a)^{-T} nu``.  With upper-triangular weights both are forward
  substitutions, which is how every function here computes them (batched over actions or
  instances, no matrix inverse).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_NODES", "action_bits", "action_index", "all_action_bits", "draw_weights",
           "draw_instance_weights", "expected_rewards", "flow_to_reward", "intervened",
           "legal_action_mask", "redraw_columns", "sample_nodes", "is_strictly_upper"]

#: the largest graph whose 2^N interventions are enumerated exactly (65,536 actions)
MAX_NODES = 16


def all_action_bits(n_nodes: int) -> np.ndarray:
    """bool ``(2^N, N)``: row ``k`` is the intervention with index ``k`` (node 0 = lowest bit)."""
    k = np.arange(2 ** n_nodes, dtype=np.int64)
    return ((k[:, None] >> np.arange(n_nodes, dtype=np.int64)) & 1).astype(bool)


def action_index(bits: np.ndarray) -> int:
    """The index of an intervention bit vector."""
    bits = np.asarray(bits).astype(np.int64)
    return int((bits << np.arange(bits.shape[-1], dtype=np.int64)).sum())


def action_bits(index: int, n_nodes: int) -> np.ndarray:
    """The bit vector (int8) of intervention ``index``."""
    return ((int(index) >> np.arange(n_nodes)) & 1).astype(np.int8)


def legal_action_mask(n_nodes: int, max_interventions: int) -> np.ndarray:
    """bool ``(2^N,)``: interventions on at most ``max_interventions`` nodes."""
    return all_action_bits(n_nodes).sum(axis=1) <= max_interventions


def is_strictly_upper(matrix: np.ndarray) -> bool:
    """True if ``matrix`` is square with zeros on and below the diagonal (a DAG in
    topological order)."""
    return matrix.ndim == 2 and matrix.shape[0] == matrix.shape[1] \
        and not np.any(np.tril(matrix) != 0)


def draw_weights(rng: np.random.Generator, n_nodes: int, edge_prob: float = 0.5,
                 low: float = 0.5, high: float = 2.0) -> np.ndarray:
    """One upper-triangular weight matrix as in the authors' generator: each entry above the
    diagonal present with probability ``edge_prob``, magnitude ``U[low, high]``, random sign."""
    present = rng.random((n_nodes, n_nodes)) < edge_prob
    sign = np.where(rng.random((n_nodes, n_nodes)) < 0.5, -1.0, 1.0)
    magnitude = rng.uniform(low, high, size=(n_nodes, n_nodes))
    return np.triu(magnitude * sign * present, k=1)


def draw_instance_weights(rng: np.random.Generator, n_nodes: int, edge_prob: float = 0.5,
                          low: float = 0.5, high: float = 2.0,
                          max_tries: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """``(B, B_prime)``, redrawn (both) until every column ``n >= 1`` differs, as the
    authors' generator does (column 0 has no possible parent and is always zero)."""
    for _ in range(max_tries):
        b = draw_weights(rng, n_nodes, edge_prob, low, high)
        b_prime = draw_weights(rng, n_nodes, edge_prob, low, high)
        if all(not np.array_equal(b[:, n], b_prime[:, n]) for n in range(1, n_nodes)):
            return b, b_prime
    raise RuntimeError(f"no instance with every column differing in {max_tries} draws "
                       f"(edge_prob={edge_prob} is too small)")


def intervened(bits: np.ndarray, b: np.ndarray, b_prime: np.ndarray) -> np.ndarray:
    """``B_a`` for a batch of interventions: ``bits`` ``(..., N)`` -> ``(..., N, N)``."""
    bits = np.asarray(bits, dtype=bool)
    return np.where(bits[..., None, :], b_prime, b)


def expected_rewards(bits: np.ndarray, b: np.ndarray, b_prime: np.ndarray,
                     nu: np.ndarray) -> np.ndarray:
    """``[mu_a]_N`` for every row of ``bits`` ``(A, N)`` (exact, forward substitution)."""
    return expected_means(bits, b, b_prime, nu)[:, -1]


def expected_means(bits: np.ndarray, b: np.ndarray, b_prime: np.ndarray,
                   nu: np.ndarray) -> np.ndarray:
    """``mu_a = (I - B_a)^{-T} nu`` ``(A, N)`` for every row of ``bits`` ``(A, N)``."""
    bits = np.asarray(bits, dtype=bool)
    n = b.shape[0]
    mu = np.empty(bits.shape[:-1] + (n,))
    for i in range(n):
        col = np.where(bits[..., i, None], b_prime[:, i], b[:, i])  # (A, N) incoming weights
        mu[..., i] = nu[i] + np.einsum("aj,aj->a", col[..., :i], mu[..., :i])
    return mu


def flow_to_reward(b_a: np.ndarray) -> np.ndarray:
    """Column ``N`` of ``(I - B_a)^{-1}`` for a batch ``(A, N, N)`` of upper-triangular
    ``B_a`` (back substitution): the net flow weight from every node to the reward node."""
    n = b_a.shape[-1]
    c = np.zeros(b_a.shape[:-1])
    c[..., n - 1] = 1.0
    for i in range(n - 2, -1, -1):
        c[..., i] = np.einsum("aj,aj->a", b_a[..., i, i + 1:], c[..., i + 1:])
    return c


def sample_nodes(b_a: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """``X = (I - B_a)^{-T} eps`` for a batch: ``b_a`` ``(K, N, N)``, ``eps`` ``(K, N)``.

    The env (``K = 1``) and its batched vector env call this one function, so both give
    bit-identical samples under the same seeds."""
    k, n = eps.shape
    x = np.empty((k, n))
    for i in range(n):
        x[:, i] = eps[:, i] + np.einsum("kj,kj->k", b_a[:, :i, i], x[:, :i])
    return x


def redraw_columns(rng: np.random.Generator, b: np.ndarray, b_prime: np.ndarray,
                   nu: np.ndarray, bits: np.ndarray, legal: np.ndarray, n_columns: int,
                   edge_prob: float = 0.5, low: float = 0.5, high: float = 2.0,
                   tol: float = 1e-2, max_tries: int = 10_000,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A change of the non-stationary bandit, as the authors' ``change_graph``.

    Candidate columns are the nodes ``>= 1`` on which every optimal intervention (within
    ``tol`` of the best) agrees; ``n_columns`` of them are drawn with replacement (so *up to*
    ``n_columns`` distinct ones) and their incoming weights, in the mode the optimum uses,
    are redrawn with the generator's law; repeated until the old optimal set is no longer
    optimal (its best value is more than ``tol`` below the new best).  ``n_columns`` is
    capped at the number of candidates, as in the authors' code.  Returns the new
    ``(B, B_prime, rewards)``, ``rewards`` over all ``bits`` rows (illegal ones ``-inf``).
    """
    n = b.shape[0]
    rewards = np.where(legal, expected_rewards(bits, b, b_prime, nu), -np.inf)
    optimal = rewards >= rewards.max() - tol
    opt_bits = bits[optimal]
    agree = np.flatnonzero(np.all(opt_bits == opt_bits[0], axis=0))
    agree = agree[agree >= 1]
    if agree.size == 0:
        agree = np.arange(1, n)
    mode = opt_bits[0]
    for _ in range(max_tries):
        new_b, new_bp = b.copy(), b_prime.copy()
        for col in rng.choice(agree, size=min(n_columns, agree.size), replace=True):
            present = rng.random(n) < edge_prob
            present[col:] = False
            sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
            weights = rng.uniform(low, high, size=n) * sign * present
            if mode[col]:
                new_bp[:, col] = weights
            else:
                new_b[:, col] = weights
        new_rewards = np.where(legal, expected_rewards(bits, new_b, new_bp, nu), -np.inf)
        if new_rewards[optimal].max() < new_rewards.max() - tol:
            return new_b, new_bp, new_rewards
    raise RuntimeError(f"no change that dethrones the optimum in {max_tries} redraws")
