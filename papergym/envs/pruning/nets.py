"""The networks, data and masked training loop shared by the pruning envs and agents.

Everything here is deterministic under a ``numpy.random.Generator``: weights are drawn with
numpy and copied to torch, minibatches are numpy permutations, and torch runs on one thread
(``torch.set_num_threads(1)``: the training is small, and torch's default threading is many
times slower on a shared machine).  A network is a plain list of weight tensors and a list of
bias tensors, so the envs pickle (no ``torch.nn.Module``, no ``torch.Generator``).

Masks multiply the weight matrices only (biases are never pruned, as in Frankle & Carbin
2019); :func:`train_masked` zeroes pruned gradients before each Adam step and the pruned
weights after it, so a pruned weight stays exactly ``0.0`` through training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Dataset", "MLP", "accuracy", "digits_split", "forward", "glorot_mlp",
           "masked_flops", "train_masked"]


def single_thread() -> None:
    """Run torch on one thread (the machine is shared; see the module docstring)."""
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


@dataclass(frozen=True)
class Dataset:
    """A fixed train / validation / test split (float32 inputs, int64 labels)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


_DIGITS: tuple[np.ndarray, np.ndarray] | None = None


def _digits() -> tuple[np.ndarray, np.ndarray]:
    global _DIGITS
    if _DIGITS is None:
        from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

        data = load_digits()
        _DIGITS = ((data.data / 16.0).astype(np.float32), data.target.astype(np.int64))
    return _DIGITS


def digits_split(rng: np.random.Generator, val_fraction: float = 0.2,
                 test_fraction: float = 0.2) -> Dataset:
    """sklearn's bundled ``load_digits`` (1797 8x8 images, pixels scaled to [0, 1]) split at
    random by ``rng`` into train / validation / test (60 / 20 / 20 by default)."""
    x, y = _digits()
    order = rng.permutation(len(y))
    n_val, n_test = int(round(val_fraction * len(y))), int(round(test_fraction * len(y)))
    val, test, train = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    t = torch.from_numpy
    return Dataset(t(x[train]), t(y[train]), t(x[val]), t(y[val]), t(x[test]), t(y[test]), 10)


@dataclass
class MLP:
    """A fully connected ReLU network: ``weights[i]`` has shape ``(out, in)``."""

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]

    def clone(self) -> MLP:
        return MLP([w.detach().clone() for w in self.weights],
                   [b.detach().clone() for b in self.biases])

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [tuple(w.shape) for w in self.weights]


def glorot_mlp(sizes: tuple[int, ...], rng: np.random.Generator) -> MLP:
    """Gaussian Glorot initialisation (the LTH paper's), zero biases; ``sizes`` is
    ``(inputs, hidden..., outputs)``."""
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / (fan_in + fan_out))
        weights.append(torch.from_numpy(rng.normal(0.0, std, (fan_out, fan_in)).astype(np.float32)))
        biases.append(torch.zeros(fan_out))
    return MLP(weights, biases)


def forward(weights: list[torch.Tensor], biases: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Logits of the ReLU MLP."""
    h = x
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = torch.nn.functional.linear(h, w, b)
        if i < last:
            h = torch.relu(h)
    return h


@torch.no_grad()
def accuracy(net: MLP, masks: list[torch.Tensor] | None, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x`` classified correctly by ``net`` with ``masks`` applied."""
    single_thread()
    weights = net.weights if masks is None else [w * m for w, m in zip(net.weights, masks)]
    return float((forward(weights, net.biases, x).argmax(1) == y).float().mean())


def masked_flops(masks: list[torch.Tensor], batch: int) -> float:
    """Training FLOPs of one step on ``batch`` examples: forward plus backward is about three
    times the forward's ``2 * nonzero weights`` multiply-adds per example."""
    return 6.0 * batch * float(sum(int(m.sum()) for m in masks))


def train_masked(net: MLP, masks: list[torch.Tensor], data: Dataset, steps: int,
                 rng: np.random.Generator, *, lr: float = 1.2e-3, batch: int = 60,
                 weight_decay: float = 0.0, snapshot_at: int | None = None
                 ) -> tuple[MLP, MLP | None]:
    """Train ``net`` (a copy; the argument is untouched) for ``steps`` Adam steps on
    minibatches of ``batch`` drawn epoch by epoch from ``rng``, keeping pruned weights at
    zero.  Returns the trained net and, if ``snapshot_at`` is given, the weights after that
    many steps (``0``: before the first step), used for rewinding."""
    single_thread()
    params = [w.detach().clone().mul_(m).requires_grad_(True) for w, m in zip(net.weights, masks)]
    biases = [b.detach().clone().requires_grad_(True) for b in net.biases]
    opt = torch.optim.Adam(params + biases, lr=lr, weight_decay=weight_decay)
    n = len(data.y_train)
    order = rng.permutation(n)
    pos = 0
    snapshot = None
    for step in range(steps):
        if step == snapshot_at:
            snapshot = MLP([p.detach().clone() for p in params], [b.detach().clone() for b in biases])
        if pos + batch > n:
            order, pos = rng.permutation(n), 0
        idx = torch.from_numpy(order[pos:pos + batch])
        pos += batch
        logits = forward(params, biases, data.x_train[idx])
        loss = torch.nn.functional.cross_entropy(logits, data.y_train[idx])
        opt.zero_grad(set_to_none=False)
        loss.backward()
        with torch.no_grad():
            for p, m in zip(params, masks):
                p.grad.mul_(m)
        opt.step()
        with torch.no_grad():
            for p, m in zip(params, masks):
                p.mul_(m)
    if snapshot_at is not None and snapshot is None:
        snapshot = MLP([p.detach().clone() for p in params], [b.detach().clone() for b in biases])
    trained = MLP([p.detach() for p in params], [b.detach() for b in biases])
    return trained, snapshot


def train_params(params: list[torch.Tensor], loss_fn, n: int, steps: int,
                 rng: np.random.Generator, *, lr: float, batch: int,
                 weight_decay: float = 0.0) -> list[torch.Tensor]:
    """Adam on ``params`` (copies; the arguments are untouched) for ``steps`` minibatches of
    ``batch`` indices into ``range(n)`` drawn epoch by epoch from ``rng``;
    ``loss_fn(params, idx)`` returns the minibatch loss.  Returns the trained tensors."""
    single_thread()
    params = [p.detach().clone().requires_grad_(True) for p in params]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    order, pos = rng.permutation(n), 0
    for _ in range(steps):
        if pos + batch > n:
            order, pos = rng.permutation(n), 0
        idx = torch.from_numpy(order[pos:pos + batch])
        pos += batch
        loss = loss_fn(params, idx)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
    return [p.detach() for p in params]
