"""LayerPruning-v0: remove whole residual blocks of an MLP at initialisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.pruning.instances import instance_rng
from papergym.utils.checks import check_int, check_render_mode
from papergym.utils.lazy import lazy_import, torch_no_grad

if TYPE_CHECKING:
    from papergym.envs.pruning.nets import Dataset

# torch and the nets are imported on first use: `papergym list` reads this class without them
torch = lazy_import("torch")
_nets = lazy_import("papergym.envs.pruning.nets")
S = lazy_import("papergym.envs.pruning.scores")

__all__ = ["LayerPruningEnv", "ResidualState", "block_cka", "linear_cka", "residual_forward"]


def residual_forward(params: list[torch.Tensor], keep: list[int], x: torch.Tensor
                     ) -> torch.Tensor:
    """Logits of the residual MLP ``params = [W_in, b_in, W_1, b_1, ..., W_out, b_out]``
    using only the blocks listed in ``keep`` (the others are skipped: identity)."""
    h = torch.relu(torch.nn.functional.linear(x, params[0], params[1]))
    for b in keep:
        h = h + torch.relu(torch.nn.functional.linear(h, params[2 + 2 * b], params[3 + 2 * b]))
    return torch.nn.functional.linear(h, params[-2], params[-1])


def linear_cka(a: torch.Tensor, b: torch.Tensor) -> float:
    """Linear centred kernel alignment of two representations (rows = examples), in [0, 1]
    (Kornblith et al., ICML 2019)."""
    a = a - a.mean(0)
    b = b - b.mean(0)
    num = (a.T @ b).pow(2).sum()
    den = (a.T @ a).pow(2).sum().sqrt() * (b.T @ b).pow(2).sum().sqrt()
    return float(num / den) if den > 0 else 1.0


@torch_no_grad
def block_cka(params: list[torch.Tensor], n_blocks: int, x: torch.Tensor) -> np.ndarray:
    """Per block, the linear CKA between its input and its output on ``x`` in the dense
    network: 1 means the block barely changes the representation."""
    h = torch.relu(torch.nn.functional.linear(x, params[0], params[1]))
    out = np.empty(n_blocks)
    for b in range(n_blocks):
        nxt = h + torch.relu(torch.nn.functional.linear(h, params[2 + 2 * b], params[3 + 2 * b]))
        out[b] = linear_cka(h, nxt)
        h = nxt
    return out


@dataclass(frozen=True)
class ResidualState:
    """What :meth:`LayerPruningEnv.model` returns: the initial network (read-only)."""

    params: tuple[np.ndarray, ...]   # [W_in, b_in, W_1, b_1, ..., W_out, b_out] at init
    n_blocks: int
    keep_blocks: int
    x_score: np.ndarray              # a training batch for data-driven criteria


class LayerPruningEnv(PaperEnv):
    """
    ## Description

    Layer pruning at initialisation: a residual MLP (``64 -> width``, ``n_blocks`` blocks
    ``h <- h + relu(W h + b)``, ``width -> 10``) on sklearn's bundled digits.  The agent
    sees the network at initialisation and chooses which ``keep_blocks`` blocks survive;
    the shallower network is trained from its initial weights and compared with the
    dense one trained the same way.  This is the setting of "When Layers Play the Lottery,
    all Tickets Win at Initialization" (Jordão et al., 2023; its full text, venue and
    arXiv id were not available to us, only the abstract): winning tickets made of whole layers exist and can
    be found at initialisation, with real FLOP savings.  The paper works on ResNets for
    CIFAR and ImageNet; the residual MLP on digits is our CPU-sized stand-in.

    ## Action Space

    ``Box(-inf, inf, (n_blocks,), float32)``: one score per block; the ``keep_blocks``
    highest-scored blocks are kept (ties: the lower index first).  A non-finite score
    raises ``InvalidAction`` naming the block.

    ## Observation Space

    ``Box(0, inf, (n_blocks, 3), float32)``, per block at initialisation: the RMS of its
    weights, the ratio ``||relu(W h + b)|| / ||h||`` of its update to its input on a
    training batch, and the linear CKA between its input and output there.

    ## Rewards

    One step: the test accuracy of the trained pruned network minus the dense one's.

    ## Starting State

    A fresh data split (60/20/20) and network drawn from ``self.np_random``;
    ``reset(options={"instance": i})`` replays instance ``i`` (integer ``>= 0``).

    ## Episode End

    ``terminated`` after the single step.  Never truncated.

    ## Info

    At reset: ``n_blocks``, ``keep_blocks`` (ints).  At the end: ``kept`` (int64 array of
    the kept blocks) and ``metrics`` (floats): ``test_accuracy`` (primary),
    ``val_accuracy``, ``dense_test_accuracy``, ``accuracy_gap`` (pruned - dense),
    ``flops_ratio`` (per-example forward FLOPs pruned / dense), ``blocks_kept``.

    ## Arguments

    - ``n_blocks`` (int, default 10): residual blocks, in ``[2, 64]``.
    - ``keep_blocks`` (int, default 5): blocks kept, in ``[1, n_blocks]``.
    - ``width`` (int, default 64): hidden width, in ``[1, 1024]``.
    - ``train_steps`` (int, default 600): Adam steps (learning rate 1e-3, batch 60), ``>= 1``.
    - ``render_mode`` (None): no rendering.

    ## Reference Agents

    ``layer-cka-init`` (drop the blocks whose output is most similar to their input at
    initialisation, our reading of the paper's criterion), ``random-layer-pruning``; also
    ``layer-norm-init`` (drop the blocks with the smallest update ratio) and ``random``.

    ## Registered Configurations

    - ``LayerPruning-v0``: the defaults above.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "test_accuracy"
    higher_is_better = True
    leaderboard_configs = ({},)
    quick_kwargs = {"n_blocks": 8, "keep_blocks": 4, "width": 16, "train_steps": 10}
    # a step trains a network: the speed benchmark times the quick configuration, and holds
    # it to a fraction of CartPole's rate (benchmarks/pruning.py times a full round)
    speed_kwargs = quick_kwargs
    speed_target = 5e-6
    speed_target_reason = "a step is a pruning round: it trains a network (seconds at the defaults)"
    bad_inputs = {"n_blocks": (1, 65, 2.0), "keep_blocks": (0, 10**6), "width": (0,),
                  "train_steps": (0,), "render_mode": ("human",)}

    def __init__(self, n_blocks: int = 10, keep_blocks: int = 5, width: int = 64,
                 train_steps: int = 600, render_mode: str | None = None):
        self.n_blocks = check_int("n_blocks", n_blocks, low=2, high=64)
        self.keep_blocks = check_int("keep_blocks", keep_blocks, low=1, high=self.n_blocks)
        self.width = check_int("width", width, low=1, high=1024)
        self.train_steps = check_int("train_steps", train_steps, low=1)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.action_space = spaces.Box(-np.inf, np.inf, (self.n_blocks,), np.float32)
        self.observation_space = spaces.Box(0.0, np.inf, (self.n_blocks, 3), np.float32)
        self._done = True
        self.lr, self.batch = 1e-3, 60

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        rng = instance_rng(self.np_random, options, type(self).__name__)
        _nets.single_thread()
        self._data: Dataset = _nets.digits_split(rng)
        w = self.width

        def glorot(o: int, i: int, gain: float = 1.0) -> torch.Tensor:
            std = gain * np.sqrt(2.0 / (o + i))
            return torch.from_numpy(rng.normal(0.0, std, (o, i)).astype(np.float32))

        params = [glorot(w, 64), torch.zeros(w)]
        for _ in range(self.n_blocks):
            params += [glorot(w, w), torch.zeros(w)]
        params += [glorot(10, w), torch.zeros(10)]
        self._init = params
        self._train_seed = int(rng.integers(2**63))
        idx = rng.choice(len(self._data.y_train), 200, replace=False)
        self._x_score = self._data.x_train[torch.from_numpy(np.sort(idx))]
        self._done = False
        ro = []
        for p in params:
            a = p.numpy().copy()
            a.flags.writeable = False
            ro.append(a)
        xs = self._x_score.numpy().copy()
        xs.flags.writeable = False
        self._model = ResidualState(tuple(ro), self.n_blocks, self.keep_blocks, xs)
        return self._observation(), {"n_blocks": self.n_blocks, "keep_blocks": self.keep_blocks}

    @torch_no_grad
    def _observation(self) -> np.ndarray:
        p = self._init
        cka = block_cka(p, self.n_blocks, self._x_score)
        h = torch.relu(torch.nn.functional.linear(self._x_score, p[0], p[1]))
        feats = np.zeros((self.n_blocks, 3), dtype=np.float32)
        for b in range(self.n_blocks):
            upd = torch.relu(torch.nn.functional.linear(h, p[2 + 2 * b], p[3 + 2 * b]))
            feats[b] = (float(p[2 + 2 * b].pow(2).mean().sqrt()),
                        float(upd.norm() / max(float(h.norm()), 1e-12)), cka[b])
            h = h + upd
        return feats

    def _train(self, keep: list[int], seed: int) -> list[torch.Tensor]:
        d = self._data

        def loss(params, idx):
            return torch.nn.functional.cross_entropy(
                residual_forward(params, keep, d.x_train[idx]), d.y_train[idx])

        return _nets.train_params(self._init, loss, len(d.y_train), self.train_steps,
                            np.random.default_rng(seed), lr=self.lr, batch=self.batch)

    @torch_no_grad
    def _accuracy(self, params, keep, x, y) -> float:
        return float((residual_forward(params, keep, x).argmax(1) == y).float().mean())

    def _flops(self, n_kept: int) -> float:
        w = self.width
        return 2.0 * (64 * w + n_kept * w * w + w * 10)

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        try:
            scores = np.asarray(action, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise InvalidAction(f"action must be {self.n_blocks} block scores") from None
        if scores.shape != (self.n_blocks,):
            raise InvalidAction(f"action must have {self.n_blocks} block scores, got "
                                f"{scores.size}")
        bad = np.flatnonzero(~np.isfinite(scores))
        if bad.size:
            raise InvalidAction(f"score of block {int(bad[0])} is not finite")
        _nets.single_thread()
        kept = sorted(np.argsort(-scores, kind="stable")[:self.keep_blocks].tolist())
        d = self._data
        pruned = self._train(kept, self._train_seed)
        dense = self._train(list(range(self.n_blocks)), self._train_seed)
        test = self._accuracy(pruned, kept, d.x_test, d.y_test)
        dense_test = self._accuracy(dense, list(range(self.n_blocks)), d.x_test, d.y_test)
        self._done = True
        metrics = {"test_accuracy": test,
                   "val_accuracy": self._accuracy(pruned, kept, d.x_val, d.y_val),
                   "dense_test_accuracy": dense_test, "accuracy_gap": test - dense_test,
                   "flops_ratio": self._flops(len(kept)) / self._flops(self.n_blocks),
                   "blocks_kept": float(len(kept))}
        info = {"n_blocks": self.n_blocks, "keep_blocks": self.keep_blocks,
                "kept": np.asarray(kept, dtype=np.int64), "metrics": metrics}
        return self._observation(), float(test - dense_test), True, False, info
