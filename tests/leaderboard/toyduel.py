"""Imported by worker processes (``imports=``): registers the toy parallel envs."""

from tests.leaderboard.toyenv import register_parallel_toys, register_toys

register_toys()
register_parallel_toys()
