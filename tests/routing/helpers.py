"""Shared helpers of the routing tests: play an agent on either PVRP form and check the
routes from scratch (independently of the env's own feasibility flag)."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import make_agent
from papergym.envs.routing.generators import PVRPInstance, route_cost
from papergym.envs.routing.parallel import PVRPParallelEnv
from papergym.envs.routing.pvrp import PVRPEnv

AGENTS = ("pvrp-greedy", "pvrp-greedy-preference", "sweep", "pyvrp", "random", "camp")
_UNTRAINED = {}


def untrained_camp():
    """An untrained small CAMP network (feasibility does not depend on training)."""
    if "policy" not in _UNTRAINED:
        import torch

        from papergym.agents.routing.camp import CAMPPolicy

        torch.manual_seed(0)
        _UNTRAINED["policy"] = CAMPPolicy().eval()
    return _UNTRAINED["policy"]


def _agent(name: str):
    if name == "camp":
        from papergym.agents.routing.camp import CAMPAgent

        return CAMPAgent(policy=untrained_camp())
    if name == "pyvrp":
        from papergym.agents.routing import PyVRPAgent

        return PyVRPAgent(iterations=50)
    return make_agent(name)


def play_single(name: str, *, seed: int = 0, options: dict | None = None, **kwargs):
    """One episode of ``PVRP-v0``; returns (metrics, routes, instance, episode return)."""
    env = PVRPEnv(**kwargs)
    agent = _agent(name)
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed, options=options)
    inst = env.model()
    agent.reset(obs, info, env_model=inst if agent.requires_model else None, seed=seed)
    total, done, steps = 0.0, False, 0
    while not done:
        obs, reward, done, truncated, info = env.step(agent.act(obs, info))
        total += reward
        steps += 1
        assert not truncated and steps <= 10 * (env.n + 1) * env.m
    return info["metrics"], info["routes"], inst, total


def play_parallel(name: str, *, seed: int = 0, options: dict | None = None, **kwargs):
    """One episode of the PettingZoo form, one agent ``name`` per vehicle."""
    env = PVRPParallelEnv(**kwargs)
    obs, infos = env.reset(seed=seed, options=options)
    inst = env.model()
    agents = {}
    for role in env.agents:
        agent = _agent(name)
        agent.bind(env.observation_space(role), env.action_space(role))
        agent.reset(obs[role], infos[role], env_model=inst if agent.requires_model else None,
                    seed=seed)
        agents[role] = agent
    total = 0.0
    while env.agents:
        actions = {role: agents[role].act(obs[role], infos[role]) for role in env.agents}
        obs, rewards, terms, truncs, infos = env.step(actions)
        total += rewards[env.possible_agents[0]]
        assert not any(truncs.values())
    last = infos[env.possible_agents[0]]
    return last["metrics"], last["routes"], inst, total


def assert_routes_feasible(inst: PVRPInstance, routes: list[list[int]]) -> None:
    """Each client served exactly once, every trip within capacity, no forbidden pair."""
    assert len(routes) == inst.m
    seen = np.zeros(inst.n + 1, dtype=int)
    for k, route in enumerate(routes):
        load = 0
        for node in route:
            assert 0 <= node <= inst.n
            if node == 0:
                load = 0
                continue
            seen[node] += 1
            load += int(inst.demand[node])
            assert load <= inst.capacity[k], f"vehicle {k} over capacity"
            assert inst.allowed[k, node - 1], f"vehicle {k} served forbidden client {node}"
    assert (seen[1:] == 1).all(), f"clients served {seen[1:].tolist()} times"


def assert_objective_recomputed(metrics, routes, inst, episode_return, weights=(0.8, 0.2)):
    """The env's objective equals the recomputation from the routes and the return."""
    time, pref = route_cost(inst, routes)
    objective = weights[1] * pref - weights[0] * time
    assert np.isclose(metrics["total_time"], time, rtol=1e-9, atol=1e-9)
    assert np.isclose(metrics["preference"], pref, rtol=1e-9, atol=1e-9)
    assert np.isclose(metrics["objective"], objective, rtol=1e-9, atol=1e-9)
    assert np.isclose(episode_return, objective, rtol=1e-7, atol=1e-7)
