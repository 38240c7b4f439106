"""Cache policies for ExpertOffloading-v0 (ExpertFlow, arXiv 2410.17954, and baselines).

Every agent returns expert scores (the top ``cache_size`` per layer stay resident) and
token scores (the batch, when the env regroups)."""

from __future__ import annotations

import functools

import numpy as np

from papergym.agents.base import Agent

EXPERTFLOW = ("He et al., ExpertFlow: Optimized Expert Activation and Token Allocation for "
              "Efficient Mixture-of-Experts Inference, arXiv 2410.17954")


def _occupied(predicted: np.ndarray) -> np.ndarray:
    """Which queue slots hold a token: rows of ``predicted`` with a nonzero entry (read as
    8-byte words where the row allows: the same answer in an eighth of the reads)."""
    rows = predicted.reshape(len(predicted), -1)
    if rows.dtype.itemsize == 1 and rows.shape[1] % 8 == 0 and rows.flags.c_contiguous:
        rows = rows.view(np.int64)
    return rows.any(axis=1)


@functools.lru_cache(maxsize=16)
def _fifo_float32(size: int) -> np.ndarray:
    """FIFO token scores of a full queue of ``size`` slots (older first), float32, read-only."""
    scores = (1.0 - np.arange(size) / size).astype(np.float32)
    scores.setflags(write=False)
    return scores


class _ExpertAgent(Agent):
    """Shared bookkeeping: recency and frequency of each expert from ``last_use``, and
    the token scores of FIFO (oldest first) or of regrouping."""

    regroup = False

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        shape = observation["cache"].shape
        self.recency = np.zeros(shape)
        self.frequency = np.zeros(shape)
        self.batch_size = int(info["batch_size"])

    def observe(self, action, reward, observation, terminated, truncated, info):
        used = observation["last_use"] > 0
        self.recency = np.where(used, 1.0, self.recency * 0.5)
        self.frequency += observation["last_use"]

    def token_scores(self, observation, focus: np.ndarray) -> np.ndarray:
        """FIFO (older first), or, regrouping: the oldest token, then the tokens whose
        predicted experts overlap most with ``focus`` (layer x expert weights)."""
        waiting = observation["waiting"]
        queue = _occupied(observation["predicted"])
        if not self.regroup:               # the same float32 values as fifo below, cast
            return _fifo_float32(len(waiting)) * queue
        order = np.arange(len(waiting))
        fifo = np.where(queue, 1.0 - order / len(waiting), 0.0)
        overlap = (observation["predicted"] * focus[None]).sum(axis=(1, 2))
        overlap = overlap / max(overlap.max(), 1e-9)
        scores = np.where(queue, 0.5 * overlap + 0.01 * fifo + 0.49 * waiting, 0.0)
        scores[int(np.argmax(np.where(queue, waiting + 1e-6 * fifo, -1)))] = 1.0
        return np.clip(scores, 0, 1).astype(np.float32)

    def _action(self, expert_scores, observation, focus):
        peak = max(float(expert_scores.max()), 1e-9)
        return {"expert_scores": (expert_scores / peak).astype(np.float32),
                "token_scores": self.token_scores(observation, focus)}


class LRUExpertAgent(_ExpertAgent):
    """Keeps the experts used most recently (exponentially decayed recency)."""

    name = "expert-lru"
    paper = "LRU expert caching, the baseline of " + EXPERTFLOW

    def act(self, observation, info):
        return self._action(self.recency + 1e-3 * observation["cache"], observation, self.recency)


class StaticFrequentAgent(_ExpertAgent):
    """Keeps the experts used most often so far (a static most-frequent cache learnt online)."""

    name = "expert-static-frequent"
    paper = None

    def act(self, observation, info):
        return self._action(self.frequency + 1e-3 * observation["cache"], observation,
                            self.frequency)


class PredictiveExpertAgent(_ExpertAgent):
    """ExpertFlow's predictive cache: prefetch the experts the route predictor names for
    the tokens of the next batch, weighted by how many tokens need each, with run-time
    error correction: the predictor's observed precision (share of predicted experts the
    batch really used) decides how much recency backs the prediction up.

    The paper's predictor is a small transformer and its correction rule is not in the
    abstract; the precision-weighted blend is ours (docs/serving.md)."""

    name = "expert-predictive"
    paper = EXPERTFLOW

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.precision = 0.5
        self.predicted_last = None

    def observe(self, action, reward, observation, terminated, truncated, info):
        if self.predicted_last is not None:
            used = (observation["last_use"] > 0)
            named = self.predicted_last > 0
            if named.any():
                hit = float((used & named).sum() / named.sum())
                self.precision = 0.8 * self.precision + 0.2 * hit
        super().observe(action, reward, observation, terminated, truncated, info)

    def act(self, observation, info):
        # regrouping gathers the tokens whose predicted experts are resident already
        tokens = self.token_scores(observation, observation["cache"] + 0.1 * self.recency)
        n = self.batch_size
        batch = np.argsort(-tokens, kind="stable")[:n]
        predicted = observation["predicted"][batch].sum(axis=0).astype(float)
        self.predicted_last = predicted
        scores = self.precision * predicted / max(predicted.max(), 1.0) \
            + (1 - self.precision) * self.recency + 1e-3 * observation["cache"]
        return {"expert_scores": (scores / max(scores.max(), 1e-9)).astype(np.float32),
                "token_scores": tokens}


class OracleExpertAgent(_ExpertAgent):
    """Knows every token's true route (``model()``): keeps, per layer, the experts the next
    batch activates most. With the env's batches fixed (FIFO, ``regroup=False``), no cache
    does better on them: its hit ratio equals the env's ``oracle_hit_ratio``."""

    name = "expert-oracle"
    paper = "Belady-style per-batch oracle (an upper bound for " + EXPERTFLOW + ")"
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.trace = env_model
        self.served = 0

    def act(self, observation, info):
        queue = observation["predicted"].reshape(len(observation["waiting"]), -1).any(axis=1)
        n = min(self.batch_size, int(queue.sum()))
        tokens = self.served + np.arange(n)
        counts = np.zeros(observation["cache"].shape)
        routes = self.trace.routes[tokens]
        np.add.at(counts, (np.arange(counts.shape[0])[None, :, None], routes), 1.0)
        self.served += n
        return self._action(counts + 1e-3 * observation["cache"], observation, counts)


class PredictiveRegroupAgent(PredictiveExpertAgent):
    """ExpertFlow with its token scheduler: the batch gathers tokens whose predicted routes
    overlap (always including the oldest waiting token, so none starves)."""

    name = "expert-predictive-regroup"
    regroup = True


class LRURegroupAgent(LRUExpertAgent):
    """LRU with the same token regrouping (by overlap with recently used experts)."""

    name = "expert-lru-regroup"
    regroup = True
