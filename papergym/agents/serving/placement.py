"""Placement agents for DisaggregatedServing-v0 (DistServe, OSDI 2024)."""

from __future__ import annotations

import numpy as np

from papergym.agents.base import Agent

DISTSERVE = ("Zhong et al., DistServe: Disaggregating Prefill and Decoding for "
             "Goodput-optimized LLM Serving, OSDI 2024 (arXiv 2401.09670)")


class _SearchAgent(Agent):
    """Scores candidate placements with the env's own goodput search (``model().goodput``)
    and plays the best; ``candidates`` picks the indices to try."""

    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.instance = env_model

    def candidates(self, instance) -> np.ndarray:
        raise NotImplementedError

    def act(self, observation, info):
        instance = self.instance
        best, best_goodput = None, -1.0
        for index in self.candidates(instance):
            goodput = instance.goodput(instance.placements[index])
            # ties go to fewer GPUs: the same goodput per GPU with less hardware
            if goodput > best_goodput or (goodput == best_goodput and
                                          instance.placements[index].gpus <
                                          instance.placements[best].gpus):
                best, best_goodput = int(index), goodput
        return best

    def observe(self, action, reward, observation, terminated, truncated, info):
        pass


class DistServeSearchAgent(_SearchAgent):
    """DistServe's placement search: enumerate the disaggregated placements within the GPU
    budget (tensor- and pipeline-parallel degree and instance count of the prefill and of
    the decode pool), simulate each on the interval's requests and keep the highest
    goodput per GPU.

    The paper's Algorithm 1 searches the prefill and the decode configuration separately
    (each pool simulated alone) and then replicates them; we enumerate the joint placements
    instead, which is exact within the env's action set and affordable at these budgets
    (our choice; docs/serving.md)."""

    name = "distserve-search"
    paper = DISTSERVE

    def candidates(self, instance):
        return [i for i in np.flatnonzero(instance.feasible)
                if instance.placements[i].mode == "disaggregated"]


class ColocatedBestAgent(_SearchAgent):
    """The best colocated configuration (vLLM-style serving, DistServe's baseline): every
    colocated placement within the budget, simulated, the highest goodput per GPU kept."""

    name = "colocated-best"
    paper = "vLLM-style colocated serving, the baseline of " + DISTSERVE

    def candidates(self, instance):
        return [i for i in np.flatnonzero(instance.feasible)
                if instance.placements[i].mode == "colocated"]


class RandomSearchAgent(_SearchAgent):
    """Simulates ``samples`` feasible placements drawn uniformly (both modes) and keeps the
    best: the baseline any search must beat at the same simulation budget."""

    name = "random-search"
    paper = "Bergstra and Bengio, Random search for hyper-parameter optimization, JMLR 2012"

    def __init__(self, samples: int = 8):
        self.samples = samples

    def candidates(self, instance):
        feasible = np.flatnonzero(instance.feasible)
        return self.rng.choice(feasible, size=min(self.samples, len(feasible)), replace=False)
