"""Argument checking and array preparation, in one place.

Every array that crosses into the compiled core goes through here: it is checked (dimensions, feature count,
dtype, finiteness) with an error that names the argument, and converted at most once. A C-contiguous array of
the network's dtype is passed through without a copy. Nothing the user passed is modified.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Optional, Tuple

import numpy as np

__all__ = ["as_features", "as_targets", "check_positive", "check_int", "check_range", "check_real"]


def _is_real_numeric(dtype: np.dtype) -> bool:
    return bool(np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating))


def _all_finite(a: np.ndarray) -> bool:
    # min/max propagate NaN and expose ±inf without allocating a boolean array the size of the data
    if a.size == 0 or not np.issubdtype(a.dtype, np.floating):
        return True
    return bool(np.isfinite(a.min()) and np.isfinite(a.max()))


def as_features(X: Any, n_features: int, dtype: np.dtype, name: str = "X") -> np.ndarray:
    """Return X as a C-contiguous (n, n_features) array of `dtype`, or raise naming the problem."""
    if isinstance(X, np.ndarray):
        arr = X
    else:
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be a 2-D numeric array; could not convert it: {exc}") from None
    if not _is_real_numeric(arr.dtype):
        raise TypeError(f"{name} must hold real numbers (int or float dtype), got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (samples, features), got {arr.ndim} dimension(s) with shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if arr.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} features (columns), got {arr.shape[1]}")
    return _convert_finite(arr, dtype, name)


def _convert_finite(arr: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    """Convert once (no copy if already right), then check finiteness on what the core will see, so that
    float64 values beyond float32's range are caught rather than silently becoming inf."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.ascontiguousarray(arr, dtype=dtype)
    if not _all_finite(out):
        # judge by the converted values (a masked array's min/max skip the masked entries, whose NaNs the
        # conversion kept) and by the plain data: a NaN never comes from overflow, an inf in finite data does
        if np.isnan(out.min()) or not _all_finite(np.asarray(arr)):
            raise ValueError(f"{name} contains NaN or infinite values")
        raise ValueError(f"{name} contains values outside the range of {np.dtype(dtype).name}")
    return out


def as_targets(
    y: Any, n_samples: int, n_outputs: int, dtype: np.dtype, name: str = "y"
) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """Return (labels, targets): int32 class labels (n,) or a (n, n_outputs) float target array.

    A 1-D integer y is class labels in [0, n_outputs); for a single-output network a 1-D y is the target column.
    A 2-D y is one target row per sample (one-hot or regression values).
    """
    arr = y if isinstance(y, np.ndarray) else np.asarray(y)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int32)
    if not _is_real_numeric(arr.dtype):
        raise TypeError(f"{name} must hold numbers (class labels or targets), got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D class labels or 2-D targets, got {arr.ndim} dimensions")
    if arr.shape[0] != n_samples:
        raise ValueError(f"X and {name} have different lengths: {n_samples} samples in X, {arr.shape[0]} in {name}")
    if not _all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinite values")
    if arr.ndim == 1 and n_outputs == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim == 2:
        if arr.shape[1] != n_outputs:
            raise ValueError(f"{name} must have {n_outputs} columns (one per network output), got {arr.shape[1]}")
        return None, _convert_finite(arr, dtype, name)
    if np.issubdtype(arr.dtype, np.floating):
        if not np.array_equal(arr, np.round(arr)):
            raise TypeError(f"{name} is 1-D, so it must hold integer class labels; got non-integral values")
    lo, hi = (int(arr.min()), int(arr.max())) if arr.size else (0, 0)
    if lo < 0 or hi >= n_outputs:
        bad = lo if lo < 0 else hi
        raise ValueError(f"class label {bad} in {name} is out of range: labels must be in [0, {n_outputs - 1}]")
    return np.ascontiguousarray(arr, dtype=np.int32), None


INT32_MAX = 2**31 - 1


def check_int(value: Any, name: str, minimum: int, maximum: int = INT32_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    v = int(value)
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if v > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return v


def check_positive(value: Any, name: str) -> float:
    v = _as_float(value, name)
    if not v > 0 or not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return v


def check_range(value: Any, name: str, lo: float, hi: float, hi_inclusive: bool = False) -> float:
    v = _as_float(value, name)
    ok = lo <= v <= hi if hi_inclusive else lo <= v < hi
    if not ok or not np.isfinite(v):
        bracket = "]" if hi_inclusive else ")"
        raise ValueError(f"{name} must be in [{lo}, {hi}{bracket}, got {value}")
    return v


def check_real(value: Any, name: str, lo: float = -math.inf, hi: float = math.inf, *, lo_open: bool = False,
               hi_open: bool = False) -> float:
    """A finite real number within [lo, hi] (each end open on request), as float: the checker of hyper-parameters
    (optimizers, cascade options, layer specs) and of the command line's numbers. TypeError for a non-number
    (bools included), ValueError naming the accepted range otherwise."""
    v = _as_float(value, name)
    if not math.isfinite(v) or v < lo or (lo_open and v == lo) or v > hi or (hi_open and v == hi):
        if hi < math.inf:
            left, right = "(" if lo_open else "[", ")" if hi_open else "]"
            raise ValueError(f"{name} must be in {left}{lo:g}, {hi:g}{right}, got {value!r}")
        bound = f" {'>' if lo_open else '>='} {lo:g}" if lo > -math.inf else ""
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return v


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)
