"""The family page's examples run, and the images it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cascading.md"
TEXT = PAGE.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


def test_page_has_an_example():
    assert BLOCKS


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index, capsys):
    exec(compile(BLOCKS[index], f"docs/cascading.md block {index}", "exec"), {})
    assert "(1, 0) 1.875" in capsys.readouterr().out


def test_images_exist_and_placeholders_are_filled():
    for name in re.findall(r"\]\((cascading/[^)]+\.png)\)", TEXT):
        assert (PAGE.parent / name).stat().st_size > 10_000, name
    assert not re.search(r"\b[A-Z]+_(TABLE|K)\b", TEXT)
