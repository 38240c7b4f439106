"""The contract checker: what every papergym env must meet (docs/CONTRACTS.md), as library
code, the way ``gymnasium.utils.env_checker`` and ``pettingzoo.test`` ship theirs.

``check_paper_env(env_id)`` runs every check on a registered Gymnasium id (or on your own
env registered through ``--import``); ``check_parallel_env(env_id)`` runs PettingZoo's
``parallel_api_test`` and ``parallel_seed_test`` on a registered parallel env;
``check_vector_env(env_id)`` compares a ``vector_entry_point`` with Gymnasium's sync vector
env under the same seeds.  Each raises ``AssertionError`` (or the env's own exception) with
a message that says what broke.  The registry-wide tests call the single checks one id at a
time.
"""

from __future__ import annotations

import inspect
import pickle
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = [
    "DOC_SECTIONS",
    "check_arguments_documented",
    "check_bad_inputs",
    "check_class_contract",
    "check_docstring_layout",
    "check_gymnasium_api",
    "check_paper_env",
    "check_parallel_env",
    "check_pickle_continues",
    "check_primary_metric",
    "check_reference_agents",
    "check_reset_options",
    "check_same_seed_same_rollout",
    "check_sb3_api",
    "check_vector_env",
    "env_class",
    "quick_make",
    "rollout",
    "same",
]

DOC_SECTIONS = ("## Description", "## Action Space", "## Observation Space", "## Rewards",
                "## Starting State", "## Episode End", "## Info", "## Arguments",
                "## Reference Agents", "## Registered Configurations", "## Version History")


# --------------------------------------------------------------------------- helpers


def env_class(env_id: str) -> type:
    """The class ``gym.make(env_id)`` builds (its entry point, without building one)."""
    from papergym.envs.registration import entry_point

    entry = entry_point(env_id)
    if isinstance(entry, type):
        return entry
    return type(gym.make(env_id).unwrapped)


def quick_make(env_id: str, **kwargs: Any) -> gym.Env:
    """``gym.make`` with the class's ``quick_kwargs`` under the caller's kwargs."""
    return gym.make(env_id, **{**getattr(env_class(env_id), "quick_kwargs", {}), **kwargs})


def same(a: Any, b: Any) -> bool:
    """Deep equality of observations and infos (dicts, sequences, arrays, numbers; NaN == NaN)."""
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) \
            and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
        except TypeError:  # object arrays
            return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return bool(a == b)


def rollout(env: gym.Env, seed: int, steps: int = 200) -> list:
    """A random legal agent's trajectory under ``seed``: ``[(obs, info), (action, obs, reward,
    terminated, truncated, info), ...]``."""
    from papergym.agents.base import RandomAgent

    agent = RandomAgent()
    agent.bind(env.observation_space, env.action_space)
    obs, info = env.reset(seed=seed)
    agent.reset(obs, info, seed=seed)
    trace: list = [(obs, info)]
    for _ in range(steps):
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((action, obs, reward, terminated, truncated, info))
        if terminated or truncated:
            break
    return trace


class _LegalizeMaskedActions(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """SB3's check_env steps with unmasked random actions; a masked one (which papergym
    envs refuse with InvalidAction) is replaced by the first legal action."""

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._mask = info.get("action_mask")
        return obs, info

    def step(self, action):
        mask = self._mask
        if mask is not None and isinstance(self.action_space, gym.spaces.Discrete) \
                and not np.asarray(mask).ravel()[int(action)]:
            action = int(np.flatnonzero(mask)[0])
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._mask = info.get("action_mask")
        return obs, reward, terminated, truncated, info


# --------------------------------------------------------------------------- single checks


def check_docstring_layout(cls: type) -> str:
    """The CartPole layout: every section of :data:`DOC_SECTIONS`, in order. Returns the doc."""
    doc = cls.__doc__ or ""
    positions = [doc.find(section) for section in DOC_SECTIONS]
    missing = [s for s, p in zip(DOC_SECTIONS, positions) if p < 0]
    assert not missing, f"{cls.__name__} docstring lacks {missing}"
    assert positions == sorted(positions), f"{cls.__name__} docstring sections out of order"
    return doc


def _constructor_arguments(cls: type) -> list[str]:
    return [n for n, p in inspect.signature(cls.__init__).parameters.items()
            if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def check_arguments_documented(cls: type) -> None:
    """Every constructor argument is named (as ``name``) under ``## Arguments``."""
    doc = check_docstring_layout(cls)
    arguments = doc[doc.index("## Arguments"):doc.index("## Reference Agents")]
    for name in _constructor_arguments(cls):
        assert f"``{name}``" in arguments, f"{cls.__name__}: argument {name} undocumented"


def check_class_contract(env_id: str) -> None:
    """Docstring layout and arguments, the id under ``## Registered Configurations``, and
    the class attributes the leaderboard reads (``higher_is_better`` declared, not inherited
    from a default)."""
    cls = env_class(env_id)
    doc = check_docstring_layout(cls)
    check_arguments_documented(cls)
    assert env_id in doc.split("## Registered Configurations")[1], \
        f"{env_id} is not named under {cls.__name__}'s ## Registered Configurations"
    assert isinstance(getattr(cls, "primary_metric", None), str), \
        f"{cls.__name__} declares no primary_metric (a key of info['metrics'])"
    assert isinstance(getattr(cls, "higher_is_better", None), bool), \
        f"{cls.__name__} declares no higher_is_better: it would be ranked one way silently"
    configs = getattr(cls, "leaderboard_configs", ({},))
    assert isinstance(configs, tuple) and configs and all(isinstance(c, Mapping) for c in configs), \
        f"{cls.__name__}.leaderboard_configs must be a non-empty tuple of dicts"
    assert isinstance(getattr(cls, "quick_kwargs", {}), Mapping)


def check_gymnasium_api(env_id: str) -> None:
    """Gymnasium's own ``check_env`` on the unwrapped env (quick kwargs); like SB3's, it
    steps with unmasked random actions, so a masked one is replaced by a legal one."""
    from gymnasium.utils.env_checker import check_env

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(_LegalizeMaskedActions(quick_make(env_id).unwrapped), skip_render_check=True)


def check_sb3_api(env_id: str) -> None:
    """Stable-Baselines3's ``check_env`` on what SB3 trains on (``papergym.wrappers.sb3_wrap``)."""
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    from papergym.wrappers import sb3_wrap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sb3_check_env(sb3_wrap(_LegalizeMaskedActions(quick_make(env_id))), warn=False)


def check_same_seed_same_rollout(env_id: str) -> None:
    """One seed gives one trajectory; another seed gives another."""
    a, b = rollout(quick_make(env_id), seed=7), rollout(quick_make(env_id), seed=7)
    assert len(a) == len(b) and same(a, b), f"{env_id}: the same seed gave two rollouts"
    c = rollout(quick_make(env_id), seed=8)
    assert not same(a, c), f"{env_id}: a different seed gave the same rollout: seeding is ignored"


def check_pickle_continues(env_id: str, steps: int = 20) -> None:
    """A pickled copy of an env in mid-episode steps exactly as the original."""
    from papergym.agents.base import RandomAgent

    env = quick_make(env_id)
    obs, info = env.reset(seed=3)
    clone = pickle.loads(pickle.dumps(env))
    agent = RandomAgent()
    agent.bind(env.observation_space, env.action_space)
    agent.reset(obs, info, seed=0)
    for _ in range(steps):
        action = agent.act(obs, info)
        out1, out2 = env.step(action), clone.step(action)
        assert same(out1, out2), f"{env_id}: a pickled copy diverged"
        obs, _, terminated, truncated, info = out1
        if terminated or truncated:
            break


def check_primary_metric(env_id: str) -> None:
    """A random agent's episode ends with the primary metric, and every metric is finite."""
    import papergym

    cls = env_class(env_id)
    result = papergym.run(env_id, "random", seeds=1, **getattr(cls, "quick_kwargs", {}))[0]
    assert cls.primary_metric in result.metrics, \
        f"{env_id}: info['metrics'] lacks the primary metric {cls.primary_metric!r}"
    bad = {k: v for k, v in result.metrics.items() if not np.isfinite(v)}
    assert not bad, f"{env_id}: non-finite metrics {bad}"


def check_reference_agents(env_id: str) -> None:
    """Every leaderboard config of the class has a reference agent, and each one runs."""
    import papergym
    from papergym.agents.base import agents_for

    cls = env_class(env_id)
    for config in getattr(cls, "leaderboard_configs", ({},)):
        kwargs = {**config, **getattr(cls, "quick_kwargs", {})}
        names = agents_for(env_id, kwargs, reference_only=True)
        assert names, f"{env_id} {dict(config)} has no reference agent"
        for name in names:
            result = papergym.run(env_id, name, seeds=1, **kwargs)[0]
            assert cls.primary_metric in result.metrics, (env_id, name, dict(config))


def check_bad_inputs(env_id: str) -> None:
    """The class's ``bad_inputs`` table names every constructor argument with at least one
    invalid value, and each value raises ``ValueError`` whose message names the argument."""
    cls = env_class(env_id)
    table = getattr(cls, "bad_inputs", None)
    assert isinstance(table, Mapping), \
        f"{cls.__name__} declares no bad_inputs table ({{argument: (invalid value, ...)}})"
    missing = [n for n in _constructor_arguments(cls) if not table.get(n)]
    assert not missing, f"{cls.__name__}.bad_inputs has no invalid value for {missing}"
    from papergym.envs.registration import resolved_kwargs

    base = resolved_kwargs(env_id, getattr(cls, "quick_kwargs", {}))
    for name, values in table.items():
        for value in values:
            try:
                cls(**{**base, name: value})
            except ValueError as exc:
                assert name in str(exc), \
                    f"{cls.__name__}({name}={value!r}) raised ValueError not naming {name}: {exc}"
            else:
                raise AssertionError(f"{cls.__name__}({name}={value!r}) was accepted")


def _assert_refuses_options(reset: Callable[..., Any], who: str) -> None:
    """``reset(options=...)`` refuses a misspelt key and a non-dict with
    ``papergym.utils.checks.check_options``'s message."""
    for options, start in (({"no_such_option": 1}, "options: unknown key 'no_such_option'"),
                           (3, "options must be a dict or None, got int")):
        try:
            reset(options=options)
        except ValueError as exc:
            assert str(exc).startswith(start), (
                f"{who}: reset(options={options!r}) raised ValueError({str(exc)!r}); "
                f"check the options with papergym.utils.checks.check_options, whose "
                f"message starts {start!r}")
        else:
            raise AssertionError(f"{who}: reset(options={options!r}) was accepted (a typo "
                                 "in an option key would silently play a random instance)")


def check_reset_options(env_id: str) -> None:
    """An unknown ``reset(options=...)`` key and a non-dict ``options`` are a ``ValueError``
    with the one message format (``check_options``: the key named, a did-you-mean hint),
    and the env still resets afterwards."""
    env = quick_make(env_id)
    _assert_refuses_options(env.reset, env_id)
    env.reset(seed=0)
    env.close()


#: the checks check_paper_env runs, in order
PAPER_ENV_CHECKS: tuple[Callable[[str], None], ...] = (
    check_class_contract,
    check_bad_inputs,
    check_gymnasium_api,
    check_sb3_api,
    check_same_seed_same_rollout,
    check_pickle_continues,
    check_primary_metric,
    check_reference_agents,
    check_reset_options,
)


def check_paper_env(env_id: str, *, skip: tuple[str, ...] = ()) -> None:
    """Run every check of :data:`PAPER_ENV_CHECKS` on ``env_id`` (names in ``skip`` left out),
    then :func:`check_vector_env` where the id has a ``vector_entry_point``."""
    from papergym.envs.registration import check_env_id

    check_env_id(env_id)
    for check in PAPER_ENV_CHECKS:
        if check.__name__ not in skip:
            check(env_id)
    if gym.spec(env_id).vector_entry_point is not None and "check_vector_env" not in skip:
        check_vector_env(env_id)


# --------------------------------------------------------------------------- parallel, vector


def check_parallel_env(env_id: str, num_cycles: int = 50) -> None:
    """PettingZoo's ``parallel_api_test`` and ``parallel_seed_test`` on a registered parallel env."""
    from pettingzoo.test import parallel_api_test, parallel_seed_test

    from papergym.envs.registration import make_parallel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parallel_api_test(make_parallel(env_id), num_cycles=num_cycles)
        parallel_seed_test(lambda: make_parallel(env_id), num_cycles=num_cycles)


def check_vector_env(env_id: str, num_envs: int = 4, steps: int = 60, seed: int = 11) -> None:
    """The ``vector_entry_point`` of ``env_id`` steps exactly as ``SyncVectorEnv`` under the
    same seeds and actions (observations, rewards, terminations, truncations), declares
    ``metadata["autoreset_mode"]`` (the same mode the sync env is then run with), and
    refuses bad reset options as the single env does (:func:`check_reset_options`)."""
    spec = gym.spec(env_id)
    assert spec.vector_entry_point is not None, f"{env_id} has no vector_entry_point"
    kwargs = dict(getattr(env_class(env_id), "quick_kwargs", {}))
    native = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                          **kwargs)
    mode = native.metadata.get("autoreset_mode")
    assert mode is not None, f"{env_id}'s vector env does not declare metadata['autoreset_mode']"
    sync = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": mode}, **kwargs)
    _assert_refuses_options(native.reset, f"{env_id}'s vector env")
    obs_a, _ = native.reset(seed=seed)
    obs_b, _ = sync.reset(seed=seed)
    assert same(obs_a, obs_b), f"{env_id}: vector and sync reset observations differ"
    native.action_space.seed(seed)
    for t in range(steps):
        actions = native.action_space.sample()
        out_a = native.step(actions)
        out_b = sync.step(actions)
        for name, x, y in zip(("observations", "rewards", "terminations", "truncations"),
                              out_a[:4], out_b[:4]):
            assert same(x, y), f"{env_id}: vector and sync {name} differ at step {t}"
    native.close()
    sync.close()
