"""LLM-serving papers as environment-wrapped optimisation tasks (docs/serving.md).

``DisaggregatedServing-v0`` (DistServe, OSDI 2024) places prefill and decode on GPUs over a
discrete-event simulator; ``ExpertOffloading-v0`` (ExpertFlow) keeps experts of a
mixture-of-experts model on the GPU; ``LLMRouting-v0`` and its variants route queries
(Tryage, EllieSQL, Duo-LLM). Only DistServe's simulator is faithful to published
measurements; the other three are synthetic stand-ins (see each docstring).
"""

from papergym.envs.registration import register_env

PAPER = ("DistServe (OSDI 2024, arXiv 2401.09670); ExpertFlow (arXiv 2410.17954); "
         "Tryage (arXiv 2308.11601); EllieSQL (arXiv 2503.22402); Duo-LLM (arXiv 2410.10846)")

register_env("serving", PAPER, "DisaggregatedServing-v0",
             "papergym.envs.serving.disaggregated:DisaggregatedServingEnv")
register_env("serving", PAPER, "ExpertOffloading-v0",
             "papergym.envs.serving.experts:ExpertOffloadingEnv")
_ROUTING = "papergym.envs.serving.routing:LLMRoutingEnv"
register_env("serving", PAPER, "LLMRouting-v0", _ROUTING, kwargs={"variant": "tryage"})
register_env("serving", PAPER, "LLMRoutingSQL-v0", _ROUTING, kwargs={"variant": "elliesql"})
register_env("serving", PAPER, "LLMRoutingDuo-v0", _ROUTING,
             kwargs={"variant": "duo", "lam": 0.0})
