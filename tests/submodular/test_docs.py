"""The family page's Python examples run; its pictures exist and their script runs."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "submodular.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE, flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_docs_example_runs(index, tmp_path):
    out = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "F =" in out.stdout


def test_docs_images_exist():
    for name in re.findall(r"\]\((submodular/[\w.]+\.png)\)", PAGE):
        assert (REPO / "docs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_learning_curve_script_draws_its_pngs(tmp_path):
    script = runpy.run_path(str(REPO / "scripts" / "submodular" / "learning_curves.py"))
    script["main"](["--seeds", "1", "--epochs", "2", "--batch", "8", "--out", str(tmp_path),
                    "--ids", "SubmodularTwoRooms-v0"])
    for name in ("learning_curves.png", "trajectories.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
