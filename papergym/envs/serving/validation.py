"""The simulator against DistServe's real-system measurements (``published.py``).

Two ShareGPT-like request samplers and the comparison itself:

- :func:`sample_sharegpt_first_round`: prompt and output lengths drawn independently from
  the published first-round ShareGPT length quantiles (``published.SHAREGPT_FIRST_ROUND``,
  log-linear interpolation between quantiles), pairs with prompt + output >= 2048 tokens
  redrawn. Every figure is data; independence is ours (the data's Spearman correlation
  between the two lengths is 0.21).
- :func:`sample_sharegpt_distserve`: DistServe's own preprocessing
  (``evaluation/2-benchmark-serving/0-prepare-dataset.py``) applied to synthetic
  conversations: keep conversations of at least 3 turns, draw the number of prompt turns
  ``k`` uniformly in ``[1, turns - 1]``, join the first ``k`` turns with newlines into the
  prompt, take turn ``k + 1`` as the output, drop the pair when prompt + output >= 2048.
  User turns take the first-round prompt lengths, assistant turns the first-round output
  lengths (our assumption: later turns are like first ones). The number of rounds (a user
  and an assistant turn) per conversation is ``1 + Geometric`` with mean ``mean_rounds``:
  **our choice** (default 4), since no figure of ShareGPT's turn counts was in reach;
  docs/serving.md reports how the error moves with it (2, 4 and 8).

The setups follow the authors' serving scripts (``published`` module docstring): vLLM serves
OPT-13B colocated on one GPU with the vLLM kernels' latency fits (``latency.VLLM_MODELS``),
batches of up to 16,384 prompt tokens and 1,024 sequences; DistServe serves it with one
prefill instance at TP 2 and one decode instance at TP 1 (3 GPUs), prefill batches of up
to 128 requests and 8,192 tokens, decode batches of up to 1,024 requests. Nothing is fitted
to the measurements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from papergym.envs.serving.latency import MODELS, VLLM_MODELS, ModelProfile
from papergym.envs.serving.published import (
    CURVES,
    DISTSERVE_GOODPUT,
    GOODPUT_RATIOS,
    SHAREGPT_FIRST_ROUND,
    AttainmentCurve,
)
from papergym.envs.serving.simulator import Placement, Pool, goodput_per_gpu, simulate
from papergym.envs.serving.workload import Workload

__all__ = ["SETUPS", "CurveComparison", "RatioComparison", "ServingSetup", "compare_curve",
           "compare_goodput_ratio", "crossing", "sample_sharegpt_distserve",
           "sample_sharegpt_first_round"]

CONTEXT = 2048


@dataclass(frozen=True)
class ServingSetup:
    """A real system's configuration as the simulator sees it."""

    name: str
    profile: ModelProfile
    placement: Placement
    sim_kwargs: dict = field(default_factory=dict)


SETUPS: dict[str, ServingSetup] = {
    "vLLM": ServingSetup("vLLM", VLLM_MODELS["opt-13b"], Placement("colocated", Pool(1, 1, 1)),
                         {"prefill_max_tokens": 16384, "decode_max_batch": 1024}),
    "DistServe": ServingSetup(
        "DistServe", MODELS["opt-13b"], Placement("disaggregated", Pool(2, 1, 1), Pool(1, 1, 1)),
        {"prefill_max_tokens": 8192, "prefill_max_batch": 128, "decode_max_batch": 1024}),
}


def _draw(values: Sequence[int], size: int, rng: np.random.Generator) -> np.ndarray:
    percent = np.asarray(SHAREGPT_FIRST_ROUND.percent) / 100.0
    u = rng.uniform(0.0, percent[-1], size)
    logs = np.interp(u, percent, np.log(np.asarray(values, dtype=float)))
    return np.maximum(np.rint(np.exp(logs)), 1).astype(np.int64)


def sample_sharegpt_first_round(num_requests: int, rng: np.random.Generator) -> Workload:
    """ShareGPT's first rounds, as the vLLM paper serves them (pairs under 2048 tokens)."""
    prompt, output = np.empty(0, np.int64), np.empty(0, np.int64)
    while len(prompt) < num_requests:
        p = _draw(SHAREGPT_FIRST_ROUND.prompt, 2 * num_requests, rng)
        o = _draw(SHAREGPT_FIRST_ROUND.output, 2 * num_requests, rng)
        keep = p + o < CONTEXT
        prompt, output = np.concatenate([prompt, p[keep]]), np.concatenate([output, o[keep]])
    gaps = rng.exponential(1.0, num_requests)
    return Workload("sharegpt-first-round", gaps, prompt[:num_requests], output[:num_requests])


def sample_sharegpt_distserve(num_requests: int, rng: np.random.Generator,
                              mean_rounds: float = 4.0) -> Workload:
    """ShareGPT-like requests built the way DistServe's preprocessing builds them (module
    docstring); ``mean_rounds`` (> 2) is our assumption about conversation length."""
    if not mean_rounds > 2:
        raise ValueError(f"mean_rounds must be > 2, got {mean_rounds}")
    prompts: list[int] = []
    outputs: list[int] = []
    while len(prompts) < num_requests:
        rounds = 1 + int(rng.geometric(1.0 / (mean_rounds - 1.0)))
        turns = np.empty(2 * rounds, np.int64)
        turns[0::2] = _draw(SHAREGPT_FIRST_ROUND.prompt, rounds, rng)
        turns[1::2] = _draw(SHAREGPT_FIRST_ROUND.output, rounds, rng)
        k = int(rng.integers(1, len(turns)))
        prompt = int(turns[:k].sum()) + (k - 1)
        output = int(turns[k])
        if prompt + output >= CONTEXT or (prompt < 4 and output < 4):
            continue
        prompts.append(prompt)
        outputs.append(output)
    gaps = rng.exponential(1.0, num_requests)
    return Workload("sharegpt-distserve", gaps, np.array(prompts, np.int64),
                    np.array(outputs, np.int64))


def crossing(xs: Sequence[float], ys: Sequence[float], target: float) -> tuple[float, str]:
    """Where a measured curve crosses ``target``, as the authors' notebook finds it: linear
    interpolation inside the first segment whose ends lie on opposite sides. Returns
    ``(x, "crossing")``, or ``(xs[0], "never")`` when no segment crosses (the notebook's
    fallback, which makes a ratio built on it a bound)."""
    for x0, x1, y0, y1 in zip(xs[:-1], xs[1:], ys[:-1], ys[1:]):
        if (y0 < target) != (y1 < target):
            return (target - y0) * (x1 - x0) / (y1 - y0) + x0, "crossing"
    return float(xs[0]), "never"


@dataclass(frozen=True)
class CurveComparison:
    """A measured attainment curve next to ours (percent); ``error_pp`` = ours - real."""

    curve: AttainmentCurve
    ours_pct: np.ndarray
    ours_sd_pct: np.ndarray

    @property
    def error_pp(self) -> np.ndarray:
        return self.ours_pct - np.asarray(self.curve.attainment_pct)

    @property
    def mean_abs_error_pp(self) -> float:
        return float(np.mean(np.abs(self.error_pp)))

    @property
    def max_abs_error_pp(self) -> float:
        return float(np.max(np.abs(self.error_pp)))


def _seed_rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


Sampler = Callable[[int, np.random.Generator], Workload]


def compare_curve(curve_key: str = "vllm-opt-13b-sharegpt", setup: str = "vLLM",
                  sampler: Sampler = sample_sharegpt_distserve, seeds: int = 10,
                  requests: int | None = None) -> CurveComparison:
    """Simulate ``setup`` at each per-GPU rate of a measured rate sweep, ``seeds`` times
    with ``requests`` requests each (default: as many as the measurement served), and
    average the attainment (both SLOs met)."""
    curve = CURVES[curve_key]
    if curve.sweep != "rate":
        raise ValueError(f"curve_key must name a rate sweep, got {curve_key!r}")
    spec = SETUPS[setup]
    ttft_ms, tpot_ms = (1000.0 * s for s in curve.slo_s)
    n = requests or curve.requests
    table = np.empty((seeds, len(curve.xs)))
    for seed in range(seeds):
        work = sampler(n, _seed_rng(seed, 0))
        for j, rate in enumerate(curve.xs):
            result = simulate(spec.profile, spec.placement, work, rate * spec.placement.gpus,
                              **spec.sim_kwargs)
            table[seed, j] = 100.0 * result.attainment(ttft_ms, tpot_ms)
    return CurveComparison(curve, table.mean(axis=0), table.std(axis=0))


@dataclass(frozen=True)
class RatioComparison:
    """DistServe's goodput per GPU over vLLM's, measured and simulated."""

    target_pct: float
    measured_ratio: float
    measured_is_bound: bool
    measured_distserve: float
    ours_distserve: float
    ours_vllm: float

    @property
    def ours_ratio(self) -> float:
        return self.ours_distserve / self.ours_vllm if self.ours_vllm > 0 else float("inf")

    @property
    def log2_error(self) -> float:
        """log2(ours / measured): 0 is exact, +1 is twice the measured ratio."""
        return float(np.log2(self.ours_ratio / self.measured_ratio))


def compare_goodput_ratio(target_pct: float = 90.0, sampler: Sampler = sample_sharegpt_distserve,
                          seeds: int = 10, requests_per_gpu: int = 100,
                          eps: float = 0.02, max_rate_per_gpu: float = 10.0) -> RatioComparison:
    """Figure 8's OPT-13B ShareGPT ratio on the simulator: each system's goodput per GPU
    (DistServe's bisection on the same SLOs and target), averaged over ``seeds`` request
    sets of ``requests_per_gpu x GPUs`` requests."""
    curve = CURVES["vllm-opt-13b-sharegpt"]
    (measured,) = [r for r in GOODPUT_RATIOS if r.model == "opt-13b" and r.dataset == "sharegpt"
                   and r.sweep == "rate"
                   and r.baseline == "vLLM" and r.target_pct == target_pct]
    ttft_ms, tpot_ms = (1000.0 * s for s in curve.slo_s)
    goodputs = {}
    for name, spec in SETUPS.items():
        values = []
        for seed in range(seeds):
            work = sampler(requests_per_gpu * spec.placement.gpus, _seed_rng(seed, 1))
            values.append(goodput_per_gpu(spec.profile, spec.placement, work,
                                          slo_ttft_ms=ttft_ms, slo_tpot_ms=tpot_ms,
                                          target=target_pct / 100.0,
                                          max_rate_per_gpu=max_rate_per_gpu, eps=eps,
                                          **spec.sim_kwargs))
        goodputs[name] = float(np.mean(values))
    return RatioComparison(target_pct, measured.ratio, measured.lower_bound,
                           DISTSERVE_GOODPUT[("opt-13b", "sharegpt", target_pct)],
                           goodputs["DistServe"], goodputs["vLLM"])
