"""PositionAuction-v0 and its mechanisms: exact MNL matching against brute force, the
cascade range's DP, truthfulness and individual rationality by best-response search,
and the env's reading of actions."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidAction, ResetNeeded

import papergym
from papergym.agents.auctions.position_rules import action_of
from papergym.envs.auctions.position_auction import PositionAuctionEnv, allocation_from_scores
from papergym.envs.auctions.position_mechanisms import (
    PositionInstance,
    _dp_in_order,
    cascade_dp_best,
    cascade_orders,
    ctrs,
    draw_position_instance,
    exact_best,
    mnl_best,
    objective_value,
    run_mechanism,
    scores_for,
)

ENV_ID = "PositionAuction-v0"


def brute_force(scores, inst, allowed=None):
    """The best value over every allocation (optionally only those ``allowed``), by a
    plain loop: independent of ``enumerate_allocations`` and of the vectorised scorer."""
    n, m = inst.shape
    best = 0.0
    for k in range(min(n, m) + 1):
        for positions in itertools.combinations(range(m), k):
            for ads in itertools.permutations(range(n), k):
                alloc = np.full(m, -1)
                alloc[list(positions)] = ads
                if allowed is None or allowed(alloc):
                    best = max(best, objective_value(alloc, scores, inst))
    return best


@pytest.mark.parametrize("objective", ["welfare", "revenue"])
def test_mnl_matching_is_optimal_against_brute_force(objective):
    """Claim (paper: the MNL optimum is efficiently computable): on 150 instances with up
    to 5 ads and 4 positions our Dinkelbach + matching rule reaches the brute-force optimum."""
    rng = np.random.default_rng(0)
    for _ in range(150):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        inst = draw_position_instance(rng, n, m, "mnl")
        scores = scores_for(rng.uniform(size=n), objective)[0]
        opt = brute_force(scores, inst)
        assert objective_value(mnl_best(scores, inst), scores, inst) == pytest.approx(
            opt, rel=1e-10, abs=1e-12)
        assert objective_value(exact_best(scores, inst), scores, inst) == pytest.approx(
            opt, rel=1e-10, abs=1e-12)


def test_cascade_dp_is_exact_on_its_range_and_measured_against_the_optimum():
    """The cascade rule is the exact optimum over its range (brute force restricted to
    allocations following one of the three orders); its ratio to the unrestricted optimum
    is measured (mean 0.95, min 0.70 on 5 ads x 4 positions: 'approximately optimal')."""
    rng = np.random.default_rng(1)
    ratios = []
    for _ in range(80):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        inst = draw_position_instance(rng, n, m, "cascade")
        bids = rng.uniform(size=n)
        orders = [list(o) for o in cascade_orders(inst)]

        def follows_an_order(alloc, orders=orders):
            placed = [a for a in alloc if a >= 0]
            return any(placed == [a for a in o if a in placed] for o in orders)

        ours = objective_value(cascade_dp_best(bids, inst), bids, inst)
        assert ours == pytest.approx(brute_force(bids, inst, follows_an_order), abs=1e-12)
        for order in cascade_orders(inst):
            assert ours >= _dp_in_order(bids, inst, order)[0] - 1e-12
        opt = brute_force(bids, inst)
        ratios.append(ours / opt if opt > 0 else 1.0)
    assert np.mean(ratios) > 0.9 and min(ratios) > 0.5


def utility(mechanism, i, report, bids, inst, objective):
    """Advertiser i's expected utility (value = ``bids[i]``) when it reports ``report``."""
    reports = bids.copy()
    reports[i] = report
    alloc, pay = run_mechanism(mechanism, reports, inst, objective)
    return bids[i] * ctrs(alloc, inst)[i] - pay[i]


TRUTHFUL = [("matching", "mnl"), ("cascade-dp", "cascade"), ("exact", "mnl"),
            ("exact", "cascade")]


@pytest.mark.parametrize("mechanism,model", TRUTHFUL)
@pytest.mark.parametrize("objective", ["welfare", "revenue"])
def test_truthful_and_individually_rational_by_best_response_search(mechanism, model,
                                                                     objective):
    """No advertiser gains by any report on a 41-point grid (plus its value x 0.5, 1.5),
    and every payment lies in [0, value x CTR] (small instances: 4 ads, 3 positions)."""
    rng = np.random.default_rng(2)
    for _ in range(6):
        inst = draw_position_instance(rng, 4, 3, model)
        bids = rng.uniform(size=4)
        alloc, pay = run_mechanism(mechanism, bids, inst, objective)
        assert np.all(pay >= -1e-12) and np.all(pay <= bids * ctrs(alloc, inst) + 1e-12)
        for i in range(4):
            truthful = utility(mechanism, i, bids[i], bids, inst, objective)
            for report in np.r_[np.linspace(0, 1, 41), 0.5 * bids[i], 1.5 * bids[i]]:
                assert utility(mechanism, i, report, bids, inst, objective) <= truthful + 1e-10


@pytest.mark.parametrize("mechanism", ["greedy-by-bid", "vcg-separable"])
def test_the_baselines_are_not_truthful(mechanism):
    """The same search finds profitable misreports against the two baselines (so the
    search above has teeth); vcg-separable also charges more than some winner's value."""
    rng = np.random.default_rng(3)
    gains, overcharged = [], False
    for _ in range(10):
        inst = draw_position_instance(rng, 4, 3, "mnl")
        bids = rng.uniform(size=4)
        alloc, pay = run_mechanism(mechanism, bids, inst)
        overcharged |= bool(np.any(pay > bids * ctrs(alloc, inst) + 1e-9))
        for i in range(4):
            truthful = utility(mechanism, i, bids[i], bids, inst, "welfare")
            gains.append(max(utility(mechanism, i, r, bids, inst, "welfare") - truthful
                             for r in np.linspace(0, 1, 41)))
    assert max(gains) > 0.01
    if mechanism == "vcg-separable":
        assert overcharged


def test_run_mechanism_refuses_the_wrong_click_model():
    inst = draw_position_instance(np.random.default_rng(0), 3, 2, "cascade")
    with pytest.raises(ValueError, match="MNL"):
        run_mechanism("matching", np.ones(3), inst)
    with pytest.raises(ValueError, match="mechanism"):
        run_mechanism("auction", np.ones(3), inst)


def test_actions_place_exactly_a_zero_one_assignment():
    rng = np.random.default_rng(4)
    for _ in range(50):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        inst = draw_position_instance(rng, n, m, "mnl")
        alloc = mnl_best(rng.uniform(size=n), inst)
        assert np.array_equal(allocation_from_scores(action_of(alloc, n).astype(np.float64)),
                              alloc)
    assert np.all(allocation_from_scores(-np.ones((3, 2))) == -1)


@pytest.mark.parametrize("click_model", ["mnl", "cascade"])
@pytest.mark.parametrize("objective", ["welfare", "revenue"])
def test_exact_agent_has_zero_regret_and_baselines_do_not(click_model, objective):
    kwargs = {"click_model": click_model, "objective": objective, "horizon": 30}
    exact = papergym.run(ENV_ID, "exact-enumeration", seeds=2, **kwargs)
    for r in exact:
        assert r.metrics["efficiency"] == pytest.approx(1.0, abs=1e-9)
    greedy = papergym.run(ENV_ID, "greedy-by-bid", seeds=2, **kwargs)
    assert all(r.metrics["efficiency"] < 0.999 for r in greedy)


def test_env_rejects_bad_actions_and_needs_reset():
    env = gym.make(ENV_ID, horizon=2).unwrapped
    with pytest.raises(ResetNeeded):
        env.step(np.zeros((5, 4)))
    env.reset(seed=0)
    for bad in (np.zeros((4, 5)), np.full((5, 4), np.nan), "x"):
        with pytest.raises(InvalidAction):
            env.step(bad)
    env.step(np.zeros((5, 4)))
    env.step(np.zeros((5, 4)))
    with pytest.raises(ResetNeeded):
        env.step(np.zeros((5, 4)))


def test_env_replays_an_instance_and_checks_it():
    env = PositionAuctionEnv(n_advertisers=2, n_positions=2, horizon=1)
    inst = PositionInstance("mnl", np.array([[1.0, 0.5], [0.2, 2.0]]))
    obs, _ = env.reset(seed=0, options={"instance": (np.array([0.9, 0.4]), inst)})
    assert np.allclose(obs[:, 0], [0.9, 0.4]) and np.allclose(obs[:, 1:3], inst.ctr)
    # by hand: ad 0 alone at position 0 earns 0.9 * 1/2 = 0.45; both (0 at 0, 1 at 1) earn
    # (0.9 + 0.8) / 4 = 0.425; the swap (0.45 + 0.08) / 1.7 = 0.312; the rest less
    assert env.model().opt_value == pytest.approx(0.45)
    assert list(env.model().opt_alloc) == [0, -1]
    with pytest.raises(ValueError, match="instance"):
        env.reset(options={"instance": (np.array([0.9]), inst)})
    with pytest.raises(ValueError, match="unknown key 'bids'"):
        env.reset(options={"bids": 1})


@pytest.mark.parametrize("kwargs,name", [({"n_advertisers": 0}, "n_advertisers"),
                                         ({"click_model": "cascade", "n_positions": 7},
                                          "n_positions"),
                                         ({"objective": "profit"}, "objective")])
def test_bad_constructor_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PositionAuctionEnv(**kwargs)
