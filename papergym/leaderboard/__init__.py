"""The papergym leaderboard: every agent on every env it applies to, over seeds.

Cells (env id, env kwargs, agent, seed) are enumerated from the registries or an
experiment file, run through :func:`papergym.run` on a local process pool or Ray,
stored one transaction per cell (resumable), and ranked by the interquartile mean of
each env's primary metric with 95% stratified bootstrap confidence intervals.
"""

from papergym.leaderboard.aggregate import (
    Board,
    Row,
    aggregate,
    group_boards,
    iqm,
    stratified_bootstrap_ci,
)
from papergym.leaderboard.api import LeaderboardResult, plan, run_leaderboard
from papergym.leaderboard.cells import (
    Cell,
    LeaderboardInputError,
    UnknownEnvError,
    env_traits,
    plan_cells,
)
from papergym.leaderboard.execute import ExecutionStats, WorkerStartError, execute
from papergym.leaderboard.experiment import load_experiment
from papergym.leaderboard.worker import run_cell

__all__ = ["Board", "Cell", "ExecutionStats", "LeaderboardInputError", "LeaderboardResult",
           "Row", "UnknownEnvError", "WorkerStartError", "aggregate", "env_traits", "execute",
           "group_boards", "iqm",
           "load_experiment", "plan", "plan_cells", "run_cell", "run_leaderboard",
           "stratified_bootstrap_ci"]
