"""The ``fastnet`` command line (also ``python -m fastnet``): train, evaluate, predict, inspect, convert, benchmark.

Usage summary (every subcommand takes ``--help``)::

    fastnet train DATA [--test DATA] [--layers 784,256,10 | --layers 256 | --hidden 256,128]
                  [--activation relu] [--output auto] [--loss auto] [--epochs 10] [--batch-size 128]
                  [--lr 0.1] [--momentum 0.9] [--seed 0] [--dtype float32] [--threads N] [--algorithm sgd]
                  [--limit N] [--save model.fnet] [--quiet]
    fastnet eval MODEL DATA [--limit N] [--threads N]
    fastnet predict MODEL DATA [--output out.csv|out.npy] [--classes] [--limit N] [--threads N]
    fastnet info MODEL
    fastnet convert IN OUT                    # .fnet <-> FANN .net, chosen by extension
    fastnet bench [--quick] [--threads N] [--only 1,3]
    fastnet --version

DATA is one of

* a FANN training-data file (text: ``num_data num_input num_output`` then the samples), recognized by the
  extensions .data/.train/.test/.dat, or any other file that parses as one;
* an MNIST folder holding the four IDX files (gzipped or not): ``train`` uses the training pair and, unless
  ``--test`` is given, the folder's t10k pair as test set; ``eval`` and ``predict`` use the t10k pair;
* an ``.npz`` file with an array ``X`` (samples x inputs) and, except for ``predict``, ``y`` (or ``Y``);
* (``predict`` only) an ``.npy`` file holding the 2-D input array.

Targets: a 1-D integer ``y`` holds class labels (classes = largest label + 1); a 1-D float ``y`` is a single
regression target. 2-D targets (always the case for FANN data) whose every row is one-hot -- all values 0/1,
or all -1/1, with exactly one 1 per row -- are read as classification: the labels are the argmax of each row
and the number of classes is the number of columns, so accuracy (and for ``eval`` a confusion matrix) is
reported. Any other 2-D targets are regression targets, used as they are.

Layers: ``--layers`` with two or more sizes is the whole network, input and output sizes included; the first
must equal the data's inputs and the last its outputs (for class labels: at least the number of classes, or 1
for 0/1 labels with a sigmoid output). ``--layers`` with a single size, or ``--hidden`` with any number of sizes
(``--hidden none`` for no hidden layer), gives only the hidden layers: input and output sizes come from the
data. Without either, one hidden layer of 64 neurons.

Exit status: 0 on success, 1 for a missing or unreadable file, a file that is not what it should be, or data
that does not fit the model, 2 for bad arguments (including a network that does not fit the data and
algorithms that are not implemented yet, and an output file that is one of the command's inputs), 130 when
interrupted. Errors are one line on stderr, never a traceback (``FASTNET_DEBUG=1`` shows the traceback of an
unexpected one).

Outputs (``--save``, ``predict --output``, ``convert``'s OUT) are written atomically through the file a symlink
points to; read-only files, files with several hard links, folders and special files (devices, FIFOs) are
refused before any work. ``train --save PATH`` writes PATH only when training completes: on Ctrl-C the partly
trained model goes to ``PATH.interrupted.fnet`` (``m.fnet`` -> ``m.interrupted.fnet``, ``m.net`` ->
``m.interrupted.net``) and an existing PATH is left unchanged.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import io
import math
import os
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import __version__, datasets, metrics, optimizers, set_num_threads
from ._arrays import check_real
from ._format import MAGIC, check_replaceable, decode, read_model, write_atomic
from .cascade import CascadeNetwork, cascade_train
from .layers import ACTIVATIONS, class_threshold
from .network import LOSSES, Network
from .network import load as load_fnet
from .training import resolve_batch_size

__all__ = ["main", "build_parser", "Dataset", "read_data", "CLIError"]

PROG = "fastnet"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FANN_DATA_EXTENSIONS = datasets.FANN_DATA_EXTENSIONS
DEFAULT_HIDDEN = 64
ALGORITHMS = ("sgd", "adam", "rprop", "quickprop", "sarprop", "cascade")
NOT_YET: Dict[str, str] = {}
# default learning rate per algorithm (FANN's 0.7 for Quickprop); RPROP and SARPROP have none
DEFAULT_LR = {"sgd": 0.1, "adam": 0.001, "quickprop": 0.7}
MAX_CONFUSION_CLASSES = 30
CLI_BATCH_SIZE = 128  # the command line's default mini-batch (Network.fit's is 32)


# a model the command line handles: a Network, or a CascadeNetwork (shortcut network)
Model = Any


class CLIError(Exception):
    """A user error: printed as one line on stderr, and the command exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


# ================================================================================================ data
@dataclass
class Dataset:
    """Samples read from DATA.

    ``X`` is float32 (n, inputs). ``y`` is int64 class labels (n,), float32 targets (n, outputs), or None when
    the data has no targets. ``n_outputs`` is the number of network outputs the targets call for (the number
    of classes for labels; 0 without targets).
    """

    X: np.ndarray
    y: Optional[np.ndarray]
    n_outputs: int
    source: str

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_inputs(self) -> int:
        return int(self.X.shape[1])

    @property
    def is_classification(self) -> bool:
        return self.y is not None and self.y.ndim == 1 and np.issubdtype(self.y.dtype, np.integer)

    def limited(self, limit: Optional[int]) -> Dataset:
        """The first ``limit`` samples (all of them when limit is None or larger than the data)."""
        if limit is None or limit >= self.n:
            return self
        return Dataset(self.X[:limit], None if self.y is None else self.y[:limit], self.n_outputs,
                       f"{self.source}, first {limit} samples")

    def describe(self) -> str:
        if self.y is None:
            what = "no targets"
        elif self.is_classification:
            what = f"{self.n_outputs} classes"
        else:
            what = f"{self.n_outputs} target{'s' if self.n_outputs != 1 else ''}"
        return f"{self.source}: {self.n} samples, {self.n_inputs} inputs, {what}"


def one_hot_labels(Y: np.ndarray) -> Optional[np.ndarray]:
    """Class labels (argmax) if every row of the 2-D targets is one-hot in 0/1 or in -1/1, else None."""
    if Y.ndim != 2 or Y.shape[1] < 2 or Y.shape[0] == 0:
        return None
    ones = Y == 1
    if not np.all(ones.sum(axis=1) == 1):
        return None
    for low in (0, -1):
        if np.all(ones | (Y == low)):
            labels: np.ndarray = np.argmax(Y, axis=1).astype(np.int64)
            return labels
    return None


def _targets(y: np.ndarray, source: str) -> Tuple[np.ndarray, int]:
    """Interpret a target array: returns (labels or 2-D float targets, number of outputs)."""
    if y.dtype == np.bool_:
        y = y.astype(np.int64)
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise CLIError(f"{source}: targets must be numbers, got dtype {y.dtype}")
    if y.ndim == 1:
        if np.issubdtype(y.dtype, np.integer):
            if y.size and int(y.min()) < 0:
                raise CLIError(f"{source}: class labels must be >= 0, found {int(y.min())}")
            return y.astype(np.int64), max(2, int(y.max()) + 1 if y.size else 2)
        return np.ascontiguousarray(y, dtype=np.float32).reshape(-1, 1), 1
    if y.ndim != 2:
        raise CLIError(f"{source}: targets must be 1-D (labels) or 2-D (one row per sample), "
                       f"got shape {y.shape}")
    labels = one_hot_labels(y)
    if labels is not None:
        return labels, int(y.shape[1])
    return np.ascontiguousarray(y, dtype=np.float32), int(y.shape[1])


def _error_text(path: str, exc: BaseException) -> str:
    """The exception's message, prefixed with the file name unless it already names it."""
    msg = getattr(exc, "strerror", None) if isinstance(exc, OSError) else None
    msg = msg or str(exc) or type(exc).__name__
    return msg if msg.startswith(path) else f"{path}: {msg}"


def _reason(path: str, exc: BaseException) -> str:
    """The exception's message without a leading "PATH: " (for messages that name the path themselves)."""
    text = _error_text(path, exc)
    return text[len(path) + 2:] if text.startswith(path + ": ") else text


def _require_exists(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such {what}")


@functools.lru_cache(maxsize=4)
def _mnist(folder: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return datasets.load_mnist(folder)


def _read_mnist(folder: str, part: str) -> Dataset:
    try:
        Xtr, ytr, Xte, yte = _mnist(folder)
    except FileNotFoundError as exc:
        raise CLIError(f"{folder}: not a data folder: {exc}") from None
    except (OSError, ValueError, EOFError) as exc:
        raise CLIError(_error_text(folder, exc)) from None
    if part == "train":
        return Dataset(Xtr, ytr, 10, f"{folder} (MNIST training set)")
    return Dataset(Xte, yte, 10, f"{folder} (MNIST t10k test set)")


def _npz_reason(path: str, exc: BaseException) -> str:
    if isinstance(exc, ValueError) and "allow_pickle" in str(exc):  # numpy's advice to unpickle: never here
        return "it needs pickle to load (object arrays, or not a numpy file at all); fastnet never unpickles data"
    return _reason(path, exc)


def _read_npz(path: str, need_targets: bool) -> Dataset:
    try:
        # our own file object: np.load leaks the one it opens when the zip is broken (a ResourceWarning)
        with open(path, "rb") as f:
            z = np.load(f, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise CLIError(f"{path}: not a readable .npz file (it holds a single .npy array, not arrays X and y)")
            with z:
                names = list(z.files)
                if "X" not in names:
                    raise CLIError(f"{path}: the .npz file has no array 'X' (it has: {', '.join(names) or 'none'})")
                X = z["X"]
                ykey = "y" if "y" in names else "Y" if "Y" in names else None
                y = z[ykey] if ykey else None
    except CLIError:
        raise
    except MemoryError:
        raise CLIError(f"{path}: not a readable .npz file (an array in it needs more memory than is available: "
                       "too large, or its header is corrupted)") from None
    except Exception as exc:  # noqa: BLE001 -- a hostile file fails in many ways: not a zip (BadZipFile), a bad
        # CRC or deflate stream (BadZipFile, zlib.error), truncated (EOFError), pickled object arrays or a bad
        # .npy header (ValueError)...: all are "not a readable .npz", one line, no traceback
        raise CLIError(f"{path}: not a readable .npz file ({_npz_reason(path, exc)})") from None
    if y is None and need_targets:
        raise CLIError(f"{path}: the .npz file has no targets: it needs an array 'y' (or 'Y') beside 'X'")
    return _make_dataset(X, y, path)


def _make_dataset(X: np.ndarray, y: Optional[np.ndarray], source: str) -> Dataset:
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating) or X.dtype == np.bool_):
        raise CLIError(f"{source}: inputs X must be numbers, got dtype {X.dtype}")
    if X.ndim != 2:
        raise CLIError(f"{source}: inputs X must be 2-D (samples x inputs), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise CLIError(f"{source}: no samples or no inputs (X has shape {X.shape})")
    with np.errstate(over="ignore", invalid="ignore"):
        Xf = np.ascontiguousarray(X, dtype=np.float32)
    if not np.isfinite(Xf).all():
        raise CLIError(f"{source}: the inputs contain NaN or infinite values (or values beyond float32's range)")
    n_out = 0
    if y is not None:
        if y.shape[:1] != X.shape[:1]:
            raise CLIError(f"{source}: X has {X.shape[0]} samples but y has {y.shape[0] if y.ndim else 0}")
        y, n_out = _targets(y, source)
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise CLIError(f"{source}: the targets contain NaN or infinite values")
        if y.ndim == 2 and y.shape[1] == 0:
            y, n_out = None, 0
    return Dataset(Xf, y, n_out, source)


def _read_fann(path: str, strict: bool) -> Dataset:
    try:
        X, Y = datasets.load_fann_data(path)
    except UnicodeDecodeError:
        raise CLIError(f"{path}: not a text file, so not FANN training data; DATA must be a FANN data file, "
                       "an .npz file or an MNIST folder") from None
    except ValueError as exc:
        if strict:
            raise CLIError(_error_text(path, exc)) from None
        raise CLIError(f"{path}: unrecognized data format (expected a FANN data file (.data/.train/.test), "
                       f"an .npz file with arrays X and y, or an MNIST folder); as FANN data: {exc}") from None
    except OSError as exc:
        raise CLIError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return _make_dataset(X, Y, path)


def read_data(path: str, part: str = "train", need_targets: bool = True, allow_npy: bool = False) -> Dataset:
    """Read DATA (FANN file, MNIST folder or .npz; .npy too with ``allow_npy``) or raise CLIError.

    ``part`` picks the pair of an MNIST folder: "train" or "test" (t10k).
    """
    _require_exists(path, "file or folder")
    kind = datasets.data_format(path)
    if kind == "mnist":
        return _read_mnist(path, part)
    if kind == "npz":
        data = _read_npz(path, need_targets)
    elif kind == "npy" and not allow_npy:
        raise CLIError(f"{path}: an .npy file holds inputs only, and this command needs targets: use an .npz file "
                       "with arrays X and y")
    elif kind == "npy":
        try:
            X = np.load(path, allow_pickle=False)
        except MemoryError:  # a header that lies about the shape, or a file too large
            raise CLIError(f"{path}: not a readable .npy file (its array needs more memory than is available: "
                           "too large, or its header is corrupted)") from None
        except Exception as exc:  # noqa: BLE001 -- as for .npz: any failure to parse is one line
            raise CLIError(f"{path}: not a readable .npy file ({_npz_reason(path, exc)})") from None
        data = _make_dataset(X, None, path)
    else:
        data = _read_fann(path, strict=kind == "fann")
    if need_targets and data.y is None:
        raise CLIError(f"{path}: the data has no targets (0 outputs per sample)")
    return data


# ================================================================================================ models
def _fann_module() -> Any:
    """fastnet.fann (FANN .net files), imported lazily; CLIError if this installation lacks it."""
    try:
        fann = importlib.import_module(f"{__package__}.fann")
    except ImportError as exc:
        raise CLIError(f"FANN .net files are not supported by this installation: the module fastnet.fann "
                       f"is not available ({exc})") from None
    for name in ("load_fann", "save_fann"):
        if not hasattr(fann, name):
            raise CLIError(f"FANN .net files are not supported by this installation: fastnet.fann lacks {name}()")
    return fann


def _is_fann_model(path: str) -> bool:
    return os.path.splitext(path)[1].lower() == ".net"


def load_model(path: str) -> Model:
    """Load a .fnet model, or a FANN .net file through fastnet.fann; CLIError naming the file on failure."""
    _require_exists(path, "model file")
    if os.path.isdir(path):
        raise CLIError(f"{path}: is a folder, not a model file")
    try:
        if _is_fann_model(path):
            net: Model = _fann_module().load_fann(path)
            return net
        return load_fnet(path)
    except CLIError:
        raise
    except (OSError, ValueError, EOFError, UnicodeDecodeError) as exc:  # ModelFormatError is a ValueError
        raise CLIError(_error_text(path, exc)) from None


def _input_files(path: str) -> List[str]:
    """The files that reading DATA or MODEL `path` reads: the path itself, or an MNIST folder's IDX files."""
    if os.path.isdir(path):
        return [os.path.join(path, name + ext) for name in datasets._MNIST_FILES for ext in ("", ".gz")]
    return [path]


def _same_file(a: str, b: str) -> bool:
    """Whether writing `a` would write `b`: the same path after resolving symlinks, or the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def _check_output(path: str, what: str, inputs: Sequence[Optional[str]] = ()) -> None:
    """Fail before any work, not after, if `what` could not be written to `path` -- or if writing it would
    overwrite one of the command's inputs (``train X.npz --save X.npz`` must not destroy the data)."""
    for source in inputs:
        if source is None:
            continue
        for f in _input_files(source):
            if _same_file(path, f):
                where = source if f == source else f"{f} (in {source})"
                raise CLIError(f"{path}: refusing to write the {what} there: it is the input file {where}",
                               EXIT_USAGE)
    directory = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"{path}: cannot write the {what} there: folder {directory} does not exist")
    try:
        check_replaceable(path)  # a folder, device, FIFO, read-only or hard-linked file
    except OSError as exc:
        raise CLIError(f"{path}: cannot write the {what} there: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK):
        raise CLIError(f"{path}: cannot write the {what} there: folder {directory} is not writable")


def _check_save_path(path: str, inputs: Sequence[Optional[str]] = ()) -> None:
    """Fail before training, not after, if the model could not be saved there (or would overwrite an input)."""
    _check_output(path, "model", inputs)
    if _is_fann_model(path):
        _fann_module()


def interrupted_path(path: str) -> str:
    """Where ``train --save PATH`` puts a model whose training was interrupted: beside PATH, never PATH itself,
    so that PATH only ever holds a completed training (m.fnet -> m.interrupted.fnet, m.net -> m.interrupted.net)."""
    root, ext = os.path.splitext(path)
    if ext.lower() in (".fnet", ".net"):
        return f"{root}.interrupted{ext}"
    return f"{path}.interrupted.fnet"


def save_model(net: Model, path: str) -> None:
    """Save as .fnet, or as a FANN .net file when the name ends in .net; CLIError on failure."""
    try:
        if _is_fann_model(path):
            _fann_module().save_fann(net, path)
        else:
            net.save(path)
    except CLIError:
        raise
    except (OSError, ValueError, TypeError, NotImplementedError) as exc:
        msg = _error_text(path, exc)[len(path):].lstrip(": ")
        raise CLIError(f"{path}: cannot save the model: {msg}") from None


def _save_interrupted(net: Model, path: str) -> None:
    """Ctrl-C during ``train --save PATH``: keep whatever PATH holds; the partly trained model goes beside it."""
    checkpoint = interrupted_path(path)
    try:
        save_model(net, checkpoint)
    except CLIError as exc:
        print(f"{PROG} train: error: {exc}; {path} was left unchanged", file=sys.stderr)
        return
    print(f"{PROG} train: saved the partly trained model to {checkpoint}; {path} was left unchanged",
          file=sys.stderr)


def _check_fann_compatible(net: Model, path: str) -> None:
    """Before training: fail now if the network could not be written as the FANN .net file `path`."""
    fann = _fann_module()
    with tempfile.TemporaryDirectory(prefix="fastnet-cli-") as tmp:
        try:
            fann.save_fann(net, os.path.join(tmp, "check.net"))
        except (ValueError, TypeError, NotImplementedError) as exc:
            msg = str(exc).split(": ", 1)[-1] if str(exc).startswith(tmp) else str(exc)
            raise CLIError(f"--save {path}: this network cannot be saved as a FANN .net file: {msg}",
                           EXIT_USAGE) from None


def _is_cascade(net: Any) -> bool:
    return isinstance(net, CascadeNetwork)


def _architecture(net: Any) -> str:
    if _is_cascade(net):
        return f"{net.num_inputs}-[{net.num_hidden} cascade]-{net.num_outputs}"
    return "-".join(map(str, net.sizes))


def _describe_net(net: Model) -> str:
    if _is_cascade(net):  # a shortcut network (Cascade2, or a FANN shortcut .net file)
        hidden = "/".join(dict.fromkeys(net.activations[:net.num_hidden])) or "no hidden neurons"
        return (f"shortcut network {_architecture(net)} ({hidden}; outputs {net.activations[-1]}), "
                f"{net.num_connections:,} connections")
    acts = "/".join(dict.fromkeys(s.activation for s in net.specs)) if len(net.specs) > 1 else net.specs[0].activation
    return (f"{'-'.join(map(str, net.sizes))} {acts}, loss {net.loss}, {net.dtype.name}, "
            f"{net.num_parameters:,} parameters")


def _check_fits_model(net: Model, data: Dataset, model_path: str) -> None:
    if data.n_inputs != net.num_inputs:
        raise CLIError(f"{data.source} has {data.n_inputs} inputs per sample but the model {model_path} "
                       f"expects {net.num_inputs}")
    if data.y is None:
        return
    if data.is_classification:
        top = int(data.y.max())
        if top >= max(net.num_outputs, 2 if net.num_outputs == 1 else 0):
            raise CLIError(f"{data.source} has class label {top} but the model {model_path} has only "
                           f"{net.num_outputs} outputs")
    elif data.y.shape[1] != net.num_outputs:
        raise CLIError(f"{data.source} has {data.y.shape[1]} targets per sample but the model {model_path} "
                       f"has {net.num_outputs} outputs")


def _set_threads(n: Optional[int]) -> None:
    if n is not None:
        set_num_threads(n)


# ================================================================================================ train
def _resolve_sizes(args: argparse.Namespace, train: Dataset) -> List[int]:
    n_in, n_out = train.n_inputs, train.n_outputs
    if args.layers is not None and args.hidden is not None:
        raise CLIError("give either --layers or --hidden, not both", EXIT_USAGE)
    if args.layers is not None and len(args.layers) >= 2:
        sizes = list(args.layers)
        spec = ",".join(map(str, sizes))
        hint = f"; or give only the hidden sizes with --hidden {','.join(map(str, sizes[1:-1])) or 'none'}"
        if sizes[0] != n_in:
            raise CLIError(f"--layers {spec}: the first size must be the data's {n_in} inputs, not {sizes[0]}"
                           f"{hint}", EXIT_USAGE)
        last = sizes[-1]
        if train.is_classification:
            ok = last >= n_out or (last == 1 and n_out == 2)
            if not ok:
                raise CLIError(f"--layers {spec}: the last size must be the data's {n_out} classes, not {last}"
                               f"{hint}", EXIT_USAGE)
        elif last != n_out:
            raise CLIError(f"--layers {spec}: the last size must be the data's {n_out} outputs, not {last}"
                           f"{hint}", EXIT_USAGE)
        return sizes
    if args.layers is not None:
        hidden = list(args.layers)
    elif args.hidden is not None:
        hidden = list(args.hidden)
    else:
        hidden = [DEFAULT_HIDDEN]
    return [n_in] + hidden + [n_out]


def _output_activation(args: argparse.Namespace, train: Dataset, n_out: int) -> str:
    if args.output != "auto":
        return str(args.output)
    if train.is_classification:
        return "softmax" if n_out >= 2 else "sigmoid"
    return "linear"


def _metrics_line(name: str, metrics: Dict[str, float], n: int) -> str:
    parts = [f"{name}: loss {metrics['loss']:.6f}"]
    if "accuracy" in metrics:
        correct = int(round(metrics["accuracy"] * n))
        parts.append(f"accuracy {metrics['accuracy']:.4f} ({correct}/{n})")
    return " - ".join(parts)


def _optimizer(args: argparse.Namespace) -> optimizers.Optimizer:
    """The optimizer --algorithm names, with --lr/--momentum where it has them (an error where it has not)."""
    algo = args.algorithm
    if args.lr is not None and algo not in DEFAULT_LR:
        raise CLIError(f"--lr: {algo} has no learning rate (it adapts a step per weight)", EXIT_USAGE)
    if args.momentum is not None and algo != "sgd":
        raise CLIError(f"--momentum is for --algorithm sgd, not {algo}", EXIT_USAGE)
    full_batch = algo in ("rprop", "quickprop", "sarprop", "cascade")
    if args.batch_size is not None and full_batch:
        raise CLIError(f"--batch-size: {algo} is a full-batch algorithm (as in FANN); it uses the whole training "
                       "set per update", EXIT_USAGE)
    lr = DEFAULT_LR.get(algo, 0.0) if args.lr is None else args.lr
    if algo == "cascade":  # Cascade2 trains its outputs and candidates with FANN's default, RPROP
        return optimizers.RPROP()
    if algo == "sgd":
        return optimizers.SGD(lr=lr, momentum=0.9 if args.momentum is None else args.momentum)
    if algo == "adam":
        return optimizers.Adam(lr=lr)
    if algo == "quickprop":
        return optimizers.Quickprop(lr=lr)
    return optimizers.RPROP() if algo == "rprop" else optimizers.SARPROP()


def _train_cascade(args: argparse.Namespace, train: Dataset, test: Optional[Dataset]) -> int:
    """--algorithm cascade: grow a shortcut network by Cascade2 (fn.cascade_train) instead of training layers."""
    if args.layers is not None or args.hidden is not None:
        raise CLIError("--algorithm cascade grows its own hidden neurons: drop --layers/--hidden "
                       "(use --max-neurons)", EXIT_USAGE)

    def targets(d: Dataset) -> np.ndarray:
        y = d.y
        if y is None:
            raise CLIError(f"{d.source}: holds no targets to train on")
        if y.ndim == 1:  # class labels: one output per class, as FANN's one-hot data
            T: np.ndarray = np.eye(train.n_outputs, dtype=np.float32)[y]
            return T
        return np.asarray(y, dtype=np.float32)

    Y = targets(train)
    val = (test.X, targets(test)) if test is not None else None
    if not args.quiet:
        print(f"data:    {train.describe()}")
        if test is not None:
            print(f"test:    {test.describe()}")
        print(f"training: Cascade2 (RPROP), at most {args.max_neurons} hidden neurons, desired MSE "
              f"{args.desired_error}, seed {args.seed}")
    try:
        net = cascade_train(train.X, Y, max_neurons=args.max_neurons, desired_error=args.desired_error,
                            seed=args.seed, verbose=0 if args.quiet else 1, validation_data=val)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"training failed: {exc}") from None
    if not args.quiet:
        print(f"network: {_describe_net(net)}")
    final = net.evaluate(*val) if val is not None else net.evaluate(train.X, Y)
    print(_metrics_line("test" if test is not None else "train", final, test.n if test is not None else train.n)
          + f" - FANN MSE {final['mse']:.6f}")
    if args.save:
        save_model(net, args.save)
        print(f"saved:   {args.save}")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on DATA and report the final metrics; save it with --save."""
    if args.algorithm in NOT_YET:
        raise CLIError(f"--algorithm {args.algorithm}: {NOT_YET[args.algorithm]} is not implemented yet", EXIT_USAGE)
    optimizer = _optimizer(args)
    if args.save:
        _check_save_path(args.save, inputs=[args.data, args.test])
    _set_threads(args.threads)
    train = read_data(args.data, "train").limited(args.limit)
    test: Optional[Dataset] = None
    if args.test is not None:
        test = read_data(args.test, "test")
    elif os.path.isdir(args.data):
        test = read_data(args.data, "test")
    if test is not None:
        if test.n_inputs != train.n_inputs:
            raise CLIError(f"{test.source} has {test.n_inputs} inputs per sample but the training data "
                           f"{train.source} has {train.n_inputs}")
        if test.is_classification != train.is_classification:
            raise CLIError(f"{test.source} and {train.source} disagree on the task: one holds class labels "
                           "(one-hot targets), the other regression targets")
        if train.is_classification:
            train.n_outputs = max(train.n_outputs, test.n_outputs)
        elif test.n_outputs != train.n_outputs:
            raise CLIError(f"{test.source} has {test.n_outputs} targets per sample but the training data "
                           f"{train.source} has {train.n_outputs}")
    if args.algorithm == "cascade":
        return _train_cascade(args, train, test)
    batch_size = resolve_batch_size(optimizer, args.batch_size, train.n, default=CLI_BATCH_SIZE)
    sizes = _resolve_sizes(args, train)
    output = _output_activation(args, train, sizes[-1])
    try:
        net = Network(sizes, activation=args.activation, output=output,
                      loss=None if args.loss == "auto" else args.loss, seed=args.seed, dtype=args.dtype)
    except (ValueError, TypeError) as exc:
        raise CLIError(str(exc), EXIT_USAGE) from None
    if args.save and _is_fann_model(args.save):
        _check_fann_compatible(net, args.save)
    if not args.quiet:
        print(f"data:    {train.describe()}")
        if test is not None:
            print(f"test:    {test.describe()}")
        print(f"network: {_describe_net(net)}")
        batch = "full batch" if optimizer.full_batch else f"batch size {batch_size}"
        print(f"training: {optimizer}, {args.epochs} epochs, {batch}, seed {args.seed}")
    interrupted = False
    try:
        net.fit(train.X, train.y, epochs=args.epochs, batch_size=batch_size,
                optimizer=optimizer, validation_data=(test.X, test.y) if test is not None else None,
                verbose=0 if args.quiet else 1)
    except KeyboardInterrupt as exc:
        done = getattr(exc, "history", None)  # the core attaches the completed epochs' logs
        epochs: Any = getattr(done, "epochs", None)
        if epochs is None:
            epochs = len(done) if isinstance(done, (list, tuple)) else "some"
        print(f"\n{PROG} train: interrupted after {epochs} complete epoch(s); the network keeps the weights of "
              "the last completed batch", file=sys.stderr)
        interrupted = True
    except (ValueError, TypeError) as exc:
        raise CLIError(f"training failed: {exc}") from None
    try:
        final = net.evaluate(test.X, test.y) if test is not None else net.evaluate(train.X, train.y)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"evaluation failed: {exc}") from None
    print(_metrics_line("test" if test is not None else "train", final, test.n if test is not None else train.n))
    if args.save and interrupted:
        _save_interrupted(net, args.save)
    elif args.save:
        save_model(net, args.save)
        print(f"saved:   {args.save}")
    elif not args.quiet:
        print("(model not saved: use --save PATH to keep it)")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


# ================================================================================================ eval
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


# ================================================================================================ info
def cmd_info(args: argparse.Namespace) -> int:
    """Architecture, parameter count, loss, dtype, file size and the fastnet version that wrote MODEL."""
    path = args.model
    _require_exists(path, "model file")
    if os.path.isdir(path):
        raise CLIError(f"{path}: is a folder, not a model file")
    size = os.path.getsize(path)
    header: Dict[str, Any] = {}
    if _is_fann_model(path):
        net = load_model(path)
        fmt = "FANN .net (text)"
    else:
        try:
            raw = read_model(path)[0]  # at most what its header announces; devices and FIFOs refused
            header, _ = decode(raw, path)
            net = load_fnet(path) if header.get("model") == "cascade" else Network.from_bytes(raw, source=path)
        except (OSError, ValueError) as exc:
            raise CLIError(_error_text(path, exc)) from None
        version = struct.unpack_from("<I", raw, len(MAGIC))[0]
        fmt = f"fastnet .fnet, format version {version}"
    rows: List[Tuple[str, str]] = [
        ("file", f"{path} ({size:,} bytes)"),
        ("format", fmt),
    ]
    if header:
        rows.append(("written by", f"fastnet {header.get('fastnet_version', 'unknown')}"))
    if _is_cascade(net):
        rows += [("architecture", _describe_net(net)), ("dtype", "float32")]
        w = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k + ':':<{w + 1}} {v}")
        print("neurons (activation, steepness, inputs):")
        for i, (a, s, k) in enumerate(zip(net.activations, net.steepness, net.fan_ins)):
            print(f"  {i}: {'hidden' if i < net.num_hidden else 'output':<6} {a:<24} {float(s):<8.4g} {k}")
        return EXIT_OK
    rows += [
        ("architecture", "-".join(map(str, net.sizes))),
        ("parameters", f"{net.num_parameters:,}"),
        ("loss", net.loss),
        ("dtype", net.dtype.name),
        ("seed", str(net.seed)),
    ]
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k + ':':<{w + 1}} {v}")
    print("layers:")
    for i, layer in enumerate(net.layers):
        kind = f"sparse ({layer.density:.1%} dense)" if layer.is_sparse else "dense"
        n_params = layer.nnz + layer.out_features
        print(f"  {i}: {kind:<8} {layer.in_features:>6} -> {layer.out_features:<6} {layer.activation:<10} "
              f"{n_params:,} parameters")
    return EXIT_OK


# ================================================================================================ convert
def cmd_convert(args: argparse.Namespace) -> int:
    """Convert between .fnet and FANN .net, chosen by the file extensions."""
    for p in (args.input, args.output):
        if os.path.splitext(p)[1].lower() not in (".fnet", ".net"):
            raise CLIError(f"{p}: unknown model format: the name must end in .fnet (fastnet) or .net (FANN)",
                           EXIT_USAGE)
    if _is_fann_model(args.input) or _is_fann_model(args.output):
        _fann_module()  # a clear message before anything is read
    net = load_model(args.input)
    _check_save_path(args.output, inputs=[args.input])
    save_model(net, args.output)
    print(f"converted {args.input} -> {args.output} ({_architecture(net)})")
    return EXIT_OK


# ================================================================================================ bench
def bench_script() -> Optional[Path]:
    """bench/compare.py of the source checkout this package runs from, or None (installed wheel)."""
    root = Path(__file__).resolve().parent.parent
    script = root / "bench" / "compare.py"
    return script if script.is_file() and (root / "pyproject.toml").is_file() else None


def _run_script(cmd: List[str], cwd: str) -> int:
    return subprocess.call(cmd, cwd=cwd)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark comparison (bench/compare.py) of a source checkout."""
    script = bench_script()
    if script is None:
        raise CLIError("the benchmarks need a source checkout of fastnet (bench/compare.py beside the package); "
                       "this installation has none", EXIT_USAGE)
    cmd = [sys.executable, str(script)]
    if args.quick:
        cmd.append("--quick")
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    if args.only:
        cmd += ["--only", args.only]
    print(f"running {' '.join(cmd)}", file=sys.stderr)
    return _run_script(cmd, str(script.parent.parent))


# ================================================================================================ parser
def _int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer >= minimum, with the message naming `what` is expected."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {v}")
        return v

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_nonneg_int = _int_at_least(0, "an integer >= 0")


def _real_arg(text: str, expected: str, lo: float, hi: float = math.inf, *, lo_open: bool = False,
              hi_open: bool = False) -> float:
    """An argparse number checked by fastnet._arrays.check_real (the library's range rule), with the message
    naming what is expected."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    try:
        return check_real(v, "value", lo, hi, lo_open=lo_open, hi_open=hi_open)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}, got {text}") from None


def _positive_float(text: str) -> float:
    return _real_arg(text, "expected a finite number > 0", 0.0, lo_open=True)


def _nonneg_float(text: str) -> float:
    return _real_arg(text, "expected a finite number >= 0", 0.0)


def _momentum(text: str) -> float:
    return _real_arg(text, "must be in [0, 1)", 0.0, 1.0, hi_open=True)


def _sizes(text: str, allow_empty: bool = False) -> List[int]:
    t = text.strip()
    if allow_empty and t.lower() in ("", "none", "0"):
        return []
    parts = [p.strip() for p in t.replace("-", ",").split(",")]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes like 784,256,10, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be integers >= 1, got {text!r}")
    return sizes


def _hidden_sizes(text: str) -> List[int]:
    return _sizes(text, allow_empty=True)



class _Formatter(argparse.HelpFormatter):
    """Wraps description and epilog paragraph by paragraph (blank lines kept), and shows an option's default
    where it has a meaningful one."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(super(_Formatter, self)._fill_text(par, width, indent) for par in text.split("\n\n"))

    def _get_help_string(self, action: argparse.Action) -> str:
        help_ = action.help or ""
        if (action.default is not None and action.default is not False and action.default != argparse.SUPPRESS
                and "%(default)" not in help_
                and "default" not in help_ and action.option_strings):
            help_ += " (default: %(default)s)"
        return help_


DATA_HELP = ("a FANN data file (.data/.train/.test), an MNIST folder (the four IDX files) or an .npz file with "
             "arrays X and y")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fastnet`` command, with one subparser per subcommand."""
    p = argparse.ArgumentParser(
        prog=PROG, formatter_class=_Formatter,
        description="fastnet: train, evaluate and inspect neural networks from the command line.",
        epilog="Run 'fastnet COMMAND --help' for a command's options. Exit status: 0 success, 1 bad or missing "
               "file, 2 bad arguments.")
    p.add_argument("--version", action="version", version=f"fastnet {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str, description: str = "",
            epilog: str = "") -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=description or help_, epilog=epilog,
                            formatter_class=_Formatter)
        sp.set_defaults(func=func)
        return sp

    t = add("train", cmd_train, "train a network on a data set",
            "Train a feed-forward network with mini-batch SGD, print progress and the final (test) metrics, and "
            "save the model with --save.",
            "DATA: " + DATA_HELP + ". With an MNIST folder the training pair is used and, without --test, the t10k "
            "pair is the test set.\n\n"
            "Layers: '--layers 784,256,10' (two or more sizes) is the whole network; its first size must be the "
            "data's inputs and its last the data's outputs or classes. '--layers 256' (one size) or "
            "'--hidden 256,128' give only the hidden layers, the input and output sizes coming from the data. "
            f"Default: one hidden layer of {DEFAULT_HIDDEN}.\n\n"
            "Targets: 2-D targets whose every row is one-hot (0/1 or -1/1, a single 1) are class labels "
            "(argmax); accuracy is then reported. --output auto is softmax for classification, linear for "
            "regression; --loss auto is cross_entropy for softmax outputs, mse otherwise.")
    t.add_argument("data", metavar="DATA", help="training data")
    t.add_argument("--test", metavar="DATA", help="test data, evaluated after every epoch and at the end "
                   "(default: an MNIST folder's t10k pair; else the final metrics are on the training data)")
    t.add_argument("--layers", type=_sizes, metavar="SIZES",
                   help="all layer sizes, e.g. 784,256,10; or one size: a single hidden layer")
    t.add_argument("--hidden", type=_hidden_sizes, metavar="SIZES",
                   help=f"hidden layer sizes only, e.g. 256,128 ('none': no hidden layer; default {DEFAULT_HIDDEN})")
    t.add_argument("--activation", default="relu", choices=[a for a in ACTIVATIONS if a != "softmax"],
                   help="hidden-layer activation")
    t.add_argument("--output", default="auto", choices=["auto"] + list(ACTIVATIONS),
                   help="output-layer activation")
    t.add_argument("--loss", default="auto", choices=["auto"] + list(LOSSES), help="loss function")
    t.add_argument("--epochs", type=_nonneg_int, default=10, help="training epochs")
    t.add_argument("--batch-size", type=_positive_int, default=None,
                   help="samples per SGD/Adam step (default 128; 1: online); not for the full-batch algorithms")
    t.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default: sgd 0.1, adam 0.001, quickprop 0.7; rprop/sarprop have none)")
    t.add_argument("--momentum", type=_momentum, default=None, help="SGD momentum, in [0, 1) (default 0.9)")
    t.add_argument("--seed", type=_nonneg_int, default=0, help="seed of the weights and the shuffles")
    t.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="parameter dtype")
    t.add_argument("--threads", type=_positive_int, help="threads for the kernels (default: all cores or "
                   "OMP_NUM_THREADS)")
    t.add_argument("--algorithm", default="sgd", choices=ALGORITHMS,
                   help="sgd (mini-batch, momentum), adam, FANN's full-batch rprop (iRPROP-), quickprop, sarprop, "
                        "or cascade (Cascade2: grows a shortcut network neuron by neuron)")
    t.add_argument("--max-neurons", type=_positive_int, default=30,
                   help="--algorithm cascade: at most this many hidden neurons (default 30)")
    t.add_argument("--desired-error", type=_nonneg_float, default=0.001,
                   help="--algorithm cascade: stop at this FANN MSE on the training data (default 0.001)")
    t.add_argument("--limit", type=_positive_int, metavar="N", help="train on the first N samples only")
    t.add_argument("--save", metavar="PATH",
                   help="save the trained model (.fnet; .net writes a FANN file), only when training completes: "
                        "on Ctrl-C the partial model goes to PATH's name + .interrupted, PATH is left unchanged")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress: print only the final metrics")

    e = add("eval", cmd_eval, "evaluate a saved model on a data set",
            "Print the loss and, for classification, the accuracy and a confusion matrix of MODEL on DATA.",
            "DATA: " + DATA_HELP + "; with an MNIST folder the t10k pair is used.")
    e.add_argument("model", metavar="MODEL", help="a .fnet model (or a FANN .net file)")
    e.add_argument("data", metavar="DATA", help="evaluation data")
    e.add_argument("--limit", type=_positive_int, metavar="N", help="evaluate on the first N samples only")
    e.add_argument("--threads", type=_positive_int, help="threads for the kernels")

    pr = add("predict", cmd_predict, "write a saved model's predictions",
             "Write MODEL's outputs for every sample of DATA: CSV (one row per sample, comma-separated, no "
             "header) on stdout or to a .csv file, or a .npy array.",
             "DATA: " + DATA_HELP + " (y is optional), or an .npy file with the 2-D inputs; with an MNIST folder "
             "the t10k images are used.")
    pr.add_argument("model", metavar="MODEL", help="a .fnet model (or a FANN .net file)")
    pr.add_argument("data", metavar="DATA", help="inputs")
    pr.add_argument("-o", "--output", metavar="PATH", help="out.csv or out.npy (default: CSV on stdout)")
    pr.add_argument("--classes", action="store_true", help="write the predicted class index per sample instead "
                    "of the outputs")
    pr.add_argument("--limit", type=_positive_int, metavar="N", help="predict the first N samples only")
    pr.add_argument("--threads", type=_positive_int, help="threads for the kernels")

    i = add("info", cmd_info, "describe a saved model",
            "Print a model's architecture, parameter count, loss, dtype, file size and the fastnet version that "
            "wrote it.")
    i.add_argument("model", metavar="MODEL", help="a .fnet model (or a FANN .net file)")

    c = add("convert", cmd_convert, "convert a model between .fnet and FANN .net",
            "Convert a model between fastnet's .fnet format and FANN's .net text format; the formats are "
            "chosen by the file extensions (needs fastnet.fann for .net).")
    c.add_argument("input", metavar="IN", help="the model to read (.fnet or .net)")
    c.add_argument("output", metavar="OUT", help="the file to write (.fnet or .net)")

    b = add("bench", cmd_bench, "run the benchmark comparison (source checkout only)",
            "Run bench/compare.py of a fastnet source checkout (fastnet against its peers on MNIST). An installed "
            "package has no benchmarks: the command then exits with status 2.")
    b.add_argument("--quick", action="store_true", help="smaller sample counts (a minute or two)")
    b.add_argument("--threads", type=_positive_int, help="threads for fastnet and the peers (compare.py's default: 2)")
    b.add_argument("--only", metavar="LIST", help="comma-separated configuration numbers to run, e.g. 1,3")
    return p


def _exit_code(code: Any) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    return EXIT_FAILURE


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]) and return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # --help, --version and argparse's usage errors (status 2)
        return _exit_code(exc.code)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: a command is required (train, eval, predict, info, convert, bench); "
              f"see '{PROG} --help'", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except CLIError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"\n{PROG} {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `fastnet predict ... | head`: stop quietly
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except MemoryError:
        print(f"{PROG} {args.command}: error: out of memory (try --limit or a smaller network)", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 -- the contract is one line on stderr, never a traceback, even for a
        # failure no handler above foresaw (a file broken in a new way); FASTNET_DEBUG=1 keeps the traceback
        if os.environ.get("FASTNET_DEBUG"):
            raise
        print(f"{PROG} {args.command}: error: {type(exc).__name__}: {exc} (unexpected: please report it; "
              "FASTNET_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
