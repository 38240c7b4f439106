"""The shared argument checks (papergym.utils.checks) and the registration helpers: the
boundaries, the message format and the precedence of kwargs, each pinned."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import papergym
from papergym.envs import family_env_ids, registration
from papergym.utils import env_checker
from papergym.utils.checks import (
    check_array,
    check_choice,
    check_int,
    check_probability,
    check_real,
    check_render_mode,
    check_vector_seeds,
    is_int,
    is_number,
)


def test_predicates():
    assert is_int(3) and is_int(np.int64(3))
    assert not is_int(True) and not is_int(3.0) and not is_int("3")
    assert is_number(2.5) and is_number(np.float32(1)) and is_number(4)
    assert not is_number(float("nan")) and not is_number(float("inf"))
    assert not is_number(np.bool_(True)) and not is_number(None) and not is_number("1")


def test_check_int_bounds_are_inclusive_and_messages_name_the_argument():
    assert check_int("k", 1, low=1) == 1 and check_int("k", 5, high=5) == 5
    assert type(check_int("k", np.int32(4))) is int
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1, got 0$"):
        check_int("k", 0, low=1)
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 3\], got 4$"):
        check_int("k", 4, low=1, high=3)
    with pytest.raises(ValueError, match=r"^k must be an integer <= 3, got True$"):
        check_int("k", True, high=3)


def test_check_real_open_and_closed_bounds():
    assert check_real("x", 0.0, low=0.0) == 0.0
    with pytest.raises(ValueError, match=r"^x must be a finite real number > 0.0, got 0.0$"):
        check_real("x", 0.0, low=0.0, low_open=True)
    assert check_real("x", 1.0, high=1.0) == 1.0
    with pytest.raises(ValueError, match=r"x must be a finite real number in \[0.0, 1.0\), got 1.0"):
        check_real("x", 1.0, low=0.0, high=1.0, high_open=True)
    with pytest.raises(ValueError, match="^x must be"):
        check_real("x", float("nan"))
    with pytest.raises(ValueError, match="^x must be"):
        check_real("x", "0.5")
    assert check_probability("p", 1) == 1.0 and type(check_probability("p", 1)) is float
    with pytest.raises(ValueError, match=r"^p must .* \[0.0, 1.0\], got 1.01$"):
        check_probability("p", 1.01)
    with pytest.raises(ValueError, match=r"^p must .*, got -0.01$"):
        check_probability("p", -0.01)


def test_check_choice_and_render_mode():
    assert check_choice("mode", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"^mode must be one of 'a', 'b', got 'c'$"):
        check_choice("mode", "c", ("a", "b"))
    with pytest.raises(ValueError, match="^mode must be one of"):
        check_choice("mode", [1], ("a", "b"))  # unhashable
    with pytest.raises(ValueError, match="^n must be one of"):
        check_choice("n", True, (1, 2))  # a bool is no integer choice
    assert check_render_mode(None, ["rgb_array"]) is None
    assert check_render_mode("rgb_array", ["rgb_array"]) == "rgb_array"
    with pytest.raises(ValueError, match="^render_mode must be one of 'rgb_array', got 'human'"):
        check_render_mode("human", ["rgb_array"])


def test_check_array():
    arr = check_array("w", [[0.5, 1.0]], shape=(1, None), low=0, high=1)
    assert arr.shape == (1, 2) and arr.dtype == float
    with pytest.raises(ValueError, match=r"^w must have shape 2x\*, got shape \(1, 2\)"):
        check_array("w", [[0.5, 1.0]], shape=(2, None))
    with pytest.raises(ValueError, match=r"^w must be <= 1 everywhere, got 2.0"):
        check_array("w", [0.5, 2.0], high=1)
    with pytest.raises(ValueError, match=r"^w must be >= 0 everywhere, got -1.0"):
        check_array("w", [-1.0, 0.0], low=0)
    with pytest.raises(ValueError, match="^w must be finite"):
        check_array("w", [np.inf])
    with pytest.raises(ValueError, match="^w must be an array of numbers"):
        check_array("w", ["a", None])


def test_resolved_kwargs_precedence():
    # constructor default < registered kwargs < caller's
    defaults = registration.env_defaults("MarkovCodingGameSmall-v0")
    assert defaults["message_size"] == 512 and defaults["slip"] == 0.1
    resolved = registration.resolved_kwargs("MarkovCodingGameSmall-v0", {"slip": 0.3})
    assert resolved["message_size"] == 64      # registered beats the default
    assert resolved["slip"] == 0.3             # the caller beats both
    assert resolved["beta"] == defaults["beta"]


def test_check_env_kwargs_names_the_unknown_and_suggests():
    registration.check_env_kwargs("Paging-v0", {"k": 3})
    with pytest.raises(registration.UnknownEnvKwargError,
                       match=r"unknown env keyword argument 'kk' \(did you mean k\?\)"):
        registration.check_env_kwargs("Paging-v0", {"kk": 3})
    with pytest.raises(registration.UnknownEnvError, match="^unknown env id 'Paging-v9'"):
        registration.check_env_id("Paging-v9")
    with pytest.raises(registration.UnknownEnvError, match="unknown env id"):
        registration.check_env_id(3)


def test_parallel_registry():
    assert registration.family_of("MarkovCodingGameParallel-v0") == "coding"
    assert registration.family_of("Paging-v0") == "paging"
    assert registration.family_of("CartPole-v1") is None
    assert "MarkovCodingGameParallel-v0" in family_env_ids("coding")
    env = registration.make_parallel("MarkovCodingGameParallel-v0", message_size=8)
    assert set(env.possible_agents) == {"sender", "receiver"}
    with pytest.raises(registration.UnknownEnvError, match="unknown parallel env id"):
        registration.make_parallel("MarkovCodingGameParalel-v0")
    with pytest.raises(ValueError, match="rank_by must be"):
        registration.register_parallel_env("x", "p", "X-v0", "a:b", rank_by="everyone")


def test_registration_is_idempotent():
    before = list(registration.FAMILIES["paging"].env_ids)
    registration.register_env("paging", "p", "Paging-v0", "papergym.envs.paging.paging:PagingEnv")
    assert registration.FAMILIES["paging"].env_ids == before


@pytest.mark.parametrize("value", [np.array(["a"]), np.array(["a", "b"]), [1],
                                   {1: 2}, float("nan"), None])
def test_check_choice_refuses_arrays_and_uncomparable_values_naming_the_argument(value):
    """An array's ``==`` is elementwise: ``np.array(["a"])`` used to pass as the choice "a"
    (and a longer array raised numpy's own error, naming nothing)."""
    with pytest.raises(ValueError, match=r"^mode must be one of 'a', 'b', 1, got "):
        check_choice("mode", value, ("a", "b", 1))


def test_check_choice_refuses_a_value_whose_comparison_raises():
    class Uncomparable:
        def __eq__(self, other):
            raise TypeError("no comparison")

        __hash__ = None

    with pytest.raises(ValueError, match=r"^mode must be one of 'a', got "):
        check_choice("mode", Uncomparable(), ("a",))


def test_check_choice_takes_numpy_scalars_and_any_iterable_of_choices():
    assert check_choice("mode", np.str_("b"), ("a", "b")) == "b"
    assert check_choice("n", np.int64(2), range(1, 4)) == 2
    assert check_choice("mode", "b", (c for c in "ab")) == "b"
    with pytest.raises(ValueError, match=r"^mode must be one of 'a', 'b', got 'c'$"):
        check_choice("mode", "c", (c for c in "ab"))


def test_check_options():
    from papergym.utils.checks import check_options

    assert check_options(None, ("instance",)) == {}
    assert check_options({"instance": 3}, ("instance",)) == {"instance": 3}
    with pytest.raises(ValueError, match=r"unknown key 'instanc' \(did you mean 'instance'\?\)"):
        check_options({"instanc": 3}, ("instance",))
    with pytest.raises(ValueError, match="options must be a dict or None, got list"):
        check_options([1], ("instance",))
    with pytest.raises(ValueError, match="accepts no options"):
        check_options({"x": 1}, ())


def test_message_wording_of_every_range_form():
    """Each bound form has its own wording (these pin the messages users read)."""
    with pytest.raises(ValueError, match=r"^x must be a finite real number in \(0.0, 1.0\], got 0.0$"):
        check_real("x", 0.0, low=0.0, high=1.0, low_open=True)
    with pytest.raises(ValueError, match=r"^x must be a finite real number < 1.0, got 1.0$"):
        check_real("x", 1.0, high=1.0, high_open=True)
    with pytest.raises(ValueError, match=r"^x must be a finite real number, got 'a'$"):
        check_real("x", "a")
    with pytest.raises(ValueError, match=r"^k must be an integer, got 'a'$"):
        check_int("k", "a")


def test_check_choice_bool_rules_and_array_edges():
    assert check_choice("flag", True, (True, False)) is True
    assert check_choice("n", 1, (1, 2)) == 1
    with pytest.raises(ValueError, match="^flag must be one of"):
        check_choice("flag", 1, (True, "x"))          # 1 == True, but 1 is not the bool
    assert check_array("w", [0.0, 1.0], low=0.0, high=1.0).tolist() == [0.0, 1.0]  # bounds inclusive
    with pytest.raises(ValueError, match=r"^w must have shape scalar, got shape \(2,\)"):
        check_array("w", [1.0, 2.0], shape=())


def test_check_options_takes_any_mapping_and_returns_a_new_dict():
    from types import MappingProxyType

    from papergym.utils.checks import check_options

    given = {"instance": 1}
    out = check_options(given, ("instance",))
    assert out == given and out is not given
    assert check_options(MappingProxyType(given), ("instance",)) == given


@pytest.mark.parametrize("env_id", papergym.papergym_env_ids())
def test_every_env_refuses_bad_reset_options_with_one_message(env_id):
    """Family-agnostic: a misspelt option key, or options that are not a dict, are refused
    by every registered Gymnasium env with ``check_options``'s message, and the env still
    resets afterwards (quick kwargs: the whole loop takes a few seconds)."""
    env = env_checker.quick_make(env_id)
    with pytest.raises(ValueError, match=r"^options: unknown key 'no_such_option'.*accepts"):
        env.reset(options={"no_such_option": 1})
    with pytest.raises(ValueError, match=r"^options must be a dict or None, got int$"):
        env.reset(options=3)
    env.reset(seed=0)
    env.close()


def test_check_vector_seeds():
    assert check_vector_seeds(None, 3) == [None, None, None]
    assert check_vector_seeds(np.int64(5), 3) == [5, 6, 7]
    assert check_vector_seeds((1, None, np.int32(9)), 3) == [1, None, 9]
    for bad in ([0, 1], [0, 1, 2, 3], True, 1.0, "012", [0, 1.5, 2], [0, True, 2]):
        with pytest.raises(ValueError, match=r"^seed must be an int, None or 3 seeds "):
            check_vector_seeds(bad, 3)


VECTOR_IDS = [i for i in papergym.papergym_env_ids() if gym.spec(i).vector_entry_point]


@pytest.mark.parametrize("env_id", VECTOR_IDS)
def test_every_vector_env_reads_seeds_like_sync_vector_env(env_id):
    """Family-agnostic: an int seeds copy i with seed + i, a list gives each copy its own
    seed, and a list of the wrong length is refused naming ``seed``."""
    kwargs = getattr(env_checker.env_class(env_id), "quick_kwargs", {})
    envs = gym.make_vec(env_id, 2, vectorization_mode="vector_entry_point", **kwargs)
    first, _ = envs.reset(seed=7)
    again, _ = envs.reset(seed=[7, 8])
    assert env_checker.same(first, again)
    with pytest.raises(ValueError, match=r"^seed must be an int, None or 2 seeds "):
        envs.reset(seed=[7])
    envs.close()


class _HandRolledOptions(gym.Env):
    """An env that checks its options in its own words (what the checker must catch)."""

    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(1)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if options is not None and (not isinstance(options, dict) or set(options) - {"instance"}):
            raise ValueError(f"bad reset options {options!r}")
        return 0, {}

    def step(self, action):
        return 0, 0.0, True, False, {}


def test_reset_options_checker_catches_a_hand_rolled_message():
    gym.register("ToyHandRolledOptions-v0", entry_point=_HandRolledOptions)
    try:
        env_checker.check_reset_options("Paging-v0")
        with pytest.raises(AssertionError, match="check_options"):
            env_checker.check_reset_options("ToyHandRolledOptions-v0")
    finally:
        del gym.registry["ToyHandRolledOptions-v0"]


def test_check_options_messages():
    from papergym.utils.checks import check_options

    with pytest.raises(ValueError, match=r"^options: unknown key 'a', 'b'; reset accepts 'c'$"):
        check_options({"a": 1, "b": 2}, ("c",))  # every unknown key, and "reset" by default

    with pytest.raises(ValueError, match=r"^options: unknown key 'zzz'; Env accepts 'instance', 'seed_list'$"):
        check_options({"zzz": 1}, ("instance", "seed_list"), "Env")
    with pytest.raises(ValueError, match=r"'instanse' \(did you mean 'instance'\?\)"):
        check_options({"instanse": 1}, ("instance", "instances"), "Env")
