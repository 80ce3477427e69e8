"""Learning-rate and momentum schedules, as fit callbacks: after every epoch they return the values for the next.

    net.fit(X, y, epochs=30, lr=0.1, callbacks=[fn.schedules.CosineDecay(30)])

Epochs count from 1; the ``lr`` given to fit is the rate of the first epoch.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional

__all__ = ["StepDecay", "ExponentialDecay", "CosineDecay", "ReduceLROnPlateau", "Schedule"]


class _Base:
    def __init__(self) -> None:
        self.base_lr: Optional[float] = None

    def set_network(self, net: Any) -> None:
        """Called by ``fit`` before training: the base rate is taken afresh from the first epoch's logs."""
        self.base_lr = None  # taken from the first epoch's logs

    def __call__(self, logs: Dict[str, Any]) -> Dict[str, float]:
        if self.base_lr is None:
            self.base_lr = float(logs["lr"])
        return {"lr": self.lr_after(int(logs["epoch"]), logs)}

    def lr_after(self, epoch: int, logs: Dict[str, Any]) -> float:
        """The learning rate for the epoch after ``epoch`` (1-based) completed epochs."""
        raise NotImplementedError


class StepDecay(_Base):
    """lr = base · gamma^(epochs_done // step_size)."""

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        super().__init__()
        if step_size < 1 or not 0 < gamma:
            raise ValueError(f"step_size must be >= 1 and gamma > 0, got {step_size}, {gamma}")
        self.step_size, self.gamma = step_size, gamma

    def lr_after(self, epoch: int, logs: Dict[str, Any]) -> float:
        """The learning rate for the epoch after ``epoch`` (1-based) completed epochs."""
        assert self.base_lr is not None
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialDecay(_Base):
    """lr = base · gamma^epochs_done."""

    def __init__(self, gamma: float) -> None:
        super().__init__()
        if not 0 < gamma:
            raise ValueError(f"gamma must be > 0, got {gamma}")
        self.gamma = gamma

    def lr_after(self, epoch: int, logs: Dict[str, Any]) -> float:
        """The learning rate for the epoch after ``epoch`` (1-based) completed epochs."""
        assert self.base_lr is not None
        return self.base_lr * self.gamma**epoch


class CosineDecay(_Base):
    """lr = min_lr + (base − min_lr)·(1 + cos(π·epochs_done/total_epochs))/2, then min_lr."""

    def __init__(self, total_epochs: int, min_lr: float = 0.0) -> None:
        super().__init__()
        if total_epochs < 1 or min_lr < 0:
            raise ValueError(f"total_epochs must be >= 1 and min_lr >= 0, got {total_epochs}, {min_lr}")
        self.total, self.min_lr = total_epochs, min_lr

    def lr_after(self, epoch: int, logs: Dict[str, Any]) -> float:
        """The learning rate for the epoch after ``epoch`` (1-based) completed epochs."""
        assert self.base_lr is not None
        t = min(epoch, self.total) / self.total
        return max(self.min_lr + (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * t)) / 2, 1e-12)


class ReduceLROnPlateau:
    """Multiply lr by ``factor`` when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 2, min_delta: float = 0.0,
                 min_lr: float = 0.0) -> None:
        if not 0 < factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.min_lr = min_delta, min_lr
        self.higher_is_better = "acc" in monitor
        self.set_network(None)

    def set_network(self, net: Any) -> None:
        """Called by ``fit`` before training: the plateau watch starts afresh."""
        self.best = -math.inf if self.higher_is_better else math.inf
        self.wait = 0

    def __call__(self, logs: Dict[str, Any]) -> Dict[str, float]:
        if self.monitor not in logs:
            raise ValueError(f"ReduceLROnPlateau monitors {self.monitor!r}, which the logs do not have")
        v, lr = float(logs[self.monitor]), float(logs["lr"])
        better = v > self.best + self.min_delta if self.higher_is_better else v < self.best - self.min_delta
        if better:
            self.best, self.wait = v, 0
        else:
            self.wait += 1
            if self.wait > self.patience:
                self.wait = 0
                lr = max(lr * self.factor, self.min_lr, 1e-12)
        return {"lr": lr}


class Schedule:
    """Any schedule: ``lr(epochs_done) -> lr`` and/or ``momentum(epochs_done) -> momentum`` for the next epoch."""

    def __init__(self, lr: Optional[Callable[[int], float]] = None,
                 momentum: Optional[Callable[[int], float]] = None) -> None:
        self.lr, self.momentum = lr, momentum

    def __call__(self, logs: Dict[str, Any]) -> Dict[str, float]:
        e = int(logs["epoch"])
        out: Dict[str, float] = {}
        if self.lr is not None:
            out["lr"] = float(self.lr(e))
        if self.momentum is not None:
            out["momentum"] = float(self.momentum(e))
        return out
