"""Write the paper's test-set sizes (n in {40, 60, 80, 100} x m in {3, 5, 7} x {random, pi,
cluster}, plus the zone-constrained sets) as ``.npz`` files, drawn from fixed seeds by
``papergym.envs.routing.datasets`` (which regenerates the same instances without files).

    python scripts/routing/make_test_sets.py --out routing_test_sets [--count 100]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from papergym.envs.routing.datasets import (
    SET_SIZE,
    TEST_DISTRIBUTIONS,
    TEST_M,
    TEST_N,
    instance_arrays,
    load_npz,
    test_instances,
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="routing_test_sets", help="output folder")
    parser.add_argument("--count", type=int, default=SET_SIZE, help="instances per set (<= 100)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for zones in (False, True):
        for distribution in (("zones",) if zones else TEST_DISTRIBUTIONS):
            for n in TEST_N:
                for m in TEST_M:
                    dist = "random" if zones else distribution
                    insts = test_instances(n, m, dist, zones=zones, count=args.count)
                    path = out / f"pvrp_{distribution}_n{n}_m{m}.npz"
                    np.savez_compressed(path, **instance_arrays(insts))
                    back = load_npz(path)
                    assert all(np.array_equal(a.locs, b.locs) and
                               np.array_equal(a.profile, b.profile)
                               for a, b in zip(insts, back)), path
                    total += path.stat().st_size
    print(f"wrote {out}/: {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
