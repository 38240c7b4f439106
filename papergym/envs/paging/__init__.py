"""Paging with one-bit predictions ("Paging with Succinct Predictions", ICML 2023).

Importing this package registers ``Paging-v0``; the env's math (Belady, generators,
prediction bits) lives in its modules.
"""

from papergym.envs.registration import register_env

PAPER = "Paging with Succinct Predictions (ICML 2023, arXiv 2210.02775)"

register_env("paging", PAPER, "Paging-v0", "papergym.envs.paging.paging:PagingEnv")

from papergym.envs.paging.belady import belady, next_use  # noqa: E402
from papergym.envs.paging.generators import GENERATORS  # noqa: E402
from papergym.envs.paging.paging import PagingEnv, PagingInstance  # noqa: E402
from papergym.envs.paging.predictions import (  # noqa: E402
    corrupt,
    phase_bits,
    phase_partition,
    prediction_errors,
)

__all__ = ["GENERATORS", "PAPER", "PagingEnv", "PagingInstance", "belady", "corrupt",
           "next_use", "phase_bits", "phase_partition", "prediction_errors"]
