"""Shared test setup: every test sees papergym imported and W&B kept offline."""

import os

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
os.environ.setdefault("MPLBACKEND", "Agg")

import papergym  # noqa: E402,F401  (registers every env id)
