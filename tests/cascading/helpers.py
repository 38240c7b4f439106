"""Shared helpers of the cascading tests."""

from papergym.agents.cascading.runs import regret_trace

__all__ = ["regret_trace"]
