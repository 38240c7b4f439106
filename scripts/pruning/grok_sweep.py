"""Sweep GrokkingTicket-v0 settings: epochs to generalise of the dense net and of the
tickets (one configuration per process).  Usage::

    python scripts/pruning/grok_sweep.py '{"p": 67, "d_emb": 128}' [seed]
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def main(argv: list[str]) -> dict:
    from papergym.envs.pruning.grokking import GrokkingTicketEnv

    kw = json.loads(argv[0])
    keep = kw.pop("keep", 0.6)
    seed = int(argv[1]) if len(argv) > 1 else 0
    out = {"kwargs": kw, "seed": seed}
    env = GrokkingTicketEnv(**kw)
    env.reset(seed=seed)
    start = time.time()
    dense = env.dense_run()
    out["dense_mem"], out["dense_gen"] = dense.memorisation_epoch, dense.generalisation_epoch
    out["dense_seconds"] = round(time.time() - start, 1)
    print(json.dumps(out), flush=True)
    for name, action in (("ticket", (2, 0)), ("mem_ticket", (1, 0)), ("random_init", (0, 1))):
        e = GrokkingTicketEnv(**kw)
        e.reset(seed=seed)
        e._dense = (e._init, dense)
        _, _, _, _, info = e.step({"source": action[0], "rule": action[1],
                                   "keep": np.array([keep])})
        out[name] = info["metrics"]["epochs_to_generalise"]
        print(json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
