"""Agents of the serving family: DistServe's placement search and its baselines,
ExpertFlow-style expert caches, and query routers (docs/serving.md)."""

from papergym.agents.base import register_agent
from papergym.agents.serving.experts import (
    LRUExpertAgent,
    LRURegroupAgent,
    OracleExpertAgent,
    PredictiveExpertAgent,
    PredictiveRegroupAgent,
    StaticFrequentAgent,
)
from papergym.agents.serving.placement import (
    ColocatedBestAgent,
    DistServeSearchAgent,
    RandomSearchAgent,
)
from papergym.agents.serving.routers import (
    AlwaysBestRouter,
    AlwaysCheapestRouter,
    LinUCBRouter,
    OracleRouter,
    PredictiveRouter,
    ThompsonRouter,
)

__all__ = ["AlwaysBestRouter", "AlwaysCheapestRouter", "ColocatedBestAgent",
           "DistServeSearchAgent", "LRUExpertAgent", "LRURegroupAgent", "LinUCBRouter",
           "OracleExpertAgent", "OracleRouter", "PredictiveExpertAgent",
           "PredictiveRegroupAgent", "PredictiveRouter", "RandomSearchAgent",
           "StaticFrequentAgent", "ThompsonRouter"]

PLACEMENT = ("DisaggregatedServing-v0",)
EXPERTS = ("ExpertOffloading-v0",)
ROUTING = ("LLMRouting-v0", "LLMRoutingSQL-v0", "LLMRoutingDuo-v0")


def _regroup_is(value: bool):
    def check(env_id, kwargs):
        if bool(kwargs.get("regroup")) != value:
            return f"needs regroup={value} (it {'re' if value else 'does not re'}groups tokens)"
        return None
    return check


register_agent("distserve-search", DistServeSearchAgent, PLACEMENT, reference=True)
register_agent("colocated-best", ColocatedBestAgent, PLACEMENT, reference=True)
register_agent("random-search", RandomSearchAgent, PLACEMENT, reference=True)

register_agent("expert-predictive", PredictiveExpertAgent, EXPERTS, reference=True,
               applies_to=_regroup_is(False))
register_agent("expert-predictive-regroup", PredictiveRegroupAgent, EXPERTS, reference=True,
               applies_to=_regroup_is(True))
register_agent("expert-lru", LRUExpertAgent, EXPERTS, reference=True,
               applies_to=_regroup_is(False))
register_agent("expert-lru-regroup", LRURegroupAgent, EXPERTS, applies_to=_regroup_is(True))
register_agent("expert-static-frequent", StaticFrequentAgent, EXPERTS,
               applies_to=_regroup_is(False))
register_agent("expert-oracle", OracleExpertAgent, EXPERTS, reference=True,
               applies_to=_regroup_is(False))

register_agent("route-oracle", OracleRouter, ROUTING, reference=True)
register_agent("route-always-cheapest", AlwaysCheapestRouter, ROUTING, reference=True)
register_agent("route-always-best", AlwaysBestRouter, ROUTING, reference=True)
register_agent("route-linucb", LinUCBRouter, ROUTING, reference=True)
register_agent("route-thompson", ThompsonRouter, ROUTING)
register_agent("route-predictive", PredictiveRouter, ROUTING, reference=True)
