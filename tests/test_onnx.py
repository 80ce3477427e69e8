"""ONNX export: the exported file runs in onnxruntime and gives fastnet's predictions (to float32 tolerance), for
dense and sparse networks, every activation (fastnet.layers.ACTIVATIONS, FANN's kinds included) and float64;
onnx.checker accepts it; bad paths raise clear errors.

onnxruntime and onnx are in the test extra; without onnxruntime the runtime tests skip (the encoder tests run)."""

import os
import stat

import numpy as np
import pytest

import fastnet as fn
import fastnet.onnx as fonnx
from fastnet.layers import ACTIVATIONS

try:
    import onnxruntime as ort
except ImportError:  # pragma: no cover - the test extra installs it
    ort = None
try:
    import onnx
except ImportError:  # pragma: no cover
    onnx = None

needs_ort = pytest.mark.skipif(ort is None, reason="onnxruntime is not installed (pip install onnxruntime, or "
                                                     "the test extra) - cannot run the exported models")
needs_onnx = pytest.mark.skipif(onnx is None, reason="onnx is not installed (pip install onnx, or the test extra)")

ACTS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]
# every activation the library has, from its own table: one added without an ONNX export fails the tests using it
ALL_ACTS = sorted(ACTIVATIONS)


def run_onnx(path, X):
    sess = ort.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": X})[0]


def check(net, tmp_path, n=17, seed=0, name="m.onnx"):
    """Export, validate with onnx.checker when installed, run in onnxruntime at two batch sizes, compare."""
    path = tmp_path / name
    net.to_onnx(path)
    if onnx is not None:
        onnx.checker.check_model(onnx.load(os.fspath(path)), full_check=True)
    rng = np.random.default_rng(seed)
    tol = dict(rtol=1e-5, atol=1e-6) if net.dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    for batch in (1, n):
        X = rng.normal(size=(batch, net.num_inputs)).astype(net.dtype)
        out = run_onnx(path, X)
        assert out.dtype == net.dtype and out.shape == (batch, net.num_outputs)
        np.testing.assert_allclose(out, net.predict(X), **tol)
    return path


# ------------------------------------------------------------------------------------------- onnxruntime runs
@needs_ort
def test_dense_mnist_shape(tmp_path):
    net = fn.Network([784, 64, 10], activation="relu", output="softmax", seed=0)
    check(net, tmp_path)


@needs_ort
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_hidden_activation(act, dtype, tmp_path):
    net = fn.Network([fn.Dense(6, 9, act, alpha=0.1), fn.Dense(9, 5, act, alpha=0.1), fn.Dense(5, 3, "softmax")],
                     seed=1, dtype=dtype)
    check(net, tmp_path)


@needs_ort
@pytest.mark.parametrize("act", ACTS + ["softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_output_activation(act, dtype, tmp_path):
    net = fn.Network([fn.Dense(4, 8, "tanh"), fn.Dense(8, 3, act, alpha=0.3)], seed=2, dtype=dtype)
    check(net, tmp_path)


@needs_ort
@pytest.mark.parametrize("act", ALL_ACTS)
@pytest.mark.parametrize("kind", [fn.Dense, fn.Sparse])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_activation(act, kind, dtype, tmp_path):
    """Each activation of fastnet.layers.ACTIVATIONS, on a hidden and the output layer of the kind (softmax, only
    allowed on the output, after relu), runs in onnxruntime and matches predict."""
    opts = dict(density=0.5) if kind is fn.Sparse else {}
    hidden = "relu" if act == "softmax" else act
    net = fn.Network([kind(6, 9, activation=hidden, alpha=0.1, **opts), kind(9, 4, activation=act, alpha=0.2, **opts)],
                     seed=12, dtype=dtype)
    # pre-activations from about -3 to 3: both sides of the thresholds and of each linear_piece clamp
    net.layers[0].bias = np.linspace(-2, 2, 9)
    net.layers[1].bias = np.linspace(-1.5, 1.5, 4)
    check(net, tmp_path)


@needs_ort
@pytest.mark.parametrize("act", [a for a in ALL_ACTS if a != "softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activations_at_their_kinks(act, dtype, tmp_path):
    """With zero weights z is the bias exactly, in fastnet and in onnxruntime alike, so the activations are
    compared at the points where a formula switches: the thresholds at z = 0 give 1 (z < 0 is the test, as in
    FANN, not z <= 0 or sign(z)), the linear_piece kinds are exact at their clamps -1, 0 and 1."""
    z = np.array([-2.0, -1.0, -0.5, -1e-30, 0.0, 1e-30, 0.5, 1.0, 2.0])
    net = fn.Network([fn.Dense(3, z.size, act, alpha=0.1)], seed=13, dtype=dtype)
    net.layers[0].weights = np.zeros((z.size, 3))
    net.layers[0].bias = z
    path = check(net, tmp_path)
    out = run_onnx(path, np.ones((1, 3), dtype))[0]
    if act.startswith(("threshold", "linear_piece")):  # piecewise constant or linear: exactly equal
        np.testing.assert_array_equal(out, net.predict(np.ones((1, 3), dtype))[0])
    if act.startswith("threshold"):
        np.testing.assert_array_equal(out[3:6], [-1.0 if act.endswith("symmetric") else 0.0, 1.0, 1.0])


def test_activation_without_export_names_it_and_the_layer(tmp_path, monkeypatch):
    """An activation with no ONNX recipe (here: one taken out of the table) is a ValueError naming the activation
    and the layer, raised before the file is written, not a bare KeyError."""
    monkeypatch.delitem(fonnx._ACTIVATIONS, "elliot")
    net = fn.Network([fn.Sparse(4, 5, density=0.5, activation="tanh"), fn.Dense(5, 2, "elliot")], seed=14)
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match=r"layer 1 \(Dense\) has activation 'elliot', which has no ONNX export"):
        net.to_onnx(path)
    assert not path.exists()


@needs_ort
@pytest.mark.parametrize("alpha", [0.01, 0.5, 2.5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_leaky_relu_alpha(alpha, dtype, tmp_path):
    net = fn.Network([fn.Dense(5, 16, "leaky_relu", alpha=alpha), fn.Dense(16, 2, "leaky_relu", alpha=alpha)],
                     seed=3, dtype=dtype)
    net.layers[0].bias = np.linspace(-1, 1, 16)  # plenty of negative pre-activations
    check(net, tmp_path)


@needs_ort
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparse_and_dense_mixed(dtype, tmp_path):
    net = fn.Network([fn.Sparse(30, 40, density=0.1, activation="relu"),
                      fn.Sparse(40, 20, density=0.3, activation="tanh"),
                      fn.Dense(20, 4, "softmax")], seed=4, dtype=dtype)
    check(net, tmp_path)


@needs_ort
def test_sparse_explicit_topology_keeps_zeros(tmp_path):
    mask = np.eye(6, dtype=bool)
    mask[0, 5] = True
    net = fn.Network([fn.Sparse(6, 6, mask=mask, activation="sigmoid"), fn.Dense(6, 2, "linear")], seed=5)
    path = check(net, tmp_path)
    if onnx is not None:
        from onnx import numpy_helper

        inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(os.fspath(path)).graph.initializer}
        W = inits["layers.0.weights"]
        assert W.shape == (6, 6) and np.all(W[~mask] == 0)
        np.testing.assert_array_equal(W, net.layers[0].to_dense())


@needs_ort
def test_trained_network_and_one_layer(tmp_path):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(200, 8)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    net = fn.Network([8, 12, 2], activation="sigmoid", output="softmax", seed=6)
    net.fit(X, y, epochs=3, batch_size=16, lr=0.5, momentum=0.9, verbose=0)
    check(net, tmp_path, name="trained.onnx")
    single = fn.Network([fn.Dense(3, 2, "linear")], seed=7)
    check(single, tmp_path, name="single.onnx")


@needs_ort
def test_hidden_linear_layer_and_dropout_ignored(tmp_path):
    net = fn.Network([fn.Dense(5, 7, "linear", dropout=0.5), fn.Dense(7, 7, "relu", dropout=0.2),
                      fn.Dense(7, 2, "sigmoid")], seed=8)
    check(net, tmp_path)


@needs_ort
def test_loaded_from_fnet_exports_the_same(tmp_path):
    net = fn.Network([fn.Sparse(10, 12, density=0.4, activation="relu"), fn.Dense(12, 3, "softmax")], seed=9)
    net.save(tmp_path / "m.fnet")
    again = fn.load(tmp_path / "m.fnet")
    check(again, tmp_path)
    assert (tmp_path / "m.onnx").read_bytes() == fonnx.to_bytes(net)


# ------------------------------------------------------------------------------------------ the model's form
@needs_onnx
def test_graph_interface(tmp_path):
    net = fn.Network([fn.Dense(4, 5, "leaky_relu", alpha=0.25), fn.Dense(5, 3, "softmax")], seed=10)
    net.to_onnx(tmp_path / "m.onnx")
    model = onnx.load(os.fspath(tmp_path / "m.onnx"))
    assert model.ir_version == fonnx.IR_VERSION
    assert [(o.domain, o.version) for o in model.opset_import] == [("", fonnx.OPSET)]
    assert model.producer_name == "fastnet" and model.producer_version == fn.__version__
    g = model.graph
    (inp,), (out,) = g.input, g.output
    assert inp.name == "input" and out.name == "output"
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = inp.type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 4
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["batch", 3]
    assert [n.op_type for n in g.node] == ["Gemm", "LeakyRelu", "Gemm", "Softmax"]
    leaky = g.node[1].attribute[0]
    assert leaky.name == "alpha" and leaky.f == pytest.approx(0.25)
    assert onnx.helper.get_attribute_value(g.node[0].attribute[0]) == 1  # transB
    f64 = fn.Network([4, 3], output="tanh", dtype="float64")
    m64 = onnx.load_from_string(fonnx.to_bytes(f64))
    assert m64.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    onnx.checker.check_model(m64, full_check=True)


def test_bytes_are_deterministic_and_match_the_file(tmp_path):
    """Two networks built apart from the same seed export the same bytes, and export() writes exactly those.
    Fails if the bytes depend on anything but the network's content (an object id or address, a time, the state a
    predict call leaves, iteration order of a set) or if export() writes other bytes than to_bytes(); changing one
    weight must change the bytes, so the comparison sees the weights."""
    def build():
        return fn.Network([fn.Sparse(9, 5, density=0.5, activation="relu"), fn.Dense(5, 2, "softmax")], seed=11)

    first, second = build(), build()
    data = fonnx.to_bytes(first)
    second.predict(np.ones((3, 9), np.float32))
    assert fonnx.to_bytes(second) == data
    fonnx.export(second, str(tmp_path / "a.onnx"))
    assert (tmp_path / "a.onnx").read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == ["a.onnx"]  # no temporary file left behind
    weights = second.layers[1].weights.copy()
    weights[0, 0] += 1.0
    second.layers[1].weights = weights
    assert fonnx.to_bytes(second) != data


def test_protobuf_varints():
    assert fonnx._varint(0) == b"\x00"
    assert fonnx._varint(1) == b"\x01"
    assert fonnx._varint(127) == b"\x7f"
    assert fonnx._varint(300) == b"\xac\x02"
    assert fonnx._varint(2**63 - 1) == b"\xff" * 8 + b"\x7f"
    assert fonnx._varint(-1) == b"\xff" * 9 + b"\x01"  # int64 -1: ten bytes, two's complement
    assert fonnx._int(1, 150) == b"\x08\x96\x01"  # protobuf's documented example
    assert fonnx._str(2, "testing") == b"\x12\x07testing"


# ------------------------------------------------------------------------------------------------ bad input
def test_missing_folder(tmp_path):
    net = fn.Network([3, 2])
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        net.to_onnx(tmp_path / "nowhere" / "m.onnx")
    assert info.value.filename == str(tmp_path / "nowhere" / "m.onnx")


def test_path_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        fn.Network([3, 2]).to_onnx(tmp_path)


def test_path_type():
    net = fn.Network([3, 2])
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        net.to_onnx(42)
    with pytest.raises(TypeError, match="got bytes"):
        net.to_onnx(b"m.onnx")
    with pytest.raises(TypeError, match="exports a fastnet.Network"):
        fonnx.to_bytes("not a network")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user for permissions")
def test_unwritable_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(PermissionError, match="cannot write the ONNX file") as info:
            fn.Network([3, 2]).to_onnx(ro / "m.onnx")
        assert info.value.filename == str(ro / "m.onnx")
    finally:
        ro.chmod(stat.S_IRWXU)


def test_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous model")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)  # write_atomic fsyncs the temporary file before it renames it
    with pytest.raises(OSError, match="cannot write the ONNX file: No space left on device") as info:
        fn.Network([3, 2]).to_onnx(path)
    assert info.value.filename == str(path)
    assert path.read_bytes() == b"previous model"
    assert sorted(os.listdir(tmp_path)) == ["m.onnx"]


def test_too_large_for_protobuf(tmp_path, monkeypatch):
    monkeypatch.setattr(fonnx, "_MAX_BYTES", (1 << 20) + 100)
    net = fn.Network([fn.Sparse(200, 200, density=0.01), fn.Dense(200, 2)])
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match="more than a protobuf file can hold"):
        net.to_onnx(path)
    assert not path.exists()
