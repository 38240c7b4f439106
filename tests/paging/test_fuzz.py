"""Hypothesis fuzzing of the cache invariants under arbitrary legal and illegal actions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from gymnasium.error import InvalidAction
from hypothesis import given, settings
from hypothesis import strategies as st

from papergym.envs.paging import PagingEnv


@st.composite
def instances(draw):
    k = draw(st.integers(1, 5))
    n_pages = draw(st.integers(k + 1, k + 6))
    seq = draw(st.lists(st.integers(0, n_pages - 1), min_size=1, max_size=40))
    prediction = draw(st.sampled_from(["discard", "phase", "next_arrival"]))
    return k, n_pages, seq, prediction


@settings(max_examples=150, deadline=None)
@given(instances(), st.data())
def test_cache_invariants_hold_after_every_step(instance, data):
    k, n_pages, seq, prediction = instance
    env = PagingEnv(k=k, n_pages=n_pages, prediction=prediction, noise=0.3)
    obs, info = env.reset(seed=data.draw(st.integers(0, 2**16)), options={"instance": seq})
    done, steps = False, 0
    while not done:
        if data.draw(st.booleans()):  # an illegal action first: refused, nothing changes
            bad = data.draw(st.one_of(st.integers(k, k + 3), st.integers(-3, -1),
                                      st.sampled_from(np.flatnonzero(info["action_mask"] == 0)
                                                      .tolist() or [k])))
            before = pickle.dumps(env)
            with pytest.raises(InvalidAction):
                env.step(bad)
            assert pickle.dumps(env) == before
        legal = np.flatnonzero(info["action_mask"]).tolist()
        t, request = info["t"], info["request"]
        obs, reward, done, truncated, info = env.step(data.draw(st.sampled_from(legal)))
        steps += 1
        pages = info["pages"][info["pages"] >= 0]
        assert len(pages) <= k and len(set(pages.tolist())) == len(pages)
        assert request in pages  # the requested page is cached after the step
        served = seq[t: info["t"]]  # this fault and the hits served with it
        assert set(served) <= set(pages.tolist())
        assert env.observation_space.contains(obs)
        # the history is exactly the past: requests 0..t (t = the last request at the end)
        assert info["history"].requests.tolist() == seq[: min(info["t"], len(seq) - 1) + 1]
    assert steps == info["metrics"]["faults"] >= info["metrics"]["opt_faults"]
    assert info["t"] == len(seq)
