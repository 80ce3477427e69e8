"""Property-based fuzzing of every file loader with hypothesis: random bytes and mutated valid files (byte
flips, truncations, insertions, deletions) must only ever raise ValueError or OSError (fastnet's
ModelFormatError and UnicodeDecodeError are ValueErrors). Anything else (IndexError, KeyError, TypeError,
OverflowError, MemoryError, a warning turned into an error by the pytest config, a crash) is a loader bug.

Loaders covered: fastnet.load and fastnet.Network.from_bytes (.fnet), fastnet.CascadeNetwork.from_bytes
(cascade .fnet), fastnet.load_fann (FANN .net text, layered and shortcut), fastnet.datasets.load_fann_data (FANN
training data), fastnet.datasets.load_idx (plain and gzipped IDX).

The default budget keeps this file at a few seconds. Fuzz longer with, e.g.::

    FASTNET_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py

(the number of examples per test; scripts/sanitize.sh runs these tests against an ASan/UBSan build, and
honours the same variable). hypothesis keeps failing examples in .hypothesis/ (git-ignored) and replays them
first on the next run.
"""

from __future__ import annotations

import gzip
import os
import struct
import tempfile
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fastnet as fn  # noqa: E402
from fastnet.datasets import load_fann_data, load_idx  # noqa: E402

EXAMPLES = int(os.environ.get("FASTNET_FUZZ_EXAMPLES", "300"))
CLEAN = (ValueError, OSError)

fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("FASTNET_FUZZ_EXAMPLES") is None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------- seeds: small valid files
def _net(activation: str = "tanh", output: str = "sigmoid") -> fn.Network:
    return fn.Network([3, 4, 2], activation=activation, output=output, loss="mse", seed=1)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fastnet-fuzz-") as d:
        yield Path(d)


def _fnet_seed() -> bytes:
    return _net("relu", "softmax").to_bytes()


def _fann_net_seed(workdir: Path) -> bytes:
    p = workdir / "seed.net"
    fn.save_fann(_net(), p)
    return p.read_bytes()


FANN_DATA_SEED = b"4 2 1\n-1 -1\n-1\n-1 1\n1\n1 -1\n1\n1 1\n-1\n"


def _idx_seed() -> bytes:
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    return struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">3I", *a.shape) + a.tobytes()


def _idx_f32_seed() -> bytes:
    a = np.linspace(-1, 1, 6, dtype=">f4")
    return struct.pack(">BBBB", 0, 0, 0x0D, 1) + struct.pack(">I", 6) + a.tobytes()


# ---------------------------------------------------------------- mutations
_op = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 2**16), st.integers(0, 255)),
    st.tuples(st.just("bitflip"), st.integers(0, 2**16), st.integers(0, 7)),
    st.tuples(st.just("truncate"), st.integers(0, 2**16), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 2**16), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.integers(0, 2**16), st.integers(1, 16)),
    st.tuples(st.just("token"), st.integers(0, 2**16),
              st.sampled_from([b"-1", b"0", b"4294967296", b"1e999", b"nan", b"-inf", b"99999999999999999999",
                               b"\xff", b"\x00", b"=", b" ", b"\n", b"(", b")", b",", b"1.5", b"-0"])),
)


def mutate(data: bytes, ops: List[Tuple]) -> bytes:
    buf = bytearray(data)
    for kind, pos, arg in ops:
        i = pos % (len(buf) + 1)
        if kind == "flip" and buf:
            buf[i % len(buf)] = arg
        elif kind == "bitflip" and buf:
            buf[i % len(buf)] ^= 1 << arg
        elif kind == "truncate":
            del buf[i:]
        elif kind == "insert" or kind == "token":
            buf[i:i] = arg
        elif kind == "delete":
            del buf[i:i + arg]
    return bytes(buf)


mutations = st.lists(_op, min_size=1, max_size=6)


def _check(loader: Callable[[], object]) -> None:
    try:
        loader()
    except CLEAN:
        pass  # a clean rejection; any other exception propagates and fails the test


def _write(workdir: Path, name: str, data: bytes) -> Path:
    p = workdir / name
    p.write_bytes(data)
    return p


# ---------------------------------------------------------------- the seeds themselves load
def test_seeds_are_valid(workdir: Path) -> None:
    assert fn.Network.from_bytes(_fnet_seed()).sizes == [3, 4, 2]
    assert fn.load(_write(workdir, "s.fnet", _fnet_seed())).sizes == [3, 4, 2]
    assert fn.load_fann(_write(workdir, "s.net", _fann_net_seed(workdir))).sizes == [3, 4, 2]
    assert load_fann_data(_write(workdir, "s.data", FANN_DATA_SEED))[0].shape == (4, 2)
    assert load_idx(_write(workdir, "s.idx", _idx_seed())).shape == (2, 3, 4)
    assert load_idx(_write(workdir, "s.idx.gz", gzip.compress(_idx_seed()))).shape == (2, 3, 4)
    assert load_idx(_write(workdir, "f.idx", _idx_f32_seed())).dtype == np.float32
    assert fn.CascadeNetwork.from_bytes(_cascade_cached()[0]).num_hidden == 2
    assert fn.load_fann(_write(workdir, "c.net", _cascade_cached()[1])).num_hidden == 2


# ---------------------------------------------------------------- .fnet
@fuzz
@given(ops=mutations)
def test_fnet_from_bytes_mutated(ops: List[Tuple]) -> None:
    data = mutate(_FNET, ops)
    _check(lambda: fn.Network.from_bytes(data))


@fuzz
@given(data=st.binary(max_size=512))
def test_fnet_from_bytes_random(data: bytes) -> None:
    _check(lambda: fn.Network.from_bytes(data))
    _check(lambda: fn.Network.from_bytes(_FNET[:16] + data))  # valid magic, random rest


@fuzz
@given(ops=mutations)
def test_fnet_load_mutated(workdir: Path, ops: List[Tuple]) -> None:
    p = _write(workdir, "m.fnet", mutate(_FNET, ops))
    _check(lambda: fn.load(p))


# ---------------------------------------------------------------- FANN .net
@fuzz
@given(ops=mutations)
def test_fann_net_mutated(workdir: Path, ops: List[Tuple]) -> None:
    p = _write(workdir, "m.net", mutate(_fann_seed_cached(workdir), ops))
    _check(lambda: fn.load_fann(p))
    _check(lambda: fn.load_fann(p, approximate_stepwise=True))


@fuzz
@given(data=st.binary(max_size=512))
def test_fann_net_random(workdir: Path, data: bytes) -> None:
    seed = _fann_seed_cached(workdir)
    p = _write(workdir, "r.net", seed[:seed.index(b"\n") + 1] + data)  # valid version line, random rest
    _check(lambda: fn.load_fann(p))


# ---------------------------------------------------------------- cascade networks (.fnet and FANN shortcut .net)
def _cascade_seed() -> fn.CascadeNetwork:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (30, 2)).astype(np.float32)
    return fn.cascade_train(X, (X[:, :1] * X[:, 1:] > 0).astype(np.float32), max_neurons=2, max_out_epochs=5,
                            max_cand_epochs=5, candidate_activations=["gaussian", "sin"], candidate_steepnesses=[1.0])


@fuzz
@given(ops=mutations)
def test_cascade_fnet_mutated(workdir: Path, ops: List[Tuple]) -> None:
    data = mutate(_cascade_cached()[0], ops)
    _check(lambda: fn.CascadeNetwork.from_bytes(data))
    _check(lambda: fn.load(_write(workdir, "c.fnet", data)))


@fuzz
@given(ops=mutations)
def test_fann_shortcut_mutated(workdir: Path, ops: List[Tuple]) -> None:
    p = _write(workdir, "c.net", mutate(_cascade_cached()[1], ops))
    _check(lambda: fn.load_fann(p))
    _check(lambda: fn.CascadeNetwork.load_fann(p, approximate_stepwise=True))


# ---------------------------------------------------------------- FANN training data
@fuzz
@given(ops=mutations)
def test_fann_data_mutated(workdir: Path, ops: List[Tuple]) -> None:
    p = _write(workdir, "m.data", mutate(FANN_DATA_SEED, ops))
    _check(lambda: load_fann_data(p))


@fuzz
@given(data=st.binary(max_size=256) | st.text(alphabet="0123456789 \n-+.eEnaif", max_size=64).map(str.encode))
def test_fann_data_random(workdir: Path, data: bytes) -> None:
    p = _write(workdir, "r.data", data)
    _check(lambda: load_fann_data(p))


# ---------------------------------------------------------------- IDX
@fuzz
@given(ops=mutations, f32=st.booleans(), gz=st.sampled_from(["plain", "gz-then-mutate", "mutate-then-gz"]))
def test_idx_mutated(workdir: Path, ops: List[Tuple], f32: bool, gz: str) -> None:
    seed = _idx_f32_seed() if f32 else _idx_seed()
    if gz == "plain":
        p = _write(workdir, "m.idx", mutate(seed, ops))
    elif gz == "gz-then-mutate":
        p = _write(workdir, "m.idx.gz", mutate(gzip.compress(seed, mtime=0), ops))
    else:
        p = _write(workdir, "m.idx.gz", gzip.compress(mutate(seed, ops), mtime=0))
    _check(lambda: load_idx(p))


@fuzz
@given(data=st.binary(max_size=256), gz=st.booleans())
def test_idx_random(workdir: Path, data: bytes, gz: bool) -> None:
    _check(lambda: load_idx(_write(workdir, "r.idx", data)))
    _check(lambda: load_idx(_write(workdir, "r.idx.gz", gzip.compress(data, mtime=0) if gz else data)))


_FNET = _fnet_seed()
_FANN_CACHE: List[bytes] = []
_CASCADE_CACHE: List[Tuple[bytes, bytes]] = []


def _cascade_cached() -> Tuple[bytes, bytes]:
    """(cascade .fnet bytes, the same network as a FANN shortcut .net file)"""
    if not _CASCADE_CACHE:
        net = _cascade_seed()
        with tempfile.TemporaryDirectory(prefix="fastnet-fuzz-") as d:
            net.save_fann(Path(d) / "c.net")
            _CASCADE_CACHE.append((net.to_bytes(), (Path(d) / "c.net").read_bytes()))
    return _CASCADE_CACHE[0]


def _fann_seed_cached(workdir: Path) -> bytes:
    if not _FANN_CACHE:
        _FANN_CACHE.append(_fann_net_seed(workdir))
    return _FANN_CACHE[0]
