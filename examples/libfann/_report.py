"""What the examples in this folder share outside their fann2 code: the command line (where FANN's data files are,
a seed for repeatable runs), and the final summary read off FANN's own report lines.

FANN's C examples learn how training went only from what ``fann_train_on_data`` prints; these examples do the
same: they watch their standard output for FANN's report lines and summarize the last one.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path
from typing import Any, List, Optional, TextIO

from fastnet import libfann

#: FANN's data sets beside the repository (FANN's examples read them from ../datasets)
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "fann"

REPORT = re.compile(r"Epochs +(\d+)\. Current error: (\d+\.\d+)(?:\. Bit fail (\d+)\.)?")


def arguments(doc: str, argv: Optional[List[str]] = None, **extra: Any) -> argparse.Namespace:
    """--data (the folder of FANN's data files) and --seed (libfann.srand before the networks are created)."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--data", default=str(DATA), help=f"folder of FANN's data files (default {DATA})")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed the networks' weights (libfann.srand); default: from the system, as FANN")
    for name, (default, help_) in extra.items():
        parser.add_argument("--" + name.replace("_", "-"), default=default, help=help_)
    args = parser.parse_args(argv)
    if not Path(args.data).is_dir():
        parser.error(f"{args.data} is not a folder: give FANN's data files' folder with --data")
    if args.seed is not None:
        libfann.srand(args.seed)
    return args


class _Tee(io.TextIOBase):
    def __init__(self, out: TextIO) -> None:
        self.out, self.lines = out, io.StringIO()

    def write(self, text: str) -> int:
        self.lines.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


class Watch:
    """Within ``with Watch() as w:``, what is printed also goes to ``w.text``; ``w.reports()`` are FANN's report
    lines as (epochs, error, bit fail or None)."""

    def __enter__(self) -> Watch:
        self._old = sys.stdout
        self._tee = _Tee(sys.stdout)
        sys.stdout = self._tee  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: Any) -> None:
        sys.stdout = self._old

    @property
    def text(self) -> str:
        return self._tee.lines.getvalue()

    def reports(self) -> List[tuple]:
        return [(int(m.group(1)), float(m.group(2)), None if m.group(3) is None else int(m.group(3)))
                for m in REPORT.finditer(self.text)]


def summary(ok: bool, goal: str = "FANN's desired error", **figures: Any) -> int:
    """Print the final summary line (``Summary: name value, ...; reached|MISSED goal``); the exit code."""
    parts = [f"{k.replace('_', ' ')} {v:.6f}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
             for k, v in figures.items()]
    print(f"Summary: {', '.join(parts)}; {'reached' if ok else 'MISSED'} {goal}")
    return 0 if ok else 1
