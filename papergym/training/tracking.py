"""Weights & Biases plumbing shared by ``papergym train`` and ``scripts/run_agent.py``.

Offline by default: ``WANDB_MODE`` (else ``offline``) unless ``--wandb-mode`` says
otherwise, so nothing needs an account or the network; ``wandb sync <run dir>`` uploads
an offline run later.  Offline, W&B is told to look nothing up: no git remote or commit
(``disable_git``), no code saving, no job creation; nothing connects to a host.
Every logged dict carries ``global_step`` (environment steps, or
the episode index for evaluations), declared as the x-axis of every metric.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from typing import Any

__all__ = ["WANDB_MODES", "default_wandb_mode", "start_wandb", "log_metrics", "wandb_settings"]

WANDB_MODES = ("offline", "online", "disabled")


def default_wandb_mode() -> str:
    mode = os.environ.get("WANDB_MODE", "offline")
    return mode if mode in WANDB_MODES else "offline"


def start_wandb(*, project: str, name: str, config: Mapping[str, Any], mode: str,
                directory: str | None = None, group: str | None = None, job_type: str = "train"):
    """``wandb.init`` with our defaults; returns the run."""
    import wandb

    if mode not in WANDB_MODES:
        raise ValueError(f"wandb mode must be one of {', '.join(WANDB_MODES)}, got {mode!r}")
    if directory:
        os.makedirs(directory, exist_ok=True)
    run = wandb.init(project=project, name=name, config=dict(config), mode=mode, dir=directory,
                     group=group, job_type=job_type, settings=wandb_settings(mode))
    run.define_metric("global_step")
    run.define_metric("*", step_metric="global_step")
    return run


def wandb_settings(mode: str):
    """W&B settings for ``mode``: offline and disabled runs record no git remote or
    commit, save no code and create no job (all of which would read the repository or
    the network); online runs keep W&B's defaults."""
    import wandb

    if mode == "online":
        return wandb.Settings()
    return wandb.Settings(disable_git=True, save_code=False, disable_code=True,
                          disable_job_creation=True)


def log_metrics(run, values: Mapping[str, Any], step: int, prefix: str = "") -> None:
    """Log the numeric entries of ``values`` (as ``prefix + key``) at ``global_step=step``."""
    numeric = {f"{prefix}{k}": float(v) for k, v in values.items()
               if isinstance(v, numbers.Real) and not isinstance(v, bool)}
    if numeric:
        run.log({**numeric, "global_step": int(step)})
