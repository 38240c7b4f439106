"""Tiny deterministic envs and agents for the leaderboard tests.

Importable (not in conftest) so process-pool and Ray workers can load them through the
leaderboard's ``imports=`` option, the same way a user's own plugin module would be.

``ToyHits-v0``: each step the env shows a noisy hint of a hidden target in
``0..n_actions-1``; reward 1 for naming the target. ``ToyMisses-v0`` is the same game
scored by misses (lower is better). ``ToyFaulty-v0`` is ToyHits with extra agents that
crash or hang (or are just slow), for the failure tests.  ``ToyNaN-v0`` reports
``value`` (NaN by default) as its primary metric.
"""

from __future__ import annotations

import os
import signal
import time

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import register, registry

from papergym.agents.base import Agent, register_agent

ENV_IDS = ("ToyHits-v0", "ToyMisses-v0")
FAULTY_ID = "ToyFaulty-v0"
NAN_ID = "ToyNaN-v0"
GROUPED_ID = "ToyGrouped-v0"
SLOW_ID = "ToySlow-v0"  # ToyHits for toy_sleepy alone
NO_DIRECTION_ID = "ToyNoDirection-v0"
DUEL_TEAM_ID = "ToyDuel-v0"
DUEL_ROLE_ID = "ToyDuelRoles-v0"


class ToyHitsEnv(gym.Env):
    """Guess the hidden target; ``info["metrics"]`` counts hits and misses."""

    primary_metric = "hits"
    higher_is_better = True
    leaderboard_configs = ({},)
    quick_kwargs = {"horizon": 6}

    def __init__(self, n_actions: int = 4, horizon: int = 20, hint_noise: float = 0.3):
        if n_actions < 2:
            raise ValueError(f"n_actions must be >= 2, got {n_actions}")
        self.n_actions, self.horizon, self.hint_noise = n_actions, horizon, hint_noise
        self.observation_space = gym.spaces.Box(0.0, 1.0, (n_actions,), np.float32)
        self.action_space = gym.spaces.Discrete(n_actions)

    def _obs(self) -> np.ndarray:
        hint = np.zeros(self.n_actions, np.float32)
        shown = self.target if self.np_random.random() > self.hint_noise else \
            int(self.np_random.integers(self.n_actions))
        hint[shown] = 1.0
        return hint

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.target = int(self.np_random.integers(self.n_actions))
        self.t, self.hits = 0, 0
        return self._obs(), {}

    def model(self) -> int:
        return self.target

    def step(self, action):
        if not self.action_space.contains(action):
            raise gym.error.InvalidAction(f"action {action!r} not in {self.action_space}")
        hit = int(action) == self.target
        self.hits += hit
        self.t += 1
        self.target = int(self.np_random.integers(self.n_actions))
        terminated = self.t >= self.horizon
        info = {"regret": float(not hit)}
        if terminated:
            info["metrics"] = {"hits": float(self.hits), "misses": float(self.t - self.hits)}
        return self._obs(), float(hit), terminated, False, info


class ToyMissesEnv(ToyHitsEnv):
    primary_metric = "misses"
    higher_is_better = False
    leaderboard_configs = ({}, {"hint_noise": 0.0})


class ToyNaNEnv(ToyHitsEnv):
    """Scores every episode ``value`` (NaN, inf, ...): a broken primary metric."""

    def __init__(self, value: float = float("nan"), horizon: int = 3):
        super().__init__(horizon=horizon)
        self.value = value

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        if terminated:
            info["metrics"]["hits"] = float(self.value)
        return obs, reward, terminated, truncated, info


class HintFollower(Agent):
    """Plays the hinted action."""

    name = "toy_hint"
    paper = "papergym test fixture"

    def act(self, observation, info):
        return int(np.argmax(observation))


class Oracle(Agent):
    """Reads the target from the model, then follows hints (the target moves)."""

    name = "toy_oracle"
    paper = "papergym test fixture"
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.first = env_model

    def act(self, observation, info):
        action, self.first = (self.first if self.first is not None
                              else int(np.argmax(observation))), None
        return action


class Crash(Agent):
    name = "toy_crash"

    def act(self, observation, info):
        raise RuntimeError("toy_crash always fails")


class Hang(Agent):
    name = "toy_hang"

    def act(self, observation, info):
        while True:  # the leaderboard's per-cell timeout must stop this
            time.sleep(0.05)


class Stuck(Agent):
    """Ignores SIGALRM, then sleeps: the in-worker deadline cannot stop it, as with a hang
    in native code; only the driver (killing the worker) can.  (Blocking the signal with
    pthread_sigmask is not enough: another thread, e.g. BLAS's, would receive it.)"""

    name = "toy_stuck"

    def act(self, observation, info):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            time.sleep(0.05)


class Slow(Agent):
    """Healthy but slow: spends ``SLOW_SECONDS`` (under the tests' timeout) in its first
    step, then follows the hints."""

    name = "toy_slow"
    SLOW_SECONDS = 2.5

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.waited = False

    def act(self, observation, info):
        if not self.waited:
            self.waited = True
            time.sleep(self.SLOW_SECONDS)
        return int(np.argmax(observation))


class Swallow(Agent):
    """Catches every Exception for a while (a careless ``except Exception:``); the
    timeout must still stop it."""

    name = "toy_swallow"

    def act(self, observation, info):
        until = time.monotonic() + 3.0
        while time.monotonic() < until:
            try:
                time.sleep(0.02)
            except Exception:  # noqa: BLE001, S110 - the point of this agent
                pass
        return 0


class Die(Agent):
    name = "toy_die"

    def act(self, observation, info):
        os._exit(3)  # kills its worker process: only pool/Ray tests may use it


class Sleepy(Agent):
    """Follows the hints after sleeping ``SLEEP_S`` at each episode start: cells that take
    long enough for two processes to overlap."""

    name = "toy_sleepy"
    SLEEP_S = 0.3

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        log = os.environ.get("PAPERGYM_TOY_LOG")
        if log:  # benchmarks/reliability.py counts executions per cell
            with open(log, "a") as f:
                f.write(f"{seed}\n")
        time.sleep(self.SLEEP_S)

    def act(self, observation, info):
        return int(np.argmax(observation))


class ToyGroupedEnv(ToyHitsEnv):
    """ToyHits whose boards differing only in ``hint_noise`` share one table."""

    leaderboard_configs = ({}, {"hint_noise": 0.0})
    leaderboard_group_by = ("hint_noise",)


class ToyNoDirectionEnv(gym.Env):
    """Names a primary metric but not which way it is ranked: must be refused."""

    primary_metric = "hits"

    def __init__(self):
        self.observation_space = gym.spaces.Discrete(1)
        self.action_space = gym.spaces.Discrete(1)


class ToyDuel:
    """A two-role PettingZoo parallel game: both roles see a hint of one hidden target,
    each scores 1 per step it names the target.  The metrics hold each role's hits and
    ``team_hits``, the primary metric."""

    primary_metric = "team_hits"
    higher_is_better = True
    metadata = {"name": "toy_duel_v0", "render_modes": []}

    def __init__(self, horizon: int = 5, hint_noise: float = 0.3, roles=("left", "right")):
        from pettingzoo import ParallelEnv  # noqa: F401 - the API this class follows

        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        self.horizon, self.hint_noise = horizon, hint_noise
        self.possible_agents = list(roles)
        self.agents: list[str] = []
        self._obs_space = gym.spaces.Box(0.0, 1.0, (4,), np.float32)
        self._act_space = gym.spaces.Discrete(4)

    def observation_space(self, agent):
        return self._obs_space

    def action_space(self, agent):
        return self._act_space

    def _obs(self):
        out = {}
        for role in self.agents:
            hint = np.zeros(4, np.float32)
            hint[self.target if self.rng.random() > self.hint_noise else
                 int(self.rng.integers(4))] = 1.0
            out[role] = hint
        return out

    def reset(self, seed=None, options=None):
        if seed is not None or not hasattr(self, "rng"):
            self.rng = np.random.default_rng(seed)
        self.agents = list(self.possible_agents)
        self.target, self.t = int(self.rng.integers(4)), 0
        self.hits = dict.fromkeys(self.agents, 0)
        return self._obs(), {a: {} for a in self.agents}

    def step(self, actions):
        rewards = {a: float(int(actions[a]) == self.target) for a in self.agents}
        for a, r in rewards.items():
            self.hits[a] += int(r)
        self.t += 1
        self.target = int(self.rng.integers(4))
        done = self.t >= self.horizon
        infos = {a: {} for a in self.agents}
        if done:
            metrics = {f"hits_{a}": float(h) for a, h in self.hits.items()}
            metrics["team_hits"] = float(sum(self.hits.values()))
            infos = {a: {"metrics": metrics} for a in self.agents}
        obs = self._obs()
        terms = dict.fromkeys(self.agents, done)
        truncs = dict.fromkeys(self.agents, False)
        if done:
            self.agents = []
        return obs, rewards, terms, truncs, infos

    def close(self):
        pass


class LeftHint(HintFollower):
    """Plays only the ``left`` role of ToyDuelRoles (follows the hint)."""

    name = "toy_left_hint"
    roles = ("left",)


class LeftFirst(Agent):
    """Plays only ``left``: always names action 0."""

    name = "toy_left_zero"
    roles = ("left",)

    def act(self, observation, info):
        return 0


class RightHint(HintFollower):
    name = "toy_right_hint"
    roles = ("right",)


def duel_team(**kwargs):
    return ToyDuel(**kwargs)


class ToyDuelByRole(ToyDuel):
    """The same game, ranked per role."""


def register_toys() -> None:
    for env_id, cls in (("ToyHits-v0", "ToyHitsEnv"), ("ToyMisses-v0", "ToyMissesEnv"),
                        (FAULTY_ID, "ToyHitsEnv"), (NAN_ID, "ToyNaNEnv")):
        if env_id not in registry:
            register(id=env_id, entry_point=f"tests.leaderboard.toyenv:{cls}")
    register_agent("toy_hint", HintFollower, ENV_IDS + (FAULTY_ID,))
    register_agent("toy_oracle", Oracle, ENV_IDS + (FAULTY_ID,), reference=True)
    register_agent("toy_crash", Crash, FAULTY_ID)
    register_agent("toy_hang", Hang, FAULTY_ID)
    register_agent("toy_die", Die, FAULTY_ID)
    register_agent("toy_stuck", Stuck, FAULTY_ID)
    register_agent("toy_swallow", Swallow, FAULTY_ID)
    register_agent("toy_slow", Slow, FAULTY_ID)
    if SLOW_ID not in registry:
        register(id=SLOW_ID, entry_point="tests.leaderboard.toyenv:ToyHitsEnv")
    register_agent("toy_sleepy", Sleepy, (SLOW_ID,))
    for env_id, cls in ((GROUPED_ID, "ToyGroupedEnv"), (NO_DIRECTION_ID, "ToyNoDirectionEnv")):
        if env_id not in registry:
            register(id=env_id, entry_point=f"tests.leaderboard.toyenv:{cls}")
    register_agent("toy_hint_grouped", HintFollower, (GROUPED_ID,))


def register_parallel_toys() -> None:
    """The two toy parallel envs and their agents; not registered at import (the registry
    tests would then check them): tests call this, and workers import
    ``tests.leaderboard.toyduel``, which does."""
    from papergym.envs.registration import register_parallel_env

    register_parallel_env("toys", "papergym test fixture", DUEL_TEAM_ID,
                          "tests.leaderboard.toyenv:duel_team", rank_by="team")
    register_parallel_env("toys", "papergym test fixture", DUEL_ROLE_ID,
                          "tests.leaderboard.toyenv:ToyDuelByRole", rank_by="role")
    register_agent("toy_duel_hint", HintFollower, (DUEL_TEAM_ID,))
    register_agent("toy_left_hint", LeftHint, (DUEL_ROLE_ID,), reference=True)
    register_agent("toy_left_zero", LeftFirst, (DUEL_ROLE_ID,))
    register_agent("toy_right_hint", RightHint, (DUEL_ROLE_ID,))


def unregister_parallel_toys() -> None:
    from papergym.envs.registration import FAMILIES, PARALLEL_REGISTRY

    for env_id in (DUEL_TEAM_ID, DUEL_ROLE_ID):
        PARALLEL_REGISTRY.pop(env_id, None)
    FAMILIES.pop("toys", None)


register_toys()
