"""The spine on its own: agent registry, runner, results store, wrappers, CLI."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import papergym
from papergym.agents.base import (
    Agent,
    AgentNotApplicableError,
    UnknownAgentError,
    make_agent,
    register_agent,
    why_not_applicable,
)
from papergym.cli import main, parse_kwargs
from papergym.results import CellResult, ResultsStore, ResultsStoreError
from papergym.runner import agent_seed
from papergym.wrappers import RecordMetrics, sb3_wrap, unflatten_action
from tests.toy_envs import register_toys

register_toys()
MASKED, DICT_ACTION = "papergym_test/MaskedToy-v0", "papergym_test/DictActionToy-v0"


class Oracle(Agent):
    """Reads the target from the model: one guess per episode."""

    name = "toy-oracle"
    requires_model = True

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        assert env_model is not None
        self.target = env_model["target"]

    def act(self, observation, info):
        return self.target


class Peeker(Agent):
    """Tries to read the model without declaring requires_model."""

    name = "toy-peeker"

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self.got_model = env_model

    def act(self, observation, info):
        assert self.got_model is None
        return int(np.flatnonzero(info["action_mask"])[0])


register_agent("toy-oracle", Oracle, [MASKED])
register_agent("toy-peeker", Peeker, [MASKED],
               applies_to=lambda env_id, kw: None if kw.get("n", 4) <= 6 else "n > 6 unsupported")


# ----------------------------------------------------------------- registry


def test_unknown_agent_lists_close_matches():
    with pytest.raises(UnknownAgentError, match="did you mean toy-oracle"):
        make_agent("toy-oracel")


def test_applicability_by_id_and_by_kwargs():
    assert why_not_applicable("toy-oracle", MASKED) is None
    assert "applies to" in why_not_applicable("toy-oracle", DICT_ACTION)
    assert why_not_applicable("toy-peeker", MASKED, {"n": 8}) == "n > 6 unsupported"
    with pytest.raises(AgentNotApplicableError, match="n > 6"):
        papergym.run(MASKED, "toy-peeker", seeds=1, n=8)
    assert {"toy-oracle", "toy-peeker", "random"} <= set(papergym.agents_for(MASKED))
    assert "toy-peeker" not in papergym.agents_for(MASKED, {"n": 8})


def test_register_agent_rejects_bad_names():
    with pytest.raises(ValueError, match="agent name"):
        register_agent("sb3:x", Oracle, "*")


# ----------------------------------------------------------------- runner


def test_model_only_for_agents_that_declare_it():
    oracle = papergym.run(MASKED, "toy-oracle", seeds=3)
    assert [r.metrics["guesses"] for r in oracle] == [1.0, 1.0, 1.0]
    peeker = papergym.run(MASKED, "toy-peeker", seeds=3, n=5)
    assert all(1 <= r.metrics["guesses"] <= 5 for r in peeker)


def test_runner_is_deterministic_and_seeds_differ():
    a = papergym.run(MASKED, "random", seeds=[0, 1, 2, 3, 4, 5], episodes=2, n=6)
    b = papergym.run(MASKED, "random", seeds=[0, 1, 2, 3, 4, 5], episodes=2, n=6)
    assert [r.metrics for r in a] == [r.metrics for r in b]
    assert [(r.seed, r.episode) for r in a][:3] == [(0, 0), (0, 1), (1, 0)]
    assert len({r.metrics["guesses"] for r in a}) > 1
    assert len({agent_seed(0, 0), agent_seed(0, 1), agent_seed(1, 0), agent_seed(1, 1)}) == 4


def test_runner_records_regret_and_return_curves():
    (r,) = papergym.run(MASKED, "random", seeds=[3], n=6)
    steps = int(r.metrics["episode_length"])
    assert r.metrics["cumulative_regret"] == steps - 1
    assert r.regret_curve[-1] == (steps, steps - 1.0)
    assert r.return_curve[-1] == (steps, 1.0)


def test_runner_rejects_bad_arguments():
    with pytest.raises(ValueError, match="episodes"):
        papergym.run(MASKED, "random", seeds=1, episodes=0)
    with pytest.raises(ValueError, match="seeds"):
        papergym.run(MASKED, "random", seeds=[])
    with pytest.raises(ValueError, match="seeds must be >= 0"):
        papergym.run(MASKED, "random", seeds=[-1])


def test_agent_instance_is_copied_per_seed():
    agent = Oracle()
    papergym.run(MASKED, agent, seeds=2)
    assert not hasattr(agent, "target")


# ----------------------------------------------------------------- results store


def cell(seed: int, value: float = 1.0, **kw) -> CellResult:
    return CellResult(env_id=MASKED, env_kwargs={"n": 4}, agent="random", agent_config={},
                      seed=seed, episodes=[{"guesses": value}], primary_metric="guesses",
                      primary_value=value, **kw)


def test_store_is_idempotent_and_force_replaces(tmp_path):
    path = tmp_path / "r.sqlite"
    with ResultsStore(path) as store:
        assert store.put(cell(0, 1.0)) is True
        assert store.put(cell(0, 2.0)) is False
        assert [c.primary_value for c in store.cells()] == [1.0]
        assert store.put(cell(0, 3.0), replace=True) is True
        assert [c.primary_value for c in store.cells()] == [3.0]
        store.put(cell(1, status="failed", error="boom"))
        assert store.has(cell(1).key) and len(store) == 2
    with ResultsStore(path) as store:  # reopen: persisted, WAL mode
        assert [c.status for c in store.cells(status="failed")] == ["failed"]
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_key_depends_on_kwargs_and_agent_config():
    base = cell(0).key
    other = CellResult(env_id=MASKED, env_kwargs={"n": 5}, agent="random", agent_config={}, seed=0).key
    tuned = CellResult(env_id=MASKED, env_kwargs={"n": 4}, agent="random",
                       agent_config={"eps": 0.1}, seed=0).key
    assert len({base, other, tuned}) == 3


def test_config_hash_sees_array_contents_and_digests():
    from papergym.results import config_hash

    a = np.zeros(5000)
    b = a.copy()
    b[2500] = 1.0
    assert repr(a) == repr(b)  # numpy elides the middle: a repr-based key would collide
    assert config_hash({"x": a}) != config_hash({"x": b})
    assert config_hash({"x": a}) == config_hash({"x": a.copy()})
    assert config_hash({"k": np.int64(3)}) == config_hash({"k": 3})

    class Spec:
        def __init__(self, tag):
            self.tag = tag

        def digest(self):
            return self.tag

        def __repr__(self):
            return "Spec(...)"

    assert config_hash({"p": Spec("a")}) != config_hash({"p": Spec("b")})


def test_stored_row_rehashes_to_its_key_with_numpy_values(tmp_path):
    """The store saves kwargs as the same canonical JSON the key hashes, so a row read
    back (resume, aggregation) has the key it was written under."""
    kwargs = {"k": np.int64(4), "noise": np.float32(0.25), "prior": np.arange(3.0)}
    written = CellResult(env_id=MASKED, env_kwargs=kwargs, agent="random",
                         agent_config={"eps": np.float64(0.1)}, seed=0, primary_value=1.0)
    with ResultsStore(tmp_path / "np.sqlite") as store:
        store.put(written)
        (read,) = store.cells()
    assert read.key == written.key and store_has_key(tmp_path / "np.sqlite", written.key)
    assert read.env_kwargs["k"] == 4 and read.agent_config == {"eps": 0.1}


def store_has_key(path, key) -> bool:
    with ResultsStore(path) as store:
        return store.has(key)


def _open_store_at(path: str, start: float) -> str:
    import time

    time.sleep(max(0.0, start - time.time()))  # every process opens at the same instant
    try:
        ResultsStore(path).close()
        return "ok"
    except ResultsStoreError as exc:
        return str(exc)


def test_processes_creating_one_new_store_at_once_all_succeed(tmp_path):
    """A process opening a store while another is creating it must wait for the whole
    schema, not see its tables without the application id (seen once in CI)."""
    import multiprocessing
    import time

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.starmap(_open_store_at, [(str(tmp_path / f"warm{i}.sqlite"), 0.0) for i in range(4)])
        for attempt in range(10):
            path = str(tmp_path / f"new{attempt}.sqlite")
            start = time.time() + 0.3
            assert pool.starmap(_open_store_at, [(path, start)] * 4) == ["ok"] * 4


def test_store_refuses_foreign_and_corrupted_files(tmp_path):
    foreign = tmp_path / "foreign.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    before = foreign.read_bytes()
    with pytest.raises(ResultsStoreError, match="foreign.sqlite.*not a papergym results store"):
        ResultsStore(foreign)
    assert foreign.read_bytes() == before

    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ResultsStoreError, match="garbage.sqlite"):
        ResultsStore(garbage)
    assert garbage.read_bytes() == b"this is not a database" * 100


# ----------------------------------------------------------------- wrappers


def test_record_metrics_adds_episode_info():
    env = RecordMetrics(gym.make(MASKED, n=3))
    obs, info = env.reset(seed=0)
    target = env.unwrapped.model()["target"]
    for a in [x for x in range(3) if x != target] + [target]:
        obs, reward, terminated, truncated, info = env.step(a)
    assert terminated and info["episode"]["r"] == 1.0 and info["episode"]["l"] == 3
    assert info["episode"]["guesses"] == 3.0 and info["episode"]["cumulative_regret"] == 2.0


def test_sb3_wrap_flattens_dict_observation_and_exposes_masks():
    env = sb3_wrap(gym.make(MASKED, n=4))
    assert isinstance(env.observation_space, gym.spaces.Box)
    assert env.observation_space.dtype == np.float32
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    assert env.action_masks().tolist() == [True] * 4
    env.step(2)
    assert env.action_masks().tolist() == [True, True, False, True]


def test_sb3_wrap_flattens_dict_actions_and_back():
    env = sb3_wrap(gym.make(DICT_ACTION))
    assert env.action_space == gym.spaces.MultiDiscrete([3, 2, 2])
    env.reset(seed=0)
    _, reward, *_ = env.step(np.array([2, 1, 0]))
    assert reward == 3.0 + 1.0  # arm index 2 of Discrete(3, start=1) is 3
    space = gym.make(DICT_ACTION).action_space
    action = unflatten_action(space, np.array([0, 1, 1]))
    assert action["arm"] == 1 and action["flags"].tolist() == [1, 1] and space.contains(action)
    dqn_env = sb3_wrap(gym.make(DICT_ACTION), discrete_actions=True)
    assert dqn_env.action_space == gym.spaces.Discrete(12)


def test_maskable_ppo_trains_and_plays_only_legal_moves_through_adapter():
    """A few hundred MaskablePPO steps, then the adapter plays only legal moves (learning
    itself is checked by the slow paging test, tests/paging/test_sb3.py)."""
    from sb3_contrib import MaskablePPO

    from papergym.agents.base import SB3Agent

    model = MaskablePPO("MlpPolicy", sb3_wrap(gym.make(MASKED, n=4)), n_steps=64, batch_size=32,
                        seed=0, device="cpu")
    model.learn(256)
    results = papergym.run(MASKED, SB3Agent(model), seeds=5, n=4)
    assert all(1 <= r.metrics["guesses"] <= 4 for r in results)  # never an illegal guess


def test_record_metrics_survives_the_monitor_sb3_adds():
    """SB3 wraps a Monitor outermost, which replaces info["episode"] with r/l/t; through
    sb3_wrap the episodes SB3 keeps still carry the env's metrics."""
    from sb3_contrib import MaskablePPO

    model = MaskablePPO("MlpPolicy", sb3_wrap(RecordMetrics(gym.make(MASKED, n=4))), n_steps=32,
                        batch_size=32, seed=0, device="cpu")
    model.learn(32)
    assert len(model.ep_info_buffer) > 0
    assert all({"r", "l", "guesses"} <= set(ep) for ep in model.ep_info_buffer)


def test_stochastic_sb3_agent_is_seeded_by_the_runner():
    from sb3_contrib import MaskablePPO

    from papergym.agents.base import SB3Agent

    model = MaskablePPO("MlpPolicy", sb3_wrap(gym.make(MASKED, n=6)), n_steps=32, batch_size=32,
                seed=0, device="cpu")
    agent = SB3Agent(model, deterministic=False)
    first = [r.metrics["guesses"] for r in papergym.run(MASKED, agent, seeds=8, n=6,
                                                        max_steps=50)]
    again = [r.metrics["guesses"] for r in papergym.run(MASKED, agent, seeds=8, n=6,
                                                        max_steps=50)]
    assert first == again


def test_sb3_agent_seeding_leaves_global_rngs_alone_and_config_tracks_the_file(tmp_path):
    import random

    from sb3_contrib import MaskablePPO

    from papergym.agents.base import SB3Agent

    model = MaskablePPO("MlpPolicy", sb3_wrap(gym.make(MASKED, n=4)), n_steps=32,
                        batch_size=32, seed=0, device="cpu")
    np.random.seed(123)
    random.seed(123)
    agent = SB3Agent(model, deterministic=False)
    papergym.run(MASKED, agent, seeds=2, n=4)
    assert np.random.randint(1 << 30) == np.random.RandomState(123).randint(1 << 30)
    assert random.random() == random.Random(123).random()

    model.save(tmp_path / "m.zip")
    first = SB3Agent(model, path=str(tmp_path / "m")).config()
    model.learn(32)
    model.save(tmp_path / "m.zip")
    second = SB3Agent(model, path=str(tmp_path / "m")).config()
    assert first["path"] == second["path"] and first["sha256"] != second["sha256"]


# ----------------------------------------------------------------- CLI


def test_parse_kwargs():
    assert parse_kwargs(["k=8", "p=phase", "noise=0.1", "flag=True"]) == {
        "k": 8, "p": "phase", "noise": 0.1, "flag": True}


def test_cli_unknown_env_exits_2_with_close_match(capsys):
    assert main(["run", "Pagin-v0", "lru"]) == 2
    assert "did you mean Paging-v0" in capsys.readouterr().err


def test_cli_unknown_agent_and_bad_kw_exit_2(capsys):
    assert main(["run", "Paging-v0", "lruu"]) == 2
    assert "unknown agent 'lruu'" in capsys.readouterr().err
    assert main(["run", "Paging-v0", "random", "--kw", "k"]) == 2
    assert "key=value" in capsys.readouterr().err


def test_cli_unknown_env_kwarg_exits_2_listing_the_accepted_names(capsys):
    assert main(["run", "Paging-v0", "lru", "--kw", "kk=3"]) == 2
    err = capsys.readouterr().err
    assert "unknown env keyword argument 'kk' (did you mean k?)" in err
    assert "it accepts k, n_pages, horizon" in err and "Traceback" not in err


def test_cli_repeated_kw_flags_add_up(capsys):
    """``--kw a=1 --kw b=2`` passes both (a repeated flag used to replace the first)."""
    assert main(["run", "Paging-v0", "lru", "--kw", "kk=3", "--kw", "k=3"]) == 2
    assert "unknown env keyword argument 'kk'" in capsys.readouterr().err
    assert main(["leaderboard", "--envs", "Paging-v0", "--agents", "lru", "--seeds", "1",
                 "--kw", "kk=3", "--kw", "k=3", "--report-only"]) == 2
    assert "kk" in capsys.readouterr().err


def test_cli_run_refuses_zero_seeds_or_episodes(capsys):
    assert main(["run", "Paging-v0", "lru", "--episodes", "0"]) == 2
    assert "--episodes must be >= 1, got 0" in capsys.readouterr().err
    assert main(["run", "Paging-v0", "lru", "--seeds", "0"]) == 2
    assert "--seeds must be >= 1" in capsys.readouterr().err
    assert main(["run", "Paging-v0", "lru", "--seed0", "-1"]) == 2
    assert "--seed0 must be >= 0, got -1" in capsys.readouterr().err


@pytest.mark.parametrize("kw", ["noise=None", "noise=abc", "zipf_alpha=abc", "noise=[0.1]"])
def test_cli_run_wrong_typed_env_argument_exits_2_naming_it(kw, capsys):
    assert main(["run", "Paging-v0", "lru", "--kw", kw]) == 2
    err = capsys.readouterr().err
    assert f"{kw.split('=')[0]} must be" in err and "Traceback" not in err


def test_cli_list_and_run_print_tables():
    wide = {**os.environ, "COLUMNS": "1000"}  # no wrapping inside the agent names
    out = subprocess.run([sys.executable, "-m", "papergym.cli", "list"], capture_output=True,
                         text=True, check=True, env=wide).stdout
    assert "Paging-v0" in out and "lru" in out
    # agents that apply only under a leaderboard configuration are listed with it
    assert "phase-predictions* (prediction='phase'" in out
    assert "uniform-quantizer*" in out and "MarkovCodingGameSmall-v0" in out
    out = subprocess.run([sys.executable, "-m", "papergym.cli", "run", "Paging-v0", "lru",
                          "--seeds", "2", "--kw", "horizon=200"], capture_output=True, text=True,
                         check=True).stdout
    assert "competitive_ratio" in out and "mean" in out


def test_cli_run_and_list_import_an_agent_module_from_the_current_folder(tmp_path, monkeypatch,
                                                                         capsys):
    (tmp_path / "pg_own_agent_mod.py").write_text(
        "import numpy as np\n"
        "import papergym\n\n\n"
        "class FirstLegal(papergym.Agent):\n"
        "    name = 'first-legal-own'\n\n"
        "    def act(self, obs, info):\n"
        "        return int(np.flatnonzero(info['action_mask'])[0])\n\n\n"
        "papergym.register_agent('first-legal-own', FirstLegal, ['Paging-v0'])\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    assert main(["run", "Paging-v0", "first-legal-own", "--seeds", "1",
                 "--kw", "horizon=30", "--import", "pg_own_agent_mod"]) == 0
    assert "competitive_ratio" in capsys.readouterr().out
    assert main(["list", "--import", "pg_own_agent_mod"]) == 0
    assert "first-legal-own" in capsys.readouterr().out
    assert main(["run", "Paging-v0", "lru", "--import", "no_such_module_xyz"]) == 2
    assert "--import no_such_module_xyz: cannot import it" in capsys.readouterr().err


# ----------------------------------------------------------------- pinned behaviour (issue 9 §7)


class _SeedRecorder(gym.Wrapper):
    """Records the seed of every reset and counts steps."""

    def __init__(self, env):
        super().__init__(env)
        self.reset_seeds: list = []
        self.steps = 0

    def reset(self, *, seed=None, options=None):
        self.reset_seeds.append(seed)
        return self.env.reset(seed=seed, options=options)

    def step(self, action):
        self.steps += 1
        return self.env.step(action)


class _SeedAgent(Agent):
    name = "seed-recorder"
    seen: list = []

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        _SeedAgent.seen.append(seed)
        self.first_obs = observation

    def act(self, observation, info):
        return int(np.flatnonzero(info["action_mask"])[0])


def test_each_episode_after_the_first_continues_the_stream_with_a_fresh_draw():
    from papergym.runner import run_episode

    env = _SeedRecorder(gym.make(MASKED, n=50))
    agent = _SeedAgent()
    agent.bind(env.observation_space, env.action_space)
    _SeedAgent.seen = []
    targets = []
    results = []
    for ep in range(4):
        results.append(run_episode(env, agent, seed=7 if ep == 0 else None, episode=ep,
                                   agent_seed_value=agent_seed(7, ep), run_seed=7))
        targets.append(env.unwrapped.model()["target"])
    assert env.reset_seeds == [7, None, None, None]  # reset with the seed once, then not
    assert len(set(targets)) > 1  # a fresh draw, not the same instance again
    assert len(set(_SeedAgent.seen)) == 4  # the agent's seed differs per episode
    assert [r.seed for r in results] == [7, 7, 7, 7]  # every result records the run's seed
    a = papergym.run(MASKED, "random", seeds=[7], episodes=4, n=50)
    assert [r.seed for r in a] == [7, 7, 7, 7] and [r.episode for r in a] == [0, 1, 2, 3]


def test_max_steps_runs_exactly_that_many_steps():
    (r,) = papergym.run(MASKED, "toy-oracle", seeds=[0], max_steps=1, n=8)
    assert r.metrics["episode_length"] == 1 and "cut" not in r.metrics  # ended by itself
    wrong = Peeker()
    (r,) = papergym.run(MASKED, lambda: wrong.clone(), seeds=[0], max_steps=5, n=50)
    assert r.metrics["episode_length"] == 5 and r.metrics["cut"] == 1.0
    (r,) = papergym.run(MASKED, lambda: wrong.clone(), seeds=[0], max_steps=6, n=50)
    assert r.metrics["episode_length"] == 6


def test_metrics_wrapper_clears_on_reset_and_reports_truncated_episodes():
    env = RecordMetrics(gym.wrappers.TimeLimit(gym.make(MASKED, n=50).unwrapped,
                                               max_episode_steps=3))
    for _ in range(2):  # the second episode's counts must not include the first's
        env.reset(seed=1)
        done, info = False, {}
        while not done:
            _, _, terminated, truncated, info = env.step(
                int(np.flatnonzero(info.get("action_mask", np.ones(50)))[-1]))
            done = terminated or truncated
        assert truncated and info["episode"]["l"] == 3
        assert info["episode"]["cumulative_regret"] == 3.0


def test_store_never_replaces_an_ok_row_and_never_reruns_a_stored_cell(tmp_path):
    from papergym.leaderboard import execute, plan
    from papergym.leaderboard import worker as worker_module

    cells, _ = plan([MASKED], ["random"], seeds=3)
    runs = []
    original = worker_module.run_cell
    with ResultsStore(tmp_path / "s.sqlite") as db:
        first = original(cells[0])
        assert db.put(first)
        changed = CellResult(**{**first.__dict__, "primary_value": -1.0})
        assert not db.put(changed)  # ok row kept
        assert not db.put(changed, replace_failed=True)  # still kept: it is not failed
        assert next(db.cells()).primary_value == first.primary_value
        execute_module = sys.modules["papergym.leaderboard.execute"]  # (the package's
        # execute() function hides the module's name)

        def counting(cell, *args):
            runs.append(cell.seed)
            return original(cell, *args)

        execute_module.run_cell = counting
        try:
            stats = execute(cells, db, workers=1, timeout=None)
            again = execute(cells, db, workers=1, timeout=None, retry_failed=True)
        finally:
            execute_module.run_cell = original
    assert sorted(runs) == [1, 2]  # the stored seed 0 never reached a worker
    assert (stats.ran, stats.skipped, again.ran, again.skipped) == (2, 1, 0, 3)
