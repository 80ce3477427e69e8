"""Data-set readers: IDX (MNIST) files, load_mnist, and FANN's text training-data format.

Small files are written to tmp_path; the real MNIST (data/mnist in the repository) and FANN data sets
(../shared/data/fann beside the repository) are read where present and skipped with a reason where not.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

import fastnet as fn
from fastnet.datasets import load_fann_data, load_idx, load_mnist

MNIST_DIR = Path(__file__).parent.parent / "data" / "mnist"
FANN_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "fann"

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
             np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


# ---------------------------------------------------------------- helpers
def idx_bytes(arr: np.ndarray, big_endian_dtype=None) -> bytes:
    """The IDX encoding of arr: 0, 0, type code, ndim, big-endian u32 dims, big-endian values."""
    dt = np.dtype(big_endian_dtype) if big_endian_dtype is not None else arr.dtype
    if dt.itemsize > 1:
        dt = dt.newbyteorder(">")
    code = IDX_CODES[dt]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + np.ascontiguousarray(arr, dtype=dt).tobytes()


def write(path: Path, data: bytes, gz: bool = False) -> Path:
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def fake_mnist(folder: Path, n_train=5, n_test=3, gz=True, n_train_labels=None, seed=0):
    """A tiny MNIST-shaped data set in `folder`; returns the uint8 images and labels it wrote."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, n, nl in (("train", n_train, n_train_labels or n_train), ("t10k", n_test, n_test)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        imgs[0, 0, 0], imgs[0, 0, 1] = 0, 255
        labels = rng.integers(0, 10, size=nl).astype(np.uint8)
        ext = ".gz" if gz else ""
        write(folder / f"{name}-images-idx3-ubyte{ext}", idx_bytes(imgs), gz)
        write(folder / f"{name}-labels-idx1-ubyte{ext}", idx_bytes(labels), gz)
        out[name] = (imgs, labels)
    return out


# ---------------------------------------------------------------- load_idx
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_idx_uint8_images(tmp_path, gz):
    imgs = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    p = write(tmp_path / ("imgs.idx3" + (".gz" if gz else "")), idx_bytes(imgs), gz)
    a = load_idx(p)
    assert a.shape == (7, 5, 3)
    assert a.dtype == np.uint8
    assert np.array_equal(a, imgs)
    assert np.array_equal(load_idx(str(p)), imgs)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_idx_uint8_labels(tmp_path, gz):
    labels = np.array([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], dtype=np.uint8)
    p = write(tmp_path / ("labels.idx1" + (".gz" if gz else "")), idx_bytes(labels), gz)
    a = load_idx(p)
    assert a.shape == (10,) and a.dtype == np.uint8
    assert np.array_equal(a, labels)


@pytest.mark.parametrize("dtype", [np.int8, ">i2", ">i4", ">f4", ">f8"])
def test_idx_other_types_native_byte_order(tmp_path, dtype):
    dt = np.dtype(dtype)
    values = (np.arange(24).reshape(2, 3, 4) - 11).astype(dt.newbyteorder("="))
    if dt.kind == "f":
        values = values * np.asarray(0.75, dtype=values.dtype)
    a = load_idx(write(tmp_path / "v.idx", idx_bytes(values, dt)))
    assert a.shape == (2, 3, 4)
    assert a.dtype.isnative and a.dtype.kind == dt.kind and a.dtype.itemsize == dt.itemsize
    assert np.array_equal(a, values)


def test_idx_result_is_writable_copy(tmp_path):
    imgs = np.zeros((2, 2, 2), dtype=np.uint8)
    a = load_idx(write(tmp_path / "z.idx", idx_bytes(imgs)))
    a[0, 0, 0] = 7  # must not raise (no read-only view on the file's bytes)
    assert a[0, 0, 0] == 7


def test_idx_empty_dimension(tmp_path):
    a = load_idx(write(tmp_path / "e.idx", idx_bytes(np.zeros((0, 28, 28), dtype=np.uint8))))
    assert a.shape == (0, 28, 28)


@pytest.mark.parametrize(
    "prefix",
    [b"\x01\x00\x08\x01", b"\x00\x01\x08\x01", b"\x1f\x8b\x08\x00", b"PK\x03\x04", b"\xff\xff\xff\xff"],
    ids=["first-byte", "second-byte", "gzip-magic-in-plain-file", "zip", "ones"],
)
def test_idx_bad_magic(tmp_path, prefix):
    data = prefix + struct.pack(">I", 3) + bytes(3)
    with pytest.raises(ValueError, match=r"not an IDX file \(bad magic\)"):
        load_idx(write(tmp_path / "bad.idx", data))


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x00\x08"], ids=["empty", "1-byte", "3-bytes"])
def test_idx_too_short_for_magic(tmp_path, data):
    with pytest.raises(ValueError, match=r"bad magic"):
        load_idx(write(tmp_path / "short.idx", data))


@pytest.mark.parametrize("code", [0x00, 0x07, 0x0A, 0x0F, 0xFF])
def test_idx_unsupported_type(tmp_path, code):
    data = bytes([0, 0, code, 1]) + struct.pack(">I", 2) + bytes(2)
    with pytest.raises(ValueError, match=rf"unsupported IDX type 0x{code:02x}"):
        load_idx(write(tmp_path / "t.idx", data))


def test_idx_zero_dimensions(tmp_path):
    with pytest.raises(ValueError, match=r"no dimensions"):
        load_idx(write(tmp_path / "t.idx", bytes([0, 0, 0x08, 0])))


@pytest.mark.parametrize("keep_dims", [0, 1, 2])
def test_idx_truncated_header(tmp_path, keep_dims):
    data = bytes([0, 0, 0x08, 3]) + b"".join(struct.pack(">I", 2) for _ in range(keep_dims)) + b"\x00\x00"
    with pytest.raises(ValueError, match=r"truncated IDX header"):
        load_idx(write(tmp_path / "t.idx", data))


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("drop", [1, 17, 60])
def test_idx_truncated_payload(tmp_path, gz, drop):
    imgs = np.ones((3, 5, 4), dtype=np.uint8)
    data = idx_bytes(imgs)[:-drop]
    p = write(tmp_path / ("t.idx" + (".gz" if gz else "")), data, gz)
    with pytest.raises(ValueError, match=rf"IDX payload is {60 - drop} bytes, shape \(3, 5, 4\) needs 60"):
        load_idx(p)


def test_idx_truncated_payload_multibyte(tmp_path):
    data = idx_bytes(np.arange(6, dtype=">i4").reshape(2, 3))[:-2]
    with pytest.raises(ValueError, match=r"IDX payload is 22 bytes, shape \(2, 3\) needs 24"):
        load_idx(write(tmp_path / "t.idx", data))


def test_idx_payload_too_long(tmp_path):
    data = idx_bytes(np.ones((2, 2), dtype=np.uint8)) + b"\x00"
    with pytest.raises(ValueError, match=r"IDX payload is 5 bytes, shape \(2, 2\) needs 4"):
        load_idx(write(tmp_path / "t.idx", data))


def test_idx_huge_claimed_shape(tmp_path):
    """A header claiming 2**32-1 x 2**32-1 x 2**32-1 values: rejected from the sizes, nothing allocated."""
    data = bytes([0, 0, 0x08, 3]) + struct.pack(">III", 2**32 - 1, 2**32 - 1, 2**32 - 1) + bytes(10)
    with pytest.raises(ValueError, match=r"IDX payload is 10 bytes"):
        load_idx(write(tmp_path / "huge.idx", data))


def test_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_idx(tmp_path / "nope.idx")
    with pytest.raises(FileNotFoundError):
        load_idx(tmp_path / "nope.idx.gz")


def test_idx_truncated_gzip_stream(tmp_path):
    """A .gz file cut short is a malformed file: load_idx documents ValueError for those."""
    full = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8).reshape(10, 20)))
    p = tmp_path / "cut.idx.gz"
    p.write_bytes(full[: len(full) // 2])
    with pytest.raises(ValueError, match=r"cut\.idx\.gz"):
        load_idx(p)


def test_idx_gz_name_but_not_gzip(tmp_path):
    """A file named .gz that is not gzip data: a clear error naming the file (documented: ValueError)."""
    p = write(tmp_path / "plain.idx.gz", idx_bytes(np.ones((2, 2), dtype=np.uint8)))
    with pytest.raises(ValueError, match=r"plain\.idx\.gz"):
        load_idx(p)


# ---------------------------------------------------------------- load_mnist
@pytest.fixture(scope="module")
def mnist():
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST not found at {MNIST_DIR} (data/mnist in the repository)")
    return load_mnist(MNIST_DIR)


def test_mnist_shapes_and_dtypes(mnist):
    Xtr, ytr, Xte, yte = mnist
    assert Xtr.shape == (60000, 784) and Xte.shape == (10000, 784)
    assert ytr.shape == (60000,) and yte.shape == (10000,)
    assert Xtr.dtype == np.float32 and Xte.dtype == np.float32
    assert np.issubdtype(ytr.dtype, np.integer) and np.issubdtype(yte.dtype, np.integer)
    assert Xtr.flags.c_contiguous and Xte.flags.c_contiguous


def test_mnist_ranges(mnist):
    Xtr, ytr, Xte, yte = mnist
    for X in (Xtr, Xte):
        assert float(X.min()) == 0.0 and float(X.max()) == 1.0
        assert np.all(np.isfinite(X))
    for y, n in ((ytr, 60000), (yte, 10000)):
        assert set(np.unique(y).tolist()) == set(range(10))
        counts = np.bincount(y, minlength=10)
        assert counts.sum() == n and counts.min() > n // 20  # every digit is well represented


def test_mnist_known_values(mnist):
    """The first training labels of MNIST are 5 0 4 1 9 2 1 3 1 4; the first test labels 7 2 1 0 4."""
    Xtr, ytr, Xte, yte = mnist
    assert ytr[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert yte[:5].tolist() == [7, 2, 1, 0, 4]
    # pixels are multiples of 1/255
    assert np.array_equal(np.round(Xtr[:50] * 255) / np.float32(255), Xtr[:50])


def test_mnist_str_path_and_trains(mnist):
    Xtr, ytr, _, _ = mnist
    net = fn.Network([784, 10], output="softmax", seed=0)
    h = net.fit(Xtr[:256], ytr[:256], epochs=1, batch_size=64, lr=0.1, verbose=0)
    assert np.isfinite(h["loss"][0])


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_mnist_small_fake_folder(tmp_path, monkeypatch, gz):
    monkeypatch.delenv("FASTNET_MNIST", raising=False)
    monkeypatch.chdir(tmp_path)
    wrote = fake_mnist(tmp_path / "mini", gz=gz)
    Xtr, ytr, Xte, yte = load_mnist(tmp_path / "mini")
    assert Xtr.shape == (5, 784) and Xte.shape == (3, 784)
    assert Xtr.dtype == np.float32
    assert np.array_equal(Xtr, wrote["train"][0].reshape(5, 784).astype(np.float32) / np.float32(255))
    assert np.array_equal(ytr, wrote["train"][1]) and np.array_equal(yte, wrote["t10k"][1])
    assert float(Xtr.min()) == 0.0 and float(Xtr.max()) == 1.0


def test_mnist_counts_differ(tmp_path, monkeypatch):
    monkeypatch.delenv("FASTNET_MNIST", raising=False)
    fake_mnist(tmp_path / "mini", n_train=5, n_train_labels=4)
    with pytest.raises(ValueError, match=r"image and label counts differ"):
        load_mnist(tmp_path / "mini")


def test_mnist_corrupt_file_in_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FASTNET_MNIST", raising=False)
    fake_mnist(tmp_path / "mini")
    write(tmp_path / "mini" / "t10k-labels-idx1-ubyte.gz", b"\x01\x02\x03\x04garbage", gz=True)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz: not an IDX file"):
        load_mnist(tmp_path / "mini")


def test_mnist_explicit_folder_without_data(tmp_path, monkeypatch):
    """An explicit folder that holds no MNIST must be an error, not a silent fallback to another copy."""
    monkeypatch.delenv("FASTNET_MNIST", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="MNIST"):
        load_mnist(tmp_path / "empty")


# ---------------------------------------------------------------- load_fann_data
def fann_file(name: str) -> Path:
    p = FANN_DIR / name
    if not p.exists():
        pytest.skip(f"FANN data set {name} not found at {p} (expected in ../shared/data/fann beside the repository)")
    return p


def test_fann_xor():
    X, Y = load_fann_data(fann_file("xor.data"))
    assert X.shape == (4, 2) and Y.shape == (4, 1)
    assert X.dtype == np.float32 and Y.dtype == np.float32
    assert np.array_equal(X, np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float32))
    assert np.array_equal(Y, np.array([[-1], [1], [1], [-1]], dtype=np.float32))
    assert X.flags.c_contiguous and Y.flags.c_contiguous


@pytest.mark.parametrize("name", ["parity8.train", "two-spiral.train", "diabetes.test"])
def test_fann_real_files_match_their_header(name):
    p = fann_file(name)
    n, ni, no = (int(t) for t in p.read_text().split()[:3])
    X, Y = load_fann_data(p)
    assert X.shape == (n, ni) and Y.shape == (n, no)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(Y))


def test_fann_small_file(tmp_path):
    p = tmp_path / "small.data"
    p.write_text("3 3 2\n"
                 "0.5 -1 2e-3\n1 0\n"
                 "  1.25\t0   7 \n 0 1\n"
                 "-0.0 1E2 -3.5 0.25\n-1\n")  # layout within a sample does not matter, only the order
    X, Y = load_fann_data(p)
    assert X.shape == (3, 3) and Y.shape == (3, 2)
    assert np.array_equal(X, np.array([[0.5, -1, 2e-3], [1.25, 0, 7], [-0.0, 100, -3.5]], dtype=np.float32))
    assert np.array_equal(Y, np.array([[1, 0], [0, 1], [0.25, -1]], dtype=np.float32))
    assert np.array_equal(load_fann_data(str(p))[0], X)


def test_fann_no_outputs_and_no_samples(tmp_path):
    X, Y = load_fann_data(write(tmp_path / "a.data", b"2 2 0\n1 2\n3 4\n"))
    assert X.shape == (2, 2) and Y.shape == (2, 0)
    X, Y = load_fann_data(write(tmp_path / "b.data", b"0 3 1\n"))
    assert X.shape == (0, 3) and Y.shape == (0, 1)


def test_fann_trains_xor():
    X, Y = load_fann_data(fann_file("xor.data"))
    net = fn.Network([2, 4, 1], activation="tanh", output="tanh", loss="mse", seed=0)
    h = net.fit(X, Y, epochs=3, batch_size=1, lr=0.1, verbose=0)
    assert all(np.isfinite(h["loss"]))


@pytest.mark.parametrize(
    "content,pattern",
    [
        ("4 2 1\n-1 -1\n-1\n-1 1\n1\n1 -1\n1\n1 1\n", r"expected 12 numbers for 4 samples of 2\+1 values, found 11"),
        ("2 2 1\n1 2 3\n4 5 6\n7\n", r"expected 6 numbers for 2 samples of 2\+1 values, found 7"),
        ("3 1 1\n", r"expected 6 numbers .* found 0"),
        ("1 2 1\n1 2\n", r"expected 3 numbers .* found 2"),
    ],
    ids=["one-missing", "one-extra", "header-only", "no-output"],
)
def test_fann_wrong_counts(tmp_path, content, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_fann_data(write(tmp_path / "bad.data", content.encode()))


@pytest.mark.parametrize(
    "content,pattern",
    [
        ("2 1 1\n1 abc\n3 4\n", r"non-numeric value"),
        ("2 1 1\n1 2\n3 4,5\n", r"non-numeric value"),
        ("1 2 1\n1 0x10 2\n", r"non-numeric value"),
        ("a b c\n1 2 3\n", r"first line must be three integers, got 'a b c'"),
        ("2.5 1 1\n1 2 3 4 5\n", r"first line must be three integers"),
        ("2 1 one\n1 2\n3 4\n", r"first line must be three integers"),
    ],
    ids=["word", "comma", "hex", "header-words", "header-float", "header-word-last"],
)
def test_fann_non_numeric_tokens(tmp_path, content, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_fann_data(write(tmp_path / "bad.data", content.encode()))


@pytest.mark.parametrize(
    "content,pattern",
    [
        ("-1 2 1\n", r"invalid sizes num_data=-1"),
        ("2 0 1\n1\n1\n", r"invalid sizes .*num_input=0"),
        ("2 2 -1\n1 2 3 4\n", r"invalid sizes .*num_output=-1"),
    ],
)
def test_fann_invalid_sizes(tmp_path, content, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_fann_data(write(tmp_path / "bad.data", content.encode()))


@pytest.mark.parametrize("content", [b"", b"\n\n", b"4 2"], ids=["empty", "blank", "two-numbers"])
def test_fann_missing_header(tmp_path, content):
    with pytest.raises(ValueError, match=r"not a FANN data file"):
        load_fann_data(write(tmp_path / "bad.data", content))


def test_fann_non_ascii(tmp_path):
    with pytest.raises(ValueError, match=r"ascii|decode"):
        load_fann_data(write(tmp_path / "bad.data", "1 1 1\n1 é\n".encode()))


def test_fann_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_fann_data(tmp_path / "nope.data")


def test_fann_huge_claimed_count_rejected_cheaply(tmp_path):
    """A header claiming 10**15 samples in a tiny file is rejected from the counts, nothing allocated."""
    with pytest.raises(ValueError, match=r"expected \d+ numbers"):
        load_fann_data(write(tmp_path / "bad.data", b"1000000000000000 1000 1000\n1 2 3\n"))
