"""Training: SB3 agents on papergym envs (:mod:`papergym.training.sb3`, ``papergym
train``) and experiment tracking with W&B (:mod:`papergym.training.tracking`).

Heavy imports (torch, SB3, W&B) happen inside the functions that need them, so importing
this package is cheap.
"""

from papergym.training.sb3 import TrainArgs, train

__all__ = ["TrainArgs", "train"]
