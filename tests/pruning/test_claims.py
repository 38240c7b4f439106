"""Claim tests of the pruning family (docs/pruning.md has the table).  The long
reproductions (3 seeds, default network) are ``@pytest.mark.slow``; the fast ones use the
same code on fewer steps where the measured gap is wide enough."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import papergym
from papergym.envs.pruning import scores as S
from papergym.envs.pruning.nets import glorot_mlp

LENET = (64, 300, 100, 10)
SEEDS = [0, 1, 2]


def effective_weights(masks: list[torch.Tensor]) -> list[int]:
    """Per layer, the kept weights that lie on some input-to-output path."""
    reach = [torch.ones(masks[0].shape[1])]
    for m in masks:
        reach.append(((m @ reach[-1]) > 0).float())
    back = [torch.ones(masks[-1].shape[0])]
    for m in reversed(masks):
        back.insert(0, ((m.T @ back[0]) > 0).float())
    return [int((m * back[i + 1][:, None] * reach[i][None, :]).sum())
            for i, m in enumerate(masks)]


def _mean(env_id: str, agent: str, key: str, seeds=SEEDS, **kwargs) -> float:
    return float(np.mean([r.metrics[key] for r in papergym.run(env_id, agent, seeds=seeds,
                                                                   **kwargs)]))


# --------------------------------------------------------------------------- SynFlow


@pytest.mark.parametrize("seed", SEEDS)
def test_synflow_keeps_every_layer_connected_where_magnitude_at_init_collapses(seed):
    """SynFlow (Tanaka et al. 2020): iterative synaptic-flow pruning avoids layer collapse.
    Lenet-300-100 at init, global pruning.  Measured: at 0.5% density every weight SynFlow
    keeps lies on an input-output path, while global magnitude pruning keeps a few
    connected paths only (about 10% of its weights are useful); at 0.2% magnitude
    disconnects the network entirely (zero paths) and SynFlow still keeps every layer."""
    net = glorot_mlp(LENET, np.random.default_rng(seed))
    ones = [torch.ones(w.shape) for w in net.weights]
    total = sum(m.numel() for m in ones)
    for density in (0.005, 0.002):
        n_keep = int(density * total)
        syn = S.synflow_masks(net, ones, n_keep, iterations=100)
        mag = S.keep_top_global(S.magnitude_scores(net, ones), ones, n_keep)
        syn_eff, mag_eff = effective_weights(syn), effective_weights(mag)
        assert sum(int(m.sum()) for m in syn) == n_keep
        assert min(syn_eff) > 0, f"SynFlow collapsed a layer at {density}"
        assert sum(syn_eff) >= 0.95 * n_keep
        if density == 0.005:
            assert sum(mag_eff) < 0.25 * n_keep
        else:
            assert sum(mag_eff) == 0, "magnitude at init kept a path at 0.2%"


def test_synflow_is_data_free_and_layer_conserving():
    """SynFlow scores conserve synaptic flow: on the linearised network the summed score of
    every layer equals R (Tanaka et al., Theorem 1, for a network without biases)."""
    net = glorot_mlp((8, 6, 5, 3), np.random.default_rng(0))
    ones = [torch.ones(w.shape) for w in net.weights]
    scores = S.synflow_scores(net, ones)
    sums = [float(s.double().sum()) for s in scores]
    assert np.allclose(sums, sums[0], rtol=1e-5)


# --------------------------------------------------------------------------- parameter sharing


def test_stable_rps_beats_magnitude_pruning_at_100x_fast():
    """In Defense of Parameter Sharing: at 100x compression (502 stored values for the
    Lenet-300-100 MLP) STABLE-RPS trains to far higher accuracy than magnitude pruning at
    init with the same memory.  Fast: one seed, 300 steps (measured 0.86 vs 0.28)."""
    kw = {"compression": 100.0, "train_steps": 300}
    rps = _mean("ParameterSharing-v0", "stable-rps", "test_accuracy", seeds=[0], **kw)
    mag = _mean("ParameterSharing-v0", "mag-same-memory", "test_accuracy", seeds=[0], **kw)
    assert rps > mag + 0.3, (rps, mag)


@pytest.mark.slow
def test_stable_rps_beats_magnitude_pruning_at_100x():
    """The same over 3 seeds at 600 steps (measured 0.879 vs 0.250 mean; ROAST 0.877)."""
    kw = {"compression": 100.0, "train_steps": 600}
    rps = _mean("ParameterSharing-v0", "stable-rps", "test_accuracy", **kw)
    mag = _mean("ParameterSharing-v0", "mag-same-memory", "test_accuracy", **kw)
    assert rps > mag + 0.3, (rps, mag)


def test_stable_rps_mapping_is_balanced_and_one_to_one_without_compression():
    from papergym.envs.pruning.sharing import rps_mapping

    shapes = [(30, 64), (10, 30)]
    n = sum(o * i for o, i in shapes)
    rng = np.random.default_rng(0)
    slots, _ = rps_mapping(shapes, 97, rng, balanced=True, chunk=8)
    counts = np.bincount(np.concatenate(slots), minlength=97)
    assert counts.max() - counts.min() <= 1
    slots, _ = rps_mapping(shapes, n, rng, balanced=True, chunk=8)
    assert np.array_equal(np.sort(np.concatenate(slots)), np.arange(n))  # Pareto-continuity
    slots, _ = rps_mapping(shapes, 97, rng, balanced=False, chunk=8)
    counts = np.bincount(np.concatenate(slots), minlength=97)
    assert counts.max() - counts.min() > 1  # ROAST's offsets are not balanced


# --------------------------------------------------------------------------- pruning at init


@pytest.mark.slow
@pytest.mark.parametrize("agent", ["snip", "grasp", "synflow"])
def test_pruning_at_init_beats_random_pruning_at_ten_percent(agent):
    """SNIP, GraSP and SynFlow beat random pruning at 10% density (Lenet-300-100 on digits,
    300 steps, 3 seeds).  Measured mean test accuracy: random 0.913, SNIP 0.938,
    GraSP 0.923, SynFlow 0.945."""
    kw = {"train_steps_per_round": 300, "target_density": 0.1}
    random_acc = _mean("LotteryTicket-v0", "random-pruning", "test_accuracy", **kw)
    assert _mean("LotteryTicket-v0", agent, "test_accuracy", **kw) > random_acc


@pytest.mark.slow
@pytest.mark.parametrize("agent", ["snip", "grasp", "synflow"])
def test_pruning_at_init_beats_random_pruning_at_two_percent(agent):
    """At 2% the gap is wide (measured: random 0.178, SNIP 0.758, GraSP 0.745, SynFlow
    0.846)."""
    kw = {"train_steps_per_round": 300, "target_density": 0.02}
    random_acc = _mean("LotteryTicket-v0", "random-pruning", "test_accuracy", **kw)
    assert _mean("LotteryTicket-v0", agent, "test_accuracy", **kw) > random_acc + 0.3


# --------------------------------------------------------------------------- lottery tickets


@pytest.mark.slow
@pytest.mark.parametrize("target", [0.2, 0.1])
def test_imp_ticket_matches_dense_and_beats_random_reinit(target):
    """Frankle & Carbin's Lenet recipe (layer-wise 20% per round, 10% for the output layer,
    rewind to theta_0, Adam 1.2e-3, batch 60), on digits with 300 steps per round, 3 seeds.
    The ticket's mean test accuracy is within 1 point of the dense net trained the same way
    and above the same mask re-initialised at random.  Measured means: at 20% IMP 0.968,
    dense 0.968, re-init 0.955; at 10% IMP 0.963, dense 0.968, re-init 0.941 (per seed
    the 10% ticket is 0.0 / -0.3 / -1.1 points from dense)."""
    kw = {"train_steps_per_round": 300, "target_density": target, "max_rounds": 20}
    imp = papergym.run("LotteryTicket-v0", "imp", seeds=SEEDS, **kw)
    reinit = papergym.run("LotteryTicket-v0", "imp-random-reinit", seeds=SEEDS, **kw)
    imp_acc = np.mean([r.metrics["test_accuracy"] for r in imp])
    dense = np.mean([r.metrics["dense_test_accuracy"] for r in imp])
    reinit_acc = np.mean([r.metrics["test_accuracy"] for r in reinit])
    assert all(r.metrics["reached_target"] == 1.0 for r in imp + reinit)
    assert abs(imp_acc - dense) <= 0.01, (imp_acc, dense)
    assert imp_acc > reinit_acc, (imp_acc, reinit_acc)


@pytest.mark.slow
def test_scratch_b_matches_structured_fine_tuning():
    """Rethinking the Value of Network Pruning: training the structurally pruned network
    (half the neurons of each hidden layer, by L1 norm) from scratch for the dense
    network's compute (Scratch-B) matches fine-tuning the pruned network within noise
    (here: no more than 1 point below on the 3-seed mean)."""
    kw = {"train_steps_per_round": 300, "target_density": 1.0, "max_rounds": 8}
    fine = _mean("LotteryTicket-v0", "l1-neuron-finetune", "test_accuracy", **kw)
    scratch_b = _mean("LotteryTicket-v0", "scratch-b", "test_accuracy", **kw)
    assert scratch_b >= fine - 0.01, (scratch_b, fine)


# --------------------------------------------------------------------------- layer pruning


@pytest.mark.slow
def test_layer_ticket_at_init_matches_dense_with_fewer_flops():
    """When Layers Play the Lottery: a network with half of its residual blocks removed at
    initialisation trains to the dense accuracy with real FLOP savings.  Measured (10
    blocks, width 64, 600 steps, 3 seeds): CKA criterion +1.2 points over dense, random
    block removal +1.5, at 55% of the dense FLOPs."""
    cka = papergym.run("LayerPruning-v0", "layer-cka-init", seeds=SEEDS)
    gap = np.mean([r.metrics["accuracy_gap"] for r in cka])
    assert gap >= -0.01, gap
    assert all(r.metrics["flops_ratio"] < 0.6 for r in cka)


# --------------------------------------------------------------------------- grokking

GROK_CPU = {"p": 67, "d_emb": 128, "width": 48, "learning_rate": 3e-3, "weight_decay": 1.0,
            "train_fraction": 0.6, "max_epochs": 6000, "eval_every": 10}


@pytest.mark.slow
def test_grokking_ticket_generalises_sooner_than_dense_and_than_controls():
    """Grokking Tickets: the magnitude ticket of the generalised net (keep 0.6, rewound,
    same AdamW and weight decay 1) reaches 95% validation accuracy in fewer epochs than
    the dense net, and sooner than the memorisation-point ticket and random pruning at
    init.  CPU configuration (ours, see docs/pruning.md); seed-0 measurement: dense 740,
    ticket 240, memorisation ticket 1920, random at init 1280 epochs."""
    ticket = papergym.run("GrokkingTicket-v0", "grokking-ticket", seeds=SEEDS, **GROK_CPU)
    mem = papergym.run("GrokkingTicket-v0", "memorisation-ticket", seeds=SEEDS, **GROK_CPU)
    for r in ticket:
        assert r.metrics["epochs_to_generalise"] < r.metrics["dense_epochs_to_generalise"]
    t = np.mean([r.metrics["epochs_to_generalise"] for r in ticket])
    assert t < np.mean([r.metrics["epochs_to_generalise"] for r in mem])
