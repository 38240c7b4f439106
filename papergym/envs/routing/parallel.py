"""The multi-agent PVRP: every vehicle chooses its next node at the same step (CAMP)."""

from __future__ import annotations

import functools

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidAction, ResetNeeded
from gymnasium.utils import EzPickle
from pettingzoo import ParallelEnv

from papergym.envs.routing.common import check_pvrp_arguments, instance_option, render_routes
from papergym.envs.routing.generators import PVRPInstance, check_instance, generate
from papergym.envs.routing.state import PVRPState

__all__ = ["PVRPParallelEnv"]


class PVRPParallelEnv(ParallelEnv, EzPickle):
    """PVRP with one agent per vehicle (``"vehicle_0"`` ... ``"vehicle_{m-1}"``), all acting
    at every step, as CAMP's parallel decoder does; arguments as ``PVRP-v0``'s.

    - Observation per agent, a Dict: ``nodes`` ``(n + 1, 5)`` (x, y, demand / capacity,
      served, this vehicle's preference for the node), ``vehicle`` ``(4,)`` (x, y, free
      capacity fraction, time so far) and ``action_mask`` ``(n + 1,)`` int8.
    - Action: ``Discrete(n + 1)``, the next node (0 = its depot: return, or wait there).
      A client is legal as in ``PVRP-v0``; the depot is masked only while every vehicle is
      at a depot and clients remain, and then only for a vehicle that has a legal client
      (someone always moves; every agent always has a legal action). A masked action raises
      ``InvalidAction``.
    - Conflicts (two vehicles choosing one client at the same step): agents are served in
      agent order, so the lower-numbered vehicle wins and the other stays where it is.
      A learned policy that wants another priority (CAMP's: higher log-probability first)
      resolves conflicts itself before it submits actions (``papergym.agents.routing``).
    - Reward: the team's step reward (``-time_weight * travel + pref_weight * preference``
      of every vehicle's move), the same for every agent. All agents terminate together
      when every client is served (vehicles then return); ``infos[agent]["metrics"]`` as
      ``PVRP-v0``'s. Truncated after ``4 * n + 10`` steps (never reached by a legal policy
      that moves).
    """

    metadata = {"name": "pvrp_parallel_v0", "render_modes": ["rgb_array"],
                "is_parallelizable": True}

    def __init__(self, n: int = 40, m: int = 3, distribution: str = "random",
                 zones: bool = False, capacity: float = 40.0, speed: float = 1.0,
                 time_weight: float = 0.8, pref_weight: float = 0.2,
                 render_mode: str | None = None):
        EzPickle.__init__(self, n=n, m=m, distribution=distribution, zones=zones,
                          capacity=capacity, speed=speed, time_weight=time_weight,
                          pref_weight=pref_weight, render_mode=render_mode)
        args = check_pvrp_arguments(n, m, distribution, zones, capacity, speed, time_weight,
                                    pref_weight, render_mode, self.metadata["render_modes"])
        for name, value in args.items():
            setattr(self, name, value)
        self.possible_agents = [f"vehicle_{k}" for k in range(self.m)]
        self.agents: list[str] = []
        self._state: PVRPState | None = None
        self._rng = np.random.default_rng()

    @functools.cache  # noqa: B019  (one space object per agent, as PettingZoo asks)
    def observation_space(self, agent):
        return gym.spaces.Dict({
            "nodes": gym.spaces.Box(0.0, 1.0, (self.n + 1, 5), np.float32),
            "vehicle": gym.spaces.Box(0.0, np.inf, (4,), np.float32),
            "action_mask": gym.spaces.MultiBinary(self.n + 1)})

    @functools.cache  # noqa: B019
    def action_space(self, agent):
        return gym.spaces.Discrete(self.n + 1)

    def model(self) -> PVRPInstance:
        if self._state is None:
            raise ResetNeeded("model() before reset()")
        return self._state.inst

    def _masks(self) -> list[np.ndarray]:
        state = self._state
        all_home = bool((state.pos == 0).all())
        masks = []
        for k in range(self.m):
            mask = state.client_mask(k)
            # the depot (wait / return) is masked only for a vehicle that could serve a
            # client while every vehicle is at a depot: someone always moves, and a vehicle
            # with nothing it may serve always has the depot
            mask[0] = not (all_home and not state.done and mask[1:].any())
            masks.append(mask.astype(np.int8))
        return masks

    def _observations(self) -> dict[str, dict[str, np.ndarray]]:
        state = self._state
        nodes = state.node_features()
        vehicles = state.vehicle_features()
        self._mask_list = self._masks()
        out = {}
        for k, agent in enumerate(self.possible_agents):
            pref = np.concatenate([[0.0], state.inst.profile[k]]).astype(np.float32)
            out[agent] = {"nodes": np.column_stack([nodes, pref]), "vehicle": vehicles[k],
                          "action_mask": self._mask_list[k]}
        return out

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        inst, self._reference = instance_option(options, self.n, self.m, strict=False,
                                                env=type(self).__name__)
        if inst is None:
            inst = generate(self._rng, self.n, self.m, self.distribution, zones=self.zones,
                            capacity=self.capacity, speed=self.speed)
            check_instance(inst)
        self._state = PVRPState(inst, (self.time_weight, self.pref_weight))
        self.agents = list(self.possible_agents)
        self._steps = 0
        obs = self._observations()
        return obs, {a: {"vehicle": k} for k, a in enumerate(self.agents)}

    def step(self, actions):
        if self._state is None or not self.agents:
            raise ResetNeeded("step() before reset() or after the episode ended")
        state = self._state
        masks = self._mask_list
        for agent, action in actions.items():
            k = self.possible_agents.index(agent)
            if not isinstance(action, (int, np.integer)) or not 0 <= action <= self.n \
                    or not masks[k][int(action)]:
                raise InvalidAction(f"{agent}: node {action!r} is not legal now")
        reward, moved = 0.0, {}
        for k, agent in enumerate(self.possible_agents):
            if agent not in actions:
                continue
            node = int(actions[agent])
            if node != 0 and state.served[node]:
                moved[agent] = -1          # lost the conflict: stays put
                continue
            if node == 0 and state.pos[k] == 0:
                moved[agent] = 0           # waits at its depot
                continue
            dt, gained = state.move(k, node)
            reward += state.reward(dt, gained)
            moved[agent] = node
        self._steps += 1
        done = state.done
        if done:
            reward += state.reward(state.finish(), 0.0)
        truncated = not done and self._steps >= 4 * self.n + 10
        obs = self._observations()
        infos = {a: {"node": moved.get(a, 0), "vehicle": k} for k, a in enumerate(self.agents)}
        if done or truncated:
            metrics = state.metrics(self._reference)
            for a in self.agents:
                infos[a]["metrics"] = metrics
                infos[a]["routes"] = [list(r) for r in state.routes]
        rewards = dict.fromkeys(self.agents, float(reward))
        terms = dict.fromkeys(self.agents, done)
        truncs = dict.fromkeys(self.agents, truncated)
        if done or truncated:
            self.agents = []
        return obs, rewards, terms, truncs, infos

    def render(self):
        if self.render_mode == "rgb_array" and self._state is not None:
            return render_routes(self._state, f"PVRP (parallel) n={self.n} m={self.m}")
        return None

    def close(self):
        pass
