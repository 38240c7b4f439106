"""Classical PVRP agents: greedy (preference-blind and -aware), sweep, and PyVRP's HGS.

Every agent plays both forms of the problem: the single-agent ``PVRP-v0`` (one action picks
a vehicle and a node) and the PettingZoo ``PVRPParallel-v0`` (one agent per vehicle; the
agent learns its vehicle index from ``info["vehicle"]`` at reset).
"""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent

CAMP = ("Hua, Berto, Son, Kang, Kwon, Park, CAMP: Collaborative Attention Model with "
        "Profiles for Vehicle Routing Problems, AAMAS 2025 (arXiv 2501.02977)")


def _parallel(observation) -> bool:
    return isinstance(observation, dict) and "vehicle" in observation


class GreedyAgent(Agent):
    """Nearest feasible client: among every legal (vehicle, client) move, the shortest
    trip (preference-blind); a vehicle with no feasible client goes back to its depot to
    refill. With ``pref_weight > 0``, the score is ``time_weight * trip - pref_weight *
    preference`` (preference-aware greedy; the env's default weights)."""

    name = "pvrp-greedy"
    paper = ("Rosenkrantz, Stearns, Lewis, An analysis of several heuristics for the "
             "traveling salesman problem, SIAM J. Computing 1977 (nearest neighbour)")

    def __init__(self, time_weight: float = 1.0, pref_weight: float = 0.0):
        self.time_weight = time_weight
        self.pref_weight = pref_weight

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.vehicle = info.get("vehicle")

    def _scores(self, xy_from: np.ndarray, nodes: np.ndarray, pref: np.ndarray) -> np.ndarray:
        trip = np.sqrt(((nodes[:, :2] - xy_from) ** 2).sum(-1))
        return self.time_weight * trip - self.pref_weight * pref

    def act(self, observation, info):
        if _parallel(observation):
            mask = observation["action_mask"].astype(bool)
            nodes = observation["nodes"]
            clients = mask.copy()
            clients[0] = False
            if clients.any():
                scores = self._scores(observation["vehicle"][:2], nodes, nodes[:, 4])
                return int(np.flatnonzero(clients)[np.argmin(scores[clients])])
            return 0 if mask[0] else int(np.flatnonzero(mask)[0])
        mask = np.asarray(info["action_mask"]).astype(bool)
        nodes, vehicles, profile = (observation["nodes"], observation["vehicles"],
                                    observation["profile"])
        n1 = len(nodes)
        best, best_score = None, np.inf
        for k in range(len(vehicles)):
            legal = mask[k * n1:(k + 1) * n1].copy()
            legal[0] = False
            if not legal.any():
                continue
            scores = self._scores(vehicles[k, :2], nodes, profile[k])
            j = int(np.flatnonzero(legal)[np.argmin(scores[legal])])
            if scores[j] < best_score:
                best, best_score = k * n1 + j, scores[j]
        if best is not None:
            return best
        # nobody can serve anyone: the fullest vehicle away from its depot goes back
        away = [k for k in range(len(vehicles)) if mask[k * n1]]
        k = min(away, key=lambda k: vehicles[k, 2])
        return k * n1


class PreferenceGreedyAgent(GreedyAgent):
    """Preference-aware greedy: ``0.8 * trip - 0.2 * preference`` (CAMP's weights)."""

    name = "pvrp-greedy-preference"
    paper = GreedyAgent.paper + "; scores weighted as CAMP's objective (AAMAS 2025)"

    def __init__(self, time_weight: float = 0.8, pref_weight: float = 0.2):
        super().__init__(time_weight, pref_weight)


class SweepAgent(Agent):
    """The sweep heuristic (Gillett and Miller, 1974): clients sorted by polar angle
    around the depot, cut into ``m`` consecutive sectors of about equal demand; each vehicle
    serves its sector in angle order (angles from 0, so with ``pi`` profiles sector k is
    vehicle k's own), going back to the depot when the next client does
    not fit. Clients a vehicle may not serve (zones) are left to the greedy rule at the end.
    Needs the instance (``requires_model``) to plan the sectors once."""

    name = "sweep"
    paper = ("Gillett and Miller, A heuristic algorithm for the vehicle-dispatch problem, "
             "Operations Research 1974")
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        inst = env_model
        rel = inst.locs[1:] - inst.locs[0]
        order = np.argsort(np.arctan2(rel[:, 1], rel[:, 0]) % (2 * np.pi)) + 1
        share = np.cumsum(inst.demand[order]) / inst.demand[1:].sum()
        sector = np.minimum((share * inst.m - 1e-9).astype(int), inst.m - 1)
        self.plans = [[int(c) for c in order[sector == k] if inst.allowed[k, c - 1]]
                      for k in range(inst.m)]
        self.vehicle = info.get("vehicle")
        self.fallback = GreedyAgent()
        self.fallback.reset(observation, info, seed=seed)

    def _next(self, k: int, legal: np.ndarray, at_depot: bool) -> int | None:
        plan = self.plans[k]
        while plan and not legal[plan[0]] and not self._served(plan[0]):
            if at_depot:            # cannot be over capacity at the depot: forbidden, skip
                plan.pop(0)
                continue
            return 0                # over capacity: back to the depot first
        while plan and self._served(plan[0]):
            plan.pop(0)
        if plan and legal[plan[0]]:
            return plan.pop(0)
        return None

    def act(self, observation, info):
        if _parallel(observation):
            self._nodes = observation["nodes"]
            mask = observation["action_mask"].astype(bool)
            at_depot = not mask[0] or np.allclose(observation["vehicle"][:2], self._nodes[0, :2])
            j = self._next(self.vehicle, mask, at_depot)
            if j is not None and mask[j]:
                return int(j)
            return self.fallback.act(observation, info)
        self._nodes = observation["nodes"]
        mask = np.asarray(info["action_mask"]).astype(bool)
        n1 = len(self._nodes)
        for k in range(len(self.plans)):
            legal = mask[k * n1:(k + 1) * n1]
            j = self._next(k, legal, not legal[0])
            if j is not None and legal[j]:
                return k * n1 + int(j)
        return self.fallback.act(observation, info)

    def _served(self, node: int) -> bool:
        return bool(self._nodes[node, 3] > 0.5)


class RoutePlanAgent(Agent):
    """An agent that plans every vehicle's route once per instance at reset
    (``solve(model)``, ``requires_model``) and replays the plan (:func:`play_routes`), a
    vehicle whose next node is no longer legal falling back to greedy.  PyVRP, OR-Tools
    and CAMP are such agents; a subclass writes only ``solve``."""

    requires_model = True

    def solve(self, model) -> list[list[int]]:
        raise NotImplementedError

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.routes = self.solve(env_model)
        self.vehicle = info.get("vehicle")
        self.fallback = GreedyAgent()
        self.fallback.reset(observation, info, seed=seed)

    def act(self, observation, info):
        return play_routes(self, observation, info)


class PyVRPAgent(RoutePlanAgent):
    """The classical reference: PyVRP's hybrid genetic search (Wouda, Lan, Kool, 2024) on
    the instance with the profile folded into the arc costs and zones as forbidden arcs,
    as CAMP's baselines do. Each vehicle is a vehicle type of its own with a distance
    profile ``time_weight * d(a, b) / speed - pref_weight * P[k, b]`` (shifted by
    ``pref_weight`` to stay non-negative, scaled to integers), capacity, and reloads at
    the depot (multi-trip, as the env allows). ``iterations`` bounds the search."""

    name = "pyvrp"
    paper = "Wouda, Lan, Kool, PyVRP: a high-performance VRP solver package, INFORMS J. Computing 2024"
    requires_model = True

    SCALE = 10_000

    def __init__(self, iterations: int = 300, time_weight: float = 0.8, pref_weight: float = 0.2):
        self.iterations = iterations
        self.time_weight = time_weight
        self.pref_weight = pref_weight

    def solve(self, inst) -> list[list[int]]:
        """One node list per vehicle (0 = a reload at the depot), the final return implied."""
        from pyvrp import Model
        from pyvrp.stop import MaxIterations

        model = Model()
        locations = [model.add_location(x=float(x), y=float(y)) for x, y in inst.locs]
        depot = model.add_depot(locations[0])
        for j in range(1, inst.n + 1):
            model.add_client(locations[j], delivery=[int(inst.demand[j])])
        dist = inst.distances()
        big = self.SCALE * 100
        for k in range(inst.m):
            profile = model.add_profile()
            model.add_vehicle_type(num_available=1, capacity=[int(inst.capacity[k])],
                                   profile=profile, reload_depots=[depot], name=f"v{k}")
            for a in range(inst.n + 1):
                for b in range(inst.n + 1):
                    if a == b:
                        continue
                    pref = inst.profile[k, b - 1] if b > 0 else 0.0
                    cost = self.time_weight * dist[a, b] / inst.speed[k] \
                        + self.pref_weight * (1.0 - pref)
                    if b > 0 and not inst.allowed[k, b - 1]:
                        cost = big
                    model.add_edge(locations[a], locations[b],
                                   distance=int(round(self.SCALE * cost)), profile=profile)
        result = model.solve(stop=MaxIterations(self.iterations), seed=0, display=False)
        routes: list[list[int]] = [[] for _ in range(inst.m)]
        for route in result.best.routes():
            # a scheduled activity's idx counts within its kind: clients from 0
            visits = [0 if a.is_depot() else int(a.idx) + 1 for a in route.schedule()]
            plan: list[int] = []
            for node in visits[1:-1]:          # drop the start and the final return
                if node != 0 or (plan and plan[-1] != 0):
                    plan.append(node)          # one reload between trips, not two
            routes[route.vehicle_type()] = plan
        return routes



def play_routes(agent, observation, info) -> int:
    """Replay planned routes (``agent.routes``, one node list per vehicle, 0 = a reload):
    in the single-agent form the first vehicle with a legal next node moves; in the
    parallel form ``agent.vehicle`` moves along its own route. A node that is no longer
    legal hands the step to ``agent.fallback`` (greedy)."""
    if _parallel(observation):
        plan = agent.routes[agent.vehicle]
        mask = observation["action_mask"].astype(bool)
        if plan and mask[plan[0]]:
            return plan.pop(0)
        return agent.fallback.act(observation, info)
    mask = np.asarray(info["action_mask"]).astype(bool)
    n1 = len(observation["nodes"])
    for k, plan in enumerate(agent.routes):
        while plan and plan[0] == 0 and not mask[k * n1]:
            plan.pop(0)          # a reload where the vehicle already is
        if plan and mask[k * n1 + plan[0]]:
            return k * n1 + plan.pop(0)
    return agent.fallback.act(observation, info)
