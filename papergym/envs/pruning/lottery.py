"""LotteryTicket-v0: pruning a Lenet-300-100-shaped MLP on digits, one pruning round a step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.pruning.constants import ACTION_RULES, WEIGHT_RESETS
from papergym.envs.pruning.instances import instance_rng
from papergym.utils.checks import check_int, check_real, check_render_mode, is_int
from papergym.utils.lazy import lazy_import

if TYPE_CHECKING:
    from papergym.envs.pruning.nets import MLP, Dataset

# torch and the nets are imported on first use: `papergym list` reads this class without them
torch = lazy_import("torch")
_nets = lazy_import("papergym.envs.pruning.nets")
S = lazy_import("papergym.envs.pruning.scores")

__all__ = ["ACTION_RULES", "WEIGHT_RESETS", "LotteryTicketEnv", "PruningState"]

_N_STATS = 3
_N_GLOBAL = 4


@dataclass(frozen=True)
class PruningState:
    """What :meth:`LotteryTicketEnv.model` returns (read-only numpy copies)."""

    sizes: tuple[int, ...]            # (inputs, hidden..., outputs)
    weights: tuple[np.ndarray, ...]   # current weights (out, in), pruned entries 0
    biases: tuple[np.ndarray, ...]
    masks: tuple[np.ndarray, ...]     # float32 0/1, same shapes as weights
    init_weights: tuple[np.ndarray, ...]    # theta_0
    rewind_weights: tuple[np.ndarray, ...]  # theta_k (theta_0 until the first training)
    x_score: np.ndarray               # the minibatch the env scores SNIP / GraSP on
    y_score: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    target_density: float
    round: int
    max_rounds: int
    train_steps_per_round: int
    trained: bool                     # whether any training has happened this episode


def _ro(t: torch.Tensor) -> np.ndarray:
    a = t.detach().numpy().copy()
    a.flags.writeable = False
    return a


class LotteryTicketEnv(PaperEnv):
    """
    ## Description

    Network pruning as a sequential decision problem.  An episode is one compression run
    on a fully connected ReLU network (default ``64-300-100-10``, the Lenet-300-100 shape
    of the lottery-ticket paper, on sklearn's bundled 8x8 ``load_digits``, split 60/20/20
    into train / validation / test at random from the episode's seed).  Each step is one
    pruning round: the agent says which weights to remove (per-layer keep fractions and
    a scoring rule, or an explicit mask), what the survivors are reset to (rewind to
    ``theta_k``, continue from the trained values, or re-initialise at random) and the env
    then trains the masked network for ``train_steps_per_round`` Adam steps.

    The family implements "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural
    Networks" (Frankle & Carbin, ICLR 2019, arXiv 1803.03635): iterative magnitude
    pruning with rewinding finds sparse subnetworks ("winning tickets") that train to the
    dense network's _nets.accuracy; the same mask with a random re-initialisation does worse.
    The training recipe follows the paper's Lenet setting (Adam, learning rate 1.2e-3,
    minibatches of 60, Gaussian Glorot initialisation, biases never pruned); the paper
    trains on MNIST for 50k iterations, we train on digits for ``train_steps_per_round``
    steps.  The same env scores the pruning-at-initialisation criteria SNIP (Lee et al.
    2019), GraSP (Wang et al. 2020) and SynFlow (Tanaka et al. 2020) and hosts the
    Scratch-E / Scratch-B baselines of "Rethinking the Value of Network Pruning" (Liu et
    al., ICLR 2019, arXiv 1810.05270).

    ## Action Space

    ``Dict`` with keys (``L`` = number of weight matrices):

    - ``keep``: ``Box(0, 1, (L,), float32)``, the fraction of each layer's *alive* weights
      to keep this round; each must lie in ``(0, 1]`` (a 0 raises ``InvalidAction``
      naming the layer).  Per layer at least one weight is kept.
    - ``rule``: ``Discrete(7)``: ``magnitude``, ``random``, ``snip``, ``grasp``,
      ``synflow`` (scores of the current weights, higher = keep), ``neuron`` (structured:
      ``keep[l]`` of the alive neurons of hidden layer ``l`` by the L1 norm of their
      incoming weights, Li et al. 2017; ``keep[-1]`` and ``scope`` ignored) or ``mask``
      (use the explicit ``mask`` entry, intersected with the current mask; ``keep`` is
      then ignored).
    - ``scope``: ``Discrete(2)``: 0 = per layer; 1 = global, keeping the same total number
      of weights (``sum_l round(keep_l * alive_l)``) chosen by score over the whole
      network (global ``synflow`` is the paper's iterative version, over
      ``synflow_iterations`` rounds).
    - ``weights``: ``Discrete(3)``: 0 = rewind the survivors to ``theta_k`` (``k =
      rewind_to``; ``theta_0`` before any training), 1 = continue from the current values
      (fine-tuning), 2 = re-initialise at random (the random re-initialisation control and
      Scratch-E / Scratch-B).
    - ``stop``: ``Discrete(2)``: 1 ends the episode after this round's training.
    - ``mask``: ``Dict`` of ``MultiBinary((out, in))`` per layer ``layer0 .. layer{L-1}``.

    ``keep``, ``rule`` are required; a missing ``scope``/``weights``/``stop`` means 0 and a
    missing ``mask`` is allowed unless ``rule`` is ``mask``.  A mask of the wrong shape, a
    keep fraction outside ``(0, 1]``, an unknown rule or key raises
    ``gymnasium.error.InvalidAction`` naming the layer or key, and changes nothing.

    ## Observation Space

    ``Box(0, inf, (3L + 4,), float32)``: per layer its density (alive / size), the mean
    and the standard deviation of its alive weights' absolute values; then the validation
    _nets.accuracy, the overall density, the fraction of rounds left and 1 if any training has
    happened this episode.

    ## Rewards

    The change of validation _nets.accuracy over the round (so the return is the final
    validation _nets.accuracy minus that of the untrained network).  No per-step regret: the
    best mask is unknown.

    ## Starting State

    A fresh Glorot-initialised dense network ``theta_0`` and a fresh data split, both drawn
    from ``self.np_random``; ``reset(options={"instance": i})`` with an integer ``i >= 0``
    replays instance ``i`` (the split and ``theta_0`` drawn from ``i`` alone).  Nothing
    is trained at reset: IMP's first action trains the dense network (keep 1, continue).

    ## Episode End

    ``terminated`` when an action has ``stop = 1`` (after its training).  ``truncated``
    after ``max_rounds`` rounds.

    ## Info

    At every reset and step: ``density`` (float, alive weights / all weights),
    ``layer_density`` (float64 ``(L,)``), ``val_accuracy`` (float), ``round`` (int, rounds
    played), ``train_flops`` (float, training FLOPs so far: ``6 * batch * alive`` per
    step), ``target_density`` (float), ``rounds_left`` (int).  At the end also ``metrics`` (floats):
    ``ticket_accuracy`` (the primary metric: test _nets.accuracy if ``density <=
    target_density``, else 0), ``test_accuracy``, ``val_accuracy``, ``density``,
    ``compression_ratio`` (1 / density), ``train_flops``, ``dense_test_accuracy`` (the
    dense network trained from the same ``theta_0`` for ``train_steps_per_round`` steps,
    not charged to the agent), ``accuracy_gap`` (test - dense test), ``reached_target``
    (0/1), ``rounds``.

    ## Arguments

    - ``hidden`` (tuple of ints, default ``(300, 100)``): hidden widths, each in
      ``[1, 4096]``, at least one layer.
    - ``train_steps_per_round`` (int, default 600): Adam steps per round, ``>= 1``.
    - ``rewind_to`` (int, default 0): the step ``k`` of the first training whose weights
      ``rewind`` restores, in ``[0, train_steps_per_round]``.
    - ``max_rounds`` (int, default 20): rounds per episode, ``>= 1``.
    - ``target_density`` (float, default 0.1): the density the primary metric asks for,
      in ``(0, 1]``.
    - ``learning_rate`` (float, default 1.2e-3): Adam's step size, ``> 0``.
    - ``batch_size`` (int, default 60): minibatch size, in ``[1, 1000]``.
    - ``score_batch`` (int, default 100): examples SNIP and GraSP score on, in
      ``[1, 1000]``.
    - ``synflow_iterations`` (int, default 100): rounds of global SynFlow, ``>= 1``.
    - ``render_mode`` (None): no rendering; anything else is refused.

    ## Reference Agents

    ``imp`` (iterative magnitude pruning with rewinding, Frankle & Carbin 2019),
    ``one-shot-magnitude``, ``random-pruning``, ``snip``, ``grasp``, ``synflow``; also
    ``imp-random-reinit``, ``scratch-e``, ``scratch-b`` (Liu et al. 2019) and ``random``.

    ## Registered Configurations

    - ``LotteryTicket-v0``: the defaults above.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "ticket_accuracy"
    higher_is_better = True
    leaderboard_configs = ({},)
    quick_kwargs = {"hidden": (16,), "train_steps_per_round": 10, "max_rounds": 3,
                    "target_density": 0.5, "synflow_iterations": 5}
    # a step trains a network: the speed benchmark times the quick configuration, and holds
    # it to a fraction of CartPole's rate (benchmarks/pruning.py times a full round)
    speed_kwargs = quick_kwargs
    speed_target = 5e-6
    speed_target_reason = "a step is a pruning round: it trains a network (seconds at the defaults)"
    bad_inputs = {
        "hidden": ((), (0, 10), "300", (3.5,)),
        "train_steps_per_round": (0, 1.5),
        "rewind_to": (-1, 10**9),
        "max_rounds": (0,),
        "target_density": (0.0, 1.5),
        "learning_rate": (0.0, -1.0),
        "batch_size": (0,),
        "score_batch": (0,),
        "synflow_iterations": (0,),
        "render_mode": ("human",),
    }

    def __init__(self, hidden: tuple[int, ...] = (300, 100), train_steps_per_round: int = 600,
                 rewind_to: int = 0, max_rounds: int = 20, target_density: float = 0.1,
                 learning_rate: float = 1.2e-3, batch_size: int = 60, score_batch: int = 100,
                 synflow_iterations: int = 100, render_mode: str | None = None):
        if not isinstance(hidden, (tuple, list)) or not hidden:
            raise ValueError(f"hidden must be a non-empty tuple of widths, got {hidden!r}")
        self.hidden = tuple(check_int("hidden", h, low=1, high=4096) for h in hidden)
        self.train_steps_per_round = check_int("train_steps_per_round", train_steps_per_round,
                                               low=1)
        self.rewind_to = check_int("rewind_to", rewind_to, low=0, high=self.train_steps_per_round)
        self.max_rounds = check_int("max_rounds", max_rounds, low=1)
        self.target_density = check_real("target_density", target_density, low=0.0, high=1.0,
                                         low_open=True)
        self.learning_rate = check_real("learning_rate", learning_rate, low=0.0, low_open=True)
        self.batch_size = check_int("batch_size", batch_size, low=1, high=1000)
        self.score_batch = check_int("score_batch", score_batch, low=1, high=1000)
        self.synflow_iterations = check_int("synflow_iterations", synflow_iterations, low=1)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.sizes = (64, *self.hidden, 10)
        self.n_layers = len(self.sizes) - 1
        shapes = [(o, i) for i, o in zip(self.sizes[:-1], self.sizes[1:])]
        self.action_space = spaces.Dict({
            "keep": spaces.Box(0.0, 1.0, (self.n_layers,), np.float32),
            "rule": spaces.Discrete(len(ACTION_RULES)),
            "scope": spaces.Discrete(2),
            "weights": spaces.Discrete(len(WEIGHT_RESETS)),
            "stop": spaces.Discrete(2),
            "mask": spaces.Dict({f"layer{i}": spaces.MultiBinary(s) for i, s in enumerate(shapes)}),
        })
        n_obs = _N_STATS * self.n_layers + _N_GLOBAL
        self.observation_space = spaces.Box(0.0, np.inf, (n_obs,), np.float32)
        self._shapes = shapes
        self._done = True
        self._data: Dataset | None = None

    # ------------------------------------------------------------------ episode

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        inst_rng = instance_rng(self.np_random, options, type(self).__name__)
        _nets.single_thread()
        self._data = _nets.digits_split(inst_rng)
        self._init = _nets.glorot_mlp(self.sizes, inst_rng)
        self._dense_seed = int(inst_rng.integers(2**63))
        score_idx = inst_rng.choice(len(self._data.y_train), self.score_batch, replace=False) \
            if self.score_batch <= len(self._data.y_train) else np.arange(len(self._data.y_train))
        self._score_idx = torch.from_numpy(np.sort(score_idx))
        self._net = self._init.clone()
        self._rewind: MLP | None = None
        self._masks = [torch.ones(s) for s in self._shapes]
        self._round = 0
        self._flops = 0.0
        self._trained = False
        self._val = _nets.accuracy(self._net, self._masks, self._data.x_val, self._data.y_val)
        self._dense_test: float | None = None
        self._done = False
        self._set_model()
        return self._observation(), self._info()

    def _set_model(self) -> None:
        d = self._data
        rewind = self._rewind or self._init
        xs, ys = d.x_train[self._score_idx], d.y_train[self._score_idx]
        self._model = PruningState(
            sizes=self.sizes,
            weights=tuple(_ro(w * m) for w, m in zip(self._net.weights, self._masks)),
            biases=tuple(_ro(b) for b in self._net.biases),
            masks=tuple(_ro(m) for m in self._masks),
            init_weights=tuple(_ro(w) for w in self._init.weights),
            rewind_weights=tuple(_ro(w) for w in rewind.weights),
            x_score=_ro(xs), y_score=_ro(ys), x_train=_ro(d.x_train), y_train=_ro(d.y_train),
            target_density=self.target_density, round=self._round, max_rounds=self.max_rounds,
            train_steps_per_round=self.train_steps_per_round, trained=self._trained)

    def _check_action(self, action: Any) -> tuple[np.ndarray, str, int, str, bool, Any]:
        if not isinstance(action, dict):
            raise InvalidAction(f"action must be a dict with keys {list(self.action_space)}, "
                                f"got {type(action).__name__}")
        unknown = set(action) - set(self.action_space.spaces)
        if unknown:
            raise InvalidAction(f"action has unknown keys {sorted(unknown)}")
        for key in ("keep", "rule"):
            if key not in action:
                raise InvalidAction(f"action lacks the key {key!r}")
        try:
            keep = np.asarray(action["keep"], dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise InvalidAction(f"action['keep'] must be {self.n_layers} numbers") from None
        if keep.shape != (self.n_layers,):
            raise InvalidAction(f"action['keep'] must have {self.n_layers} entries (one per "
                                f"layer), got {keep.size}")
        ints = {}
        for key, n in (("rule", len(ACTION_RULES)), ("scope", 2),
                       ("weights", len(WEIGHT_RESETS)), ("stop", 2)):
            value = action.get(key, 0)
            if isinstance(value, np.ndarray) and value.size == 1:
                value = value.reshape(()).item()
            if not is_int(value) or not 0 <= int(value) < n:
                raise InvalidAction(f"action[{key!r}] must be an integer in [0, {n}), "
                                    f"got {value!r}")
            ints[key] = int(value)
        rule = ACTION_RULES[ints["rule"]]
        masks = None
        if rule == "mask":
            given = action.get("mask")
            if not isinstance(given, dict):
                raise InvalidAction("rule 'mask' needs action['mask']: a dict layer0.. of 0/1 "
                                    "arrays")
            masks = []
            for i, shape in enumerate(self._shapes):
                key = f"layer{i}"
                if key not in given:
                    raise InvalidAction(f"action['mask'] lacks layer {i} ({key})")
                arr = np.asarray(given[key])
                if arr.shape != shape:
                    raise InvalidAction(f"action['mask'] layer {i} ({key}) must have shape "
                                        f"{shape}, got {arr.shape}")
                if not np.isin(arr, (0, 1)).all():
                    raise InvalidAction(f"action['mask'] layer {i} ({key}) must be 0/1")
                masks.append(torch.from_numpy(arr.astype(np.float32)))
        else:
            for i, k in enumerate(keep):
                if not np.isfinite(k) or not 0.0 < k <= 1.0:
                    raise InvalidAction(f"keep fraction of layer {i} must be in (0, 1], got {k}")
        return keep, rule, ints["scope"], WEIGHT_RESETS[ints["weights"]], bool(ints["stop"]), masks

    def step(self, action):
        if self._done or self._data is None:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        keep, rule, scope, reset_to, stop, explicit = self._check_action(action)
        _nets.single_thread()
        d = self._data
        old = self._masks
        if rule == "mask":
            new = [m * e for m, e in zip(old, explicit)]
        else:
            xs, ys = d.x_train[self._score_idx], d.y_train[self._score_idx]
            if rule == "neuron":
                new = S.neuron_masks(self._net, old, keep)
            elif scope == 1:
                n_keep = sum(max(1, int(round(float(k) * int(m.sum())))) if int(m.sum()) else 0
                             for k, m in zip(keep, old))
                if rule == "synflow":
                    new = S.synflow_masks(self._net, old, n_keep, self.synflow_iterations)
                else:
                    sc = S.score(rule, self._net, old, xs, ys, self.np_random)
                    new = S.keep_top_global(sc, old, n_keep)
            else:
                sc = S.score(rule, self._net, old, xs, ys, self.np_random)
                new = S.keep_top_per_layer(sc, old, keep)
        if reset_to == "rewind":
            start = (self._rewind or self._init).clone()
        elif reset_to == "continue":
            start = self._net.clone()
        else:
            start = _nets.glorot_mlp(self.sizes, self.np_random)
        snapshot_at = self.rewind_to if self._rewind is None else None
        trained, snap = _nets.train_masked(start, new, d, self.train_steps_per_round, self.np_random,
                                     lr=self.learning_rate, batch=self.batch_size,
                                     snapshot_at=snapshot_at)
        if snap is not None:
            self._rewind = snap
        self._net, self._masks = trained, new
        self._trained = True
        self._flops += _nets.masked_flops(new, self.batch_size) * self.train_steps_per_round
        self._round += 1
        val = _nets.accuracy(self._net, self._masks, d.x_val, d.y_val)
        reward, self._val = val - self._val, val
        terminated = stop
        truncated = not terminated and self._round >= self.max_rounds
        self._done = terminated or truncated
        self._set_model()
        info = self._info()
        if self._done:
            info["metrics"] = self.metrics()
        return self._observation(), float(reward), terminated, truncated, info

    # ------------------------------------------------------------------ reporting

    def density(self) -> float:
        """Alive weights / all weights (biases excluded)."""
        return float(sum(int(m.sum()) for m in self._masks) / sum(m.numel() for m in self._masks))

    def dense_test_accuracy(self) -> float:
        """Test _nets.accuracy of the dense net trained from ``theta_0`` for one round (cached)."""
        if self._dense_test is None:
            ones = [torch.ones(s) for s in self._shapes]
            net, _ = _nets.train_masked(self._init, ones, self._data, self.train_steps_per_round,
                                  np.random.default_rng(self._dense_seed),
                                  lr=self.learning_rate, batch=self.batch_size)
            self._dense_test = _nets.accuracy(net, None, self._data.x_test, self._data.y_test)
        return self._dense_test

    def metrics(self) -> dict[str, float]:
        """The episode's measures (``info["metrics"]`` at the end)."""
        d = self._data
        test = _nets.accuracy(self._net, self._masks, d.x_test, d.y_test)
        density = self.density()
        dense = self.dense_test_accuracy()
        reached = density <= self.target_density + 1e-9
        return {"ticket_accuracy": test if reached else 0.0, "test_accuracy": test,
                "val_accuracy": self._val, "density": density,
                "compression_ratio": 1.0 / density if density > 0 else float(2**31),
                "train_flops": self._flops, "dense_test_accuracy": dense,
                "accuracy_gap": test - dense, "reached_target": float(reached),
                "rounds": float(self._round)}

    def _layer_density(self) -> np.ndarray:
        return np.array([float(m.mean()) for m in self._masks])

    def _observation(self) -> np.ndarray:
        feats = []
        for w, m in zip(self._net.weights, self._masks):
            alive = (w * m)[m > 0].abs()
            feats += [float(m.mean()), float(alive.mean()) if alive.numel() else 0.0,
                      float(alive.std()) if alive.numel() > 1 else 0.0]
        feats += [self._val, self.density(), 1.0 - self._round / self.max_rounds,
                  float(self._trained)]
        return np.asarray(feats, dtype=np.float32)

    def _info(self) -> dict[str, Any]:
        return {"density": self.density(), "layer_density": self._layer_density(),
                "val_accuracy": self._val, "round": self._round, "train_flops": self._flops,
                "target_density": self.target_density, "rounds_left": self.max_rounds - self._round}

    def close(self) -> None:
        pass

