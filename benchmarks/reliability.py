#!/usr/bin/env python
"""Reliability of the leaderboard's process handling (issue 11), repeated.

    PYTHONPATH=. python benchmarks/reliability.py [--kills 20] [--cells 40]

1. **Kill test**: start ``papergym leaderboard`` (2 workers, cells of ~0.3 s) on one
   results file, ``kill -9`` it after a random 2-9 s, count the processes of its session
   still alive 3 s later; ``--kills`` times, then one run to the end.
2. **Two writers**: two leaderboard processes on one new results file at once.

Prints cells planned, cells run (executions, from the toy agent's log), cells rerun
(in flight at a kill, so never stored: run again by the next run), stored rows, lost
cells, duplicated (kill test: stored rows beyond one per executed cell; two writers:
executions beyond one per cell), and leaked processes.  Expected: lost, duplicated and
leaked all 0.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from papergym.results import ResultsStore  # noqa: E402
from tests.leaderboard.test_reliability import _session_members  # noqa: E402


def _leaderboard(db: Path, cells: int, log: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PAPERGYM_TOY_LOG": str(log)}
    return subprocess.Popen(
        [sys.executable, "-m", "papergym.cli", "leaderboard", "--import",
         "tests.leaderboard.toyenv", "--envs", "ToySlow-v0", "--agents", "toy_sleepy",
         "--seeds", f"0-{cells - 1}", "--workers", "2", "--no-files", "--no-progress",
         "--db", str(db)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        **popen)


def _executions(log: Path) -> Counter:
    return Counter(log.read_text().split()) if log.exists() else Counter()


def kill_test(kills: int, cells: int, tmp: Path) -> dict[str, int]:
    db, log = tmp / "kill.sqlite", tmp / "kill.log"
    leaked = 0
    for _ in range(kills):
        proc = _leaderboard(db, cells, log, start_new_session=True)
        time.sleep(random.uniform(2.0, 9.0))  # start-up takes seconds: many kills land mid-run
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(3.0)
        alive = _session_members(proc.pid)
        leaked += len(alive)
        for pid in alive:  # clean up what leaked, so the next round starts clean
            os.kill(pid, signal.SIGKILL)
    _leaderboard(db, cells, log).wait()
    with ResultsStore(db) as store:
        stored = len(store)
    runs = _executions(log)
    # a killed run's cells in flight run again (they were never stored): "rerun";
    # "duplicated" counts stored rows beyond one per cell
    return {"planned": cells, "run": sum(runs.values()), "rerun": sum(runs.values()) - len(runs),
            "stored": stored, "lost": cells - stored, "duplicated": stored - len(runs),
            "leaked": leaked}


def two_writers(cells: int, tmp: Path) -> dict[str, int]:
    db, log = tmp / "two.sqlite", tmp / "two.log"
    ResultsStore(db).close()
    procs = [_leaderboard(db, cells, log) for _ in range(2)]
    for proc in procs:
        proc.wait()
    with ResultsStore(db) as store:
        stored = len(store)
    runs = _executions(log)
    return {"planned": cells, "run": sum(runs.values()), "rerun": 0, "stored": stored,
            "lost": cells - stored, "duplicated": sum(runs.values()) - len(runs), "leaked": 0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--cells", type=int, default=40)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = {f"kill -9 x{args.kills}": kill_test(args.kills, args.cells, Path(tmp)),
                "two writers": two_writers(args.cells, Path(tmp))}
    print(f"{'test':<14}" + "".join(f"{k:>11}" for k in next(iter(rows.values()))))
    for name, row in rows.items():
        print(f"{name:<14}" + "".join(f"{v:>11}" for v in row.values()))
    bad = any(r["lost"] or r["leaked"] or r["duplicated"] > 2 for r in rows.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
