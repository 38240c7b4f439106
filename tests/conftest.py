"""Shared test setup: every test sees papergym imported and W&B kept offline."""

import os

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
os.environ.setdefault("MPLBACKEND", "Agg")
# one thread per worker: pytest -n 2 on 2 cores, and torch's default pool of one thread per
# core made every torch test ~10x slower under contention
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import papergym  # noqa: E402,F401  (registers every env id)
