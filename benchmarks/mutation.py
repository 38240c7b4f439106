"""Mutation score per module from the last ``mutmut run`` (``make mutate`` calls it).

Reads ``mutmut results --all true`` in the repository root, counts each module's mutants
by outcome, prints the table and, with ``--write``, puts it in benchmarks/RESULTS.md with
the surviving mutants listed by name (``mutmut show NAME`` prints one)::

    python benchmarks/mutation.py [--write]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section  # noqa: E402

#: mutants with no observable effect, found by reading them (``mutmut show``): they stay
#: counted as survivors, this only says why no test can kill them
EQUIVALENT = {
    "papergym.runner.x_agent_seed": "SeedSequence's first word is the same however many "
                                    "words are asked for",
    "papergym.runner.x__thin": "a curve of exactly CURVE_POINTS points thinned over as many "
                               "indices is the curve itself",
    "papergym.runner.x_run_parallel_episode": "truncs.get(role, False/None) goes through "
                                              "bool()",
    "papergym.envs.registration.x__load": "partition/rpartition agree on every valid "
                                          "'module:attr'",
    "papergym.envs.registration.x_check_env_kwargs": "difflib's default n is 3",
    "papergym.envs.paging.predictions.x_corrupt_arrivals": "a floored float compares and "
                                                           "stores as the int it equals",
    "papergym.envs.paging.predictions.x_arrival_errors": "one of the two int64 casts "
                                                         "suffices for exact differences",
    "papergym.utils.checks.x_check_options": "only the first close match is shown, so "
                                             "get_close_matches' n does not matter",
    "papergym.leaderboard.aggregate.x__mean_curve": "int or float curves interpolate alike; "
                                                    "linspace's default 50 is CURVE_GRID",
}


def module_of(mutant: str) -> str:
    return re.sub(r"\.x(ǁ|_).*", "", mutant)


def results() -> dict[str, Counter]:
    out = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "results", "--all",
                          "true"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    counts: dict[str, Counter] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for line in out.splitlines():
        if ":" not in line:
            continue
        name, status = (part.strip() for part in line.rsplit(":", 1))
        counts[module_of(name)][status] += 1
        if status != "killed":
            survivors[module_of(name)].append(name)
    return counts, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    counts, survivors = results()
    if not counts:
        print("no mutmut results here: run `make mutate` first", file=sys.stderr)
        return 1
    rows = ["| module | mutants | killed | survived | no tests | score |",
            "|---|---:|---:|---:|---:|---:|"]
    total = Counter()
    for module in sorted(counts):
        c = counts[module]
        n = sum(c.values())
        total.update(c)
        rows.append(f"| `{module}` | {n} | {c['killed']} | {c['survived']} | "
                    f"{c['no tests']} | {100 * c['killed'] / n:.1f}% |")
    n = sum(total.values())
    rows.append(f"| **all** | {n} | {total['killed']} | {total['survived']} | "
                f"{total['no tests']} | **{100 * total['killed'] / n:.1f}%** |")
    print("\n".join(rows))
    if args.write:
        names = sorted(name for names in survivors.values() for name in names)
        why = []
        for name in names:
            reason = next((r for prefix, r in EQUIVALENT.items() if name.startswith(prefix)),
                          "not yet read")
            why.append(f"- `{name}`: {reason}")
        write_section("mutation", "## Mutation testing (`make mutate`, mutmut 3; not in CI)\n\n"
                      f"{machine()}. Planted faults (mutants) caught by the tests, per "
                      "module: the spine's runner, metrics wrapper, registration, shared "
                      "checks and leaderboard aggregation, and one family (paging's "
                      "prediction models); the scope and test selection are "
                      "`[tool.mutmut]` in pyproject.toml. A mutant counts as killed only "
                      "when a test fails; the survivors below were read one by one and "
                      "have no observable effect (they stay counted as survivors).\n\n"
                      + "\n".join(rows) + "\n\nSurvivors:\n\n" + "\n".join(why))
    return 0


if __name__ == "__main__":
    sys.exit(main())
