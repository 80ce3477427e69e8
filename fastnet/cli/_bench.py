"""``fastnet bench``: runs bench/compare.py of the source checkout the package runs from (a wheel has none)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from ._errors import EXIT_USAGE, CLIError


def bench_script() -> Optional[Path]:
    """bench/compare.py of the source checkout this package runs from, or None (installed wheel)."""
    root = Path(__file__).resolve().parents[2]  # fastnet/cli/_bench.py -> the checkout
    script = root / "bench" / "compare.py"
    return script if script.is_file() and (root / "pyproject.toml").is_file() else None


def _run_script(cmd: List[str], cwd: str) -> int:
    return subprocess.call(cmd, cwd=cwd)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark comparison (bench/compare.py) of a source checkout."""
    script = bench_script()
    if script is None:
        raise CLIError("the benchmarks need a source checkout of fastnet (bench/compare.py beside the package); "
                       "this installation has none", EXIT_USAGE)
    cmd = [sys.executable, str(script)]
    if args.quick:
        cmd.append("--quick")
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    if args.only:
        cmd += ["--only", args.only]
    print(f"running {' '.join(cmd)}", file=sys.stderr)
    return _run_script(cmd, str(script.parent.parent))
