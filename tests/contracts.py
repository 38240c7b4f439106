"""Kept for older imports: the contract checks are library code in
``papergym.utils.env_checker``."""

from papergym.utils.env_checker import (
    DOC_SECTIONS,
)
from papergym.utils.env_checker import (
    check_arguments_documented as assert_arguments_documented,
)
from papergym.utils.env_checker import (
    check_docstring_layout as assert_docstring_layout,
)

__all__ = ["DOC_SECTIONS", "assert_arguments_documented", "assert_docstring_layout"]
