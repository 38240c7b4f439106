"""Belady (FitF) is optimal: equal to exhaustive search of every eviction choice."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from papergym.envs.paging import belady, next_use
from papergym.envs.paging.belady import belady_heap, belady_scan
from papergym.envs.paging.generators import GENERATORS
from tests.paging.helpers import play


def brute_force_faults(seq: tuple[int, ...], k: int) -> int:
    """Fewest faults over every demand-paging policy (any cached page may be evicted)."""

    @functools.cache
    def best(t: int, cache: frozenset) -> int:
        if t == len(seq):
            return 0
        p = seq[t]
        if p in cache:
            return best(t + 1, cache)
        if len(cache) < k:
            return 1 + best(t + 1, cache | {p})
        return 1 + min(best(t + 1, (cache - {q}) | {p}) for q in cache)

    return best(0, frozenset())


def canonical_sequences(length: int, n_pages: int):
    """Every sequence up to renaming of pages (restricted growth strings)."""
    def grow(prefix, used):
        if len(prefix) == length:
            yield tuple(prefix)
            return
        for p in range(min(used + 1, n_pages)):
            yield from grow(prefix + [p], max(used, p + 1))
    yield from grow([], 0)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_belady_equals_exhaustive_search_on_every_short_sequence(k):
    """All sequences of length <= 8 over k + 2 pages (up to renaming)."""
    checked = 0
    for length in range(1, 9):
        for seq in canonical_sequences(length, k + 2):
            assert belady(np.array(seq), k).faults == brute_force_faults(seq, k), seq
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("k", [1, 2, 3])
def test_belady_equals_exhaustive_search_on_random_length_12(k):
    rng = np.random.default_rng(k)
    for _ in range(150):
        length = int(rng.integers(9, 13))
        seq = tuple(rng.integers(0, int(rng.integers(k + 1, k + 4)), size=length).tolist())
        assert belady(np.array(seq), k).faults == brute_force_faults(seq, k), seq


def test_discard_bits_follow_the_definition():
    """Bit 1 iff FitF does not hold the page at its next request (or there is none)."""
    rng = np.random.default_rng(0)
    for _ in range(100):
        k = int(rng.integers(1, 5))
        seq = rng.integers(0, k + 3, size=30)
        bits = belady(seq, k).discard_bits
        nxt = next_use(seq)
        # replay FitF with an explicit cache to see what it holds at each next request
        cache, held_at = set(), {}
        for t, p in enumerate(seq.tolist()):
            held_at[t] = p in cache
            if p not in cache:
                if len(cache) == k:
                    cache.remove(max(cache, key=lambda q: next_after(seq, q, t)))
                cache.add(p)
        expected = [1 if nxt[t] >= len(seq) else int(not held_at[nxt[t]])
                    for t in range(len(seq))]
        assert bits.tolist() == expected


def next_after(seq: np.ndarray, page: int, t: int) -> int:
    """Next request of ``page`` after ``t``; never again ranks as ``T + its last index``
    (the tie-break of :func:`next_use`)."""
    later = np.flatnonzero(seq[t + 1:] == page)
    if len(later):
        return int(later[0]) + t + 1
    return len(seq) + int(np.flatnonzero(seq[: t + 1] == page)[-1])


def test_belady_agent_makes_opt_faults():
    for seed in range(10):
        m = play("belady", seed=seed, k=5, n_pages=15, horizon=400,
                 generator=("zipf", "uniform", "loop", "phase")[seed % 4])
        assert m["faults"] == m["opt_faults"]


def test_all_canonical_sequences_are_distinct():
    seqs = list(itertools.islice(canonical_sequences(5, 3), 10**6))
    assert len(seqs) == len(set(seqs)) == 41  # S(5,1) + S(5,2) + S(5,3) = 1 + 15 + 25


@pytest.mark.parametrize("k", [1, 3, 10, 32, 33, 100])
def test_heap_and_scan_belady_give_identical_runs(k):
    """``belady`` scans k keys for small caches and uses a heap for large ones: the two
    must agree on faults and on every discard bit (the victim is unique)."""
    rng = np.random.default_rng(k)
    for i, generator in enumerate(["zipf", "uniform", "loop", "phase"] * 5):
        seq = GENERATORS[generator](rng, k, 4 * k + 3, 400, zipf_alpha=1.0)
        heap, scan = belady_heap(seq, k), belady_scan(seq, k)
        assert heap.faults == scan.faults, (k, generator, i)
        assert np.array_equal(heap.discard_bits, scan.discard_bits), (k, generator, i)


def test_belady_agent_without_the_model_is_refused_by_the_base_class():
    """The guard lives once, in ``Agent.reset``: the agent adds none of its own."""
    from papergym.agents.base import make_agent
    from papergym.envs.paging import PagingEnv

    env = PagingEnv(k=2, n_pages=4, horizon=10)
    obs, info = env.reset(seed=0)
    agent = make_agent("belady")
    with pytest.raises(ValueError, match="requires the env's model"):
        agent.reset(obs, info, env_model=None, seed=0)
    agent.reset(obs, info, env_model=env.model(), seed=0)
    assert agent.act(obs, info) == 0
