"""SubPO and its foils: policy-gradient agents that train on the instance before playing.

- :class:`SubPOAgent` (``subpo``): the paper's SubPO, REINFORCE with a time-indexed Markov
  policy ``pi(a | s, h)`` whose log-probability at step h is weighted by the marginal-gain
  return-to-go ``sum_{j >= h} (F(tau_0:j+1) - F(tau_0:j)) = F(tau) - F(tau_0:h)``.  This is
  the paper's gradient; the authors' public ``main.py`` weights ``log pi(a_h | s_h, h)`` by
  the cumulative value ``F(tau_0:h+1)`` instead, which we do not copy.
- :class:`SubPONaturalAgent` (``subpo-npg``): the natural-gradient variant (tabular softmax
  policy, closed-form Fisher inverse: a step along the estimated advantage).
- :class:`ModularPGAgent` (``modular-pg``): the same policy and update trained on the
  modular reward ``F({s_h+1})`` per step, repeats included (the code's ``SRL``).
- :class:`NonMarkovPGAgent` (``non-markov-pg``): the authors' MLP on the padded history of
  visited cells (the code's ``NM``), trained on marginal gains.

Every agent needs the model (``requires_model``) only as a simulator to sample training
trajectories (``batch_size`` per update, ``epochs`` updates); it then plays the env's
episode with its trained policy, sampling actions (``deterministic=False``, as the paper
evaluates sampled trajectories) or taking the most likely one.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from papergym.agents.base import Agent
from papergym.agents.submodular._pg import PGConfig, PolicyGradientTrainer

__all__ = ["ModularPGAgent", "NonMarkovPGAgent", "PolicyGradientAgent", "SubPOAgent",
           "SubPONaturalAgent"]

PAPER = ("Prajapat, Mutný, Zeilinger, Krause. Submodular Reinforcement Learning. ICLR 2024 "
         "(arXiv 2307.13372)")


def _instance_key(problem: Any) -> str:
    h = hashlib.sha256()
    for arr in (problem.weights, problem.item_kind, problem.capacities):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(f"{problem.start}|{problem.horizon}|{problem.objective}".encode())
    return h.hexdigest()


class PolicyGradientAgent(Agent):
    """Base of the policy-gradient agents: train on the instance at reset (once per distinct
    instance and seed), then act with the trained policy."""

    name = "policy-gradient"
    paper = PAPER
    requires_model = True
    _defaults: dict[str, Any] = {}

    def __init__(self, epochs: int = 50, batch_size: int = 500, lr: float | None = None,
                 policy: str = "tabular", baseline: bool = False, natural_step: float = 1.0,
                 features: str = "normalised", deterministic: bool = False,
                 progress: bool = False):
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.policy = policy
        self.baseline = baseline
        self.natural_step = natural_step
        self.features = features
        self.deterministic = deterministic
        self.progress = progress
        self._pg_config = PGConfig(policy=policy, epochs=epochs, batch_size=batch_size, lr=lr,
                                   baseline=baseline, natural_step=natural_step,
                                   features=features, **self._defaults)
        self.lr = self._pg_config.lr
        self.trainer: PolicyGradientTrainer | None = None
        self._trained_for: tuple[str, int | None] | None = None

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        cfg.pop("progress", None)
        cfg.update({k: v for k, v in self._defaults.items()})
        return cfg

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        key = (_instance_key(env_model), seed)
        if key != self._trained_for:
            self.trainer = PolicyGradientTrainer(env_model, self._pg_config,
                                                 seed=0 if seed is None else int(seed))
            self.trainer.train(progress=self.progress, label=self.name)
            self._trained_for = key
        self._history = [int(observation["cell"])]

    def act(self, observation, info):
        cell, h = int(observation["cell"]), int(observation["time"])
        if len(self._history) <= h:  # one act per time step: the cells s_0 .. s_h
            self._history.append(cell)
        return self.trainer.act(h, cell, self._history, self.rng,
                                deterministic=self.deterministic)

    def clone(self):
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.trainer = None
        other._trained_for = None
        return other


class SubPOAgent(PolicyGradientAgent):
    """SubPO (the paper's Algorithm 1): REINFORCE on marginal-gain returns-to-go with a
    time-indexed Markov policy (tabular by default; ``policy="mlp"`` is the authors' net on
    normalised (row, col, h) features)."""

    name = "subpo"
    _defaults = {"reward": "marginal", "update": "reinforce"}


class SubPONaturalAgent(PolicyGradientAgent):
    """SubPO with natural-gradient steps (tabular softmax policy): our reading of the
    paper's natural-gradient variant for large spaces; the step size is ``natural_step``."""

    name = "subpo-npg"
    _defaults = {"reward": "marginal", "update": "natural"}


class ModularPGAgent(PolicyGradientAgent):
    """The modular baseline: the same policy and REINFORCE update, trained on ``F({s})``
    summed over the visits (repeats included), the code's ``SRL``."""

    name = "modular-pg"
    paper = "the modular-reward baseline of " + PAPER
    _defaults = {"reward": "modular", "update": "reinforce"}


class NonMarkovPGAgent(PolicyGradientAgent):
    """The non-Markov baseline: the authors' MLP on the padded history of visited cells (the
    code's ``NM``), REINFORCE on marginal gains."""

    name = "non-markov-pg"
    paper = "the non-Markov baseline of " + PAPER
    _defaults = {"reward": "marginal", "update": "reinforce"}

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("policy", "history")
        super().__init__(**kwargs)
