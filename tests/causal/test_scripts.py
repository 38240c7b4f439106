"""scripts/causal/reproduce.py draws its figure and summary from a small run."""

import json
import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_reproduce_script_plots_and_summarises(tmp_path):
    script = runpy.run_path(str(REPO / "scripts" / "causal" / "reproduce.py"))
    traces = script["run"]("CausalBandit-v0", ("ucb", "csl-ucb"), 2, n_nodes=4, horizon=200)
    summary = script["summarise"](traces)
    assert summary["csl-ucb"]["csl_ucb_reward_gain"] == 0.0
    json.dumps(summary)
    out = tmp_path / "figure.png"
    script["plot"](traces, out, "test")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
