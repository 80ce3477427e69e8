"""Callbacks for ``Network.fit``: called with the epoch's logs after every epoch; returning False stops.

A callback may also define ``set_network(net)`` (called when fit starts) and ``on_train_end()`` (called when fit
returns, also after an early stop).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:
    from .network import Network

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Stop when a monitored metric has stopped improving.

    Parameters
    ----------
    monitor : str
        A key of the epoch logs: "val_loss" (default), "val_accuracy", "loss" or "accuracy".
    patience : int
        Epochs without improvement to wait before stopping.
    min_delta : float
        The smallest change that counts as an improvement.
    mode : {"auto", "min", "max"}
        Whether lower or higher is better; "auto" picks max for accuracies, min otherwise.
    restore_best_weights : bool
        When training ends, put back the weights (and optimizer state) of the best epoch.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = True) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an integer >= 0, got {patience!r}")
        if not (isinstance(min_delta, (int, float)) and min_delta >= 0):
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.higher_is_better = mode == "max" or (mode == "auto" and "acc" in monitor)
        self.restore_best_weights = restore_best_weights
        self._net: Optional["Network"] = None
        self.best: float = -math.inf if self.higher_is_better else math.inf
        self.best_epoch = 0
        self.stopped_epoch = 0
        self._wait = 0
        self._best_state: Optional[bytes] = None

    def set_network(self, net: "Network") -> None:
        self._net = net
        self.best = -math.inf if self.higher_is_better else math.inf
        self.best_epoch = self.stopped_epoch = self._wait = 0
        self._best_state = None

    def __call__(self, logs: Dict[str, Any]) -> bool:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which the logs do not have "
                             f"(available: {', '.join(sorted(k for k in logs if k != 'epoch_end'))}); "
                             "val_* metrics need validation_data or validation_split")
        value = float(logs[self.monitor])
        better = (value > self.best + self.min_delta) if self.higher_is_better else (value < self.best - self.min_delta)
        if better:
            self.best, self.best_epoch, self._wait = value, int(logs["epoch"]), 0
            if self.restore_best_weights and self._net is not None:
                self._best_state = self._net.to_bytes()
            return True
        self._wait += 1
        if self._wait > self.patience:
            self.stopped_epoch = int(logs["epoch"])
            return False
        return True

    def on_train_end(self) -> None:
        if self.restore_best_weights and self._net is not None and self._best_state is not None:
            self._net._restore(self._best_state)
