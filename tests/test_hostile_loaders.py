"""Hostile files against every loader: sizes in a header are checked against the file (and against each other)
before anything is allocated, endless streams are refused, non-finite weights are refused on load, on
assignment and by randomize_weights.

Two parts: one test per failure an audit found (each fails on the code before the fix), then hypothesis fuzz
targets that mutate the *sizes* in otherwise valid headers (checksums recomputed, so the mutation reaches the
size checks rather than stopping at a checksum) for .fnet, IDX, FANN data and FANN .net files. A fuzz case that
raises anything but ValueError/OSError, allocates more than ``PEAK_BYTES`` (tracemalloc), or runs past the
hypothesis deadline fails. The default budget keeps this file at seconds; fuzz longer with
``FASTNET_FUZZ_EXAMPLES=5000`` (scripts/fuzz.sh does).
"""

from __future__ import annotations

import gzip
import json
import math
import os
import resource
import struct
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import numpy as np
import pytest

import fastnet as fn
from fastnet.datasets import load_fann_data, load_idx
from fastnet.distributed import load_fann_data_shard, load_idx_shard

MAGIC = b"FASTNET\0"
PREFIX = struct.Struct("<8sII")
PEAK_BYTES = 64 << 20  # what one hostile case may allocate (Python and numpy allocations, tracemalloc)
POSIX = os.name == "posix"


# ---------------------------------------------------------------- helpers
def _split(buf: bytes) -> tuple:
    _, _, hlen = PREFIX.unpack_from(buf, 0)
    return json.loads(buf[PREFIX.size:PREFIX.size + hlen]), buf[PREFIX.size + hlen + 4:]


def _join(header: Any, body: bytes, raw_header: Optional[bytes] = None) -> bytes:
    hb = raw_header if raw_header is not None else json.dumps(header, sort_keys=True).encode()
    return PREFIX.pack(MAGIC, 1, len(hb)) + hb + struct.pack("<I", zlib.crc32(hb)) + body


def _entry(header: Dict[str, Any], name: str) -> Dict[str, Any]:
    return next(e for e in header["arrays"] if e["name"] == name)


def _sparse_bytes() -> bytes:
    return fn.Network([fn.Sparse(6, 4, density=0.5, activation="tanh"), fn.Dense(4, 2, "softmax")], seed=3).to_bytes()


def _bounded(fn_: Callable[[], object], limit: int = PEAK_BYTES) -> Optional[BaseException]:
    """Run fn_; return the exception it raised (None if none) after asserting its peak allocation."""
    tracemalloc.start()
    try:
        fn_()
        exc: Optional[BaseException] = None
    except (ValueError, OSError) as e:
        exc = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < limit, f"allocated {peak} bytes (bound {limit})"
    return exc


def _idx(code: int, dims: List[int], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


# ---------------------------------------------------------------- .fnet: sizes in the header
def test_sparse_in_features_zero_is_a_format_error() -> None:
    header, body = _split(_sparse_bytes())
    header["layers"][0]["in_features"] = 0  # was a ZeroDivisionError (the density in_features x out_features)
    with pytest.raises(fn.ModelFormatError, match=r"layer 0: in_features=0 .* must be integers in \[1, "):
        fn.Network.from_bytes(_join(header, body))


def test_sparse_in_features_huge_is_refused_without_allocating(tmp_path: Path) -> None:
    """A 2 KB file whose sparse first layer claims 2**24 + 1 inputs (its topology is that of 6 inputs): the loader
    used to build it, allocating per input; now refused from the sizes alone. (The 10**9 of the audit, which took
    27 s and 7.6 GB, is the subprocess test below.)"""
    header, body = _split(_sparse_bytes())
    header["layers"][0]["in_features"] = 2**24 + 1
    p = tmp_path / "wide.fnet"
    p.write_bytes(_join(header, body))
    exc = _bounded(lambda: fn.load(p))
    assert isinstance(exc, fn.ModelFormatError) and "sparse in_features=16777217" in str(exc)


@pytest.mark.skipif(not POSIX, reason="needs resource limits (POSIX)")
def test_sparse_in_features_1e9_in_a_memory_capped_process(tmp_path: Path) -> None:
    """The audit's file (in_features=10**9), loaded in a child process whose address space is capped at 3 GiB and
    given 60 s, so that a regression fails this test instead of taking the machine's memory."""
    header, body = _split(_sparse_bytes())
    header["layers"][0]["in_features"] = 10**9
    p = tmp_path / "huge.fnet"
    p.write_bytes(_join(header, body))
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        import fastnet as fn
        try:
            fn.load({str(p)!r})
        except fn.ModelFormatError as exc:
            print("REFUSED", exc)
            sys.exit(0)
        sys.exit("loaded a 10**9-input sparse layer from a 2 KB file")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0 and "REFUSED" in r.stdout and "in_features=1000000000" in r.stdout, r.stdout + r.stderr


def test_sparse_connections_beyond_in_times_out() -> None:
    header, body = _split(_sparse_bytes())
    header["layers"][0]["in_features"] = 1  # 12 connections cannot fit 1 x 4
    with pytest.raises(fn.ModelFormatError, match="layer 0: sparse topology has 12 connections"):
        fn.Network.from_bytes(_join(header, body))


@pytest.mark.parametrize("depth", [65, 5000, 200_000])
def test_deeply_nested_header(tmp_path: Path, depth: int) -> None:
    """A JSON header nested 5,000 deep made json.loads raise RecursionError; it is refused before parsing."""
    raw = b'{"arrays": [], "x": ' + b"[" * depth + b"]" * depth + b"}"
    data = _join(None, b"", raw_header=raw)
    p = tmp_path / "deep.fnet"
    p.write_bytes(data)
    for load in (lambda: fn.Network.from_bytes(data), lambda: fn.load(p), lambda: fn.model_info(p),
                 lambda: fn.CascadeNetwork.from_bytes(data)):
        with pytest.raises(fn.ModelFormatError, match="nested deeper than 64 levels"):
            load()


def test_nesting_inside_strings_does_not_count() -> None:
    net = fn.Network([2, 2])
    header, body = _split(net.to_bytes())
    header["note"] = "[" * 1000 + '\\"{' * 100  # brackets (and escaped quotes) inside a string
    assert fn.Network.from_bytes(_join(header, body)).sizes == [2, 2]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("array", ["layers.0.weights", "layers.1.bias", "layers.0.weights.velocity"])
def test_nonfinite_values_in_fnet(tmp_path: Path, bad: float, array: str) -> None:
    net = fn.Network([3, 4, 2], seed=1)
    header, body = _split(net.to_bytes())
    e = _entry(header, array)
    arr = bytearray(body)
    arr[e["offset"]:e["offset"] + 4] = np.float32(bad).tobytes()
    e["crc32"] = zlib.crc32(bytes(arr[e["offset"]:e["offset"] + e["nbytes"]]))
    data = _join(header, bytes(arr))
    with pytest.raises(fn.ModelFormatError, match=rf"array '{array}' holds NaN or infinite values"):
        fn.Network.from_bytes(data)
    (tmp_path / "nan.fnet").write_bytes(data)
    with pytest.raises(fn.ModelFormatError, match=rf"array '{array}' holds NaN"):
        fn.load(tmp_path / "nan.fnet")


def test_model_info_reads_the_header_only(tmp_path: Path) -> None:
    """model_info of a 16 MB model allocates far less than the file (it used to read it all and copy every
    array) and still reports the parameters, from the array table."""
    net = fn.Network([2000, 2000, 2], seed=0)
    net.save(tmp_path / "big.fnet")
    info: Dict[str, Any] = {}
    assert _bounded(lambda: info.update(fn.model_info(tmp_path / "big.fnet")), limit=1 << 20) is None
    assert info["parameters"] == net.num_parameters
    assert info["file_size"] == (tmp_path / "big.fnet").stat().st_size


def test_fnet_array_past_the_end_is_refused_before_reading(tmp_path: Path) -> None:
    header, body = _split(fn.Network([3, 2]).to_bytes())
    _entry(header, "layers.0.weights")["offset"] = 2**40
    p = tmp_path / "far.fnet"
    p.write_bytes(_join(header, body))
    for load in (lambda: fn.load(p), lambda: fn.model_info(p)):
        exc = _bounded(load, limit=1 << 20)
        assert isinstance(exc, fn.ModelFormatError) and "extends past the end of the file" in str(exc)


# ---------------------------------------------------------------- endless streams: /dev/zero and FIFOs
def _fann_net_text(tmp_path: Path) -> bytes:
    fn.save_fann(fn.Network([2, 3, 1], activation="tanh", output="tanh", loss="mse"), tmp_path / "x.net")
    return (tmp_path / "x.net").read_bytes()


LOADERS: Dict[str, Callable[[str], object]] = {
    "load": fn.load, "model_info": fn.model_info, "load_fann": fn.load_fann, "load_idx": load_idx,
    "load_fann_data": load_fann_data, "load_idx_shard": lambda p: load_idx_shard(p, rank=0, size=2),
    "load_fann_data_shard": lambda p: load_fann_data_shard(p, rank=0, size=2),
}


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_in_a_capped_process(tmp_path: Path) -> None:
    """Every loader on /dev/zero, in a child process capped at 2 GiB of address space and 60 s: each used to read
    until MemoryError; each now refuses the device at once with a ValueError naming it."""
    code = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        import fastnet as fn
        from fastnet.datasets import load_fann_data, load_idx
        from fastnet.distributed import load_fann_data_shard, load_idx_shard
        for name, load in [("load", fn.load), ("model_info", fn.model_info), ("load_fann", fn.load_fann),
                           ("load_idx", load_idx), ("load_fann_data", load_fann_data),
                           ("load_idx_shard", lambda p: load_idx_shard(p, rank=0, size=1)),
                           ("load_fann_data_shard", lambda p: load_fann_data_shard(p, rank=0, size=1))]:
            try:
                load("/dev/zero")
                print(name, "LOADED")
            except ValueError as exc:
                print(name, "REFUSED" if "/dev/zero: not a regular file" in str(exc) else repr(exc))
            except BaseException as exc:
                print(name, repr(exc))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    lines = r.stdout.split("\n")
    for name in LOADERS:
        assert f"{name} REFUSED" in lines, r.stdout + r.stderr


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Callable[[bytes], str]]:
    """make(prefix): a FIFO whose writer sends `prefix` then 64 MiB of zeros (bounded, so that a
    loader that reads it all fails this test rather than hanging); the writer is unblocked and joined after."""
    made: List[tuple] = []
    stop = threading.Event()

    def make(prefix: bytes) -> str:
        path = str(tmp_path / f"fifo{len(made)}")
        os.mkfifo(path)

        def write() -> None:
            try:
                with open(path, "wb") as w:
                    w.write(prefix)
                    zeros = bytes(1 << 16)
                    for _ in range(1024):
                        if stop.is_set():
                            break
                        w.write(zeros)
            except OSError:  # the reader refused and closed it: BrokenPipeError
                pass

        t = threading.Thread(target=write, daemon=True)
        t.start()
        made.append((path, t))
        return path

    yield make
    stop.set()
    for path, t in made:
        if t.is_alive():  # blocked in open() (no reader) or write(): read until the writer is done
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while t.is_alive():
                    try:
                        os.read(fd, 1 << 20)
                    except BlockingIOError:
                        t.join(0.01)
            finally:
                os.close(fd)
        t.join()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
@pytest.mark.parametrize("name", list(LOADERS))
def test_fifo_with_a_valid_start_is_refused(fifo: Callable[[bytes], str], tmp_path: Path, name: str) -> None:
    """A FIFO that starts like a valid file and goes on: refused before anything is read (it has no size to check
    a header against), and opening it does not wait for a writer."""
    starts = {"load": fn.Network([2, 2]).to_bytes()[:64], "model_info": b"FASTNET\0",
              "load_fann": _fann_net_text(tmp_path)[:40], "load_idx": _idx(8, [10**6], b""),
              "load_fann_data": b"1000000 1 1\n", "load_idx_shard": _idx(8, [10**6], b""),
              "load_fann_data_shard": b"1000000 1 1\n"}
    path = fifo(starts[name])
    exc = _bounded(lambda: LOADERS[name](path))
    assert isinstance(exc, ValueError) and "not a regular file" in str(exc), exc


# ---------------------------------------------------------------- IDX
def test_idx_dims_whose_product_wraps(tmp_path: Path) -> None:
    """65536**4 = 2**64 wrapped to 0 in int64, so an empty payload 'matched' and the error was numpy's reshape
    message; the size is now computed exactly and reported as such."""
    p = tmp_path / "wrap.idx"
    p.write_bytes(_idx(8, [65536] * 4, b""))
    with pytest.raises(ValueError, match=r"IDX payload is 0 bytes, shape \(65536, 65536, 65536, 65536\) needs "
                                         r"18446744073709551616 bytes"):
        load_idx(p)
    p5 = tmp_path / "wrap5.idx"
    p5.write_bytes(_idx(8, [1] + [65536] * 4, b""))
    with pytest.raises(ValueError, match=r"IDX payload is 0 bytes, shape .* needs 18446744073709551616"):
        load_idx_shard(p5, rank=0, size=1)


@pytest.mark.parametrize("shard", [False, True], ids=["load_idx", "load_idx_shard"])
def test_gzipped_idx_claiming_more_than_gzip_can_hold(tmp_path: Path, shard: bool) -> None:
    p = tmp_path / "claim.idx.gz"
    p.write_bytes(gzip.compress(_idx(8, [2**32 - 1, 2**32 - 1], bytes(100)), mtime=0))
    exc = _bounded(lambda: load_idx_shard(p, rank=0, size=1) if shard else load_idx(p), limit=1 << 20)
    assert isinstance(exc, ValueError) and "gzip file can hold" in str(exc), exc


# ---------------------------------------------------------------- weights: non-finite or beyond the dtype
def test_assigning_weights_that_overflow_float32() -> None:
    net = fn.Network([4, 8], seed=0)
    before = net.layers[0].weights.copy()
    with pytest.raises(ValueError, match=r"weights of layer 0 overflows float32: a value of magnitude 1e\+300"):
        net.layers[0].weights = np.full((8, 4), 1e300)
    with pytest.raises(ValueError, match=r"bias of layer 0 overflows float32"):
        net.layers[0].bias = np.full(8, -4e38)
    np.testing.assert_array_equal(net.layers[0].weights, before)
    net64 = fn.Network([4, 8], seed=0, dtype="float64")
    net64.layers[0].weights = np.full((8, 4), 1e300)  # representable in float64: accepted
    assert net64.layers[0].weights[0, 0] == 1e300


def test_assigning_masked_nan_weights() -> None:
    """np.ma arrays keep NaN under the mask; what reaches the core is the data, so it is refused."""
    net = fn.Network([2, 2], seed=0)
    with pytest.raises(ValueError, match="weights contains NaN or infinite values"):
        net.layers[0].weights = np.ma.masked_invalid(np.array([[np.nan, 1.0], [1.0, 1.0]]))


@pytest.mark.parametrize("dtype,low,high", [("float32", -1e300, 1e300), ("float32", 0.0, 3.5e38),
                                            ("float64", -1.7e308, 1.7e308)])
def test_randomize_weights_beyond_the_dtype(dtype: str, low: float, high: float) -> None:
    net = fn.Network([3, 2], seed=0, dtype=dtype)
    before = net.layers[0].weights.copy()
    with pytest.raises(ValueError, match=rf"bounds .* outside the range of {dtype}"):
        net.randomize_weights(low, high)
    np.testing.assert_array_equal(net.layers[0].weights, before)


def test_nguyen_widrow_on_a_tiny_span() -> None:
    net = fn.Network([1, 3, 1], activation="tanh", output="linear", loss="mse")
    with pytest.raises(ValueError, match="overflows float32"):
        net.init_nguyen_widrow(np.array([[0.0], [1e-44]], dtype=np.float32))


def test_nan_input_is_reported_as_nan_not_as_out_of_range() -> None:
    net = fn.Network([2, 2], seed=0)
    X = np.ma.masked_invalid(np.array([[np.nan, 1.0], [0.5, 0.5]]))  # min/max of a masked array skip the NaN
    with pytest.raises(ValueError, match="X contains NaN or infinite values"):
        net.predict(X)
    with pytest.raises(ValueError, match="X contains values outside the range of float32"):
        net.predict(np.array([[1e300, 1.0]]))


def test_fann_net_nonfinite_weight_is_a_format_error(tmp_path: Path) -> None:
    text = _fann_net_text(tmp_path).decode()
    head, conns = text.split("connections (connected_to_neuron, weight)=")
    first_weight = conns.split(",", 1)[1].split(")", 1)[0].strip()
    p = tmp_path / "nan.net"
    p.write_text(head + "connections (connected_to_neuron, weight)=" + conns.replace(first_weight, "nan", 1))
    with pytest.raises(fn.ModelFormatError, match=r"line \d+: the weight of connection 0 is not a finite number"):
        fn.load_fann(p)


# ---------------------------------------------------------------- fuzz: sizes in valid headers
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("FASTNET_FUZZ_EXAMPLES", "60"))
fuzz = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=5),
                derandomize=os.environ.get("FASTNET_FUZZ_EXAMPLES") is None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

#: the integers a hostile header uses: 0, off-by-one, int32/uint32/int64 edges, products that wrap
SIZES = st.sampled_from([0, 1, 2, 3, 4, 6, 7, 255, 65536, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**62, 2**63 - 1,
                         2**63, 2**64, 10**9, 10**18, -1, -(2**31)]) | st.integers(-10, 10**6)


@pytest.fixture(scope="module")
def rss_guard() -> Iterator[None]:
    """The process's peak RSS may not grow by more than 1 GiB over the fuzz tests: C++ allocations (which
    tracemalloc does not see) count too."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < (1 << 20), f"peak RSS grew by {grown_kib} KiB during the fuzz tests"


def _fuzz_case(load: Callable[[], object]) -> None:
    _bounded(load)  # asserts the peak; lets only ValueError/OSError through as clean rejections


FNET_SEEDS = [_sparse_bytes(), fn.Network([3, 4, 2], seed=1).to_bytes()]


@fuzz
@given(seed=st.sampled_from(range(len(FNET_SEEDS))), edits=st.lists(
    st.tuples(st.integers(0, 50), st.sampled_from(["in_features", "out_features", "shape", "offset", "nbytes"]),
              SIZES), min_size=1, max_size=4))
def test_fuzz_fnet_header_sizes(rss_guard: None, tmp_path_factory: Any, seed: int, edits: List[tuple]) -> None:
    header, body = _split(FNET_SEEDS[seed])
    for index, field, value in edits:
        if field in ("in_features", "out_features"):
            header["layers"][index % len(header["layers"])][field] = value
        else:
            e = header["arrays"][index % len(header["arrays"])]
            if field == "shape":
                e["shape"] = [value] + e["shape"][1:] if e["shape"] else [value]
                e["nbytes"] = max(0, math.prod(e["shape"])) * {"f4": 4, "f8": 8, "i4": 4, "u8": 8}[e["dtype"]]
            else:
                e[field] = value
    data = _join(header, body)
    _fuzz_case(lambda: fn.Network.from_bytes(data))
    p = tmp_path_factory.getbasetemp() / "fuzz.fnet"
    p.write_bytes(data)
    _fuzz_case(lambda: fn.load(p))
    _fuzz_case(lambda: fn.model_info(p))


@fuzz
@given(code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]),
       dims=st.lists(st.sampled_from([0, 1, 2, 3, 255, 256, 65535, 65536, 2**31, 2**32 - 1]), min_size=1, max_size=6),
       payload=st.integers(0, 300), gz=st.booleans())
def test_fuzz_idx_header_sizes(rss_guard: None, tmp_path_factory: Any, code: int, dims: List[int], payload: int,
                               gz: bool) -> None:
    data = _idx(code, dims, bytes(range(256)) * 2)
    data = data[:4 + 4 * len(dims) + payload]
    p = tmp_path_factory.getbasetemp() / ("fuzz.idx.gz" if gz else "fuzz.idx")
    p.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    _fuzz_case(lambda: load_idx(p))
    _fuzz_case(lambda: load_idx_shard(p, rank=1, size=3))
    _fuzz_case(lambda: load_idx_shard(p, rank=0, size=2, mode="strided"))


@fuzz
@given(n=SIZES, ni=SIZES, no=SIZES, values=st.lists(st.sampled_from(["0", "1.5", "-2", "1e38", "4e38", "nan"]),
                                                    max_size=12))
def test_fuzz_fann_data_header_sizes(rss_guard: None, tmp_path_factory: Any, n: int, ni: int, no: int,
                                     values: List[str]) -> None:
    p = tmp_path_factory.getbasetemp() / "fuzz.data"
    p.write_text(f"{n} {ni} {no}\n" + " ".join(values) + "\n")
    _fuzz_case(lambda: load_fann_data(p))
    _fuzz_case(lambda: load_fann_data_shard(p, rank=0, size=2))


FANN_NET_SEED: List[bytes] = []


@fuzz
@given(key=st.sampled_from(["num_layers", "layer_sizes", "connection_rate", "network_type", "neurons",
                            "connections", "decimal_point"]),
       value=SIZES, which=st.integers(0, 40))
def test_fuzz_fann_net_header_sizes(rss_guard: None, tmp_path_factory: Any, key: str, value: int,
                                    which: int) -> None:
    base = tmp_path_factory.getbasetemp()
    if not FANN_NET_SEED:
        FANN_NET_SEED.append(_fann_net_text(base))
    lines = FANN_NET_SEED[0].decode().split("\n")
    for i, line in enumerate(lines):
        k, eq, v = line.partition("=")
        if eq and k.startswith(key):
            # replace the `which`-th integer of the line with `value` (counts, sizes, neuron indices)
            parts = v.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split()
            ints = [j for j, t in enumerate(parts) if t.lstrip("-").isdigit()]
            if ints:
                parts[ints[which % len(ints)]] = str(value)
            lines[i] = k + "=" + " ".join(parts)
    p = base / "fuzz.net"
    p.write_text("\n".join(lines))
    _fuzz_case(lambda: fn.load_fann(p))


def test_save_refuses_non_finite_weights_and_keeps_the_old_file(tmp_path: Path) -> None:
    """Fails if a network whose weights went NaN (set behind the checked setters, as a diverged run could leave
    them) is saved into a file that fn.load would then refuse, or if the previous file is lost."""
    net = fn.Network([3, 4, 2], seed=0)
    path = tmp_path / "m.fnet"
    net.save(path)
    before = path.read_bytes()
    w = net.layers[0].weights.copy()
    w[1, 2] = np.nan
    net._core.set_param(0, False, 0, np.ascontiguousarray(w, dtype=np.float32))
    with pytest.raises(ValueError, match=r"'layers\.0\.weights' holds NaN or infinite values"):
        net.save(path)
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.to_bytes()
    assert path.read_bytes() == before
