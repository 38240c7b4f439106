"""Property tests (hypothesis): nothing the levers can buy within the constraints beats
the global LP; the position mechanisms' click-through rates rise with the own bid."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from papergym.envs.auctions.autobidding import MultiChannelAutobiddingEnv
from papergym.envs.auctions.position_mechanisms import (
    cascade_dp_best,
    ctrs,
    draw_position_instance,
    mnl_best,
    scores_for,
)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**16), levers=st.sampled_from(["budget", "roi", "both"]),
       generator=st.sampled_from(["uniform", "lognormal", "correlated"]),
       fmt=st.sampled_from(["single", "multi"]), raw=st.lists(st.floats(0.0, 6.0),
                                                               min_size=6, max_size=6))
def test_no_feasible_lever_setting_beats_the_optimum(seed, levers, generator, fmt, raw):
    """Any action whose period stays within the budget and the ROI earns at most the LP
    optimum: per-step pseudo-regret >= 0 (up to rounding)."""
    env = MultiChannelAutobiddingEnv(horizon=3, levers=levers, generator=generator,
                                     auction_format=fmt, target_roi=1.1, budget=15.0,
                                     feedback="exact")
    env.reset(seed=seed)
    action = np.array(raw[:env.action_space.shape[0]])
    _, reward, _, _, info = env.step(action)
    assert np.all(info["spend"] >= 0) and reward >= 0
    if info["budget_violation"] <= 1e-12 and info["roi_violation"] <= 1e-12:
        assert info["regret"] >= -1e-9 * (1 + env.model().opt_value)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), model=st.sampled_from(["mnl", "cascade"]),
       objective=st.sampled_from(["welfare", "revenue"]), i=st.integers(0, 3),
       low=st.floats(0.0, 1.0), high=st.floats(0.0, 1.0))
def test_ctr_is_monotone_in_the_own_bid(seed, model, objective, i, low, high):
    """Monotone allocation (what Myerson's payments need): raising i's bid never lowers
    i's click-through rate under the matching (MNL) or cascade-dp rule."""
    rng = np.random.default_rng(seed)
    inst = draw_position_instance(rng, 4, 3, model)
    bids = rng.uniform(size=4)
    rule = mnl_best if model == "mnl" else cascade_dp_best
    low, high = min(low, high), max(low, high)
    rates = []
    for b in (low, high):
        bids[i] = b
        rates.append(ctrs(rule(scores_for(bids, objective)[0], inst), inst)[i])
    assert rates[1] >= rates[0] - 1e-12
