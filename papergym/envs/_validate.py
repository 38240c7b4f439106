"""Type predicates every env's argument checks share (each env words its own messages).

A ``bool`` is an ``int`` to Python and a string or ``None`` reaches ``float()`` as a
``TypeError``: these say plainly what counts as a number, so an env can raise the
``ValueError`` naming the argument that docs/CONTRACTS.md asks for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_int", "is_number"]


def is_int(value: Any) -> bool:
    """A real integer (Python or numpy), not a bool and not a float that happens to be whole."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value: Any) -> bool:
    """A finite real number (Python or numpy int or float), not a bool and not a string."""
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)) and bool(np.isfinite(value)))
