"""Agents of the causal-bandit family (CausalBandit-v0, CausalBanditDrift-v0).

Importing this package registers ``oracle``, ``csl-ucb`` (the paper's algorithm),
``ucb``, ``causal-sw-ucb``, ``golem-mab`` and ``linsem-ts``.
"""

from papergym.agents.base import register_agent
from papergym.agents.causal.common import CausalAgent, needs_all_interventions
from papergym.agents.causal.csl_ucb import CSLUCBAgent, ucb_widths
from papergym.agents.causal.golem_mab import GolemMABAgent, fit_linear_dag
from papergym.agents.causal.linsem_ts import LinSEMTSAgent
from papergym.agents.causal.oracle import OracleAgent
from papergym.agents.causal.ucb import UCBAgent
from papergym.envs import family_env_ids

__all__ = ["CSLUCBAgent", "CausalAgent", "GolemMABAgent", "LinSEMTSAgent", "OracleAgent",
           "UCBAgent", "fit_linear_dag", "ucb_widths"]

_IDS = family_env_ids("causal")


def _stationary_only(env_id, kwargs):
    if kwargs.get("change_fractions"):
        return "plain UCB is the stationary baseline; causal-sw-ucb is the drifting one"
    return None


def _drifting_only(env_id, kwargs):
    if not kwargs.get("change_fractions"):
        return "sliding-window UCB is the drifting variant's baseline; ucb is the stationary one"
    return None


register_agent("oracle", OracleAgent, _IDS, reference=True)
register_agent("csl-ucb", CSLUCBAgent, _IDS, reference=True)
register_agent("ucb", UCBAgent, _IDS, reference=True, applies_to=_stationary_only)
register_agent("causal-sw-ucb", UCBAgent, _IDS, reference=True, applies_to=_drifting_only, window=10)
# not a reference agent: two DAGMA fits (about 1 s) per episode would take the quick
# leaderboard (make demo) over its budget; the full leaderboard and the claim tests run it
register_agent("golem-mab", GolemMABAgent, _IDS, reference=False,
               applies_to=needs_all_interventions)
register_agent("linsem-ts", LinSEMTSAgent, _IDS, reference=True)
