"""PVRP-v0 and PVRP-ZC-v0 (single agent) and the PettingZoo parallel env (CAMP, AAMAS 2025)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.routing.common import check_pvrp_arguments, instance_option, render_routes
from papergym.envs.routing.generators import (
    PVRPInstance,
    check_instance,
    generate,
)
from papergym.envs.routing.state import PVRPState

__all__ = ["PVRPEnv", "check_pvrp_arguments", "parallel_env", "render_routes"]

class PVRPEnv(PaperEnv):
    """
    ## Description

    The profiled vehicle routing problem (PVRP) of CAMP ("CAMP: Collaborative Attention
    Model with Profiles for Vehicle Routing Problems", Hua, Berto, Son, Kang, Kwon, Park;
    AAMAS 2025; arXiv 2501.02977): ``m`` vehicles with capacity leave a depot to serve
    ``n`` clients with integer demands; each vehicle has a *profile*, a preference for
    every client. PVRP with preferences trades total route time against the preference of
    the served vehicle-client pairs; PVRP with zone constraints (``zones=True``) forbids
    some vehicle-client pairs. Instances are drawn exactly as the paper's public code
    draws them (``papergym.envs.routing.generators``).

    This is the single-agent form: each step one vehicle moves, to a client or back to its
    depot (refilling it). The multi-agent form, where every vehicle moves at once as in
    CAMP's parallel decoder, is the PettingZoo env ``papergym.envs.routing.pvrp.parallel_env``
    (registered as ``PVRPParallel-v0``). What is ours: docs/routing.md.

    ## Action Space

    ``Discrete(m * (n + 1))``: action ``k * (n + 1) + j`` sends vehicle ``k`` to node ``j``
    (0 = its depot, 1..n = clients). Legal: an unserved client the vehicle may serve
    (allowed pair, demand within its free capacity), or the depot when the vehicle is not
    there. ``action_masks()`` and ``info["action_mask"]`` (int8) say which; an illegal
    action raises ``gymnasium.error.InvalidAction`` and changes nothing.

    ## Observation Space

    ``Dict``: ``nodes`` ``Box(0, 1, (n + 1, 4))`` (x, y, demand / capacity, served; row 0 the
    depot), ``profile`` ``Box(0, 1, (m, n + 1))`` (column 0, the depot, is 0),
    ``vehicles`` ``Box(0, inf, (m, 4))`` (x, y, free capacity fraction, time so far).

    ## Rewards

    ``-time_weight * (travel time) + pref_weight * (preference of a served client)`` per
    step; the final step includes every vehicle's return to its depot. The return is the
    episode's ``objective`` = ``pref_weight * preference - time_weight * total_time``
    (CAMP's weights 0.2 and 0.8 by default).

    ## Starting State

    Every vehicle empty at the depot; a fresh instance from ``self.np_random``.
    ``reset(options={"instance": PVRPInstance})`` replays one, optionally with
    ``"reference_objective"`` (e.g. PyVRP's objective on it) to report the gap.

    ## Episode End

    ``terminated`` when every client is served (the vehicles then return to their depots).
    Never truncated.

    ## Info

    ``action_mask`` (int8, m * (n + 1)) at reset and every step; each step ``vehicle``,
    ``node``, ``time``, ``preference``; at the end ``metrics``: ``total_time``,
    ``preference``, ``objective``, ``feasible`` (1.0: each client served once, loads and
    zones respected, recomputed from the routes), ``makespan``, and ``gap_to_reference``
    when a reference objective was given; also ``routes`` (one node list per vehicle).

    ## Arguments

    - ``n`` (int, 40, in [1, 1000]): clients. ``m`` (int, 3, in [1, 50]): vehicles.
    - ``distribution`` (str, ``"random"``): the profile, ``"random"``, ``"pi"``, ``"block"``
      or ``"cluster"`` (ignored with zones: the profile is then the allowed mask).
    - ``zones`` (bool, False): PVRP with zone constraints.
    - ``capacity`` (float, 40.0, >= 9: every demand must fit) and ``speed`` (float, 1.0, > 0).
    - ``time_weight`` (float, 0.8, >= 0) and ``pref_weight`` (float, 0.2, >= 0).
    - ``render_mode`` (None or ``"rgb_array"``): the routes, one colour per vehicle.

    ## Reference Agents

    ``pyvrp`` (HGS on the folded costs, the classical reference), ``pvrp-greedy-preference``
    and ``pvrp-greedy`` (nearest feasible client with and without preferences), ``sweep``,
    ``camp`` (the paper's model; a small CPU-trained checkpoint ships) and ``random``;
    also ``ortools`` (a second classical reference, optional package ``ortools``).

    ## Registered Configurations

    - ``PVRP-v0``: PVRP with preferences (random profiles), n = 40, m = 3.
    - ``PVRP-ZC-v0``: PVRP with zone constraints, n = 40, m = 3.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}
    primary_metric = "objective"
    higher_is_better = True
    quick_kwargs = {"n": 20, "m": 3}
    bad_inputs = {"n": (0, 2.5), "m": (0, "3"), "distribution": ("gauss",), "zones": ("no",),
                  "capacity": (5.0,), "speed": (0.0,), "time_weight": (-1.0,),
                  "pref_weight": (-0.1,), "render_mode": ("human",)}
    speed_target = 0.12
    speed_target_reason = ("a step recomputes the (m x n) legal mask and builds the Dict "
                           "observation; the batched rollout in benchmarks/routing.py is the fast path")

    def __init__(self, n: int = 40, m: int = 3, distribution: str = "random", zones: bool = False,
                 capacity: float = 40.0, speed: float = 1.0, time_weight: float = 0.8,
                 pref_weight: float = 0.2, render_mode: str | None = None):
        args = check_pvrp_arguments(n, m, distribution, zones, capacity, speed, time_weight,
                                    pref_weight, render_mode, self.metadata["render_modes"])
        for name, value in args.items():
            setattr(self, name, value)
        self.action_space = gym.spaces.Discrete(self.m * (self.n + 1))
        self.observation_space = gym.spaces.Dict({
            "nodes": gym.spaces.Box(0.0, 1.0, (self.n + 1, 4), np.float32),
            "profile": gym.spaces.Box(0.0, 1.0, (self.m, self.n + 1), np.float32),
            "vehicles": gym.spaces.Box(0.0, np.inf, (self.m, 4), np.float32)})
        self._state: PVRPState | None = None

    def _generate(self) -> PVRPInstance:
        inst = generate(self.np_random, self.n, self.m, self.distribution, zones=self.zones,
                        capacity=self.capacity, speed=self.speed)
        check_instance(inst)
        return inst

    def action_masks(self) -> np.ndarray:
        state, n1 = self._state, self.n + 1
        mask = np.zeros(self.m * n1, dtype=np.int8)
        for k in range(self.m):
            row = state.client_mask(k)
            row[0] = state.pos[k] != 0
            mask[k * n1:(k + 1) * n1] = row
        return mask

    def _observation(self) -> dict[str, np.ndarray]:
        profile = np.zeros((self.m, self.n + 1), dtype=np.float32)
        profile[:, 1:] = self._state.inst.profile
        return {"nodes": self._state.node_features(), "profile": profile,
                "vehicles": self._state.vehicle_features()}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        inst, self._reference = instance_option(options, self.n, self.m,
                                                env=type(self).__name__)
        inst = inst or self._generate()
        self._model = inst
        self._state = PVRPState(inst, (self.time_weight, self.pref_weight))
        self._mask = self.action_masks()
        return self._observation(), {"action_mask": self._mask}

    def step(self, action):
        if self._state is None or self._state.done:
            raise ResetNeeded("step() before reset() or after the episode ended")
        if isinstance(action, (bool, np.bool_)) or not self.action_space.contains(action):
            raise InvalidAction(f"action must be in [0, {self.action_space.n}), got {action!r}")
        action = int(action)
        if not self._mask[action]:
            k, j = divmod(action, self.n + 1)
            raise InvalidAction(f"vehicle {k} cannot go to node {j} now (served, forbidden, "
                                "over capacity, or already at its depot)")
        k, j = divmod(action, self.n + 1)
        state = self._state
        dt, gained = state.move(k, j)
        reward = state.reward(dt, gained)
        info: dict[str, Any] = {"vehicle": k, "node": j, "time": dt, "preference": gained}
        terminated = state.done
        if terminated:
            reward += state.reward(state.finish(), 0.0)
            info["metrics"] = state.metrics(self._reference)
            info["routes"] = [list(r) for r in state.routes]
            self._mask = np.zeros_like(self._mask)
        else:
            self._mask = self.action_masks()
        info["action_mask"] = self._mask
        return self._observation(), float(reward), terminated, False, info

    def render(self):
        if self.render_mode == "rgb_array" and self._state is not None:
            return render_routes(self._state, f"PVRP n={self.n} m={self.m}")
        return None


def parallel_env(**kwargs):
    """The multi-agent PVRP as a PettingZoo ``ParallelEnv`` (one agent per vehicle)."""
    from papergym.envs.routing.parallel import PVRPParallelEnv

    return PVRPParallelEnv(**kwargs)
