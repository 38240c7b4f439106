"""Every ```python example of every docs/*.md page runs (no per-family edit: a new page is
picked up).  Blocks meant as fragments are fenced ```py instead, and are not run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
EXAMPLES = [(page, i, code) for page in sorted(DOCS.glob("*.md"))
            for i, code in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(),
                                                flags=re.S))]


@pytest.mark.parametrize("page, index, code", EXAMPLES,
                         ids=[f"{p.stem}-{i}" for p, i, _ in EXAMPLES])
def test_docs_example_runs(page, index, code, tmp_path):
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, f"{page.name} example {index}:\n{out.stderr[-2000:]}"
