"""DisaggregatedServing-v0: choose where prefill and decode run (DistServe, OSDI 2024)."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.base import PaperEnv
from papergym.envs.serving.latency import MODELS, ModelProfile
from papergym.envs.serving.simulator import (
    Placement,
    enumerate_placements,
    goodput_per_gpu,
    simulate,
)
from papergym.envs.serving.workload import WORKLOADS, Workload, sample_workload
from papergym.utils.checks import (
    check_choice,
    check_int,
    check_options,
    check_probability,
    check_real,
    check_render_mode,
)

__all__ = ["DisaggregatedServingEnv", "ServingInstance"]

TP_CHOICES = (1, 2, 4, 8)
PP_CHOICES = (1, 2)
OPTION_KEYS = ("instance",)


@dataclass(frozen=True)
class ServingInstance:
    """What ``model()`` returns: the interval's requests (at unit rate), the latency
    profile and every argument the goodput search needs, so a planner can simulate
    placements exactly as the env scores them."""

    profile: ModelProfile
    workload: Workload
    rate: float
    gpu_budget: int
    slo_ttft_ms: float
    slo_tpot_ms: float
    attainment_target: float
    max_rate_per_gpu: float
    search_eps: float
    kv_bandwidth_gbps: float
    placements: tuple[Placement, ...]
    feasible: np.ndarray

    def goodput(self, placement: Placement) -> float:
        """Per-GPU goodput of ``placement`` on this interval's requests, as the env scores it."""
        return goodput_per_gpu(self.profile, placement, self.workload,
                               slo_ttft_ms=self.slo_ttft_ms, slo_tpot_ms=self.slo_tpot_ms,
                               target=self.attainment_target,
                               max_rate_per_gpu=self.max_rate_per_gpu, eps=self.search_eps,
                               kv_bandwidth_gbps=self.kv_bandwidth_gbps)


class DisaggregatedServingEnv(PaperEnv):
    """
    ## Description

    Serving a large language model has two phases: *prefill* reads the whole prompt and
    produces the first token (its latency is the time to first token, TTFT), then
    *decode* produces one token per step (time per output token, TPOT). Colocating both
    on the same GPUs makes them interfere: every prefill batch stalls the decoding
    requests. DistServe ("DistServe: Disaggregating Prefill and Decoding for
    Goodput-optimized Large Language Model Serving", Zhong, Liu, Chen, Hu, Zhu, Liu, Jin,
    Zhang; OSDI 2024; arXiv 2401.09670) puts them on separate GPUs and chooses each
    phase's parallelism to maximise *goodput per GPU*: the highest request rate per GPU
    at which a target share of requests meets both a TTFT and a TPOT SLO.

    This env is the placement decision. Each step the agent chooses a placement (colocated
    or disaggregated; tensor- and pipeline-parallel degrees and instance counts) for one
    interval of requests; the env simulates it (``papergym.envs.serving.simulator``, a
    discrete-event simulator built like DistServe's, on its published A100 latency
    profile) and pays the goodput per GPU found by DistServe's bisection. Provenance and
    what is ours: docs/serving.md.

    ## Action Space

    ``Discrete(n)``: an index into ``env.unwrapped.placements`` (colocated ones first,
    then every prefill pool x decode pool, each pool ``count`` instances of ``tp`` x
    ``pp`` GPUs, ``count <= max_instances``). Placements over ``gpu_budget`` GPUs, or with
    a tensor-parallel degree the model's profile lacks, are infeasible:
    ``action_masks()`` and ``info["action_mask"]`` (int8) mark the feasible ones, and an
    infeasible one raises ``gymnasium.error.InvalidAction`` and changes nothing.

    ## Observation Space

    ``Box(0, inf, (9,), float32)``: the operating rate (req/s), mean and 90th-percentile
    prompt length, mean and 90th-percentile output length (tokens) of the interval's
    requests, the TTFT and TPOT SLOs (ms), the GPU budget and the intervals left.

    ## Rewards

    The chosen placement's goodput per GPU (req/s/GPU) on the interval's requests.

    ## Starting State

    A fresh interval of ``num_requests`` requests from the ``workload`` sampler.
    ``reset(options={"instance": workload})`` replays a
    ``papergym.envs.serving.workload.Workload``; other option keys are a ``ValueError``.

    ## Episode End

    ``terminated`` after ``horizon`` intervals (each draws new requests). Never truncated.

    ## Info

    ``action_mask`` (int8) at reset and every step. After a step: ``placement`` (str),
    ``gpus``, ``goodput_per_gpu``, and the chosen placement simulated at the operating
    ``rate``: ``attainment`` and ``ttft_p50_ms``, ``ttft_p90_ms``, ``ttft_p99_ms``,
    ``tpot_p50_ms``, ``tpot_p90_ms``, ``tpot_p99_ms``. At the end ``metrics``:
    ``goodput_per_gpu`` (mean over intervals), ``attainment`` (mean), ``ttft_p90_ms``,
    ``tpot_p90_ms`` (means), ``gpus`` (mean GPUs used), ``disaggregated_share``.

    ## Arguments

    - ``model`` (str, ``"opt-13b"``): ``"opt-13b"`` (TP 1, 2, 4) or ``"opt-66b"`` (TP 2, 4, 8).
    - ``workload`` (str, ``"chat"``): ``"fixed"``, ``"uniform"``, ``"chat"``, ``"summarization"``.
    - ``num_requests`` (int, 300, in [10, 100000]): requests per interval (DistServe's N).
    - ``rate`` (float, 4.0, > 0): the operating rate (req/s) for the latency percentiles.
    - ``gpu_budget`` (int, 4, in [1, 64]): GPUs a placement may use.
    - ``max_instances`` (int, 4, in [1, 16]): instances per pool in the action space.
    - ``slo_ttft_ms`` (float, 400.0, > 0) and ``slo_tpot_ms`` (float, 40.0, > 0): the SLOs.
    - ``attainment_target`` (float, 0.9, in (0, 1]): share of requests meeting both SLOs.
    - ``max_rate_per_gpu`` (float, 10.0, > 0) and ``search_eps`` (float, 0.25, > 0): the
      bisection's cap and stopping width (DistServe uses 5 and 0.25).
    - ``kv_bandwidth_gbps`` (float, 64.0, > 0): prefill-to-decode KV-cache bandwidth (GB/s).
    - ``horizon`` (int, 1, >= 1): intervals (placement decisions) per episode.
    - ``render_mode`` (None): nothing to render.

    ## Reference Agents

    ``distserve-search`` (the paper's placement search: enumerate disaggregated
    placements and simulate each; reads ``model()``), ``colocated-best`` (the best
    colocated configuration, vLLM-style; reads ``model()``), ``random-search``.

    ## Registered Configurations

    - ``DisaggregatedServing-v0``: the defaults (OPT-13B, chat-like requests, 4 GPUs,
      SLOs 400 ms TTFT / 40 ms TPOT at 90%).

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": []}
    primary_metric = "goodput_per_gpu"
    higher_is_better = True
    quick_kwargs = {"num_requests": 60, "gpu_budget": 2, "max_instances": 2,
                    "search_eps": 0.5}
    bad_inputs = {"model": ("gpt-5",), "workload": ("video",), "num_requests": (0, 2.5),
                  "rate": (0.0, -1.0), "gpu_budget": (0,), "max_instances": (0, 17),
                  "slo_ttft_ms": (0.0,), "slo_tpot_ms": (-5.0,), "attainment_target": (0.0, 1.5),
                  "max_rate_per_gpu": (0.0,), "search_eps": (0.0,),
                  "kv_bandwidth_gbps": (0.0,), "horizon": (0,), "render_mode": ("human",)}
    speed_target = 1e-4
    speed_target_reason = ("a step is a whole goodput search (a few simulations of every "
                           "request); the simulator itself runs >1e6 tokens/s (benchmarks/serving.py)")

    def __init__(self, model: str = "opt-13b", workload: str = "chat", num_requests: int = 300,
                 rate: float = 4.0, gpu_budget: int = 4, max_instances: int = 4,
                 slo_ttft_ms: float = 400.0, slo_tpot_ms: float = 40.0,
                 attainment_target: float = 0.9, max_rate_per_gpu: float = 10.0,
                 search_eps: float = 0.25, kv_bandwidth_gbps: float = 64.0, horizon: int = 1,
                 render_mode: str | None = None):
        self.model_name = check_choice("model", model, tuple(MODELS))
        self.workload_name = check_choice("workload", workload, tuple(WORKLOADS))
        self.num_requests = check_int("num_requests", num_requests, low=10, high=100_000)
        self.rate = check_real("rate", rate, low=0.0, low_open=True)
        self.gpu_budget = check_int("gpu_budget", gpu_budget, low=1, high=64)
        self.max_instances = check_int("max_instances", max_instances, low=1, high=16)
        self.slo_ttft_ms = check_real("slo_ttft_ms", slo_ttft_ms, low=0.0, low_open=True)
        self.slo_tpot_ms = check_real("slo_tpot_ms", slo_tpot_ms, low=0.0, low_open=True)
        self.attainment_target = check_probability("attainment_target", attainment_target)
        if self.attainment_target == 0:
            raise ValueError("attainment_target must be in (0, 1], got 0.0")
        self.max_rate_per_gpu = check_real("max_rate_per_gpu", max_rate_per_gpu, low=0.0,
                                           low_open=True)
        self.search_eps = check_real("search_eps", search_eps, low=0.0, low_open=True)
        self.kv_bandwidth_gbps = check_real("kv_bandwidth_gbps", kv_bandwidth_gbps, low=0.0,
                                            low_open=True)
        self.horizon = check_int("horizon", horizon, low=1)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.profile = MODELS[self.model_name]
        self.placements = tuple(enumerate_placements(TP_CHOICES, PP_CHOICES, self.max_instances))
        tps = set(self.profile.tensor_parallel)
        self._feasible = np.array(
            [p.gpus <= self.gpu_budget and p.prefill.tp in tps
             and (p.decode is None or p.decode.tp in tps) for p in self.placements], dtype=np.int8)
        if not self._feasible.any():
            raise ValueError(f"gpu_budget must fit one instance of {self.model_name} "
                             f"(at least {min(tps)} GPUs), got {self.gpu_budget}")
        self.action_space = gym.spaces.Discrete(len(self.placements))
        self.observation_space = gym.spaces.Box(0.0, np.inf, (9,), np.float32)
        self._t: int | None = None

    # ------------------------------------------------------------------ helpers
    def action_masks(self) -> np.ndarray:
        return self._feasible.copy()

    def _observation(self) -> np.ndarray:
        w = self._workload
        return np.array([self.rate, w.prompt.mean(), np.percentile(w.prompt, 90),
                         w.output.mean(), np.percentile(w.output, 90), self.slo_ttft_ms,
                         self.slo_tpot_ms, self.gpu_budget, self.horizon - self._t],
                        dtype=np.float32)

    def _new_interval(self, workload: Workload | None = None) -> None:
        self._workload = workload or sample_workload(self.workload_name, self.num_requests,
                                                     self.np_random)
        self._model = ServingInstance(
            self.profile, self._workload, self.rate, self.gpu_budget, self.slo_ttft_ms,
            self.slo_tpot_ms, self.attainment_target, self.max_rate_per_gpu, self.search_eps,
            self.kv_bandwidth_gbps, self.placements, self.action_masks())

    # ------------------------------------------------------------------ API
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = check_options(options, OPTION_KEYS, type(self).__name__)
        instance = (options or {}).get("instance")
        if instance is not None and not isinstance(instance, Workload):
            raise ValueError("options['instance'] must be a papergym.envs.serving.workload."
                             f"Workload, got {type(instance).__name__}")
        self._t = 0
        self._history: list[dict[str, float]] = []
        self._new_interval(instance)
        return self._observation(), {"action_mask": self.action_masks()}

    def step(self, action):
        if self._t is None or self._t >= self.horizon:
            raise ResetNeeded("step() before reset() or after the episode ended")
        if isinstance(action, (bool, np.bool_)) or not self.action_space.contains(action):
            raise InvalidAction(f"action must be a placement index in [0, "
                                f"{self.action_space.n}), got {action!r}")
        action = int(action)
        if not self._feasible[action]:
            raise InvalidAction(f"placement {self.placements[action]} is infeasible: "
                                f"{self.placements[action].gpus} GPUs over the budget of "
                                f"{self.gpu_budget}, or a TP degree {self.model_name} lacks")
        placement = self.placements[action]
        goodput = self._model.goodput(placement)
        at_rate = simulate(self.profile, placement, self._workload, self.rate,
                           kv_bandwidth_gbps=self.kv_bandwidth_gbps)
        record = {"goodput_per_gpu": goodput, "gpus": float(placement.gpus),
                  "attainment": at_rate.attainment(self.slo_ttft_ms, self.slo_tpot_ms),
                  "disaggregated": float(placement.mode == "disaggregated"),
                  **at_rate.percentiles()}
        self._history.append(record)
        self._t += 1
        info = {"placement": str(placement), **record, "action_mask": self.action_masks()}
        info.pop("disaggregated")
        terminated = self._t >= self.horizon
        if terminated:
            h = self._history
            info["metrics"] = {
                "goodput_per_gpu": float(np.mean([r["goodput_per_gpu"] for r in h])),
                "attainment": float(np.mean([r["attainment"] for r in h])),
                "ttft_p90_ms": float(np.mean([r["ttft_p90_ms"] for r in h])),
                "tpot_p90_ms": float(np.mean([r["tpot_p90_ms"] for r in h])),
                "gpus": float(np.mean([r["gpus"] for r in h])),
                "disaggregated_share": float(np.mean([r["disaggregated"] for r in h]))}
        else:
            self._new_interval()
        return self._observation(), float(goodput), terminated, False, info
