"""Markov coding games (Ebrahimi, Chen, Khisti, NeurIPS 2024; Sokota et al., ICML 2022).

``MarkovCodingGame-v0`` and its variants are the single-agent game (the env decodes);
``MarkovCodingGameParallel-v0`` (``papergym.envs.registration.make_parallel``, or
:func:`parallel_env`; :func:`env` for AEC) is the two-agent game with a receiver agent
(:class:`papergym.envs.coding.mcg_parallel.MarkovCodingGameParallelEnv`).  The math:
:mod:`~papergym.envs.coding.mec` (minimum-entropy coupling, entropy),
:mod:`~papergym.envs.coding.ebim` (the EBIM encoders, refinement, uniform quantiser),
:mod:`~papergym.envs.coding.protocol` and :mod:`~papergym.envs.coding.grid`.
"""

from __future__ import annotations

from papergym.envs.registration import register_env, register_parallel_env

__all__ = ["PAPER", "parallel_env", "env"]

PAPER = "Minimum Entropy Coupling with Bottleneck (NeurIPS 2024, arXiv 2410.21666)"
_MCG = "papergym.envs.coding.mcg:MarkovCodingGameEnv"

register_env("coding", PAPER, "MarkovCodingGame-v0", _MCG)
register_env("coding", PAPER, "MarkovCodingGameCompress4-v0", _MCG, kwargs={"compression": 4.0})
register_env("coding", PAPER, "MarkovCodingGameCompress16-v0", _MCG,
             kwargs={"compression": 16.0})
register_env("coding", PAPER, "MarkovCodingGameSmall-v0", _MCG,
             kwargs={"message_size": 64, "grid": "4x4", "compression": 2.0, "max_steps": 20})
register_env("coding", PAPER, "MarkovCodingGameLarge-v0", _MCG,
             kwargs={"grid": "10x10", "compression": 2.0, "max_steps": 80})
register_parallel_env("coding", PAPER, "MarkovCodingGameParallel-v0",
                      "papergym.envs.coding.mcg_parallel:MarkovCodingGameParallelEnv",
                      rank_by="role")


def parallel_env(**kwargs):
    """The two-agent Markov coding game (``"sender"``, ``"receiver"``) as a PettingZoo
    ``ParallelEnv``; keyword arguments as ``MarkovCodingGame-v0``'s."""
    from papergym.envs.coding.mcg_parallel import MarkovCodingGameParallelEnv

    return MarkovCodingGameParallelEnv(**kwargs)


def env(**kwargs):
    """The same game as a PettingZoo AEC env (``parallel_to_aec`` of :func:`parallel_env`)."""
    from pettingzoo.utils import parallel_to_aec

    return parallel_to_aec(parallel_env(**kwargs))
