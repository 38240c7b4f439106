"""Kept for the two first families: the predicates now live in :mod:`papergym.utils.checks`."""

from papergym.utils.checks import is_int, is_number

__all__ = ["is_int", "is_number"]
