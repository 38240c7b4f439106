"""What ``papergym.envs.registration`` promises, pinned one behaviour per test.

The registry-wide test runs every id through the checkers, and the catalogue test compares
the README's table byte for byte; neither says which part of registration broke.  These
do (issue 9, section 7: the mutation score of the spine), in-process and fast: the family
table, the ids' specs, parallel envs and their factories, the layers of resolved kwargs,
and the messages for unknown ids and unknown keyword arguments.  Every id registered here
is removed again.
"""

from __future__ import annotations

import re

import gymnasium as gym
import pytest
from gymnasium.envs.registration import registry

import papergym  # noqa: F401 - registers every family first, so the snapshot holds them
from papergym.envs.registration import (
    FAMILIES,
    PARALLEL_REGISTRY,
    Family,
    ParallelEnvSpec,
    UnknownEnvError,
    UnknownEnvKwargError,
    check_env_id,
    check_env_kwargs,
    env_defaults,
    family_of,
    make_parallel,
    parallel_env_ids,
    register_env,
    register_parallel_env,
    resolved_kwargs,
)

PAPER = "A pinned paper (Nowhere 2026)"
HERE = "tests.test_registration_pinned"


class PinEnv(gym.Env):
    def __init__(self, size: int = 4, colour: str = "red", render_mode=None):
        self.size, self.colour = size, colour


class PinVectorEnv:
    pass


def crowded(level1=0, level2=0, level3=0, level4=0, other=0):
    return dict(level1=level1, level2=level2, level3=level3, level4=level4, other=other)


def permissive(n=1, **kwargs):
    return n, kwargs


def positional(a=0, /, b=1, *args, c=2):
    return a, b, args, c


def duel(**kwargs):
    return dict(kwargs)


@pytest.fixture(autouse=True)
def _restore_registries():
    """Undo every registration a test makes (family table, parallel and Gymnasium ids)."""
    families = {name: (fam, list(fam.env_ids), list(fam.parallel_ids))
                for name, fam in FAMILIES.items()}
    parallel, gym_ids = dict(PARALLEL_REGISTRY), set(registry)
    yield
    FAMILIES.clear()
    for name, (fam, env_ids, parallel_ids) in families.items():
        fam.env_ids[:], fam.parallel_ids[:] = env_ids, parallel_ids
        FAMILIES[name] = fam
    PARALLEL_REGISTRY.clear()
    PARALLEL_REGISTRY.update(parallel)
    for env_id in set(registry) - gym_ids:
        del registry[env_id]


def _hints(message: str) -> list[str]:
    match = re.search(r"did you mean (.*?)\?", message)
    return match.group(1).split(", ") if match else []


# --- the family table and Gymnasium ids ---------------------------------------------------

def test_register_env_fills_the_family_table_and_gymnasiums_spec():
    register_env("pinfam", PAPER, "PinA-v0", f"{HERE}:PinEnv", kwargs={"size": 3},
                 vector_entry_point=f"{HERE}:PinVectorEnv", max_episode_steps=7)
    register_env("pinfam", PAPER, "PinB-v0", f"{HERE}:PinEnv")
    assert FAMILIES["pinfam"] == Family("pinfam", PAPER, ["PinA-v0", "PinB-v0"], [])
    spec = gym.spec("PinA-v0")
    assert (spec.entry_point, spec.kwargs, spec.vector_entry_point, spec.max_episode_steps) == \
        (f"{HERE}:PinEnv", {"size": 3}, f"{HERE}:PinVectorEnv", 7)
    assert gym.spec("PinB-v0").kwargs == {}
    assert family_of("PinA-v0") == family_of("PinB-v0") == "pinfam"


def test_registering_an_id_again_changes_nothing():
    register_env("pinfam", PAPER, "PinA-v0", f"{HERE}:PinEnv", kwargs={"size": 3})
    register_env("pinfam", "another paper", "PinA-v0", f"{HERE}:crowded", kwargs={"size": 9})
    assert FAMILIES["pinfam"] == Family("pinfam", PAPER, ["PinA-v0"], [])
    assert (gym.spec("PinA-v0").entry_point, gym.spec("PinA-v0").kwargs) == \
        (f"{HERE}:PinEnv", {"size": 3})


def test_family_of_finds_gymnasium_and_parallel_ids_and_nothing_else():
    register_env("pinfam", PAPER, "PinA-v0", f"{HERE}:PinEnv")
    register_parallel_env("pinduo", PAPER, "PinDuel-v0", f"{HERE}:duel")
    assert family_of("PinA-v0") == "pinfam"
    assert family_of("PinDuel-v0") == "pinduo"
    assert family_of("CartPole-v1") is None  # Gymnasium's own: no papergym family


# --- parallel envs ------------------------------------------------------------------------

def test_register_parallel_env_keeps_its_spec_and_family():
    register_parallel_env("pinduo", PAPER, "PinDuel-v0", f"{HERE}:duel", kwargs={"a": 1})
    register_parallel_env("pinduo", PAPER, "PinDuel-v0", f"{HERE}:crowded", rank_by="role")
    register_parallel_env("pinduo", PAPER, "PinRoles-v0", duel, rank_by="role")
    assert PARALLEL_REGISTRY["PinDuel-v0"] == \
        ParallelEnvSpec("PinDuel-v0", "pinduo", PAPER, f"{HERE}:duel", {"a": 1}, "team")
    assert PARALLEL_REGISTRY["PinRoles-v0"].rank_by == "role"
    assert FAMILIES["pinduo"] == Family("pinduo", PAPER, [], ["PinDuel-v0", "PinRoles-v0"])
    assert parallel_env_ids()[-2:] == ["PinDuel-v0", "PinRoles-v0"]
    # a string entry point is imported, a callable one used as it is
    assert PARALLEL_REGISTRY["PinDuel-v0"].load() is duel
    assert PARALLEL_REGISTRY["PinRoles-v0"].load() is duel


def test_rank_by_must_be_team_or_role():
    with pytest.raises(ValueError, match=r"^rank_by must be 'team' or 'role', got 'teams'$"):
        register_parallel_env("pinduo", PAPER, "PinDuel-v0", duel, rank_by="teams")
    assert "PinDuel-v0" not in PARALLEL_REGISTRY and "pinduo" not in FAMILIES


def test_make_parallel_passes_the_callers_kwargs_over_the_registered_ones():
    register_parallel_env("pinduo", PAPER, "PinDuel-v0", f"{HERE}:duel", kwargs={"a": 1, "b": 1})
    assert make_parallel("PinDuel-v0", b=2, c=3) == {"a": 1, "b": 2, "c": 3}
    assert make_parallel("PinDuel-v0") == {"a": 1, "b": 1}


def test_an_unknown_parallel_id_lists_at_most_five_close_ids():
    for letter in "ABCDEF":
        register_parallel_env("pinduo", PAPER, f"PinDuel{letter}-v0", duel)
    with pytest.raises(UnknownEnvError) as err:
        make_parallel("PinDuel-v0")
    message = str(err.value)
    assert message.startswith("unknown parallel env id 'PinDuel-v0'; did you mean ")
    assert message.endswith("? (`papergym list` shows all)")
    hints = _hints(message)
    assert len(hints) == 5 and set(hints) < {f"PinDuel{x}-v0" for x in "ABCDEF"}
    with pytest.raises(UnknownEnvError) as err:
        make_parallel("Qqqqqqqqqqqqq")
    assert str(err.value) == "unknown parallel env id 'Qqqqqqqqqqqqq' (`papergym list` shows all)"


# --- env ids ------------------------------------------------------------------------------

def test_an_env_id_must_be_a_string():
    with pytest.raises(UnknownEnvError) as err:
        check_env_id(3)
    assert str(err.value) == "unknown env id 3: an env id is a string"


def test_an_unknown_id_lists_at_most_five_close_ids_of_every_kind():
    for letter in "ABCDEF":
        register_env("pinfam", PAPER, f"PinToy{letter}-v0", f"{HERE}:PinEnv")
    with pytest.raises(UnknownEnvError) as err:
        check_env_id("PinToy-v0")
    message = str(err.value)
    assert message.startswith("unknown env id 'PinToy-v0'; did you mean ")
    assert message.endswith("? (`papergym list` shows all)")
    hints = _hints(message)
    assert len(hints) == 5 and set(hints) < {f"PinToy{x}-v0" for x in "ABCDEF"}
    # parallel ids and Gymnasium's own ids are suggested too
    register_parallel_env("pinduo", PAPER, "PinDuelists-v0", duel)
    with pytest.raises(UnknownEnvError, match="did you mean PinDuelists-v0?"):
        check_env_id("PinDuelist-v0")
    with pytest.raises(UnknownEnvError, match="did you mean CartPole-v1"):
        check_env_id("CartPoleX-v1")
    with pytest.raises(UnknownEnvError) as err:
        check_env_id("Qqqqqqqqqqqqq")
    assert str(err.value) == "unknown env id 'Qqqqqqqqqqqqq' (`papergym list` shows all)"


# --- kwargs: defaults, resolution, checks -------------------------------------------------

def test_resolved_kwargs_layers_defaults_registered_and_callers():
    register_env("pinfam", PAPER, "PinA-v0", f"{HERE}:PinEnv", kwargs={"size": 3})
    assert env_defaults("PinA-v0") == {"size": 4, "colour": "red", "render_mode": None}
    assert resolved_kwargs("PinA-v0") == {"size": 3, "colour": "red", "render_mode": None}
    assert resolved_kwargs("PinA-v0", {"size": 9, "colour": "blue"}) == \
        {"size": 9, "colour": "blue", "render_mode": None}
    register_parallel_env("pinduo", PAPER, "PinDuel-v0", f"{HERE}:crowded", kwargs={"level2": 5})
    assert resolved_kwargs("PinDuel-v0", {"other": 1}) == \
        {"level1": 0, "level2": 5, "level3": 0, "level4": 0, "other": 1}


def test_only_keyword_parameters_are_env_arguments():
    register_env("pinfam", PAPER, "PinPos-v0", f"{HERE}:positional")
    assert env_defaults("PinPos-v0") == {"b": 1, "c": 2}  # not a (positional-only), not *args
    with pytest.raises(UnknownEnvKwargError, match="accepts b, c, max_episode_steps"):
        check_env_kwargs("PinPos-v0", {"a": 1})


def test_known_kwargs_and_gym_makes_own_pass():
    register_env("pinfam", PAPER, "PinA-v0", f"{HERE}:PinEnv")
    check_env_kwargs("PinA-v0", {"size": 2, "colour": "blue", "render_mode": None})
    check_env_kwargs("PinA-v0", {"max_episode_steps": 5, "disable_env_checker": True})
    check_env_kwargs("PinA-v0", {})
    check_env_kwargs("PinA-v0", None)


def test_an_entry_point_taking_any_kwargs_or_without_a_signature_is_not_checked():
    register_env("pinfam", PAPER, "PinAny-v0", f"{HERE}:permissive")
    register_parallel_env("pinduo", PAPER, "PinBuiltin-v0", max)
    check_env_kwargs("PinAny-v0", {"anything": 1})
    check_env_kwargs("PinBuiltin-v0", {"anything": 1})
    assert env_defaults("PinAny-v0") == {} and env_defaults("PinBuiltin-v0") == {}


def test_an_unknown_kwarg_is_named_with_close_matches_and_what_is_accepted():
    register_env("pinfam", PAPER, "PinA-v0", f"{HERE}:PinEnv")
    with pytest.raises(UnknownEnvKwargError) as err:
        check_env_kwargs("PinA-v0", {"size": 1, "sise": 2})
    assert str(err.value) == (
        "PinA-v0: unknown env keyword argument 'sise' (did you mean size?); it accepts "
        "size, colour, render_mode, max_episode_steps, disable_env_checker")
    with pytest.raises(UnknownEnvKwargError) as err:
        check_env_kwargs("PinA-v0", {"sise": 2, "qqqqqq": 3})
    assert str(err.value) == (
        "PinA-v0: unknown env keyword arguments 'sise' (did you mean size?), 'qqqqqq'; it "
        "accepts size, colour, render_mode, max_episode_steps, disable_env_checker")


def test_an_unknown_kwarg_lists_at_most_three_close_names():
    register_env("pinfam", PAPER, "PinCrowd-v0", f"{HERE}:crowded")
    with pytest.raises(UnknownEnvKwargError) as err:
        check_env_kwargs("PinCrowd-v0", {"level": 1})
    hints = _hints(str(err.value))
    assert len(hints) == 3 and set(hints) < {"level1", "level2", "level3", "level4"}


def test_kwargs_of_an_unknown_id_are_refused_as_an_unknown_id():
    with pytest.raises(UnknownEnvError, match="unknown env id 'PinNowhere-v0'"):
        check_env_kwargs("PinNowhere-v0", {"size": 1})
    check_env_kwargs("CartPole-v1", {"render_mode": None})  # Gymnasium's own ids too


def test_suggestions_reach_down_to_half_similar_names():
    # difflib's ratio: 0.5 is enough (its default, 0.6, would miss a short name typed for a
    # long id, or an abbreviated argument)
    register_env("pinfam", PAPER, "PinQuokkaHerd-v0", f"{HERE}:PinEnv")
    with pytest.raises(UnknownEnvError, match=r"did you mean PinQuokkaHerd-v0\?"):
        check_env_id("Quokka")  # ratio 12/22
    register_parallel_env("pinduo", PAPER, "PinQuokkaDuel-v0", duel)
    with pytest.raises(UnknownEnvError, match=r"did you mean PinQuokkaDuel-v0\?"):
        make_parallel("Quokka")
    with pytest.raises(UnknownEnvKwargError, match=r"'cl' \(did you mean colour\?\)"):
        check_env_kwargs("PinQuokkaHerd-v0", {"cl": 1})  # ratio 4/8
