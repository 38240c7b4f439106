"""PVRP instances as CAMP's public code generates them (ai4co/camp, MIT; our code).

Depot and ``n`` clients uniform in the unit square (the depot is the first point drawn);
integer demands 1..9 (the code draws U(0, 9), truncates and adds 1); ``m`` vehicles of
capacity 40 and speed 1; a vehicle x client profile matrix from one of four
distributions; for the zone-constrained variant, one rate r ~ U(0, 2/3) per instance and
floor(r m) random vehicles forbidden for each client (the profile is then the 0/1 allowed
mask).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DISTRIBUTIONS", "PVRPInstance", "check_instance", "generate", "route_cost"]

DISTRIBUTIONS = ("random", "pi", "block", "cluster")


@dataclass(frozen=True)
class PVRPInstance:
    """``locs`` (n + 1, 2) with the depot first; ``demand`` (n + 1,) with 0 for the depot;
    ``capacity`` and ``speed`` (m,); ``profile`` (m, n) preferences in [0, 1];
    ``allowed`` (m, n) bool, all True without zones."""

    locs: np.ndarray
    demand: np.ndarray
    capacity: np.ndarray
    speed: np.ndarray
    profile: np.ndarray
    allowed: np.ndarray

    def __post_init__(self):
        for array in (self.locs, self.demand, self.capacity, self.speed, self.profile,
                      self.allowed):
            array.setflags(write=False)

    @property
    def n(self) -> int:
        return len(self.demand) - 1

    @property
    def m(self) -> int:
        return len(self.capacity)

    def distances(self) -> np.ndarray:
        diff = self.locs[:, None, :] - self.locs[None, :, :]
        return np.sqrt((diff ** 2).sum(-1))


def _profile(rng: np.random.Generator, dist: str, locs: np.ndarray, m: int) -> np.ndarray:
    clients = locs[1:]
    n = len(clients)
    if dist == "random":
        return rng.random((m, n))
    if dist == "pi":
        angle = np.arctan2(*(clients - locs[0]).T[::-1]) % (2 * np.pi)
        sector = np.minimum((angle / (2 * np.pi / m)).astype(int), m - 1)
        return (sector[None, :] == np.arange(m)[:, None]).astype(float)
    if dist == "block":
        side = int(np.ceil(np.sqrt(m)))
        cell = np.minimum((clients * side).astype(int), side - 1)
        owner = (cell[:, 0] * side + cell[:, 1]) % m
        return (owner[None, :] == np.arange(m)[:, None]).astype(float)
    centres = clients[rng.integers(n, size=m)]
    dist_to = np.sqrt(((clients[None, :, :] - centres[:, None, :]) ** 2).sum(-1))
    return 1.0 - dist_to / np.sqrt(2.0)


def generate(rng: np.random.Generator, n: int, m: int, distribution: str = "random", *,
             zones: bool = False, capacity: float = 40.0, speed: float = 1.0) -> PVRPInstance:
    """One instance (see the module docstring)."""
    locs = rng.random((n + 1, 2))
    demand = np.concatenate([[0], np.floor(rng.random(n) * 9).astype(np.int64) + 1])
    profile = _profile(rng, distribution, locs, m)
    allowed = np.ones((m, n), dtype=bool)
    if zones:
        rate = rng.random() * 2 / 3
        forbid = int(np.floor(rate * m))
        for client in range(n):
            allowed[rng.choice(m, size=forbid, replace=False), client] = False
        profile = allowed.astype(float)
    return PVRPInstance(locs, demand.astype(np.int64), np.full(m, float(capacity)),
                        np.full(m, float(speed)), profile, allowed)


def check_instance(inst: PVRPInstance) -> None:
    """ValueError naming the field (and the client) for an instance no vehicle can serve."""
    n, m = inst.n, inst.m
    if n < 1:
        raise ValueError(f"n must be >= 1 client, got {n}")
    if m < 1:
        raise ValueError(f"m must be >= 1 vehicle, got {m}")
    if inst.locs.shape != (n + 1, 2):
        raise ValueError(f"locs must have shape ({n + 1}, 2), got {inst.locs.shape}")
    if inst.profile.shape != (m, n):
        raise ValueError(f"profile must have shape (m, n) = ({m}, {n}), got {inst.profile.shape}")
    if inst.allowed.shape != (m, n):
        raise ValueError(f"allowed must have shape ({m}, {n}), got {inst.allowed.shape}")
    if (inst.speed <= 0).any():
        raise ValueError(f"speed must be > 0 for every vehicle, got {inst.speed.tolist()}")
    for client in range(n):
        if not inst.allowed[:, client].any():
            raise ValueError(f"allowed: every vehicle is forbidden for client {client + 1}")
        need = inst.demand[client + 1]
        if not (inst.capacity[inst.allowed[:, client]] >= need).any():
            raise ValueError(f"capacity: no allowed vehicle can carry client {client + 1}'s "
                             f"demand {need}")


def route_cost(inst: PVRPInstance, routes: list[list[int]]) -> tuple[float, float]:
    """Independent recomputation from routes (one node list per vehicle, 0 = depot, the
    return to the depot implied): (total time, total preference)."""
    dist = inst.distances()
    time, pref = 0.0, 0.0
    for k, route in enumerate(routes):
        path = [0, *route, 0]
        time += sum(dist[a, b] for a, b in zip(path, path[1:])) / inst.speed[k]
        pref += sum(inst.profile[k, c - 1] for c in route if c != 0)
    return time, pref
