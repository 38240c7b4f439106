"""Every ```python block of docs/auctions.md runs (and the page's images exist)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "auctions.md"


def test_docs_examples_run(capsys):
    text = DOC.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    assert "0.01" in capsys.readouterr().out


def test_docs_images_exist():
    text = DOC.read_text()
    for image in re.findall(r"\]\((auctions/[^)]+\.png)\)", text):
        assert (DOC.parent / image).stat().st_size > 10_000, image
