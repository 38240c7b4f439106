"""A discrete-event simulator of LLM serving in the style of DistServe's (OSDI 2024).

Two modes, built on simpy (the library DistServe's simulator uses; the code is ours):

- **disaggregated**: ``n_p`` prefill instances and ``n_d`` decode instances. A request
  goes to the prefill instance with the fewest queued prompt tokens; prefill batches are
  first-come-first-served up to ``prefill_max_tokens`` tokens; a batch occupies the first
  pipeline stage for one stage time and completes ``pp`` stage times after it started
  (pipeline parallelism: a new batch may enter every stage time). At completion the first
  token is out (TTFT), and the KV cache travels to the decode instance with the fewest
  requests, taking ``prompt tokens x KV bytes per token / bandwidth``. A decode instance
  runs ``pp`` independent lanes (micro-batches in the pipeline), each a continuous batch of
  at most ``decode_max_batch`` requests that advances every request one token per step.
- **colocated** (vLLM-style): each instance holds both phases; it runs a prefill batch
  whenever prompts wait (prefill first, as vLLM's scheduler does), which stalls every
  decoding request for that time, and decode steps otherwise. Colocated instances use
  ``pp = 1`` (our choice, as vLLM served at the time).

TTFT = first token time - arrival; TPOT = (last token time - first token time) /
(output tokens - 1). A request attains its SLO when both are within their limits; SLO
attainment is the share of requests that do. Goodput per GPU is the highest per-GPU rate
whose attainment stays >= the target, found by the bisection DistServe's search uses
(rate capped at ``max_rate_per_gpu``, stop when the bracket is narrower than ``eps``).
Memory (KV-cache capacity) is not modelled: ``decode_max_batch`` caps a batch instead.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np

from papergym.envs.serving.latency import ModelProfile, decode_time_ms, prefill_time_ms
from papergym.envs.serving.workload import Workload

__all__ = ["Placement", "Pool", "SimResult", "attainment", "enumerate_placements",
           "goodput_per_gpu", "simulate"]

MODES = ("colocated", "disaggregated")


@dataclass(frozen=True)
class Pool:
    """``count`` identical instances of ``tp`` x ``pp`` GPUs each."""

    tp: int
    pp: int
    count: int

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.count

    def __str__(self) -> str:
        return f"{self.count}x(tp{self.tp},pp{self.pp})"


@dataclass(frozen=True)
class Placement:
    """Colocated: ``prefill`` is the pool of instances serving both phases and ``decode``
    is None. Disaggregated: a prefill pool and a decode pool."""

    mode: str
    prefill: Pool
    decode: Pool | None = None

    @property
    def gpus(self) -> int:
        return self.prefill.gpus + (self.decode.gpus if self.decode else 0)

    def __str__(self) -> str:
        if self.mode == "colocated":
            return f"colocated {self.prefill}"
        return f"prefill {self.prefill} + decode {self.decode}"


def enumerate_placements(tp_choices: tuple[int, ...], pp_choices: tuple[int, ...],
                         max_instances: int) -> list[Placement]:
    """Every placement with at most ``max_instances`` instances per pool, colocated first
    (``pp = 1``), in a fixed order: the env's action space."""
    out = [Placement("colocated", Pool(tp, 1, n)) for tp in tp_choices
           for n in range(1, max_instances + 1)]
    pools = [Pool(tp, pp, n) for tp in tp_choices for pp in pp_choices
             for n in range(1, max_instances + 1)]
    out += [Placement("disaggregated", p, d) for p in pools for d in pools]
    return out


@dataclass(frozen=True)
class SimResult:
    """Per-request TTFT and TPOT (ms); TPOT is 0 for one-token outputs."""

    ttft_ms: np.ndarray
    tpot_ms: np.ndarray

    def attainment(self, slo_ttft_ms: float, slo_tpot_ms: float) -> float:
        return attainment(self.ttft_ms, self.tpot_ms, slo_ttft_ms, slo_tpot_ms)

    def percentiles(self) -> dict[str, float]:
        out = {}
        for name, values in (("ttft", self.ttft_ms), ("tpot", self.tpot_ms)):
            for q in (50, 90, 99):
                out[f"{name}_p{q}_ms"] = float(np.percentile(values, q))
        return out


def attainment(ttft_ms: np.ndarray, tpot_ms: np.ndarray, slo_ttft_ms: float,
               slo_tpot_ms: float) -> float:
    return float(np.mean((ttft_ms <= slo_ttft_ms) & (tpot_ms <= slo_tpot_ms)))


class _DecodeLane:
    """A continuous batch: requests advance one token per step; a heap of the step at
    which each finishes, so a step costs O(1) plus O(log n) per finishing request."""

    __slots__ = ("active", "waiting", "context", "steps", "finish_heap", "wake")

    def __init__(self):
        self.active = 0
        self.waiting: deque[int] = deque()
        self.context = 0
        self.steps = 0
        self.finish_heap: list[tuple[int, int]] = []
        self.wake = None


def simulate(profile: ModelProfile, placement: Placement, workload: Workload, rate: float, *,
             kv_bandwidth_gbps: float = 64.0, prefill_max_tokens: int = 4096,
             decode_max_batch: int = 256, prefill_max_batch: int | None = None) -> SimResult:
    """Serve ``workload`` arriving at ``rate`` requests/s on ``placement``; per-request
    latencies. ``prefill_max_batch`` caps the requests in a prefill batch (None: only the
    token cap), e.g. 1 for the M/D/1 check."""
    import simpy

    env = simpy.Environment()
    arrivals = workload.arrivals_ms(rate)
    prompt, output = workload.prompt, workload.output
    n = len(prompt)
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    kv_ms_per_token = profile.kv_bytes_per_token / (kv_bandwidth_gbps * 1e9) * 1000.0
    max_batch = prefill_max_batch or n

    p_pool = placement.prefill
    prefill_queues = [deque() for _ in range(p_pool.count)]
    queued_tokens = [0] * p_pool.count
    prefill_wake = [env.event() for _ in range(p_pool.count)]

    def take_batch(i: int) -> list[int]:
        queue, batch, tokens = prefill_queues[i], [], 0
        while queue and len(batch) < max_batch and \
                (not batch or tokens + prompt[queue[0]] <= prefill_max_tokens):
            r = queue.popleft()
            batch.append(r)
            tokens += int(prompt[r])
        queued_tokens[i] -= tokens
        return batch

    colocated = placement.mode == "colocated"
    if colocated:
        lanes = [[_DecodeLane()] for _ in range(p_pool.count)]
        d_tp = p_pool.tp
    else:
        lanes = [[_DecodeLane() for _ in range(placement.decode.pp)]
                 for _ in range(placement.decode.count)]
        d_tp = placement.decode.tp

    def admit(lane: _DecodeLane) -> None:
        while lane.waiting and lane.active < decode_max_batch:
            r = lane.waiting.popleft()
            lane.active += 1
            lane.context += int(prompt[r]) + 1
            heapq.heappush(lane.finish_heap, (lane.steps + int(output[r]) - 1, r))

    def decode_step(lane: _DecodeLane):
        """Time of one step of ``lane`` (ms); call ``finish_step`` after it."""
        return decode_time_ms(profile, lane.active, lane.context, d_tp)

    def finish_step(lane: _DecodeLane) -> None:
        lane.steps += 1
        lane.context += lane.active
        heap = lane.finish_heap
        while heap and heap[0][0] <= lane.steps:
            _, r = heapq.heappop(heap)
            last[r] = env.now
            lane.active -= 1
            lane.context -= int(prompt[r]) + int(output[r])

    def first_token(r: int) -> bool:
        """Record the first token; True when the request still has tokens to decode."""
        first[r] = env.now
        if output[r] <= 1:
            last[r] = env.now
            return False
        return True

    def least_loaded_lane() -> _DecodeLane:
        return min((lane for inst in lanes for lane in inst),
                   key=lambda lane: lane.active + len(lane.waiting))

    def deliver(r: int) -> None:
        lane = least_loaded_lane()
        lane.waiting.append(r)
        if lane.wake is not None and not lane.wake.triggered:
            lane.wake.succeed()

    def prefill_worker(i: int):
        stage_pp = p_pool.pp
        while True:
            if not prefill_queues[i]:
                prefill_wake[i] = env.event()
                yield prefill_wake[i]
            batch = take_batch(i)
            stage = prefill_time_ms(profile, prompt[batch], p_pool.tp, stage_pp)
            yield env.timeout(stage)

            def complete(_event, batch=batch):
                for r in batch:
                    if first_token(r):
                        done = env.timeout(int(prompt[r]) * kv_ms_per_token)
                        done.callbacks.append(lambda _e, r=r: deliver(r))

            if stage_pp == 1:
                complete(None)
            else:
                env.timeout((stage_pp - 1) * stage).callbacks.append(complete)

    def decode_worker(lane: _DecodeLane):
        while True:
            admit(lane)
            if lane.active == 0:
                lane.wake = env.event()
                yield lane.wake
                lane.wake = None
                continue
            yield env.timeout(decode_step(lane))
            finish_step(lane)

    def colocated_worker(i: int):
        lane = lanes[i][0]
        while True:
            if prefill_queues[i]:
                batch = take_batch(i)
                yield env.timeout(prefill_time_ms(profile, prompt[batch], p_pool.tp, 1))
                for r in batch:
                    if first_token(r):
                        lane.waiting.append(r)
                continue
            admit(lane)
            if lane.active == 0:
                prefill_wake[i] = env.event()
                yield prefill_wake[i]
                continue
            yield env.timeout(decode_step(lane))
            finish_step(lane)

    def arrivals_process():
        for r in range(n):
            delay = arrivals[r] - env.now
            if delay > 0:
                yield env.timeout(delay)
            i = min(range(p_pool.count), key=queued_tokens.__getitem__)
            prefill_queues[i].append(r)
            queued_tokens[i] += int(prompt[r])
            if not prefill_wake[i].triggered:
                prefill_wake[i].succeed()

    env.process(arrivals_process())
    for i in range(p_pool.count):
        env.process(colocated_worker(i) if colocated else prefill_worker(i))
    if not colocated:
        for lane in itertools.chain.from_iterable(lanes):
            env.process(decode_worker(lane))
    env.run()
    ttft = first - arrivals
    tpot = np.where(output > 1, (last - first) / np.maximum(output - 1, 1), 0.0)
    return SimResult(ttft, tpot)


def goodput_per_gpu(profile: ModelProfile, placement: Placement, workload: Workload, *,
                    slo_ttft_ms: float, slo_tpot_ms: float, target: float = 0.9,
                    max_rate_per_gpu: float = 5.0, eps: float = 0.25,
                    **sim_kwargs) -> float:
    """The highest per-GPU rate (req/s/GPU) in [0, max_rate_per_gpu] whose attainment is
    >= ``target``, by bisection to a bracket narrower than ``eps`` (DistServe's search);
    0 when even the lowest probed rate misses the target."""
    lo, hi = 0.0, float(max_rate_per_gpu)
    while hi - lo >= eps:
        mid = (lo + hi) / 2
        result = simulate(profile, placement, workload, mid * placement.gpus, **sim_kwargs)
        if result.attainment(slo_ttft_ms, slo_tpot_ms) >= target:
            lo = mid
        else:
            hi = mid
    return lo
