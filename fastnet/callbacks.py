"""Callbacks for ``Network.fit``: called with the epoch's logs after every epoch; returning False stops.

A callback may also define ``set_network(net)`` (called when fit starts) and ``on_train_end()`` (called when fit
returns, also after an early stop).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Dict, Optional

import numpy as np

from .metrics import bit_fail

if TYPE_CHECKING:
    from .network import Network

__all__ = ["EarlyStopping", "StopAtError", "StopAtBitFail", "StopAfter"]


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
        self._net: Optional[Network] = None
        self.best: float = -math.inf if self.higher_is_better else math.inf
        self.best_epoch = 0
        self.stopped_epoch = 0
        self._wait = 0
        self._best_state: Optional[bytes] = None

    def set_network(self, net: Network) -> None:
        """Called by ``fit`` before training, with the network being trained."""
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
        """Called by ``fit`` when training ends (puts back the best weights when asked to)."""
        if self.restore_best_weights and self._net is not None and self._best_state is not None:
            self._net._restore(self._best_state)


class StopAtError:
    """FANN's desired error: stop once ``monitor`` (default the epoch's training loss) is at most ``target``."""

    def __init__(self, target: float, monitor: str = "loss") -> None:
        if not (isinstance(target, (int, float)) and target >= 0):
            raise ValueError(f"target must be a number >= 0, got {target!r}")
        self.target, self.monitor = float(target), monitor

    def __call__(self, logs: Dict[str, Any]) -> bool:
        if self.monitor not in logs:
            raise ValueError(f"StopAtError monitors {self.monitor!r}, which the logs do not have")
        return float(logs[self.monitor]) > self.target


class StopAtBitFail:
    """FANN's bit-fail criterion (FANN_STOPFUNC_BIT): stop once at most ``limit`` outputs over (X, Y) fail, an
    output failing when its error |target − output| is at least ``threshold`` (FANN's ``bit_fail_limit``, default
    0.35), the error halved for symmetric output activations (tanh, ...; not linear) as FANN halves it -- the
    count of :func:`fastnet.metrics.bit_fail` with the network's output activation, which equals FANN's
    ``fann_get_bit_fail`` after ``fann_test_data`` for the same weights. Costs one prediction pass over X per
    epoch."""

    def __init__(self, X: Any, Y: Any, limit: int = 0, threshold: float = 0.35) -> None:
        self.X = np.asarray(X)
        self.Y = np.asarray(Y, dtype=np.float64)
        if self.Y.ndim == 1:
            self.Y = self.Y.reshape(-1, 1)
        self.limit, self.threshold = int(limit), float(threshold)
        self.bit_fail: Optional[int] = None
        self._net: Optional[Network] = None

    def set_network(self, net: Network) -> None:
        """Called by ``fit`` before training, with the network being trained."""
        self._net = net

    def __call__(self, logs: Dict[str, Any]) -> bool:
        if self._net is None:
            raise RuntimeError("StopAtBitFail must be passed to fit(callbacks=[...])")
        P = self._net.predict(self.X)
        if P.shape != self.Y.shape:
            raise ValueError(f"StopAtBitFail targets have shape {self.Y.shape}, the network gives {P.shape}")
        self.bit_fail = bit_fail(self.Y, P, self.threshold, activation=_output_activation(self._net))
        return self.bit_fail > self.limit


def _output_activation(net: Any) -> Optional[str]:
    """The output layer's activation of a Network (or a CascadeNetwork's last neuron's), None if unknown."""
    specs = getattr(net, "specs", None)
    if specs:
        return str(specs[-1].activation)
    acts = getattr(net, "activations", None)
    if acts:
        name = str(acts[-1])
        return "tanh" if name == "sigmoid_symmetric" else name  # (the cascade's name for the core's tanh)
    return None


class StopAfter:
    """A time budget of ``seconds`` of training. By default it is checked at every epoch end; with
    ``between_batches=True`` also every ~2% of an epoch (a stop there keeps the weights of the last completed
    batch, and the unfinished epoch is not in the history)."""

    def __init__(self, seconds: float, between_batches: bool = False) -> None:
        if not (isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0):
            raise ValueError(f"seconds must be a number > 0, got {seconds!r}")
        self.seconds = float(seconds)
        self.between_batches = bool(between_batches)
        self._start = 0.0

    def set_network(self, net: Any) -> None:
        """Called by ``fit`` before training, with the network being trained."""
        self._start = time.monotonic()

    def __call__(self, logs: Dict[str, Any]) -> bool:
        return time.monotonic() - self._start < self.seconds

    def on_batch(self, logs: Dict[str, Any]) -> bool:
        """Called between batches (about 50 times an epoch); returning False stops training."""
        return self(logs) if self.between_batches else True
