"""Run every benchmark script and keep its printed figures in benchmarks/RESULTS.md.

Scripts that write their own section (``--write``) do so; for the others this driver puts
their standard output in a section of their name. ``make bench`` calls it.

    python benchmarks/run_all.py [--only paging coding ...] [--timeout 900]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section  # noqa: E402

HERE = Path(__file__).resolve().parent
WRITES_ITSELF = {"env_steps": ["--write"], "serving": ["--write"], "pruning": []}
SKIP = {"run_all", "_results", "mutation"}  # mutation: `make mutate` runs it


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="benchmark names (default: all)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per script")
    args = parser.parse_args()
    names = args.only or sorted(p.stem for p in HERE.glob("*.py") if p.stem not in SKIP)
    failed = []
    for name in names:
        extra = WRITES_ITSELF.get(name, [])
        print(f"== benchmarks/{name}.py", flush=True)
        start = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *extra],
                                 capture_output=True, text=True, timeout=args.timeout)
            text, code = out.stdout + out.stderr, out.returncode
        except subprocess.TimeoutExpired:
            text, code = f"(stopped after {args.timeout:g} s)", 124
        print(text[-3000:], flush=True)
        if code != 0:
            failed.append(f"{name} (exit {code})")
        if name not in WRITES_ITSELF:
            status = "ok" if code == 0 else f"**exit {code}: a target was missed or it failed**"
            write_section(name, f"## {name} (`benchmarks/{name}.py`)\n\n{machine()}; "
                          f"{time.perf_counter() - start:.0f} s; {status}.\n\n```text\n"
                          f"{text.strip()[-6000:]}\n```")
    if failed:
        print("benchmarks that missed a target or failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
