"""``fastnet eval`` (loss, accuracy and a confusion matrix of a saved model on DATA) and ``fastnet predict``
(its outputs or classes, as CSV on stdout or in a .csv/.npy file)."""

from __future__ import annotations

import argparse
import io
import os
import sys

import numpy as np

from .. import metrics
from .._format import write_atomic
from ..layers import class_threshold
from ._data import read_data
from ._errors import EXIT_OK, EXIT_USAGE, CLIError, _reason
from ._models import Model, _check_fits_model, _check_output, _describe_net, _is_cascade, _set_threads, load_model

MAX_CONFUSION_CLASSES = 30


def _true_classes(net: Model, y: np.ndarray) -> np.ndarray:
    if y.ndim == 1:
        return y.astype(np.int64)
    if y.shape[1] >= 2:
        classes: np.ndarray = np.argmax(y, axis=1)
        return classes
    thr: float
    if _is_cascade(net):
        thr = float(net._threshold())
    else:
        thr = class_threshold(net.specs[-1].activation)
    return (y[:, 0] > thr).astype(np.int64)


def confusion_matrix(true: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """counts[i, j]: samples of true class i predicted as class j (fastnet.metrics.confusion_matrix of the
    labels, the predictions given as one-hot outputs)."""
    return metrics.confusion_matrix(true, np.eye(n_classes)[pred], n_classes)


def format_confusion(counts: np.ndarray) -> str:
    """A small text table: one row per true class, one column per predicted class, then the recall."""
    k = counts.shape[0]
    width = max(len(str(int(counts.max()))) if counts.size else 1, len(str(k - 1)), 3)
    corner = "true\\pred"
    label_w = max(len(corner), len(str(k - 1)))
    head = f"{corner:>{label_w}} " + " ".join(f"{j:>{width}}" for j in range(k)) + "  recall"
    lines = [head]
    for i in range(k):
        total = int(counts[i].sum())
        recall = f"{counts[i, i] / total:.3f}" if total else "-"
        lines.append(f"{i:>{label_w}} " + " ".join(f"{int(c):>{width}}" for c in counts[i]) + f"  {recall:>6}")
    return "\n".join(lines)


def cmd_eval(args: argparse.Namespace) -> int:
    """Loss and accuracy of MODEL on DATA, and a confusion matrix for classification."""
    _set_threads(args.threads)
    net = load_model(args.model)
    data = read_data(args.data, "test").limited(args.limit)
    _check_fits_model(net, data, args.model)
    try:
        metrics = net.evaluate(data.X, data.y)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"evaluation failed: {exc}") from None
    print(f"model: {args.model} ({_describe_net(net)})")
    print(f"data:  {data.describe()}")
    if _is_cascade(net):
        print(f"mse (FANN's): {metrics['mse']:.6f}, bit fail {metrics['bit_fail']}")
    else:
        print(f"loss ({net.loss}): {metrics['loss']:.6f}")
    if "accuracy" in metrics:
        assert data.y is not None
        true = _true_classes(net, data.y)
        pred = net.predict_classes(data.X).astype(np.int64)
        k = max(net.num_outputs, 2, int(true.max()) + 1, int(pred.max()) + 1)
        counts = confusion_matrix(true, pred, k)
        correct = int(np.trace(counts))
        print(f"accuracy: {metrics['accuracy']:.4f} ({correct}/{data.n})")
        if k <= MAX_CONFUSION_CLASSES:
            print("confusion matrix (rows: true class, columns: predicted class):")
            print(format_confusion(counts))
        else:
            print(f"(confusion matrix omitted: {k} classes)")
    return EXIT_OK


# ================================================================================================ predict
def cmd_predict(args: argparse.Namespace) -> int:
    """Outputs (or classes) of MODEL for DATA, as CSV on stdout or in a .csv/.npy file."""
    out = args.output
    if out is not None and out != "-":
        ext = os.path.splitext(out)[1].lower()
        if ext not in (".csv", ".npy"):
            raise CLIError(f"--output {out}: the file name must end in .csv or .npy", EXIT_USAGE)
        _check_output(out, "predictions", inputs=[args.model, args.data])
    _set_threads(args.threads)
    net = load_model(args.model)
    data = read_data(args.data, "test", need_targets=False, allow_npy=True).limited(args.limit)
    if data.n_inputs != net.num_inputs:
        raise CLIError(f"{data.source} has {data.n_inputs} inputs per sample but the model {args.model} "
                       f"expects {net.num_inputs}")
    try:
        result = net.predict_classes(data.X) if args.classes else net.predict(data.X)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"prediction failed: {exc}") from None
    fmt = "%d" if args.classes else ("%.9g" if result.dtype == np.float32 else "%.17g")
    try:
        if out is None or out == "-":
            np.savetxt(sys.stdout, result.reshape(len(result), -1), fmt=fmt, delimiter=",")
            sys.stdout.flush()
        else:  # atomically, like models: an interrupted write leaves the old file, never half a new one
            buf = io.BytesIO()
            if out.lower().endswith(".npy"):
                np.save(buf, result)
            else:
                np.savetxt(buf, result.reshape(len(result), -1), fmt=fmt, delimiter=",")
            write_atomic(out, buf.getvalue())
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise CLIError(f"{out}: cannot write: {_reason(str(out), exc)}") from None
    if out is not None and out != "-":
        print(f"wrote {len(result)} predictions ({'classes' if args.classes else f'{net.num_outputs} outputs'}) "
              f"to {out}", file=sys.stderr)
    return EXIT_OK
