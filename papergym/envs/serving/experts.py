"""ExpertOffloading-v0: which experts of a mixture-of-experts model stay on the GPU.

A synthetic stand-in for ExpertFlow ("ExpertFlow: Optimized Expert Activation and Token
Allocation for Efficient Mixture-of-Experts Inference", arXiv 2410.17954): the paper's
traces and models are not available, so the routing traces, the predictor and the cost
model are our generative model, tied to the abstract's statements (docs/serving.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.utils.checks import (
    check_int,
    check_options,
    check_probability,
    check_real,
    check_render_mode,
)

__all__ = ["ExpertOffloadingEnv", "ExpertTrace", "sample_trace"]

OPTION_KEYS = ("instance",)


@dataclass(frozen=True)
class ExpertTrace:
    """A token stream's true routes ``routes[token, layer, :]`` (the ``top_k`` expert ids)
    and the predictor's guesses ``predicted`` of the same shape (what ``model()`` returns,
    with the topic of each token)."""

    routes: np.ndarray
    predicted: np.ndarray
    topic: np.ndarray

    def __post_init__(self):
        for array in (self.routes, self.predicted, self.topic):
            array.setflags(write=False)


def sample_trace(rng: np.random.Generator, *, num_tokens: int, layers: int, experts: int,
                 top_k: int, topics: int, concentration: float, streams: int,
                 mean_sequence: float, accuracy: float) -> ExpertTrace:
    """Tokens of ``streams`` concurrent sequences, interleaved; each sequence has a topic
    (uniform) and lasts Geometric(1/mean_sequence) tokens. A topic routes layer ``l`` by a
    Dirichlet(``concentration``) distribution over experts; a token draws ``top_k``
    distinct experts from its topic's distribution at every layer. The predictor keeps each
    true expert with probability ``accuracy`` and otherwise names another expert
    uniformly (never one already named)."""
    prefs = rng.dirichlet(np.full(experts, concentration), size=(topics, layers))
    topic = np.empty(num_tokens, dtype=np.int64)
    current = rng.integers(topics, size=streams)
    left = rng.geometric(1.0 / mean_sequence, size=streams)
    for t in range(num_tokens):
        s = t % streams
        if left[s] == 0:
            current[s] = rng.integers(topics)
            left[s] = rng.geometric(1.0 / mean_sequence)
        topic[t] = current[s]
        left[s] -= 1
    # top-k without replacement by Gumbel keys: argmax of log p + Gumbel noise
    keys = np.log(prefs[topic] + 1e-300) + rng.gumbel(size=(num_tokens, layers, experts))
    routes = np.argsort(-keys, axis=2)[:, :, :top_k]
    predicted = routes.copy()
    wrong = rng.random(routes.shape) >= accuracy
    for t, layer, j in np.argwhere(wrong).tolist():
        named = set(predicted[t, layer].tolist())
        others = [e for e in range(experts) if e not in named]   # ascending, as np.setdiff1d
        if others:            # rng.choice(others) is others[rng.choice(len(others))]
            predicted[t, layer, j] = others[rng.choice(len(others))]
    return ExpertTrace(routes, predicted, topic)


class ExpertOffloadingEnv(PaperEnv):
    """
    ## Description

    A mixture-of-experts model too large for the GPU keeps its experts in CPU memory and
    holds ``cache_size`` experts per layer on the GPU; an expert a token needs that is not
    resident must be loaded over PCIe first, stalling the batch. ExpertFlow ("ExpertFlow:
    Optimized Expert Activation and Token Allocation for Efficient Mixture-of-Experts
    Inference", arXiv 2410.17954) predicts every token's experts ahead of time,
    prefetches them, corrects mispredictions at run time, and regroups queued tokens so
    that a batch touches fewer experts.

    Each step serves one batch of ``batch_size`` tokens from a queue of ``queue_size``.
    The agent says which experts to keep resident (scores, the top ``cache_size`` per
    layer are kept) and, with ``regroup=True``, which queued tokens form the batch. This is
    a synthetic stand-in: the routing traces (topic-correlated top-k routes), the route
    predictor (tunable accuracy) and the cost model are ours (docs/serving.md).

    ## Action Space

    ``Dict(expert_scores=Box(0, 1, (layers, experts)), token_scores=Box(0, 1, (queue_size,)))``.
    The ``cache_size`` highest-scoring experts of each layer are made resident before the
    batch (ties keep resident experts). With ``regroup=True`` the ``batch_size`` queued tokens
    with the highest ``token_scores`` form the batch (ties: oldest first); otherwise the
    batch is the oldest ``batch_size`` tokens and ``token_scores`` is ignored. Every action
    in the space is legal; one outside it raises ``gymnasium.error.InvalidAction``.

    ## Observation Space

    ``Dict(predicted=MultiBinary((queue_size, layers, experts)), cache=MultiBinary((layers,
    experts)), last_use=Box(0, 1, (layers, experts)), waiting=Box(0, 1, (queue_size,)))``:
    the predictor's routes of the queued tokens (rows of empty slots are zero), the
    resident experts, each expert's share of the last batch's activations in its layer,
    and how long each queued token has waited (batches / 64, capped at 1).

    ## Rewards

    The batch's hit ratio: the share of its (token, layer, expert) activations whose
    expert was resident when the batch ran.

    ## Starting State

    An empty cache and a fresh trace of ``num_tokens`` tokens. ``reset(options={"instance":
    trace})`` replays an ``ExpertTrace`` (routes and predictions of shape (num_tokens,
    layers, top_k), expert ids in [0, experts), else a ``ValueError``); other option keys
    are a ``ValueError``.

    ## Episode End

    ``terminated`` when every token has been served. Never truncated.

    ## Info

    At reset: ``batch_size``, ``cache_size``, ``regroup`` (the rules of the game). Each step: ``hits``, ``activations``, ``prefetches`` and ``demand_loads`` (expert
    transfers), ``stall_ms`` and ``batch_ms``. At the end ``metrics``: ``hit_ratio``,
    ``oracle_hit_ratio`` (the best hit ratio any cache could have had on the same batches:
    per layer, the ``cache_size`` most-activated experts), ``transfers``, ``stall_ms``,
    ``tokens_per_s``, ``gpu_memory_gb``, ``mean_wait`` (batches a token waited).

    ## Arguments

    - ``layers`` (int, 8, in [1, 64]), ``experts`` (int, 16, in [2, 256]), ``top_k`` (int, 2,
      in [1, experts]), ``cache_size`` (int, 8, in [1, experts]).
    - ``batch_size`` (int, 16, >= 1) and ``queue_size`` (int, 64, >= batch_size).
    - ``num_tokens`` (int, 2048, >= batch_size): tokens per episode.
    - ``topics`` (int, 8, >= 1), ``concentration`` (float, 0.2, > 0): the Dirichlet
      concentration of a topic's routes (small: few experts per topic); ``streams`` (int,
      4, >= 1) concurrent sequences of mean length ``mean_sequence`` (float, 64, >= 1).
    - ``predictor_accuracy`` (float, 0.8, in [0, 1]).
    - ``regroup`` (bool, False): whether ``token_scores`` choose the batch.
    - ``expert_mb`` (float, 352.0, > 0): an expert's size (Mixtral-8x7B's in fp16);
      ``pcie_gbps`` (float, 25.0, > 0); ``compute_ms_per_layer`` (float, 2.0, > 0).
    - ``render_mode`` (None): nothing to render.

    ## Reference Agents

    ``expert-predictive`` and ``expert-predictive-regroup`` (ExpertFlow's predictive
    prefetch with error correction, without and with token regrouping), ``expert-lru``,
    ``expert-oracle`` (reads the true routes through ``model()``); also
    ``expert-static-frequent``, ``expert-lru-regroup``.

    ## Registered Configurations

    - ``ExpertOffloading-v0``: the defaults above.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "hit_ratio"
    higher_is_better = True
    leaderboard_configs = ({}, {"regroup": True})
    quick_kwargs = {"num_tokens": 256}
    speed_target = 0.003
    speed_target_reason = ("a step serves a batch of 16 tokens through every layer and builds the "
                           "(queue, layers, experts) prediction tensor; tokens/s in benchmarks/serving.py")
    bad_inputs = {"layers": (0, 1.5), "experts": (1,), "top_k": (0, 17), "cache_size": (0, 17),
                  "batch_size": (0,), "queue_size": (8,), "num_tokens": (4,), "topics": (0,),
                  "concentration": (0.0,), "streams": (0,), "mean_sequence": (0.5,),
                  "predictor_accuracy": (1.5, -0.1), "regroup": ("yes", 1),
                  "expert_mb": (0.0,), "pcie_gbps": (-1.0,), "compute_ms_per_layer": (0.0,),
                  "render_mode": ("human",)}

    def __init__(self, layers: int = 8, experts: int = 16, top_k: int = 2, cache_size: int = 8,
                 batch_size: int = 16, queue_size: int = 64, num_tokens: int = 2048,
                 topics: int = 8, concentration: float = 0.2, streams: int = 4,
                 mean_sequence: float = 64.0, predictor_accuracy: float = 0.8,
                 regroup: bool = False, expert_mb: float = 352.0, pcie_gbps: float = 25.0,
                 compute_ms_per_layer: float = 2.0, render_mode: str | None = None):
        self.layers = check_int("layers", layers, low=1, high=64)
        self.experts = check_int("experts", experts, low=2, high=256)
        self.top_k = check_int("top_k", top_k, low=1, high=self.experts)
        self.cache_size = check_int("cache_size", cache_size, low=1, high=self.experts)
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.queue_size = check_int("queue_size", queue_size, low=self.batch_size)
        self.num_tokens = check_int("num_tokens", num_tokens, low=self.batch_size)
        self.topics = check_int("topics", topics, low=1)
        self.concentration = check_real("concentration", concentration, low=0.0, low_open=True)
        self.streams = check_int("streams", streams, low=1)
        self.mean_sequence = check_real("mean_sequence", mean_sequence, low=1.0)
        self.predictor_accuracy = check_probability("predictor_accuracy", predictor_accuracy)
        if not isinstance(regroup, (bool, np.bool_)):
            raise ValueError(f"regroup must be True or False, got {regroup!r}")
        self.regroup = bool(regroup)
        self.expert_mb = check_real("expert_mb", expert_mb, low=0.0, low_open=True)
        self.pcie_gbps = check_real("pcie_gbps", pcie_gbps, low=0.0, low_open=True)
        self.compute_ms_per_layer = check_real("compute_ms_per_layer", compute_ms_per_layer,
                                               low=0.0, low_open=True)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.load_ms = self.expert_mb / 1000.0 / self.pcie_gbps * 1000.0
        L, E, Q = self.layers, self.experts, self.queue_size
        self.action_space = gym.spaces.Dict({
            "expert_scores": gym.spaces.Box(0.0, 1.0, (L, E), np.float32),
            "token_scores": gym.spaces.Box(0.0, 1.0, (Q,), np.float32)})
        self.observation_space = gym.spaces.Dict({
            "predicted": gym.spaces.MultiBinary((Q, L, E)),
            "cache": gym.spaces.MultiBinary((L, E)),
            "last_use": gym.spaces.Box(0.0, 1.0, (L, E), np.float32),
            "waiting": gym.spaces.Box(0.0, 1.0, (Q,), np.float32)})
        self._queue: list[int] | None = None

    # ------------------------------------------------------------------ helpers
    def _fill_queue(self) -> None:
        arriving = min(self.queue_size - len(self._queue), self.num_tokens - self._next)
        if arriving > 0:
            self._queue.extend(range(self._next, self._next + arriving))
            self._arrived[self._next:self._next + arriving] = self._batches
            self._next += arriving

    def _observation(self) -> dict[str, np.ndarray]:
        L, E, Q = self.layers, self.experts, self.queue_size
        queue, size = self._queue, len(self._queue)
        if size and queue[-1] - queue[0] == size - 1:     # consecutive tokens (no regrouping)
            tokens = slice(queue[0], queue[0] + size)
        else:
            tokens = queue
        if size == Q:
            predicted = self._predicted_onehot[tokens]
            predicted = predicted.copy() if isinstance(tokens, slice) else predicted
            waiting = self._wait_share[self._batches - self._arrived[tokens]]
        else:
            predicted = np.zeros((Q, L * E), dtype=np.int8)
            waiting = np.zeros(Q, dtype=np.float32)
            if size:
                predicted[:size] = self._predicted_onehot[tokens]
                waiting[:size] = self._wait_share[self._batches - self._arrived[tokens]]
        return {"predicted": predicted.reshape(Q, L, E),
                "cache": self._cache.reshape(L, E).astype(np.int8),
                "last_use": self._last_use.copy(), "waiting": waiting}

    def _oracle_hits(self) -> np.float64:
        """The hits of the best cache for each batch: per batch and layer, the
        ``cache_size`` largest expert counts."""
        counts = self._batch_counts[:self._batches].reshape(self._batches, self.layers, -1)
        return np.float64(np.sort(counts, axis=2)[:, :, self.experts - self.cache_size:].sum())

    def _check_trace(self, trace) -> None:
        shape = (self.num_tokens, self.layers, self.top_k)
        if not isinstance(trace, ExpertTrace) or trace.routes.shape != shape:
            raise ValueError(f"options['instance'] must be an ExpertTrace with routes of shape "
                             f"{shape}, got {getattr(trace, 'routes', trace)!r:.80}")
        for name in ("routes", "predicted"):
            ids = getattr(trace, name)
            if ids.shape != shape or ids.dtype.kind not in "iu" or \
                    ids.min() < 0 or ids.max() >= self.experts:
                raise ValueError(f"options['instance'] must be an ExpertTrace whose {name} are "
                                 f"expert ids in [0, {self.experts}) of shape {shape}")

    # ------------------------------------------------------------------ API
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = check_options(options, OPTION_KEYS, type(self).__name__)
        trace = (options or {}).get("instance")
        if trace is None:
            trace = sample_trace(self.np_random, num_tokens=self.num_tokens, layers=self.layers,
                                 experts=self.experts, top_k=self.top_k, topics=self.topics,
                                 concentration=self.concentration, streams=self.streams,
                                 mean_sequence=self.mean_sequence,
                                 accuracy=self.predictor_accuracy)
        else:
            self._check_trace(trace)
        self._trace = self._model = trace
        # per-episode index arrays the hot step reads (issue 19: >= 10^5 tokens/s): expert
        # ids flattened to layer * experts + expert, one row of layers * top_k per token
        L, E = self.layers, self.experts
        offsets = (np.arange(L) * E)[None, :, None]
        self._routes_flat = (trace.routes + offsets).reshape(self.num_tokens, -1)
        self._predicted_onehot = np.zeros((self.num_tokens, L * E), dtype=np.int8)
        np.put_along_axis(self._predicted_onehot,
                          (trace.predicted + offsets).reshape(self.num_tokens, -1), 1, axis=1)
        self._layer_offsets = (np.arange(L) * E)[:, None]
        self._cache = np.zeros(L * E, dtype=bool)                   # flat: layer * E + expert
        self._last_use = np.zeros((L, E), dtype=np.float32)
        self._shares: dict[int, np.ndarray] = {}
        # a token's waiting time as observed, by batches waited (at most one per batch)
        self._wait_share = np.minimum(1.0, np.arange(self.num_tokens + 1) / 64).astype(np.float32)
        # every batch's expert counts, for the oracle bound at the end (one sort, not one a batch)
        self._batch_counts = np.zeros((-(-self.num_tokens // self.batch_size), L * E),
                                      dtype=np.min_scalar_type(self.batch_size * self.top_k))
        self._queue, self._next, self._batches = [], 0, 0
        self._arrived = np.zeros(self.num_tokens, dtype=np.int64)
        self._totals = dict.fromkeys(("hits", "activations", "prefetches",
                                      "demand_loads", "stall_ms", "time_ms", "wait"), 0.0)
        self._prev_compute_ms = 0.0
        self._fill_queue()
        return self._observation(), {"batch_size": self.batch_size, "cache_size": self.cache_size,
                                     "regroup": self.regroup}

    def step(self, action):
        if self._queue is None or not self._queue:
            raise ResetNeeded("step() before reset() or after the episode ended")
        if not isinstance(action, dict) or set(action) != {"expert_scores", "token_scores"}:
            raise InvalidAction("action must be a dict with keys 'expert_scores' and "
                                f"'token_scores', got {action!r:.80}")
        L, E, C = self.layers, self.experts, self.cache_size
        scores = np.asarray(action["expert_scores"], dtype=np.float64)
        token_scores = np.asarray(action["token_scores"], dtype=np.float64)
        if scores.shape != (L, E) or token_scores.shape != (self.queue_size,) or \
                not (np.isfinite(scores).all() and np.isfinite(token_scores).all()):
            raise InvalidAction("action scores must be finite arrays of shapes "
                                f"{(L, E)} and {(self.queue_size,)}")
        # 1. the batch
        queue = self._queue
        n = min(self.batch_size, len(queue))
        if self.regroup:
            order = np.lexsort((np.arange(len(queue)), -token_scores[:len(queue)]))
            chosen = sorted(order[:n].tolist())
            batch = np.asarray([queue[i] for i in chosen])
            routes = self._routes_flat[batch]                       # (n, L * k)
            arrived = self._arrived[batch]
        else:                           # the oldest n tokens: consecutive ids queue[0], ...
            routes = self._routes_flat[queue[0]:queue[0] + n]
            arrived = self._arrived[queue[0]:queue[0] + n]
        # 2. the resident set: top cache_size scores per layer, resident experts win ties
        cache = self._cache
        neg_keys = -1e-9 * cache.reshape(L, E) - scores          # -(scores + 1e-9 * cache)
        top = np.argsort(neg_keys, axis=1, kind="stable")[:, :C]
        target = np.zeros(L * E, dtype=bool)
        target[top + self._layer_offsets] = True
        prefetches = int(np.count_nonzero(target > cache))
        # 3. the batch runs (integer counts: every sum below is exact)
        counts = np.bincount(routes.ravel(), minlength=L * E)
        activations = n * L * self.top_k
        hits = float(np.count_nonzero(target[routes]))
        self._batch_counts[self._batches] = counts
        missing = (counts > 0) > target
        demand = int(np.count_nonzero(missing))
        compute_ms = L * self.compute_ms_per_layer
        stall_ms = max(0.0, prefetches * self.load_ms - self._prev_compute_ms) + demand * self.load_ms
        self._prev_compute_ms = compute_ms
        if demand:
            # demand-loaded experts displace the least-used residents of their layer: keep
            # the top cache_size by (count, resident) descending, lower expert id first. A
            # layer without a miss keeps its residents: they are its cache_size top keys.
            ranked = np.argsort((-2 * counts - target).reshape(L, E), axis=1,
                                kind="stable")[:, :C]
            target = np.zeros(L * E, dtype=bool)
            target[ranked + self._layer_offsets] = True
        self._cache = target
        # each expert's share of its layer's count (n * k): a float32 table per batch size
        share = self._shares.get(n)
        if share is None:
            share = self._shares[n] = (np.arange(n * self.top_k + 1)
                                       / float(n * self.top_k)).astype(np.float32)
        self._last_use = share[counts.reshape(L, E)]
        # 4. bookkeeping
        t = self._totals
        t["hits"] += hits
        t["activations"] += activations
        t["prefetches"] += prefetches
        t["demand_loads"] += demand
        t["stall_ms"] += stall_ms
        t["time_ms"] += compute_ms + stall_ms
        t["wait"] += float(n * self._batches - int(arrived.sum()))
        if self.regroup:
            for i in reversed(chosen):
                del queue[i]
        else:
            del queue[:n]
        self._batches += 1
        self._fill_queue()
        info = {"hits": hits, "activations": float(activations), "prefetches": prefetches,
                "demand_loads": demand, "stall_ms": stall_ms, "batch_ms": compute_ms + stall_ms}
        terminated = not queue
        if terminated:
            info["metrics"] = {
                "hit_ratio": t["hits"] / t["activations"],
                "oracle_hit_ratio": self._oracle_hits() / t["activations"],
                "transfers": t["prefetches"] + t["demand_loads"],
                "stall_ms": t["stall_ms"],
                "tokens_per_s": self.num_tokens / (t["time_ms"] / 1000.0),
                "gpu_memory_gb": self.layers * self.cache_size * self.expert_mb / 1000.0,
                "mean_wait": t["wait"] / self.num_tokens}
        return self._observation(), hits / activations, terminated, False, info
