"""A toy family, as a new family's author would write it: this package, its agents package
and one line in ``FAMILY_PACKAGES``.  tests/test_toy_family.py mounts it under papergym."""

from papergym.envs.registration import register_env

PAPER = "A toy two-armed bandit (papergym's own test family)"

register_env("toyfam", PAPER, "ToyCoin-v0", "papergym.envs.toyfam.coin:CoinEnv")
