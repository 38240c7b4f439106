"""The README's Python examples run, and the quick start prints what the README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```(?:\n\n```text\n(.*?)```)?", README, flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 4
    assert BLOCKS[0][1], "the quick start shows its output in a ```text block"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path):
    code, expected = BLOCKS[index]
    if "papergym.run(" in code and "import papergym" not in code:
        code = "import papergym\n" + code  # a snippet that continues the one before it
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    if expected:
        assert out.stdout == expected


def test_readme_catalogue_is_current():
    from papergym.utils.catalogue import catalogue_markdown

    table = README.split("<!-- catalogue:start -->\n")[1].split("<!-- catalogue:end -->")[0]
    assert table == catalogue_markdown(), \
        "README's env table is stale: paste `papergym list --markdown` between its markers"
