"""``ItemListSpace``: ordered lists of at most ``m`` distinct items out of ``N``, as a
``MultiDiscrete([N + 1] * m)`` whose value ``N`` is the stop symbol.

Every entry is legal on its own; legality is joint (no item twice before the first stop),
which a per-entry action mask cannot express.  So this subclass samples legal lists only
(uniformly over all lists, the empty one included) and ``contains`` refuses duplicates;
anything that treats it as a plain MultiDiscrete (SB3, ``batch_space``) still works.
"""

from __future__ import annotations

from math import perm
from typing import Any

import numpy as np
from gymnasium import spaces

__all__ = ["ItemListSpace", "parse_list"]


class ItemListSpace(spaces.MultiDiscrete):
    """Lists of at most ``list_size`` distinct items of ``n_items``; ``batch`` > 0 gives
    the batched space (``batch`` rows) of a vector env."""

    def __init__(self, n_items: int, list_size: int, batch: int = 0, seed: Any = None):
        self.n_items, self.list_size, self.batch = int(n_items), int(list_size), int(batch)
        shape = (self.batch, self.list_size) if self.batch else (self.list_size,)
        super().__init__(np.full(shape, self.n_items + 1, dtype=np.int64), dtype=np.int64,
                         seed=seed)
        counts = np.array([perm(self.n_items, k) for k in range(self.list_size + 1)], float)
        self._length_cdf = np.cumsum(counts) / counts.sum()

    def _one(self) -> np.ndarray:
        rng = self.np_random
        length = int(np.searchsorted(self._length_cdf, rng.random(), side="right"))
        length = min(length, self.list_size)
        out = np.full(self.list_size, self.n_items, dtype=np.int64)
        if length:
            out[:length] = rng.choice(self.n_items, size=length, replace=False)
        return out

    def sample(self, mask: Any = None, probability: Any = None) -> np.ndarray:
        """A uniformly random legal list (padded with the stop symbol ``N``); ``mask`` and
        ``probability`` are refused: legality here is joint, not per entry."""
        if mask is not None or probability is not None:
            raise ValueError("ItemListSpace.sample takes no mask or probability: a list is "
                             "legal when its items are distinct, which per-entry masks "
                             "cannot say")
        if self.batch:
            return np.stack([self._one() for _ in range(self.batch)])
        return self._one()

    def contains(self, x: Any) -> bool:
        if not super().contains(x):
            return False
        rows = np.asarray(x).reshape(-1, self.list_size)
        return all(parse_list(row.tolist(), self.n_items, self.list_size) is not None
                   for row in rows)

    def __repr__(self) -> str:
        return f"ItemListSpace(n_items={self.n_items}, list_size={self.list_size}" + \
            (f", batch={self.batch})" if self.batch else ")")

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ItemListSpace) and other.n_items == self.n_items \
            and other.list_size == self.list_size and other.batch == self.batch


def parse_list(entries: list, n_items: int, list_size: int,
               repeat_stops: bool = False) -> list[int] | None:
    """The items before the first stop symbol (``n_items``), or None when an entry is not
    an integer in ``[0, n_items]``, the length is not ``list_size``, or an item repeats
    (with ``repeat_stops`` a repeated item ends the list instead)."""
    if len(entries) != list_size:
        return None
    items: list[int] = []
    for a in entries:
        if type(a) is not int:
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
                return None
            a = int(a)
        if a == n_items:
            break
        if a < 0 or a > n_items:
            return None
        if a in items:
            if repeat_stops:
                break
            return None
        items.append(a)
    return items
