"""GrokkingTicket-v0: which subnetwork makes modular addition grok fastest."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.pruning.constants import GROK_RULES, MASK_SOURCES
from papergym.envs.pruning.instances import instance_rng
from papergym.utils.checks import check_int, check_real, check_render_mode, is_int
from papergym.utils.lazy import lazy_import

# torch and the nets are imported on first use: `papergym list` reads this class without them
torch = lazy_import("torch")
_nets = lazy_import("papergym.envs.pruning.nets")
S = lazy_import("papergym.envs.pruning.scores")

__all__ = ["GROK_RULES", "GrokkingTicketEnv", "GrokRun", "MASK_SOURCES", "grok_forward", "train_grokking"]



def grok_forward(params: list[torch.Tensor], a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The MLP of the grokking-tickets authors' code (re-implemented from its description):
    ``params = [E, W_in, W_out, U]`` with ``E`` (d_emb x p) embedding both operands,
    ``W_in`` (width x d_emb) projecting each, the two projections summed and passed through
    a ReLU, ``W_out`` (d_emb x width) and the unembedding ``U`` (d_emb x p) giving logits
    over ``Z_p``; no biases."""
    emb, w_in, w_out, unemb = params
    h = torch.relu((emb[:, a] + emb[:, b]).T @ w_in.T)
    return (h @ w_out.T) @ unemb


class GrokRun:
    """The result of one full-batch training run (epochs are 1-based)."""

    def __init__(self, memorisation_epoch: int | None, generalisation_epoch: int | None,
                 snapshots: dict[str, list[torch.Tensor]], final: list[torch.Tensor],
                 val_accuracy: float, train_accuracy: float):
        self.memorisation_epoch = memorisation_epoch
        self.generalisation_epoch = generalisation_epoch
        self.snapshots = snapshots
        self.final = final
        self.val_accuracy = val_accuracy
        self.train_accuracy = train_accuracy


def train_grokking(init: list[torch.Tensor], masks: list[torch.Tensor] | None, data: dict,
                   *, epochs: int, lr: float, weight_decay: float, target: float,
                   eval_every: int, stop_at_target: bool) -> GrokRun:
    """Full-batch AdamW on the training pairs; every ``eval_every`` epochs the accuracies
    are measured.  Records the first measured epoch with train accuracy 1 (memorisation)
    and with validation accuracy ``>= target`` (generalisation), and the weights there.
    ``masks`` (for ``E, W1, W2``) keep pruned weights at exactly zero."""
    _nets.single_thread()
    params = [p.detach().clone() for p in init]
    prunable = range(len(params))
    if masks is not None:
        for k, m in zip(prunable, masks):
            params[k].mul_(m)
    params = [p.requires_grad_(True) for p in params]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, betas=(0.9, 0.98))
    a_tr, b_tr, y_tr = data["train"]
    a_va, b_va, y_va = data["val"]
    mem = gen = None
    snaps: dict[str, list[torch.Tensor]] = {}
    val_acc = train_acc = 0.0
    for epoch in range(1, epochs + 1):
        logits = grok_forward(params, a_tr, b_tr)
        loss = torch.nn.functional.cross_entropy(logits, y_tr)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        if masks is not None:
            with torch.no_grad():
                for k, m in zip(prunable, masks):
                    params[k].grad.mul_(m)
        opt.step()
        if masks is not None:
            with torch.no_grad():
                for k, m in zip(prunable, masks):
                    params[k].mul_(m)
        if epoch % eval_every == 0 or epoch == epochs:
            with torch.no_grad():
                train_acc = float((grok_forward(params, a_tr, b_tr).argmax(1) == y_tr)
                                  .float().mean())
                val_acc = float((grok_forward(params, a_va, b_va).argmax(1) == y_va)
                                .float().mean())
            if mem is None and train_acc >= 1.0:
                mem = epoch
                snaps["memorisation"] = [p.detach().clone() for p in params]
            if gen is None and val_acc >= target:
                gen = epoch
                snaps["generalisation"] = [p.detach().clone() for p in params]
                if stop_at_target:
                    break
    final = [p.detach().clone() for p in params]
    snaps.setdefault("memorisation", final)
    snaps.setdefault("generalisation", final)
    return GrokRun(mem, gen, snaps, final, val_acc, train_acc)


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, int(n ** 0.5) + 1))


class GrokkingTicketEnv(PaperEnv):
    """
    ## Description

    Grokking tickets.  The task is modular addition ``(a + b) mod p``: all ``p^2`` pairs,
    a random ``train_fraction`` of them for training (full batch), the rest for
    validation.  A dense MLP trained with AdamW and weight decay first memorises the
    training pairs and only much later generalises ("grokking").  "Grokking Tickets:
    Lottery Tickets Accelerate Grokking" (Minegishi, Iwasawa & Matsuo, arXiv 2310.19470)
    finds that the magnitude-pruned subnetwork of the *generalised* network, reset to its
    initial weights ("grokking ticket"), generalises far sooner than the dense network,
    while tickets taken at memorisation or masks chosen at initialisation do not.

    The agent chooses the mask: which weights it is computed from (initialisation, the
    memorisation point or the generalisation point of the dense run), how (magnitude or
    random) and what fraction of the weights to keep (global over the four weight matrices; the
    model has no biases).  The env runs the dense network once (for the
    mask and as the baseline), then retrains the masked network from its initial values
    with the same optimiser and weight decay, and reports the epochs it needs to reach
    ``target_accuracy`` on validation.

    ## Action Space

    ``Dict``: ``source`` ``Discrete(3)`` (``init``, ``memorisation``, ``generalisation``),
    ``rule`` ``Discrete(2)`` (``magnitude``, ``random``), ``keep`` ``Box(0, 1, (1,),
    float32)`` with the kept fraction in ``(0, 1]`` (outside: ``InvalidAction``).

    ## Observation Space

    ``Box(0, inf, (3,), float32)``: ``p / 100``, ``train_fraction``, ``weight_decay``.

    ## Rewards

    One step: ``dense epochs / ticket epochs`` (the speed-up; an unreached target counts
    as ``max_epochs + eval_every``).

    ## Starting State

    A fresh split and initialisation from ``self.np_random``; ``reset(options=
    {"instance": i})`` replays instance ``i`` (integer ``>= 0``).

    ## Episode End

    ``terminated`` after the single step.  Never truncated.

    ## Info

    At reset and step: ``p`` (int).  At the end ``metrics`` (floats):
    ``epochs_to_generalise`` (primary, lower is better; ``max_epochs + eval_every`` if
    never), ``dense_epochs_to_generalise``, ``speedup``, ``dense_memorisation_epoch``,
    ``generalised`` (0/1), ``val_accuracy``, ``train_accuracy``, ``density``,
    ``weight_norm`` (L2 of the ticket's final weights), ``dense_weight_norm``.

    ## Arguments

    - ``p`` (int, default 67): the modulus, a prime in ``[3, 257]``.
    - ``train_fraction`` (float, default 0.4): in ``(0, 1)``.
    - ``d_emb`` (int, default 500) and ``width`` (int, default 48): embedding size and
      hidden width, in ``[1, 4096]``.
    - ``learning_rate`` (float, default 1e-3) and ``weight_decay`` (float, default 1.0):
      AdamW's, for the dense run and the retraining.
    - ``max_epochs`` (int, default 10000): full-batch epochs per run, ``>= 1``.
    - ``eval_every`` (int, default 10): epochs between accuracy measurements, ``>= 1``.
    - ``target_accuracy`` (float, default 0.95): validation accuracy that counts as
      generalised, in ``(0, 1]``.
    - ``render_mode`` (None): no rendering.

    ## Reference Agents

    ``grokking-ticket`` (magnitude, generalisation point, keep 0.6), ``memorisation-ticket``,
    ``random-pruning-init`` and ``dense-grokking`` (keep everything); also ``random``.

    ## Registered Configurations

    - ``GrokkingTicket-v0``: the defaults above.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "epochs_to_generalise"
    higher_is_better = False
    leaderboard_configs = ({},)
    quick_kwargs = {"p": 7, "d_emb": 8, "width": 8, "max_epochs": 15, "eval_every": 1}
    # a step trains a network: the speed benchmark times the quick configuration, and holds
    # it to a fraction of CartPole's rate (benchmarks/pruning.py times a full round)
    speed_kwargs = quick_kwargs
    speed_target = 5e-6
    speed_target_reason = "a step is a pruning round: it trains a network (seconds at the defaults)"
    bad_inputs = {"p": (4, 2, 263, 7.0), "train_fraction": (0.0, 1.0), "d_emb": (0,),
                  "width": (0,), "learning_rate": (0.0,), "weight_decay": (-1.0,),
                  "max_epochs": (0,), "eval_every": (0,), "target_accuracy": (0.0, 1.5),
                  "render_mode": ("human",)}

    def __init__(self, p: int = 67, train_fraction: float = 0.4, d_emb: int = 500,
                 width: int = 48, learning_rate: float = 1e-3, weight_decay: float = 1.0,
                 max_epochs: int = 10000, eval_every: int = 10, target_accuracy: float = 0.95,
                 render_mode: str | None = None):
        self.p = check_int("p", p, low=3, high=257)
        if not _is_prime(self.p):
            raise ValueError(f"p must be a prime, got {self.p}")
        self.train_fraction = check_real("train_fraction", train_fraction, low=0.0, high=1.0,
                                         low_open=True, high_open=True)
        self.d_emb = check_int("d_emb", d_emb, low=1, high=4096)
        self.width = check_int("width", width, low=1, high=4096)
        self.learning_rate = check_real("learning_rate", learning_rate, low=0.0, low_open=True)
        self.weight_decay = check_real("weight_decay", weight_decay, low=0.0)
        self.max_epochs = check_int("max_epochs", max_epochs, low=1)
        self.eval_every = check_int("eval_every", eval_every, low=1)
        self.target_accuracy = check_real("target_accuracy", target_accuracy, low=0.0,
                                          high=1.0, low_open=True)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.action_space = spaces.Dict({
            "source": spaces.Discrete(len(MASK_SOURCES)),
            "rule": spaces.Discrete(len(GROK_RULES)),
            "keep": spaces.Box(0.0, 1.0, (1,), np.float32),
        })
        self.observation_space = spaces.Box(0.0, np.inf, (3,), np.float32)
        self._done = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        rng = instance_rng(self.np_random, options, type(self).__name__)
        p = self.p
        # symmetric inputs as in the authors' code: the pairs a <= b (a + b = b + a)
        a, b = np.triu_indices(p)
        order = rng.permutation(a.size)
        n_train = max(1, int(self.train_fraction * a.size))
        tr, va = order[:n_train], order[n_train:]
        if va.size == 0:
            tr, va = order[:-1], order[-1:]
        t = torch.from_numpy
        self._data = {"train": (t(a[tr]), t(b[tr]), t((a[tr] + b[tr]) % p)),
                      "val": (t(a[va]), t(b[va]), t((a[va] + b[va]) % p))}
        d, w = self.d_emb, self.width

        def normal(shape, std):
            return torch.from_numpy(rng.normal(0.0, std, shape).astype(np.float32))

        # the authors' initialisation: N(0, 1/fan_in) with the fan-in of each product
        self._init = [normal((d, p), 1.0 / np.sqrt(p)), normal((w, d), 1.0 / np.sqrt(d)),
                      normal((d, w), 1.0 / np.sqrt(w)), normal((d, p), 1.0 / np.sqrt(d))]
        self._random_seed = int(rng.integers(2**63))
        self._done = False
        self._model = None
        self._obs = np.array([p / 100.0, self.train_fraction, self.weight_decay], np.float32)
        return self._obs.copy(), {"p": p}

    def _run(self, masks):
        return train_grokking(self._init, masks, self._data, epochs=self.max_epochs,
                              lr=self.learning_rate, weight_decay=self.weight_decay,
                              target=self.target_accuracy, eval_every=self.eval_every,
                              stop_at_target=True)

    def dense_run(self) -> GrokRun:
        """The dense network's run (cached per episode)."""
        if getattr(self, "_dense", None) is None or self._dense[0] is not self._init:
            self._dense = (self._init, self._run(None))
        return self._dense[1]

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        if not isinstance(action, dict) or set(action) != {"source", "rule", "keep"}:
            raise InvalidAction("action must be a dict with keys source, rule, keep")
        ints = {}
        for key, n in (("source", len(MASK_SOURCES)), ("rule", len(GROK_RULES))):
            v = action[key]
            if isinstance(v, np.ndarray) and v.size == 1:
                v = v.reshape(()).item()
            if not is_int(v) or not 0 <= int(v) < n:
                raise InvalidAction(f"action[{key!r}] must be an integer in [0, {n}), got {v!r}")
            ints[key] = int(v)
        try:
            keep = float(np.asarray(action["keep"], dtype=np.float64).reshape(-1)[0])
        except (TypeError, ValueError, IndexError):
            raise InvalidAction("action['keep'] must be one number in (0, 1]") from None
        if not np.isfinite(keep) or not 0.0 < keep <= 1.0:
            raise InvalidAction(f"action['keep'] must be in (0, 1], got {keep}")
        _nets.single_thread()
        dense = self.dense_run()
        prunable = range(len(self._init))
        total = sum(self._init[k].numel() for k in prunable)
        n_keep = max(1, int(round(keep * total)))
        if n_keep >= total:
            masks = None
        else:
            source = MASK_SOURCES[ints["source"]]
            weights = self._init if source == "init" else dense.snapshots[source]
            ones = [torch.ones(self._init[k].shape) for k in prunable]
            if GROK_RULES[ints["rule"]] == "magnitude":
                sc = [weights[k].abs() for k in prunable]
            else:
                rng = np.random.default_rng(self._random_seed)
                sc = [torch.from_numpy(rng.random(tuple(self._init[k].shape)).astype(np.float32))
                      for k in prunable]
            masks = S.keep_top_global(sc, ones, n_keep)
        run = dense if masks is None else self._run(masks)
        never = self.max_epochs + self.eval_every
        epochs = run.generalisation_epoch or never
        dense_epochs = dense.generalisation_epoch or never
        density = 1.0 if masks is None else sum(int(m.sum()) for m in masks) / total

        def norm(params):
            return float(torch.sqrt(sum(params[k].pow(2).sum() for k in prunable)))

        metrics = {"epochs_to_generalise": float(epochs),
                   "dense_epochs_to_generalise": float(dense_epochs),
                   "speedup": dense_epochs / epochs,
                   "dense_memorisation_epoch": float(dense.memorisation_epoch or never),
                   "generalised": float(run.generalisation_epoch is not None),
                   "val_accuracy": run.val_accuracy, "train_accuracy": run.train_accuracy,
                   "density": density, "weight_norm": norm(run.final),
                   "dense_weight_norm": norm(dense.final)}
        self._done = True
        return self._obs.copy(), dense_epochs / epochs, True, False, {"p": self.p,
                                                                      "metrics": metrics}
