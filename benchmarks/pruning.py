"""Wall time of one pruning round of LotteryTicket-v0 on the default network.

One round = scoring + mask selection + ``train_steps_per_round`` masked Adam steps on
Lenet-300-100 (64-300-100-10) + the validation pass.  The baseline, measured in the same
run, is plain PyTorch: an ``nn.Sequential`` of the same shape trained with Adam for the
same number of minibatches (no masks).  The ratio round / baseline is the overhead of the
masks and the env; the speed target is a ratio <= 1.5.  Also shown: the time of each
pruning-at-init criterion on the dense network.  Usage::

    python benchmarks/pruning.py [--steps 600] [--repeats 3] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from papergym.envs.pruning import scores as S
from papergym.envs.pruning.lottery import LotteryTicketEnv
from papergym.envs.pruning.nets import digits_split, glorot_mlp

TARGET_RATIO = 1.5


def plain_torch(steps: int, seed: int = 0) -> float:
    """Seconds for ``steps`` Adam minibatches of 60 on an unmasked nn.Sequential."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    data = digits_split(np.random.default_rng(seed))
    model = torch.nn.Sequential(torch.nn.Linear(64, 300), torch.nn.ReLU(),
                                torch.nn.Linear(300, 100), torch.nn.ReLU(),
                                torch.nn.Linear(100, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1.2e-3)
    rng = np.random.default_rng(seed)
    n = len(data.y_train)
    start = time.perf_counter()
    order, pos = rng.permutation(n), 0
    for _ in range(steps):
        if pos + 60 > n:
            order, pos = rng.permutation(n), 0
        idx = torch.from_numpy(order[pos:pos + 60])
        pos += 60
        loss = torch.nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def one_round(steps: int, seed: int = 0) -> float:
    """Seconds for one IMP round (magnitude, 20% / 10%, rewind) of the env."""
    env = LotteryTicketEnv(train_steps_per_round=steps)
    env.reset(seed=seed)
    action = {"keep": np.array([0.8, 0.8, 0.9], dtype=np.float32), "rule": 0, "weights": 0}
    start = time.perf_counter()
    env.step(action)
    return time.perf_counter() - start


def criteria_seconds(seed: int = 0) -> dict[str, float]:
    net = glorot_mlp((64, 300, 100, 10), np.random.default_rng(seed))
    ones = [torch.ones(w.shape) for w in net.weights]
    data = digits_split(np.random.default_rng(seed))
    x, y = data.x_train[:100], data.y_train[:100]
    out = {}
    for name, fn in (("snip", lambda: S.snip_scores(net, ones, x, y)),
                     ("grasp", lambda: S.grasp_scores(net, ones, x, y)),
                     ("synflow (100 iterations)", lambda: S.synflow_masks(net, ones, 5020))):
        start = time.perf_counter()
        fn()
        out[name] = time.perf_counter() - start
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    one_round(20)  # warm-up: torch's first Adam step and the data load
    plain_torch(20)
    base = min(plain_torch(args.steps, s) for s in range(args.repeats))
    rnd = min(one_round(args.steps, s) for s in range(args.repeats))
    crit = criteria_seconds()
    ratio = rnd / base
    lines = [f"{'what':<40} {'seconds':>8}",
             f"{'plain torch, ' + str(args.steps) + ' Adam steps':<40} {base:>8.3f}",
             f"{'LotteryTicket-v0 round (' + str(args.steps) + ' steps)':<40} {rnd:>8.3f}",
             f"{'ratio round / plain torch':<40} {ratio:>7.2f}x"]
    lines += [f"{name:<40} {sec:>8.3f}" for name, sec in crit.items()]
    print("\n".join(lines))
    if not args.no_write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _results import machine, write_section

        md = [f"## Pruning (LotteryTicket-v0), {machine()}", "",
              "One pruning round of the default network (Lenet-300-100 on digits), best of "
              f"{args.repeats}, one torch thread, against plain PyTorch training of the same "
              f"shape for the same steps (target: ratio <= {TARGET_RATIO}).", "",
              "| measure | seconds |", "|---|---|",
              f"| plain torch, {args.steps} Adam steps | {base:.3f} |",
              f"| LotteryTicket-v0 round, {args.steps} steps | {rnd:.3f} |",
              f"| ratio round / plain torch | {ratio:.2f}x |"]
        md += [f"| {name} on the dense net | {sec:.3f} |" for name, sec in crit.items()]
        write_section("pruning", "\n".join(md))


if __name__ == "__main__":
    main()
