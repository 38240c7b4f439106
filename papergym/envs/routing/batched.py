"""The parallel PVRP stepped for a batch of instances at once in torch (as rl4co's envs do).

Same dynamics as ``PVRPParallelEnv`` (``papergym.envs.routing.parallel``), per instance:
every vehicle picks a node each step; a client is legal when unserved, allowed for the
vehicle and within its free capacity; the depot (return, or wait there) is masked only
while every vehicle is at a depot, clients remain and the vehicle has a legal client.
Conflicts (several vehicles on one client) go to the highest ``priority`` (CAMP's rule
uses the action's probability; the default, decreasing with the vehicle index, is the
PettingZoo env's agent order); the losers stay where they are. When every client of an
instance is served, its vehicles return to the depot at once.

This is the fast path of the family: CAMP's training and batched decoding, and the speed
benchmark (``benchmarks/routing.py``). Importing it imports torch.
"""

from __future__ import annotations

import numpy as np
import torch

from papergym.envs.routing.generators import PVRPInstance

__all__ = ["BatchedPVRP", "greedy_actions"]


class BatchedPVRP:
    """``B`` PVRP instances with the same ``n`` and ``m`` stepped together.

    Tensors: ``locs`` (B, n + 1, 2), ``demand`` (B, n + 1), ``capacity`` and ``speed``
    (B, m), ``profile`` (B, m, n), ``allowed`` (B, m, n) bool. Node 0 is the depot.
    """

    def __init__(self, locs, demand, capacity, speed, profile, allowed,
                 weights: tuple[float, float] = (0.8, 0.2), device=None):
        self.device = dev = torch.device(device or "cpu")
        self.locs = torch.as_tensor(locs, dtype=torch.float32, device=dev)
        self.demand = torch.as_tensor(demand, dtype=torch.float32, device=dev)
        self.capacity = torch.as_tensor(capacity, dtype=torch.float32, device=dev)
        self.speed = torch.as_tensor(speed, dtype=torch.float32, device=dev)
        self.profile = torch.as_tensor(profile, dtype=torch.float32, device=dev)
        self.allowed = torch.as_tensor(allowed, dtype=torch.bool, device=dev)
        self.w_time, self.w_pref = weights
        self.B, self.n1 = self.demand.shape
        self.m = self.capacity.shape[1]
        self.dist = torch.cdist(self.locs.double(), self.locs.double()).float()
        self.batch = torch.arange(self.B, device=dev)
        self.pos = torch.zeros(self.B, self.m, dtype=torch.long, device=dev)
        self.load = torch.zeros(self.B, self.m, device=dev)
        self.time = torch.zeros(self.B, self.m, device=dev)
        self.pref = torch.zeros(self.B, self.m, device=dev)
        self.served = torch.zeros(self.B, self.n1, dtype=torch.bool, device=dev)
        self.served[:, 0] = True
        self.history: list[torch.Tensor] = []      # (B, m) per step: node moved to, -1 none
        self.steps = 0

    @classmethod
    def from_instances(cls, instances: list[PVRPInstance], weights=(0.8, 0.2),
                       device=None) -> BatchedPVRP:
        def stack(field):
            return np.stack([getattr(inst, field) for inst in instances])

        return cls(stack("locs"), stack("demand"), stack("capacity"), stack("speed"),
                   stack("profile"), stack("allowed"), weights, device)

    @property
    def done(self) -> torch.Tensor:
        return self.served.all(1)

    def mask(self) -> torch.Tensor:
        """(B, m, n + 1) bool: the legal next nodes of every vehicle."""
        free = self.capacity - self.load
        clients = (~self.served[:, None, 1:]) & self.allowed \
            & (self.demand[:, None, 1:] <= free[..., None] + 1e-6)
        all_home = (self.pos == 0).all(1)
        depot = ~(all_home[:, None] & ~self.done[:, None] & clients.any(-1))
        return torch.cat([depot[..., None], clients], dim=-1)

    def step(self, actions: torch.Tensor, priority: torch.Tensor | None = None) -> torch.Tensor:
        """Apply (B, m) node choices (legal ones: not re-checked here). Returns (B, m):
        the node each vehicle moved to, or -1 (lost a conflict, or waited at its depot)."""
        B, m = actions.shape
        if priority is None:
            priority = -torch.arange(m, dtype=torch.float32, device=self.device).expand(B, m)
        order = torch.argsort(priority, dim=1, descending=True, stable=True)
        ranked = actions.gather(1, order)
        same = ranked[:, :, None] == ranked[:, None, :]
        earlier = torch.ones(m, m, dtype=torch.bool, device=self.device).tril(-1)
        beaten = (same & earlier).any(-1) & (ranked > 0)
        lost = torch.zeros_like(beaten).scatter(1, order, beaten)
        moving = ~lost & ~((actions == 0) & (self.pos == 0))
        self._move(actions, moving)
        moved = torch.where(moving, actions, torch.full_like(actions, -1))
        self.history.append(moved)
        finished = self.done & (self.pos != 0).any(1)
        if finished.any():     # every vehicle of a finished instance returns now
            back = finished[:, None] & (self.pos != 0)
            self._move(torch.zeros_like(actions), back)
            self.history.append(torch.where(back, torch.zeros_like(moved),
                                            torch.full_like(moved, -1)))
        self.steps += 1
        return moved

    def _move(self, nodes: torch.Tensor, moving: torch.Tensor) -> None:
        b = self.batch[:, None].expand_as(nodes)
        dt = self.dist[b, self.pos, nodes] / self.speed
        self.time = self.time + torch.where(moving, dt, torch.zeros_like(dt))
        to_client = moving & (nodes > 0)
        gained = self.profile.gather(2, (nodes - 1).clamp(min=0)[..., None])[..., 0]
        self.pref = self.pref + torch.where(to_client, gained, torch.zeros_like(gained))
        self.load = torch.where(to_client, self.load + self.demand.gather(1, nodes),
                                self.load)
        self.load = torch.where(moving & (nodes == 0), torch.zeros_like(self.load), self.load)
        self.served[b[to_client], nodes[to_client]] = True
        self.pos = torch.where(moving, nodes, self.pos)

    def total_time(self) -> torch.Tensor:
        return self.time.sum(1)

    def preference(self) -> torch.Tensor:
        return self.pref.sum(1)

    def objective(self) -> torch.Tensor:
        """(B,) ``w_pref * preference - w_time * total time`` (the envs' objective)."""
        return self.w_pref * self.preference() - self.w_time * self.total_time()

    def routes(self, b: int) -> list[list[int]]:
        """Instance ``b``'s routes as the envs report them (one node list per vehicle)."""
        if not self.history:
            return [[] for _ in range(self.m)]
        hist = torch.stack(self.history)[:, b].T.cpu().tolist()
        return [[node for node in row if node >= 0] for row in hist]


def greedy_actions(env: BatchedPVRP, mask: torch.Tensor, pref_weight: float = 0.0,
                   time_weight: float = 1.0) -> torch.Tensor:
    """The ``pvrp-greedy`` agent's parallel choice for every vehicle of every instance: the
    nearest legal client (score ``time_weight * trip - pref_weight * preference``), else
    the depot, else the first legal node."""
    trip = env.dist.gather(1, env.pos[..., None].expand(-1, -1, env.n1))
    pref = torch.nn.functional.pad(env.profile, (1, 0))
    score = time_weight * trip - pref_weight * pref
    clients = mask.clone()
    clients[..., 0] = False
    best = torch.where(clients, score, torch.full_like(score, float("inf"))).argmin(-1)
    first = mask.float().argmax(-1)
    fallback = torch.where(mask[..., 0], torch.zeros_like(first), first)
    return torch.where(clients.any(-1), best, fallback)
