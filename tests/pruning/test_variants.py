"""LayerPruning-v0, ParameterSharing-v0, GrokkingTicket-v0: mechanics and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium.error import InvalidAction, ResetNeeded

from papergym.envs.pruning.grokking import GrokkingTicketEnv, train_grokking
from papergym.envs.pruning.layers import LayerPruningEnv, linear_cka, residual_forward
from papergym.envs.pruning.sharing import ParameterSharingEnv, small_dense_widths

LAYER_QUICK = LayerPruningEnv.quick_kwargs
SHARING_QUICK = ParameterSharingEnv.quick_kwargs
GROK_QUICK = GrokkingTicketEnv.quick_kwargs


# --------------------------------------------------------------------------- LayerPruning


def test_layer_pruning_keeps_the_top_scored_blocks_and_counts_flops():
    env = LayerPruningEnv(**LAYER_QUICK)
    env.reset(seed=0)
    scores = np.arange(8, dtype=np.float32)[::-1].copy()  # block 0 best
    _, _, terminated, truncated, info = env.step(scores)
    assert terminated and not truncated
    assert info["kept"].tolist() == [0, 1, 2, 3]
    w = LAYER_QUICK["width"]
    want = (64 * w + 4 * w * w + 10 * w) / (64 * w + 8 * w * w + 10 * w)
    assert info["metrics"]["flops_ratio"] == pytest.approx(want)
    with pytest.raises(ResetNeeded):
        env.step(scores)


def test_a_skipped_block_is_the_identity():
    env = LayerPruningEnv(**LAYER_QUICK)
    env.reset(seed=1)
    params = [p.clone() for p in env._init]
    x = env._x_score
    full_without_3 = residual_forward(params, [0, 1, 2, 4, 5, 6, 7], x)
    params[2 + 2 * 3].zero_()  # a block with zero weights and bias adds relu(0) = 0
    assert torch.allclose(residual_forward(params, list(range(8)), x), full_without_3)


@pytest.mark.parametrize("bad", [np.array([np.nan] + [0.0] * 7), np.zeros(3), "top"])
def test_layer_pruning_refuses_bad_scores(bad):
    env = LayerPruningEnv(**LAYER_QUICK)
    env.reset(seed=0)
    with pytest.raises(InvalidAction, match="block"):
        env.step(bad)
    assert not env._done


def test_linear_cka_is_one_for_identical_and_invariant_to_scale():
    a = torch.randn(50, 7, generator=torch.Generator().manual_seed(0))
    assert linear_cka(a, a) == pytest.approx(1.0)
    assert linear_cka(a, 3.0 * a) == pytest.approx(1.0)
    b = torch.randn(50, 7, generator=torch.Generator().manual_seed(1))
    assert 0.0 <= linear_cka(a, b) < 0.6


# --------------------------------------------------------------------------- ParameterSharing


def test_memory_budget_below_one_weight_per_layer_is_refused():
    with pytest.raises(ValueError, match="per layer"):
        ParameterSharingEnv(hidden=(4,), compression=300.0)  # 296 weights -> 1 value


@pytest.mark.parametrize("action", [5, -1, 1.5, "roast"])
def test_unknown_scheme_is_refused(action):
    env = ParameterSharingEnv(**SHARING_QUICK)
    env.reset(seed=0)
    with pytest.raises(InvalidAction, match="scheme"):
        env.step(action)


@pytest.mark.parametrize("agent", ["stable-rps", "roast", "mag-same-memory",
                                   "random-same-memory", "small-dense"])
def test_every_scheme_stays_within_the_memory_budget(agent):
    import papergym

    m = papergym.run("ParameterSharing-v0", agent, seeds=[0], **SHARING_QUICK)[0].metrics
    env = ParameterSharingEnv(**SHARING_QUICK)
    assert m["memory_used"] <= env.memory
    assert m["compression_ratio"] >= SHARING_QUICK["compression"] * 0.99


def test_small_dense_widths_fit_the_budget():
    widths = small_dense_widths((300, 100), 502)
    sizes = (64, *widths, 10)
    assert sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) <= 502
    assert all(w >= 1 for w in widths)


# --------------------------------------------------------------------------- Grokking


@pytest.mark.parametrize("action,match", [
    ({"source": 3, "rule": 0, "keep": np.array([0.5])}, "source"),
    ({"source": 0, "rule": 2, "keep": np.array([0.5])}, "rule"),
    ({"source": 0, "rule": 0, "keep": np.array([0.0])}, "keep"),
    ({"source": 0, "rule": 0, "keep": np.array([1.2])}, "keep"),
    ({"source": 0, "rule": 0}, "keys"),
])
def test_grokking_refuses_bad_actions(action, match):
    env = GrokkingTicketEnv(**GROK_QUICK)
    env.reset(seed=0)
    with pytest.raises(InvalidAction, match=match):
        env.step(action)


def test_grokking_masks_are_respected_and_density_exact():
    env = GrokkingTicketEnv(**GROK_QUICK)
    env.reset(seed=0)
    masks = [(torch.rand(p.shape, generator=torch.Generator().manual_seed(k)) > 0.5).float()
             for k, p in enumerate(env._init)]
    run = train_grokking(env._init, masks, env._data, epochs=10, lr=1e-3, weight_decay=1.0,
                         target=0.95, eval_every=1, stop_at_target=False)
    for w, m in zip(run.final, masks):
        assert torch.all(w[m == 0] == 0.0)
    _, _, _, _, info = env.step({"source": 2, "rule": 0, "keep": np.array([0.5])})
    total = sum(p.numel() for p in env._init)
    assert info["metrics"]["density"] == pytest.approx(round(0.5 * total) / total)


def test_grokking_rejects_non_prime_modulus():
    with pytest.raises(ValueError, match="p must be a prime"):
        GrokkingTicketEnv(p=9)


def test_plot_script_draws_a_png_from_the_measurements(tmp_path):
    import runpy
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = runpy.run_path(str(repo / "scripts" / "pruning" / "plot_claims.py"))
    out = script["main"](["--from-json", str(repo / "docs" / "pruning" / "measured.json"),
                          "--out", str(tmp_path / "plot.png")])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_benchmark_runs_on_a_few_steps():
    import runpy
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = runpy.run_path(str(repo / "benchmarks" / "pruning.py"))
    script["main"](["--steps", "5", "--repeats", "1", "--no-write"])


def test_keep_fraction_wrapper_prunes_by_magnitude_and_stops_at_the_target():
    from papergym.envs.pruning.wrappers import KeepFractionActions

    env = KeepFractionActions(LotteryTicketEnvQuick())
    obs, info = env.reset(seed=0)
    assert env.action_space.shape == (2,)
    obs, _, terminated, _, info = env.step(np.array([0.9, 0.9], dtype=np.float32))
    assert not terminated and info["density"] < 1.0
    obs, _, terminated, _, info = env.step(np.array([0.3, 0.3], dtype=np.float32))
    assert terminated and info["metrics"]["reached_target"] == 1.0


def LotteryTicketEnvQuick():  # noqa: N802  (a factory named after the class it builds)
    from papergym.envs.pruning.lottery import LotteryTicketEnv

    return LotteryTicketEnv(**LotteryTicketEnv.quick_kwargs)


def test_ppo_baseline_script_trains_and_evaluates():
    import runpy
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = runpy.run_path(str(repo / "scripts" / "pruning" / "train_ppo.py"))
    out = script["main"](["--timesteps", "16", "--n-steps", "8", "--seeds", "1"])
    assert 0.0 <= out["ppo_ticket_accuracy"] <= 1.0
