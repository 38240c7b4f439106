#!/usr/bin/env python
"""Train a Stable-Baselines3 agent on a papergym env, with W&B logging.

    python scripts/train_sb3.py --env Paging-v0 --algo MaskablePPO --steps 50000 --seed 0
    python scripts/train_sb3.py --env MarkovCodingGameSmall-v0 --algo PPO --steps 20000 --kw beta=0.05 \
        --wandb-mode online --project my-project

Algorithms: PPO, A2C, DQN (discrete actions), MaskablePPO (envs that mask actions).
W&B runs offline unless ``--wandb-mode online`` (``wandb sync wandb/offline-run-*``
uploads an offline run).  The model is saved as weights and a description,
``models/<env>__<algo>__seed<seed>.safetensors`` and ``.json`` (loading it runs no code
from the files); rank it against the papers' agents with

    papergym leaderboard --envs Paging-v0 --agents sb3:models/Paging-v0__MaskablePPO__seed0 random

``papergym train`` is this same entry point; the steps (env, W&B, model, learn, save,
evaluate) read top to bottom in ``papergym/training/sb3.py``, where the argument
dataclass ``TrainArgs`` lives.
"""

import sys

from papergym.cli import main as papergym_main


def main(argv=None) -> int:
    """``papergym train`` itself: the same flags, and exit code 2 on bad input."""
    return papergym_main(["train", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
