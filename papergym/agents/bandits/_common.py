"""Shared helpers of the bandit agents: which env an agent applies to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LSD_ID = "LSDBandit-v0"
STREAMING_ID = "StreamingBandit-v0"

LAFORGUE = ("Laforgue, Clerici, Cesa-Bianchi, Gilad-Bachrach, Last Switch Dependent Bandits "
            "(AISTATS 2022, arXiv 2110.11819)")
FOUSSOUL = ("Foussoul, Goyal, Papadigenopoulos, Zeevi, Last Switch Dependent Bandits with "
            "Monotone Payoff Functions (ICML 2023, arXiv 2306.00338)")
WANG = ("Chen Wang, Tight Regret Bounds for Single-pass Streaming Multi-armed Bandits "
        "(ICML 2023, arXiv 2306.02208)")


def only(env_id: str, extra: Callable[[Mapping[str, Any]], str | None] | None = None):
    """An ``applies_to`` accepting ``env_id`` only (plus an optional kwargs check)."""

    def applies_to(given_id: str, kwargs: Mapping[str, Any]) -> str | None:
        if given_id != env_id:
            return f"applies to {env_id} only"
        return extra(kwargs) if extra is not None else None

    return applies_to


def unsigned(kwargs: Mapping[str, Any]) -> str | None:
    """Laforgue et al.'s block learners model delay-only (unsigned) states."""
    return "needs signed=False (delay-only states)" if kwargs.get("signed") else None
