"""Request workloads for the serving simulator: Poisson arrivals and length samplers.

The samplers are ours. ``chat`` and ``summarization`` are log-normal shapes in the spirit
of the two workloads DistServe evaluates (a chatbot trace with short prompts and long
answers, a summarisation trace with long prompts and short answers); the datasets
themselves are not shipped, so the medians and spreads below are our choice, stated in
docs/serving.md. Prompt plus output never exceeds the model's 2048-token context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WORKLOADS", "Workload", "sample_workload"]

CONTEXT = 2048

#: name -> (prompt median, prompt sigma, output median, output sigma); sigma 0 = fixed;
#: "uniform" draws prompt in [32, 1024] and output in [16, 512]
WORKLOADS: dict[str, tuple[float, float, float, float]] = {
    "fixed": (512.0, 0.0, 128.0, 0.0),
    "uniform": (0.0, 0.0, 0.0, 0.0),
    "chat": (250.0, 1.0, 200.0, 0.9),
    "summarization": (1500.0, 0.4, 90.0, 0.6),
}


@dataclass(frozen=True)
class Workload:
    """``num_requests`` requests at unit rate: ``gaps`` are Exp(1) inter-arrival times, so
    ``np.cumsum(gaps) / rate`` are the arrival times (s) at any rate: the same requests,
    arriving faster or slower (common random numbers for the goodput search)."""

    name: str
    gaps: np.ndarray
    prompt: np.ndarray
    output: np.ndarray

    def arrivals_ms(self, rate: float) -> np.ndarray:
        return np.cumsum(self.gaps) * (1000.0 / rate)

    def __post_init__(self):
        for array in (self.gaps, self.prompt, self.output):
            array.setflags(write=False)


def sample_workload(name: str, num_requests: int, rng: np.random.Generator) -> Workload:
    """Draw ``num_requests`` requests of workload ``name`` from ``rng``."""
    gaps = rng.exponential(1.0, num_requests)
    if name == "uniform":
        prompt = rng.integers(32, 1025, num_requests)
        output = rng.integers(16, 513, num_requests)
    else:
        p_med, p_sigma, o_med, o_sigma = WORKLOADS[name]
        prompt = np.rint(p_med * np.exp(p_sigma * rng.standard_normal(num_requests)))
        output = np.rint(o_med * np.exp(o_sigma * rng.standard_normal(num_requests)))
    prompt = np.clip(prompt, 8, CONTEXT - 64).astype(np.int64)
    output = np.clip(output, 1, CONTEXT - prompt).astype(np.int64)
    return Workload(name, gaps, prompt, output)
