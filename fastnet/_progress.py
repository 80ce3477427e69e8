"""The progress display of ``fit(verbose=1)``: a bar redrawn in place on a terminal, one line per epoch always.

On a terminal the bar is tqdm's when tqdm is installed (``use_tqdm=None``: automatic), otherwise a small built-in
one; the per-epoch summary line is the same either way."""

from __future__ import annotations

import sys
import time
from typing import Any, Dict, Optional, TextIO


def _tqdm() -> Any:
    try:
        from tqdm.auto import tqdm

        return tqdm
    except ImportError:
        return None


class ProgressBar:
    def __init__(self, epochs: int, stream: Optional[TextIO] = None, width: int = 24,
                 use_tqdm: Optional[bool] = None) -> None:
        self.epochs = epochs
        self.stream = stream if stream is not None else sys.stdout
        self.width = width
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0
        self._tqdm_cls: Any = _tqdm() if (use_tqdm is None and self.interactive) or use_tqdm else None
        if use_tqdm and self._tqdm_cls is None:
            raise ImportError("use_tqdm=True needs tqdm: pip install tqdm")
        self._bar: Any = None
        self._done = 0

    def _tqdm_update(self, log: Dict[str, Any]) -> None:
        if self._bar is None:
            self._bar = self._tqdm_cls(total=log["samples_total"], unit="samples", unit_scale=True, leave=False,
                                       desc=f"epoch {log['epoch']}/{self.epochs}", file=self.stream)
            self._done = 0
        self._bar.update(log["samples_done"] - self._done)
        self._done = log["samples_done"]
        self._bar.set_postfix(loss=f"{log['loss']:.4f}", refresh=False)

    def update(self, log: Dict[str, Any]) -> None:
        """Called by the training loop every few batches and at each epoch's end."""
        if log["epoch_end"]:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            elif self.interactive and self._tqdm_cls is None:
                self.stream.write("\r\033[K")
            self.stream.write(self.summary(log) + "\n")
            self.stream.flush()
            return
        if self._tqdm_cls is not None:
            self._tqdm_update(log)
            return
        now = time.monotonic()
        if not self.interactive or now - self._last_draw < 0.1:
            return
        self._last_draw = now
        done, total = log["samples_done"], log["samples_total"]
        frac = done / total if total else 1.0
        filled = int(self.width * frac)
        rate = done / log["seconds"] if log["seconds"] > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        bar = "=" * filled + (">" if filled < self.width else "") + " " * (self.width - filled - 1)
        self.stream.write(
            f"\repoch {log['epoch']}/{self.epochs} [{bar}] {done}/{total} "
            f"{rate:,.0f} samples/s loss {log['loss']:.4f} ETA {eta:.1f}s"
        )
        self.stream.flush()

    def summary(self, log: Dict[str, Any]) -> str:
        parts = [f"epoch {log['epoch']}/{self.epochs}", f"loss {log['loss']:.4f}"]
        if "accuracy" in log:
            parts.append(f"accuracy {log['accuracy']:.4f}")
        if "val_loss" in log:
            parts.append(f"val_loss {log['val_loss']:.4f}")
        if "val_accuracy" in log:
            parts.append(f"val_accuracy {log['val_accuracy']:.4f}")
        rate = log["samples_done"] / log["seconds"] if log["seconds"] > 0 else 0.0
        parts.append(f"{log['seconds']:.2f}s ({rate:,.0f} samples/s)")
        return " - ".join(parts)
