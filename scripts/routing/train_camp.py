"""Train a small CAMP on CPU (REINFORCE, shared baseline over augmented samples).

    python scripts/routing/train_camp.py [--minutes 4] [--n 20] [--m 3] [--out PATH]

Small config: dim 64, 2 encoder layers, 4 heads; batches of 16 instances x 8 samples
(each sample on one of the 8 symmetric transforms, the baseline the mean over the 8);
Adam (1e-3 by default; the shipped checkpoint used 5e-4); the weights with the best
validation score (every 25 updates) are kept, as the code's checkpointing does; instances drawn as CAMP's code draws them (random profiles). Prints the greedy
objective on 64 fixed validation instances against greedy and random. One thread
(``torch.set_num_threads(1)``): the machine is shared. Full scale (the paper's n = 100,
m = 7, dim 128, 3 layers, 100 epochs of 100k instances) is GPU work.
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch

from papergym.agents.routing.camp import CAMPPolicy, augment, evaluate, rollout, save_policy
from papergym.envs.routing.batched import BatchedPVRP, greedy_actions
from papergym.envs.routing.generators import generate


def baseline_objectives(instances, *, random_policy: bool, seed: int = 0) -> float:
    """Mean objective of the batched greedy heuristic (or of uniform random legal moves)."""
    env = BatchedPVRP.from_instances(instances)
    gen = torch.Generator().manual_seed(seed)
    while not bool(env.done.all()):
        mask = env.mask()
        if random_policy:
            action = torch.multinomial(mask.reshape(-1, env.n1).float(), 1,
                                       generator=gen).reshape(env.B, env.m)
        else:
            action = greedy_actions(env, mask)
        env.step(action)
    return float(env.objective().mean())


def train(minutes: float = 4.0, n=20, m=3, batch: int = 16, samples: int = 8,
          lr: float = 1e-3, seed: int = 0, out: str | None = None, log=print,
          max_steps: int | None = None, device: str = "cpu") -> CAMPPolicy:
    """Train for ``minutes`` (or exactly ``max_steps`` updates); returns the policy.
    ``n`` and ``m`` may be lists: each update draws its size from them (the paper's
    training mixes n 40-100 and m 3-7); validation uses the first of each."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    sizes_n = [int(x) for x in np.atleast_1d(n)]
    sizes_m = [int(x) for x in np.atleast_1d(m)]
    n, m = sizes_n[0], sizes_m[0]
    val = [generate(np.random.default_rng([7, i]), n, m) for i in range(64)]
    policy = CAMPPolicy().to(device)
    opt = torch.optim.Adam(policy.parameters(), lr=lr)
    if max_steps is not None:
        val = val[:4]
    log(f"validation n={n} m={m}: greedy {baseline_objectives(val, random_policy=False):.3f}, "
        f"random {baseline_objectives(val, random_policy=True):.3f}, "
        f"CAMP untrained {evaluate(policy, val).mean():.3f}")
    start, step = time.perf_counter(), 0
    best = (-float("inf"), 0, None)
    gen = torch.Generator(device=device).manual_seed(seed)
    while (step < max_steps if max_steps is not None
           else time.perf_counter() - start < 60 * minutes):
        size_n, size_m = int(rng.choice(sizes_n)), int(rng.choice(sizes_m))
        insts = [generate(rng, size_n, size_m) for _ in range(batch)]
        env = BatchedPVRP.from_instances([inst for inst in insts for _ in range(samples)],
                                         device=device)
        locs = torch.cat([augment(env.locs[i::samples], i % 8) for i in range(samples)])
        order = torch.arange(batch * samples, device=device).reshape(samples, batch).T.reshape(-1)
        locs = locs[order]                    # row b * samples + s gets transform s
        assert torch.allclose(torch.cdist(locs, locs, compute_mode="donot_use_mm_for_euclid_dist"),
                              env.dist, atol=1e-4)
        policy.train()
        logp = rollout(policy, env, sample=True, locs=locs, generator=gen)
        reward = env.objective().reshape(batch, samples)
        advantage = reward - reward.mean(1, keepdim=True)
        loss = -(advantage.reshape(-1) * logp).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 25 == 0:
            policy.eval()
            score = float(evaluate(policy, val).mean())
            if score > best[0]:
                best = (score, step, copy.deepcopy(policy.state_dict()))
            log(f"step {step:4d} ({time.perf_counter() - start:5.0f} s): train reward "
                f"{reward.mean():.3f}, validation {score:.3f}")
    policy.eval()
    score = float(evaluate(policy, val).mean())
    if best[2] is not None and best[0] > score:     # keep the best validated weights
        policy.load_state_dict(best[2])
        log(f"kept the weights of step {best[1]} (validation {best[0]:.3f}; last {score:.3f})")
        score = best[0]
    log(f"done after {step} steps: validation {score:.3f}")
    if out:
        save_policy(policy, out)
        log(f"saved {out}")
    return policy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--n", type=int, nargs="+", default=[20])
    parser.add_argument("--m", type=int, nargs="+", default=[3])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="checkpoint path (e.g. "
                        "papergym/agents/routing/camp_small.pt)")
    args = parser.parse_args(argv)
    train(args.minutes, args.n, args.m, args.batch, args.samples, args.lr, args.seed, args.out,
          device=args.device)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
