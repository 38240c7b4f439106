"""Paging-v0: paging with one-bit (succinct) predictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs._validate import is_int, is_number
from papergym.envs.paging.belady import belady, next_use
from papergym.envs.paging.generators import GENERATORS
from papergym.envs.paging.predictions import corrupt, phase_bits, phase_partition, prediction_errors

__all__ = ["PagingEnv", "PagingInstance", "PREDICTIONS", "NOISE_MODES"]

PREDICTIONS = ("discard", "phase")
NOISE_MODES = ("random", "adversarial")
N_FEATURES = 5
# columns of the int64 slot table behind info["pages"], ["load_time"], ...
_PAGE, _LOAD, _LAST, _BIT = range(4)


@dataclass(frozen=True)
class PagingInstance:
    """What ``PagingEnv.model()`` returns: the whole episode, future included (read-only)."""

    k: int
    n_pages: int
    prediction: str
    requests: np.ndarray        # int64 (T,)
    true_bits: np.ndarray       # int8 (T,): the bits as the paper defines them
    predicted_bits: np.ndarray  # int8 (T,): what the agent sees
    phase: np.ndarray           # int64 (T,): k-distinct-pages phase index of each request
    opt_faults: int             # Belady (FitF) on the same sequence


class PagingEnv(gym.Env):
    """
    ## Description

    Paging (caching): a cache holds ``k`` of ``n_pages`` pages; requests arrive one at a
    time and a request for a page that is not cached is a *fault*: the page must be
    loaded, evicting a cached page when the cache is full.  The goal is to fault as few
    times as possible.  Belady's Furthest-in-the-Future (FitF) rule is optimal offline;
    online, every deterministic algorithm can be forced to fault ``k`` times as often
    and randomized Marker is ``2H_k``-competitive.

    Each request carries one predicted bit, as in "Paging with Succinct Predictions"
    (Antoniadis, Boyar, Eliáš, Favrholdt, Hoeksma, Larsen, Polak, Simon; ICML 2023;
    arXiv 2210.02775): with ``prediction="discard"`` the bit says whether the page is
    "safe to evict" (1 when FitF evicts it before its next request or it is never
    requested again); with ``prediction="phase"`` the bit says whether the page will be
    requested in the next phase (phases: maximal runs of ``k`` distinct pages, Marker's
    partition; the paper speaks of "an appropriate partitioning" that the available copy
    does not define, and under this one no online algorithm can be 1-consistent, as
    ``tests/paging/test_claims.py`` shows, so the phase mode is our choice, not the
    paper's).  The bits are computed from the true future and then corrupted (see
    Arguments).  ``eta0`` counts wrong 0-predictions and ``eta1`` wrong 1-predictions;
    the paper's algorithms pay at most ``alpha*OPT + beta*eta0 + gamma*eta1``.

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
    | 3   | the page's latest predicted bit   | the request's predicted bit             |
    | 4   | its requests so far ``/ T``       | its earlier requests ``/ T``            |

    ## Rewards

    -1 per fault, i.e. per step (hits cost nothing and take no step), so the return is
    ``-faults``.  No per-step ``info["regret"]``: the optimum's faults are not comparable
    step by step (it faults at other times), so only the episode total is reported.

    ## Starting State

    An empty cache and a fresh request sequence of length ``horizon`` drawn by
    ``generator`` from ``self.np_random``, with its bits; ``reset(options={"instance":
    seq})`` replays a given sequence (any length >= 1, pages in ``[0, n_pages)``) and
    ``options={"instance": seq, "predictions": bits}`` also fixes the predicted bits.
    The first request is always a fault, so every episode has at least one step.

    ## Episode End

    ``terminated`` when the last request has been served (the remaining requests after
    the last fault are hits, served inside that step).  Never ``truncated``.

    ## Info

    At every reset and step (the state at the fault to serve now; everything here is
    known to an online algorithm):

    - ``action_mask`` int8 (k,): legal slots.
    - ``t`` int: index of the current request; ``request`` int: its page;
      ``request_bit`` int: its predicted bit; ``phase_start`` int: index where the
      current k-distinct phase began.
    - ``pages`` int64 (k,): page in each slot, -1 if empty; ``load_time``, ``last_use``
      int64 (k,): when each slot's page was loaded and last requested; ``bits`` int64
      (k,): each cached page's latest predicted bit (0 for empty slots).
    - ``faults`` int: faults so far, the current one included.

    At the end (terminated) also ``metrics`` (floats): ``faults``, ``opt_faults``
    (Belady on the same sequence), ``competitive_ratio`` (faults / opt_faults),
    ``prediction_error`` (``eta0 + eta1``), ``eta0``, ``eta1``, ``horizon``.

    ## Arguments

    - ``k`` (int, default 10): cache size, ``>= 1``.
    - ``n_pages`` (int, default 50): universe size, ``> k``.
    - ``horizon`` (int, default 1000): requests per generated episode, ``>= 1``.
    - ``generator`` (str, default ``"zipf"``): ``"uniform"``, ``"zipf"``, ``"loop"`` (a scan
      of ``k+1`` pages, adversarial for LRU/FIFO) or ``"phase"`` (working set of ``k`` pages,
      ``1..k`` of them replaced at each phase).
    - ``zipf_alpha`` (float, default 1.0): Zipf exponent, ``>= 0``.
    - ``prediction`` (str, default ``"discard"``): ``"discard"`` or ``"phase"``.
    - ``noise`` (float in [0, 1], default 0.1): flip probability of every bit
      (``noise_mode="random"``), or the flip budget as a fraction of ``T``
      (``"adversarial"``).
    - ``noise0`` / ``noise1`` (float in [0, 1] or None): flip probabilities of true 0-bits
      and true 1-bits, overriding ``noise`` for that bit value (random mode only: with
      ``noise_mode="adversarial"`` they raise ``ValueError``).
    - ``noise_mode`` (str, default ``"random"``): ``"random"`` (independent flips) or
      ``"adversarial"``: ``round(noise * T)`` deterministic flips that hide evictable pages
      (discard: true 1 shown as 0; phase: true 0 shown as 1), on the requests whose page
      is next requested furthest in the future (never again first).
    - ``render_mode`` (None or ``"rgb_array"``): an image of the cache timeline, one
      column per step (fault), one row per slot, colour = page, the filled slot bright.

    ## Reference Agents

    ``belady`` (offline optimum, uses ``model()``), ``lru``, ``discard-predictions``
    (the paper's deterministic algorithm for discard bits), ``phase-predictions`` (the
    paper's marking algorithm for phase bits); also ``fifo``, ``marker``,
    ``follow-discard-bit``, ``follow-phase-bit`` and ``random``.

    ## Registered Configurations

    - ``Paging-v0``: the defaults above (k=10, n_pages=50, horizon=1000, Zipf(1.0),
      discard bits, noise 0.1).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}
    primary_metric = "competitive_ratio"
    higher_is_better = False
    leaderboard_configs = ({"prediction": "discard", "noise": 0.1},
                           {"prediction": "phase", "noise": 0.1})
    quick_kwargs = {"horizon": 200}
    #: invalid values per constructor argument (the contract checker asserts each is refused)
    bad_inputs = {"k": (0, 2.5, True), "n_pages": (5, "50"), "horizon": (0, -3),
                  "generator": ("zipfian",), "zipf_alpha": (-1.0, "abc", None),
                  "prediction": ("phases",), "noise": (-0.1, 1.5, None),
                  "noise0": (-0.5, 2.0), "noise1": (1.5, "x"), "noise_mode": ("worst",),
                  "render_mode": ("human",)}

    def __init__(self, k: int = 10, n_pages: int = 50, horizon: int = 1000,
                 generator: str = "zipf", zipf_alpha: float = 1.0, prediction: str = "discard",
                 noise: float = 0.1, noise0: float | None = None, noise1: float | None = None,
                 noise_mode: str = "random", render_mode: str | None = None):
        _check_int("k", k, 1)
        _check_int("n_pages", n_pages, k + 1, f"> k = {k}")
        _check_int("horizon", horizon, 1)
        _check_choice("generator", generator, tuple(GENERATORS))
        _check_choice("prediction", prediction, PREDICTIONS)
        _check_choice("noise_mode", noise_mode, NOISE_MODES)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        _check_number("zipf_alpha", zipf_alpha, 0.0, np.inf, "a finite number >= 0")
        _check_number("noise", noise, 0.0, 1.0, "a number in [0, 1]")
        for name, value in (("noise0", noise0), ("noise1", noise1)):
            if value is not None:
                _check_number(name, value, 0.0, 1.0, "a number in [0, 1] or None")
        if noise_mode == "adversarial":
            for name, value in (("noise0", noise0), ("noise1", noise1)):
                if value is not None:
                    raise ValueError(f"{name} must be None with noise_mode='adversarial' (it "
                                     "applies to random flips; the adversarial budget is "
                                     f"noise * horizon flips), got {value!r}")
        self.k, self.n_pages, self.horizon = int(k), int(n_pages), int(horizon)
        self.generator, self.zipf_alpha = generator, float(zipf_alpha)
        self.prediction, self.noise_mode = prediction, noise_mode
        self.noise = float(noise)
        self.noise0 = self.noise if noise0 is None else float(noise0)
        self.noise1 = self.noise if noise1 is None else float(noise1)
        self.render_mode = render_mode

        self.action_space = spaces.Discrete(self.k)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(self.k + 1, N_FEATURES),
                                            dtype=np.float32)
        # _cache: int64 (k, 4) [page, load_time, last_use, bit], what info exposes;
        # _feat: float32 (k+1, 5), the observation itself, updated in place and copied out
        self._cache = np.zeros((self.k, 4), dtype=np.int64)
        self._feat = np.zeros((self.k + 1, N_FEATURES), dtype=np.float32)
        self._mask = np.ones(self.k, dtype=np.int8)
        self._instance: PagingInstance | None = None
        self._bind_views()

    # -- numpy views are not preserved by pickle: rebuild them after unpickling
    def _bind_views(self) -> None:
        self._cflat = self._cache.reshape(-1)
        self._fflat = self._feat.reshape(-1)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_cflat"], state["_fflat"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind_views()

    # ------------------------------------------------------------------ episode set-up
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        if "instance" in options:
            seq = self._check_instance(options["instance"])
        else:
            seq = GENERATORS[self.generator](self.np_random, self.k, self.n_pages, self.horizon,
                                             zipf_alpha=self.zipf_alpha)
        T, k = len(seq), self.k
        nxt = next_use(seq)
        opt = belady(seq, k, nxt)
        phase = phase_partition(seq, k)
        true_bits = opt.discard_bits if self.prediction == "discard" else phase_bits(seq, k, phase)
        if options.get("predictions") is not None:
            predicted = self._check_predictions(options["predictions"], T)
        else:
            predicted = corrupt(true_bits, self.np_random, noise0=self.noise0, noise1=self.noise1,
                                mode=self.noise_mode, budget=round(self.noise * T),
                                prediction=self.prediction, nxt=nxt)
        for arr in (seq, true_bits, predicted, phase):
            arr.setflags(write=False)
        self._instance = PagingInstance(k, self.n_pages, self.prediction, seq, true_bits,
                                        predicted, phase, opt.faults)
        self._eta = prediction_errors(true_bits, predicted)

        # per-request lookups for the step loop (plain lists: fastest scalar access)
        self._T = T
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
        self._cache[:] = 0
        self._cache[:, _PAGE] = -1
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
                             f"in [0, n_pages = {self.n_pages})")
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

    def model(self) -> PagingInstance:
        """The current episode's whole instance (requests, true and predicted bits, OPT).

        Only for agents that declare ``requires_model = True`` (e.g. ``belady``)."""
        if self._instance is None:
            raise ResetNeeded("call reset() before model()")
        return self._instance

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
        f[base + 3] = self._pred[t]
        f[base + 4] = self._count_before[t]

    def step(self, action):
        if self._done or self._instance is None:
            raise ResetNeeded("the episode is over (or never started): call reset()")
        if type(action) is not int:
            action = _as_slot(action)
        k = self.k
        if not 0 <= action < k:
            raise InvalidAction(f"action {action!r} is not a slot in Discrete({k})")
        if self._mask[action] == 0:
            raise InvalidAction(f"slot {action} is occupied while free slots remain: "
                                "fill a free slot (see info['action_mask'])")
        cf, ff, slot_of = self._cflat, self._fflat, self._slot_of
        seq, pred, time, count_after = self._seq, self._pred, self._time, self._count_after
        t = self._t
        page = seq[t]
        c, f = 4 * action, 5 * action
        old = cf[c]
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
        cf[c] = page
        cf[c + 1] = cf[c + 2] = t
        cf[c + 3] = ff[f + 3] = pred[t]
        ff[f + 1] = ff[f + 2] = time[t]
        ff[f + 4] = count_after[t]
        self._faults += 1
        if self.render_mode == "rgb_array":
            self._history.append((self._cache[:, _PAGE].copy(), action))

        # serve the hits that follow without a step: only last use, bit, count change
        T = self._T
        t += 1
        while t < T:
            s = slot_of[seq[t]]
            if s < 0:
                break
            c, f = 4 * s, 5 * s
            cf[c + 2] = t
            cf[c + 3] = ff[f + 3] = pred[t]
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
        fields = self._cache.T.copy()  # one copy; its rows are the per-field arrays
        t = min(self._t, self._T - 1)
        return {"action_mask": self._mask.copy(), "t": self._t, "request": self._seq[t],
                "request_bit": self._pred[t], "phase_start": self._phase_start[t],
                "pages": fields[_PAGE], "load_time": fields[_LOAD],
                "last_use": fields[_LAST], "bits": fields[_BIT], "faults": self._faults}

    def _metrics(self) -> dict[str, float]:
        opt = self._instance.opt_faults
        eta0, eta1 = self._eta
        return {"faults": float(self._faults), "opt_faults": float(opt),
                "competitive_ratio": self._faults / opt, "prediction_error": float(eta0 + eta1),
                "eta0": float(eta0), "eta1": float(eta1), "horizon": float(self._T)}

    # ------------------------------------------------------------------ rendering
    def render(self):
        if self.render_mode != "rgb_array":
            return None
        from papergym.envs.paging.render import cache_timeline

        return cache_timeline(self._history, self.k, self.n_pages)


def _check_int(name: str, value: Any, low: int, text: str | None = None) -> None:
    if not is_int(value) or value < low:
        raise ValueError(f"{name} must be an integer {text or f'>= {low}'}, got {value!r}")


def _check_number(name: str, value: Any, low: float, high: float, text: str) -> None:
    """A finite real number (not a bool, a string or None) in ``[low, high]``."""
    if not (is_number(value) and low <= value <= high):
        raise ValueError(f"{name} must be {text}, got {value!r}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _as_slot(action: Any) -> int:
    """An int from an int-like action (numpy integer, 0-d or 1-element integer array)."""
    arr = np.asarray(action)
    if arr.size != 1 or not np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise InvalidAction(f"action {action!r} is not an integer slot index")
    return int(arr.reshape(()))
