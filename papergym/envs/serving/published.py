"""Published real-system measurements of DistServe (OSDI 2024) and its baselines, as data.

Every number here was printed by a cell of the authors' evaluation notebook and stored in
the notebook's outputs:

    LLMServe/DistServe (Apache-2.0), ``evaluation/2-benchmark-serving/plot.ipynb``,
    last changed in commit e2d4dca (2024-06-06), read at commit 82831f1 (2025-04-06).

The notebook draws the paper's Figures 8 and 9 (the end-to-end experiments of the OSDI 2024
version; its file names say ``chatbot-rate``, ``chatbot-SLO`` and ``other-apps``) from the
raw per-request result files, which are not in the repository. Which arXiv version carries
the same figures we could not check. What survives is the text each cell printed:

- ``Improvement (DistServe compared to X): r``: the goodput ratio of one panel. For a
  rate sweep, ``r`` = DistServe's per-GPU rate at the attainment target / X's; for an
  SLO-scale sweep, ``r`` = the SLO scale X needs / the scale DistServe needs. The crossing
  with the target is a linear interpolation between the measured points.
- ``WARNING: Intersection point not found! xs: [...], ys: [...]``: printed when a baseline's
  curve never crosses the target; it lists that baseline's whole measured curve (attainment
  in percent of requests meeting both SLOs). The notebook then takes the first x as the
  crossing, so the ratio printed next to it is a *bound* (``lower_bound=True`` below): the
  baseline needs an even lower rate (or looser SLO) than the first point.

The stored outputs do not match the stored source in one respect: the cells that call the
plotting functions with target 99 printed target 98.5 (Figure 8, rate sweeps) and 96.5
(Figure 9). We record the target the output shows. Which backend each printed line belongs
to follows from the order of the backends in the cell (DistServe first, then DeepSpeed-MII,
then vLLM; OPT-175B has no DeepSpeed-MII) and the order of the panels.

The serving setups (from the same repository): ``evaluation/2-benchmark-serving/
2-start-api-server.py`` runs vLLM with ``-tp 1`` for OPT-13B and ``-tp 4`` for OPT-66B,
``--max-num-batched-tokens 16384 --max-num-seqs 1024``; DistServe with (prefill TP, PP,
decode TP, PP) = (2, 1, 1, 1) for OPT-13B (3 GPUs) and (4, 1, 2, 2) for OPT-66B (8 GPUs),
prefill batches of at most 128 requests and 8,192 tokens, decode batches of at most 1,024
requests. Requests arrive as a Poisson process; each point serves ``requests_per_gpu x
GPUs`` requests drawn from the dataset (``ae-scripts/e2e/*-client.sh``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CURVES", "DISTSERVE_GOODPUT", "GOODPUT_RATIOS", "NOTEBOOK", "SHAREGPT_FIRST_ROUND",
           "SLOS", "AttainmentCurve", "GoodputRatio", "LengthQuantiles"]

NOTEBOOK = ("LLMServe/DistServe@82831f1 evaluation/2-benchmark-serving/plot.ipynb "
            "(Apache-2.0)")

#: (model, dataset) -> (TTFT SLO s, TPOT SLO s), the SLOs the notebook's plotting cells use
SLOS: dict[tuple[str, str], tuple[float, float]] = {
    ("opt-13b", "sharegpt"): (0.25, 0.1),
    ("opt-66b", "sharegpt"): (2.5, 0.15),
    ("opt-175b", "sharegpt"): (4.0, 0.2),
    ("opt-66b", "humaneval"): (0.125, 0.2),
    ("opt-66b", "longbench"): (15.0, 0.15),
}


@dataclass(frozen=True)
class AttainmentCurve:
    """One baseline's measured SLO-attainment curve (percent of requests meeting both
    SLOs). ``sweep`` is ``"rate"`` (``xs`` are per-GPU rates, req/s, SLOs fixed) or
    ``"slo_scale"`` (``xs`` multiply both SLOs, the rate fixed at ``rate_per_gpu``).
    ``requests`` is the number each point served (100 or 50 or 25 per GPU x ``gpus``)."""

    system: str
    model: str
    dataset: str
    gpus: int
    sweep: str
    xs: tuple[float, ...]
    attainment_pct: tuple[float, ...]
    requests: int
    rate_per_gpu: float | None
    provenance: str

    @property
    def slo_s(self) -> tuple[float, float]:
        return SLOS[(self.model, self.dataset)]


@dataclass(frozen=True)
class GoodputRatio:
    """A printed ``Improvement (DistServe compared to <baseline>)`` line."""

    figure: str
    model: str
    dataset: str
    sweep: str
    baseline: str
    target_pct: float
    ratio: float
    lower_bound: bool
    provenance: str


def _cell(n: int) -> str:
    return f"{NOTEBOOK}, cell {n} output"


# Figure 8 (upper left), OPT-13B on ShareGPT, per-GPU rates 0.25 ... 3 req/s, 100 requests
# per GPU; printed by cell 3 (execution count 89) because neither baseline reaches 98.5%.
_RATES_13B = (0.25, 0.5, 1.0, 1.5, 2.0, 2.25, 2.5, 3.0)
# Figure 9 (a), OPT-66B on HumanEval, 4 GPUs, 50 requests per GPU; printed by cell 8
# (execution count 94) because vLLM does not reach 96.5%.
_RATES_66B_HUMANEVAL = (0.125, 0.375, 0.625, 0.875, 1.125, 1.375, 1.625, 1.875, 2.125)

CURVES: dict[str, AttainmentCurve] = {
    "vllm-opt-13b-sharegpt": AttainmentCurve(
        "vLLM", "opt-13b", "sharegpt", 1, "rate", _RATES_13B,
        (90.0, 90.0, 85.0, 81.0, 71.0, 70.0, 68.0, 55.0), 100, None,
        _cell(3) + " (Figure 8 upper, OPT-13B panel, second WARNING line)"),
    "deepspeed-mii-opt-13b-sharegpt": AttainmentCurve(
        "DeepSpeed-MII", "opt-13b", "sharegpt", 1, "rate", _RATES_13B,
        (91.0, 87.0, 87.0, 82.0, 73.0, 71.0, 66.0, 60.0), 100, None,
        _cell(3) + " (Figure 8 upper, OPT-13B panel, first WARNING line)"),
    "vllm-opt-66b-humaneval": AttainmentCurve(
        "vLLM", "opt-66b", "humaneval", 4, "rate", _RATES_66B_HUMANEVAL,
        (91.5, 86.5, 79.5, 71.0, 65.0, 56.5, 38.0, 36.5, 28.0), 200, None,
        _cell(8) + " (Figure 9 (a), HumanEval rate panel, first WARNING line)"),
    "vllm-opt-66b-sharegpt-slo": AttainmentCurve(
        "vLLM", "opt-66b", "sharegpt", 4, "slo_scale",
        (3.0, 2.5, 2.0, 1.7, 1.5, 1.3, 1.1, 0.9, 0.8, 0.7),
        (94.0, 92.0, 87.0, 81.0, 78.0, 76.0, 63.0, 50.0, 41.0, 32.0), 100, 0.75,
        _cell(6) + " (Figure 8 lower, OPT-66B panel, target 99)"),
    "vllm-opt-175b-sharegpt-slo": AttainmentCurve(
        "vLLM", "opt-175b", "sharegpt", 8, "slo_scale",
        (1.6, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6),
        (93.5, 93.5, 91.0, 89.0, 88.0, 86.0, 79.0, 61.0, 38.5, 26.5, 17.5), 200, 0.125,
        _cell(6) + " (Figure 8 lower, OPT-175B panel, target 99)"),
    "vllm-opt-66b-longbench-slo": AttainmentCurve(
        "vLLM", "opt-66b", "longbench", 4, "slo_scale",
        (10.0, 8.5, 7.0, 5.5, 4.0, 2.5, 1.0, 0.8, 0.55),
        (90.0, 87.0, 87.0, 83.0, 81.0, 71.0, 44.0, 33.0, 19.0), 100, 0.375,
        _cell(8) + " (Figure 9 (d), LongBench SLO-scale panel, target 96.5)"),
}


def _ratios() -> tuple[GoodputRatio, ...]:
    rows = [
        # cell 2 (execution count 88): Figure 8 upper, rate sweeps, target 90
        ("8 upper", "opt-13b", "sharegpt", "rate", "DeepSpeed-MII", 90, 7.359999999999999, False, 2),
        ("8 upper", "opt-13b", "sharegpt", "rate", "vLLM", 90, 4.6, False, 2),
        ("8 upper", "opt-66b", "sharegpt", "rate", "DeepSpeed-MII", 90, 1.5729411764705883, False, 2),
        ("8 upper", "opt-66b", "sharegpt", "rate", "vLLM", 90, 2.7504, False, 2),
        ("8 upper", "opt-175b", "sharegpt", "rate", "vLLM", 90, 1.9898936170212769, False, 2),
        # cell 3 (89): the same, target printed as 98.5
        ("8 upper", "opt-13b", "sharegpt", "rate", "DeepSpeed-MII", 98.5, 6.38888888888889, True, 3),
        ("8 upper", "opt-13b", "sharegpt", "rate", "vLLM", 98.5, 6.38888888888889, True, 3),
        ("8 upper", "opt-66b", "sharegpt", "rate", "DeepSpeed-MII", 98.5, 1.9259259259259258, False, 3),
        ("8 upper", "opt-66b", "sharegpt", "rate", "vLLM", 98.5, 4.333333333333333, False, 3),
        ("8 upper", "opt-175b", "sharegpt", "rate", "vLLM", 98.5, 2.9598214285714293, False, 3),
        # cell 5 (91): Figure 8 lower, SLO-scale sweeps, target 90
        ("8 lower", "opt-13b", "sharegpt", "slo_scale", "DeepSpeed-MII", 90, 1.8, False, 5),
        ("8 lower", "opt-13b", "sharegpt", "slo_scale", "vLLM", 90, 1.735714285714286, False, 5),
        ("8 lower", "opt-66b", "sharegpt", "slo_scale", "DeepSpeed-MII", 90, 1.8043165467625901, False, 5),
        ("8 lower", "opt-66b", "sharegpt", "slo_scale", "vLLM", 90, 3.143884892086331, False, 5),
        ("8 lower", "opt-175b", "sharegpt", "slo_scale", "vLLM", 90, 1.7729138166894665, False, 5),
        # cell 6 (92): the same, target 99
        ("8 lower", "opt-13b", "sharegpt", "slo_scale", "DeepSpeed-MII", 99, 1.6071428571428579, False, 6),
        ("8 lower", "opt-13b", "sharegpt", "slo_scale", "vLLM", 99, 1.6785714285714293, False, 6),
        ("8 lower", "opt-66b", "sharegpt", "slo_scale", "DeepSpeed-MII", 99, 1.4705882352941175, False, 6),
        ("8 lower", "opt-66b", "sharegpt", "slo_scale", "vLLM", 99, 2.941176470588235, True, 6),
        ("8 lower", "opt-175b", "sharegpt", "slo_scale", "vLLM", 99, 1.6695652173913056, True, 6),
        # cell 7 (93): Figure 9, target 90
        ("9 (a)", "opt-66b", "humaneval", "rate", "DeepSpeed-MII", 90, 1.5886840432294977, False, 7),
        ("9 (a)", "opt-66b", "humaneval", "rate", "vLLM", 90, 5.721153846153846, False, 7),
        ("9 (b)", "opt-66b", "humaneval", "slo_scale", "DeepSpeed-MII", 90, 1.2747967479674798, False, 7),
        ("9 (b)", "opt-66b", "humaneval", "slo_scale", "vLLM", 90, 1.3538724860932818, False, 7),
        ("9 (c)", "opt-66b", "longbench", "rate", "DeepSpeed-MII", 90, 1.7666666666666668, False, 7),
        ("9 (c)", "opt-66b", "longbench", "rate", "vLLM", 90, 4.24, False, 7),
        ("9 (d)", "opt-66b", "longbench", "slo_scale", "DeepSpeed-MII", 90, 2.591132212118773, False, 7),
        ("9 (d)", "opt-66b", "longbench", "slo_scale", "vLLM", 90, 12.585499316005471, False, 7),
        # cell 8 (94): the same, target printed as 96.5
        ("9 (a)", "opt-66b", "humaneval", "rate", "DeepSpeed-MII", 96.5, 1.0666666666666667, False, 8),
        ("9 (a)", "opt-66b", "humaneval", "rate", "vLLM", 96.5, 4.0, True, 8),
        ("9 (b)", "opt-66b", "humaneval", "slo_scale", "DeepSpeed-MII", 96.5, 1.147058823529412, False, 8),
        ("9 (b)", "opt-66b", "humaneval", "slo_scale", "vLLM", 96.5, 1.1911764705882355, False, 8),
        ("9 (c)", "opt-66b", "longbench", "rate", "DeepSpeed-MII", 96.5, 1.325301204819277, False, 8),
        ("9 (c)", "opt-66b", "longbench", "rate", "vLLM", 96.5, 5.133333333333334, False, 8),
        ("9 (d)", "opt-66b", "longbench", "slo_scale", "DeepSpeed-MII", 96.5, 1.6176470588235294, False, 8),
        ("9 (d)", "opt-66b", "longbench", "slo_scale", "vLLM", 96.5, 6.8965517241379315, True, 8),
    ]
    return tuple(GoodputRatio(f"Figure {fig}", model, data, sweep, base, float(target), ratio,
                              bound, _cell(cell))
                 for fig, model, data, sweep, base, target, ratio, bound, cell in rows)


GOODPUT_RATIOS: tuple[GoodputRatio, ...] = _ratios()

#: DistServe's own goodput (req/s per GPU) where it follows from a printed ratio and a
#: printed baseline curve: ratio x the baseline's crossing. OPT-13B ShareGPT at 90%:
#: vLLM's curve crosses 90% at 0.5 (4.6 x 0.5; DeepSpeed-MII's at 0.3125, 7.36 x 0.3125
#: gives the same 2.3). At 98.5% both baselines fall back to 0.25 (6.389 x 0.25). OPT-66B
#: HumanEval at 90%: vLLM crosses at 0.2 (5.721 x 0.2); at 96.5% it falls back to 0.125.
DISTSERVE_GOODPUT: dict[tuple[str, str, float], float] = {
    ("opt-13b", "sharegpt", 90.0): 4.6 * 0.5,
    ("opt-13b", "sharegpt", 98.5): 6.38888888888889 * 0.25,
    ("opt-66b", "humaneval", 90.0): 5.721153846153846 * 0.2,
    ("opt-66b", "humaneval", 96.5): 4.0 * 0.125,
}


@dataclass(frozen=True)
class LengthQuantiles:
    """Quantiles of a token-length distribution: ``values[i]`` is the
    ``percent[i]``-th percentile."""

    percent: tuple[float, ...]
    prompt: tuple[int, ...]
    output: tuple[int, ...]
    provenance: str


#: ShareGPT's first round (the user's first message, ChatGPT's first answer), OPT
#: tokenizer, 84,226 conversations of March 2023, before any length filter: our percentiles
#: of the length pairs in ``datasets/sharegpt_opt_text_completion_length.pkl`` of the vLLM
#: paper's artifact (sosp-ae-39/sosp-ae-astra@3180d2f; the file holds lengths only; the
#: repository states no licence, so we ship these figures, not the file). Mean prompt 295.6
#: and output 358.0 tokens; keeping pairs with prompt + output < 2048 (79,725 of them, the
#: vLLM paper's workload) the means are 161.2 and 338.0.
SHAREGPT_FIRST_ROUND = LengthQuantiles(
    percent=(0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99,
             99.9),
    prompt=(1, 7, 9, 11, 14, 16, 19, 22, 26, 32, 40, 50, 65, 87, 121, 186, 304, 485, 837,
            1539, 3370, 6219),
    output=(1, 22, 46, 77, 103, 131, 160, 191, 219, 247, 275, 305, 337, 373, 416, 475, 549,
            652, 771, 974, 1466, 3012),
    provenance="sosp-ae-39/sosp-ae-astra@3180d2f datasets/sharegpt_opt_text_completion_length.pkl",
)
