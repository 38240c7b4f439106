"""Adding a family needs its own folders and one FAMILY_PACKAGES line, nothing else.

The toy family in tests/toy_family/ (an env package and an agents package) is mounted under
``papergym.envs`` and ``papergym.agents`` in a fresh interpreter, its name is added to
``FAMILY_PACKAGES`` (the one line a family adds), and the whole contract checker runs on it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

TOY = Path(__file__).resolve().parent / "toy_family"

MOUNT = f"""
import papergym, papergym.envs as envs, papergym.agents as agents, papergym.agents.base as base
envs.__path__.append({str(TOY / 'envs')!r})
agents.__path__.append({str(TOY / 'agents')!r})
envs.FAMILY_PACKAGES += ("toyfam",)        # the one registration line
envs._REGISTERED = False
envs.register_envs()
base._DISCOVERED = False
"""


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", MOUNT + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=300)


def test_toy_family_passes_the_checker_and_runs():
    out = run("""
        from papergym.utils.env_checker import check_paper_env
        check_paper_env("ToyCoin-v0")
        print(papergym.agents_for("ToyCoin-v0", reference_only=True))
        print(papergym.run("ToyCoin-v0", "toy-greedy", seeds=2)[0].metrics["total_regret"])
        print(papergym.envs.family_env_ids("toyfam"))
    """)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.split("\n")
    assert lines[0] == "['toy-greedy']"
    assert float(lines[1]) == 0.0  # the model-reading agent never regrets
    assert lines[2] == "('ToyCoin-v0',)"


def test_checker_refuses_a_forgotten_bad_input():
    out = run("""
        from papergym.envs.toyfam.coin import CoinEnv
        from papergym.utils.env_checker import check_bad_inputs
        CoinEnv.bad_inputs = {"p": (1.5,), "render_mode": ("human",)}   # horizon forgotten
        check_bad_inputs("ToyCoin-v0")
    """)
    assert out.returncode != 0 and "no invalid value for ['horizon']" in out.stderr


def test_checker_refuses_an_accepted_bad_value():
    out = run("""
        from papergym.envs.toyfam.coin import CoinEnv
        from papergym.utils.env_checker import check_bad_inputs
        CoinEnv.bad_inputs = {**CoinEnv.bad_inputs, "horizon": (5,)}     # 5 is valid
        check_bad_inputs("ToyCoin-v0")
    """)
    assert out.returncode != 0 and "CoinEnv(horizon=5) was accepted" in out.stderr


def test_checker_refuses_an_undeclared_direction():
    out = run("""
        from papergym.envs.toyfam.coin import CoinEnv
        from papergym.utils.env_checker import check_class_contract
        del CoinEnv.higher_is_better
        check_class_contract("ToyCoin-v0")
    """)
    assert out.returncode != 0 and "higher_is_better" in out.stderr


def test_requires_model_is_guarded_once_in_the_base_class():
    out = run("""
        from papergym.agents.base import make_agent
        make_agent("toy-greedy").reset(None, {}, env_model=None, seed=0)
    """)
    assert out.returncode != 0 and "requires the env's model" in out.stderr
