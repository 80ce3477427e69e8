"""Per-neuron steepness, per-neuron activations and FANN's stepwise functions: float64 finite-difference
gradients, numpy references, one SGD step, .fnet/pickle/ONNX round trips, and the real FANN (libfloatfann via
ctypes): a network built and saved by FANN loads and runs as fann_run, and load -> save_fann gives FANN's file."""

from __future__ import annotations

import ctypes
import ctypes.util
import pickle
from pathlib import Path
from typing import Any, List

import numpy as np
import pytest

import fastnet as fn
from fastnet import load_fann, save_fann

# FANN 2.2's stepwise tables (fann_activation.h), of v = FANN's steepness * sum
SIG_V = [-2.64665246009826660156e+00, -1.47221946716308593750e+00, -5.49306154251098632812e-01,
         5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00]
SIG_R = [4.99999988824129104614e-03, 5.00000007450580596924e-02, 0.25, 0.75, 9.49999988079071044922e-01,
         9.95000004768371582031e-01]
SYM_V = [-2.64665293693542480469e+00, -1.47221934795379638672e+00, -5.49306154251098632812e-01,
         5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00]
SYM_R = [-9.90000009536743164062e-01, -8.99999976158142089844e-01, -0.5, 0.5, 8.99999976158142089844e-01,
         9.90000009536743164062e-01]


def stepwise_ref(v: np.ndarray, bv: List[float], br: List[float], lo: float, hi: float) -> np.ndarray:
    out = np.full(v.shape, hi)
    out[v < bv[0]] = lo
    for i in range(5):
        m = (v >= bv[i]) & (v < bv[i + 1])
        out[m] = (br[i + 1] - br[i]) * (v[m] - bv[i]) / (bv[i + 1] - bv[i]) + br[i]
    return out


REF = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "linear": lambda z: z,
       "gaussian": lambda z: np.exp(-z * z), "sin": lambda z: np.sin(z) / 2 + 0.5,
       "elliot": lambda z: (z / 2) / (1 + np.abs(z)) + 0.5,
       "sigmoid_stepwise": lambda z: stepwise_ref(z / 2, SIG_V, SIG_R, 0.0, 1.0),
       "sigmoid_symmetric_stepwise": lambda z: stepwise_ref(z, SYM_V, SYM_R, -1.0, 1.0),
       "gaussian_stepwise": lambda z: np.zeros_like(z)}


def numpy_forward(net: fn.Network, X: np.ndarray) -> np.ndarray:
    a = X.astype(np.float64)
    for L in net.layers:
        z = (a @ L.to_dense().astype(np.float64).T + L.bias) * L.steepness
        a = np.stack([REF[name](z[:, o]) for o, name in enumerate(L.activations)], axis=1)
    return a


def fd_check(net: fn.Network, X: np.ndarray, Y: np.ndarray, eps: float = 1e-6) -> float:
    """Largest relative difference between net.gradients and central differences of loss_value (float64)."""
    g = net.gradients(X, Y)
    worst = 0.0
    for i, L in enumerate(net.layers):
        for key in ("weights", "bias"):
            P = np.array(getattr(L, key))
            num = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                for sign in (1, -1):
                    Q = P.copy()
                    Q[idx] += sign * eps
                    setattr(L, key, Q)
                    num[idx] += sign * net.loss_value(X, Y) / (2 * eps)
                setattr(L, key, P)
            worst = max(worst, float(np.abs(num - g[i][key]).max() / (np.abs(num).max() + 1e-12)))
    return worst


RNG = np.random.default_rng(0)
CASES = {
    "scalar steepness, dense": ([fn.Dense(3, 4, "tanh", steepness=0.6), fn.Dense(4, 2, "sigmoid", steepness=1.7)],
                                "mse"),
    "per-neuron steepness, dense": ([fn.Dense(3, 4, "tanh", steepness=[0.5, 1.0, 2.0, 0.25]),
                                     fn.Dense(4, 2, "linear", steepness=[0.3, 1.4])], "mse"),
    "per-neuron steepness, sparse": ([fn.Sparse(5, 4, density=0.6, activation="sin", steepness=[0.5, 1.5, 0.8, 1.2]),
                                      fn.Sparse(4, 3, density=0.7, activation="tanh", steepness=0.7),
                                      fn.Dense(3, 2, "sigmoid", steepness=[2.0, 0.4])], "mse"),
    "mixed, dense and sparse": ([fn.Sparse(5, 4, density=0.6, activation=["gaussian", "sin", "elliot", "tanh"],
                                           steepness=0.7),
                                 fn.Dense(4, 2, ["sigmoid", "linear"], steepness=[1.5, 0.5])], "mse"),
    "stepwise": ([fn.Dense(3, 5, "sigmoid_symmetric_stepwise", steepness=0.8),
                  fn.Dense(5, 2, "sigmoid_stepwise", steepness=[0.3, 2.0])], "mse"),
    "mixed output, fann_tanh loss": ([fn.Dense(3, 4, "sigmoid"), fn.Dense(4, 2, ["tanh", "sigmoid"],
                                                                          steepness=[0.5, 1.5])], "fann_tanh"),
    "softmax with steepness": ([fn.Dense(3, 4, "tanh"), fn.Dense(4, 3, "softmax", steepness=2.0)], "cross_entropy"),
    "sigmoid steepness, cross-entropy": ([fn.Dense(3, 4, "elliot"), fn.Dense(4, 2, "sigmoid", steepness=[0.5, 3.0])],
                                         "cross_entropy"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_finite_differences_and_forward_matches_numpy(name: str) -> None:
    specs, loss = CASES[name]
    net = fn.Network(specs, loss=loss, dtype="float64", seed=3)
    rng = np.random.default_rng(len(name))
    X = rng.normal(size=(7, specs[0].in_features))
    Y = rng.uniform(0.1, 0.9, size=(7, specs[-1].out_features))
    if loss == "cross_entropy" and specs[-1].activation == "softmax":
        Y = Y / Y.sum(axis=1, keepdims=True)
    if specs[-1].activation != "softmax":
        np.testing.assert_allclose(net.predict(X), numpy_forward(net, X), rtol=1e-12, atol=1e-12)
    assert fd_check(net, X, Y) < 1e-6
    # one sample at a time (batch 1: row-major everywhere) gives the same gradient as the batch's mean
    g = net.gradients(X, Y)
    g1 = [net.gradients(X[i:i + 1], Y[i:i + 1]) for i in range(len(X))]
    np.testing.assert_allclose(np.mean([h[-1]["weights"] for h in g1], axis=0), g[-1]["weights"], rtol=1e-10,
                               atol=1e-12)


def test_default_steepness_is_the_plain_layer_bit_for_bit() -> None:
    X = np.random.default_rng(1).normal(size=(64, 6)).astype(np.float32)
    Y = np.random.default_rng(2).uniform(size=(64, 3)).astype(np.float32)
    a = fn.Network([fn.Dense(6, 8, "gaussian"), fn.Dense(8, 3, "sigmoid")], loss="mse", seed=5)
    b = fn.Network([fn.Dense(6, 8, "gaussian", steepness=[1.0] * 8), fn.Dense(8, 3, "sigmoid", steepness=1.0)],
                   loss="mse", seed=5)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    a.fit(X, Y, epochs=2, batch_size=8, lr=0.1, verbose=0, shuffle=False)
    b.fit(X, Y, epochs=2, batch_size=8, lr=0.1, verbose=0, shuffle=False)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("batch", [1, 4])
def test_one_sgd_step_equals_numpy_step(batch: int, kind: str) -> None:
    """fit's fused SGD paths (the outer-product update at batch 1, the fused weight-gradient step above, the
    sparse layers' transposed layout) with steepness, against numpy."""
    s1, s2 = np.array([0.5, 2.0, 1.3]), np.array([0.7, 1.6])
    if kind == "dense":
        specs: List[Any] = [fn.Dense(2, 3, "tanh", steepness=s1), fn.Dense(3, 2, "sigmoid", steepness=s2)]
    else:  # every connection present, so the dense math applies
        specs = [fn.Sparse(2, 3, density=1.0, activation="tanh", steepness=s1),
                 fn.Sparse(3, 2, density=1.0, activation="sigmoid", steepness=s2)]
    net = fn.Network(specs, loss="mse", dtype="float64", seed=1)
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(batch, 2)), rng.uniform(size=(batch, 2))
    W1, b1, W2, b2 = (np.array(a, dtype=np.float64) for a in (net.layers[0].to_dense(), net.layers[0].bias,
                                                              net.layers[1].to_dense(), net.layers[1].bias))
    h = np.tanh(s1 * (X @ W1.T + b1))
    y = 1 / (1 + np.exp(-s2 * (h @ W2.T + b2)))
    d2 = (y - Y) / batch * y * (1 - y) * s2
    d1 = (d2 @ W2) * (1 - h * h) * s1
    lr = 0.3
    net.fit(X, Y, epochs=1, batch_size=batch, optimizer=fn.SGD(lr=lr), shuffle=False, verbose=0)
    np.testing.assert_allclose(net.layers[1].to_dense(), W2 - lr * d2.T @ h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.layers[1].bias, b2 - lr * d2.sum(0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.layers[0].to_dense(), W1 - lr * d1.T @ X, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.layers[0].bias, b1 - lr * d1.sum(0), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("opt", [fn.RPROP(), fn.Quickprop(), fn.SARPROP(), fn.Adam(lr=0.01)])
def test_every_optimizer_trains_with_steepness(opt: Any) -> None:
    rng = np.random.default_rng(6)
    X = rng.uniform(-1, 1, (64, 2)).astype(np.float32)
    Y = (np.sin(2 * X[:, :1]) * X[:, 1:]).astype(np.float32)
    net = fn.Network([fn.Sparse(2, 6, density=0.9, activation=["tanh", "sigmoid", "tanh", "gaussian", "tanh",
                                                                 "elliot"], steepness=0.5),
                      fn.Dense(6, 1, "linear", steepness=0.8)], loss="mse", seed=2)
    before = net.evaluate(X, Y)["loss"]
    net.fit(X, Y, epochs=30, batch_size=64, optimizer=opt, verbose=0)
    assert net.evaluate(X, Y)["loss"] < before


def test_attributes_validation_and_round_trips(tmp_path: Path) -> None:
    net = fn.Network([fn.Dense(3, 4, ["tanh", "sigmoid", "tanh", "sigmoid_stepwise"], steepness=0.5),
                      fn.Dense(4, 2, "linear")], loss="mse", seed=0)
    L = net.layers[0]
    assert L.activation == "mixed" and L.activations == ["tanh", "sigmoid", "tanh", "sigmoid_stepwise"]
    assert L.steepness.dtype == np.float64 and L.steepness.tolist() == [0.5] * 4
    L.steepness = [0.5, 1.0, 2.0, 0.0]  # 0 is FANN's too: f(0)
    net.layers[1].fann_clip = True
    with pytest.raises(ValueError, match="finite and >= 0"):
        L.steepness = -1.0
    with pytest.raises(ValueError, match="finite and >= 0"):
        L.steepness = [1.0, np.nan, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        L.steepness = [1.0, 2.0]
    with pytest.raises(ValueError, match="4 names for out_features=2|lists 4 names"):
        net.layers[1].activations = ["tanh"] * 4
    with pytest.raises(ValueError, match="unknown activation"):
        L.activations = ["tanh", "nope", "tanh", "tanh"]
    with pytest.raises(ValueError, match="softmax"):
        fn.Dense(3, 2, ["softmax", "tanh"])
    with pytest.raises(ValueError, match="cross_entropy"):
        fn.Network([fn.Dense(3, 2, ["sigmoid", "tanh"])], loss="cross_entropy")
    assert L.steepness.tolist() == [0.5, 1.0, 2.0, 0.0]  # unchanged by the refused assignments
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    want = net.predict(X)
    np.testing.assert_allclose(want, numpy_forward(net, X), rtol=1e-5, atol=1e-6)
    for back in (fn.Network.from_bytes(net.to_bytes()), pickle.loads(pickle.dumps(net))):
        np.testing.assert_array_equal(back.predict(X), want)
        assert back.layers[0].activations == L.activations and back.layers[1].fann_clip
        np.testing.assert_array_equal(back.layers[0].steepness, L.steepness)
    plain = fn.Network([fn.Dense(3, 2, "tanh")], loss="mse")
    assert int.from_bytes(plain.to_bytes()[8:12], "little") == 1  # plain files stay version 1 (older readers)
    assert int.from_bytes(net.to_bytes()[8:12], "little") == 2
    # get/set_weights are the weights alone
    w = net.get_weights()
    net.set_weights(w)
    np.testing.assert_array_equal(net.predict(X), want)


def test_onnx_export_of_steepness_and_stepwise(tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(3)
    for act in ("sigmoid_stepwise", "sigmoid_symmetric_stepwise", "gaussian_stepwise", "tanh"):
        net = fn.Network([fn.Dense(3, 5, act, steepness=rng.uniform(0.3, 2, 5), fann_clip=True),
                          fn.Dense(5, 2, "linear", steepness=[0.5, 2.0])], loss="mse", seed=1)
        net.layers[0].weights = rng.normal(size=(5, 3)) * 3
        net.to_onnx(tmp_path / "m.onnx")
        sess = ort.InferenceSession(str(tmp_path / "m.onnx"))
        X = rng.normal(size=(300, 3)).astype(np.float32)
        got = sess.run(None, {sess.get_inputs()[0].name: X})[0]
        np.testing.assert_allclose(got, net.predict(X), rtol=1e-5, atol=1e-6, err_msg=act)
    mixed = fn.Network([fn.Dense(3, 2, ["tanh", "sigmoid"])], loss="mse")
    with pytest.raises(ValueError, match="mixes activation functions"):
        mixed.to_onnx(tmp_path / "x.onnx")


def test_stepwise_derivative_is_the_segment_slope() -> None:
    net = fn.Network([fn.Dense(1, 1, "sigmoid_stepwise")], loss="mse", dtype="float64")
    net.layers[0].weights = [[1.0]]
    net.layers[0].bias = [0.0]
    z = np.array([[-6.0], [-4.0], [-2.0], [0.3], [2.0], [4.0], [6.0]])  # inside each segment and outside
    y = net.predict(z)
    slope = net.input_gradient(z, y - 1.0) * len(z)  # mean of ½(y - t)² with y - t = 1: dL/dz = f'(z)/B
    v = z / 2
    want = np.zeros_like(v)
    for i in range(5):
        m = (v >= SIG_V[i]) & (v < SIG_V[i + 1])
        want[m] = (SIG_R[i + 1] - SIG_R[i]) / (SIG_V[i + 1] - SIG_V[i]) / 2
    np.testing.assert_allclose(slope, want, rtol=1e-12, atol=0)


# ------------------------------------------------------------------------------------------ the real FANN
def _fann() -> Any:
    path = ctypes.util.find_library("floatfann") or "libfloatfann.so.2"
    lib = ctypes.CDLL(path)
    P = ctypes.c_void_p
    lib.fann_create_standard_array.restype = P
    lib.fann_create_standard_array.argtypes = [ctypes.c_uint, ctypes.POINTER(ctypes.c_uint)]
    lib.fann_set_activation_function.argtypes = [P, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.fann_set_activation_steepness.argtypes = [P, ctypes.c_float, ctypes.c_int, ctypes.c_int]
    lib.fann_run.restype = ctypes.POINTER(ctypes.c_float)
    lib.fann_run.argtypes = [P, ctypes.POINTER(ctypes.c_float)]
    lib.fann_train.argtypes = [P, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
    lib.fann_save.argtypes = [P, ctypes.c_char_p]
    lib.fann_create_from_file.restype = P
    lib.fann_create_from_file.argtypes = [ctypes.c_char_p]
    lib.fann_randomize_weights.argtypes = [P, ctypes.c_float, ctypes.c_float]
    lib.fann_set_learning_rate.argtypes = [P, ctypes.c_float]
    lib.fann_set_learning_momentum.argtypes = [P, ctypes.c_float]
    lib.fann_set_train_error_function.argtypes = [P, ctypes.c_int]
    lib.fann_destroy.argtypes = [P]
    return lib


def _run(lib: Any, ann: Any, X: np.ndarray, n_out: int) -> np.ndarray:
    return np.array([lib.fann_run(ann, (ctypes.c_float * X.shape[1])(*x))[:n_out] for x in X], dtype=np.float32)


# FANN codes: 0 LINEAR, 3 SIGMOID, 4 SIGMOID_STEPWISE, 5 SIGMOID_SYMMETRIC, 6 SIGMOID_SYMMETRIC_STEPWISE,
# 7 GAUSSIAN, 9 GAUSSIAN_STEPWISE, 10 ELLIOT, 16 SIN
FANN_CASES = {
    "stepwise and mixed hidden, per-neuron steepness": ([4, 6, 9, 3, 10], [0.5, 0.8, 1.0, 1.7, 0.3],
                                                        [0, 6, 4], [0.9, 0.4, 2.5]),
    "default stepwise (FANN's own default)": (None, None, None, None),
    "linear output clamped at 150/s": ([5, 5, 5, 5, 5], [1.0] * 5, [0, 0, 3], [40.0, 2.0, 100.0]),
    "sin and gaussian": ([16, 7, 16, 7, 5], [0.7, 1.3, 0.2, 0.9, 0.5], [5, 5, 0], [1.0, 0.5, 0.25]),
}


@pytest.mark.parametrize("name", list(FANN_CASES))
def test_fann_built_network_runs_as_fann_and_saves_back_unchanged(name: str, tmp_path: Path) -> None:
    lib = _fann()
    hidden, hsteep, out, osteep = FANN_CASES[name]
    ann = lib.fann_create_standard_array(3, (ctypes.c_uint * 3)(3, 5, 3))
    ctypes.CDLL(None).srand(12345)  # FANN draws its weights with libc's rand(), seeded from the clock on creation
    lib.fann_randomize_weights(ann, -2.0, 2.0)
    for layer, codes, steeps in ((1, hidden, hsteep), (2, out, osteep)):
        for j in range(len(codes or [])):
            lib.fann_set_activation_function(ann, codes[j], layer, j)
            lib.fann_set_activation_steepness(ann, steeps[j], layer, j)
    path = tmp_path / "a.net"
    lib.fann_save(ann, str(path).encode())
    net = load_fann(path)
    assert isinstance(net, fn.Network) and all(L.fann_clip for L in net.layers)
    X = np.random.default_rng(0).uniform(-3, 3, (300, 3)).astype(np.float32)
    if "clamped" in name:
        X *= 30  # sums far beyond 150/s: FANN clamps them
    ref = _run(lib, ann, X, 3)
    got = net.predict(X)
    # float32 sums in another order: within a few ulps of the largest term, s·(Σ|w| + |b|) (hidden |y| <= 1)
    out = net.layers[-1]
    scale = float(np.max(out.steepness * (np.abs(out.weights).sum(axis=1) + np.abs(out.bias))))
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6 * max(1.0, scale))
    # load -> save reproduces FANN's neuron and connection lines; FANN reads the file back and runs it the same
    save_fann(net, tmp_path / "b.net")
    a, b = path.read_text().splitlines(), (tmp_path / "b.net").read_text().splitlines()
    for key in ("neurons (", "connections ("):
        assert [line for line in a if line.startswith(key)] == [line for line in b if line.startswith(key)]
    ann2 = lib.fann_create_from_file(str(tmp_path / "b.net").encode())
    np.testing.assert_array_equal(_run(lib, ann2, X, 3), ref)
    lib.fann_destroy(ann2)
    lib.fann_destroy(ann)


def test_fann_train_one_pattern_equals_incremental_sgd_step(tmp_path: Path) -> None:
    """FANN_TRAIN_INCREMENTAL's fann_train on one pattern (linear error function, learning rate 0.7, momentum 0)
    against fastnet's SGD step on the loaded network, with per-neuron steepness and mixed functions. FANN's
    sigmoid derivative clips y (fann_sigmoid in fastnet; "sigmoid" is the exact one), so the file's FANN_SIGMOID
    neurons are made fann_sigmoid for training; FANN's MSE halves symmetric outputs' errors (none here)."""
    lib = _fann()
    ann = lib.fann_create_standard_array(3, (ctypes.c_uint * 3)(2, 4, 2))
    ctypes.CDLL(None).srand(777)
    lib.fann_randomize_weights(ann, -1.0, 1.0)
    for j, (code, s) in enumerate([(5, 0.5), (3, 1.2), (5, 0.8), (10, 0.7)]):
        lib.fann_set_activation_function(ann, code, 1, j)
        lib.fann_set_activation_steepness(ann, s, 1, j)
    for j, (code, s) in enumerate([(3, 0.6), (0, 1.3)]):
        lib.fann_set_activation_function(ann, code, 2, j)
        lib.fann_set_activation_steepness(ann, s, 2, j)
    lib.fann_set_learning_rate(ann, 0.7)
    lib.fann_set_learning_momentum(ann, 0.0)
    lib.fann_set_train_error_function(ann, 0)  # FANN_ERRORFUNC_LINEAR
    path = tmp_path / "t.net"
    lib.fann_save(ann, str(path).encode())
    net = load_fann(path)
    for L in net.layers:
        L.activations = ["fann_sigmoid" if a == "sigmoid" else a for a in L.activations]
    x, t = np.float32([[0.3, -0.8]]), np.float32([[0.9, 0.2]])
    lib.fann_train(ann, (ctypes.c_float * 2)(*x[0]), (ctypes.c_float * 2)(*t[0]))
    lib.fann_save(ann, str(tmp_path / "after.net").encode())
    # FANN's incremental step: w += lr * delta * x with delta = (t - y)·f'(s·sum)·s: fastnet's SGD on ½(y - t)²
    net.fit(x, t, epochs=1, batch_size=1, optimizer=fn.SGD(lr=0.7), shuffle=False, verbose=0)
    after = load_fann(tmp_path / "after.net")
    for La, Lb in zip(net.layers, after.layers):
        np.testing.assert_allclose(La.weights, Lb.weights, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(La.bias, Lb.bias, rtol=1e-5, atol=1e-6)
        assert np.abs(La.weights - load_fann(path).layers[net.layers.index(La)].weights).max() > 1e-4  # it moved
    lib.fann_destroy(ann)


@pytest.mark.parametrize("error_function", [0, 1])
def test_libfann_default_stepwise_network_trains_as_fann(error_function: int, tmp_path: Path) -> None:
    """FANN's default network (FANN_SIGMOID_STEPWISE at 0.5 everywhere, per-neuron steepness changed on two
    neurons) trained incrementally on one pattern by FANN's fann_train and by fastnet.libfann's train: the same
    weights (FANN trains the stepwise sigmoid with the sigmoid's clipped derivative, libfann too)."""
    from fastnet import libfann

    lib = _fann()
    ann = lib.fann_create_standard_array(3, (ctypes.c_uint * 3)(3, 4, 2))
    ctypes.CDLL(None).srand(99)
    lib.fann_randomize_weights(ann, -1.0, 1.0)
    lib.fann_set_activation_steepness(ann, 0.8, 1, 1)
    lib.fann_set_activation_steepness(ann, 0.3, 2, 0)
    lib.fann_set_train_error_function(ann, error_function)
    lib.fann_set_learning_momentum(ann, 0.4)
    path = tmp_path / "d.net"
    lib.fann_save(ann, str(path).encode())
    ours = libfann.neural_net(seed=0)
    ours.create_from_file(str(path))
    assert ours.get_activation_function(1, 0) == libfann.SIGMOID_STEPWISE
    ours.set_training_algorithm(libfann.TRAIN_INCREMENTAL)
    for x, t in (([0.3, -0.8, 0.5], [0.9, 0.1]), ([-0.2, 0.4, 0.9], [0.2, 0.7])):
        lib.fann_train(ann, (ctypes.c_float * 3)(*x), (ctypes.c_float * 2)(*t))
        ours.train(x, t)
    lib.fann_save(ann, str(tmp_path / "fann_after.net").encode())
    ours.save(str(tmp_path / "ours_after.net"))
    a, b = load_fann(tmp_path / "fann_after.net"), load_fann(tmp_path / "ours_after.net")
    start = load_fann(path)
    for La, Lb, L0 in zip(a.layers, b.layers, start.layers):
        np.testing.assert_allclose(Lb.weights, La.weights, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(Lb.bias, La.bias, rtol=1e-5, atol=1e-6)
        assert np.abs(La.weights - L0.weights).max() > 1e-4  # training moved them
    lib.fann_destroy(ann)


@pytest.mark.parametrize("code", [4, 6, 9, 0])  # the three stepwise kinds; FANN_LINEAR shows the clamp at 150/s
def test_one_input_neuron_is_bit_identical_to_fann(code: int, tmp_path: Path) -> None:
    """With one input FANN's sum and fastnet's are the same float operations, so the stepwise functions
    (evaluated in double and rounded, as FANN does) and FANN's clamp of s·sum give FANN's outputs bit for bit."""
    lib = _fann()
    X = np.linspace(-400, 400, 2001, dtype=np.float32).reshape(-1, 1)
    for s in (0.5, 0.7, 3.0):
        ann = lib.fann_create_standard_array(2, (ctypes.c_uint * 2)(1, 1))
        ctypes.CDLL(None).srand(1)
        lib.fann_randomize_weights(ann, -2.0, 2.0)
        lib.fann_set_activation_function(ann, code, 1, 0)
        lib.fann_set_activation_steepness(ann, s, 1, 0)
        lib.fann_save(ann, str(tmp_path / "one.net").encode())
        np.testing.assert_array_equal(load_fann(tmp_path / "one.net").predict(X), _run(lib, ann, X, 1))
        lib.fann_destroy(ann)


def test_to_torch_folds_steepness_and_refuses_what_it_cannot_express() -> None:
    torch = pytest.importorskip("torch")
    net = fn.Network([fn.Dense(3, 4, "tanh", steepness=[0.5, 1.0, 2.0, 0.3]), fn.Dense(4, 2, "sigmoid", steepness=1.5)],
                     loss="mse", dtype="float64")
    X = np.random.default_rng(0).normal(size=(30, 3))
    np.testing.assert_allclose(net.to_torch()(torch.from_numpy(X)).detach().numpy(), net.predict(X), rtol=1e-12)
    with pytest.raises(ValueError, match="'mixed' has no PyTorch module"):
        fn.Network([fn.Dense(3, 2, ["tanh", "sigmoid"])], loss="mse").to_torch()
    with pytest.raises(ValueError, match="FANN's clamp"):
        fn.Network([fn.Dense(3, 2, "linear", fann_clip=True)], loss="mse").to_torch()


def test_fann_shortcut_network_with_default_stepwise_loads_and_runs_as_fann(tmp_path: Path) -> None:
    """fann_create_shortcut's default functions are FANN_SIGMOID_STEPWISE too: such a file loads as a
    CascadeNetwork that runs as fann_run, keeps the stepwise functions when written back, and cascade-trains."""
    lib = _fann()
    lib.fann_create_shortcut_array.restype = ctypes.c_void_p
    lib.fann_create_shortcut_array.argtypes = [ctypes.c_uint, ctypes.POINTER(ctypes.c_uint)]
    ann = lib.fann_create_shortcut_array(3, (ctypes.c_uint * 3)(2, 3, 2))
    ctypes.CDLL(None).srand(5)
    lib.fann_randomize_weights(ann, -2.0, 2.0)
    lib.fann_set_activation_function(ann, 6, 1, 1)  # one hidden neuron symmetric stepwise
    lib.fann_set_activation_steepness(ann, 0.9, 1, 1)
    lib.fann_save(ann, str(tmp_path / "s.net").encode())
    net = load_fann(tmp_path / "s.net")
    assert isinstance(net, fn.CascadeNetwork)
    assert net.activations == ["sigmoid_stepwise", "sigmoid_symmetric_stepwise", "sigmoid_stepwise",
                               "sigmoid_stepwise", "sigmoid_stepwise"]
    X = np.random.default_rng(3).uniform(-2, 2, (300, 2)).astype(np.float32)
    np.testing.assert_allclose(net.predict(X), _run(lib, ann, X, 2), rtol=1e-6, atol=1e-6)
    save_fann(net, tmp_path / "back.net")
    ann2 = lib.fann_create_from_file(str(tmp_path / "back.net").encode())
    np.testing.assert_allclose(_run(lib, ann2, X, 2), _run(lib, ann, X, 2), rtol=1e-6, atol=1e-7)
    lib.fann_destroy(ann2)
    lib.fann_destroy(ann)


@pytest.mark.parametrize("algorithm", [2, 3, 0])  # FANN_TRAIN_RPROP, FANN_TRAIN_QUICKPROP, FANN_TRAIN_INCREMENTAL
def test_libfann_mixed_network_trains_epoch_by_epoch_as_fann(algorithm: int, tmp_path: Path) -> None:
    """A network with per-neuron functions and steepnesses (which fastnet.libfann once had to refuse to train,
    its steepness being folded into the weights) trains as FANN's fann_train_epoch does."""
    from fastnet import libfann

    lib = _fann()
    lib.fann_read_train_from_file.restype = ctypes.c_void_p
    lib.fann_read_train_from_file.argtypes = [ctypes.c_char_p]
    lib.fann_train_epoch.restype = ctypes.c_float
    lib.fann_train_epoch.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.fann_set_training_algorithm.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.fann_destroy_train.argtypes = [ctypes.c_void_p]
    rng = np.random.default_rng(8)
    X = rng.uniform(-1, 1, (24, 2))
    Y = np.stack([(X[:, 0] * X[:, 1] > 0) * 0.8 + 0.1, np.sin(2 * X[:, 0]) * 0.8], axis=1)
    fn.datasets.save_fann_data(tmp_path / "d.data", X.astype(np.float32), Y.astype(np.float32))
    ann = lib.fann_create_standard_array(3, (ctypes.c_uint * 3)(2, 4, 2))
    ctypes.CDLL(None).srand(31)
    lib.fann_randomize_weights(ann, -0.5, 0.5)
    for j, (code, s) in enumerate([(5, 0.5), (4, 0.7), (6, 1.1), (3, 0.4)]):
        lib.fann_set_activation_function(ann, code, 1, j)
        lib.fann_set_activation_steepness(ann, s, 1, j)
    for j, (code, s) in enumerate([(4, 0.5), (5, 0.8)]):  # sigmoid stepwise and symmetric sigmoid outputs
        lib.fann_set_activation_function(ann, code, 2, j)
        lib.fann_set_activation_steepness(ann, s, 2, j)
    lib.fann_set_training_algorithm(ann, algorithm)
    lib.fann_save(ann, str(tmp_path / "n.net").encode())
    ours = libfann.neural_net(seed=0)
    ours.create_from_file(str(tmp_path / "n.net"))
    data = libfann.training_data()
    data.read_train_from_file(str(tmp_path / "d.data"))
    fdata = lib.fann_read_train_from_file(str(tmp_path / "d.data").encode())
    for _ in range(5):
        want = lib.fann_train_epoch(ann, fdata)
        got = ours.train_epoch(data)
        assert got == pytest.approx(want, rel=1e-5, abs=1e-8)  # (measured: 2.3e-7 relative at most)
    lib.fann_save(ann, str(tmp_path / "fann.net").encode())
    ours.save(str(tmp_path / "ours.net"))
    for La, Lb in zip(load_fann(tmp_path / "fann.net").layers, load_fann(tmp_path / "ours.net").layers):
        np.testing.assert_allclose(Lb.weights, La.weights, rtol=1e-5, atol=2e-6)  # (measured: 2.4e-7)
        np.testing.assert_allclose(Lb.bias, La.bias, rtol=1e-5, atol=2e-6)
    lib.fann_destroy_train(fdata)
    lib.fann_destroy(ann)


def test_fann_clip_clamps_forward_and_keeps_fanns_gradient() -> None:
    """With fann_clip, s·z is clamped to ±150/s (FANN's fann_run) and the gradient there is FANN's, the function's
    derivative at the clamped sum times s (fann_train never sees the clamp), not the true 0."""
    net = fn.Network([fn.Dense(1, 1, "linear", steepness=2.0, fann_clip=True)], loss="mse", dtype="float64")
    net.layers[0].weights = [[1.0]]
    net.layers[0].bias = [0.0]
    x = np.array([[10.0], [50.0], [-100.0]])  # s·z = 20, 100, -200: the last two beyond 150/2 = 75
    np.testing.assert_array_equal(net.predict(x)[:, 0], [20.0, 75.0, -75.0])
    t = np.zeros((3, 1))
    g = net.gradients(x, t)[0]
    y = np.array([20.0, 75.0, -75.0])
    np.testing.assert_allclose(g["weights"][0, 0], np.mean(y * 2.0 * x[:, 0]), rtol=1e-12)
    np.testing.assert_allclose(g["bias"][0], np.mean(y * 2.0), rtol=1e-12)
