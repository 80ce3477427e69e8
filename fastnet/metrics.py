"""Metrics on predictions: accuracy, top-k accuracy, MSE, MAE, FANN's bit-fail count and a confusion matrix.

Each takes the targets first and the network's outputs second, as numpy arrays: targets are class labels (n,)
or a 2-D array (n, outputs) (one-hot or regression values); outputs are (n, outputs). ``Network.evaluate(X, y,
metrics=[...])`` computes any of them from one prediction pass.

FANN's MSE and bit fail (``fann_test_data``, ``fann_get_MSE``, ``fann_get_bit_fail``; FANN 2.2's
``fann_update_MSE``) take the error ``e = target - output`` *halved* when the output neuron uses one of FANN's
symmetric functions (FANN_SIGMOID_SYMMETRIC, FANN_ELLIOT_SYMMETRIC, FANN_GAUSSIAN_SYMMETRIC, ...; not
FANN_LINEAR), then average ``e²`` over samples *and* outputs and count the outputs with ``|e| >= bit_fail_limit``.
:func:`mse` and :func:`bit_fail` do the same when told the output activation (``activation="tanh"``, as
``Network.evaluate`` and ``fn.StopAtBitFail`` do), so that they equal FANN's numbers for a network with the same
weights (``fn.save_fann`` it and run ``fann_test_data``). Without ``activation`` nothing is halved.

fastnet's own training loss is another quantity: ``loss="mse"`` is the mean over samples of ½·Σ(y − t)² (summed
over outputs, never halved for symmetric outputs), so for k outputs it is k/2 times the un-halved MSE, and 2k
times FANN's MSE for tanh outputs; ``loss="fann_tanh"`` is FANN's tanh error function's integral, not its MSE.
Compare with FANN through :func:`mse` (``evaluate(metrics=["mse"])``), not through ``loss``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from .layers import SYMMETRIC_ACTIVATIONS

__all__ = ["accuracy", "top_k_accuracy", "mse", "mae", "bit_fail", "confusion_matrix", "METRICS", "compute",
           "FANN_HALVED_ACTIVATIONS", "is_multilabel", "label_accuracy", "exact_match", "f1_micro", "f1_macro"]

#: output activations whose error FANN halves in its MSE and bit fail: fastnet's symmetric activations except
#: linear (FANN_LINEAR is not halved; fann_update_MSE halves the *_SYMMETRIC functions only)
FANN_HALVED_ACTIVATIONS = frozenset(SYMMETRIC_ACTIVATIONS - {"linear"})


def _outputs(P: Any) -> np.ndarray:
    out: np.ndarray = np.asarray(P)
    if out.ndim == 1:
        out = out.reshape(-1, 1)
    if out.ndim != 2 or out.shape[0] == 0:
        raise ValueError(f"outputs must be a non-empty (n, outputs) array, got shape {out.shape}")
    return out


def _targets_2d(targets: Any, P: np.ndarray) -> np.ndarray:
    """Targets as an (n, outputs) float array (labels one-hot, or 0/1 for a single output)."""
    y: np.ndarray = np.asarray(targets)
    if y.ndim == 1 and P.shape[1] > 1:
        if not np.issubdtype(y.dtype, np.integer) or y.min(initial=0) < 0 or y.max(initial=0) >= P.shape[1]:
            raise ValueError(f"labels must be integers in [0, {P.shape[1]})")
        T: np.ndarray = np.zeros(P.shape, np.float64)
        T[np.arange(len(y)), y] = 1.0
        return T
    T = y.reshape(len(y), -1).astype(np.float64)
    if T.shape != P.shape:
        raise ValueError(f"targets of shape {np.asarray(y).shape} do not match outputs of shape {P.shape}")
    return T


def _labels(targets: Any, P: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class index per sample from labels or 2-D targets (argmax; > threshold for a single output)."""
    y: np.ndarray = np.asarray(targets)
    if len(y) != len(P):
        raise ValueError(f"{len(y)} targets for {len(P)} outputs")
    out: np.ndarray
    if y.ndim == 1:
        out = y.astype(np.int64)
    elif y.shape[1] == 1:
        out = (y[:, 0] > threshold).astype(np.int64)
    else:
        out = np.argmax(y, axis=1)
    return out


def _predicted(P: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    return (P[:, 0] > threshold).astype(np.int64) if P.shape[1] == 1 else np.argmax(P, axis=1)


def accuracy(y: Any, P: Any, threshold: float = 0.5) -> float:
    """Fraction of samples whose predicted class (argmax; output > threshold for one output) is the target's."""
    P = _outputs(P)
    return float(np.mean(_predicted(P, threshold) == _labels(y, P, threshold)))


def top_k_accuracy(y: Any, P: Any, k: int = 5) -> float:
    """Fraction of samples whose target class is among the k largest outputs (ties broken by index)."""
    P = _outputs(P)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if P.shape[1] < 2:
        raise ValueError("top-k accuracy needs at least 2 outputs (classes)")
    k = min(int(k), P.shape[1])
    top = np.argsort(-P, axis=1, kind="stable")[:, :k]
    return float(np.mean((top == _labels(y, P)[:, None]).any(axis=1)))


def _fann_errors(y: Any, P: np.ndarray, activation: Optional[str], dtype: Any = np.float64) -> np.ndarray:
    """FANN's per-output errors as fann_update_MSE has them: target − output, halved for the output activations
    in FANN_HALVED_ACTIVATIONS (float32 is FANN's own arithmetic)."""
    if activation is not None and not isinstance(activation, str):
        raise TypeError(f"activation must be an activation name or None, got {type(activation).__name__}")
    e: np.ndarray = _targets_2d(y, P).astype(dtype) - P.astype(dtype)
    if activation in FANN_HALVED_ACTIVATIONS:
        e = e / e.dtype.type(2.0)
    return e


def mse(y: Any, P: Any, activation: Optional[str] = None) -> float:
    """FANN's MSE: the mean over samples and outputs of e², e = target − output, with e halved when
    ``activation`` (the output layer's) is one FANN halves (FANN_HALVED_ACTIVATIONS: tanh and the other
    symmetric functions, not linear). With the output activation given this equals FANN 2.2's
    ``fann_test_data`` for the same weights; without it, the plain mean squared error."""
    P = _outputs(P)
    e = _fann_errors(y, P, activation)
    return float(np.mean(e * e))


def mae(y: Any, P: Any) -> float:
    """Mean over samples and outputs of |output − target|."""
    P = _outputs(P)
    return float(np.mean(np.abs(P - _targets_2d(y, P))))


def bit_fail(y: Any, P: Any, limit: float = 0.35, activation: Optional[str] = None) -> int:
    """FANN's bit-fail count: outputs whose error |target − output| -- halved, as in :func:`mse`, when
    ``activation`` is one FANN halves -- is at least ``limit`` (FANN's ``bit_fail_limit``, default 0.35),
    compared in float32 as FANN 2.2's ``fann_update_MSE`` does (``>=``: an error of exactly the limit fails)."""
    P = _outputs(P)
    e = _fann_errors(y, P, activation, np.float32)
    return int(np.count_nonzero(np.abs(e) >= np.float32(limit)))


def confusion_matrix(y: Any, P: Any, n_classes: int = 0, threshold: float = 0.5) -> np.ndarray:
    """counts[i, j]: samples of target class i predicted as class j (int64, at least n_classes square)."""
    P = _outputs(P)
    true, pred = _labels(y, P, threshold), _predicted(P, threshold)
    k = max(int(n_classes), P.shape[1] if P.shape[1] > 1 else 2, int(true.max(initial=0)) + 1)
    counts = np.zeros((k, k), np.int64)
    np.add.at(counts, (true, pred), 1)
    return counts


def is_multilabel(y: Any) -> bool:
    """Whether targets y look multi-label: a 2-D array with at least 2 columns, every value 0 or 1, and some row
    not one-hot (no 1, or several). One-hot rows throughout read as classes (argmax), as before."""
    if y is None:
        return False
    T = np.asarray(y)
    if T.ndim != 2 or T.shape[1] < 2 or T.shape[0] == 0:
        return False
    if not np.all((T == 0) | (T == 1)):
        return False
    return bool(np.any(T.sum(axis=1) != 1))


def _indicators(y: Any, P: Any, threshold: float, multilabel: Optional[bool]) -> Any:
    """(true, predicted) as boolean (n, columns) indicator arrays: the labels themselves (multi-label: target > 0.5,
    output > threshold), else one column per class of the argmax (or thresholded) prediction."""
    P = _outputs(P)
    if multilabel is None:
        multilabel = is_multilabel(y)
    if multilabel:
        T = _targets_2d(y, P)
        if not np.all((T == 0) | (T == 1)):
            raise ValueError("multi-label metrics need targets of 0s and 1s")
        return T > 0.5, P > threshold
    true, pred = _labels(y, P, threshold), _predicted(P, threshold)
    k = max(P.shape[1], 2, int(true.max(initial=0)) + 1)
    eye = np.eye(k, dtype=bool)
    return eye[true], eye[pred]


def label_accuracy(y: Any, P: Any, threshold: float = 0.5) -> float:
    """Per-label accuracy of multi-label outputs: the fraction of all (sample, output) pairs whose output is on
    the target's side of ``threshold`` (targets 0/1; Keras's binary_accuracy)."""
    T, Q = _indicators(y, P, threshold, True)
    return float(np.mean(T == Q))


def exact_match(y: Any, P: Any, threshold: float = 0.5, multilabel: Optional[bool] = None) -> float:
    """Fraction of samples whose every label is right (scikit-learn's ``accuracy_score`` on multi-label
    indicators; ``multilabel=False``: the argmax class accuracy; None: :func:`is_multilabel` of y decides)."""
    T, Q = _indicators(y, P, threshold, multilabel)
    return float(np.mean(np.all(T == Q, axis=1)))


def _f1_counts(T: np.ndarray, Q: np.ndarray) -> Any:
    tp = np.sum(T & Q, axis=0).astype(np.float64)
    fp = np.sum(~T & Q, axis=0).astype(np.float64)
    fn = np.sum(T & ~Q, axis=0).astype(np.float64)
    return tp, fp, fn


def f1_micro(y: Any, P: Any, threshold: float = 0.5, multilabel: Optional[bool] = None) -> float:
    """F1 of the true and false positives and negatives pooled over every label (scikit-learn's
    ``f1_score(average="micro")``; for classes, ``multilabel=False``, it equals the accuracy). 0 when there is
    no positive at all, as scikit-learn's ``zero_division`` default."""
    tp, fp, fn = (float(v.sum()) for v in _f1_counts(*_indicators(y, P, threshold, multilabel)))
    den = 2 * tp + fp + fn
    return 2 * tp / den if den > 0 else 0.0


def f1_macro(y: Any, P: Any, threshold: float = 0.5, multilabel: Optional[bool] = None) -> float:
    """Unweighted mean of each label's F1 (scikit-learn's ``f1_score(average="macro")``): multi-label, over every
    output (a label never true nor predicted scores 0, scikit-learn's ``zero_division`` default); classes
    (``multilabel=False``), over the classes that occur among the targets or the predictions."""
    if multilabel is None:
        multilabel = is_multilabel(y)
    T, Q = _indicators(y, P, threshold, multilabel)
    tp, fp, fn = _f1_counts(T, Q)
    den = 2 * tp + fp + fn
    f1 = np.where(den > 0, 2 * tp / np.where(den > 0, den, 1.0), 0.0)
    if not multilabel:
        f1 = f1[T.any(axis=0) | Q.any(axis=0)]
    return float(np.mean(f1))


METRICS: Dict[str, Callable[..., Any]] = {
    "accuracy": accuracy, "mse": mse, "mae": mae, "bit_fail": bit_fail, "confusion_matrix": confusion_matrix,
    "exact_match": exact_match, "f1_micro": f1_micro, "f1_macro": f1_macro, "label_accuracy": label_accuracy,
}
_TOP_K = re.compile(r"^top_?(\d+)(_accuracy)?$")


def compute(names: Union[str, Sequence[str]], y: Any, P: Any, threshold: float = 0.5,
            activation: Optional[str] = None, multilabel: bool = False) -> Dict[str, Any]:
    """The named metrics of outputs P against targets y: names from METRICS, or ``"top5"``/``"top_5_accuracy"``
    for top-k accuracy. ``threshold`` decides the class of a single output (accuracy, confusion matrix);
    ``activation`` (the output layer's) makes "mse" and "bit_fail" FANN's (errors halved for symmetric outputs).
    ``multilabel`` (``Network.evaluate`` sets it for multi-label data, see :func:`is_multilabel`): "accuracy" is
    the per-label accuracy, and "exact_match", "f1_micro", "f1_macro" score the labels (each output against
    ``threshold``) rather than argmax classes."""
    if isinstance(names, str):
        names = [names]
    out: Dict[str, Any] = {}
    unknown: List[str] = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"metric names must be strings, got {type(name).__name__}")
        m = _TOP_K.match(name)
        if m:
            out[name] = top_k_accuracy(y, P, int(m.group(1)))
        elif name == "accuracy" and multilabel:
            out[name] = label_accuracy(y, P, threshold=threshold)
        elif name in ("exact_match", "f1_micro", "f1_macro"):
            out[name] = METRICS[name](y, P, threshold=threshold, multilabel=multilabel)
        elif name in ("accuracy", "confusion_matrix", "label_accuracy"):
            out[name] = METRICS[name](y, P, threshold=threshold)
        elif name in ("mse", "bit_fail"):
            out[name] = METRICS[name](y, P, activation=activation)
        elif name in METRICS:
            out[name] = METRICS[name](y, P)
        else:
            unknown.append(name)
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; accepted: {', '.join(METRICS)}, topK (e.g. top5)")
    return out
