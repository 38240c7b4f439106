"""CAMP and the batched torch env: the batched env steps exactly like the PettingZoo env,
CAMP's conflict rule (higher probability wins), the agent refuses without a checkpoint,
and (slow) the CPU-trained small CAMP beats random and approaches greedy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from papergym.agents.routing.camp import CAMPAgent, CAMPPolicy, augment, evaluate, rollout
from papergym.envs.routing.batched import BatchedPVRP, greedy_actions
from papergym.envs.routing.generators import generate, route_cost
from tests.routing.helpers import assert_routes_feasible, play_parallel


@pytest.mark.parametrize("zones", [False, True])
def test_batched_greedy_equals_the_pettingzoo_env(zones):
    results = [play_parallel("pvrp-greedy", seed=s, n=25, m=4, zones=zones) for s in range(8)]
    env = BatchedPVRP.from_instances([r[2] for r in results])
    while not bool(env.done.all()):
        mask = env.mask()
        action = greedy_actions(env, mask)
        assert bool(mask.gather(2, action[..., None]).all())
        env.step(action)
    for b, (metrics, routes, _, _) in enumerate(results):
        assert env.routes(b) == routes
        assert np.isclose(env.objective()[b].item(), metrics["objective"], atol=1e-5)


def test_conflict_goes_to_the_higher_priority():
    inst = generate(np.random.default_rng(0), 5, 2)
    env = BatchedPVRP.from_instances([inst])
    moved = env.step(torch.tensor([[3, 3]]), priority=torch.tensor([[0.1, 0.9]]))
    assert moved.tolist() == [[-1, 3]]
    assert env.pos.tolist() == [[0, 3]]


def test_untrained_camp_rollouts_are_feasible_and_costed_right():
    torch.manual_seed(0)
    policy = CAMPPolicy().eval()
    rng = np.random.default_rng(1)
    insts = [generate(rng, 15, 3, "cluster", zones=bool(i % 2)) for i in range(6)]
    env = BatchedPVRP.from_instances(insts)
    with torch.no_grad():
        logp = rollout(policy, env, sample=True, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(logp).all() and (logp <= 0).all()
    for b, inst in enumerate(insts):
        assert_routes_feasible(inst, env.routes(b))
        time, pref = route_cost(inst, env.routes(b))
        assert np.isclose(env.objective()[b].item(), 0.2 * pref - 0.8 * time, atol=1e-4)


def test_augmentations_keep_distances():
    locs = torch.rand(4, 10, 2)
    for k in range(8):
        np.testing.assert_allclose(torch.cdist(augment(locs, k), augment(locs, k)),
                                   torch.cdist(locs, locs), atol=1e-6)


def test_camp_refuses_without_a_checkpoint(tmp_path):
    from papergym.agents.base import make_agent

    agent = make_agent("camp", checkpoint=str(tmp_path / "none.pt"))
    with pytest.raises(FileNotFoundError, match="train_camp.py"):
        agent.solve(generate(np.random.default_rng(0), 5, 2))


def test_one_reinforce_step_changes_the_policy():
    from scripts.routing.train_camp import train

    torch.manual_seed(0)
    before = CAMPPolicy().state_dict()
    policy = train(n=6, m=2, batch=2, samples=2, log=lambda *_: None, max_steps=1)
    after = policy.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


@pytest.mark.slow
def test_cpu_trained_small_camp_beats_random_and_approaches_greedy():
    from scripts.routing.train_camp import baseline_objectives, train

    policy = train(minutes=4.0, n=20, m=3, log=lambda *_: None)
    val = [generate(np.random.default_rng([9, i]), 20, 3) for i in range(64)]
    camp = evaluate(policy, val).mean()
    greedy = baseline_objectives(val, random_policy=False)
    rand = baseline_objectives(val, random_policy=True)
    assert camp > rand
    assert (greedy - camp) < 0.5 * (greedy - rand)     # closes most of the gap to greedy


def test_shipped_checkpoint_loads_is_small_and_beats_random():
    """The shipped checkpoint (scripts/routing/train_camp.py, 7 CPU minutes at n=20, m=3)
    is under 5 MB and, greedy-decoded, beats uniform random legal moves."""
    from papergym.agents.routing.camp import CHECKPOINT, load_policy
    from scripts.routing.train_camp import baseline_objectives

    assert CHECKPOINT.stat().st_size < 5e6
    val = [generate(np.random.default_rng([9, i]), 20, 3) for i in range(16)]
    camp = evaluate(load_policy(), val).mean()
    assert camp > baseline_objectives(val, random_policy=True) + 1.0


def test_camp_agent_plays_a_shipped_or_given_policy():
    agent = CAMPAgent(policy=CAMPPolicy().eval())
    routes = agent.solve(generate(np.random.default_rng(3), 12, 3))
    assert sorted(c for r in routes for c in r if c) == list(range(1, 13))


def test_independent_ppo_smoke():
    """Parameter-shared MaskablePPO trains on the parallel env and plays legal, feasible
    episodes (a smoke test: no learning claim)."""
    from papergym.agents.routing.ppo import train_shared_ppo

    model, env = train_shared_ppo(total_timesteps=256, n=6, m=2)
    obs, info = env.reset(seed=1)
    done = False
    while not done:
        action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=True)
        obs, _, done, truncated, info = env.step(int(action))
        assert not truncated
    assert info["metrics"]["feasible"] == 1.0
    assert_routes_feasible(env.parallel.model(), info["routes"])
