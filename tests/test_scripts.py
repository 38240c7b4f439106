"""The scripts that draw the README's pictures run, and the README's leaderboard is what
the code regenerates (every column but the wall time)."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _rows_without_time(markdown: str) -> list[list[str]]:
    rows = [line.split("|")[1:-1] for line in markdown.splitlines()
            if re.match(r"\| \d+ \|", line)]
    return [[cell.strip() for i, cell in enumerate(row) if i != 6] for row in rows]  # 6: time


def test_readme_leaderboard_is_regenerated_by_its_script(tmp_path):
    script = runpy.run_path(str(REPO / "scripts" / "make_readme_leaderboard.py"))
    assert script["main"](["--out", str(tmp_path), "--workers", "1"]) == 0
    fresh = (tmp_path / "leaderboard.md").read_text()
    shipped = (REPO / "docs" / "leaderboard.md").read_text()
    assert _rows_without_time(fresh) == _rows_without_time(shipped)
    assert len(_rows_without_time(fresh)) >= 15
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(
        p.name for p in (REPO / "docs").glob("leaderboard_*.png"))


def test_mcg_frontier_plot_script_draws_a_png(tmp_path):
    script = runpy.run_path(str(REPO / "scripts" / "coding" / "plot_frontier.py"))
    out = script["main"](["--env", "MarkovCodingGameSmall-v0", "--episodes", "2",
                          "--out", str(tmp_path / "frontier.png")])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_table_is_the_first_board_of_the_generated_leaderboard():
    readme = (REPO / "README.md").read_text()
    shipped = (REPO / "docs" / "leaderboard.md").read_text()
    first_board = shipped.split("### ")[1]
    leaderboard_section = readme.split("## Leaderboard")[1].split("\n## ")[0]
    assert _rows_without_time(leaderboard_section) == _rows_without_time(first_board)
