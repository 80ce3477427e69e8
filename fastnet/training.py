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

__all__ = ["FitPlan", "fit_plan", "resolve_batch_size", "training_controls", "DEFAULT_BATCH_SIZE", "sample_weights",
           "class_of_rows"]

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
    #: the training samples' weights (float64, >= 0; sample_weight times class_weight), None when neither given
    sample_weight: Optional[np.ndarray] = None

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
             samples_of: str = "", sample_weight: Any = None, class_weight: Any = None,
             n_outputs: int = 0, shard: bool = False) -> FitPlan:
    """fit's argument checks and conversions (shared by Network.fit and fastnet.distributed.fit). ``shard``: X is
    one rank's part of the data (its weights may all be zero; the sum is checked over the ranks)."""
    Xa, labels, targets = net._xy(X, y)
    sw = _check_weights(sample_weight, Xa.shape[0], "sample_weight", allow_zero_sum=True)
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
        if sw is not None:
            sw = sw[:cut]  # (validation metrics are unweighted)
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
    if sample_weight is not None or class_weight is not None:
        if shard and isinstance(class_weight, str):
            raise ValueError("class_weight='balanced' needs the class counts of the whole data set, which one rank "
                             "does not have: pass a dict (e.g. from sklearn.utils.class_weight.compute_class_weight "
                             "on all the labels)")
        k = n_outputs or int(getattr(net, "num_outputs", 0)) or _n_outputs(labels, targets)
        sw = sample_weights(labels, targets, k, sw, class_weight,
                            allow_zero_sum=shard)
    return FitPlan(X=Xa, labels=labels, targets=targets, Xv=Xv, lv=lv, tv=tv, epochs=epochs, batch_size=batch_size,
                   optimizer=optimizer, verbose=verbose, l1=l1, max_norm=mn, callbacks=callbacks,
                   zeta=float(rewire.zeta) if rewire is not None else 0.0, shuffle=bool(shuffle),
                   track_gradients=bool(track_gradients), split=split, sample_weight=sw)


def _n_outputs(labels: Optional[np.ndarray], targets: Optional[np.ndarray]) -> int:
    if targets is not None:
        return int(targets.shape[1])
    assert labels is not None
    return int(labels.max(initial=0)) + 1


def _check_weights(sample_weight: Any, n: int, name: str, allow_zero_sum: bool = False) -> Optional[np.ndarray]:
    """sample_weight as float64 (n,): a 1-D array of n finite numbers >= 0, not all zero; None stays None."""
    if sample_weight is None:
        return None
    try:
        w = np.array(sample_weight, dtype=np.float64)  # a copy: the caller's array is never changed
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array of numbers, got {type(sample_weight).__name__}") from None
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array with one weight per sample ({n}), got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} contains NaN or infinite values (at index {int(np.argmin(np.isfinite(w)))})")
    if np.any(w < 0):
        raise ValueError(f"{name} contains negative values (at index {int(np.argmax(w < 0))}); weights must be >= 0")
    if n > 0 and not allow_zero_sum and not np.any(w > 0):
        raise ValueError(f"{name} is all zero: at least one sample must have a positive weight")
    return w


def class_of_rows(labels: Optional[np.ndarray], targets: Optional[np.ndarray], n_outputs: int,
                  what: str = "class_weight") -> Tuple[np.ndarray, int]:
    """Each sample's class index and the number of classes: integer labels as they are; one-hot target rows
    (several outputs) by their 1; a single output's 0/1 targets as classes 0 and 1. Other targets (regression
    values) are a ValueError naming ``what``."""
    if labels is not None:
        return labels.astype(np.int64), max(int(n_outputs), 2)
    assert targets is not None
    T = np.asarray(targets)
    if T.shape[1] == 1:
        if not np.all((T == 0) | (T == 1)):
            raise ValueError(f"{what} needs class labels, but y holds regression targets (a single output whose "
                             "targets are not all 0 or 1)")
        return T[:, 0].astype(np.int64), 2
    if not (np.all((T == 0) | (T == 1)) and np.all(T.sum(axis=1) == 1)):
        raise ValueError(f"{what} needs class labels, but y holds regression targets (rows that are not one-hot); "
                         "give integer labels or one-hot rows")
    return np.argmax(T, axis=1).astype(np.int64), int(T.shape[1])


def sample_weights(labels: Optional[np.ndarray], targets: Optional[np.ndarray], n_outputs: int,
                   sample_weight: Optional[np.ndarray], class_weight: Any,
                   allow_zero_sum: bool = False) -> Optional[np.ndarray]:
    """Each sample's weight: ``sample_weight`` (checked by :func:`_check_weights`) times its class's weight from
    ``class_weight``: a dict {class index: weight >= 0} (classes not in it weigh 1) or ``"balanced"``,
    scikit-learn's ``n_samples / (n_classes · count(class))`` over the classes present, counts weighted by
    sample_weight when given (``sklearn.utils.class_weight.compute_class_weight``). None when both are None."""
    n = labels.shape[0] if labels is not None else (targets.shape[0] if targets is not None else 0)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if class_weight is not None:
        cls, k = class_of_rows(labels, targets, n_outputs)
        if isinstance(class_weight, str):
            if class_weight != "balanced":
                raise ValueError(f"class_weight must be a dict {{class: weight}} or 'balanced', got {class_weight!r}")
            counts = np.bincount(cls, weights=w, minlength=k)
            present = counts > 0
            per_class = np.ones(k)
            per_class[present] = counts.sum() / (np.count_nonzero(present) * counts[present])
        elif isinstance(class_weight, dict):
            per_class = np.ones(k)
            for c, cw in class_weight.items():
                if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)) or not 0 <= c < k:
                    raise ValueError(f"class_weight has an unknown class {c!r}: the classes are 0 to {k - 1}")
                if isinstance(cw, (bool, np.bool_)) or not isinstance(cw, (int, float, np.integer, np.floating)):
                    raise TypeError(f"class_weight[{c}] must be a number, got {type(cw).__name__}")
                if not np.isfinite(cw) or cw < 0:
                    raise ValueError(f"class_weight[{c}] must be a finite number >= 0, got {cw!r}")
                per_class[int(c)] = float(cw)
        else:
            raise TypeError(f"class_weight must be a dict {{class: weight}} or 'balanced', got "
                            f"{type(class_weight).__name__}")
        w = per_class[cls] if w is None else w * per_class[cls]
    if w is not None and n > 0 and not allow_zero_sum and not np.any(w > 0):
        what = "sample_weight is all zero" if class_weight is None else \
            "sample_weight times class_weight is zero for every sample"
        raise ValueError(f"{what}: at least one sample must have a positive weight")
    return w


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
