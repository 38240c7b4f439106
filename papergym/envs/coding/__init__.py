"""Markov coding games (Ebrahimi, Chen, Khisti, NeurIPS 2024; Sokota et al., ICML 2022).

``MarkovCodingGame-v0`` and its variants are the single-agent game (the env decodes);
:func:`parallel_env` and :func:`env` are the two-agent game with a learned receiver
(:class:`papergym.envs.coding.mcg_parallel.MarkovCodingGameParallelEnv`), the PettingZoo way.
"""

from __future__ import annotations

__all__ = ["parallel_env", "env"]


def parallel_env(**kwargs):
    """The two-agent Markov coding game (``"sender"``, ``"receiver"``) as a PettingZoo
    ``ParallelEnv``; keyword arguments as ``MarkovCodingGame-v0``'s."""
    # imported here: the game's modules import the agents' coupling library, which
    # imports this package; a module-level import would load them half-initialised
    from papergym.envs.coding.mcg_parallel import MarkovCodingGameParallelEnv

    return MarkovCodingGameParallelEnv(**kwargs)


def env(**kwargs):
    """The same game as a PettingZoo AEC env (``parallel_to_aec`` of :func:`parallel_env`)."""
    from pettingzoo.utils import parallel_to_aec

    return parallel_to_aec(parallel_env(**kwargs))
