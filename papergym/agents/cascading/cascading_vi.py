"""CascadingVI (Du, Srikant, Chen, ICLR 2024): optimistic value iteration over item lists,
planned with the BestPerm oracle.

What is the paper's: upper and lower estimates of every attraction probability, a
transition bonus, optimistic backward induction whose maximisation over lists is BestPerm,
attraction counts for every examined item and transition counts only for the clicked item
(or the no-click item).  What is ours (the paper's algorithm box is not available to us):
the radius ``bonus_scale * sqrt(L / (2 n))`` (Hoeffding) for attraction, and ``(H - h - 1)``
times it for the transition term, with ``L`` of :func:`confidence_log`; rewards are
deterministic and learned at the first click (1, optimistic, before it); values are capped
at their range ``H - h``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from papergym.agents.cascading._common import CascadingAgent, CascadingStats, confidence_log
from papergym.envs.cascading.model import best_perm_table, trace_list
from papergym.utils.checks import check_real

__all__ = ["CascadingVIAgent", "Estimates"]

PAPER = "Du, Srikant, Chen, Cascading Reinforcement Learning, ICLR 2024, arXiv 2401.08961"


class Estimates:
    """The optimistic and pessimistic model of the current statistics (arrays over states
    and items): ``q_up``, ``q_lo`` (S, N); ``r_up``, ``r_lo`` (S, N); ``p_hat`` (S, N + 1,
    S); ``radius_p`` (S, N + 1), the transition radius per unit of value range (1 where
    never visited)."""

    def __init__(self, stats: CascadingStats, log_term: float, bonus_scale: float):
        n = stats.examined
        seen = n > 0
        n1 = np.maximum(n, 1.0)
        q_hat = stats.clicks / n1
        radius = bonus_scale * np.sqrt(log_term / (2.0 * n1))
        self.q_up = np.where(seen, np.minimum(1.0, q_hat + radius), 1.0)
        self.q_lo = np.where(seen, np.maximum(0.0, q_hat - radius), 0.0)
        clicked = stats.clicks > 0
        r_hat = stats.reward_sum / np.maximum(stats.clicks, 1.0)
        self.r_up = np.where(clicked, r_hat, 1.0)
        self.r_lo = np.where(clicked, r_hat, 0.0)
        visits = stats.visits
        self.p_hat = stats.next_counts / np.maximum(visits, 1.0)[..., None]
        self.radius_p = np.where(visits > 0, np.minimum(
            1.0, bonus_scale * np.sqrt(log_term / (2.0 * np.maximum(visits, 1.0)))), 1.0)


class CascadingVIAgent(CascadingAgent):
    """CascadingVI: each paper episode, optimistic backward induction
    ``w_up(s, a) = min(H - h, r_up + p_hat . V_up_{h+1} + (H - h - 1) radius_p)``,
    ``V_up_h(s) = BestPerm(q_up(s), w_up(s), w_bot_up(s))``, then the BestPerm list of the
    current (h, s) at every step.  Learns afresh in each Gymnasium episode (one run)."""

    name = "cascading-vi"
    paper = PAPER

    def __init__(self, delta: float = 0.005, bonus_scale: float = 1.0):
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True,
                                high_open=True)
        self.bonus_scale = check_real("bonus_scale", bonus_scale, low=0.0)

    def reset(self, observation, info, *, env_model=None, seed=None) -> None:
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.stats = CascadingStats(self.n_states, self.n_items)
        self.episode = 0
        self.initial_state = int(observation[0])
        self._tables: list[Any] = [None] * self.horizon

    def _estimates(self) -> Estimates:
        L = confidence_log(self.n_states, self.n_items, self.horizon, self.episode, self.delta)
        return Estimates(self.stats, L, self.bonus_scale)

    def _upper_plan(self, est: Estimates) -> np.ndarray:
        """Optimistic backward induction; fills ``self._tables[h]`` (BestPerm's sorted order
        and DP table) and returns ``V_up`` (H + 1, S)."""
        N, m, H = self.n_items, self.list_size, self.horizon
        value = np.zeros((H + 1, self.n_states))
        for h in range(H - 1, -1, -1):
            span = H - h - 1
            future = est.p_hat @ value[h + 1] + span * est.radius_p  # (S, N + 1)
            w_up = np.minimum(est.r_up + future[:, :N], span + 1.0)
            w_bot = np.minimum(future[:, N], float(span))
            order, table = best_perm_table(est.q_up, w_up, w_bot, m)
            self._tables[h] = (order, table)
            value[h] = table[:, 0, m]
        return value

    def plan(self) -> None:
        """Replan from the current statistics (at the start of every paper episode)."""
        self.upper_value = self._upper_plan(self._estimates())

    def current_list(self, h: int, s: int) -> list[int]:
        order, table = self._tables[h]
        return trace_list(order, table, s, self.list_size)

    def current_lists(self) -> np.ndarray:
        """Every ``current_list`` as an (H, S, m) array, shorter lists padded with
        ``n_items`` (the env's "no item")."""
        lists = np.full((self.horizon, self.n_states, self.list_size), self.n_items,
                        dtype=np.int64)
        for h in range(self.horizon):
            for s in range(self.n_states):
                items = self.current_list(h, s)
                lists[h, s, :len(items)] = items
        return lists

    def act(self, observation, info):
        s, h = int(observation[0]), int(observation[1])
        if h == 0:
            self.plan()
        return self.encode(self.current_list(h, s))

    def observe(self, action, reward, observation, terminated, truncated, info) -> None:
        self.stats.update(float(reward), info)
        if info["episode_end"]:
            self.episode += 1
