"""``lazy_import(name)``: a module that is imported on first attribute access.

An env module whose work needs a heavy library (torch) but whose class attributes are read
by ``papergym list``, the leaderboard plan and agent applicability checks imports it this
way, so those commands stay fast (issue 11: ``list`` imports no torch).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["lazy_import"]


class _LazyModule(ModuleType):
    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_lazy_target"] = name

    def _load(self) -> ModuleType:
        module = self.__dict__.get("_lazy_module")
        if module is None:
            module = importlib.import_module(self.__dict__["_lazy_target"])
            self.__dict__["_lazy_module"] = module
        return module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __dir__(self):
        return dir(self._load())

    def __reduce__(self):
        return (lazy_import, (self.__dict__["_lazy_target"],))


def lazy_import(name: str) -> ModuleType:
    """A stand-in for ``import name`` that imports on first use."""
    return _LazyModule(name)


def torch_no_grad(fn):
    """``@torch.no_grad()`` for a module that imports torch lazily: the decorator itself
    needs no torch until the function runs."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import torch

        with torch.no_grad():
            return fn(*args, **kwargs)

    return wrapper
