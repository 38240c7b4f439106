"""Paging with one-bit predictions ("Paging with Succinct Predictions", ICML 2023)."""

from papergym.envs.paging.belady import belady, next_use
from papergym.envs.paging.generators import GENERATORS
from papergym.envs.paging.paging import PagingEnv, PagingInstance
from papergym.envs.paging.predictions import (
    corrupt,
    phase_bits,
    phase_partition,
    prediction_errors,
)

__all__ = ["GENERATORS", "PagingEnv", "PagingInstance", "belady", "corrupt", "next_use",
           "phase_bits", "phase_partition", "prediction_errors"]
