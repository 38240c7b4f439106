"""Paging with one-bit predictions ("Paging with Succinct Predictions", ICML 2023).

Importing this package registers ``Paging-v0``; the env's math (Belady, generators,
predictions, trace files) lives in its modules.  The family's page: ``docs/paging.md``.
"""

from papergym.envs.registration import register_env

PAPER = "Paging with Succinct Predictions (ICML 2023, arXiv 2210.02775)"

register_env("paging", PAPER, "Paging-v0", "papergym.envs.paging.paging:PagingEnv")

from papergym.envs.paging.belady import belady, next_use  # noqa: E402
from papergym.envs.paging.generators import GENERATORS  # noqa: E402
from papergym.envs.paging.paging import History, PagingEnv, PagingInstance  # noqa: E402
from papergym.envs.paging.predictions import (  # noqa: E402
    arrival_errors,
    corrupt,
    corrupt_arrivals,
    next_arrivals,
    phase_bits,
    phase_partition,
    prediction_errors,
)
from papergym.envs.paging.trace import load_trace  # noqa: E402

__all__ = ["GENERATORS", "PAPER", "History", "PagingEnv", "PagingInstance", "arrival_errors",
           "belady", "corrupt", "corrupt_arrivals", "load_trace", "next_arrivals", "next_use",
           "phase_bits", "phase_partition", "prediction_errors"]
