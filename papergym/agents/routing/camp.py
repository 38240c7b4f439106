"""CAMP: Collaborative Attention Model with Profiles (Hua, Berto, Son, Kang, Kwon, Park,
AAMAS 2025, arXiv 2501.02977), in plain torch, after the authors' public code (ai4co/camp,
MIT; our own code, read from ``camp/models``).

The parts, as the code defines them (sizes shrunk for CPU by default):

- **Profile-aware init embedding** (``PVRPInitEmbedding``): depots (per vehicle, with a
  sinusoidal encoding of the vehicle index) and vehicles (depot x, y, capacity / 40,
  speed) fused into one vehicle embedding; clients from (x, y, demand / 40, distance and
  angle to the depot); then, for every vehicle k, every node gets its own embedding
  ``W [node; W_p P[k, node]; vehicle_k]``, so the encoder works on a (m, m + n) grid of
  vehicle-specific node embeddings (the m first nodes are the vehicles' depots).
- **Encoder** (``PVRPEncoder`` with the bipartite ``TransformerBlock``): per layer,
  self-attention over each vehicle's own row of node embeddings, then a bipartite graph
  attention between vehicles and clients whose keys and values carry the vehicle-client
  edge embedding (the code uses torch_geometric's ``TransformerConv``; ours is the same
  formula written densely), then the rows are rebuilt from the vehicle and client
  embeddings with a residual; pre-norm and a feed-forward block as in the code.
- **Context and the communication layer** (``PVRPContextEmbedding``): each vehicle's
  context is the projection of [its current node's embedding, its depot's embedding,
  its state (time so far, free capacity, time back to the depot), the served fraction];
  a transformer layer over the m vehicle contexts (vehicles attend to each other) is the
  inter-agent communication.
- **Parallel pointer decoder** (``PVRPDecoder``): every vehicle's context queries its own
  row of node embeddings (one glimpse, then tanh-clipped logits, as the attention model),
  over [its depot, clients 1..n], masked; all vehicles choose at the same step.
- **Conflict resolution**: when several vehicles choose one client, the one whose choice
  has the highest probability keeps it (``HighestProbabilityAgentHandler``); the others
  stay where they are.
- **Training**: REINFORCE with a shared baseline, the mean reward of ``num_samples``
  sampled rollouts of the same instance, each on a symmetric transform (x/y flips and
  swap) of the coordinates. The code's loss is SymNCO's (8 augmentations, baseline the
  mean over them, plus an invariance term with weight alpha); ours keeps the shared
  baseline over augmented samples and drops the invariance term.

What we did not take from rl4co (optional, installs next to torch 2.13 but pulls
lightning, torchrl, tensordict, hydra): its ``AttentionModelDecoder``/``PrecomputedCache``,
``MultiHeadAttention``, TensorDict envs, ``StateAugmentation`` and the SymNCO losses; the
same pieces are written here in plain torch. Every training and evaluation path calls
``torch.set_num_threads(1)``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from papergym.agents.routing.heuristics import RoutePlanAgent
from papergym.envs.routing.batched import BatchedPVRP

CAMP_PAPER = ("Hua, Berto, Son, Kang, Kwon, Park, CAMP: Collaborative Attention Model with "
              "Profiles for Vehicle Routing Problems, AAMAS 2025 (arXiv 2501.02977)")
CHECKPOINT = Path(__file__).with_name("camp_small.pt")
TRAIN_SCRIPT = "scripts/routing/train_camp.py"

__all__ = ["CAMPAgent", "CAMPPolicy", "augment", "rollout"]


def _mlp(dim: int) -> nn.Module:
    return nn.Sequential(nn.Linear(dim, 2 * dim), nn.SiLU(), nn.Linear(2 * dim, dim))


class _Block(nn.Module):
    """Pre-norm self-attention + feed-forward (the code's ``TransformerBlock``, RMS-norm)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.norm1, self.norm2 = nn.RMSNorm(dim), nn.RMSNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ffn = _mlp(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.ffn(self.norm2(x))


class _EdgeAttention(nn.Module):
    """One-head graph attention on a complete bipartite graph with edge features
    (``TransformerConv`` with ``edge_dim``): target i attends to sources j with key
    ``W_k s_j + W_e e_ij`` and value ``W_v s_j + W_e e_ij``; plus a skip ``W_s t_i``."""

    def __init__(self, dim: int):
        super().__init__()
        self.q, self.k, self.v = (nn.Linear(dim, dim) for _ in range(3))
        self.e = nn.Linear(dim, dim, bias=False)
        self.skip = nn.Linear(dim, dim)

    def forward(self, target, source, edge):
        # target (B, T, d), source (B, S, d), edge (B, T, S, d)
        e = self.e(edge)
        key = self.k(source)[:, None] + e
        value = self.v(source)[:, None] + e
        score = (self.q(target)[:, :, None] * key).sum(-1) / math.sqrt(target.shape[-1])
        att = score.softmax(-1)
        return (att[..., None] * value).sum(2) + self.skip(target)


class _EncoderLayer(nn.Module):
    """The bipartite transformer layer of CAMP's PVRP encoder."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.norm_rows, self.norm_ffn = nn.RMSNorm(dim), nn.RMSNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.to_clients, self.to_vehicles = _EdgeAttention(dim), _EdgeAttention(dim)
        self.out = nn.Linear(dim, dim)
        self.ffn = _mlp(dim)

    def forward(self, nodes, rows):
        # nodes (B, m + n, d): vehicles then clients; rows (B, m, m + n, d)
        B, m, mn, d = rows.shape
        h = self.norm_rows(rows).reshape(B * m, mn, d)
        rows = rows + self.attn(h, h, h, need_weights=False)[0].reshape(B, m, mn, d)
        vehicles, clients = nodes[:, :m], nodes[:, m:]
        edge = rows[:, :, m:]                                   # (B, m, n, d)
        clients_next = self.to_clients(clients, vehicles, edge.transpose(1, 2))
        vehicles = vehicles + self.to_vehicles(vehicles, clients, edge)
        clients = clients + clients_next
        pair = self.out(vehicles[:, :, None] + clients[:, None])  # (B, m, n, d)
        rows = rows + torch.cat([vehicles[:, None].expand(B, m, m, d), pair], dim=2)
        rows = rows + self.ffn(self.norm_ffn(rows))
        return torch.cat([vehicles, clients], dim=1), rows


def _sinusoid(m: int, dim: int, device=None) -> torch.Tensor:
    pos = torch.arange(m, dtype=torch.float32, device=device)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=device)
                     * (-math.log(1e4) / dim))
    out = torch.zeros(m, dim, device=device)
    out[:, 0::2], out[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return out


class CAMPPolicy(nn.Module):
    """The CAMP network: ``encode`` once per instance, ``logits`` at every decoding step."""

    def __init__(self, dim: int = 64, heads: int = 4, layers: int = 2, clip: float = 10.0):
        super().__init__()
        self.config = {"dim": dim, "heads": heads, "layers": layers, "clip": clip}
        self.dim, self.clip = dim, clip
        self.depot = nn.Linear(2, dim, bias=False)
        self.pos_proj = nn.Linear(dim, dim, bias=False)
        self.alpha = nn.Parameter(torch.ones(1))
        self.vehicle = nn.Linear(4, dim, bias=False)
        self.depot_vehicle = nn.Linear(2 * dim, dim, bias=False)
        self.client = nn.Linear(5, dim, bias=False)
        self.preference = nn.Linear(1, dim, bias=False)
        self.combine = nn.Linear(3 * dim, dim, bias=False)
        self.layers = nn.ModuleList(_EncoderLayer(dim, heads) for _ in range(layers))
        self.final_norm = nn.RMSNorm(dim)
        # decoder
        self.state = nn.Linear(3, dim)
        self.global_state = nn.Linear(1, dim)
        self.context = nn.Linear(4 * dim, dim)
        self.communication = _Block(dim, heads)
        self.comm_norm = nn.RMSNorm(dim)
        self.kvl = nn.Linear(dim, 3 * dim, bias=False)
        self.glimpse = nn.MultiheadAttention(dim, heads, batch_first=True)

    def encode(self, env: BatchedPVRP, locs: torch.Tensor | None = None) -> dict:
        """Per-vehicle node embeddings (B, m, m + n, d) and the pointer's keys."""
        locs = env.locs if locs is None else locs
        B, m, n = env.B, env.m, env.n1 - 1
        depot_xy = locs[:, :1].expand(B, m, 2)
        depots = self.depot(depot_xy)
        depots = depots + self.alpha * self.pos_proj(_sinusoid(m, self.dim, env.device))[None]
        vehicles = self.vehicle(torch.cat([depot_xy, env.capacity[..., None] / 40.0,
                                           env.speed[..., None]], -1))
        vehicles = self.depot_vehicle(torch.cat([depots, vehicles], -1))
        rel = locs[:, 1:] - locs[:, :1]
        clients = self.client(torch.cat([locs[:, 1:], env.demand[:, 1:, None] / 40.0,
                                         rel.norm(dim=-1, keepdim=True),
                                         torch.atan2(rel[..., 1:], rel[..., :1])], -1))
        nodes = torch.cat([vehicles, clients], dim=1)                    # (B, m + n, d)
        pref = F.pad(env.profile, (m, 0))[..., None]                      # (B, m, m + n, 1)
        rows = self.combine(torch.cat([nodes[:, None].expand(B, m, m + n, self.dim),
                                       self.preference(pref),
                                       vehicles[:, :, None].expand(B, m, m + n, self.dim)],
                                      -1))
        for layer in self.layers:
            nodes, rows = layer(nodes, rows)
        rows = self.final_norm(rows)
        # the candidates of vehicle k: its own depot (node k), then the clients
        idx = torch.arange(m, device=env.device)
        own = rows[:, idx, idx][:, :, None]       # (B, m, 1, d)
        cand = torch.cat([own, rows[:, :, m:]], dim=2)                    # (B, m, n + 1, d)
        gk, gv, lk = self.kvl(cand).chunk(3, dim=-1)
        return {"rows": rows, "cand": cand, "gk": gk, "gv": gv, "lk": lk, "locs": locs}

    def logits(self, env: BatchedPVRP, cache: dict, mask: torch.Tensor) -> torch.Tensor:
        """(B, m, n + 1) masked logits of every vehicle's next node."""
        B, m, n1 = mask.shape
        cand = cache["cand"]
        idx = env.pos[..., None, None].expand(B, m, 1, self.dim)
        current = cand.gather(2, idx)[:, :, 0]
        depot = cand[:, :, 0]
        here = cache["locs"].gather(1, env.pos[..., None].expand(B, m, 2))
        back = (here - cache["locs"][:, :1]).norm(dim=-1) / env.speed
        state = self.state(torch.stack([env.time / env.speed, (env.capacity - env.load) / 40.0,
                                        back], -1))
        served = (env.served[:, 1:].float().mean(1, keepdim=True))[:, None].expand(B, m, 1)
        ctx = self.context(torch.cat([current, depot, state, self.global_state(served)], -1))
        query = self.comm_norm(self.communication(ctx))                  # (B, m, d)
        q = query.reshape(B * m, 1, self.dim)
        gk = cache["gk"].reshape(B * m, n1, self.dim)
        gv = cache["gv"].reshape(B * m, n1, self.dim)
        lk = cache["lk"].reshape(B * m, n1, self.dim)
        flat_mask = mask.reshape(B * m, 1, n1)
        glimpse = self.glimpse(q, gk, gv, attn_mask=~flat_mask.repeat_interleave(
            self.glimpse.num_heads, 0), need_weights=False)[0]
        logit = (glimpse @ lk.transpose(1, 2)).reshape(B, m, n1) / math.sqrt(self.dim)
        logit = self.clip * torch.tanh(logit)
        return logit.masked_fill(~mask, float("-inf"))


def augment(locs: torch.Tensor, k: int) -> torch.Tensor:
    """The k-th of 8 symmetric transforms of unit-square coordinates (flips and swap)."""
    x, y = locs[..., 0], locs[..., 1]
    if k & 1:
        x = 1 - x
    if k & 2:
        y = 1 - y
    if k & 4:
        x, y = y, x
    return torch.stack([x, y], -1)


def rollout(policy: CAMPPolicy, env: BatchedPVRP, *, sample: bool, locs=None,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Decode every instance of ``env`` to the end; returns the (B,) summed log-probability
    of the effective choices (a conflict's losers and forced moves contribute nothing)."""
    cache = policy.encode(env, locs)
    logp_total = torch.zeros(env.B, device=env.device)
    limit = 4 * (env.n1 + env.m) + 10
    while not bool(env.done.all()):
        mask = env.mask()
        logp = torch.log_softmax(policy.logits(env, cache, mask), -1)
        if sample:
            probs = logp.exp().reshape(-1, env.n1)
            action = torch.multinomial(probs, 1, generator=generator).reshape(env.B, env.m)
        else:
            action = logp.argmax(-1)
        chosen = logp.gather(2, action[..., None])[..., 0]
        moved = env.step(action, priority=chosen.detach())
        effective = (moved >= 0) & (mask.sum(-1) > 1)
        logp_total = logp_total + torch.where(effective, chosen, torch.zeros_like(chosen)).sum(1)
        if env.steps > limit:
            raise RuntimeError("CAMP rollout did not finish (a bug: every step moves someone)")
    return logp_total


def load_policy(path: str | os.PathLike | None = None) -> CAMPPolicy:
    """The policy saved by ``scripts/routing/train_camp.py``."""
    path = Path(path) if path is not None else CHECKPOINT
    if not path.exists():
        raise FileNotFoundError(
            f"no CAMP checkpoint at {path}: train one with `python {TRAIN_SCRIPT}` "
            "(a few CPU minutes) or pass checkpoint=<path>")
    state = torch.load(path, map_location="cpu", weights_only=True)
    policy = CAMPPolicy(**{k: int(v) if k != "clip" else float(v)
                           for k, v in state["config"].items()})
    policy.load_state_dict(state["weights"])
    policy.eval()
    return policy


def save_policy(policy: CAMPPolicy, path: str | os.PathLike) -> None:
    torch.save({"config": policy.config,
                "weights": {k: v.detach().cpu() for k, v in policy.state_dict().items()}}, path)


class CAMPAgent(RoutePlanAgent):
    """The trained CAMP policy, greedy decoding with CAMP's conflict rule, planned once per
    instance at reset (``requires_model``) and replayed: in ``PVRP-v0`` one vehicle at a
    time along its route, in ``PVRPParallel-v0`` every vehicle its own route (a vehicle
    whose next node is no longer legal falls back to greedy). ``checkpoint`` defaults to
    ``papergym/agents/routing/camp_small.pt``; without one the agent refuses with the
    training script's name. ``policy`` passes a network directly (tests, training)."""

    name = "camp"
    paper = CAMP_PAPER
    requires_model = True

    def __init__(self, checkpoint: str | None = None, policy: CAMPPolicy | None = None):
        self.checkpoint = checkpoint
        self._policy = policy

    @property
    def policy(self) -> CAMPPolicy:
        if self._policy is None:
            self._policy = load_policy(self.checkpoint)
        return self._policy

    def config(self):
        return {"checkpoint": self.checkpoint}

    def solve(self, inst) -> list[list[int]]:
        torch.set_num_threads(1)
        env = BatchedPVRP.from_instances([inst])
        with torch.no_grad():
            rollout(self.policy, env, sample=False)
        routes = env.routes(0)
        for route in routes:            # the final return is implied
            while route and route[-1] == 0:
                route.pop()
        return routes



def camp_applies(env_id, kwargs) -> str | None:
    """The agent needs a checkpoint: say where to get one when there is none."""
    if not CHECKPOINT.exists():
        return f"no CAMP checkpoint shipped: train one with `python {TRAIN_SCRIPT}`"
    return None


def evaluate(policy: CAMPPolicy, instances, weights=(0.8, 0.2)) -> np.ndarray:
    """Greedy-decoded objectives of ``instances`` (batched)."""
    torch.set_num_threads(1)
    device = next(policy.parameters()).device
    env = BatchedPVRP.from_instances(instances, weights, device)
    with torch.no_grad():
        rollout(policy, env, sample=False)
    return env.objective().cpu().numpy()
