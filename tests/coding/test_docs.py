"""The coding docs page's Python examples run (``docs/coding.md``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "coding.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE, flags=re.S)


def test_page_has_examples_and_its_figure():
    assert len(BLOCKS) >= 2
    assert (REPO / "docs" / "coding" / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_docs_example_runs(index, tmp_path):
    out = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-2000:]


def test_experiment_files_load():
    from papergym.leaderboard.cells import plan_cells
    from papergym.leaderboard.experiment import load_experiment

    experiment = load_experiment(REPO / "experiments" / "coding" / "compression.yaml")
    cells = plan_cells(experiment.entries, seeds=experiment.seeds)
    pairs = {(c.agent, c.env_kwargs.get("protocol", "mecb")) for c in cells}
    assert ("mecb", "mecb") in pairs and ("uniform-quantizer", "uniform") in pairs
    assert ("mecb", "uniform") not in pairs and ("uniform-quantizer", "mecb") not in pairs
