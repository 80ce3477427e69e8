"""Reading DATA: a FANN data file, an MNIST folder, an .npz file (or, for ``predict``, an .npy file) becomes a
:class:`Dataset`, its targets read as class labels or regression targets; anything else is a one-line CLIError."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .. import datasets
from ._errors import CLIError, _error_text, _reason, _require_exists

FANN_DATA_EXTENSIONS = datasets.FANN_DATA_EXTENSIONS


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
