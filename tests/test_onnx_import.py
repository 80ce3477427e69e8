"""ONNX import (fastnet.from_onnx): MLPs exported by torch.onnx.export, written by fastnet's own to_onnx, or built
with onnx.helper (MatMul + Add, Constant weights, Gemm transB=0) import as Networks whose predictions match
onnxruntime's on random inputs (float32, 1e-5); unsupported graphs raise ValueError naming the node and op type."""

import io
import sys
import warnings

import numpy as np
import pytest

import fastnet as fn

onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install onnx, or the test extra)")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install onnxruntime, or the "
                                                "test extra)")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

TOL = 1e-5


def ort_run(data, X):
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: X})[0]


def check_against_ort(net, data, n_in, seed=0, dtype=np.float32):
    X = np.random.default_rng(seed).normal(size=(23, n_in)).astype(dtype) * 2
    want = ort_run(data, X)
    got = net.predict(X)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)


def torch_bytes(model, n_in, opset):
    torch = pytest.importorskip("torch", reason="torch is not installed (the test extra)")
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notice
        torch.onnx.export(model, (torch.randn(2, n_in),), f, opset_version=opset, dynamo=False,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    return f.getvalue()


# ------------------------------------------------------------------------------------------- torch's exporter
@pytest.mark.parametrize("opset", [13, 17])
def test_torch_export_imports(opset):
    torch = pytest.importorskip("torch", reason="torch is not installed (the test extra)")
    nn = torch.nn
    torch.manual_seed(opset)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 6), nn.LeakyReLU(0.2), nn.Identity(),
                          nn.Linear(6, 6), nn.Sigmoid(), nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 3),
                          nn.Softmax(dim=-1))
    data = torch_bytes(model, 5, opset)
    net = fn.from_onnx(data)
    assert [L.activation for L in net.layers] == ["relu", "leaky_relu", "sigmoid", "tanh", "softmax"]
    assert net.layers[1].spec.alpha == pytest.approx(0.2)
    check_against_ort(net, data, 5)
    np.testing.assert_array_equal(net.layers[0].weights, model[0].weight.detach().numpy())


def test_torch_export_linear_output_from_a_file(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed (the test extra)")
    nn = torch.nn
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    path = tmp_path / "m.onnx"
    path.write_bytes(torch_bytes(model, 3, 13))
    for source in (path, str(path)):
        net = fn.from_onnx(source)
        assert [L.activation for L in net.layers] == ["tanh", "linear"]
        check_against_ort(net, path.read_bytes(), 3)


# ---------------------------------------------------------------------------------------- fastnet round trip
@pytest.mark.parametrize("acts", [("relu", "softmax"), ("leaky_relu", "sigmoid"), ("tanh", "linear")])
def test_round_trip_through_to_onnx(acts, tmp_path):
    net = fn.Network([fn.Dense(6, 9, acts[0], alpha=0.05), fn.Dense(9, 4, acts[1])], seed=3)
    path = tmp_path / "net.onnx"
    net.to_onnx(path)
    back = fn.from_onnx(path)
    assert [L.activation for L in back.layers] == list(acts)
    for a, b in zip(back.get_weights(), net.get_weights()):
        np.testing.assert_array_equal(a, b)
    check_against_ort(back, path.read_bytes(), 6)


def test_round_trip_float64():
    net = fn.Network([4, 5, 3], activation="tanh", output="sigmoid", dtype="float64", seed=1)
    back = fn.from_onnx(fn.onnx.to_bytes(net))
    assert back.dtype == np.float64
    check_against_ort(back, fn.onnx.to_bytes(net), 4, dtype=np.float64)


# ------------------------------------------------------------------------------------ graphs built by hand
def model_of(nodes, inits, n_in=4, n_out=3, inputs=None, outputs=None):
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n_in])]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n_out])]
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


RNG = np.random.default_rng(7)
W1, B1 = RNG.normal(size=(4, 5)), RNG.normal(size=5)  # MatMul layout: (in, out)
W2, B2 = RNG.normal(size=(5, 3)), RNG.normal(size=3)


def test_matmul_add_with_constant_nodes_and_bias_first():
    const = helper.make_node("Constant", [], ["w2"], name="c2", value=numpy_helper.from_array(W2.astype(np.float32)))
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm1"),
             helper.make_node("Add", ["h", "b1"], ["z"], name="add1"),
             helper.make_node("LeakyRelu", ["z"], ["a"], name="act1", alpha=0.3),
             const,
             helper.make_node("MatMul", ["a", "w2"], ["h2"], name="mm2"),
             helper.make_node("Add", ["b2", "h2"], ["z2"], name="add2"),  # bias as the first input
             helper.make_node("Softmax", ["z2"], ["y"], name="sm", axis=1)]
    data = model_of(nodes, {"w1": W1, "b1": B1, "b2": B2})
    net = fn.from_onnx(data)
    assert [L.activation for L in net.layers] == ["leaky_relu", "softmax"]
    np.testing.assert_allclose(net.layers[1].weights, W2.T, rtol=1e-6)
    check_against_ort(net, data, 4)


def test_gemm_trans_b_0_and_alpha_beta():
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["z"], name="g1", transB=0, alpha=0.5, beta=2.0),
             helper.make_node("Sigmoid", ["z"], ["a"], name="s"),
             helper.make_node("Gemm", ["a", "w2t", "b2"], ["y"], name="g2", transB=1)]
    data = model_of(nodes, {"w1": W1, "b1": B1.reshape(1, 5), "w2t": W2.T, "b2": B2})
    net = fn.from_onnx(onnx.load_model_from_string(data))  # a loaded ModelProto is accepted too
    assert [L.activation for L in net.layers] == ["sigmoid", "linear"]
    check_against_ort(net, data, 4)


# ------------------------------------------------------------------------------------------------- refusals
def gemm(name, x, w, out, **kw):
    return helper.make_node("Gemm", [x, w, "b_" + w], [out], name=name, transB=1, **kw)


def dense_inits(*names, shape=(3, 4)):
    out = {}
    for n in names:
        out[n] = RNG.normal(size=shape)
        out["b_" + n] = RNG.normal(size=shape[0])
    return out


def test_conv_is_refused_by_name():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4, 4])
    data = model_of([helper.make_node("Conv", ["x", "k"], ["y"], name="conv0", pads=[1, 1, 1, 1])],
                    {"k": np.ones((1, 1, 3, 3))}, inputs=[x], outputs=[y])
    with pytest.raises(ValueError, match=r"node 'conv0' \(Conv\) is not supported"):
        fn.from_onnx(data)


def test_unknown_op_is_refused_by_name():
    nodes = [gemm("g1", "x", "w", "z"), helper.make_node("Elu", ["z"], ["y"], name="elu7")]
    with pytest.raises(ValueError, match=r"node 'elu7' \(Elu\) is not supported"):
        fn.from_onnx(model_of(nodes, dense_inits("w")))


def test_two_inputs_are_refused():
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", 4]) for n in ("x", "x2")]
    nodes = [helper.make_node("Add", ["x", "x2"], ["s"], name="sum"), gemm("g1", "s", "w", "y")]
    with pytest.raises(ValueError, match=r"one input, got 2: 'x', 'x2'"):
        fn.from_onnx(model_of(nodes, dense_inits("w"), inputs=inputs))


def test_branch_is_refused_by_name():
    # x -> g1 -> relu -> g2 -> y, with a skip connection adding g1's output back in
    nodes = [gemm("g1", "x", "w1", "z"), helper.make_node("Relu", ["z"], ["a"], name="r"),
             gemm("g2", "a", "w2", "h", ), helper.make_node("Add", ["h", "z"], ["y"], name="skip")]
    inits = {**dense_inits("w1", shape=(3, 4)), **dense_inits("w2", shape=(3, 3))}
    with pytest.raises(ValueError, match=r"node 'skip' \(Add\).*single chain"):
        fn.from_onnx(model_of(nodes, inits))


def test_computed_weights_are_refused_by_name():
    nodes = [helper.make_node("Transpose", ["wt"], ["w"], name="tr"), gemm("g1", "x", "w", "y")]
    with pytest.raises(ValueError, match=r"node 'tr' \(Transpose\) is not supported"):
        fn.from_onnx(model_of(nodes, {"wt": np.ones((4, 3)), "b_w": np.ones(3)}))


def test_softmax_before_the_last_layer_and_stacked_activations_are_refused():
    nodes = [gemm("g1", "x", "w1", "z"), helper.make_node("Softmax", ["z"], ["a"], name="sm"),
             gemm("g2", "a", "w2", "y")]
    inits = {**dense_inits("w1", shape=(3, 4)), **dense_inits("w2", shape=(3, 3))}
    with pytest.raises(ValueError, match=r"Softmax after node 'g1'.*last layer"):
        fn.from_onnx(model_of(nodes, inits))
    nodes = [gemm("g1", "x", "w1", "z"), helper.make_node("Relu", ["z"], ["a"], name="r"),
             helper.make_node("Sigmoid", ["a"], ["y"], name="s2")]
    with pytest.raises(ValueError, match=r"node 's2' \(Sigmoid\) does not directly follow"):
        fn.from_onnx(model_of(nodes, dense_inits("w1")))


def test_bad_attributes_and_shapes_are_refused():
    nodes = [helper.make_node("Gemm", ["x", "w", "b_w"], ["y"], name="g1", transA=1)]
    with pytest.raises(ValueError, match=r"node 'g1' \(Gemm\).*transA=0"):
        fn.from_onnx(model_of(nodes, dense_inits("w")))
    nodes = [gemm("g1", "x", "w1", "z"), gemm("g2", "z", "w2", "y")]
    inits = {**dense_inits("w1", shape=(3, 4)), **dense_inits("w2", shape=(3, 5))}
    with pytest.raises(ValueError, match=r"node 'g2' \(Gemm\) takes 5 inputs, but the previous layer"):
        fn.from_onnx(model_of(nodes, inits))
    nodes = [gemm("g1", "x", "w", "z"), helper.make_node("Softmax", ["z"], ["y"], name="sm", axis=0)]
    with pytest.raises(ValueError, match=r"node 'sm' \(Softmax\): axis=0"):
        fn.from_onnx(model_of(nodes, dense_inits("w")))


def test_bad_source_types_and_missing_onnx(monkeypatch):
    with pytest.raises(TypeError, match="int"):
        fn.from_onnx(3)
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match="pip install onnx"):
        fn.from_onnx(b"")
