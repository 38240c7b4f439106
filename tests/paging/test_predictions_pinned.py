"""Pinned behaviour of Paging-v0's prediction models (``papergym/envs/paging/predictions.py``).

Each test checks a property the module documents (phase boundaries, which requests a noise
model may change and how often, what adversarial corruption flips, edge cases at noise 0
and 1 and budget 0, the errors of bad calls) on small hand-made inputs, so that a small
fault in the code is caught in well under a second (issue 9, section 7: ``make mutate``).
"""

from __future__ import annotations

import numpy as np
import pytest

from papergym.envs.paging.belady import belady, next_use
from papergym.envs.paging.predictions import (
    ADVERSARIAL_TARGET,
    arrival_errors,
    corrupt,
    corrupt_arrivals,
    next_arrivals,
    phase_bits,
    phase_partition,
    prediction_errors,
)


class ZeroDraws:
    """Stands in for a Generator whose every uniform draw is 0.0, the smallest value
    ``Generator.random`` can return: noise 0 must still change nothing."""

    def random(self, size):
        return np.zeros(size)


def random_sequences(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        T = int(rng.integers(1, 25))
        yield rng.integers(0, int(rng.integers(1, 8)), T), int(rng.integers(1, 5))


# ---------------------------------------------------------------- phase partition
@pytest.mark.parametrize("k, phases", [
    (1, [0, 1, 2, 3, 3, 4, 5, 6]),
    (2, [0, 0, 0, 1, 1, 1, 2, 2]),
    (3, [0, 0, 0, 0, 0, 0, 1, 1]),
    (4, [0] * 8),
])
def test_phase_partition_on_a_hand_made_sequence(k, phases):
    seq = np.array([1, 2, 1, 3, 3, 2, 4, 1])
    got = phase_partition(seq, k)
    assert got.dtype == np.int64
    assert got.tolist() == phases


def test_phase_partition_is_the_k_distinct_pages_partition():
    """Every phase holds at most k distinct pages, every phase but the last exactly k,
    and the first request of the next phase would be the (k+1)-th; phases count up by 1."""
    for seq, k in random_sequences(300):
        phase = phase_partition(seq, k)
        assert phase[0] == 0 and set(np.diff(phase).tolist()) <= {0, 1}
        last = int(phase[-1])
        for j in range(last + 1):
            pages = set(seq[phase == j].tolist())
            assert len(pages) <= k
            if j < last:
                assert len(pages) == k
                opener = int(seq[np.flatnonzero(phase == j + 1)[0]])
                assert opener not in pages


def test_phase_functions_accept_the_empty_sequence():
    empty = np.array([], dtype=np.int64)
    assert phase_partition(empty, 3).shape == (0,)
    assert phase_bits(empty, 3).shape == (0,)


# ---------------------------------------------------------------- phase bits
def definition_phase_bits(seq, k):
    """The bit straight from its definition: 1 iff seq[t] is not requested in phase(t)+1."""
    phase = phase_partition(seq, k)
    pages = [set(seq[phase == j].tolist()) for j in range(int(phase[-1]) + 2)]
    return [int(int(p) not in pages[int(j) + 1]) for p, j in zip(seq, phase)]


def test_phase_bits_on_a_hand_made_sequence():
    # k = 2, phases [1 2 1 | 3 3 2 | 4 1]: only page 2 of phase 0 returns in phase 1.
    seq = np.array([1, 2, 1, 3, 3, 2, 4, 1])
    assert phase_bits(seq, 2).tolist() == [1, 0, 1, 1, 1, 1, 1, 1]
    # k = 2, phases [1 2 1 | 3 1 | 4]: page 1 returns in phase 1, so both its requests in
    # phase 0 are "keep" (the first one through the second).
    seq = np.array([1, 2, 1, 3, 1, 4])
    assert phase_bits(seq, 2).tolist() == [0, 1, 0, 1, 1, 1]


def test_phase_bits_match_their_definition():
    for seq, k in random_sequences(300, seed=1):
        assert phase_bits(seq, k).tolist() == definition_phase_bits(seq, k), (seq, k)


def test_phase_bits_are_int8_like_belady_discard_bits():
    seq = np.array([0, 1, 2, 0, 3, 1, 0])
    assert phase_bits(seq, 2).dtype == belady(seq, 2, next_use(seq)).discard_bits.dtype
    assert phase_bits(seq, 2).dtype == np.int8


def test_phase_bits_use_the_partition_they_are_given():
    seq = np.array([1, 2, 1, 3, 3, 2, 4, 1, 2, 3])
    assert phase_bits(seq, 2).tolist() != phase_bits(seq, 3).tolist()
    assert (phase_bits(seq, 2, phase_partition(seq, 3)) == phase_bits(seq, 3)).all()


# ---------------------------------------------------------------- next-arrival truth
def test_next_arrivals_cap_never_again_at_T_and_are_int64():
    seq = np.array([1, 2, 1, 3, 2])
    truth = next_arrivals(next_use(seq))
    assert truth.tolist() == [2, 4, 5, 5, 5]
    assert next_arrivals(next_use(seq).astype(np.int32)).dtype == np.int64


# ---------------------------------------------------------------- bit noise, random mode
BITS = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0], dtype=np.int8)


def test_random_bit_noise_at_0_and_1():
    assert (corrupt(BITS, ZeroDraws(), noise0=0.0, noise1=0.0) == BITS).all()
    rng = np.random.default_rng(0)
    assert (corrupt(BITS, rng, noise0=1.0, noise1=1.0) == 1 - BITS).all()
    only0 = corrupt(BITS, rng, noise0=1.0, noise1=0.0)
    assert prediction_errors(BITS, only0) == (0, int((BITS == 0).sum()))
    only1 = corrupt(BITS, rng, noise0=0.0, noise1=1.0)
    assert prediction_errors(BITS, only1) == (int((BITS == 1).sum()), 0)


def test_random_bit_noise_flips_at_the_documented_rates():
    bits = np.tile(np.array([0, 1], dtype=np.int8), 20_000)
    pred = corrupt(bits, np.random.default_rng(1), noise0=0.1, noise1=0.3)
    eta0, eta1 = prediction_errors(bits, pred)  # eta0: true 1 shown 0; eta1: true 0 shown 1
    assert abs(eta0 / 20_000 - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 20_000)
    assert abs(eta1 / 20_000 - 0.1) < 4 * np.sqrt(0.1 * 0.9 / 20_000)


def test_random_bit_noise_is_the_default_mode_and_follows_the_seed():
    a = corrupt(BITS, np.random.default_rng(7), noise0=0.5, noise1=0.5)
    b = corrupt(BITS, np.random.default_rng(7), noise0=0.5, noise1=0.5, mode="random")
    assert (a == b).all()
    runs = {tuple(corrupt(BITS, np.random.default_rng(s), noise0=0.5, noise1=0.5))
            for s in range(5)}
    assert len(runs) > 1


@pytest.mark.parametrize("mode", ["random", "adversarial"])
def test_corrupted_bits_are_int8_whatever_the_input(mode):
    nxt = next_use(np.arange(len(BITS)))
    pred = corrupt(BITS.tolist(), np.random.default_rng(0), noise0=0.5, noise1=0.5,
                   mode=mode, budget=3, nxt=nxt)
    assert pred.dtype == np.int8
    assert set(pred.tolist()) <= {0, 1}


# ---------------------------------------------------------------- bit noise, adversarial
# seq 1 2 3 1 2 3: next uses 3 4 5 and never again (ranked 9 10 11: the latest furthest).
SEQ = np.array([1, 2, 3, 1, 2, 3])
NXT = next_use(SEQ)
TRUE = np.array([1, 1, 0, 1, 0, 1], dtype=np.int8)  # candidates (bit 1): 0 1 3 5


@pytest.mark.parametrize("budget, expected", [
    (1, [1, 1, 0, 1, 0, 0]),   # t=5: never again, and the latest of those
    (2, [1, 1, 0, 0, 0, 0]),   # then t=3 (never again)
    (3, [1, 0, 0, 0, 0, 0]),   # then t=1 (next use 4)
    (4, [0, 0, 0, 0, 0, 0]),
    (100, [0, 0, 0, 0, 0, 0]),  # at most every candidate
])
def test_adversarial_bits_hide_the_furthest_evictable_pages_first(budget, expected):
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    pred = corrupt(TRUE, rng, noise0=0.0, noise1=0.0, mode="adversarial", budget=budget,
                   nxt=NXT)
    assert pred.tolist() == expected
    assert prediction_errors(TRUE, pred) == (min(budget, 4), 0)  # only 1 -> 0 flips
    assert ADVERSARIAL_TARGET == 1
    assert rng.bit_generator.state == state  # no randomness


@pytest.mark.parametrize("budget", [0, -3, None])
def test_adversarial_bits_with_no_budget_change_nothing(budget):
    kwargs = {} if budget is None else {"budget": budget}
    pred = corrupt(TRUE, None, noise0=0.0, noise1=0.0, mode="adversarial", nxt=NXT, **kwargs)
    assert (pred == TRUE).all()


def test_adversarial_corruption_without_next_uses_is_a_clear_error():
    with pytest.raises(ValueError, match=r"^nxt \(next-use times\) is needed"):
        corrupt(TRUE, None, noise0=0.0, noise1=0.0, mode="adversarial", budget=1)
    with pytest.raises(ValueError, match=r"^nxt \(next-use times\) is needed"):
        corrupt_arrivals(next_arrivals(NXT), None, noise=0.0, mode="adversarial", budget=1)


# ---------------------------------------------------------------- next-arrival noise, random
def all_distinct(T: int) -> np.ndarray:
    """True next arrivals of T distinct pages: all T (never again)."""
    return next_arrivals(next_use(np.arange(T)))


def test_random_arrival_noise_at_0_and_1():
    truth = next_arrivals(next_use(np.array([0, 1, 0, 2, 1, 0, 3])))
    assert (corrupt_arrivals(truth, ZeroDraws(), noise=0.0) == truth).all()
    T = len(truth)
    for seed in range(20):
        pred = corrupt_arrivals(truth, np.random.default_rng(seed), noise=1.0)
        wrong = pred != truth
        assert wrong[:-1].all() and not wrong[-1]  # the last one can only be T
        assert ((pred > np.arange(T)) & (pred <= T)).all()
        assert arrival_errors(truth, pred)[0] == T - 1


def test_random_arrival_noise_is_wrong_at_the_documented_rate():
    truth = all_distinct(20_001)
    pred = corrupt_arrivals(truth, np.random.default_rng(2), noise=0.3)
    rate = arrival_errors(truth, pred)[0] / 20_000
    assert abs(rate - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 20_000)


@pytest.mark.parametrize("truth, others", [
    ([4, 4, 4, 4], [1, 2, 3]),   # never again: any earlier time
    ([2, 4, 4, 4], [1, 3, 4]),   # next request at 2: any other time, T included
])
def test_wrong_arrivals_are_uniform_over_the_other_times(truth, others):
    truth = np.array(truth)
    first = [int(corrupt_arrivals(truth, np.random.default_rng(s), noise=1.0)[0])
             for s in range(1500)]
    assert sorted(set(first)) == others
    freq = np.bincount(first, minlength=5)[others] / len(first)
    assert np.abs(freq - 1 / 3).max() < 0.05


def test_wrong_arrivals_are_drawn_independently_per_request():
    T = 400
    pred = corrupt_arrivals(all_distinct(T), np.random.default_rng(3), noise=1.0)
    t = np.arange(T - 1)
    position = (pred[:-1] - t - 1) / (T - t - 1)  # where in [t+1, T) each guess fell
    assert 0.35 < (position < 0.5).mean() < 0.65


def test_random_arrival_noise_is_the_default_mode_follows_the_seed_and_keeps_int64():
    truth = all_distinct(30)
    a = corrupt_arrivals(truth, np.random.default_rng(5), noise=0.5)
    b = corrupt_arrivals(truth, np.random.default_rng(5), noise=0.5, mode="random")
    assert (a == b).all() and a.dtype == np.int64
    assert (a != truth).any() and (a == truth).any()
    c = corrupt_arrivals(truth.astype(np.int32), np.random.default_rng(5), noise=0.5)
    assert c.dtype == np.int64 and (c == a).all()


# ---------------------------------------------------------------- next-arrival adversarial
TRUE_NEXT = next_arrivals(NXT)  # [3 4 5 6 6 6]; the last already returns "at once" (T)


@pytest.mark.parametrize("budget, expected, errors", [
    (1, [3, 4, 5, 6, 5, 6], (1, 1)),   # t=4: never again, the latest such candidate
    (2, [3, 4, 5, 4, 5, 6], (2, 3)),
    (3, [3, 4, 3, 4, 5, 6], (3, 5)),   # then t=2 (next request at 5)
    (100, [1, 2, 3, 4, 5, 6], (5, 9)),  # every request that does not return at once
])
def test_adversarial_arrivals_say_at_once_for_the_furthest_first(budget, expected, errors):
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    pred = corrupt_arrivals(TRUE_NEXT, rng, noise=0.0, mode="adversarial", budget=budget,
                            nxt=NXT)
    assert pred.tolist() == expected
    assert arrival_errors(TRUE_NEXT, pred) == errors
    assert rng.bit_generator.state == state


@pytest.mark.parametrize("budget", [0, -2, None])
def test_adversarial_arrivals_with_no_budget_change_nothing(budget):
    kwargs = {} if budget is None else {"budget": budget}
    pred = corrupt_arrivals(TRUE_NEXT, None, noise=0.0, mode="adversarial", nxt=NXT,
                            **kwargs)
    assert (pred == TRUE_NEXT).all()


# ---------------------------------------------------------------- error measures
def test_error_measures_on_hand_made_predictions():
    assert prediction_errors([1, 1, 0, 0, 1], [0, 1, 1, 0, 0]) == (2, 1)
    assert arrival_errors([3, 5, 5, 5, 5], [2, 5, 1, 5, 5]) == (2, 1 + 4)
    assert arrival_errors(np.array([4, 4], dtype=np.uint8),
                          np.array([1, 4], dtype=np.uint8)) == (1, 3)
