"""The runner and the metrics wrapper pinned rule by rule: what each agent is handed, what
each result records, every refusal and its message.  Written against the faults mutation
testing planted in papergym/runner.py and papergym/wrappers/metrics.py that the older
tests let through (``make mutate``); every test here fails on at least one of them."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo import ParallelEnv

import papergym
from papergym import runner
from papergym.agents.base import Agent, AgentNotApplicableError, SB3Agent, register_agent
from papergym.envs import registration
from papergym.envs.registration import UnknownEnvKwargError
from papergym.runner import (
    CURVE_POINTS,
    MAX_SEED,
    agent_seed,
    check_seed_list,
    check_seeds,
    run_episode,
    run_parallel,
    run_parallel_episode,
)
from papergym.wrappers import RecordMetrics
from papergym.wrappers import metrics as metrics_module
from tests.toy_envs import register_toys

register_toys()
MASKED, LADDER, RELAY = "papergym_test/MaskedToy-v0", "papergym_test/Ladder-v0", "papergym_test/Relay-v0"


def plain(value):
    """Arrays as lists, so what an agent was handed compares with ``==``."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class Tape(Agent):
    """Plays ``action`` and records everything the loop hands it: ``log`` (this episode),
    ``seeds`` (every episode's agent seed)."""

    name = "tape"

    def __init__(self, action: int = 1):
        self.action = action
        self.seeds: list = []

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.seeds.append(seed)
        self.log = [("reset", plain(observation), plain(info), env_model, seed)]

    def act(self, observation, info):
        self.log.append(("act", plain(observation), plain(info)))
        return self.action

    def observe(self, action, reward, observation, terminated, truncated, info):
        self.log.append(("observe", action, reward, plain(observation), terminated, truncated,
                         plain(info)))


class ModelTape(Tape):
    name = "model-tape"
    requires_model = True


class Order(Agent):
    """Guesses the toy's target in ascending order of the legal actions (descending with
    ``reverse``): ``target + 1`` guesses, or ``n - target``."""

    name = "order"

    def __init__(self, reverse: bool = False):
        self.reverse = reverse

    def act(self, observation, info):
        legal = np.flatnonzero(info["action_mask"])
        return int(legal[-1] if self.reverse else legal[0])


class LadderEnv(gym.Env):
    """``length`` steps; step t pays t and has regret 0.5 (none with ``regret=False``); the
    last one terminates, or truncates with ``truncate=True``, with ``info["metrics"] =
    {"top": length}``; a step after the end raises ResetNeeded."""

    metadata = {"render_modes": []}
    observation_space = spaces.Box(0.0, np.inf, (1,), np.float32)
    action_space = spaces.Discrete(2)

    def __init__(self, length: int = 3, truncate: bool = False, regret: bool = True):
        self.length, self.truncate, self.regret = length, truncate, regret
        self.t = None

    def model(self):
        return {"length": self.length}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1, np.float32), {"rung": 0}

    def step(self, action):
        if self.t is None or self.t >= self.length:
            raise gym.error.ResetNeeded("step after the end")
        self.t += 1
        info = {"rung": self.t}
        if self.regret:
            info["regret"] = 0.5
        end = self.t == self.length
        if end:
            info["metrics"] = {"top": float(self.length)}
        return (np.array([self.t], np.float32), float(self.t), end and not self.truncate,
                end and self.truncate, info)


class RelayEnv(ParallelEnv):
    """Roles ``a`` and ``b`` take turns (``a`` at even steps; ``info["acts"]`` is False for
    the other) for ``length`` steps; each mover is paid its action.  The env truncates at
    the end; ``a``'s own episode is truncated after its second move
    (``info["agent_truncated"]``).  The roles' spaces differ; ``model()`` is the start
    value drawn at reset; every reset's seed is kept in ``reset_seeds``."""

    metadata = {"name": "relay_v0"}

    def __init__(self, length: int = 4):
        if length < 1:
            raise ValueError(f"length must be >= 1, got {length}")
        self.length = length
        self.possible_agents = ["a", "b"]
        self.reset_seeds: list = []
        self.rng = np.random.default_rng()

    def observation_space(self, agent):
        return spaces.Box(0.0, 50.0 if agent == "a" else 100.0, (1,), np.float32)

    def action_space(self, agent):
        return spaces.Discrete(3 if agent == "a" else 5)

    def model(self):
        return {"start": self.start}

    def _infos(self):
        return {r: {"acts": (self.t % 2 == 0) == (r == "a")} for r in self.agents}

    def reset(self, seed=None, options=None):
        self.reset_seeds.append(seed)
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.start = int(self.rng.integers(50))
        self.agents, self.t = list(self.possible_agents), 0
        return {r: np.array([self.start], np.float32) for r in self.agents}, self._infos()

    def step(self, actions):
        mover = "a" if self.t % 2 == 0 else "b"
        assert set(actions) == {mover}, f"step {self.t}: {set(actions)} acted, not {mover}"
        self.t += 1
        rewards = {r: float(actions.get(r, 0)) for r in self.agents}
        done = self.t >= self.length
        terms = dict.fromkeys(self.agents, False)
        truncs = dict.fromkeys(self.agents, done)
        obs = {r: np.array([self.t], np.float32) for r in self.agents}
        infos = self._infos()
        if mover == "a":
            infos["a"]["agent_truncated"] = self.t >= 3
        if done:
            infos = {r: {**infos[r], "metrics": {"steps": float(self.t)}} for r in self.agents}
            self.agents = []
        return obs, rewards, terms, truncs, infos


class SparseEnv(ParallelEnv):
    """One step in which both roles act; the env reports the reward, termination and
    truncation of ``p`` alone, and no infos at all."""

    metadata = {"name": "sparse_v0"}

    def __init__(self):
        self.possible_agents = ["p", "q"]

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        return {r: np.zeros(1, np.float32) for r in self.agents}, {}

    def step(self, actions):
        assert set(actions) == {"p", "q"}, actions
        self.agents = []
        return ({r: np.ones(1, np.float32) for r in ("p", "q")}, {"p": 1.0}, {"p": True},
                {}, {})


if LADDER not in gym.registry:
    gym.register(id=LADDER, entry_point=LadderEnv)
register_agent("toy-order", Order, [MASKED])
register_agent("toy-relay", Tape, [RELAY],
               applies_to=lambda env_id, kw: None if kw["length"] <= 6 else "length > 6 unsupported")


@pytest.fixture
def relay(monkeypatch):
    """``RELAY`` registered as a parallel env; the list holds every env built."""
    made: list[RelayEnv] = []

    def relay_env(length: int = 4) -> RelayEnv:
        made.append(RelayEnv(length))
        return made[-1]

    monkeypatch.setitem(registration.PARALLEL_REGISTRY, RELAY,
                        registration.ParallelEnvSpec(RELAY, "toy", "toy", relay_env))
    return made


def targets(seed: int, episodes: int, n: int) -> list[int]:
    """The toy's targets for a run seed: reset with the seed once, then the stream goes on."""
    env = gym.make(MASKED, n=n)
    out = []
    for ep in range(episodes):
        env.reset(seed=seed if ep == 0 else None)
        out.append(env.unwrapped.model()["target"])
    return out


# ------------------------------------------------------------------------ bad input


def test_seed_lists_are_refused_naming_the_offending_seed():
    assert check_seed_list([3, np.int64(5), MAX_SEED]) == [3, 5, 2**63 - 1]
    assert all(type(s) is int for s in check_seed_list([np.int64(5)]))
    with pytest.raises(TypeError, match=r"^seeds must be whole numbers, got 1\.5$"):
        check_seed_list([0, 1.5, "x"])
    with pytest.raises(TypeError, match=r"^seeds must be whole numbers, got True$"):
        check_seed_list([True])
    with pytest.raises(ValueError, match=r"^seeds: give at least one seed$"):
        check_seed_list([])
    # the seed shown is the negative one if any, else the one too large
    for seeds, shown in (([5, -3], -3), ([2**63], 2**63), ([0, 2**63], 2**63), ([-1, 2**63], -1)):
        with pytest.raises(ValueError, match=rf"^seeds must be >= 0 and < 2\*\*63, got {shown}$"):
            check_seed_list(seeds)
    with pytest.raises(ValueError, match=r"^seeds: seed\(s\) 1, 3 given more than once$"):
        check_seed_list([3, 1, 3, 1, 2])


def test_seeds_are_a_count_or_an_iterable_of_seeds():
    assert check_seeds(3) == [0, 1, 2] and check_seeds(np.int64(2)) == [0, 1]
    assert check_seeds(100) == list(range(100))
    assert check_seeds((4, 2)) == [4, 2] and check_seeds(s for s in (2, 0)) == [2, 0]
    largest = check_seeds(10**7)  # the largest count is accepted (0.3 s)
    assert len(largest) == 10**7 and largest[-1] == 10**7 - 1
    del largest
    for count in (0, -2, 10**7 + 1):
        with pytest.raises(ValueError, match=rf"^seeds: a count must be in \[1, 10\*\*7\], got {count}$"):
            check_seeds(count)
    for bad in ("10", b"1", 2.0, True, None, object):
        with pytest.raises(TypeError, match="^seeds must be a count or a list of whole numbers, "
                                            f"got {re.escape(repr(bad))}$"):
            check_seeds(bad)


def test_episodes_max_steps_agents_and_env_kwargs_are_refused_before_any_episode(relay):
    calls = {"run": lambda **kw: papergym.run(MASKED, "random", **kw),
             "run_parallel": lambda **kw: run_parallel(RELAY, Tape(), **kw)}
    for call in calls.values():
        with pytest.raises(ValueError, match=r"^episodes must be >= 1, got 0$"):
            call(episodes=0)
        with pytest.raises(TypeError, match=r"^episodes must be a whole number >= 1, got None$"):
            call(episodes=None)
        with pytest.raises(TypeError, match=r"^episodes must be a whole number >= 1, got 2\.0$"):
            call(episodes=2.0)
        with pytest.raises(ValueError, match=r"^max_steps must be >= 1, got 0$"):
            call(max_steps=0)
        with pytest.raises(TypeError, match=r"^max_steps must be a whole number >= 1, got True$"):
            call(max_steps=True)
        with pytest.raises(UnknownEnvKwargError, match=r"unknown env keyword argument 'bogus'"):
            call(bogus=1)
    assert relay == []  # no env was built for any of them
    message = r"^agent must be a registered name, an Agent or a zero-argument factory, got 42$"
    with pytest.raises(TypeError, match=message):
        papergym.run(MASKED, 42)
    with pytest.raises(TypeError, match=message):
        run_parallel(RELAY, {"a": Tape(), "b": 42})


def test_run_parallel_refuses_a_registered_agent_that_does_not_apply(relay):
    with pytest.raises(AgentNotApplicableError, match=r"^length > 6 unsupported$"):
        run_parallel(RELAY, "toy-relay", length=8)
    with pytest.raises(AgentNotApplicableError,
                       match=rf"^agent 'toy-order' applies to {MASKED}, not {RELAY}$"):
        run_parallel(RELAY, {"a": "toy-relay", "b": "toy-order"})


# ------------------------------------------------------------------------ single-agent loop


def test_run_episode_hands_the_agent_what_the_env_gives_and_records_it():
    tape = Tape()
    before = time.perf_counter()
    result = run_episode(LadderEnv(length=3), tape, seed=5)
    elapsed = time.perf_counter() - before
    assert tape.log == [
        ("reset", [0.0], {"rung": 0}, None, None),
        ("act", [0.0], {"rung": 0}),
        ("observe", 1, 1.0, [1.0], False, False, {"rung": 1, "regret": 0.5}),
        ("act", [1.0], {"rung": 1, "regret": 0.5}),
        ("observe", 1, 2.0, [2.0], False, False, {"rung": 2, "regret": 0.5}),
        ("act", [2.0], {"rung": 2, "regret": 0.5}),
        ("observe", 1, 3.0, [3.0], True, False, {"rung": 3, "regret": 0.5,
                                                  "metrics": {"top": 3.0}}),
    ]
    assert result.metrics == {"top": 3.0, "episode_return": 6.0, "episode_length": 3.0,
                              "cumulative_regret": 1.5}
    assert result.return_curve == [(1, 1.0), (2, 3.0), (3, 6.0)]
    assert result.regret_curve == [(1, 0.5), (2, 1.0), (3, 1.5)]
    # the defaults: episode 0, no env id, the agent's own name, the reset seed recorded
    assert (result.env_id, result.agent, result.seed, result.episode) == ("", "tape", 5, 0)
    assert 0.0 <= result.wall_time <= elapsed


def test_run_episode_records_the_names_and_seed_it_is_given_and_stops_at_truncation():
    tape = ModelTape()
    result = run_episode(LadderEnv(length=2, truncate=True), tape, seed=None, episode=3,
                         agent_seed_value=11, env_id="E", agent_name="shown")
    assert tape.log[0][3:] == ({"length": 2}, 11)  # the model and the agent seed
    assert tape.log[-1][4:6] == (False, True)  # truncated: the loop stops there
    assert "cut" not in result.metrics and result.metrics["episode_return"] == 3.0
    assert (result.env_id, result.agent, result.seed, result.episode) == ("E", "shown", -1, 3)
    result = run_episode(LadderEnv(length=2), Tape(), seed=None, run_seed=8)
    assert result.seed == 8


def test_long_curves_are_thinned_to_evenly_spaced_points_ending_at_the_last_step():
    result = run_episode(LadderEnv(length=250), Tape(), seed=0)
    for curve, per_step in ((result.return_curve, None), (result.regret_curve, 0.5)):
        steps = [s for s, _ in curve]
        assert len(curve) == CURVE_POINTS == 100
        assert steps[0] == 1 and steps[-1] == 250
        assert set(np.diff(steps)) == {2, 3}  # 249 steps over 99 gaps, evenly
        expected = [s * (s + 1) / 2 if per_step is None else s * per_step for s in steps]
        assert [v for _, v in curve] == expected  # each point is the sum up to its step
    assert result.metrics["episode_return"] == 250 * 251 / 2
    full = run_episode(LadderEnv(length=CURVE_POINTS), Tape(), seed=0).return_curve
    assert [s for s, _ in full] == list(range(1, CURVE_POINTS + 1))  # short enough: kept whole


def test_run_passes_agent_kwargs_and_records_env_id_and_the_name_asked_for(monkeypatch):
    up = papergym.run(MASKED, "toy-order", seeds=[0, 1, 2], n=6)
    down = papergym.run(MASKED, "toy-order", seeds=[0, 1, 2], n=6,
                        agent_kwargs={"reverse": True})
    first = [targets(s, 1, 6)[0] for s in (0, 1, 2)]
    assert [r.metrics["guesses"] for r in up] == [t + 1 for t in first]
    assert [r.metrics["guesses"] for r in down] == [6 - t for t in first]
    # the registered name is recorded, not the class's own name ("order")
    assert {(r.env_id, r.agent) for r in up + down} == {(MASKED, "toy-order")}
    # a saved model builds an agent named "sb3"; its results say "sb3:<path>"
    monkeypatch.setattr(SB3Agent, "from_path", classmethod(lambda cls, path: Order()))
    (saved,) = papergym.run(MASKED, "sb3:models/order", seeds=[0], n=6)
    assert saved.agent == "sb3:models/order" and saved.metrics["guesses"] == first[0] + 1
    (by_instance,) = papergym.run(MASKED, Order(reverse=True), seeds=[0], n=6)
    (by_factory,) = papergym.run(MASKED, Order, seeds=[0], n=6)
    assert by_instance.agent == by_factory.agent == "order"
    assert by_instance.metrics["guesses"] == 6 - first[0]


def test_run_resets_with_the_seed_once_then_continues_the_stream():
    expected = targets(7, 4, 50)
    assert len(set(expected)) > 1
    results = papergym.run(MASKED, "toy-order", seeds=[7], episodes=4, n=50)
    assert [r.metrics["guesses"] for r in results] == [t + 1 for t in expected]


def test_agent_seeds_never_change_between_versions():
    """Stored results stay reproducible only while (seed, episode) maps to the same
    agent seed; these values were computed once and must not move."""
    assert agent_seed(0, 0) == 2808775433
    assert agent_seed(7, 3) == 2336811546
    assert agent_seed(MAX_SEED, 0) == 1426237254


class FakeProgress:
    """Stands in for rich's Progress and records how the runner drives it."""

    made: list[FakeProgress] = []

    def __init__(self, **kwargs):
        self.kwargs, self.calls = kwargs, []
        FakeProgress.made.append(self)

    def add_task(self, description, total):
        self.calls.append(("add_task", description, total))
        return "task-7"

    def start(self):
        self.calls.append(("start",))

    def advance(self, task):
        self.calls.append(("advance", task))

    def stop(self):
        self.calls.append(("stop",))


def test_progress_bar_counts_every_episode_and_only_when_asked(monkeypatch):
    import rich.progress

    monkeypatch.setattr(rich.progress, "Progress", FakeProgress)
    FakeProgress.made = []
    papergym.run(MASKED, "random", seeds=[0, 1, 2], episodes=2, progress=True)
    (bar,) = FakeProgress.made
    assert bar.kwargs == {"transient": True}  # the bar clears itself when done
    assert bar.calls == ([("add_task", MASKED, 6), ("start",)] + [("advance", "task-7")] * 6
                         + [("stop",)])
    FakeProgress.made = []
    papergym.run(MASKED, "random", seeds=3)  # off unless asked
    papergym.run(MASKED, "random", seeds=1, progress=True)  # one episode: no bar
    assert FakeProgress.made == []
    papergym.run(MASKED, "random", seeds=2, progress=True)
    assert [b.calls[0] for b in FakeProgress.made] == [("add_task", MASKED, 2)]


# ------------------------------------------------------------------------ parallel loop


def test_parallel_episode_hands_each_role_what_the_env_gives_and_records_it():
    env = RelayEnv(length=4)
    a, b = Tape(1), Tape(2)
    before = time.perf_counter()
    result = run_parallel_episode(env, {"a": a, "b": b}, seed=3)
    elapsed = time.perf_counter() - before
    start = [float(env.start)]
    assert env.reset_seeds == [3]
    end = {"steps": 4.0}
    assert a.log == [
        ("reset", start, {"acts": True}, None, None),
        ("act", start, {"acts": True}),
        ("observe", 1, 1.0, [1.0], False, False, {"acts": False, "agent_truncated": False}),
        ("act", [2.0], {"acts": True}),
        ("observe", 1, 1.0, [3.0], False, True, {"acts": False, "agent_truncated": True}),
    ]
    assert b.log == [
        ("reset", start, {"acts": False}, None, None),
        ("act", [1.0], {"acts": True}),
        ("observe", 2, 2.0, [2.0], False, False, {"acts": False}),
        ("act", [3.0], {"acts": True}),
        ("observe", 2, 2.0, [4.0], False, True, {"acts": False, "metrics": end}),
    ]
    assert result.metrics == {"steps": 4.0, "return_a": 2.0, "return_b": 4.0,
                              "episode_return": 6.0, "episode_length": 4.0}
    assert result.return_curve == [(1, 1.0), (2, 3.0), (3, 4.0), (4, 6.0)]
    assert (result.env_id, result.agent, result.seed, result.episode) == ("", "a=tape,b=tape", 3, 0)
    assert 0.0 <= result.wall_time <= elapsed
    again = run_parallel_episode(env, {"a": a, "b": b}, seed=None, episode=2, env_id="E",
                                 agent_name="shown")
    assert (again.env_id, again.agent, again.seed, again.episode) == ("E", "shown", -1, 2)


def test_parallel_model_goes_only_to_roles_that_require_it():
    env = RelayEnv()
    a, b = ModelTape(), Tape()
    run_parallel_episode(env, {"a": a, "b": b}, seed=0, agent_seed_value=5)
    assert a.log[0][3:] == ({"start": env.start}, 5)
    assert b.log[0][3:] == (None, 5)


def test_a_role_the_env_reports_nothing_on_gets_the_defaults():
    """Missing from the step's dicts: reward 0, terminated, not truncated, info {}; and
    an env that gives no infos at reset hands every agent {}, never None."""
    p, q = Tape(1), Tape(2)
    result = run_parallel_episode(SparseEnv(), {"p": p, "q": q}, seed=0)
    assert p.log == [("reset", [0.0], {}, None, None), ("act", [0.0], {}),
                     ("observe", 1, 1.0, [1.0], True, False, {})]
    assert q.log == [("reset", [0.0], {}, None, None), ("act", [0.0], {}),
                     ("observe", 2, 0.0, [1.0], True, False, {})]
    assert result.metrics == {"return_p": 1.0, "return_q": 0.0, "episode_return": 1.0,
                              "episode_length": 1.0}


def test_model_comes_from_the_env_or_from_the_env_it_wraps():
    _model_of = runner._model_of
    inner = SimpleNamespace(model=lambda: "inner")
    assert _model_of(inner) == "inner"
    assert _model_of(SimpleNamespace(unwrapped=inner)) == "inner"  # a wrapper without model()
    assert _model_of(SimpleNamespace(model=lambda: "outer", unwrapped=inner)) == "outer"

    class Bare:
        pass

    for env in (Bare(), SimpleNamespace(unwrapped=Bare())):
        name = type(env).__name__
        with pytest.raises(AttributeError,
                           match=rf"^{name} has no model\(\): no agent may require one$"):
            _model_of(env)


def test_run_parallel_gives_every_role_its_own_bound_copy_and_seeds_like_run(relay):
    built: list[Tape] = []

    def factory() -> Tape:
        built.append(Tape())
        return built[-1]

    results = run_parallel(RELAY, factory, seeds=[4, 5], episodes=2)
    (env,) = relay
    assert env.reset_seeds == [4, None, 5, None]
    assert [(r.env_id, r.seed, r.episode, r.agent) for r in results] == [
        (RELAY, 4, 0, "a=tape,b=tape"), (RELAY, 4, 1, "a=tape,b=tape"),
        (RELAY, 5, 0, "a=tape,b=tape"), (RELAY, 5, 1, "a=tape,b=tape")]
    a4, b4, a5, b5 = built  # a fresh player per role and seed
    assert (a4.action_space, b4.action_space) == (spaces.Discrete(3), spaces.Discrete(5))
    assert (a5.observation_space.high[0], b5.observation_space.high[0]) == (50.0, 100.0)
    assert a4.seeds == b4.seeds == [agent_seed(4, 0), agent_seed(4, 1)]
    assert a5.seeds == b5.seeds == [agent_seed(5, 0), agent_seed(5, 1)]

    team = Tape(1)
    (one,) = run_parallel(RELAY, team, max_steps=3, length=6)
    assert team.seeds == []  # the instance is copied, never played
    assert relay[-1].length == 6
    assert one.metrics["episode_length"] == 3.0 and one.metrics["cut"] == 1.0
    assert one.metrics["return_a"] == 2.0 and one.metrics["return_b"] == 1.0


def test_run_parallel_records_a_team_by_the_name_asked_for(relay, monkeypatch):
    (by_name,) = run_parallel(RELAY, "toy-relay")
    (by_roles,) = run_parallel(RELAY, {"a": "toy-relay", "b": Tape(2)})
    assert by_name.agent == "toy-relay"
    assert by_roles.agent == "a=toy-relay,b=tape"
    assert by_name.metrics["return_b"] == 2.0 and by_roles.metrics["return_b"] == 4.0
    # a saved model builds an agent named "sb3"; the team is recorded as "sb3:<path>"
    monkeypatch.setattr(SB3Agent, "from_path", classmethod(lambda cls, path: Tape()))
    (saved,) = run_parallel(RELAY, "sb3:models/relay")
    assert saved.agent == "sb3:models/relay" and saved.metrics["return_a"] == 2.0


# ------------------------------------------------------------------------ RecordMetrics


def test_record_metrics_reports_sums_and_time_in_microseconds(monkeypatch):
    now = [10.0]
    monkeypatch.setattr(metrics_module, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    env = RecordMetrics(LadderEnv(length=3))
    env.reset(seed=0)
    now[0] = 11.23456789
    infos = [env.step(0)[-1] for _ in range(3)]
    assert ["episode" in info for info in infos] == [False, False, True]
    assert infos[-1]["episode"] == {"r": 6.0, "l": 3, "t": 1.234568, "top": 3.0,
                                    "cumulative_regret": 1.5}
    env = RecordMetrics(LadderEnv(length=2, regret=False))
    env.reset(seed=0)
    env.step(0)
    info = env.step(0)[-1]
    assert info["episode"]["r"] == 3.0 and "cumulative_regret" not in info["episode"]


def test_run_parallel_builds_the_env_from_env_kwargs_and_keyword_kwargs(relay):
    """``env_kwargs`` and keyword kwargs both reach the parallel env (the keywords win)."""
    run_parallel(RELAY, Tape(), env_kwargs={"length": 6})
    run_parallel(RELAY, Tape(), env_kwargs={"length": 6}, length=2)
    assert [env.length for env in relay] == [6, 2]
