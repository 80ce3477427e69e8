"""The progress display of ``fit(verbose=1)``: a bar redrawn in place on a terminal, one line per epoch always."""

from __future__ import annotations

import sys
import time
from typing import Any, Dict, Optional, TextIO


class ProgressBar:
    def __init__(self, epochs: int, stream: Optional[TextIO] = None, width: int = 24) -> None:
        self.epochs = epochs
        self.stream = stream if stream is not None else sys.stdout
        self.width = width
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0

    def update(self, log: Dict[str, Any]) -> None:
        """Called by the training loop every few batches and at each epoch's end."""
        if log["epoch_end"]:
            if self.interactive:
                self.stream.write("\r\033[K")
            self.stream.write(self.summary(log) + "\n")
            self.stream.flush()
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
