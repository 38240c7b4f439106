"""Latency profiles of LLM serving on A100-80GB, as DistServe's simulator fits them.

DistServe (Zhong et al., OSDI 2024, arXiv 2401.09670) publishes, with its simulator
(LLMServe/DistServe, ``simdistserve/estimators/profile_data/profiler-a100-80g.distserve.json``,
Apache-2.0), least-squares fits of one forward pass, in milliseconds:

- prefill of a batch of prompts with lengths l_i: ``a + b * sum(l_i) + c * sum(l_i ** 2)``
  (attention makes it quadratic in each prompt's length);
- one decode step of a batch of B requests holding C context tokens in total:
  ``a + b * C + c * B``, with one coefficient triple below and one above a batch-size
  threshold (95 requests).

The coefficients below are those fits, per model and tensor-parallel degree (the numbers
are facts of the published profile; the code is ours). Pipeline parallelism follows the
same simulator's rule: each of ``pp`` stages takes ``1/pp`` of the time, and a prefill
stage adds 1 ms of hand-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MODELS", "VLLM_MODELS", "ModelProfile", "decode_time_ms", "prefill_time_ms"]


@dataclass(frozen=True)
class ModelProfile:
    """A model's fitted latency coefficients per tensor-parallel degree, and its KV-cache
    size per token (2 tensors x layers x hidden size x 2 bytes, fp16)."""

    name: str
    layers: int
    hidden: int
    prefill: dict[int, tuple[float, float, float]]
    decode_small: dict[int, tuple[float, float, float]]
    decode_large: dict[int, tuple[float, float, float]]
    decode_threshold: int = 95

    @property
    def tensor_parallel(self) -> tuple[int, ...]:
        return tuple(sorted(self.prefill))

    @property
    def kv_bytes_per_token(self) -> int:
        return 2 * self.layers * self.hidden * 2


MODELS: dict[str, ModelProfile] = {
    "opt-13b": ModelProfile(
        "opt-13b", layers=40, hidden=5120,
        prefill={1: (18.10254647486372, 0.1019122572698738, 7.122264314252114e-06),
                 2: (14.742973695171262, 0.06857720739764, 2.4495727400243586e-06),
                 4: (12.062297033449054, 0.03808140082550695, 5.226249731787869e-07)},
        decode_small={1: (19.934702624895458, 0.0006269356524350583, 0.03850697740828398),
                      2: (13.294796350285385, 0.00034109219700723494, 0.06296393225243659),
                      4: (10.256231678259395, 0.00018786702316166354, 0.03269273629225551)},
        decode_large={1: (7.1661889468253595, 0.0005798000403396046, 0.15831096191764046),
                      2: (10.638741913126715, 0.00031183369638295723, 0.08562913604102729),
                      4: (10.483514938375274, 0.00017120888562939117, 0.04566648525887034)}),
    "opt-66b": ModelProfile(
        "opt-66b", layers=64, hidden=9216,
        prefill={2: (43.05881348288936, 0.2742292870458432, 2.2478042467169447e-05),
                 4: (29.441636037717455, 0.151352180625198, 8.317450765979451e-06),
                 8: (25.490662375045222, 0.10659177664763161, 3.3910502518615973e-06)},
        decode_small={2: (48.288015489286245, 0.0009424343535737985, 0.12755020094383188),
                      4: (30.760284619429587, 0.000451947603788462, 0.063284195750671),
                      8: (23.15511135047022, 0.00022691488497826264, 0.04800638397272423)},
        decode_large={2: (28.727693993711597, 0.00047448475459061987, 0.29617792360743994),
                      4: (27.47082137429487, 0.0004046845541646486, 0.12480667738300383),
                      8: (21.71772781576609, 0.0003758089655762475, 0.08978614175851013)}),
}

#: The same fits for vLLM's kernels (``profiler-a100-80g.vllm.json`` of the same simulator,
#: which uses them when it simulates the vLLM baseline): slower prefill and decode steps
#: than DistServe's engine at equal parallelism. Used where the simulator is checked
#: against the paper's real vLLM measurements (``papergym.envs.serving.published``).
VLLM_MODELS: dict[str, ModelProfile] = {
    "opt-13b": ModelProfile(
        "opt-13b-vllm", layers=40, hidden=5120,
        prefill={1: (22.052204789310185, 0.14050923870128956, 8.076584822611088e-06),
                 2: (27.440806247810684, 0.0905453268062731, 8.452054313246025e-06),
                 4: (30.536322590049405, 0.05150644936810146, 4.232473132942393e-07)},
        decode_small={1: (23.475041008414784, 0.000592934466077393, 0.060726861260369455),
                      2: (24.54058424191086, 0.00022440145424035404, 0.08715787269447899),
                      4: (25.90114444283343, 7.753634454230709e-05, 0.05528087160867803)},
        decode_large={1: (20.206356173691958, 0.0004907727036234946, 0.1200031385587413),
                      2: (17.947769467112806, 0.0004570851465217072, 0.11179075830699213),
                      4: (23.88388468859458, 0.00028400164093310935, 0.06276523831046728)}),
    "opt-66b": ModelProfile(
        "opt-66b-vllm", layers=64, hidden=9216,
        prefill={2: (58.3822026348141, 0.3826408030281867, -7.1141486747694485e-06),
                 4: (42.965489361973944, 0.2128658422785494, 4.601017396226869e-05),
                 8: (38.931193445523604, 0.1573682229779579, 4.531676245669589e-06)},
        decode_small={2: (57.07344137197128, 0.0036461138777547255, 0.2249373634499222),
                      4: (39.58178936012414, 0.0006945721692406896, 0.13580868185596764),
                      8: (31.176041922273107, 0.00027556543631760213, 0.0679770397053775)},
        decode_large={2: (26.983759428854572, 0.006200132376379982, 0.4482569479277445),
                      4: (40.859718006896806, 0.0004264871259058686, 0.19508372547790553),
                      8: (29.087774405517447, 0.0006027720257746419, 0.1389608688300688)}),
}


def prefill_time_ms(profile: ModelProfile, prompt_lengths: np.ndarray | list[int], tp: int,
                    pp: int = 1) -> float:
    """One pipeline stage of a prefill batch (ms): ``(a + b*sum l + c*sum l^2) / pp + 1``.
    A batch takes ``pp`` stages end to end; a new batch may enter every stage time."""
    a, b, c = profile.prefill[tp]
    lengths = np.asarray(prompt_lengths, dtype=float)
    return (a + b * lengths.sum() + c * float(lengths @ lengths)) / pp + 1.0


def decode_time_ms(profile: ModelProfile, batch_size: int, context_tokens: int, tp: int) -> float:
    """One decode step (ms) of ``batch_size`` requests holding ``context_tokens`` in total."""
    table = profile.decode_small if batch_size < profile.decode_threshold else profile.decode_large
    a, b, c = table[tp]
    return a + b * context_tokens + c * batch_size
