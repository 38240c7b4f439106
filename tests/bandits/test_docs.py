"""The family page's python examples run, and its figures exist at print resolution."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "bandits.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE, flags=re.S)


def test_page_has_examples_and_figures():
    assert len(BLOCKS) >= 2
    for name in re.findall(r"\]\((bandits/[^)]+\.png)\)", PAGE):
        from PIL import Image

        with Image.open(REPO / "docs" / name) as img:
            assert img.info.get("dpi", (0, 0))[0] >= 149, name


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_page_example_runs(index, tmp_path):
    out = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip()
