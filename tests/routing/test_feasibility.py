"""Claim: every agent's solution is feasible (each client once, capacity, zones) on both
forms, and the objective the env reports equals an independent recomputation from the
routes (hypothesis fuzzing over random instances)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.routing.helpers import (
    AGENTS,
    assert_objective_recomputed,
    assert_routes_feasible,
    play_parallel,
    play_single,
)

instances = st.fixed_dictionaries({
    "n": st.integers(1, 14), "m": st.integers(1, 4),
    "distribution": st.sampled_from(["random", "pi", "block", "cluster"]),
    "zones": st.booleans(), "capacity": st.sampled_from([9.0, 15.0, 40.0]),
    "seed": st.integers(0, 2**16)})

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("agent", AGENTS)
@FUZZ
@given(case=instances)
def test_single_agent_form_feasible_and_objective_recomputed(agent, case):
    case = dict(case)
    seed = case.pop("seed")
    metrics, routes, inst, ret = play_single(agent, seed=seed, **case)
    assert metrics["feasible"] == 1.0
    assert_routes_feasible(inst, routes)
    assert_objective_recomputed(metrics, routes, inst, ret)


@pytest.mark.parametrize("agent", AGENTS)
@FUZZ
@given(case=instances)
def test_parallel_form_feasible_and_objective_recomputed(agent, case):
    case = dict(case)
    seed = case.pop("seed")
    metrics, routes, inst, ret = play_parallel(agent, seed=seed, **case)
    assert metrics["feasible"] == 1.0
    assert_routes_feasible(inst, routes)
    assert_objective_recomputed(metrics, routes, inst, ret)


def test_zone_constraints_bind_in_pvrp_zc():
    """With zones some pairs are forbidden, and the solution still respects them."""
    metrics, routes, inst, _ = play_single("pyvrp", seed=3, n=30, m=5, zones=True)
    assert (~inst.allowed).any()
    assert_routes_feasible(inst, routes)


def test_independent_check_catches_a_broken_route():
    """The independent checker is not vacuous: a duplicated client fails it."""
    _, routes, inst, _ = play_single("pvrp-greedy", seed=0, n=10, m=2)
    broken = [list(r) for r in routes]
    broken[0].append(broken[0][0] if broken[0][0] else broken[1][0])
    with pytest.raises(AssertionError):
        assert_routes_feasible(inst, broken)
