"""The paper's test-set sizes, regenerated deterministically from fixed seeds.

CAMP evaluates on n in {40, 60, 80, 100} clients x m in {3, 5, 7} vehicles x three profile
distributions (random, pi, cluster). The sets here are drawn with
:func:`papergym.envs.routing.generators.generate` from ``numpy.random.default_rng([2025, n,
m, distribution index, zones])``, so every caller gets the same instances without files
(100 instances per set would be ~20 MB as ``.npz``, above what the package ships);
``scripts/routing/make_test_sets.py`` writes them to ``.npz`` for other tools and checks
that the files reload to the same instances. The paper's own test files (drawn by its code
with other seeds) are not reproduced.
"""

from __future__ import annotations

import functools

import numpy as np

from papergym.envs.routing.generators import DISTRIBUTIONS, PVRPInstance, generate
from papergym.utils.checks import check_choice, check_int

__all__ = ["TEST_DISTRIBUTIONS", "TEST_M", "TEST_N", "instance_arrays", "load_npz",
           "test_instances"]

TEST_N = (40, 60, 80, 100)
TEST_M = (3, 5, 7)
TEST_DISTRIBUTIONS = ("random", "pi", "cluster")
SET_SIZE = 100


@functools.lru_cache(maxsize=64)
def _test_set(n: int, m: int, distribution: str, zones: bool) -> tuple[PVRPInstance, ...]:
    rng = np.random.default_rng([2025, n, m, DISTRIBUTIONS.index(distribution), int(zones)])
    return tuple(generate(rng, n, m, distribution, zones=zones) for _ in range(SET_SIZE))


def test_instances(n: int, m: int, distribution: str = "random", *, zones: bool = False,
                   count: int = SET_SIZE) -> list[PVRPInstance]:
    """The first ``count`` (<= 100) instances of the test set (n, m, distribution, zones)."""
    n = check_int("n", n, low=1, high=1000)
    m = check_int("m", m, low=1, high=50)
    distribution = check_choice("distribution", distribution, DISTRIBUTIONS)
    count = check_int("count", count, low=1, high=SET_SIZE)
    return list(_test_set(n, m, distribution, bool(zones))[:count])


test_instances.__test__ = False   # not a pytest test despite the name


def instance_arrays(instances: list[PVRPInstance]) -> dict[str, np.ndarray]:
    """Stacked arrays (the ``.npz`` layout): locs, demand, capacity, speed, profile, allowed."""
    fields = ("locs", "demand", "capacity", "speed", "profile", "allowed")
    return {f: np.stack([getattr(inst, f) for inst in instances]) for f in fields}


def load_npz(path) -> list[PVRPInstance]:
    """The instances of a ``.npz`` file written by ``scripts/routing/make_test_sets.py``."""
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    return [PVRPInstance(*(arrays[f][i].copy() for f in ("locs", "demand", "capacity", "speed",
                                                         "profile", "allowed")))
            for i in range(len(arrays["demand"]))]
