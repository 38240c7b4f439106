"""The coupling library on its own: greedy MEC guarantees and the paper's Table 1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papergym.envs.coding.ebim import mec_decoder
from papergym.envs.coding.mec import (
    binary_entropy,
    entropy,
    greedy_core_numba,
    greedy_core_numpy,
    greedy_mec,
    greedy_mec_sparse,
    independent_coupling,
    mutual_information,
    zero_seeking_mec,
)
from tests.coding.brute import exact_mec

LOG2E_OVER_E = np.log2(np.e) / np.e  # 0.5307: greedy's gap for two marginals (Compton et al. 2023)


def dist(rng, n, alpha=1.0):
    return rng.dirichlet(np.full(n, alpha))


def test_repo_doctests_of_greedy_mec():
    assert greedy_mec([.5, .5], [.5, .5]).tolist() == [[.5, 0], [0, .5]]
    j = greedy_mec([1.0], [.75, .25], [.6, .3, .1])
    expect = {(0, 0, 0): .6, (0, 1, 1): .25, (0, 0, 2): .1, (0, 0, 1): .05}
    got = {tuple(int(v) for v in k): float(j[tuple(k)]) for k in np.argwhere(j > 0)}
    assert got.keys() == expect.keys()
    assert all(abs(got[k] - expect[k]) < 1e-12 for k in expect)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.integers(0, 10**6), st.sampled_from([0.2, 1.0, 5.0]))
def test_greedy_has_exact_marginals_and_entropy_bounds(k, seed, alpha):
    rng = np.random.default_rng(seed)
    ps = [dist(rng, int(rng.integers(1, 9)), alpha) for _ in range(k)]
    joint = greedy_mec(*ps)
    for axis, p in enumerate(ps):
        other = tuple(a for a in range(k) if a != axis)
        np.testing.assert_allclose(joint.sum(axis=other), p, atol=1e-12)
    h = entropy(joint)
    assert max(entropy(p) for p in ps) - 1e-9 <= h <= sum(entropy(p) for p in ps) + 1e-9
    # sparse: at most sum(n_i) - k + 1 cells
    cells, _ = greedy_mec_sparse(*ps)
    assert len(cells) <= sum(p.size for p in ps) - k + 1


@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 4)])
def test_greedy_within_log2e_over_e_of_exhaustive_optimum(shape):
    rng = np.random.default_rng(sum(shape))
    gaps = []
    for _ in range(6 if shape == (4, 4) else 25):
        p, q = dist(rng, shape[0], 0.7), dist(rng, shape[1], 0.7)
        opt = exact_mec(p, q)
        greedy = entropy(greedy_mec(p, q))
        assert greedy >= opt - 1e-9, "exhaustive search missed a better vertex"
        gaps.append(greedy - opt)
    assert max(gaps) <= LOG2E_OVER_E + 1e-9


def test_greedy_gap_on_a_known_hard_pair():
    # p = q = (1/2, 1/4, 1/4): optimum is the diagonal, H = 1.5; greedy finds it too
    p = np.array([.5, .25, .25])
    assert abs(entropy(greedy_mec(p, p)) - 1.5) < 1e-12 and abs(exact_mec(p, p) - 1.5) < 1e-9


def reference_greedy(ps, dust=1e-15):
    """An independent greedy coupling, written plainly (O(N^2)): every round takes each
    marginal's largest remaining entry (np.argmax: the lowest index on ties), puts the
    smallest of them on their cell and subtracts it; a remainder <= ``dust`` is dropped; a
    marginal already empty contributes the index of its last entry (so every entry of the
    others still gets a cell)."""
    rest = [np.array(p, dtype=float) for p in ps]
    last = [int(np.argmax(r)) for r in rest]
    cells, masses = [], []
    while any((r > 0).any() for r in rest):
        tops = [int(np.argmax(r)) if (r > 0).any() else None for r in rest]
        m = min(r[t] for r, t in zip(rest, tops) if t is not None)
        for k, t in enumerate(tops):
            if t is not None:
                last[k] = t
        cells.append(tuple(last))
        masses.append(m)
        for r, t in zip(rest, tops):
            if t is not None:
                left = r[t] - m
                r[t] = left if left > dust else 0.0
    return np.array(cells, dtype=np.int64).reshape(-1, len(ps)), np.array(masses)


def random_marginals(rng, k, max_size=50):
    ps = []
    for _ in range(k):
        p = dist(rng, int(rng.integers(1, max_size + 1)), float(rng.choice([.05, .3, 1, 10])))
        if p.size > 2 and rng.random() < 0.3:  # zeros and exact ties
            p[rng.integers(p.size)] = 0.0
            p[0] = p[1]
            p = p / p.sum()
        ps.append(p)
    return ps


@pytest.mark.parametrize("backend", [greedy_core_numpy, greedy_core_numba],
                         ids=["numpy", "numba"])
def test_greedy_matches_an_independent_reference_cell_for_cell(backend):
    rng = np.random.default_rng(2024)
    for _ in range(300):
        ps = random_marginals(rng, int(rng.integers(2, 6)))
        cells, masses = backend(ps)
        ref_cells, ref_masses = reference_greedy(ps)
        np.testing.assert_array_equal(cells, ref_cells)
        np.testing.assert_array_equal(masses, ref_masses)


def test_numba_and_numpy_give_identical_couplings_on_the_games_beliefs():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(1, 600))
        belief = dist(rng, n, float(rng.choice([.01, .1, 1])))
        policy = dist(rng, 4, float(rng.choice([.02, 1])))
        a, b = greedy_core_numpy([belief, policy]), greedy_core_numba([belief, policy])
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_every_entry_gets_a_cell_however_small():
    # a belief whose last entries are far below float rounding of the others (1e-150):
    # the coupling must still give each a cell, or a receiver rules its code out
    belief = np.array([0.5, 0.3, 0.2 - 2e-150, 1e-150, 1e-150])
    policy = np.array([0.7, 0.2, 0.1])
    for backend in (greedy_core_numpy, greedy_core_numba):
        cells, masses = backend([belief, policy])
        assert set(cells[:, 0].tolist()) == set(range(5))
        assert set(cells[:, 1].tolist()) == set(range(3))
        assert (masses > 0).all()


def test_fully_dropped_marginal_uses_its_last_entry():
    # rounding leaves p with more mass than q: p's remainder goes to q's last entry
    p, q = np.array([0.5, 0.5 + 1e-12]), np.array([0.5, 0.5])
    for backend in (greedy_core_numpy, greedy_core_numba):
        cells, masses = backend([p, q])
        assert cells.tolist() == [[1, 0], [0, 1], [1, 1]]
        assert masses[-1] == pytest.approx(1e-12, rel=1e-3)


def test_information_helpers():
    assert binary_entropy(0.5) == 1.0 and binary_entropy(0.0) == 0.0
    assert abs(mutual_information(np.diag([.25] * 4)) - 2.0) < 1e-12
    assert abs(mutual_information(independent_coupling([.3, .7], [.5, .5]))) < 1e-12
    dec = mec_decoder([.5, .5], [.5, .5])
    np.testing.assert_allclose(dec, np.eye(2))


# --------------------------------------------------------------------------- Table 1

PAPER_TABLE_1 = {"independent": (5.443, 0.101), "max_seeking": (2.946, 0.064),
                 "zero_seeking": (2.937, 0.058)}


def table_1(seed: int = 0, pairs: int = 100, n: int = 8) -> dict[str, float]:
    """Average joint entropy over random marginal pairs.  The paper does not say how its
    marginals are drawn [R]; normalised uniform draws on 8 values reproduce its
    independent-coupling row (5.443)."""
    rng = np.random.default_rng(seed)
    rows = {"independent": [], "max_seeking": [], "zero_seeking": []}
    for _ in range(pairs):
        p, q = rng.random(n), rng.random(n)
        p, q = p / p.sum(), q / q.sum()
        rows["independent"].append(entropy(independent_coupling(p, q)))
        rows["max_seeking"].append(entropy(greedy_mec(p, q)))
        rows["zero_seeking"].append(entropy(zero_seeking_mec(p, q)))
    return {k: float(np.mean(v)) for k, v in rows.items()}


def test_table_1_independent_row_and_greedy_ratio():
    ours = table_1()
    mean, spread = PAPER_TABLE_1["independent"]
    assert abs(ours["independent"] - mean) <= spread
    # greedy removes the same share of the independent joint's entropy (paper: 45.9 %)
    paper_ratio = PAPER_TABLE_1["max_seeking"][0] / mean
    assert abs(ours["max_seeking"] / ours["independent"] - paper_ratio) <= 0.04
    assert ours["zero_seeking"] <= ours["max_seeking"] + 0.02


@pytest.mark.xfail(strict=True, reason="measured 3.103 bits (normalised-uniform marginals, n=8) "
                   "vs the paper's 2.946 +/- 0.064; the paper's marginal generator is not stated")
def test_table_1_greedy_row_within_reported_spread():
    ours = table_1()
    mean, spread = PAPER_TABLE_1["max_seeking"]
    assert abs(ours["max_seeking"] - mean) <= spread


def test_table_1_greedy_row_no_worse_than_measured():
    assert table_1()["max_seeking"] <= 3.104  # measured 3.103 (the strict xfail above)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad, word", [([.5, -.1, .6], "marginals\\[1\\]"),
                                       ([.5, .6], "marginals\\[1\\]"),
                                       ([np.nan, 1.0], "marginals\\[1\\]")])
def test_bad_marginals_raise_naming_the_argument(bad, word):
    with pytest.raises(ValueError, match=word):
        greedy_mec([.5, .5], bad)


def test_marginal_sum_tolerance_is_1e_9():
    greedy_mec([.5, .5], [.5, .5 + 5e-10])  # within tolerance
    with pytest.raises(ValueError, match="sum to 1"):
        greedy_mec([.5, .5], [.5, .5 + 1e-8])


def test_one_marginal_is_refused():
    with pytest.raises(ValueError, match="marginals"):
        greedy_mec([1.0])


def test_games_play_the_same_with_and_without_numba():
    # the whole game (couplings, Bayes updates, the sender's rows) under the numpy fallback,
    # in a fresh process, against this process's numba run: the same episodes to the bit
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    import papergym
    from papergym.envs.coding.mec import numba_available

    code = ("import json, papergym; r = papergym.run('MarkovCodingGame-v0', 'mecb', "
            "seeds=range(5), compression=2.0, beta=0.05, prior='geometric'); "
            "print(json.dumps([x.metrics for x in r]))")
    repo = str(Path(__file__).resolve().parents[2])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PAPERGYM_NO_NUMBA": "1",
                                          "PYTHONPATH": repo})
    fallback = json.loads(out.stdout.strip().splitlines()[-1])
    here = [r.metrics for r in papergym.run("MarkovCodingGame-v0", "mecb", seeds=range(5),
                                            compression=2.0, beta=0.05, prior="geometric")]
    assert numba_available()
    for a, b in zip(here, fallback):
        assert {k: v for k, v in a.items() if k != "wall_time"} == \
            {k: v for k, v in b.items() if k != "wall_time"}
