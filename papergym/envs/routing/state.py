"""The PVRP state machine both PVRP envs step: positions, loads, times, served clients.

Node 0 is the depot (every vehicle has its own copy at the same place); nodes 1..n are the
clients. A vehicle may visit an unserved client it is allowed to serve whose demand fits
its free capacity, or go back to the depot, which empties it. When every client is served,
every vehicle returns to its depot and the episode ends.
"""

from __future__ import annotations

import numpy as np

from papergym.envs.routing.generators import PVRPInstance

__all__ = ["PVRPState"]


class PVRPState:
    def __init__(self, inst: PVRPInstance, weights: tuple[float, float]):
        self.inst = inst
        self.w_time, self.w_pref = weights
        self.dist = inst.distances()
        self.pos = np.zeros(inst.m, dtype=np.int64)
        self.load = np.zeros(inst.m)
        self.time = np.zeros(inst.m)
        self.pref = np.zeros(inst.m)
        self.served = np.zeros(inst.n + 1, dtype=bool)
        self.served[0] = True
        self.routes: list[list[int]] = [[] for _ in range(inst.m)]

    @property
    def done(self) -> bool:
        return bool(self.served.all())

    def client_mask(self, k: int) -> np.ndarray:
        """(n + 1,) bool: the clients vehicle ``k`` may visit next (index 0, the depot, False)."""
        inst = self.inst
        mask = ~self.served
        mask[1:] &= inst.allowed[k]
        mask[1:] &= inst.demand[1:] <= inst.capacity[k] - self.load[k] + 1e-9
        mask[0] = False
        return mask

    def move(self, k: int, node: int) -> tuple[float, float]:
        """Vehicle ``k`` travels to ``node``; returns (time spent, preference gained)."""
        dt = self.dist[self.pos[k], node] / self.inst.speed[k]
        self.time[k] += dt
        self.pos[k] = node
        self.routes[k].append(node)
        gained = 0.0
        if node == 0:
            self.load[k] = 0.0
        else:
            self.served[node] = True
            self.load[k] += self.inst.demand[node]
            gained = float(self.inst.profile[k, node - 1])
            self.pref[k] += gained
        return dt, gained

    def finish(self) -> float:
        """Every vehicle not at its depot returns; the time that takes."""
        total = 0.0
        for k in range(self.inst.m):
            if self.pos[k] != 0:
                total += self.move(k, 0)[0]
        return total

    def reward(self, dt: float, gained: float) -> float:
        return -self.w_time * dt + self.w_pref * gained

    def metrics(self, reference_objective: float | None = None) -> dict[str, float]:
        time, pref = float(self.time.sum()), float(self.pref.sum())
        objective = self.w_pref * pref - self.w_time * time
        feasible = self.done and self._feasible()
        out = {"total_time": time, "preference": pref, "objective": objective,
               "feasible": float(feasible), "makespan": float(self.time.max())}
        if reference_objective is not None:
            # objectives are negative times plus preference: the gap is relative to |ref|
            out["gap_to_reference"] = (reference_objective - objective) / abs(reference_objective)
        return out

    def _feasible(self) -> bool:
        """Re-checks the routes from scratch: each client once, loads, zones."""
        inst = self.inst
        seen = np.zeros(inst.n + 1, dtype=int)
        for k, route in enumerate(self.routes):
            load = 0.0
            for node in route:
                if node == 0:
                    load = 0.0
                    continue
                seen[node] += 1
                load += inst.demand[node]
                if load > inst.capacity[k] + 1e-9 or not inst.allowed[k, node - 1]:
                    return False
        return bool((seen[1:] == 1).all())

    def vehicle_features(self) -> np.ndarray:
        """(m, 4): position x, y, free capacity fraction, time so far."""
        inst = self.inst
        return np.column_stack([inst.locs[self.pos], 1.0 - self.load / inst.capacity,
                                self.time]).astype(np.float32)

    def node_features(self) -> np.ndarray:
        """(n + 1, 4): x, y, demand / largest capacity, served."""
        inst = self.inst
        return np.column_stack([inst.locs, inst.demand / inst.capacity.max(),
                                self.served]).astype(np.float32)
