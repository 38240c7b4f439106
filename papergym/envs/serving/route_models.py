"""Generative models behind LLMRouting-v0 (ours: synthetic stand-ins for the papers' data).

- ``tryage``: a library of models of increasing size and a few domains; a model's loss
  on a query falls with its size and its skill in the query's domain and rises with the
  query's difficulty (Tryage, arXiv 2308.11601, routes by predicted loss plus weighted
  user flags such as model size).
- ``elliesql``: three Text-to-SQL pipelines (basic, intermediate, advanced); a pipeline
  answers correctly with probability ``sigmoid(skill - slope * difficulty)`` and spends
  tokens that grow with its tier and the difficulty (EllieSQL, arXiv 2503.22402).
- ``duo``: a tiny residual network whose ``layers`` feed-forward slots each run a big
  module, a small module or nothing (Duo-LLM, arXiv 2410.10846); its weights come from
  ``duo_net.npz``, trained with random routes by ``scripts/serving/train_duo.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DuoNet", "ELLIE_TIERS", "TRYAGE_MODELS", "load_duo_net", "sigmoid"]

#: (name, size in billions of parameters, domain skills: code, medicine, law, general)
TRYAGE_MODELS = (
    ("tiny-general", 0.1, (0.0, 0.0, 0.0, 0.3)),
    ("small-code", 0.35, (0.9, 0.0, 0.0, 0.1)),
    ("small-medical", 0.35, (0.0, 0.9, 0.0, 0.1)),
    ("base-legal", 1.3, (0.0, 0.1, 0.9, 0.2)),
    ("large-general", 7.0, (0.3, 0.3, 0.3, 0.6)),
    ("huge-general", 70.0, (0.5, 0.5, 0.5, 0.8)),
)
DOMAINS = ("code", "medicine", "law", "general")

#: (name, skill, tokens at difficulty 0)
ELLIE_TIERS = (("basic", 2.5, 800.0), ("intermediate", 3.5, 3000.0), ("advanced", 4.5, 9000.0))
ELLIE_SLOPE = 5.0


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))


def tryage_losses(difficulty: np.ndarray, domain: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Loss of every library model on each query: ``(n, models)``."""
    sizes = np.array([m[1] for m in TRYAGE_MODELS])
    skills = np.array([m[2] for m in TRYAGE_MODELS])          # (models, domains)
    capacity = np.log10(sizes / 0.1) / np.log10(700.0)        # 0 .. 1
    base = 3.0 - 1.2 * capacity[None, :] - 1.0 * skills[:, domain].T
    return base + 2.0 * difficulty[:, None] * (1.0 - capacity[None, :]) + noise


@dataclass(frozen=True)
class DuoNet:
    """Weights of the tiny routed network: input projection, per-layer big and small
    two-layer MLPs (residual), output head. ``forward`` runs a batch of routes."""

    w_in: np.ndarray
    big: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]
    small: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]
    w_out: np.ndarray
    teacher: np.ndarray
    teacher_out: np.ndarray

    @property
    def layers(self) -> int:
        return len(self.big)

    def target(self, x: np.ndarray) -> np.ndarray:
        """The task: a fixed random two-layer teacher of the inputs."""
        return np.tanh(x @ self.teacher) @ self.teacher_out

    def forward(self, x: np.ndarray, routes: np.ndarray) -> np.ndarray:
        """Outputs for inputs ``x`` (n, d) under ``routes`` (n, layers) in {0 skip, 1 small,
        2 big}."""
        h = x @ self.w_in
        for layer in range(self.layers):
            for module, code in ((self.small[layer], 1), (self.big[layer], 2)):
                rows = routes[:, layer] == code
                if rows.any():
                    w1, b1, w2, b2 = module
                    h[rows] = h[rows] + np.maximum(h[rows] @ w1 + b1, 0.0) @ w2 + b2
        return h @ self.w_out

    def loss(self, x: np.ndarray, routes: np.ndarray) -> np.ndarray:
        """Squared error per input."""
        return ((self.forward(x, routes) - self.target(x)) ** 2).sum(axis=1)


DUO_PATH = Path(__file__).with_name("duo_net.npz")


def load_duo_net(path: Path = DUO_PATH) -> DuoNet:
    data = np.load(path)
    layers = int(data["layers"])

    def module(kind: str, layer: int):
        return tuple(data[f"{kind}{layer}_{p}"] for p in ("w1", "b1", "w2", "b2"))

    return DuoNet(data["w_in"], tuple(module("big", i) for i in range(layers)),
                  tuple(module("small", i) for i in range(layers)), data["w_out"],
                  data["teacher"], data["teacher_out"])
