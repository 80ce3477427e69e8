"""fit's plan: its arguments checked and converted once (shared by Network.fit and fastnet.distributed.fit), and
the batch-size rule (shared by Network.fit, the command line and, when it adopts it, fastnet.distributed).

This module knows nothing of Network: it takes any object with Network's ``_xy`` (the array conversion that
applies the network's scaling), so network.py and distributed.py both import it and it imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, List, Optional, Protocol, Tuple

import numpy as np

from ._arrays import check_int, check_positive, check_range
from .history import Callback
from .layers import SET
from .optimizers import SGD, Optimizer

__all__ = ["FitPlan", "fit_plan", "resolve_batch_size", "training_controls", "DEFAULT_BATCH_SIZE"]

#: the mini-batch size of Network.fit when none is given
DEFAULT_BATCH_SIZE = 32


class _Trainable(Protocol):
    """What fit_plan needs of a network: its validated, scaled arrays."""

    def _xy(self, X: Any, y: Any, xname: str = ...,
            yname: str = ...) -> Tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]: ...


@dataclass
class FitPlan:
    """fit's checked arguments: the training and validation arrays (in the network's dtype and scaled units),
    the optimizer (SGD from lr/momentum/... when none was given) and the other settings. ``batch_size`` is
    checked but not resolved (None: the default): a full-batch optimizer's depends on the whole training set,
    which for a distributed fit is the sum over ranks (see :func:`resolve_batch_size`)."""

    X: np.ndarray
    labels: Optional[np.ndarray]
    targets: Optional[np.ndarray]
    Xv: Optional[np.ndarray]
    lv: Optional[np.ndarray]
    tv: Optional[np.ndarray]
    epochs: int
    batch_size: Optional[int]
    optimizer: Optimizer
    verbose: int
    l1: float
    max_norm: float
    callbacks: List[Callback]
    zeta: float
    shuffle: bool
    track_gradients: bool
    split: float

    # Transitional shim: fastnet.distributed's training loop (being rewritten in parallel) reads the plan as the
    # dict _fit_arguments used to return, p["X"], p["optimizer"], ...; the keys are the attribute names. Remove
    # once distributed.py uses attributes.
    def __getitem__(self, key: str) -> Any:
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)


_FIELDS = frozenset(f.name for f in fields(FitPlan))


def fit_plan(net: _Trainable, X: Any, y: Any, epochs: Any, batch_size: Any, lr: Any, momentum: Any, nesterov: Any,
             weight_decay: Any, shuffle: Any, validation_data: Any, verbose: Any, callbacks: Any, rewire: Any,
             validation_split: Any, l1: Any, max_norm: Any, track_gradients: Any, optimizer: Any,
             samples_of: str = "") -> FitPlan:
    """fit's argument checks and conversions (shared by Network.fit and fastnet.distributed.fit)."""
    Xa, labels, targets = net._xy(X, y)
    epochs = check_int(epochs, "epochs", 0)
    sgd_args = [k for k, v in (("lr", lr), ("momentum", momentum), ("nesterov", nesterov),
                               ("weight_decay", weight_decay)) if v is not None]
    if optimizer is None:
        optimizer = SGD(lr=check_positive(0.01 if lr is None else lr, "lr"),
                        momentum=check_range(0.0 if momentum is None else momentum, "momentum", 0.0, 1.0),
                        nesterov=bool(nesterov),
                        weight_decay=check_range(0.0 if weight_decay is None else weight_decay,
                                                 "weight_decay", 0.0, float("inf")))
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a fastnet optimizer (fn.SGD, fn.Adam, fn.RPROP, fn.Quickprop, "
                        f"fn.SARPROP), got {type(optimizer).__name__}")
    elif sgd_args:
        raise ValueError(f"give {', '.join(sgd_args)} to the optimizer ({type(optimizer).__name__}(...)), "
                         "not to fit")
    verbose = check_int(verbose, "verbose", 0)
    l1 = check_range(l1, "l1", 0.0, float("inf"))
    mn = 0.0 if max_norm is None else check_positive(max_norm, "max_norm")
    split = check_range(validation_split, "validation_split", 0.0, 1.0)
    Xv = lv = tv = None
    if split > 0.0:
        if validation_data is not None:
            raise ValueError("give validation_data or validation_split, not both")
        n_val = int(round(split * Xa.shape[0]))
        if n_val < 1 or n_val >= Xa.shape[0]:
            raise ValueError(f"validation_split={validation_split} leaves {n_val} of {samples_of}{Xa.shape[0]} "
                             "samples for validation; it must leave at least one sample on each side")
        cut = Xa.shape[0] - n_val  # row slices of C-contiguous arrays: views, no copies
        Xv, Xa = Xa[cut:], Xa[:cut]
        if labels is not None:
            lv, labels = labels[cut:], labels[:cut]
        if targets is not None:
            tv, targets = targets[cut:], targets[:cut]
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a tuple (X_val, y_val)")
        Xv, lv, tv = net._xy(validation_data[0], validation_data[1], "validation X", "validation y")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", 1)
    if optimizer.full_batch and l1 > 0:
        raise ValueError(f"l1 is a proximal step scaled by the learning rate; {type(optimizer).__name__} "
                         "has none (use SGD or Adam, or weight_decay-like decay=... of Quickprop)")
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables, got {type(cb).__name__}")
    if rewire is not None and not isinstance(rewire, SET):
        raise TypeError(f"rewire must be a fastnet.SET, got {type(rewire).__name__}")
    return FitPlan(X=Xa, labels=labels, targets=targets, Xv=Xv, lv=lv, tv=tv, epochs=epochs, batch_size=batch_size,
                   optimizer=optimizer, verbose=verbose, l1=l1, max_norm=mn, callbacks=callbacks,
                   zeta=float(rewire.zeta) if rewire is not None else 0.0, shuffle=bool(shuffle),
                   track_gradients=bool(track_gradients), split=split)


def training_controls(optimizer: Optimizer, clip_norm: Any, clip_value: Any,
                      input_dropout: Any) -> Tuple[float, float, float]:
    """fit's gradient clipping and input dropout, checked: (clip_norm, clip_value, input_dropout) for the core,
    0 meaning off. A clip bound is None (off) or a finite number > 0; clipping is for the mini-batch optimizers
    (SGD, Adam, AdamW): the full-batch ones bound their own steps, so it is a ValueError there rather than
    silently ignored."""
    cn = 0.0 if clip_norm is None else check_positive(clip_norm, "clip_norm")
    cv = 0.0 if clip_value is None else check_positive(clip_value, "clip_value")
    if (cn or cv) and optimizer.full_batch:
        raise ValueError(f"clip_norm/clip_value clip a mini-batch gradient before an SGD, Adam or AdamW step; "
                         f"{type(optimizer).__name__} adapts each weight's step from the full-batch gradient and "
                         "bounds it itself (RPROP, SARPROP: delta_max; Quickprop: mu), so gradient clipping does not "
                         "apply")
    return cn, cv, check_range(input_dropout, "input_dropout", 0.0, 1.0)


def resolve_batch_size(optimizer: Optimizer, batch_size: Optional[int], n_samples: int,
                       default: int = DEFAULT_BATCH_SIZE, samples_of: str = "") -> int:
    """The batch size a fit trains with: a full-batch optimizer (RPROP, Quickprop, SARPROP) takes all
    ``n_samples`` (a smaller batch_size is a ValueError: FANN's algorithms adapt each step from the gradient over
    the whole set); the others ``batch_size``, or ``default`` when it is None. ``samples_of`` qualifies the
    count in the message (a distributed fit: "samples over all ranks")."""
    if optimizer.full_batch:
        if batch_size is not None and batch_size < n_samples:
            raise ValueError(f"{type(optimizer).__name__} is a full-batch algorithm (as in FANN): it adapts "
                             "each weight's step from the gradient over the whole training set, so a "
                             f"mini-batch (batch_size={batch_size} < {n_samples} {samples_of or 'samples'}) makes "
                             "no sense; leave batch_size unset")
        return n_samples
    return default if batch_size is None else batch_size
