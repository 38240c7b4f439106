"""Every ```python block of docs/causal.md runs."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "causal.md"


def test_docs_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
