"""`papergym list --markdown` prints the README's catalogue; `papergym run --trace` replays
a trace file through the env's own ``trace`` argument, and is refused where none exists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from papergym.utils.catalogue import catalogue_markdown

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "papergym.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_list_markdown_is_the_catalogue():
    out = cli("list", "--markdown")
    assert out.returncode == 0, out.stderr
    assert out.stdout == catalogue_markdown()
    assert "| [paging](docs/paging.md) | `Paging-v0` |" in out.stdout


def test_run_replays_a_trace_and_refuses_it_elsewhere(tmp_path):
    trace = REPO / "tests" / "paging" / "data" / "small_trace.txt"
    out = cli("run", "Paging-v0", "belady", "--seeds", "1", "--trace", str(trace), "--kw", "k=3")
    assert out.returncode == 0, out.stderr
    assert "competitive_ratio" in out.stdout
    from papergym.envs.paging import load_trace

    n = len(load_trace(trace))
    assert any(line.split("│")[1:3] == [" horizon           ", f"{n:>6} "] or
               (line.startswith("│ horizon") and f" {n} " in line) for line in out.stdout.splitlines())
    out = cli("run", "CausalBandit-v0", "ucb", "--trace", str(trace))
    assert out.returncode == 2 and "unknown env keyword argument 'trace'" in out.stderr
    out = cli("run", "Paging-v0", "lru", "--trace-column", "page")
    assert out.returncode == 2 and "--trace-column needs --trace" in out.stderr
