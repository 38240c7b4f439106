"""CascadingBPI (Du, Srikant, Chen, ICLR 2024): best-policy identification with the
BestPerm oracle.

The paper's: optimistic planning over lists with BestPerm and a stopping rule on the
uncertainty of the value (sample complexity ``O~(H^3 S N / eps^2)``).  Ours: the estimates
and radii of CascadingVI; the lower value is the exact least value of the optimistic
policy over the attraction box ``[q_lo, q_up]`` with pessimistic weights
``w_lo = max(0, r_lo + p_hat . V_lo_{h+1} - (H - h - 1) radius_p)``; the rule stops when
``V_up_1(s_1) - V_lo_1(s_1) <= epsilon`` and then commits to that optimistic policy.
"""

from __future__ import annotations

import numpy as np

from papergym.agents.cascading._common import StoppingRule
from papergym.agents.cascading.cascading_vi import PAPER, CascadingVIAgent, Estimates
from papergym.envs.cascading.model import pessimistic_list_value

__all__ = ["CascadingBPIAgent"]


class CascadingBPIAgent(StoppingRule, CascadingVIAgent):
    """CascadingBPI: explore with CascadingVI's optimistic lists until the stopping rule
    fires, then play the identified policy for the rest of the run.  After the run,
    ``stopped_episode`` is the sample complexity (paper episodes used; None if it never
    stopped) and ``policy`` (H, S, m) the identified lists."""

    name = "cascading-bpi"
    paper = PAPER

    def _lower_value(self, est: Estimates, lists: np.ndarray) -> np.ndarray:
        N, H = self.n_items, self.horizon
        value = np.zeros((H + 1, self.n_states))
        for h in range(H - 1, -1, -1):
            span = H - h - 1
            future = est.p_hat @ value[h + 1] - span * est.radius_p
            w_lo = np.maximum(est.r_lo + future[:, :N], 0.0)
            w_bot = np.maximum(future[:, N], 0.0)
            for s in range(self.n_states):
                items = [int(a) for a in lists[h, s] if a < N]
                value[h, s] = pessimistic_list_value(est.q_lo[s], est.q_up[s], w_lo[s],
                                                     w_bot[s], items)
        return value

    def plan(self) -> None:
        if self.stopped:
            return
        est = self._estimates()
        upper = self.upper_value = self._upper_plan(est)
        lists = self.current_lists()
        self._stop_if_identified(upper, self._lower_value(est, lists), lambda: lists)

    def act(self, observation, info):
        s, h = int(observation[0]), int(observation[1])
        if h == 0:
            self.plan()
        if self.stopped:
            return self.policy[h, s].copy()
        return self.encode(self.current_list(h, s))
