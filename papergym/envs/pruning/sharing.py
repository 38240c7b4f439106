"""ParameterSharing-v0: a fixed memory budget, spent on pruning or on randomized parameter
sharing (ROAST, STABLE-RPS) or on a smaller dense model."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.pruning.constants import SCHEMES
from papergym.envs.pruning.instances import instance_rng
from papergym.utils.checks import check_int, check_real, check_render_mode, is_int
from papergym.utils.lazy import lazy_import

if TYPE_CHECKING:
    from papergym.envs.pruning.nets import MLP, Dataset

# torch and the nets are imported on first use: `papergym list` reads this class without them
torch = lazy_import("torch")
_nets = lazy_import("papergym.envs.pruning.nets")
S = lazy_import("papergym.envs.pruning.scores")

__all__ = ["SCHEMES", "ParameterSharingEnv", "rps_mapping", "small_dense_widths"]



def rps_mapping(shapes: list[tuple[int, int]], memory: int, rng: np.random.Generator, *,
                balanced: bool, chunk: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Where each weight lives in the shared array of ``memory`` values, and its sign.

    ``balanced=False`` (ROAST, Desai, Chou & Shrivastava 2022): each chunk of ``chunk``
    consecutive weights of a layer starts at an independent uniform slot and wraps around,
    so some slots are shared by many more weights than others.  ``balanced=True`` (our
    reading of STABLE-RPS): the chunks of all layers, in a random order, are laid end to
    end and position ``p`` goes to slot ``p mod memory``: every slot is shared by
    ``floor(N / memory)`` or ``ceil(N / memory)`` weights, and with ``memory >= N`` the map
    is one-to-one (the dense model: Pareto-continuity).  Signs are independent +-1."""
    slots, signs = [], []
    if balanced:
        chunks = [(layer, start) for layer, (o, i) in enumerate(shapes)
                  for start in range(0, o * i, chunk)]
        order = rng.permutation(len(chunks))
        flat = [np.empty(o * i, dtype=np.int64) for o, i in shapes]
        pos = 0
        for c in order:
            layer, start = chunks[c]
            n = min(chunk, flat[layer].size - start)
            flat[layer][start:start + n] = (pos + np.arange(n)) % memory
            pos += n
        slots = flat
    else:
        for o, i in shapes:
            n = o * i
            starts = rng.integers(0, memory, size=math.ceil(n / chunk))
            idx = np.arange(n)
            slots.append((starts[idx // chunk] + idx % chunk) % memory)
    for o, i in shapes:
        signs.append(rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=o * i))
    return slots, signs


def small_dense_widths(hidden: tuple[int, ...], memory: int) -> tuple[int, ...]:
    """The hidden widths ``round(s * h)`` (at least 1) with the largest scale ``s`` whose
    weight count fits in ``memory``."""
    def count(s: float) -> int:
        sizes = (64, *[max(1, round(s * h)) for h in hidden], 10)
        return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))

    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if count(mid) <= memory else (lo, mid)
    return tuple(max(1, round(lo * h)) for h in hidden)


class ParameterSharingEnv(PaperEnv):
    """
    ## Description

    Model compression at a fixed memory budget.  The network is the LotteryTicket-v0 MLP
    (default ``64-300-100-10``) on sklearn's bundled digits; the budget is ``memory =
    ceil(weights / compression)`` stored weight values (biases, a few hundred, are kept
    in full by every scheme and not counted).  The agent decides how to spend it:
    prune to ``memory`` weights at initialisation (magnitude or random), share the
    weights by randomized hashing into one array of ``memory`` values (ROAST or
    STABLE-RPS), or train a smaller dense model with at most ``memory`` weights.  The
    compressed model is then trained for ``train_steps`` Adam steps.

    This is the comparison of "In Defense of Parameter Sharing for Model-Compression"
    (Desai & Shrivastava, ICLR 2024, arXiv 2310.11611): randomized parameter sharing
    (RPS) matches or beats pruning at initialisation and smaller models across the
    compression range, the more so at high compression; STABLE-RPS fixes ROAST's
    stability and Pareto-continuity.  Only the abstract was available to us; the hashing
    details below are our reading (docs/pruning.md).

    ## Action Space

    ``Discrete(5)``: ``0`` magnitude pruning at init (global ``|w|``), ``1`` random
    pruning at init, ``2`` ROAST (chunked hashing, independent chunk offsets, random
    signs), ``3`` STABLE-RPS (balanced chunked hashing, random signs, gradient of each
    shared value divided by its sharing count), ``4`` a smaller dense MLP.  Anything else
    raises ``InvalidAction``.

    ## Observation Space

    ``Box(0, inf, (3,), float32)``: ``log10(compression)``, ``memory / weights`` and the
    number of weight matrices.

    ## Rewards

    One step: the test _nets.accuracy of the trained compressed model.

    ## Starting State

    A fresh data split and Glorot initialisation from ``self.np_random``;
    ``reset(options={"instance": i})`` replays instance ``i`` (integer ``>= 0``).

    ## Episode End

    ``terminated`` after the single step.  Never truncated.

    ## Info

    At reset and step: ``memory`` (int), ``weights`` (int).  At the end ``metrics``
    (floats): ``test_accuracy`` (primary), ``val_accuracy``, ``memory_used`` (values
    stored), ``compression_ratio`` (weights / memory used), ``scheme`` (the action).

    ## Arguments

    - ``hidden`` (tuple of ints, default ``(300, 100)``): hidden widths, each in
      ``[1, 4096]``.
    - ``compression`` (float, default 100.0): weights / memory, ``>= 1``; a budget below
      one weight per layer is refused.
    - ``train_steps`` (int, default 600): Adam steps (learning rate 1.2e-3, batch 60).
    - ``chunk_size`` (int, default 16): consecutive weights hashed together (ROAST's
      cache-friendly chunks), in ``[1, 4096]``.
    - ``render_mode`` (None): no rendering.

    ## Reference Agents

    ``stable-rps``, ``roast``, ``mag-same-memory``; also ``random-same-memory``,
    ``small-dense`` and ``random``.

    ## Registered Configurations

    - ``ParameterSharing-v0``: the defaults above (100x).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "test_accuracy"
    higher_is_better = True
    leaderboard_configs = ({},)
    quick_kwargs = {"hidden": (24,), "compression": 10.0, "train_steps": 20}
    # a step trains a network: the speed benchmark times the quick configuration, and holds
    # it to a fraction of CartPole's rate (benchmarks/pruning.py times a full round)
    speed_kwargs = quick_kwargs
    speed_target = 5e-6
    speed_target_reason = "a step is a pruning round: it trains a network (seconds at the defaults)"
    bad_inputs = {"hidden": ((), (0,), "wide"), "compression": (0.5, 10**9, "big"),
                  "train_steps": (0,), "chunk_size": (0,), "render_mode": ("human",)}

    def __init__(self, hidden: tuple[int, ...] = (300, 100), compression: float = 100.0,
                 train_steps: int = 600, chunk_size: int = 16, render_mode: str | None = None):
        if not isinstance(hidden, (tuple, list)) or not hidden:
            raise ValueError(f"hidden must be a non-empty tuple of widths, got {hidden!r}")
        self.hidden = tuple(check_int("hidden", h, low=1, high=4096) for h in hidden)
        self.compression = check_real("compression", compression, low=1.0)
        self.train_steps = check_int("train_steps", train_steps, low=1)
        self.chunk_size = check_int("chunk_size", chunk_size, low=1, high=4096)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.sizes = (64, *self.hidden, 10)
        self._shapes = [(o, i) for i, o in zip(self.sizes[:-1], self.sizes[1:])]
        self.n_weights = sum(o * i for o, i in self._shapes)
        self.memory = math.ceil(self.n_weights / self.compression)
        if self.memory < len(self._shapes):
            raise ValueError(f"compression {self.compression} leaves a memory budget of "
                             f"{self.memory} values, below one weight per layer "
                             f"({len(self._shapes)} layers)")
        self.action_space = spaces.Discrete(len(SCHEMES))
        self.observation_space = spaces.Box(0.0, np.inf, (3,), np.float32)
        self.lr, self.batch = 1.2e-3, 60
        self._done = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        rng = instance_rng(self.np_random, options, type(self).__name__)
        _nets.single_thread()
        self._data: Dataset = _nets.digits_split(rng)
        self._rng_seed = int(rng.integers(2**63))
        self._init = _nets.glorot_mlp(self.sizes, rng)
        self._done = False
        self._model = None
        obs = np.array([math.log10(self.compression), self.memory / self.n_weights,
                        len(self._shapes)], dtype=np.float32)
        self._obs = obs
        return obs.copy(), {"memory": self.memory, "weights": self.n_weights}

    # ------------------------------------------------------------------ schemes

    def _train_pruned(self, masks: list[torch.Tensor], rng) -> tuple[MLP, list[torch.Tensor]]:
        net, _ = _nets.train_masked(self._init, masks, self._data, self.train_steps, rng,
                              lr=self.lr, batch=self.batch)
        return net, masks

    def _rps(self, balanced: bool, rng: np.random.Generator):
        slots, signs = rps_mapping(self._shapes, self.memory, rng, balanced=balanced,
                                   chunk=self.chunk_size)
        slots_t = [torch.from_numpy(s) for s in slots]
        signs_t = [torch.from_numpy(g) for g in signs]
        z0 = torch.from_numpy(rng.uniform(-1.0, 1.0, self.memory).astype(np.float32))
        z_std = float(z0.std()) if self.memory > 1 else 1.0
        scales = [math.sqrt(2.0 / (o + i)) / max(z_std, 1e-6) for o, i in self._shapes]
        counts = torch.bincount(torch.cat(slots_t), minlength=self.memory).clamp(min=1).float()
        n_layers = len(self._shapes)

        def weights(z):
            return [(scales[k] * signs_t[k] * z[slots_t[k]]).reshape(self._shapes[k])
                    for k in range(n_layers)]

        d = self._data
        params0 = [z0] + [b.clone() for b in self._init.biases]

        def loss(params, idx):
            z = params[0]
            if balanced:
                z = _grad_scale().apply(z, counts)
            return torch.nn.functional.cross_entropy(
                _nets.forward(weights(z), params[1:], d.x_train[idx]), d.y_train[idx])

        trained = _nets.train_params(params0, loss, len(d.y_train), self.train_steps, rng,
                               lr=self.lr, batch=self.batch)
        return _nets.MLP(weights(trained[0]), trained[1:])

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        if isinstance(action, np.ndarray) and action.size == 1:
            action = action.reshape(()).item()
        if not is_int(action) or not 0 <= int(action) < len(SCHEMES):
            raise InvalidAction(f"action must be a scheme index in [0, {len(SCHEMES)}) "
                                f"({', '.join(SCHEMES)}), got {action!r}")
        scheme = SCHEMES[int(action)]
        _nets.single_thread()
        rng = np.random.default_rng(self._rng_seed)
        d = self._data
        ones = [torch.ones(s) for s in self._shapes]
        masks = None
        if scheme == "magnitude":
            masks = S.keep_top_global(S.magnitude_scores(self._init, ones), ones, self.memory)
        elif scheme == "random":
            density = self.memory / self.n_weights
            counts = [max(1, int(math.floor(density * o * i))) for o, i in self._shapes]
            masks = [S.keep_top_global([sc], [m], c)[0]
                     for sc, m, c in zip(S.random_scores(self._init, rng), ones, counts)]
        if masks is not None:
            net, _ = self._train_pruned(masks, rng)
            used = sum(int(m.sum()) for m in masks)
        elif scheme in ("roast", "stable-rps"):
            net, masks = self._rps(scheme == "stable-rps", rng), None
            used = self.memory
        else:
            widths = small_dense_widths(self.hidden, self.memory)
            sizes = (64, *widths, 10)
            small = _nets.glorot_mlp(sizes, rng)
            ones_small = [torch.ones(w.shape) for w in small.weights]
            net, _ = _nets.train_masked(small, ones_small, d, self.train_steps, rng, lr=self.lr,
                                  batch=self.batch)
            used = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        test = _nets.accuracy(net, masks, d.x_test, d.y_test)
        self._done = True
        metrics = {"test_accuracy": test, "val_accuracy": _nets.accuracy(net, masks, d.x_val, d.y_val),
                   "memory_used": float(used), "compression_ratio": self.n_weights / used,
                   "scheme": float(int(action))}
        info = {"memory": self.memory, "weights": self.n_weights, "metrics": metrics}
        return self._obs.copy(), float(test), True, False, info


_GRAD_SCALE: type | None = None


def _grad_scale() -> type:
    """The autograd function (built on first use, so importing this module needs no torch):
    identity forward; the gradient of each shared value divided by its sharing count."""
    global _GRAD_SCALE
    if _GRAD_SCALE is None:
        class GradScale(torch.autograd.Function):
            @staticmethod
            def forward(ctx, z, counts):
                ctx.save_for_backward(counts)
                return z.view_as(z)

            @staticmethod
            def backward(ctx, grad):
                (counts,) = ctx.saved_tensors
                return grad / counts, None

        _GRAD_SCALE = GradScale
    return _GRAD_SCALE
