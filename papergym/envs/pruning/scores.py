"""Pruning scores and mask selection: the criteria of the pruning papers.

Every score function returns one tensor per weight matrix, *higher = more worth keeping*;
the selection functions then keep the top weights among those still alive, per layer
(:func:`keep_top_per_layer`) or over the whole network (:func:`keep_top_global`).

- magnitude ``|w|`` (Han et al. 2015; the LTH paper's criterion);
- random (uniform scores from the episode's generator);
- SNIP ``|g * w|`` on one minibatch (Lee et al., ICLR 2019, arXiv 1810.02340);
- GraSP ``w * (H g)`` (Wang et al., ICLR 2020, arXiv 2002.07376): the paper removes the
  weights with the highest ``-w * Hg``, i.e. keeps the highest ``w * Hg``; ``Hg`` by double
  backprop; logits divided by a temperature of 200 as in the authors' code;
- SynFlow ``|w * dR/dw|`` with ``R = 1^T (prod |W_l|) 1`` (Tanaka et al., NeurIPS 2020,
  arXiv 2006.05467), data-free, applied iteratively over ``iterations`` rounds on the
  exponential schedule ``density^(k/n)`` (the paper uses 100);
- neuron: structured pruning of whole hidden neurons by the L1 norm of their incoming
  weights (:func:`neuron_masks`).
"""

from __future__ import annotations

import numpy as np
import torch

from papergym.envs.pruning.constants import RULES
from papergym.envs.pruning.nets import MLP, forward, single_thread

__all__ = ["RULES", "grasp_scores", "keep_top_global", "keep_top_per_layer",
           "magnitude_scores", "neuron_masks", "random_scores", "score", "snip_scores", "synflow_masks",
           "synflow_scores"]



def magnitude_scores(net: MLP, masks: list[torch.Tensor]) -> list[torch.Tensor]:
    return [(w * m).abs() for w, m in zip(net.weights, masks)]


def random_scores(net: MLP, rng: np.random.Generator) -> list[torch.Tensor]:
    return [torch.from_numpy(rng.random(tuple(w.shape)).astype(np.float32)) for w in net.weights]


def _leaves(net: MLP, masks: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    ws = [(w * m).detach().clone().requires_grad_(True) for w, m in zip(net.weights, masks)]
    return ws, [b.detach() for b in net.biases]


def snip_scores(net: MLP, masks: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor
                ) -> list[torch.Tensor]:
    """Connection sensitivity ``|dL/dw * w|`` on the batch ``(x, y)``."""
    single_thread()
    ws, bs = _leaves(net, masks)
    loss = torch.nn.functional.cross_entropy(forward(ws, bs, x), y)
    grads = torch.autograd.grad(loss, ws)
    return [(g * w).abs().detach() for g, w in zip(grads, ws)]


def grasp_scores(net: MLP, masks: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                 temperature: float = 200.0) -> list[torch.Tensor]:
    """GraSP's gradient-flow score, sign flipped so that higher = keep: ``w * (H g)``."""
    single_thread()
    ws, bs = _leaves(net, masks)
    loss = torch.nn.functional.cross_entropy(forward(ws, bs, x) / temperature, y)
    grads = torch.autograd.grad(loss, ws)
    g_const = [g.detach() for g in grads]
    loss = torch.nn.functional.cross_entropy(forward(ws, bs, x) / temperature, y)
    grads = torch.autograd.grad(loss, ws, create_graph=True)
    z = sum((g * c).sum() for g, c in zip(grads, g_const))
    hg = torch.autograd.grad(z, ws)
    return [(w * h).detach() for w, h in zip(ws, hg)]


def synflow_scores(net: MLP, masks: list[torch.Tensor]) -> list[torch.Tensor]:
    """One SynFlow evaluation: ``|w * dR/dw|`` of the linearised network (|weights|, input
    all ones), in float64 to keep the products finite."""
    single_thread()
    ws = [(w.double() * m.double()).abs().requires_grad_(True) for w, m in zip(net.weights, masks)]
    bs = [b.double().abs() for b in net.biases]
    ones = torch.ones(1, ws[0].shape[1], dtype=torch.float64)
    r = forward(ws, bs, ones).sum()
    grads = torch.autograd.grad(r, ws)
    return [(g * w).abs().detach().float() for g, w in zip(grads, ws)]


def keep_top_per_layer(scores: list[torch.Tensor], masks: list[torch.Tensor],
                       keep: list[float] | np.ndarray) -> list[torch.Tensor]:
    """In each layer ``l`` keep the ``max(1, round(keep[l] * alive_l))`` best-scored of its
    alive weights (``keep`` is relative to what is alive now)."""
    out = []
    for s, m, k in zip(scores, masks, keep):
        alive = int(m.sum())
        n_keep = max(1, int(round(float(k) * alive))) if alive else 0
        out.append(_top(s, m, n_keep))
    return out


def keep_top_global(scores: list[torch.Tensor], masks: list[torch.Tensor], n_keep: int
                    ) -> list[torch.Tensor]:
    """Keep the ``n_keep`` best-scored alive weights over the whole network."""
    flat_s = torch.cat([s.reshape(-1).float() for s in scores])
    flat_m = torch.cat([m.reshape(-1) for m in masks])
    kept = _top(flat_s, flat_m, n_keep)
    out, i = [], 0
    for m in masks:
        out.append(kept[i:i + m.numel()].reshape(m.shape))
        i += m.numel()
    return out


def _top(s: torch.Tensor, m: torch.Tensor, n_keep: int) -> torch.Tensor:
    flat = torch.where(m.reshape(-1) > 0, s.reshape(-1).float(), torch.tensor(-float("inf")))
    n_keep = min(int(n_keep), int(m.sum()))
    new = torch.zeros(flat.numel())
    if n_keep > 0:
        # stable ordering: ties broken by position, so masks are reproducible
        idx = torch.from_numpy(np.argsort(-flat.numpy(), kind="stable")[:n_keep])
        new[idx] = 1.0
    return new.reshape(m.shape)


def neuron_masks(net: MLP, masks: list[torch.Tensor], keep: list[float] | np.ndarray
                 ) -> list[torch.Tensor]:
    """Structured pruning of hidden neurons by the L1 norm of their incoming alive weights
    (Li et al., ICLR 2017, the criterion Liu et al. 2019 re-examine): in hidden layer ``l``
    keep ``max(1, round(keep[l] * alive neurons))`` neurons; a removed neuron loses its
    incoming row and its outgoing column.  ``keep[-1]`` (the output layer) is ignored."""
    new = [m.clone() for m in masks]
    for layer in range(len(masks) - 1):
        w = net.weights[layer] * new[layer]
        norms = w.abs().sum(1)
        alive = (new[layer].sum(1) > 0) & (masks[layer + 1].sum(0) > 0)
        n_keep = max(1, int(round(float(keep[layer]) * int(alive.sum()))))
        order = np.argsort(-np.where(alive.numpy(), norms.numpy(), -np.inf), kind="stable")
        dead = torch.ones(len(norms), dtype=torch.bool)
        dead[torch.from_numpy(order[:n_keep])] = False
        dead |= ~alive
        new[layer][dead, :] = 0.0
        new[layer + 1][:, dead] = 0.0
    return new


def synflow_masks(net: MLP, masks: list[torch.Tensor], n_keep: int, iterations: int = 100
                  ) -> list[torch.Tensor]:
    """Iterative SynFlow: ``iterations`` rounds of scoring and global pruning, the alive count
    shrinking exponentially from the current one to ``n_keep``."""
    alive = float(sum(int(m.sum()) for m in masks))
    current = [m.clone() for m in masks]
    for k in range(1, iterations + 1):
        target = int(round(alive * (n_keep / alive) ** (k / iterations)))
        current = keep_top_global(synflow_scores(net, current), current, max(n_keep, target))
    return current


def score(rule: str, net: MLP, masks: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor,
          rng: np.random.Generator) -> list[torch.Tensor]:
    """The scores of ``rule`` (one of :data:`RULES`); SynFlow here is a single evaluation."""
    if rule == "magnitude":
        return magnitude_scores(net, masks)
    if rule == "random":
        return random_scores(net, rng)
    if rule == "snip":
        return snip_scores(net, masks, x, y)
    if rule == "grasp":
        return grasp_scores(net, masks, x, y)
    if rule == "synflow":
        return synflow_scores(net, masks)
    if rule == "neuron":
        raise ValueError("rule 'neuron' selects whole neurons: call neuron_masks")
    raise ValueError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
