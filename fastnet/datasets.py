"""Data-set readers: MNIST's IDX files and FANN's text training-data format. Pure numpy; strict validation."""

from __future__ import annotations

import gzip
import math
import os
import re
import zlib
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._format import open_regular, read_exactly, read_regular, write_atomic

__all__ = ["load_idx", "load_mnist", "load_fann_data", "save_fann_data", "find_mnist", "data_format",
           "FANN_DATA_EXTENSIONS"]

#: file name extensions of FANN training data (other files may still parse as FANN data)
FANN_DATA_EXTENSIONS = (".data", ".train", ".test", ".dat")


def data_format(path: Union[str, os.PathLike[str]]) -> str:
    """What a data path holds, judged by its kind and name (the command line's DATA): "mnist" (a folder: MNIST's
    IDX files), "npz", "npy", "fann" (a FANN data extension) or "unknown" (try it as FANN data)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return "mnist"
    ext = os.path.splitext(path)[1].lower()
    if ext in (".npz", ".npy"):
        return ext[1:]
    return "fann" if ext in FANN_DATA_EXTENSIONS else "unknown"

PathLike = Union[str, "os.PathLike[str]"]
_IDX_TYPES: Dict[int, npt.DTypeLike] = {
    0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


#: deflate's largest compression ratio (a stream of one repeated byte): a gzip file of n bytes cannot
#: decompress to more than about this times n, which bounds what a gzipped IDX header may claim
_GZIP_MAX_RATIO = 1032


#: which rows a reader keeps: a slice (step >= 1), or a function of the file's row count giving one (a
#: distributed shard's rows depend on the row count, which only the file's header tells)
Rows = Union[slice, Callable[[int], slice]]


def _row_range(rows: Rows, n: int) -> Tuple[int, int, int]:
    sl = rows(n) if callable(rows) else rows
    if not isinstance(sl, slice):
        raise TypeError(f"rows must be a slice (or a function of the row count giving one), got {type(sl).__name__}")
    first, stop, step = sl.indices(n)
    if step < 1:
        raise ValueError(f"rows must be a slice with a step >= 1, got {sl}")
    return first, max(first, stop), step


def load_idx(path: PathLike, rows: Optional[Rows] = None) -> np.ndarray:
    """Read an IDX file (optionally gzipped), as used by MNIST. Raises ValueError on a malformed file.

    The header's shape is checked against the file's size (for a gzipped file, against what its compressed
    size can hold) before the payload is read, and no more than the shape needs is read; devices and FIFOs,
    which may never end, are refused.

    ``rows`` (a slice of the first dimension) keeps only those rows, without holding the others in memory: a
    plain file is read by offset (step 1: one read; else through a memory map), a gzipped one decompressed as a
    stream (all of it: its size is checked too). The result equals ``load_idx(path)[rows]``."""
    path = os.fspath(path)
    raw, size = open_regular(path, "IDX file")
    with raw:
        gz = path.endswith(".gz")
        try:
            f: Any = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0:
                raise ValueError(f"{path}: not an IDX file (bad magic)")
            code, ndim = head[2], head[3]
            if code not in _IDX_TYPES or ndim == 0:
                raise ValueError(f"{path}: unsupported IDX type 0x{code:02x} or no dimensions")
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise ValueError(f"{path}: truncated IDX header")
            shape = tuple(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(ndim))
            dtype = np.dtype(_IDX_TYPES[code])
            start = 4 + 4 * ndim
            need = math.prod(shape) * dtype.itemsize  # Python integers: no wrap-around, however large
            needs = _bytes_text(need)
            if not gz and size - start != need:
                raise ValueError(f"{path}: IDX payload is {size - start} bytes, shape {shape} needs {needs}")
            if gz and need + start > _GZIP_MAX_RATIO * size + 1024:
                raise ValueError(f"{path}: IDX header's shape {shape} needs {needs}, more than a {size}-byte "
                                 "gzip file can hold: corrupted")

            def short(have: int) -> ValueError:
                return ValueError(f"{path}: IDX payload is {have} bytes, shape {shape} needs {needs}")

            if rows is not None:
                out = _idx_rows(f, path, gz, rows, shape, dtype, start, short)
                if gz and f.read(1):
                    raise ValueError(f"{path}: IDX payload is more than {need} bytes, shape {shape} needs {needs}")
                if gz:
                    f.close()
                return out.astype(dtype.newbyteorder("="))
            data = read_exactly(f, need, short)
            if gz and f.read(1):
                raise ValueError(f"{path}: IDX payload is more than {need} bytes, shape {shape} needs {needs}")
            if gz:
                f.close()  # (the GzipFile only; `raw` closes with the with-block)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise ValueError(f"{path}: not a valid gzip file ({exc})") from None
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _idx_rows(f: Any, path: str, gz: bool, rows: Rows, shape: Tuple[int, ...], dtype: np.dtype, start: int,
              short: Callable[[int], ValueError]) -> np.ndarray:
    """The rows `rows` of an IDX payload whose header (and, for a plain file, size) load_idx has checked."""
    n, row_items = shape[0], math.prod(shape[1:])
    row_bytes = row_items * dtype.itemsize
    first, stop, step = _row_range(rows, n)
    count = len(range(first, stop, step))
    if not gz:
        if step == 1 or count == 0:
            f.seek(start + first * row_bytes)
            out = np.frombuffer(f.read(count * row_bytes), dtype=dtype)
        else:
            mm = np.memmap(path, dtype=dtype, mode="r", offset=start, shape=(n, row_items))
            out = np.array(mm[first:stop:step])
            del mm
        return out.reshape((count,) + shape[1:])
    keep: List[np.ndarray] = []  # a stream: decompress all of it (its size is checked), keep only the rows asked
    rows_per_read = max(1, (1 << 22) // max(1, row_bytes))
    done = 0
    while done < n:
        k = min(rows_per_read, n - done)
        block = f.read(k * row_bytes)
        if len(block) != k * row_bytes:
            raise short(done * row_bytes + len(block))
        lo = first if done <= first else done + (first - done) % step  # the first wanted row >= done
        if lo < min(stop, done + k):
            block_rows = np.frombuffer(block, dtype=dtype).reshape(k, row_items)
            keep.append(block_rows[lo - done:min(stop, done + k) - done:step])
        done += k
    out = np.concatenate(keep) if keep else np.empty((0, row_items), dtype)
    return out.reshape((count,) + shape[1:])


def _bytes_text(n: int) -> str:
    """'1234 bytes', or for a header's absurd product '~2**8160 bytes' (not thousands of digits)."""
    return f"{n} bytes" if n < 10**20 else f"~2**{n.bit_length() - 1} bytes"


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
        scaled: np.ndarray = a.reshape(a.shape[0], -1).astype(np.float32) / np.float32(255.0)
        return scaled

    Xtr, ytr = images("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte").astype(np.int64)
    Xte, yte = images("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte").astype(np.int64)
    if len(Xtr) != len(ytr) or len(Xte) != len(yte):
        raise ValueError(f"{folder}: image and label counts differ")
    return Xtr, ytr, Xte, yte


_INT = re.compile(r"[+-]?[0-9]+\Z")
#: Values at or above this magnitude round to infinity when cast to float32 (max + half an ulp).
_F32_OVERFLOW = float(2**128 - 2**103)
#: Header sizes above this are rejected outright (the token count check catches smaller lies).
_MAX_FANN_VALUES = 2**40


def _line_of_token(text: str, index: int) -> int:
    """1-based line number of whitespace-separated token `index` (0-based) of `text`."""
    seen = 0
    for line_no, line in enumerate(text.split("\n"), 1):
        seen += len(line.split())
        if seen > index:
            return line_no
    return text.count("\n") + 1


def _describe_position(k: int, n: int, ni: int, no: int) -> str:
    """Sample k-th value (0-based over the data part) as 'input 3 of sample 7'."""
    sample, j = divmod(k, ni + no)
    part = f"input {j + 1} of {ni}" if j < ni else f"output {j - ni + 1} of {no}"
    return f"{part} of sample {sample + 1} of {n}"


def load_fann_data(path: PathLike, rows: Optional[Rows] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Read FANN's training-data text format: a line ``num_data num_input num_output``, then per sample the
    inputs and the outputs (whitespace-separated). Returns (X, Y) as float32 (num_data, num_input/num_output).

    Raises ValueError (naming the line of the first offending token) on a malformed file: a bad header, a
    non-numeric or non-finite value, a value outside float32's range, too few values (the message says which
    sample/input/output is missing) or too many. The declared sizes are checked against the number of tokens
    before anything is allocated, so a header claiming 10**12 samples fails at once.

    ``rows`` (a slice of the samples) keeps only those: the file is then read line by line and checked as a
    whole all the same (the same errors, naming the line), holding only those rows in memory. The result equals
    ``load_fann_data(path)`` indexed by ``rows``."""
    if rows is not None:
        return _load_fann_data_rows(path, rows)
    path = os.fspath(path)
    raw = read_regular(path, "FANN data file")  # (devices and FIFOs, which may never end, are refused)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValueError(f"{path}:{line}: not a text file, so not a FANN data file (cannot decode as ascii: "
                         f"byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    tokens = text.split()
    if len(tokens) < 3:
        raise ValueError(f"{path}: not a FANN data file (needs 'num_data num_input num_output' first, "
                         f"found {len(tokens)} token(s))")
    for i, t in enumerate(tokens[:3]):
        if not _INT.match(t):
            raise ValueError(f"{path}:{_line_of_token(text, i)}: the first line must be three integers, got "
                             f"{' '.join(tokens[:3])!r} (expected 'num_data num_input num_output')")
    n, ni, no = (int(t) for t in tokens[:3])
    if n < 0 or ni < 1 or no < 0:
        raise ValueError(f"{path}:{_line_of_token(text, 0)}: invalid sizes num_data={n} num_input={ni} "
                         f"num_output={no} (need num_data >= 0, num_input >= 1, num_output >= 0)")
    want = n * (ni + no)
    have = len(tokens) - 3
    counts = f"expected {want} numbers for {n} samples of {ni}+{no} values, found {have}"
    if want > have:
        if have == 0 or want > _MAX_FANN_VALUES or want > 2 * have + 1000:
            raise ValueError(f"{path}:{_line_of_token(text, 0)}: {counts}: the header's sizes do not match the "
                             f"file (wrong header or badly truncated file)")
        raise ValueError(f"{path}: truncated file: {counts}: the file ends (line "
                         f"{_line_of_token(text, len(tokens) - 1)}) before {_describe_position(have, n, ni, no)}")
    if have > want:
        raise ValueError(f"{path}:{_line_of_token(text, 3 + want)}: {counts}: unexpected extra data after the "
                         f"{n} declared samples, starting with {_show(tokens[3 + want])}")
    try:
        values = np.array(tokens[3:], dtype=np.float64)
        bad = None
    except (ValueError, OverflowError):
        values, bad = None, -1
    if values is not None:
        finite = np.isfinite(values) & (np.abs(values) < _F32_OVERFLOW)
        if not finite.all():
            bad = int(np.argmin(finite))
    if bad is not None:
        if bad < 0:  # find the token numpy refused
            bad = next((k for k, t in enumerate(tokens[3:]) if not _is_float(t)), None)
            if bad is None:
                raise ValueError(f"{path}: non-numeric value") from None
            why = "is a non-numeric value"
        else:
            assert values is not None  # bad >= 0 comes from the finiteness check of the parsed values
            why = "is not finite" if not np.isfinite(values[bad]) else "is out of float32 range"
        raise ValueError(f"{path}:{_line_of_token(text, 3 + bad)}: value {_show(tokens[3 + bad])} "
                         f"({_describe_position(bad, n, ni, no)}) {why}")
    assert values is not None  # parsed and all finite
    values = values.reshape(n, ni + no)
    return (np.ascontiguousarray(values[:, :ni], dtype=np.float32),
            np.ascontiguousarray(values[:, ni:], dtype=np.float32))


def _load_fann_data_rows(path: PathLike, rows: Rows) -> Tuple[np.ndarray, np.ndarray]:
    """load_fann_data's reader for some rows: line by line, every value checked as load_fann_data does, only the
    rows asked for kept, so memory follows them, not the file."""
    path = os.fspath(path)
    block = 1 << 16  # values converted per numpy call
    f, _ = open_regular(path, "FANN data file")  # (devices and FIFOs, which may never end, are refused)
    with f:
        header: List[Tuple[str, int]] = []  # (token, line)
        line_no = 0
        data_tokens: List[str] = []
        token_lines: List[Tuple[int, int]] = []  # (index in data of the line's first token, line number)
        n = ni = no = per = 0
        first = stop = step = 0
        seen = 0  # data tokens read so far
        kept: List[np.ndarray] = []

        def flush() -> None:
            nonlocal data_tokens, token_lines
            if not data_tokens:
                return
            base = seen - len(data_tokens)

            def line_of(k: int) -> int:  # k: index into data_tokens
                pos = 0
                for start, ln in token_lines:
                    if start <= k:
                        pos = ln
                    else:
                        break
                return pos

            try:
                values = np.array(data_tokens, dtype=np.float64)
                bad, why = None, ""
            except (ValueError, OverflowError):
                values = None
                bad = next(k for k, t in enumerate(data_tokens) if not _is_float(t))
                why = "is a non-numeric value"
            if values is not None:
                ok = np.isfinite(values) & (np.abs(values) < _F32_OVERFLOW)
                if not ok.all():
                    bad = int(np.argmin(ok))
                    why = "is not finite" if not np.isfinite(values[bad]) else "is out of float32 range"
            if bad is not None:
                raise ValueError(f"{path}:{line_of(bad)}: value {_show(data_tokens[bad])} "
                                 f"({_describe_position(base + bad, n, ni, no)}) {why}")
            assert values is not None  # a non-numeric token raised above
            sample = (base + np.arange(len(values))) // per
            want = (sample >= first) & (sample < stop) & ((sample - first) % step == 0)
            if want.any():
                kept.append(values[want].astype(np.float32))
            data_tokens, token_lines = [], []

        for raw in f:
            line_no += 1
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{path}:{line_no}: not a text file, so not a FANN data file (cannot decode as "
                                 f"ascii: byte 0x{raw[exc.start]:02x})") from None
            toks = text.split()
            if not toks:
                continue
            if len(header) < 3:
                take = toks[:3 - len(header)]
                header += [(t, line_no) for t in take]
                toks = toks[len(take):]
                if len(header) < 3:
                    continue
                for t, ln in header:
                    if not _INT.match(t):
                        raise ValueError(f"{path}:{ln}: the first line must be three integers, got "
                                         f"{' '.join(h for h, _ in header)!r} (expected 'num_data num_input "
                                         "num_output')")
                n, ni, no = (int(t) for t, _ in header)
                if n < 0 or ni < 1 or no < 0:
                    raise ValueError(f"{path}:{header[0][1]}: invalid sizes num_data={n} num_input={ni} "
                                     f"num_output={no} (need num_data >= 0, num_input >= 1, num_output >= 0)")
                if n * (ni + no) > _MAX_FANN_VALUES:
                    raise ValueError(f"{path}:{header[0][1]}: the header's sizes do not match the file (wrong "
                                     "header or badly truncated file)")
                per = ni + no
                first, stop, step = _row_range(rows, n)
                if not toks:
                    continue
            if seen + len(toks) > n * per:
                extra = toks[n * per - seen]
                raise ValueError(f"{path}:{line_no}: expected {n * per} numbers for {n} samples of {ni}+{no} "
                                 f"values, found more: unexpected extra data after the {n} declared samples, "
                                 f"starting with {_show(extra)}")
            token_lines.append((len(data_tokens), line_no))
            data_tokens += toks
            seen += len(toks)
            if len(data_tokens) >= block:
                flush()
        if len(header) < 3:
            raise ValueError(f"{path}: not a FANN data file (needs 'num_data num_input num_output' first, "
                             f"found {len(header)} token(s))")
        flush()
    if seen < n * per:
        raise ValueError(f"{path}: truncated file: expected {n * per} numbers for {n} samples of {ni}+{no} values, "
                         f"found {seen}: the file ends (line {line_no}) before "
                         f"{_describe_position(seen, n, ni, no)}")
    values = np.concatenate(kept) if kept else np.empty(0, np.float32)
    values = values.reshape(-1, per)
    return np.ascontiguousarray(values[:, :ni]), np.ascontiguousarray(values[:, ni:])


def _is_float(t: str) -> bool:
    try:
        np.float64(t)
        return True
    except (ValueError, OverflowError):
        return False


def _show(t: str, limit: int = 30) -> str:
    return repr(t if len(t) <= limit else t[:limit] + "...")


def _as_table(a: Any, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
                                   or arr.dtype == np.bool_):
        raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (samples, values), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        i, j = np.argwhere(~finite)[0]
        raise ValueError(f"{name} must be finite: {name}[{i}, {j}] = {arr[i, j]}")
    big = np.abs(arr) >= _F32_OVERFLOW if arr.dtype.itemsize > 4 else None
    if big is not None and big.any():
        i, j = np.argwhere(big)[0]
        raise ValueError(f"{name}[{i}, {j}] = {arr[i, j]} is out of float32 range (FANN data is read as float32)")
    return arr


def _format_rows(a: np.ndarray) -> List[str]:
    fmt = "%.9g" if a.dtype.itemsize <= 4 else "%.17g"
    return [" ".join([fmt % v for v in row]) for row in a.tolist()]


def save_fann_data(path: PathLike, X: Any, Y: Any) -> None:
    """Write (X, Y) in FANN's training-data text format, readable by FANN and by :func:`load_fann_data`.

    The file is a header line ``num_data num_input num_output``, then per sample one line of inputs and one
    line of outputs. Values are written exactly (``%.9g`` for float16/float32, ``%.17g`` for float64), so a
    float32 array round-trips bit for bit. The file is replaced atomically.

    Raises ValueError unless X and Y are 2-D real arrays with the same number of rows, X has at least one
    column, and every value is finite and within float32's range."""
    X = _as_table(X, "X")
    Y = _as_table(Y, "Y")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows, got {X.shape[0]} and {Y.shape[0]}")
    if X.shape[1] < 1:
        raise ValueError("X must have at least one column (FANN needs num_input >= 1)")
    lines = [f"{X.shape[0]} {X.shape[1]} {Y.shape[1]}"]
    for xl, yl in zip(_format_rows(X), _format_rows(Y)):
        lines.append(xl)
        lines.append(yl)
    write_atomic(os.fspath(path), ("\n".join(lines) + "\n").encode("ascii"))
