"""Learning-rate and momentum schedules, as fit callbacks: after every epoch they return the values for the next.

    net.fit(X, y, epochs=30, lr=0.1, callbacks=[fn.schedules.CosineDecay(30)])

Epochs count from 1; the ``lr`` given to fit is the rate of the first epoch.

Per-step schedules (``OneCycle``, ``WarmupCosine``) set the rate of every batch instead, PyTorch-style
(``scheduler.step()`` after each optimizer step): they are ``per_step`` callbacks, so fit calls their
``on_batch`` after every batch (callback_every 1) and their ``on_train_begin`` gives the first batch's rate (the
``lr`` given to fit is then not used). Steps count from 0 over the whole fit; past ``total_steps`` the rate stays
at the last step's. A new fit starts the schedule again from step 0.

    net.fit(X, y, epochs=5, batch_size=32, callbacks=[fn.schedules.OneCycle(0.1, total_steps=5 * (len(X) // 32 + 1))])
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional, Tuple

__all__ = ["StepDecay", "ExponentialDecay", "CosineDecay", "ReduceLROnPlateau", "Schedule", "OneCycle",
           "WarmupCosine"]


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


def _positive(value: Any, name: str) -> float:
    v = float(value)
    if not (v > 0 and math.isfinite(v)):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def _momentum(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= float(value) < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _steps(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class _PerStep:
    """A schedule stepped after every batch: ``lr_at(step)`` is the rate of step ``step`` (0-based)."""

    per_step = True

    def __init__(self, total_steps: int) -> None:
        self.total_steps = total_steps
        self.step = 0

    def lr_at(self, step: int) -> float:
        """The learning rate of optimizer step ``step`` (0-based; held at the last step's after total_steps)."""
        raise NotImplementedError

    def _values(self, step: int) -> Dict[str, float]:
        """What step ``step`` runs with: its rate (and momentum, for a schedule that cycles it)."""
        return {"lr": self.lr_at(step)}

    def on_train_begin(self) -> Dict[str, float]:
        """Called by ``fit`` before the first batch: the schedule starts at step 0."""
        self.step = 0
        return self._values(0)

    def on_batch(self, logs: Dict[str, Any]) -> Dict[str, float]:
        """Called by ``fit`` after every batch: the rate of the next one."""
        self.step += 1
        return self._values(min(self.step, self.total_steps - 1))

    def __call__(self, logs: Dict[str, Any]) -> bool:
        return True  # (the epoch's last batch was stepped by on_batch)


class OneCycle(_PerStep):
    """PyTorch's ``OneCycleLR`` (two phases), stepped after every batch: the rate rises from
    ``max_lr/div_factor`` to ``max_lr`` over the first ``pct_start`` of ``total_steps`` then anneals to
    ``max_lr/(div_factor·final_div_factor)``, by a cosine ("cos") or linearly ("linear"). The rates equal
    ``OneCycleLR(...).get_last_lr()`` step for step (to rounding, 1e-12).

    ``cycle_momentum=True`` cycles the momentum inversely, as OneCycleLR does: from ``max_momentum`` down to
    ``base_momentum`` while the rate rises, then back up to ``max_momentum`` (SGD's momentum; Adam's and AdamW's
    beta1, as OneCycleLR sets ``betas[0]``), equal to OneCycleLR's step for step. Unlike PyTorch the default is
    False (momentum left as fit was given it): pass ``cycle_momentum=True`` for OneCycleLR's default behaviour."""

    def __init__(self, max_lr: float, total_steps: int, pct_start: float = 0.3, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, anneal_strategy: str = "cos", cycle_momentum: bool = False,
                 base_momentum: float = 0.85, max_momentum: float = 0.95) -> None:
        super().__init__(_steps(total_steps, "total_steps", 1))
        self.max_lr = _positive(max_lr, "max_lr")
        if not 0 <= float(pct_start) <= 1:
            raise ValueError(f"pct_start must be in [0, 1], got {pct_start!r}")
        self.pct_start = float(pct_start)
        self.div_factor = _positive(div_factor, "div_factor")
        self.final_div_factor = _positive(final_div_factor, "final_div_factor")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.initial_lr = self.max_lr / self.div_factor
        self.min_lr = self.initial_lr / self.final_div_factor
        if not isinstance(cycle_momentum, bool):
            raise TypeError(f"cycle_momentum must be a bool, got {cycle_momentum!r}")
        self.cycle_momentum = cycle_momentum
        self.base_momentum = _momentum(base_momentum, "base_momentum")
        self.max_momentum = _momentum(max_momentum, "max_momentum")

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _phase(self, step: int) -> Tuple[int, float]:
        """(phase 0 or 1, the fraction of it done) at optimizer step ``step``, as OneCycleLR finds them."""
        # (PyTorch's phases: the warm-up ends at step pct_start·total_steps − 1, the annealing at total_steps − 1)
        ends = [float(self.pct_start * self.total_steps) - 1, float(self.total_steps - 1)]
        start_step = 0.0
        for i, end_step in enumerate(ends):
            if step <= end_step or i == len(ends) - 1:
                span = end_step - start_step
                return i, (step - start_step) / span if span != 0 else 1.0
            start_step = end_step
        raise AssertionError("unreachable")  # (the last phase always matches)

    def lr_at(self, step: int) -> float:
        """The learning rate of optimizer step ``step`` (0-based), as OneCycleLR computes it."""
        i, pct = self._phase(step)
        start, end = ((self.initial_lr, self.max_lr), (self.max_lr, self.min_lr))[i]
        return self._anneal(start, end, pct)

    def momentum_at(self, step: int) -> float:
        """The momentum (Adam: beta1) of optimizer step ``step`` (0-based) with ``cycle_momentum``, as OneCycleLR
        computes it: max_momentum → base_momentum while the rate rises, then back."""
        i, pct = self._phase(step)
        start, end = ((self.max_momentum, self.base_momentum), (self.base_momentum, self.max_momentum))[i]
        return self._anneal(start, end, pct)

    def _values(self, step: int) -> Dict[str, float]:
        if not self.cycle_momentum:
            return {"lr": self.lr_at(step)}
        return {"lr": self.lr_at(step), "momentum": self.momentum_at(step)}


class WarmupCosine(_PerStep):
    """A linear warm-up then a cosine decay, stepped after every batch: step s (0-based) runs with
    ``base_lr·(s+1)/warmup_steps`` while s < warmup_steps (never 0), then
    ``min_lr + (base_lr − min_lr)·(1 + cos(π·(s − warmup_steps)/(total_steps − warmup_steps)))/2``."""

    def __init__(self, base_lr: float, warmup_steps: int, total_steps: int, min_lr: float = 0.0) -> None:
        super().__init__(_steps(total_steps, "total_steps", 1))
        self.base_lr = _positive(base_lr, "base_lr")
        self.warmup_steps = _steps(warmup_steps, "warmup_steps", 0)
        if self.warmup_steps >= self.total_steps:
            raise ValueError(f"warmup_steps must be < total_steps, got {warmup_steps} >= {total_steps}")
        if not (0 <= float(min_lr) < self.base_lr):
            raise ValueError(f"min_lr must be in [0, base_lr), got {min_lr!r}")
        self.min_lr = float(min_lr)

    def lr_at(self, step: int) -> float:
        """The learning rate of optimizer step ``step`` (0-based)."""
        if step < self.warmup_steps:
            return self.base_lr * (step + 1) / self.warmup_steps
        t = (step - self.warmup_steps) / (self.total_steps - self.warmup_steps)
        return self.min_lr + (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * t)) / 2
