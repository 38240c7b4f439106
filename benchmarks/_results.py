"""Shared by the benchmark scripts: write one section of benchmarks/RESULTS.md.

Each script owns the text between ``<!-- begin: NAME -->`` and ``<!-- end: NAME -->`` and
rewrites only that, so scripts run in any order keep each other's figures.
"""

from __future__ import annotations

import platform
import re
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

HEADER = """# Benchmark results

Written by the scripts in `benchmarks/` (`make bench` runs them all; each rewrites only its
own section). Every speed target is a ratio against a baseline measured in the same run,
on the same machine, so the ratios are comparable across machines where absolute rates are
not.
"""


def machine() -> str:
    return f"{platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"


def write_section(name: str, markdown: str) -> None:
    """Replace (or append) the section ``name`` of RESULTS.md with ``markdown``."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    block = f"<!-- begin: {name} -->\n{markdown.strip()}\n<!-- end: {name} -->"
    pattern = re.compile(rf"<!-- begin: {re.escape(name)} -->.*?<!-- end: {re.escape(name)} -->",
                         re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)
