"""The examples of docs/paging.md run and print what the page shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "paging.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```(?:\n\n```text\n(.*?)```)?", PAGE, flags=re.S)


def test_page_has_examples_and_its_figure():
    assert len(BLOCKS) >= 3 and all(expected for _, expected in BLOCKS)
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", PAGE):
        assert (REPO / "docs" / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_docs_example_runs(index, tmp_path):
    code, expected = BLOCKS[index]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout == expected


def test_plot_script_draws_a_png(tmp_path):
    import runpy

    script = runpy.run_path(str(REPO / "scripts" / "paging" / "plot_ratio_vs_error.py"))
    out = script["main"](["--quick", "--out", str(tmp_path / "ratio.png")])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
