"""Train the tiny routed network of LLMRouting-v0's ``duo`` variant and save its weights
(papergym/envs/serving/duo_net.npz, a few KB).

Duo-LLM (arXiv 2410.10846) trains a network whose feed-forward slots each run a big
module, a small module or nothing, with routes drawn at random during training, then
searches per-token oracle routes. This script does the first part at toy scale on a
synthetic regression task (a random two-layer teacher); torch, CPU, about ten seconds.

    python scripts/serving/train_duo.py [--steps 3000] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[2] / "papergym" / "envs" / "serving" / "duo_net.npz"
D_IN, D_HIDDEN, D_OUT, LAYERS, BIG, SMALL = 8, 16, 4, 4, 64, 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    teacher = rng.normal(size=(D_IN, 32)) / np.sqrt(D_IN)
    teacher_out = rng.normal(size=(32, D_OUT)) / np.sqrt(32)

    def mlp(width):
        return torch.nn.Sequential(torch.nn.Linear(D_HIDDEN, width), torch.nn.ReLU(),
                                   torch.nn.Linear(width, D_HIDDEN))

    w_in = torch.nn.Linear(D_IN, D_HIDDEN, bias=False)
    big = torch.nn.ModuleList(mlp(BIG) for _ in range(LAYERS))
    small = torch.nn.ModuleList(mlp(SMALL) for _ in range(LAYERS))
    w_out = torch.nn.Linear(D_HIDDEN, D_OUT, bias=False)
    params = [*w_in.parameters(), *big.parameters(), *small.parameters(), *w_out.parameters()]
    opt = torch.optim.Adam(params, lr=3e-3)
    t_teacher = torch.tensor(teacher, dtype=torch.float32)
    t_out = torch.tensor(teacher_out, dtype=torch.float32)
    for step in range(args.steps):
        x = torch.randn(256, D_IN)
        y = torch.tanh(x @ t_teacher) @ t_out
        routes = torch.randint(0, 3, (256, LAYERS))      # random routing, as Duo-LLM trains
        h = w_in(x)
        for layer in range(LAYERS):
            code = routes[:, layer:layer + 1]
            h = h + (code == 1) * small[layer](h) + (code == 2) * big[layer](h)
        loss = ((w_out(h) - y) ** 2).sum(dim=1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 500 == 0:
            print(f"step {step}: loss {loss.item():.4f}", flush=True)
    arrays = {"layers": np.array(LAYERS), "teacher": teacher, "teacher_out": teacher_out,
              "w_in": w_in.weight.detach().numpy().T, "w_out": w_out.weight.detach().numpy().T}
    for kind, modules in (("big", big), ("small", small)):
        for i, m in enumerate(modules):
            arrays[f"{kind}{i}_w1"] = m[0].weight.detach().numpy().T
            arrays[f"{kind}{i}_b1"] = m[0].bias.detach().numpy()
            arrays[f"{kind}{i}_w2"] = m[2].weight.detach().numpy().T
            arrays[f"{kind}{i}_b2"] = m[2].bias.detach().numpy()
    np.savez_compressed(OUT, **{k: np.asarray(v, dtype=np.float32) if k != "layers" else v
                                for k, v in arrays.items()})
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
