"""CSL-UCB's structure learner: asymmetric error control by mutual-information pruning.

The learner of "Asymmetric Graph Error Control with Low Complexity in Causal Bandits"
(Peng, Zhang, Mitra; IEEE TSP 2025), as its public code runs it: every node starts with
every other node as a candidate parent (the complete directed graph), each node is fitted
by least squares on its candidates, and an edge ``p -> n`` is scored by the mutual
information between the fitted residual of ``n`` and ``X_p`` (a non-parent left in the
fit leaks its noise into the residual, Proposition 1 of the supplement) minus
``log |b_pn|`` (a strong weight is evidence for the edge).  The highest-scoring edge is
deleted, its node refitted and rescored, until the graph is acyclic.  Deleting only until
acyclicity leaves spurious edges in place (false positives, whose least-squares weights
shrink towards zero) but rarely deletes a true one (false negatives, which bias every
estimate downstream): that is the asymmetry the paper's title refers to.

The mutual information is scikit-learn's k-NN (Kraskov-Stoegbauer-Grassberger) estimator,
``sklearn.feature_selection.mutual_info_regression`` with ``n_neighbors = 5`` (the
authors wrote their own KSG estimator; scikit-learn's scales each variable to unit
variance and clips negative estimates at 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["is_acyclic", "learn_structure", "least_squares", "residual_mutual_information"]


def is_acyclic(adjacency: np.ndarray) -> bool:
    """True if the directed graph ``adjacency[p, n] = edge p -> n`` has no cycle (Kahn)."""
    adj = np.asarray(adjacency, dtype=bool).copy()
    indegree = adj.sum(axis=0)
    stack = list(np.flatnonzero(indegree == 0))
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        for child in np.flatnonzero(adj[node]):
            indegree[child] -= 1
            if indegree[child] == 0:
                stack.append(child)
        adj[node] = False
    return seen == adj.shape[0]


def least_squares(design: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights and residual of ``target ~ design @ w`` without intercept (the noise mean is
    known and subtracted from the target beforehand)."""
    if design.shape[1] == 0:
        return np.zeros(0), target.copy()
    weights = np.linalg.lstsq(design, target, rcond=None)[0]
    return weights, target - design @ weights


def residual_mutual_information(candidates: np.ndarray, residual: np.ndarray,
                                n_neighbors: int = 5, random_state: int = 0) -> np.ndarray:
    """KSG estimates of ``I(residual; X_p)`` for every column ``p`` of ``candidates``."""
    from sklearn.feature_selection import mutual_info_regression

    if candidates.shape[1] == 0:
        return np.zeros(0)
    return mutual_info_regression(candidates, residual, discrete_features=False,
                                  n_neighbors=n_neighbors, random_state=random_state)


def learn_structure(samples: Sequence[np.ndarray], noise_mean: np.ndarray, *,
                    n_neighbors: int = 5, weight_penalty: float = 1.0,
                    random_state: int = 0) -> np.ndarray:
    """The learned parents of every node: bool adjacency ``(N, N)``, ``[p, n]`` = ``p -> n``.

    ``samples[n]`` is an ``(m_n, N)`` array of the rounds used to learn node ``n``'s
    incoming edges (in CSL-UCB, the rounds in which node ``n`` was in the mode being
    learned); ``noise_mean`` is the known ``nu``.  Every node needs at least two rounds.
    """
    n_nodes = len(samples)
    adjacency = ~np.eye(n_nodes, dtype=bool)
    scores = np.full((n_nodes, n_nodes), -np.inf)

    def refit(node: int) -> None:
        data = samples[node]
        parents = np.flatnonzero(adjacency[:, node])
        scores[:, node] = -np.inf
        if parents.size == 0:
            return
        design = data[:, parents]
        weights, residual = least_squares(design, data[:, node] - noise_mean[node])
        info = residual_mutual_information(design, residual, n_neighbors, random_state)
        with np.errstate(divide="ignore"):
            scores[parents, node] = info - weight_penalty * np.log(np.abs(weights))

    for node in range(n_nodes):
        refit(node)
    while not is_acyclic(adjacency):
        p, node = np.unravel_index(int(np.argmax(scores)), scores.shape)
        adjacency[p, node] = False
        refit(int(node))
    return adjacency
