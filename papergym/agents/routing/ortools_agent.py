"""OR-Tools routing as a second classical reference (CAMP's repository uses OR-Tools too).

Multi-trip is modelled exactly by virtual vehicles: vehicle k becomes ``T_k`` copies
(trips), each leaving and returning to the depot with the full capacity, and since the
objective sums route times, the trips of one vehicle cost what the multi-trip route
costs. Arc costs per vehicle as ``PyVRPAgent``'s (``time_weight * d / speed +
pref_weight * (1 - P[k, j])``, integers), zones as allowed vehicles per client, capacity
as a dimension; guided local search stopped after ``solution_limit`` solutions (a count,
not a time, so a run is repeatable).

Needs ``ortools`` (9.15; it pins protobuf < 7), an optional dependency: the agent says so
where it is missing.
"""

from __future__ import annotations

import math

import numpy as np

from papergym.agents.routing.heuristics import RoutePlanAgent

__all__ = ["ORToolsAgent", "ortools_missing"]


def ortools_missing(env_id=None, kwargs=None) -> str | None:
    try:
        import ortools  # noqa: F401
    except ImportError:
        return "needs the optional package ortools (pip install ortools)"
    return None


class ORToolsAgent(RoutePlanAgent):
    """OR-Tools' routing solver on the folded costs (see the module docstring)."""

    name = "ortools"
    paper = "Perron and Didier, OR-Tools routing (Google), v9.15"
    requires_model = True
    SCALE = 10_000

    def __init__(self, solution_limit: int = 200, time_weight: float = 0.8,
                 pref_weight: float = 0.2):
        self.solution_limit = solution_limit
        self.time_weight = time_weight
        self.pref_weight = pref_weight

    def solve(self, inst) -> list[list[int]]:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        n, m = inst.n, inst.m
        dist = inst.distances()
        trips = []
        for k in range(m):
            load = inst.demand[1:][inst.allowed[k]].sum()
            trips.append(max(1, math.ceil(load / inst.capacity[k]) + 1))
        parent = [k for k in range(m) for _ in range(trips[k])]
        manager = pywrapcp.RoutingIndexManager(n + 1, len(parent), 0)
        routing = pywrapcp.RoutingModel(manager)
        for k in range(m):
            pref = np.concatenate([[1.0], inst.profile[k]])
            cost = self.time_weight * dist / inst.speed[k] \
                + self.pref_weight * (1.0 - pref)[None, :]
            cost[:, 0] = self.time_weight * dist[:, 0] / inst.speed[k]
            np.fill_diagonal(cost, 0.0)
            callback = routing.RegisterTransitMatrix(
                np.rint(self.SCALE * cost).astype(int).tolist())
            for v, p in enumerate(parent):
                if p == k:
                    routing.SetArcCostEvaluatorOfVehicle(callback, v)
        demand = routing.RegisterUnaryTransitVector([int(d) for d in inst.demand])
        routing.AddDimensionWithVehicleCapacity(
            demand, 0, [int(inst.capacity[p]) for p in parent], True, "load")
        for j in range(1, n + 1):
            allowed = [v for v, p in enumerate(parent) if inst.allowed[p, j - 1]]
            if len(allowed) < len(parent):
                routing.VehicleVar(manager.NodeToIndex(j)).SetValues([-1, *allowed])
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = \
            routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
        params.local_search_metaheuristic = \
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.solution_limit = self.solution_limit
        solution = routing.SolveWithParameters(params)
        if solution is None:
            raise RuntimeError("OR-Tools found no solution")
        routes: list[list[int]] = [[] for _ in range(m)]
        for v, p in enumerate(parent):
            index, trip = routing.Start(v), []
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if node:
                    trip.append(node)
                index = solution.Value(routing.NextVar(index))
            if trip:
                routes[p] += ([0] if routes[p] else []) + trip
        return routes

