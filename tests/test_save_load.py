"""The .fnet model file: bit-identical round trips, pickling, resumable training, and a reader that rejects every
damaged or hostile file with a ValueError (fastnet.ModelFormatError) that names the problem — never a crash.

The file layout is restated here from fastnet/_format.py's documentation (not imported from it), so these tests
check the format as documented::

    8 bytes magic b"FASTNET\\0" | u32 version | u32 header length H | H bytes JSON header | u32 CRC-32 of header |
    arrays (raw little-endian, at the offsets the header's "arrays" table gives, each with its CRC-32)
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

import fastnet as fn

MAGIC = b"FASTNET\0"
PREFIX = struct.Struct("<8sII")
DTYPES = ["float32", "float64"]


# ---------------------------------------------------------------- helpers
def _data(n=40, n_in=5, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in)).astype(np.float32)
    y = rng.integers(0, n_out, size=n)
    return X, y


ARCHS = {
    "softmax": lambda dt, seed=0: fn.Network([5, 7, 3], activation="relu", output="softmax", seed=seed, dtype=dt),
    "explicit": lambda dt, seed=0: fn.Network(
        [fn.Dense(5, 6, "leaky_relu", init="he_normal", alpha=0.2), fn.Dense(6, 4, "tanh", init="lecun_uniform"),
         fn.Dense(4, 3, "sigmoid", init="glorot_normal")], loss="cross_entropy", seed=seed, dtype=dt),
    "regression": lambda dt, seed=0: fn.Network([5, 4, 3], activation="sigmoid", output="linear", loss="mse",
                                                seed=seed, dtype=dt),
}


def _targets(arch, y, n_out=3):
    if arch == "softmax":
        return y
    if arch == "explicit":
        return np.eye(n_out)[y]
    return np.eye(n_out)[y] * 2.0 - 0.5  # regression targets


def _trained(arch="softmax", dtype="float32", seed=0, epochs=2):
    X, y = _data()
    net = ARCHS[arch](dtype, seed)
    net.fit(X, _targets(arch, y), epochs=epochs, batch_size=8, lr=0.05, momentum=0.9, verbose=0)
    return net, X, y


def _params(net):
    return [(L.weights.copy(), L.bias.copy()) for L in net.layers]


def _assert_same_params(a, b):
    for i, ((wa, ba), (wb, bb)) in enumerate(zip(_params(a), _params(b))):
        assert wa.dtype == wb.dtype and ba.dtype == bb.dtype
        assert np.array_equal(wa, wb), f"layer {i} weights differ"
        assert np.array_equal(ba, bb), f"layer {i} bias differs"


def _assert_same_model(a, b, X):
    assert type(b) is fn.Network
    assert b.specs == a.specs
    assert b.loss == a.loss
    assert b.dtype == a.dtype
    assert b.seed == a.seed
    assert b.sizes == a.sizes
    assert [L.activation for L in b.layers] == [L.activation for L in a.layers]
    _assert_same_params(a, b)
    Pa, Pb = a.predict(X), b.predict(X)
    assert Pb.dtype == Pa.dtype
    assert np.array_equal(Pa, Pb), "predictions are not bit-identical"


def _split(buf):
    magic, version, hlen = PREFIX.unpack_from(buf, 0)
    header = json.loads(buf[PREFIX.size:PREFIX.size + hlen].decode("utf-8"))
    body = buf[PREFIX.size + hlen + 4:]
    return magic, version, hlen, header, body


def _join(header, body, magic=MAGIC, version=1, raw_header=None):
    hb = raw_header if raw_header is not None else json.dumps(header, sort_keys=True).encode("utf-8")
    return PREFIX.pack(magic, version, len(hb)) + hb + struct.pack("<I", zlib.crc32(hb)) + body


def _array_entry(header, name):
    for e in header["arrays"]:
        if e["name"] == name:
            return e
    raise KeyError(name)


@pytest.fixture(scope="module")
def model_bytes():
    net, _, _ = _trained()
    return net.to_bytes()


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("arch", list(ARCHS))
def test_save_load_round_trip(tmp_path, arch, dtype):
    net, X, y = _trained(arch, dtype)
    path = tmp_path / "model.fnet"
    net.save(path)
    loaded = fn.load(path)
    _assert_same_model(net, loaded, X)
    assert loaded.evaluate(X, _targets(arch, y)) == net.evaluate(X, _targets(arch, y))
    # float64 input gives the same as the network's dtype
    assert np.array_equal(loaded.predict(X.astype(np.float64)), net.predict(X.astype(np.float64)))


def test_save_load_str_and_pathlike(tmp_path):
    net, X, _ = _trained()
    net.save(str(tmp_path / "a.fnet"))
    net.save(tmp_path / "b.fnet")
    for p in (str(tmp_path / "a.fnet"), tmp_path / "b.fnet"):
        _assert_same_model(net, fn.load(p), X)
    assert (tmp_path / "a.fnet").read_bytes() == (tmp_path / "b.fnet").read_bytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_untrained_round_trip(tmp_path, dtype):
    net = fn.Network([3, 2], activation="relu", output="sigmoid", seed=123, dtype=dtype)
    net.save(tmp_path / "m.fnet")
    _assert_same_model(net, fn.load(tmp_path / "m.fnet"), np.eye(3, dtype=np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bytes_are_stable_across_round_trip(tmp_path, dtype):
    """Loading and saving again gives the same bytes: weights, velocities, RNG state and specs all survive."""
    net, _, _ = _trained("explicit", dtype)
    b1 = net.to_bytes()
    b2 = fn.Network.from_bytes(b1).to_bytes()
    assert b1 == b2
    net.save(tmp_path / "m.fnet")
    assert (tmp_path / "m.fnet").read_bytes() == b1


def test_file_starts_with_magic_and_version(model_bytes):
    magic, version, hlen, header, body = _split(model_bytes)
    assert magic == MAGIC
    assert version == 1
    assert header["dtype"] == "float32" and header["loss"] == "cross_entropy"
    names = {e["name"] for e in header["arrays"]}
    assert {"layers.0.weights", "layers.0.bias", "layers.1.weights.velocity", "layers.1.bias.velocity"} <= names
    assert sum(e["nbytes"] for e in header["arrays"]) == len(body)


# ---------------------------------------------------------------- pickle and copy
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_pickle_round_trip(dtype, protocol):
    net, X, _ = _trained("explicit", dtype)
    clone = pickle.loads(pickle.dumps(net, protocol=protocol))
    _assert_same_model(net, clone, X)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("how", ["deepcopy", "copy"])
def test_copy_round_trip_and_independence(dtype, how):
    net, X, y = _trained("softmax", dtype)
    before = net.predict(X)
    clone = copy.deepcopy(net) if how == "deepcopy" else copy.copy(net)
    _assert_same_model(net, clone, X)
    clone.fit(X, y, epochs=2, lr=0.5, verbose=0)
    assert np.array_equal(net.predict(X), before), "training a copy changed the original"
    assert not np.array_equal(clone.predict(X), before)
    clone.layers[0].weights = np.zeros_like(clone.layers[0].weights)
    assert np.array_equal(net.predict(X), before), "assigning to a copy's weights changed the original"


def test_pickle_in_container():
    nets = [_trained("softmax", dt)[0] for dt in DTYPES]
    X = _data()[0]
    back = pickle.loads(pickle.dumps({"models": nets}))
    for a, b in zip(nets, back["models"]):
        _assert_same_model(a, b, X)


# ---------------------------------------------------------------- resuming training
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "opts",
    [
        {"momentum": 0.9, "shuffle": True},
        {"momentum": 0.9, "shuffle": False},
        {"momentum": 0.0, "shuffle": True},
        {"momentum": 0.8, "nesterov": True, "weight_decay": 1e-3, "shuffle": True},
    ],
    ids=["momentum+shuffle", "momentum", "shuffle", "nesterov+wd"],
)
@pytest.mark.parametrize("via", ["file", "pickle"])
def test_continue_training_after_load_is_bit_identical(tmp_path, dtype, opts, via):
    X, y = _data(n=37)
    kw = dict(batch_size=6, lr=0.05, verbose=0, **opts)
    a = fn.Network([5, 7, 3], seed=11, dtype=dtype)
    a.fit(X, y, epochs=1, **kw)
    if via == "file":
        a.save(tmp_path / "a.fnet")
        b = fn.load(tmp_path / "a.fnet")
    else:
        b = pickle.loads(pickle.dumps(a))
    ha = a.fit(X, y, epochs=1, **kw)
    hb = b.fit(X, y, epochs=1, **kw)
    _assert_same_params(a, b)
    assert ha["loss"] == hb["loss"]
    assert np.array_equal(a.predict(X), b.predict(X))
    assert a.to_bytes() == b.to_bytes()


def test_resume_needs_the_saved_optimizer_state():
    """Sanity check that the test above is sensitive: the same weights with a fresh momentum and RNG state
    train differently, so bit-identity after loading really comes from the stored state."""
    X, y = _data(n=37)
    kw = dict(batch_size=6, lr=0.05, momentum=0.9, verbose=0)
    a = fn.Network([5, 7, 3], seed=11)
    a.fit(X, y, epochs=1, **kw)
    c = fn.Network([5, 7, 3], seed=11)
    for La, Lc in zip(a.layers, c.layers):
        Lc.weights, Lc.bias = La.weights, La.bias
    a.fit(X, y, epochs=1, **kw)
    c.fit(X, y, epochs=1, **kw)
    assert not np.array_equal(a.layers[0].weights, c.layers[0].weights)


# ---------------------------------------------------------------- damaged files
def _load_bytes(tmp_path, data, name="bad.fnet"):
    p = tmp_path / name
    p.write_bytes(data)
    return fn.load(p)


def test_model_format_error_is_value_error():
    assert issubclass(fn.ModelFormatError, ValueError)


def test_zero_length_file(tmp_path):
    with pytest.raises(fn.ModelFormatError,
                       match=r"bad\.fnet: not a valid fastnet model: file is too short \(0 bytes\)"):
        _load_bytes(tmp_path, b"")


def _cut_points(buf):
    hlen = PREFIX.unpack_from(buf, 0)[2]
    hstart, hend = PREFIX.size, PREFIX.size + hlen
    data_start = hend + 4
    return {
        "1 byte": 1,
        "in magic": 5,
        "after magic": 8,
        "in version": 10,
        "after version": 12,
        "in header length": 14,
        "after prefix": hstart,
        "header start+1": hstart + 1,
        "mid header": hstart + hlen // 2,
        "header end-1": hend - 1,
        "before header crc": hend,
        "in header crc": hend + 2,
        "after header crc": data_start,
        "first array +3": data_start + 3,
        "mid arrays": data_start + (len(buf) - data_start) // 2,
        "last byte missing": len(buf) - 1,
    }


@pytest.mark.parametrize("where", list(_cut_points(b"\0" * 16 + b"x" * 10000)))
def test_truncated_file(tmp_path, model_bytes, where):
    cut = _cut_points(model_bytes)[where]
    assert 0 < cut < len(model_bytes)
    with pytest.raises(fn.ModelFormatError, match=r"not a valid fastnet model: .*(too short|truncated)"):
        _load_bytes(tmp_path, model_bytes[:cut])


def test_truncated_at_every_byte_never_loads(model_bytes):
    """Every prefix of a valid file is rejected with ModelFormatError (a few thousand cheap checks)."""
    step = max(1, len(model_bytes) // 1500)
    for cut in list(range(0, 64)) + list(range(64, len(model_bytes), step)):
        with pytest.raises(fn.ModelFormatError):
            fn.Network.from_bytes(model_bytes[:cut])


@pytest.mark.parametrize("tail", [b"\0", b"\0garbage", b"FASTNET\0"])
def test_trailing_garbage_is_rejected(model_bytes, tail):
    """The array table fixes where a file ends: any byte after the last array is damage and must be rejected
    (fails if such a file loads, or fails with anything but ModelFormatError)."""
    with pytest.raises(fn.ModelFormatError, match=f"not a valid fastnet model: {len(tail)} bytes after the last"):
        fn.Network.from_bytes(model_bytes + tail)
    fn.Network.from_bytes(model_bytes)  # the file itself is fine


def _flip(buf, i, mask=0x01):
    b = bytearray(buf)
    b[i] ^= mask
    return bytes(b)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_flipped_byte_in_header(tmp_path, model_bytes, where):
    hlen = PREFIX.unpack_from(model_bytes, 0)[2]
    i = {"first": PREFIX.size, "middle": PREFIX.size + hlen // 2, "last": PREFIX.size + hlen - 1}[where]
    with pytest.raises(fn.ModelFormatError, match=r"header checksum mismatch"):
        _load_bytes(tmp_path, _flip(model_bytes, i, 0x04))


def test_flipped_byte_in_header_crc(tmp_path, model_bytes):
    hlen = PREFIX.unpack_from(model_bytes, 0)[2]
    with pytest.raises(fn.ModelFormatError, match=r"header checksum mismatch"):
        _load_bytes(tmp_path, _flip(model_bytes, PREFIX.size + hlen + 1))


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_flipped_byte_in_header_length(tmp_path, model_bytes, mask):
    with pytest.raises(fn.ModelFormatError, match=r"(checksum mismatch|exceeds the file size|truncated|JSON)"):
        _load_bytes(tmp_path, _flip(model_bytes, 12, mask))


@pytest.mark.parametrize("name", ["layers.0.weights", "layers.0.bias", "layers.1.weights", "layers.1.bias.velocity"])
@pytest.mark.parametrize("pos", ["first", "last"])
def test_flipped_byte_in_array(tmp_path, model_bytes, name, pos):
    _, _, hlen, header, _ = _split(model_bytes)
    e = _array_entry(header, name)
    data_start = PREFIX.size + hlen + 4
    i = data_start + e["offset"] + (0 if pos == "first" else e["nbytes"] - 1)
    with pytest.raises(fn.ModelFormatError, match=rf"array '{name}' checksum mismatch"):
        _load_bytes(tmp_path, _flip(model_bytes, i))


@pytest.mark.parametrize("magic", [b"FASTNET\1", b"fastnet\0", b"\0" * 8, b"PK\x03\x04\0\0\0\0", b"FANN_FLO"])
def test_wrong_magic(tmp_path, model_bytes, magic):
    with pytest.raises(fn.ModelFormatError, match=r"wrong magic"):
        _load_bytes(tmp_path, magic + model_bytes[8:])


@pytest.mark.parametrize("version", [3, 99, 2**32 - 1, 0])  # (2: per-neuron steepness and activations)
def test_unsupported_format_version(tmp_path, model_bytes, version):
    data = model_bytes[:8] + struct.pack("<I", version) + model_bytes[12:]
    with pytest.raises(fn.ModelFormatError, match=rf"format version {version} is not supported"):
        _load_bytes(tmp_path, data)


def test_future_version_message_suggests_upgrade(tmp_path, model_bytes):
    data = model_bytes[:8] + struct.pack("<I", 99) + model_bytes[12:]
    with pytest.raises(ValueError, match=r"upgrade fastnet"):
        _load_bytes(tmp_path, data)


@pytest.mark.parametrize("seed", range(6))
def test_random_garbage(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.choice([3, 19, 20, 21, 64, 1000, 5000]))
    data = rng.integers(0, 256, size=n, dtype=np.uint8).tobytes()
    with pytest.raises(fn.ModelFormatError, match="not a valid fastnet model"):
        _load_bytes(tmp_path, data)


@pytest.mark.parametrize("seed", range(6))
def test_random_garbage_after_valid_prefix(tmp_path, seed):
    """Garbage that starts like a real file: valid magic and version, random length and content."""
    rng = np.random.default_rng(100 + seed)
    body = rng.integers(0, 256, size=int(rng.integers(4, 3000)), dtype=np.uint8).tobytes()
    hlen = int(rng.integers(0, len(body) + 16)) if seed % 2 else int(rng.integers(0, 2**32))
    data = MAGIC + struct.pack("<II", 1, hlen) + body
    with pytest.raises(fn.ModelFormatError, match="not a valid fastnet model"):
        _load_bytes(tmp_path, data)


def test_random_single_byte_corruptions_never_load_silently(model_bytes):
    """Flip random bytes anywhere: the file must be rejected (every byte is covered by a checksum or checked)."""
    rng = np.random.default_rng(7)
    for i in rng.integers(0, len(model_bytes), size=200):
        with pytest.raises(fn.ModelFormatError):
            fn.Network.from_bytes(_flip(model_bytes, int(i), int(rng.integers(1, 256))))


# ---------------------------------------------------------------- crafted headers (valid header CRC)
@pytest.mark.parametrize(
    "name,shape",
    [
        ("layers.0.weights", [2**40, 2**20]),
        ("layers.0.bias", [2**61]),
        ("layers.1.weights.velocity", [2**31, 2**31, 16]),
    ],
)
def test_header_claims_huge_array(tmp_path, model_bytes, name, shape):
    _, _, _, header, body = _split(model_bytes)
    e = _array_entry(header, name)
    count = 1
    for d in shape:
        count *= d
    e["shape"] = shape
    e["nbytes"] = count * 4
    data = _join(header, body)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"array '{name}' extends past the end of the file"):
            _load_bytes(tmp_path, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"loading allocated {peak} bytes for a file of {len(data)} bytes"


def test_header_claims_huge_offset(tmp_path, model_bytes):
    _, _, _, header, body = _split(model_bytes)
    _array_entry(header, "layers.1.bias")["offset"] = 2**62
    with pytest.raises(ValueError, match=r"array 'layers.1.bias' extends past the end of the file"):
        _load_bytes(tmp_path, _join(header, body))


def test_header_shape_inconsistent_with_nbytes(tmp_path, model_bytes):
    _, _, _, header, body = _split(model_bytes)
    _array_entry(header, "layers.0.weights")["shape"] = [2**40, 2**20]  # nbytes left as it was
    with pytest.raises(ValueError, match=r"array 'layers.0.weights': shape .* does not match its \d+ bytes"):
        _load_bytes(tmp_path, _join(header, body))


def _mutate(header, case):
    h = copy.deepcopy(header)
    L0 = h["layers"][0]
    if case == "layers missing":
        del h["layers"]
    elif case == "layers empty":
        h["layers"] = []
    elif case == "layers not objects":
        h["layers"] = [1, 2]
    elif case == "layers a string":
        h["layers"] = "dense"
    elif case == "layer kind unknown":
        L0["kind"] = "conv2d"
    elif case == "layers do not chain":
        L0["out_features"] += 1
    elif case == "hidden softmax":
        L0["activation"] = "softmax"
    elif case == "unknown activation":
        L0["activation"] = "gelu"
    elif case == "activation not a string":
        L0["activation"] = ["relu"]
    elif case == "in_features negative":
        L0["in_features"] = -4
    elif case == "in_features beyond int32":
        L0["in_features"] = 2**31
    elif case == "in_features astronomically large":
        L0["in_features"] = 10**30
    elif case == "in_features not a number":
        L0["in_features"] = "many"
    elif case == "alpha nan":
        L0["alpha"] = "nan"
    elif case == "unknown dtype":
        h["dtype"] = "float16"
    elif case == "dtype disagrees with arrays":
        h["dtype"] = "float64"
    elif case == "unknown loss":
        h["loss"] = "hinge"
    elif case == "seed missing":
        del h["seed"]
    elif case == "seed negative":
        h["seed"] = -1
    elif case == "rng_state short":
        h["rng_state"] = h["rng_state"][:3]
    elif case == "rng_state out of range":
        h["rng_state"] = [2**64] + h["rng_state"][1:]
    elif case == "rng_state missing":
        del h["rng_state"]
    elif case == "array missing":
        # not the last array: its bytes stay as a gap (the last one's would be rejected as trailing bytes)
        h["arrays"] = [e for e in h["arrays"] if e["name"] != "layers.1.weights.velocity"]
    elif case == "array table missing":
        del h["arrays"]
    elif case == "array entry not an object":
        h["arrays"][0] = "layers.0.weights"
    elif case == "array dtype unknown":
        h["arrays"][0]["dtype"] = "f2"
    elif case == "array shape negative":
        h["arrays"][0]["shape"] = [-1, 4]
    elif case == "array shape float":
        h["arrays"][0]["shape"] = [2.0, 4]
    elif case == "array shape bool":
        h["arrays"][0]["shape"] = [True, 4]
    elif case == "array wrong shape, right size":
        e = _array_entry(h, "layers.0.weights")
        e["shape"] = [e["shape"][1], e["shape"][0]]
    elif case == "header is a list":
        h = [h]
    else:
        raise AssertionError(case)
    return h


CRAFTED = [
    ("layers missing", r"layer list"),
    ("layers empty", r"empty layer list"),
    ("layers not objects", r"layer"),
    ("layers a string", r"layer"),
    ("layer kind unknown", r"kind 'dense'"),
    ("layers do not chain", r"chain|in_features|shape"),
    ("hidden softmax", r"softmax is only allowed on the output layer"),
    ("unknown activation", r"unknown activation 'gelu'"),
    ("activation not a string", r"activation"),
    ("in_features negative", r"in_features=-4"),
    ("in_features beyond int32", r"in_features"),
    ("in_features astronomically large", r"in_features"),
    ("in_features not a number", r"many"),
    ("alpha nan", r"alpha"),
    ("unknown dtype", r"unknown dtype 'float16'"),
    ("dtype disagrees with arrays", r"dtype|float64|f8|f4|float32"),
    ("unknown loss", r"unknown loss 'hinge'"),
    ("seed missing", r"seed"),
    ("seed negative", r"seed must be >= 0"),
    ("rng_state short", r"rng_state must be 4"),
    ("rng_state out of range", r"rng"),
    ("rng_state missing", r"rng_state"),
    ("array missing", r"layers\.1\.weights\.velocity"),
    ("array table missing", r"lacks its array table"),
    ("array entry not an object", r"not an object"),
    ("array dtype unknown", r"malformed"),
    ("array shape negative", r"negative or non-integer"),
    ("array shape float", r"negative or non-integer"),
    ("array shape bool", r"negative or non-integer"),
    ("array wrong shape, right size", r"weights \(4, 7\) / bias \(7,\) do not match in_features=4, out_features=7"),
    ("header is a list", r"lacks its array table"),
]


@pytest.mark.parametrize("case,pattern", CRAFTED, ids=[c for c, _ in CRAFTED])
def test_crafted_header_rejected(tmp_path, case, pattern):
    """Well-formed (checksummed) files whose header says something invalid: ModelFormatError naming it."""
    net = fn.Network([4, 7, 3], seed=0)  # layers.0.weights has shape (7, 4)
    _, _, _, header, body = _split(net.to_bytes())
    data = _join(_mutate(header, case), body)
    with pytest.raises(fn.ModelFormatError, match=r"not a valid fastnet model: (?s:.*)" + pattern):
        _load_bytes(tmp_path, data)


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\x00garbage", b"", b"null", b"[]", b'"FASTNET"'])
def test_header_not_json_object(tmp_path, model_bytes, raw):
    body = _split(model_bytes)[4]
    with pytest.raises(fn.ModelFormatError, match=r"not valid JSON|lacks its array table"):
        _load_bytes(tmp_path, _join(None, body, raw_header=raw))


def test_header_claims_huge_layers_checked_before_allocating(tmp_path):
    """A header whose layers claim 4000x4000 weights while its arrays are tiny: the reader must reject it before
    building (allocating) the network. Measured in a child process's peak RSS, so nothing large happens here."""
    net = fn.Network([4, 7, 3], seed=0)
    _, _, _, header, body = _split(net.to_bytes())
    header["layers"][0]["in_features"] = 4000
    header["layers"][0]["out_features"] = 4000
    header["layers"][1]["in_features"] = 4000
    path = tmp_path / "big-claim.fnet"
    path.write_bytes(_join(header, body))
    script = textwrap.dedent(
        f"""
        import resource, fastnet as fn
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            fn.load({str(path)!r})
        except fn.ModelFormatError as e:
            print("ModelFormatError", e)
        except BaseException as e:
            print("OTHER", type(e).__name__, e)
        else:
            print("LOADED")
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("GROWTH_KB", after - before)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=tempfile.gettempdir())  # not the repo root, whose fastnet/ has no _core
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert out.startswith("ModelFormatError"), out
    growth_kb = int(out.rsplit("GROWTH_KB", 1)[1])
    # 4000*4000 float32 weights, their velocity and gradient: ~190 MB if the network gets built
    assert growth_kb < 64 * 1024, f"loading grew the process by {growth_kb} kB before rejecting the file"


@pytest.mark.parametrize("dtype", DTYPES)
def test_header_with_overflowing_layer_size_does_not_crash(tmp_path, dtype):
    """Layer sizes whose byte count overflows 64 bits (2**31-1 inputs x 2**30 outputs, float64) in a file
    whose arrays are tiny: must be a ModelFormatError, not a segfault. Run in a child process."""
    net = fn.Network([4, 3], output="linear", loss="mse", seed=0, dtype=dtype)
    _, _, _, header, body = _split(net.to_bytes())
    L = header["layers"][0]
    L["in_features"], L["out_features"] = 2**31 - 1, 2**30
    path = tmp_path / "overflow.fnet"
    path.write_bytes(_join(header, body))
    script = textwrap.dedent(
        f"""
        import fastnet as fn
        try:
            fn.load({str(path)!r})
        except BaseException as e:
            print("RAISED", type(e).__name__, isinstance(e, ValueError))
        else:
            print("LOADED")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=tempfile.gettempdir())  # not the repo root, whose fastnet/ has no _core
    assert proc.returncode == 0, f"the process died with status {proc.returncode}: {proc.stderr[-1000:]}"
    assert proc.stdout.strip() == "RAISED ModelFormatError True", proc.stdout


# ---------------------------------------------------------------- atomic save
def _only_file(directory, name="model.fnet"):
    leftovers = sorted(p.name for p in Path(directory).iterdir())
    assert leftovers == [name], f"temporary files left behind: {leftovers}"


def test_save_over_existing_file(tmp_path):
    old, X, _ = _trained(seed=1)
    new, _, _ = _trained(seed=2)
    path = tmp_path / "model.fnet"
    old.save(path)
    new.save(path)
    loaded = fn.load(path)
    _assert_same_model(new, loaded, X)
    assert not np.array_equal(loaded.predict(X), old.predict(X))
    _only_file(tmp_path)


def test_atomic_save_replace_fails(tmp_path, monkeypatch):
    old, X, _ = _trained(seed=1)
    new, _, _ = _trained(seed=2)
    path = tmp_path / "model.fnet"
    old.save(path)
    old_bytes = path.read_bytes()

    def failing_replace(src, dst, *a, **k):
        raise OSError(28, "No space left on device (simulated)")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        new.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    loaded = fn.load(path)
    assert np.array_equal(loaded.predict(X), old.predict(X))
    _only_file(tmp_path)


def test_atomic_save_write_fails_midway(tmp_path, monkeypatch):
    old, X, _ = _trained(seed=1)
    new, _, _ = _trained(seed=2)
    path = tmp_path / "model.fnet"
    old.save(path)
    real_fdopen = os.fdopen
    written = []

    class HalfWriter:
        def __init__(self, f):
            self._f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()
            return False

        def write(self, data):
            self._f.write(data[: len(data) // 2])
            self._f.flush()
            written.append(len(data) // 2)
            raise OSError(28, "No space left on device (simulated midway)")

        def __getattr__(self, name):
            return getattr(self._f, name)

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError, match="simulated midway"):
        new.save(path)
    monkeypatch.undo()
    assert written, "the simulated failure did not happen in the write"
    loaded = fn.load(path)
    assert np.array_equal(loaded.predict(X), old.predict(X))
    _only_file(tmp_path)


def test_atomic_save_interrupted(tmp_path, monkeypatch):
    """Even a KeyboardInterrupt during the write leaves the old file and no temporary file."""
    old, X, _ = _trained(seed=1)
    new, _, _ = _trained(seed=2)
    path = tmp_path / "model.fnet"
    old.save(path)

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        new.save(path)
    monkeypatch.undo()
    assert np.array_equal(fn.load(path).predict(X), old.predict(X))
    _only_file(tmp_path)


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    net, _, _ = _trained()

    def failing_replace(src, dst, *a, **k):
        raise OSError(5, "I/O error (simulated)")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        net.save(tmp_path / "model.fnet")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        fn.load(tmp_path / "model.fnet")
