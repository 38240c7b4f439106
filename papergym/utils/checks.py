"""Argument checks with one message format, ``"<name> must be ..., got ..."``.

Every env's constructor checks its arguments with these, so a bad value is a
``ValueError`` whose message starts with the argument's name (docs/CONTRACTS.md, section 1)
and the checker's bad-input table (``PaperEnv.bad_inputs``) can assert it.  A ``bool`` is
an ``int`` to Python and a string reaches ``float()`` as a ``TypeError``: these say plainly
what counts as a number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["check_array", "check_choice", "check_int", "check_options", "check_probability",
           "check_real", "check_render_mode", "check_vector_seeds", "is_int", "is_number"]


def is_int(value: Any) -> bool:
    """A real integer (Python or numpy), not a bool and not a float that happens to be whole."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value: Any) -> bool:
    """A finite real number (Python or numpy int or float), not a bool and not a string."""
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)) and bool(np.isfinite(value)))


def _range_text(low: Any, high: Any, low_open: bool = False, high_open: bool = False) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int``, else ``ValueError("<name> must be an integer >= low, got ...")``."""
    text = f"{name} must be an integer {_range_text(low, high)}".rstrip()
    if not is_int(value):
        raise ValueError(f"{text}, got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{text}, got {value}")
    return value


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite ``float`` in the range, else a ``ValueError`` naming ``name``."""
    text = f"{name} must be a finite real number {_range_text(low, high, low_open, high_open)}"
    text = text.rstrip()
    if not is_number(value):
        raise ValueError(f"{text}, got {value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        raise ValueError(f"{text}, got {value}")
    return value


def check_probability(name: str, value: Any) -> float:
    """A real number in [0, 1]."""
    return check_real(name, value, low=0.0, high=1.0)


def _equal(value: Any, choice: Any) -> bool:
    """``value == choice`` as a plain truth: an array (whose ``==`` is elementwise) or a
    value whose comparison raises is no choice."""
    try:
        same = value == choice
    except Exception:  # noqa: BLE001 - an uncomparable value is simply not a choice
        return False
    return isinstance(same, (bool, np.bool_)) and bool(same)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``, else ``ValueError("<name> must be one of ...")``
    (``True`` is not the choice ``1``, and an array is never a choice)."""
    choices = tuple(choices)
    matches = [c for c in choices if _equal(value, c)]
    if not matches or isinstance(value, bool) != any(isinstance(c, bool) for c in matches):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                         f"got {value!r}")
    return value


def check_render_mode(render_mode: Any, modes: Sequence[str]) -> str | None:
    """``None`` or one of the env's ``metadata["render_modes"]``."""
    if render_mode is None:
        return None
    return check_choice("render_mode", render_mode, tuple(modes))


def check_array(name: str, value: Any, *, shape: tuple[int | None, ...] | None = None,
                low: float | None = None, high: float | None = None,
                dtype: Any = float) -> np.ndarray:
    """``value`` as a numpy array of ``dtype`` with ``shape`` (``None`` entries match any
    length), finite, within ``[low, high]``; else a ``ValueError`` naming ``name``."""
    try:
        arr = np.array(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers, got {value!r} ({exc})") from None
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "x".join("*" if s is None else str(s) for s in shape) or "scalar"
            raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got non-finite entries")
    if low is not None and arr.size and arr.min() < low:
        raise ValueError(f"{name} must be >= {low} everywhere, got {arr.min()}")
    if high is not None and arr.size and arr.max() > high:
        raise ValueError(f"{name} must be <= {high} everywhere, got {arr.max()}")
    return arr


def check_options(options: Any, known: Sequence[str], env: str = "reset") -> dict[str, Any]:
    """``reset(options=...)`` as a (new) dict: ``None`` is ``{}``; anything but a mapping, or
    a key not in ``known`` (a typo would silently play a random instance), is a
    ``ValueError`` that names the key and suggests the closest known one.  ``env`` names
    who refuses (every env passes ``type(self).__name__``)."""
    import difflib

    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ValueError(f"options must be a dict or None, got {type(options).__name__}")
    unknown = [k for k in options if k not in known]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ValueError(f"options: unknown key {', '.join(hints)}; {env} accepts "
                         f"{', '.join(map(repr, known)) or 'no options'}")
    return dict(options)


def check_vector_seeds(seed: Any, num_envs: int) -> list[int | None]:
    """A vector env's ``reset(seed=...)`` as one seed per copy, the way ``SyncVectorEnv``
    reads it: ``None`` -> no seed for any copy, an int ``s`` -> ``s, s + 1, ...``, else a
    sequence of exactly ``num_envs`` ints or ``None``s."""
    if seed is None:
        return [None] * num_envs
    if is_int(seed):
        return [int(seed) + i for i in range(num_envs)]
    if isinstance(seed, (str, bytes)) or not hasattr(seed, "__len__") or len(seed) != num_envs \
            or not all(s is None or is_int(s) for s in seed):
        raise ValueError(f"seed must be an int, None or {num_envs} seeds (ints or None), "
                         f"got {seed!r}")
    return [None if s is None else int(s) for s in seed]
