"""Data-set readers: MNIST's IDX files and FANN's text training-data format. Pure numpy; strict validation."""

from __future__ import annotations

import gzip
import zlib
import os
from typing import Optional, Tuple, Union

import numpy as np

__all__ = ["load_idx", "load_mnist", "load_fann_data", "find_mnist"]

PathLike = Union[str, "os.PathLike[str]"]
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file (optionally gzipped), as used by MNIST. Raises ValueError on a malformed file."""
    path = os.fspath(path)
    if path.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as f:
                data = f.read()
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise ValueError(f"{path}: not a valid gzip file ({exc})") from None
    else:
        with open(path, "rb") as f:
            data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic)")
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES or ndim == 0:
        raise ValueError(f"{path}: unsupported IDX type 0x{code:02x} or no dimensions")
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[code])
    count = int(np.prod(shape, dtype=np.int64))
    start = 4 + 4 * ndim
    if len(data) - start != count * dtype.itemsize:
        raise ValueError(f"{path}: IDX payload is {len(data) - start} bytes, shape {shape} needs "
                         f"{count * dtype.itemsize}")
    return np.frombuffer(data, dtype=dtype, offset=start).reshape(shape).astype(dtype.newbyteorder("="))


_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")


def _has_mnist(folder: str) -> bool:
    return all(os.path.exists(os.path.join(folder, n + ".gz")) or os.path.exists(os.path.join(folder, n))
               for n in _MNIST_FILES)


def find_mnist(path: Optional[PathLike] = None) -> str:
    """The MNIST folder: `path` if given (and only it), else $FASTNET_MNIST, else ./data/mnist, else the
    repository's data/mnist. The four IDX files may be gzipped or plain."""
    if path is not None:
        folder = os.fspath(path)
        if not _has_mnist(folder):
            raise FileNotFoundError(f"MNIST not found in {folder}: it needs the four IDX files "
                                    f"({', '.join(_MNIST_FILES)}, gzipped or not)")
        return folder
    candidates = [os.environ.get("FASTNET_MNIST"), os.path.join("data", "mnist"),
                  os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "mnist")]
    for c in candidates:
        if c and _has_mnist(c):
            return c
    raise FileNotFoundError("MNIST not found: pass its folder (with the four IDX files) or set FASTNET_MNIST")


def load_mnist(path: Optional[PathLike] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test): images as float32 (n, 784) in [0, 1], labels as int64 (n,)."""
    folder = find_mnist(path)

    def read(name: str) -> np.ndarray:
        p = os.path.join(folder, name + ".gz")
        return load_idx(p if os.path.exists(p) else os.path.join(folder, name))

    def images(name: str) -> np.ndarray:
        a = read(name)
        return (a.reshape(a.shape[0], -1).astype(np.float32) / np.float32(255.0))

    Xtr, ytr = images("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte").astype(np.int64)
    Xte, yte = images("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte").astype(np.int64)
    if len(Xtr) != len(ytr) or len(Xte) != len(yte):
        raise ValueError(f"{folder}: image and label counts differ")
    return Xtr, ytr, Xte, yte


def load_fann_data(path: PathLike) -> Tuple[np.ndarray, np.ndarray]:
    """Read FANN's training-data text format: a line ``num_data num_input num_output``, then per sample the
    inputs and the outputs (whitespace-separated). Returns (X, Y) as float32 (num_data, num_input/num_output)."""
    path = os.fspath(path)
    with open(path, "r", encoding="ascii", errors="strict") as f:
        tokens = f.read().split()
    if len(tokens) < 3:
        raise ValueError(f"{path}: not a FANN data file (needs 'num_data num_input num_output' first)")
    try:
        n, ni, no = (int(t) for t in tokens[:3])
    except ValueError:
        raise ValueError(f"{path}: the first line must be three integers, got {' '.join(tokens[:3])!r}") from None
    if n < 0 or ni < 1 or no < 0:
        raise ValueError(f"{path}: invalid sizes num_data={n} num_input={ni} num_output={no}")
    want = n * (ni + no)
    if len(tokens) - 3 != want:
        raise ValueError(f"{path}: expected {want} numbers for {n} samples of {ni}+{no} values, "
                         f"found {len(tokens) - 3}")
    try:
        values = np.array(tokens[3:], dtype=np.float64).reshape(n, ni + no)
    except ValueError as exc:
        raise ValueError(f"{path}: non-numeric value: {exc}") from None
    return (np.ascontiguousarray(values[:, :ni], dtype=np.float32),
            np.ascontiguousarray(values[:, ni:], dtype=np.float32))
