"""BestPerm and the planner against brute force (the issue's first claim)."""

from __future__ import annotations

import numpy as np
import pytest

from papergym.envs.cascading.model import (
    all_lists,
    best_perm,
    best_perm_all_states,
    brute_force_best_list,
    brute_force_value_iteration,
    evaluate_policy,
    generate_instance,
    list_value,
    n_lists,
    optimal_plan,
    pessimistic_list_value,
)


def _case(rng: np.random.Generator, index: int):
    n = int(rng.integers(1, 8))
    m = int(rng.integers(1, min(n, 4) + 1)) if index % 10 else n  # every 10th: m = N
    q = rng.uniform(0, 1, n)
    w = rng.uniform(0, 2, n)
    w_bot = float(rng.uniform(0, 1.5))
    if index % 4 == 0:  # ties and exact zeros / ones
        q, w, w_bot = np.round(q, 1), np.round(w, 1), round(w_bot, 1)
    return q, w, w_bot, m


def test_best_perm_equals_brute_force_on_hundreds_of_instances():
    rng = np.random.default_rng(2024)
    for index in range(300):
        q, w, w_bot, m = _case(rng, index)
        best, _ = brute_force_best_list(q, w, w_bot, m)
        value, items = best_perm(q, w, w_bot, m)
        assert value == pytest.approx(best, abs=1e-12)
        assert len(items) <= m and len(set(items)) == len(items)
        assert list_value(q, w, w_bot, items) == pytest.approx(best, abs=1e-12)


def test_batched_best_perm_equals_brute_force():
    rng = np.random.default_rng(7)
    for index in range(60):
        n = int(rng.integers(1, 7))
        m = int(rng.integers(1, n + 1))
        q = rng.uniform(0, 1, (4, n))
        w = rng.uniform(0, 2, (4, n))
        w_bot = rng.uniform(0, 1.5, 4)
        if index % 3 == 0:
            q, w, w_bot = np.round(q, 1), np.round(w, 1), np.round(w_bot, 1)
        values, lists = best_perm_all_states(q, w, w_bot, m)
        for s in range(4):
            best, _ = brute_force_best_list(q[s], w[s], w_bot[s], m)
            assert values[s] == pytest.approx(best, abs=1e-12)
            items = [int(a) for a in lists[s] if a < n]
            assert list_value(q[s], w[s], w_bot[s], items) == pytest.approx(best, abs=1e-12)
            assert all(a == n for a in lists[s, len(items):])


def test_best_list_sorts_by_weight_and_drops_items_below_no_click():
    q = np.array([0.5, 0.5, 0.5, 0.5])
    w = np.array([1.0, 3.0, 0.2, 2.0])
    value, items = best_perm(q, w, 0.5, 4)
    assert items == (1, 3, 0)  # sorted by w, item 2 (w = 0.2 <= w_bot = 0.5) dropped
    assert value == pytest.approx(0.5 * 3 + 0.25 * 2 + 0.125 * 1 + 0.125 * 0.5)


def test_planner_value_equals_brute_force_value_iteration():
    rng = np.random.default_rng(3)
    for _ in range(12):
        S, N = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        inst = generate_instance(rng, S, N, int(rng.integers(1, N + 1)),
                                 int(rng.integers(1, 4)))
        plan = optimal_plan(inst)
        np.testing.assert_allclose(plan.value, brute_force_value_iteration(inst), atol=1e-12)
        np.testing.assert_allclose(evaluate_policy(inst, plan.lists), plan.value, atol=1e-12)


def test_no_policy_beats_the_planner():
    rng = np.random.default_rng(4)
    inst = generate_instance(rng, 3, 4, 2, 3)
    best = optimal_plan(inst).value
    lists = np.array(all_lists(4, 2)[1:], dtype=object)
    for _ in range(50):
        pick = rng.integers(len(lists), size=(3, 3))
        policy = np.full((3, 3, 2), 4)
        for h in range(3):
            for s in range(3):
                items = lists[pick[h, s]]
                policy[h, s, :len(items)] = items
        assert np.all(evaluate_policy(inst, policy) <= best + 1e-12)


def test_pessimistic_value_is_the_least_over_the_box():
    rng = np.random.default_rng(5)
    for _ in range(40):
        n = 4
        lo = rng.uniform(0, 0.6, n)
        hi = lo + rng.uniform(0, 0.4, n)
        w = rng.uniform(0, 2, n)
        w_bot = float(rng.uniform(0, 1))
        items = list(rng.permutation(n)[:3])
        corners = [list_value(np.where(bits, hi, lo), w, w_bot, items)
                   for bits in np.array(np.meshgrid(*[[0, 1]] * n)).T.reshape(-1, n)]
        assert pessimistic_list_value(lo, hi, w, w_bot, items) == pytest.approx(min(corners))


def test_list_count():
    assert n_lists(8, 3) == 1 + 8 + 56 + 336 == len(all_lists(8, 3))
    assert all_lists(3, 1) == [(), (0,), (1,), (2,)]
