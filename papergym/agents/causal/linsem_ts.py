"""LinSEM-TS (Varici, Shanmugam, Sattigeri, Tajer; "Causal Bandits for Linear Structural
Equation Models", JMLR 2023, arXiv 2208.12764) given the true parents: an upper reference."""

from __future__ import annotations

import numpy as np

from papergym.agents.causal.common import CausalAgent
from papergym.envs.causal.sem import expected_rewards
from papergym.utils.checks import check_real

__all__ = ["LinSEMTSAgent"]


class LinSEMTSAgent(CausalAgent):
    """Thompson sampling on the SEM weights with the true parent sets of ``B`` and ``B'``.

    Per node and mode a Gaussian posterior ``N(V^{-1} g, variance V^{-1})`` over the
    incoming weights of its true parents (``V = I + sum x_pa x_pa^T``, ``g = sum x_pa
    (x_n - nu_n)``); every round samples both weight matrices, plays the intervention with
    the best sampled ``[mu_a]_N`` (all legal interventions, one batched substitution) and
    updates each node's posterior in the mode it was played in.  The parents are those of
    the first segment (the authors' comparison does the same in the drifting run).
    """

    name = "linsem-ts"
    paper = ("Varici, Shanmugam, Sattigeri, Tajer, Causal Bandits for Linear Structural "
             "Equation Models, JMLR 2023")
    requires_model = True

    def __init__(self, variance: float = 1.0):
        self.variance = check_real("variance", variance, low=0.0, low_open=True)

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        b, b_prime = env_model.segments[0]
        n = self.n_nodes
        self._parents = [[np.flatnonzero(m[:, i]) for i in range(n)] for m in (b, b_prime)]
        self._v_inv = [[np.eye(p.size) for p in mode] for mode in self._parents]
        self._g = [[np.zeros(p.size) for p in mode] for mode in self._parents]
        self._mean = [[np.zeros(p.size) for p in mode] for mode in self._parents]
        self._legal_bits = self.bits[self.legal]

    def act(self, observation, info):
        n = self.n_nodes
        sampled = np.zeros((2, n, n))
        for mode in (0, 1):
            for i in range(n):
                parents = self._parents[mode][i]
                if parents.size:
                    chol = np.linalg.cholesky(self.variance * self._v_inv[mode][i])
                    sampled[mode, parents, i] = (self._mean[mode][i]
                                                 + chol @ self.rng.standard_normal(parents.size))
        values = expected_rewards(self._legal_bits, sampled[0], sampled[1], self.nu)
        return self.emit(self.legal[int(np.argmax(values))])

    def observe(self, action, reward, observation, terminated, truncated, info):
        x = np.asarray(observation, dtype=float)
        bits = self.bits[self.index_of(action)]
        for i in range(self.n_nodes):
            mode = int(bits[i])
            parents = self._parents[mode][i]
            if parents.size:
                xp = x[parents]
                v_inv = self._v_inv[mode][i]
                u = v_inv @ xp  # Sherman-Morrison: (V + x x^T)^{-1}
                v_inv -= np.outer(u, u) / (1.0 + xp @ u)
                self._g[mode][i] += xp * (x[i] - self.nu[i])
                self._mean[mode][i] = v_inv @ self._g[mode][i]
        super().observe(action, reward, observation, terminated, truncated, info)
