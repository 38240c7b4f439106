"""Paging-v0: paging with one-bit (succinct) predictions, and next-arrival predictions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.paging.belady import belady, next_use
from papergym.envs.paging.generators import GENERATORS
from papergym.envs.paging.predictions import (
    arrival_errors,
    corrupt,
    corrupt_arrivals,
    next_arrivals,
    phase_bits,
    phase_partition,
    prediction_errors,
)
from papergym.envs.paging.trace import load_trace
from papergym.utils.checks import (
    check_choice,
    check_int,
    check_options,
    check_probability,
    check_real,
    check_render_mode,
    is_int,
)

__all__ = ["History", "PagingEnv", "PagingInstance", "PREDICTIONS", "BIT_PREDICTIONS", "NOISE_MODES",
           "RESET_OPTIONS"]

BIT_PREDICTIONS = ("discard", "phase")
PREDICTIONS = (*BIT_PREDICTIONS, "next_arrival")
NOISE_MODES = ("random", "adversarial")
#: the keys ``reset(options=...)`` accepts
RESET_OPTIONS = ("instance", "predictions")
N_FEATURES = 5
DEFAULT_N_PAGES = 50


class History:
    """The past of an episode at a fault: ``requests`` and ``predictions`` of requests
    ``0..t`` (read-only views, computed on access; the future is not reachable)."""

    __slots__ = ("_requests", "_predictions", "_n")

    def __init__(self, requests: np.ndarray, predictions: np.ndarray, n: int):
        self._requests, self._predictions, self._n = requests, predictions, n

    def __len__(self) -> int:
        return self._n

    @property
    def requests(self) -> np.ndarray:
        return self._requests[: self._n]

    @property
    def predictions(self) -> np.ndarray:
        return self._predictions[: self._n]

    def __getstate__(self):
        return (self.requests.copy(), self.predictions.copy(), self._n)

    def __setstate__(self, state):
        self._requests, self._predictions, self._n = state

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        return self._n == other._n and np.array_equal(self.requests, other.requests) \
            and np.array_equal(self.predictions, other.predictions)

    __hash__ = None  # mutable-looking, compared by content

    def __repr__(self) -> str:
        return f"History({self._n} requests)"


@dataclass(frozen=True)
class PagingInstance:
    """What ``PagingEnv.model()`` returns: the whole episode, future included (read-only).

    ``true_bits`` / ``predicted_bits`` hold one prediction per request: a bit (1 = safe to
    evict) for ``prediction="discard"`` or ``"phase"``, the next-arrival time (``T`` =
    never) for ``prediction="next_arrival"``; ``true_predictions`` and ``predictions``
    are the same arrays under mode-neutral names.
    """

    k: int
    n_pages: int
    prediction: str
    requests: np.ndarray        # int64 (T,)
    true_bits: np.ndarray       # int8 (T,) bits, or int64 (T,) next arrivals
    predicted_bits: np.ndarray  # what the agent sees, same dtype
    phase: np.ndarray           # int64 (T,): k-distinct-pages phase index of each request
    opt_faults: int             # Belady (FitF) on the same sequence

    @property
    def true_predictions(self) -> np.ndarray:
        return self.true_bits

    @property
    def predictions(self) -> np.ndarray:
        return self.predicted_bits


class PagingEnv(PaperEnv):
    """
    ## Description

    Paging (caching): a cache holds ``k`` of ``n_pages`` pages; requests arrive one at a
    time and a request for a page that is not cached is a *fault*: the page must be
    loaded, evicting a cached page when the cache is full.  The goal is to fault as few
    times as possible.  Belady's Furthest-in-the-Future (FitF) rule is optimal offline;
    online, every deterministic algorithm can be forced to fault ``k`` times as often
    and randomized Marker is ``2H_k``-competitive.

    Each request carries a prediction, as in "Paging with Succinct Predictions"
    (Antoniadis, Boyar, Eliáš, Favrholdt, Hoeksma, Larsen, Polak, Simon; ICML 2023;
    arXiv 2210.02775): one bit, where **1 means "safe to evict"** in both of the paper's
    modes.  ``prediction="discard"``: 1 when FitF evicts the page before its next request
    (or it is never requested again).  ``prediction="phase"``: 1 when the page is *not*
    requested in the next phase (phases: Marker's k-phases, a phase ends just before the
    ``(k+1)``-th distinct page, the paper's partition).  Beyond the paper,
    ``prediction="next_arrival"`` gives the predicted time of the page's next request
    (Lykouris & Vassilvitskii, ICML 2018).  Predictions are computed from the true future
    and then corrupted (see Arguments).  ``eta0`` counts predicted keep (0) while truly
    evictable, ``eta1`` predicted evictable (1) while truly needed; the paper's
    algorithms pay at most ``alpha*OPT + beta*eta0 + gamma*eta1``.  Provenance, bounds
    and measurements: ``docs/paging.md``.

    ## Action Space

    ``Discrete(k)``: the cache slot that receives the requested page; if that slot is
    occupied its page is evicted.  While the cache is not full only free slots are legal:
    ``action_masks()`` and ``info["action_mask"]`` (int8, 1 = legal) say which.  An action
    outside the space or a masked slot raises ``gymnasium.error.InvalidAction`` and
    changes nothing.

    ## Observation Space

    ``Box(0, 1, shape=(k + 1, 5), float32)``.  A step happens only at a fault, at time
    ``t`` (request index) of an episode of ``T`` requests; times are divided by ``T``
    (ages are differences of columns, e.g. ``t/T - load/T``, which a network gets from one
    linear layer).  Rows ``0..k-1`` describe the slots (all zero for an empty slot), row
    ``k`` the requested page:

    | col | slot row                          | request row (row ``k``)                 |
    |-----|-----------------------------------|-----------------------------------------|
    | 0   | 1 (occupied)                      | 1 if the page was requested before      |
    | 1   | load time ``/ T``                 | current time ``t / T``                  |
    | 2   | time of its latest request ``/ T``| time of its previous request ``/ T`` (0 if none) |
    | 3   | the page's latest prediction      | the request's prediction                |
    | 4   | its requests so far ``/ T``       | its earlier requests ``/ T``            |

    A prediction is the bit itself, or for ``next_arrival`` the predicted next-request
    time ``/ T`` (1 = never again).

    ## Rewards

    -1 per fault, i.e. per step (hits cost nothing and take no step), so the return is
    ``-faults``.  No per-step ``info["regret"]``: the optimum's faults are not comparable
    step by step (it faults at other times), so only the episode total is reported.

    ## Starting State

    An empty cache and a fresh request sequence of length ``horizon`` drawn by
    ``generator`` from ``self.np_random`` (or the ``trace``), with its predictions.
    ``reset(options={"instance": seq})`` replays a given sequence (any length >= 1, pages
    in ``[0, n_pages)``; ``papergym.envs.paging.load_trace(path)`` reads one from a file)
    and ``options={"instance": seq, "predictions": p}`` also fixes the predictions
    (bits, or next-arrival times in ``[t+1, T]``).  Any other option key, or options that
    are not a dict, raise ``ValueError``.  The first request is always a fault, so every
    episode has at least one step.

    ## Episode End

    ``terminated`` when the last request has been served (the remaining requests after
    the last fault are hits, served inside that step).  Never ``truncated``.  ``step``
    before ``reset`` or after the end raises ``gymnasium.error.ResetNeeded``.

    ## Info

    At every reset and step (the state at the fault to serve now; everything here is
    known to an online algorithm):

    - ``action_mask`` int8 (k,): legal slots.
    - ``t`` int: index of the current request; ``request`` int: its page;
      ``request_bit`` int (bit modes) or ``request_prediction`` int (``next_arrival``):
      its prediction; ``phase_start`` int: index where the current k-phase began.
    - ``pages`` int64 (k,): page in each slot, -1 if empty; ``load_time``, ``last_use``
      int64 (k,): when each slot's page was loaded and last requested; ``bits`` int64
      (k,) (bit modes) or ``predicted_next`` int64 (k,) (``next_arrival``): each cached
      page's latest prediction (0 for empty slots).
    - ``history``: a :class:`History`, whose ``requests`` and ``predictions`` are
      read-only arrays of the requests ``0..t`` and their predictions (what an online
      algorithm that simulates others needs, e.g. ``robust-blind-oracle``).
    - ``faults`` int: faults so far, the current one included.

    At the end (terminated) also ``metrics`` (floats): ``faults``, ``opt_faults``
    (Belady on the same sequence), ``competitive_ratio`` (faults / opt_faults),
    ``prediction_error`` (wrong predictions: ``eta0 + eta1`` for bits), ``error_rate``
    (``prediction_error / T``), ``horizon`` (``T``); for bits ``eta0`` and ``eta1``; for
    ``next_arrival`` ``eta_l1`` (sum of absolute errors of the predicted times).

    ## Arguments

    - ``k`` (int, default 10): cache size, ``>= 1``.
    - ``n_pages`` (int or None, default None): universe size; None means 50 for generated
      sequences and the trace's number of pages with ``trace``; ``> k`` for generated
      sequences, at least the trace's page count with ``trace``.
    - ``horizon`` (int, default 1000): requests per generated episode, ``>= 1`` (a
      ``trace`` is replayed whole).
    - ``generator`` (str, default ``"zipf"``): ``"uniform"``, ``"zipf"``, ``"loop"`` (a scan
      of ``k+1`` pages, adversarial for LRU/FIFO) or ``"phase"`` (working set of ``k`` pages,
      ``1..k`` of them replaced at each phase).
    - ``zipf_alpha`` (float, default 1.0): Zipf exponent, ``>= 0``.
    - ``prediction`` (str, default ``"discard"``): ``"discard"``, ``"phase"`` or
      ``"next_arrival"``.
    - ``noise`` (float in [0, 1], default 0.1): with ``noise_mode="random"`` the flip
      probability of every bit, or for ``next_arrival`` the probability that a predicted
      time is wrong (then uniform over the other times in ``[t+1, T]``); with
      ``"adversarial"`` the number of wrong predictions as a fraction of ``T``.
    - ``noise0`` / ``noise1`` (float in [0, 1] or None): flip probabilities of true 0-bits
      and true 1-bits, overriding ``noise`` for that bit value (random mode and bit modes
      only, else ``ValueError``).
    - ``noise_mode`` (str, default ``"random"``): ``"random"`` (independent errors) or
      ``"adversarial"``: ``round(noise * T)`` deterministic errors that hide evictable
      pages (bits: true 1 shown as 0; ``next_arrival``: predicted to return at once), on
      the requests whose page is next requested furthest in the future (never again first).
    - ``trace`` (path or None, default None): a trace file replayed at every reset (one
      page id per line, or a CSV column, see ``trace_column``; read by
      ``papergym.envs.paging.load_trace``, page ids renamed ``0..m-1``).
    - ``trace_column`` (str, int or None, default None): the CSV column of ``trace``, by
      header name or 0-based index; only with ``trace``.
    - ``render_mode`` (None or ``"rgb_array"``): an image of the cache timeline, one
      column per step (fault), one row per slot, colour = page, the filled slot bright.

    ## Reference Agents

    ``belady`` (offline optimum, uses ``model()``), ``lru``, ``discard-predictions`` and
    ``discard-predictions-randomized`` (the paper's algorithms for discard bits),
    ``phase-predictions`` (the paper's algorithm for phase bits), ``predictive-marker``,
    ``lmarker`` and ``robust-blind-oracle`` (next-arrival predictions); also ``fifo``,
    ``marker``, ``blind-oracle``, ``follow-discard-bit``, ``follow-phase-bit`` and
    ``random``.

    ## Registered Configurations

    - ``Paging-v0``: the defaults above (k=10, 50 pages, horizon=1000, Zipf(1.0),
      discard bits, noise 0.1).

    ## Version History

    - v0: initial version; bit polarity unified (1 = safe to evict, phase bits were 1 =
      returns), ``next_arrival`` predictions, ``trace``, options checked.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}
    primary_metric = "competitive_ratio"
    higher_is_better = False
    leaderboard_configs = ({"prediction": "discard", "noise": 0.1},
                           {"prediction": "phase", "noise": 0.1},
                           {"prediction": "next_arrival", "noise": 0.1})
    quick_kwargs = {"horizon": 200}
    #: invalid values per constructor argument (the contract checker asserts each is refused)
    bad_inputs = {"k": (0, 2.5, True), "n_pages": (5, "50", 0), "horizon": (0, -3),
                  "generator": ("zipfian",), "zipf_alpha": (-1.0, "abc", None),
                  "prediction": ("phases", "next-arrival"), "noise": (-0.1, 1.5, None),
                  "noise0": (-0.5, 2.0), "noise1": (1.5, "x"), "noise_mode": ("worst",),
                  "trace": ("/nonexistent/paging-trace.txt", 3),
                  "trace_column": ("page", -1),
                  "render_mode": ("human",)}

    def __init__(self, k: int = 10, n_pages: int | None = None, horizon: int = 1000,
                 generator: str = "zipf", zipf_alpha: float = 1.0, prediction: str = "discard",
                 noise: float = 0.1, noise0: float | None = None, noise1: float | None = None,
                 noise_mode: str = "random", trace: str | os.PathLike | None = None,
                 trace_column: str | int | None = None, render_mode: str | None = None):
        k = check_int("k", k, low=1)
        check_choice("generator", generator, tuple(GENERATORS))
        check_choice("prediction", prediction, PREDICTIONS)
        check_choice("noise_mode", noise_mode, NOISE_MODES)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        zipf_alpha = check_real("zipf_alpha", zipf_alpha, low=0.0)
        noise = check_probability("noise", noise)
        for name, value in (("noise0", noise0), ("noise1", noise1)):
            if value is not None:
                check_probability(name, value)
                if noise_mode == "adversarial" or prediction == "next_arrival":
                    raise ValueError(
                        f"{name} must be None with noise_mode={noise_mode!r} and "
                        f"prediction={prediction!r} (it is the flip rate of random bit "
                        f"errors; use noise), got {value!r}")
        if trace_column is not None:
            if trace is None:
                raise ValueError(f"trace_column must be None without trace, got {trace_column!r}")
            if not (isinstance(trace_column, str) or (is_int(trace_column) and trace_column >= 0)):
                raise ValueError("trace_column must be a header name or an integer >= 0, "
                                 f"got {trace_column!r}")
        self._trace: np.ndarray | None = None
        if trace is not None:
            if not isinstance(trace, (str, os.PathLike)):
                raise ValueError(f"trace must be a file path or None, got {trace!r}")
            self._trace = load_trace(trace, trace_column)
            self._trace.setflags(write=False)
            trace_pages = int(self._trace.max()) + 1
            if n_pages is None:
                n_pages = trace_pages
            n_pages = check_int("n_pages", n_pages, low=trace_pages)
        elif n_pages is None:
            n_pages = DEFAULT_N_PAGES
        if self._trace is None:
            if not is_int(n_pages) or n_pages <= k:
                raise ValueError(f"n_pages must be an integer > k = {k} (or None), "
                                 f"got {n_pages!r}")
        self.k, self.n_pages = k, int(n_pages)
        self.horizon = check_int("horizon", horizon, low=1)
        self.generator, self.zipf_alpha = generator, zipf_alpha
        self.prediction, self.noise_mode = prediction, noise_mode
        self.trace = None if trace is None else os.fspath(trace)
        self.trace_column = trace_column
        self.noise = noise
        self.noise0 = self.noise if noise0 is None else float(noise0)
        self.noise1 = self.noise if noise1 is None else float(noise1)
        bits = prediction in BIT_PREDICTIONS
        self._pred_key = "bits" if bits else "predicted_next"
        self._request_key = "request_bit" if bits else "request_prediction"

        self.action_space = spaces.Discrete(self.k)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(self.k + 1, N_FEATURES),
                                            dtype=np.float32)
        # one int64 (k,) array per slot field, what info exposes (a copy of each: cheaper
        # than row views of one table); _feat: float32 (k+1, 5), the observation itself,
        # updated in place and copied out
        self._pages = np.full(self.k, -1, dtype=np.int64)
        self._load = np.zeros(self.k, dtype=np.int64)
        self._last = np.zeros(self.k, dtype=np.int64)
        self._bits = np.zeros(self.k, dtype=np.int64)
        self._feat = np.zeros((self.k + 1, N_FEATURES), dtype=np.float32)
        self._mask = np.ones(self.k, dtype=np.int8)
        self._model: PagingInstance | None = None
        self._done = True  # step() before reset() raises ResetNeeded
        self._bind_views()

    # -- numpy views are not preserved by pickle: rebuild them after unpickling
    def _bind_views(self) -> None:
        self._fflat = self._feat.reshape(-1)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_fflat"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind_views()

    # ------------------------------------------------------------------ episode set-up
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = check_options(options, RESET_OPTIONS, type(self).__name__)
        if "instance" in options:
            seq = self._check_instance(options["instance"])
        elif options.get("predictions") is not None and self._trace is None:
            raise ValueError("options['predictions'] needs options['instance'] (or a trace): "
                             "the predictions are one per request of that sequence")
        elif self._trace is not None:
            seq = self._trace.copy()
        else:
            seq = GENERATORS[self.generator](self.np_random, self.k, self.n_pages, self.horizon,
                                             zipf_alpha=self.zipf_alpha)
        T, k = len(seq), self.k
        nxt = next_use(seq)
        opt = belady(seq, k, nxt)
        phase = phase_partition(seq, k)
        budget = round(self.noise * T)
        if self.prediction == "next_arrival":
            truth = next_arrivals(nxt)
            if options.get("predictions") is not None:
                predicted = self._check_arrivals(options["predictions"], T)
            else:
                predicted = corrupt_arrivals(truth, self.np_random, noise=self.noise,
                                             mode=self.noise_mode, budget=budget, nxt=nxt)
            wrong, eta_l1 = arrival_errors(truth, predicted)
            self._errors = {"prediction_error": float(wrong), "eta_l1": float(eta_l1)}
            self._pred_obs = (predicted / T).tolist()
        else:
            truth = opt.discard_bits if self.prediction == "discard" else phase_bits(seq, k, phase)
            if options.get("predictions") is not None:
                predicted = self._check_predictions(options["predictions"], T)
            else:
                predicted = corrupt(truth, self.np_random, noise0=self.noise0,
                                    noise1=self.noise1, mode=self.noise_mode, budget=budget,
                                    nxt=nxt)
            eta0, eta1 = prediction_errors(truth, predicted)
            self._errors = {"prediction_error": float(eta0 + eta1), "eta0": float(eta0),
                            "eta1": float(eta1)}
            self._pred_obs = predicted.astype(np.float64).tolist()
        self._errors["error_rate"] = self._errors["prediction_error"] / T
        for arr in (seq, truth, predicted, phase):
            arr.setflags(write=False)
        self._model = PagingInstance(k, self.n_pages, self.prediction, seq, truth,
                                     predicted, phase, opt.faults)

        # per-request lookups for the step loop (plain lists: fastest scalar access)
        self._T = T
        self._seq_arr, self._pred_arr = seq, predicted
        self._seq = seq.tolist()
        self._pred = predicted.tolist()
        order = np.argsort(seq, kind="stable")
        starts = np.r_[0, np.flatnonzero(np.diff(seq[order])) + 1]
        count_before = np.empty(T, dtype=np.int64)
        count_before[order] = np.arange(T) - np.repeat(starts, np.diff(np.r_[starts, T]))
        prev = np.full(T, -1, dtype=np.int64)
        prev[nxt[nxt < T]] = np.flatnonzero(nxt < T)
        # floats the step loop writes straight into the observation
        self._time = (np.arange(T + 1) / T).tolist()
        self._count_after = ((count_before + 1) / T).tolist()
        self._count_before = (count_before / T).tolist()
        self._prev_time = np.where(prev >= 0, prev / T, 0.0).tolist()
        self._seen = (prev >= 0).astype(np.float64).tolist()
        boundaries = np.r_[0, np.flatnonzero(np.diff(phase)) + 1]
        self._phase_start = boundaries[phase].tolist()

        self._slot_of = [-1] * self.n_pages
        self._n_cached = 0
        self._faults = 0
        self._done = False
        self._pages[:] = -1
        self._load[:] = 0
        self._last[:] = 0
        self._bits[:] = 0
        self._feat[:] = 0
        self._mask[:] = 1
        self._history: list[tuple[np.ndarray, int]] = []
        self._t = 0
        self._begin_fault()
        return self._observation(), self._info()

    def _check_instance(self, instance: Any) -> np.ndarray:
        arr = np.asarray(instance)
        if arr.ndim != 1 or arr.size < 1 or not np.issubdtype(arr.dtype, np.integer) \
                or arr.min() < 0 or arr.max() >= self.n_pages:
            raise ValueError("options['instance'] must be a 1-D sequence of >= 1 integer pages "
                             f"in [0, n_pages = {self.n_pages}) (load_trace renames a "
                             "trace's pages 0..m-1)")
        return arr.astype(np.int64, copy=True)

    @staticmethod
    def _check_predictions(bits: Any, T: int) -> np.ndarray:
        arr = np.asarray(bits)
        # checked before any cast: 0.9 or 256 must not become a bit silently
        if arr.shape != (T,) or not (np.issubdtype(arr.dtype, np.integer)
                                     or arr.dtype == np.bool_) or not np.isin(arr, (0, 1)).all():
            raise ValueError(f"options['predictions'] must be {T} integer bits in {{0, 1}}, "
                             "one per request of options['instance']")
        return arr.astype(np.int8)

    @staticmethod
    def _check_arrivals(times: Any, T: int) -> np.ndarray:
        arr = np.asarray(times)
        t = np.arange(T)
        if arr.shape != (T,) or not np.issubdtype(arr.dtype, np.integer) \
                or arr.dtype == np.bool_ or (arr <= t).any() or (arr > T).any():
            raise ValueError(f"options['predictions'] must be {T} integer next-arrival times, "
                             f"the one of request t in [t+1, T = {T}] (T = never again)")
        return arr.astype(np.int64)

    def action_masks(self) -> np.ndarray:
        """Legal slots (bool), as sb3-contrib's MaskablePPO expects."""
        return self._mask.astype(bool)

    # ------------------------------------------------------------------ the step loop
    def _begin_fault(self) -> None:
        """Write the request row (row k) of the observation for the fault at ``self._t``."""
        t, f = self._t, self._fflat
        base = 5 * self.k
        f[base] = self._seen[t]
        f[base + 1] = self._time[t]
        f[base + 2] = self._prev_time[t]
        f[base + 3] = self._pred_obs[t]
        f[base + 4] = self._count_before[t]

    def step(self, action):
        if self._done:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        if type(action) is not int:
            action = _as_slot(action)
        k = self.k
        if not 0 <= action < k:
            raise InvalidAction(f"action {action!r} is not a slot in Discrete({k})")
        if self._mask[action] == 0:
            raise InvalidAction(f"slot {action} is occupied while free slots remain: "
                                "fill a free slot (see info['action_mask'])")
        pages, last, bits = self._pages, self._last, self._bits
        ff, slot_of = self._fflat, self._slot_of
        seq, pred, pred_obs = self._seq, self._pred, self._pred_obs
        time, count_after = self._time, self._count_after
        t = self._t
        page = seq[t]
        f = 5 * action
        old = pages[action]
        if old >= 0:
            slot_of[old] = -1
        else:
            self._n_cached += 1
            ff[f] = 1.0
            if self._n_cached == k:
                self._mask[:] = 1
            else:
                self._mask[action] = 0
        slot_of[page] = action
        pages[action] = page
        self._load[action] = last[action] = t
        bits[action] = pred[t]
        ff[f + 3] = pred_obs[t]
        ff[f + 1] = ff[f + 2] = time[t]
        ff[f + 4] = count_after[t]
        self._faults += 1
        if self.render_mode == "rgb_array":
            self._history.append((pages.copy(), action))

        # serve the hits that follow without a step: only last use, prediction, count change
        T = self._T
        t += 1
        while t < T:
            s = slot_of[seq[t]]
            if s < 0:
                break
            f = 5 * s
            last[s] = t
            bits[s] = pred[t]
            ff[f + 3] = pred_obs[t]
            ff[f + 2] = time[t]
            ff[f + 4] = count_after[t]
            t += 1
        self._t = t
        if t >= T:
            self._done = True
            self._feat[k] = 0.0
            self._mask[:] = 1
            info = self._info()
            info["metrics"] = self._metrics()
            return self._feat.copy(), -1.0, True, False, info
        self._begin_fault()
        return self._feat.copy(), -1.0, False, False, self._info()

    def _observation(self) -> np.ndarray:
        return self._feat.copy()

    def _info(self) -> dict[str, Any]:
        t = min(self._t, self._T - 1)
        return {"action_mask": self._mask.copy(), "t": self._t, "request": self._seq[t],
                self._request_key: self._pred[t], "phase_start": self._phase_start[t],
                "pages": self._pages.copy(), "load_time": self._load.copy(),
                "last_use": self._last.copy(), self._pred_key: self._bits.copy(),
                "history": History(self._seq_arr, self._pred_arr, t + 1),
                "faults": self._faults}

    def _metrics(self) -> dict[str, float]:
        opt = self._model.opt_faults
        return {"faults": float(self._faults), "opt_faults": float(opt),
                "competitive_ratio": self._faults / opt, **self._errors,
                "horizon": float(self._T)}

    # ------------------------------------------------------------------ rendering
    def render(self):
        if self.render_mode != "rgb_array":
            return None
        from papergym.envs.paging.render import cache_timeline

        return cache_timeline(self._history, self.k, self.n_pages)


def _as_slot(action: Any) -> int:
    """An int from an int-like action (numpy integer, 0-d or 1-element integer array)."""
    arr = np.asarray(action)
    if arr.size != 1 or not np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise InvalidAction(f"action {action!r} is not an integer slot index")
    return int(arr.reshape(()))
