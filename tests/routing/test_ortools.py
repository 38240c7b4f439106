"""OR-Tools, the second classical reference (optional dependency: skipped without it)."""

from __future__ import annotations

import pytest

from papergym.envs.routing.datasets import test_instances
from papergym.envs.routing.generators import route_cost
from tests.routing.helpers import assert_routes_feasible

pytest.importorskip("ortools")


@pytest.mark.parametrize(("n", "m", "zones"), [(12, 2, False), (30, 5, True), (40, 3, False)])
def test_ortools_routes_feasible_and_better_than_greedy(n, m, zones):
    from papergym.agents.routing.ortools_agent import ORToolsAgent
    from tests.routing.test_claims import _greedy_routes

    inst = test_instances(n, m, zones=zones, count=1)[0]
    routes = ORToolsAgent(solution_limit=50).solve(inst)
    assert_routes_feasible(inst, routes)

    def objective(r):
        time, pref = route_cost(inst, r)
        return 0.2 * pref - 0.8 * time

    assert objective(routes) > objective(_greedy_routes(inst))


def test_ortools_agent_plays_both_forms():
    from tests.routing.helpers import play_parallel, play_single

    for play in (play_single, play_parallel):
        metrics, routes, inst, _ = play("ortools", seed=0, n=10, m=2, zones=True)
        assert metrics["feasible"] == 1.0
        assert_routes_feasible(inst, routes)
