"""Bad input gets a clear Python exception that names the problem: never a crash, never a silent change.

Every test uses tiny networks (4 inputs, a few units) and tiny data so the whole file runs in about a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

import fastnet as fn

N_IN, N_HID, N_OUT = 4, 8, 3
N = 24


# ---------------------------------------------------------------- helpers and fixtures
def _data(n: int = N, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, N_IN)).astype(np.float32)
    y = (np.arange(n) % N_OUT).astype(np.int64)
    return X, y


@pytest.fixture
def net():
    return fn.Network([N_IN, N_HID, N_OUT], activation="relu", output="softmax", seed=0)


@pytest.fixture
def reg_net():
    """A regression network (linear output, mse) with 2 outputs, for 2-D float targets."""
    return fn.Network([N_IN, N_HID, 2], activation="tanh", output="linear", seed=0)


@pytest.fixture
def data():
    return _data()


def _fit(net, X, y, **kw):
    kw.setdefault("epochs", 1)
    kw.setdefault("batch_size", 8)
    kw.setdefault("verbose", 0)
    return net.fit(X, y, **kw)


def _call(net, method, X, y):
    if method == "fit":
        return _fit(net, X, y)
    if method == "predict":
        return net.predict(X)
    if method == "predict_classes":
        return net.predict_classes(X)
    if method == "evaluate":
        return net.evaluate(X, y)
    if method == "gradients":
        return net.gradients(X, y)
    if method == "input_gradient":
        return net.input_gradient(X, y)
    if method == "loss_value":
        return net.loss_value(X, y)
    raise AssertionError(method)


ALL_METHODS = ["fit", "predict", "predict_classes", "evaluate", "gradients", "input_gradient", "loss_value"]
XY_METHODS = ["fit", "evaluate", "gradients", "input_gradient", "loss_value"]


# ---------------------------------------------------------------- X: dimensions, features, emptiness, values
@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("shape", [(N_IN,), (2, N, N_IN), (N, N_IN, 1)], ids=["1-D", "3-D", "3-D-trailing"])
def test_x_wrong_number_of_dimensions(net, method, shape):
    X = np.zeros(shape, dtype=np.float32)
    y = np.zeros(shape[0], dtype=np.int64)
    with pytest.raises(ValueError, match=r"X must be 2-D .*got \d dimension"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_x_scalar(net, method):
    with pytest.raises(ValueError, match=r"X must be 2-D .*got 0 dimension"):
        _call(net, method, np.float32(1.0), np.zeros(1, dtype=np.int64))


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("n_features", [1, N_IN - 1, N_IN + 1, 100])
def test_x_wrong_feature_count(net, method, n_features):
    X = np.zeros((N, n_features), dtype=np.float32)
    y = np.zeros(N, dtype=np.int64)
    with pytest.raises(ValueError, match=rf"X must have {N_IN} features \(columns\), got {n_features}"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("n_y", [N - 1, N + 1, 1])
def test_x_y_length_mismatch(net, data, method, n_y):
    X, _ = data
    y = np.zeros(n_y, dtype=np.int64)
    with pytest.raises(ValueError, match=rf"different lengths: {N} samples in X, {n_y} in y"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", XY_METHODS)
def test_x_y_length_mismatch_2d_targets(reg_net, data, method):
    X, _ = data
    with pytest.raises(ValueError, match="different lengths"):
        _call(reg_net, method, X, np.zeros((N + 3, 2)))


@pytest.mark.parametrize("method", ALL_METHODS)
def test_empty_x(net, method):
    X = np.zeros((0, N_IN), dtype=np.float32)
    y = np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match=r"X is empty \(0 samples\)"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonfinite_x(net, data, method, bad, dtype):
    X, y = data
    X = X.astype(dtype)
    X[N // 2, 1] = bad
    with pytest.raises(ValueError, match="X contains NaN or infinite values"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", ["fit", "predict", "evaluate"])
def test_x_finite_in_float64_but_overflows_float32(net, data, method):
    """1e300 is finite as float64 but becomes inf when converted for a float32 network: that must be an error
    naming X, not NaN predictions (or a 'training diverged' FloatingPointError) after a RuntimeWarning."""
    X, y = data
    X = X.astype(np.float64)
    X[0, 0] = 1e300
    with pytest.raises(ValueError, match=r"(?i)X .*(NaN or infinite|overflow|float32|range)"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_targets_finite_in_float64_but_overflow_float32(reg_net, data, method):
    X, _ = data
    Y = np.zeros((N, 2))
    Y[1, 1] = -1e300
    with pytest.raises(ValueError, match=r"(?i)y .*(NaN or infinite|overflow|float32|range)"):
        _call(reg_net, method, X, Y)


# ---------------------------------------------------------------- y: values, labels, shapes
@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_nonfinite_targets(reg_net, data, method, bad):
    X, _ = data
    Y = np.zeros((N, 2))
    Y[3, 1] = bad
    with pytest.raises(ValueError, match="y contains NaN or infinite values"):
        _call(reg_net, method, X, Y)


@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
def test_nonfinite_float_labels(net, data, method, bad):
    X, y = data
    y = y.astype(np.float64)
    y[0] = bad
    with pytest.raises(ValueError, match="y contains NaN or infinite values"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("label", [N_OUT, N_OUT + 7, 2**40], ids=["n_out", "n_out+7", "huge"])
def test_label_out_of_range(net, data, method, label):
    X, y = data
    y = y.copy()
    y[5] = label
    with pytest.raises(ValueError, match=rf"class label {label} in y is out of range.*\[0, {N_OUT - 1}\]"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("label", [-1, -100])
def test_label_negative(net, data, method, label):
    X, y = data
    y = y.copy()
    y[0] = label
    with pytest.raises(ValueError, match=rf"class label {label} in y is out of range"):
        _call(net, method, X, y)


@pytest.mark.parametrize("method", XY_METHODS)
def test_labels_non_integral_floats(net, data, method):
    X, y = data
    with pytest.raises(TypeError, match="integer class labels"):
        _call(net, method, X, y.astype(np.float64) + 0.5)


@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("cols", [1, N_OUT + 1])
def test_targets_wrong_column_count(net, data, method, cols):
    X, _ = data
    with pytest.raises(ValueError, match=rf"y must have {N_OUT} columns .*got {cols}"):
        _call(net, method, X, np.zeros((N, cols)))


@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("shape", [(), (N, N_OUT, 1)], ids=["0-D", "3-D"])
def test_targets_wrong_number_of_dimensions(net, data, method, shape):
    X, _ = data
    with pytest.raises(ValueError, match=r"y must be 1-D class labels or 2-D targets, got \d dimensions"):
        _call(net, method, X, np.zeros(shape))


# ---------------------------------------------------------------- non-numeric dtypes
NON_NUMERIC = {
    "str": lambda a: a.astype(str),
    "bytes": lambda a: a.astype("S8"),
    "object": lambda a: a.astype(object),
    "complex64": lambda a: a.astype(np.complex64),
    "complex128": lambda a: a.astype(np.complex128),
    "datetime": lambda a: np.zeros(a.shape, dtype="datetime64[s]"),
}


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("kind", list(NON_NUMERIC))
def test_x_non_numeric_dtype(net, data, method, kind):
    X, y = data
    with pytest.raises(TypeError, match=r"X must hold real numbers .*dtype"):
        _call(net, method, NON_NUMERIC[kind](X), y)


@pytest.mark.parametrize("method", XY_METHODS)
@pytest.mark.parametrize("kind", list(NON_NUMERIC))
def test_y_non_numeric_dtype(net, data, method, kind):
    X, y = data
    with pytest.raises(TypeError, match=r"y must hold numbers .*dtype"):
        _call(net, method, X, NON_NUMERIC[kind](y))


@pytest.mark.parametrize("method", ALL_METHODS)
def test_x_ragged_list(net, method):
    X = [[0.0] * N_IN, [0.0] * (N_IN - 1)]
    with pytest.raises(TypeError, match="X must be a 2-D numeric array; could not convert"):
        _call(net, method, X, [0, 1])


@pytest.mark.parametrize("method", ALL_METHODS)
def test_x_none(net, method):
    with pytest.raises(TypeError, match="X must hold real numbers"):
        _call(net, method, None, [0])


# ---------------------------------------------------------------- fit hyper-parameters
@pytest.mark.parametrize("lr", [0, 0.0, -0.1, -1e-12, float("nan"), float("inf"), -float("inf")])
def test_lr_invalid(net, data, lr):
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
        _fit(net, *data, lr=lr)


@pytest.mark.parametrize("lr", ["0.1", [0.1], 1j])
def test_lr_wrong_type(net, data, lr):
    with pytest.raises(TypeError, match="lr must be a real number"):
        _fit(net, *data, lr=lr)


@pytest.mark.parametrize("epochs", [-1, -100])
def test_epochs_negative(net, data, epochs):
    with pytest.raises(ValueError, match=rf"epochs must be >= 0, got {epochs}"):
        _fit(net, *data, epochs=epochs)


@pytest.mark.parametrize("epochs", [1.0, 2.5, "3", None, True])
def test_epochs_wrong_type(net, data, epochs):
    with pytest.raises(TypeError, match="epochs must be an integer"):
        _fit(net, *data, epochs=epochs)


def test_epochs_zero_is_a_no_op(net, data):
    before = net.predict(data[0])
    h = _fit(net, *data, epochs=0)
    assert h.epochs == 0
    assert np.array_equal(net.predict(data[0]), before)


@pytest.mark.parametrize("batch_size", [0, -1, -32])
def test_batch_size_below_one(net, data, batch_size):
    with pytest.raises(ValueError, match=rf"batch_size must be >= 1, got {batch_size}"):
        _fit(net, *data, batch_size=batch_size)


@pytest.mark.parametrize("batch_size", [8.0, 2.5, "8", True, np.float32(8)])
def test_batch_size_not_integer(net, data, batch_size):
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        _fit(net, *data, batch_size=batch_size)


def test_batch_size_numpy_integer_and_larger_than_data(net, data):
    h = _fit(net, *data, batch_size=np.int64(4))
    assert h.epochs == 1
    h = _fit(net, *data, batch_size=10 * N)  # one full batch
    assert h.epochs == 1 and np.isfinite(h["loss"][0])


@pytest.mark.parametrize("name,value", [("batch_size", 2**40), ("epochs", 2**40), ("batch_size", 2**31)])
def test_huge_integer_hyperparameters_named(net, data, name, value):
    """Values beyond the core's C int (2**31 - 1) are rejected before training with a ValueError that names the
    argument, the limit and the value; fails if one is accepted (even clamped) or the error is anything else."""
    X, y = data
    before = net.layers[0].weights.copy()
    calls = []
    with pytest.raises(ValueError, match=rf"^{name} must be <= 2147483647, got {value}$"):
        _fit(net, X, y, callbacks=[lambda log: calls.append(log) or False], **{name: value})
    assert calls == [] and np.array_equal(net.layers[0].weights, before)  # nothing trained


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, float("nan"), float("inf")])
def test_momentum_out_of_range(net, data, momentum):
    with pytest.raises(ValueError, match=r"momentum must be in \[0\.0, 1\.0\)"):
        _fit(net, *data, momentum=momentum)


@pytest.mark.parametrize("momentum", ["0.9", [0.9]])
def test_momentum_wrong_type(net, data, momentum):
    with pytest.raises(TypeError, match="momentum must be a real number"):
        _fit(net, *data, momentum=momentum)


@pytest.mark.parametrize("wd", [-1e-4, float("nan"), float("inf")])
def test_weight_decay_invalid(net, data, wd):
    with pytest.raises(ValueError, match="weight_decay must be in"):
        _fit(net, *data, weight_decay=wd)


@pytest.mark.parametrize("verbose", [-1, 0.5, "yes"])
def test_verbose_invalid(net, data, verbose):
    with pytest.raises((TypeError, ValueError), match="verbose must be"):
        net.fit(*data, epochs=1, verbose=verbose)


@pytest.mark.parametrize("cb", [1, "print", [None]], ids=["int", "str", "list-of-none"])
def test_callbacks_not_callable(net, data, cb):
    cbs = cb if isinstance(cb, list) else [cb]
    with pytest.raises(TypeError, match="callbacks must be callables"):
        _fit(net, *data, callbacks=cbs)


def test_hyperparameter_errors_do_not_train(net, data):
    X, y = data
    before = [(L.weights, L.bias) for L in net.layers]
    for kw in ({"lr": -1.0}, {"momentum": 1.0}, {"batch_size": 0}, {"epochs": -1}):
        with pytest.raises(ValueError):
            _fit(net, X, y, **kw)
    for (w, b), L in zip(before, net.layers):
        assert np.array_equal(w, L.weights) and np.array_equal(b, L.bias)


# ---------------------------------------------------------------- validation_data
@pytest.mark.parametrize("vd_kind", ["array", "1-tuple", "3-tuple", "str", "dict", "set"])
def test_validation_data_not_a_pair(net, data, vd_kind):
    X, y = data
    vd = {"array": X, "1-tuple": (X,), "3-tuple": (X, y, y), "str": "val", "dict": {"X": X, "y": y},
          "set": {1, 2}}[vd_kind]
    with pytest.raises(TypeError, match=r"validation_data must be a tuple \(X_val, y_val\)"):
        _fit(net, X, y, validation_data=vd)


@pytest.mark.parametrize(
    "case,exc,pattern",
    [
        ("features", ValueError, rf"validation X must have {N_IN} features"),
        ("1-D X", ValueError, r"validation X must be 2-D"),
        ("length", ValueError, r"different lengths: 10 samples in X, 4 in validation y"),
        ("empty", ValueError, r"validation X is empty"),
        ("nan X", ValueError, r"validation X contains NaN"),
        ("inf y", ValueError, r"validation y contains NaN"),
        ("label", ValueError, rf"class label {N_OUT} in validation y is out of range"),
        ("negative label", ValueError, r"class label -1 in validation y is out of range"),
        ("str X", TypeError, r"validation X must hold real numbers"),
        ("complex y", TypeError, r"validation y must hold numbers"),
        ("targets cols", ValueError, rf"validation y must have {N_OUT} columns"),
    ],
)
def test_validation_data_malformed(net, data, case, exc, pattern):
    X, y = data
    Xv, yv = X[:10].copy(), y[:10].copy()
    if case == "features":
        Xv = Xv[:, :-1]
    elif case == "1-D X":
        Xv = Xv[0]
    elif case == "length":
        yv = yv[:4]
    elif case == "empty":
        Xv, yv = Xv[:0], yv[:0]
    elif case == "nan X":
        Xv[2, 2] = np.nan
    elif case == "inf y":
        yv = np.eye(N_OUT)[yv]
        yv[0, 0] = np.inf
    elif case == "label":
        yv[1] = N_OUT
    elif case == "negative label":
        yv[1] = -1
    elif case == "str X":
        Xv = Xv.astype(str)
    elif case == "complex y":
        yv = yv.astype(complex)
    elif case == "targets cols":
        yv = np.zeros((10, N_OUT + 2))
    with pytest.raises(exc, match=pattern):
        _fit(net, X, y, validation_data=(Xv, yv))


def test_validation_data_list_and_onehot_accepted(net, data):
    X, y = data
    h = _fit(net, X, y, validation_data=[X[:6], np.eye(N_OUT)[y[:6]]], epochs=2)
    assert len(h["val_loss"]) == 2 and all(np.isfinite(h["val_loss"]))


# ---------------------------------------------------------------- construction
@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"activation": "gelu"}, r"unknown activation 'gelu'; accepted: .*'relu'"),
        ({"activation": "ReLU"}, r"unknown activation 'ReLU'"),
        ({"activation": None}, r"unknown activation None"),
        ({"output": "swish"}, r"unknown output 'swish'; accepted: .*'softmax'"),
        ({"loss": "hinge"}, r"unknown loss 'hinge'; accepted: 'mse', 'cross_entropy'"),
        ({"loss": "categorical_crossentropy"}, r"unknown loss"),
        ({"init": "xavier"}, r"unknown init 'xavier'; accepted: .*'glorot_uniform'"),
        ({"dtype": "float16"}, r"unknown dtype 'float16'; accepted: 'float32', 'float64'"),
        ({"dtype": "int32"}, r"unknown dtype 'int32'"),
        ({"dtype": "half"}, r"unknown dtype 'half'"),
    ],
)
def test_unknown_names_shorthand(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        fn.Network([N_IN, N_HID, N_OUT], **kwargs)


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"activation": "gelu"}, r"unknown activation 'gelu'"),
        ({"init": "zeros"}, r"unknown init 'zeros'"),
    ],
)
def test_unknown_names_dense(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        fn.Dense(N_IN, N_OUT, **kwargs)


@pytest.mark.parametrize("where", ["shorthand-activation", "shorthand-output", "dense"])
def test_unhashable_activation_named(where):
    """A list where a name is expected: the error should name the argument, not say 'unhashable type'."""
    with pytest.raises((TypeError, ValueError), match="activation|output"):
        if where == "shorthand-activation":
            fn.Network([N_IN, N_HID, N_OUT], activation=["relu"])
        elif where == "shorthand-output":
            fn.Network([N_IN, N_HID, N_OUT], output=["softmax"])
        else:
            fn.Dense(N_IN, N_OUT, activation=["relu"])


def test_softmax_hidden_layer_shorthand():
    with pytest.raises(ValueError, match="softmax is only allowed on the output layer"):
        fn.Network([N_IN, N_HID, N_OUT], activation="softmax", output="softmax")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("position", [0, 1])
def test_softmax_hidden_layer_explicit(dtype, position):
    acts = ["relu", "relu", "softmax"]
    acts[position] = "softmax"
    layers = [fn.Dense(N_IN, 6, acts[0]), fn.Dense(6, 5, acts[1]), fn.Dense(5, N_OUT, acts[2])]
    with pytest.raises(ValueError, match=rf"layer {position}: softmax is only allowed on the output layer"):
        fn.Network(layers, dtype=dtype)


def test_softmax_output_needs_two_outputs():
    with pytest.raises(ValueError, match="softmax output needs at least 2 outputs"):
        fn.Network([N_IN, N_HID, 1], output="softmax")


@pytest.mark.parametrize("output", ["linear", "relu", "tanh", "leaky_relu"])
def test_cross_entropy_needs_softmax_or_sigmoid_shorthand(output):
    with pytest.raises(ValueError, match=r"loss 'cross_entropy' needs a 'softmax' or 'sigmoid' output layer"):
        fn.Network([N_IN, N_HID, N_OUT], output=output, loss="cross_entropy")


@pytest.mark.parametrize("output", ["linear", "relu"])
def test_cross_entropy_needs_softmax_or_sigmoid_explicit(output):
    layers = [fn.Dense(N_IN, N_HID, "relu"), fn.Dense(N_HID, N_OUT, output)]
    with pytest.raises(ValueError, match=r"cross_entropy.*softmax.*sigmoid"):
        fn.Network(layers, loss="cross_entropy")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_sizes_do_not_chain(dtype):
    layers = [fn.Dense(N_IN, 8, "relu"), fn.Dense(7, N_OUT, "softmax")]
    with pytest.raises(ValueError, match=r"layer 1 has in_features=7 but layer 0 has out_features=8"):
        fn.Network(layers, dtype=dtype)


def test_layer_sizes_do_not_chain_deeper():
    layers = [fn.Dense(N_IN, 8, "relu"), fn.Dense(8, 5, "relu"), fn.Dense(6, N_OUT, "softmax")]
    with pytest.raises(ValueError, match=r"layer 2 has in_features=6 but layer 1 has out_features=5"):
        fn.Network(layers)


@pytest.mark.parametrize(
    "layers,exc,pattern",
    [
        ([], TypeError, r"non-empty list"),
        ("4,8,3", TypeError, r"non-empty list"),
        ([N_IN], ValueError, r"at least an input and an output size"),
        ([N_IN, 0, N_OUT], ValueError, r"out_features must be >= 1, got 0"),
        ([N_IN, -5, N_OUT], ValueError, r"out_features must be >= 1, got -5"),
        ([0, N_OUT], ValueError, r"in_features must be >= 1, got 0"),
        ([N_IN, 8.0, N_OUT], TypeError, r"layers must be all ints .* or all Dense"),
        ([N_IN, True, N_OUT], TypeError, r"layers must be all ints .* or all Dense"),
        ([fn.Dense(N_IN, N_OUT), N_OUT], TypeError, r"not a mix"),
    ],
    ids=["empty", "str", "one-size", "zero", "negative", "zero-input", "float", "bool", "mix"],
)
def test_bad_layer_lists(layers, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn.Network(layers)


@pytest.mark.parametrize("size", [2**31, 2**40, 10**30])
def test_layer_size_too_large_for_core(size):
    """Sizes the core cannot represent must raise ValueError naming the size, not pybind's RuntimeError."""
    with pytest.raises(ValueError, match=r"in_features|out_features|size"):
        fn.Network([fn.Dense(size, 2, "linear")], loss="mse")


@pytest.mark.parametrize("seed,exc", [(-1, ValueError), (2**64, ValueError), (1.5, TypeError), ("0", TypeError)])
def test_bad_seed(seed, exc):
    with pytest.raises(exc, match="seed must be"):
        fn.Network([N_IN, N_OUT], seed=seed)


@pytest.mark.parametrize("alpha", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_leaky_relu_alpha(alpha):
    with pytest.raises(ValueError, match=r"alpha .* must be a finite number > 0"):
        fn.Dense(N_IN, N_OUT, "leaky_relu", alpha=alpha)


# ---------------------------------------------------------------- files
def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-model.fnet"):
        fn.load(tmp_path / "no-such-model.fnet")


def test_load_directory(tmp_path):
    with pytest.raises(OSError):
        fn.load(tmp_path)


def test_save_into_missing_directory(net, tmp_path):
    with pytest.raises(FileNotFoundError):
        net.save(tmp_path / "missing-dir" / "model.fnet")


@pytest.mark.parametrize(
    "content",
    [b"hello, I am a text file\n" * 10, b"x", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b"PK\x03\x04" + b"\1" * 100],
    ids=["text", "one-byte", "png", "zip"],
)
def test_load_not_a_model(tmp_path, content):
    p = tmp_path / "model.fnet"
    p.write_bytes(content)
    with pytest.raises(ValueError, match=r"not a valid fastnet model: (wrong magic|file is too short)"):
        fn.load(p)
    with pytest.raises(fn.ModelFormatError):
        fn.load(str(p))


def test_from_bytes_not_a_model():
    with pytest.raises(ValueError, match="not a valid fastnet model"):
        fn.Network.from_bytes(b"definitely not a network, just some bytes")


# ---------------------------------------------------------------- layer parameters
@pytest.mark.parametrize("which", ["weights", "bias"])
@pytest.mark.parametrize("layer", [0, 1])
def test_assign_wrong_shape(net, which, layer):
    L = net.layers[layer]
    shape = L.weights.shape if which == "weights" else L.bias.shape
    before = getattr(L, which)
    for bad_shape in [shape[::-1] if len(shape) == 2 else (shape[0] + 1,), (shape[0] + 1,) + shape[1:], (1,), ()]:
        if bad_shape == shape:
            continue
        with pytest.raises(ValueError, match=rf"{which} of layer {layer} must have shape"):
            setattr(L, which, np.zeros(bad_shape))
    assert np.array_equal(getattr(L, which), before)


@pytest.mark.parametrize("which", ["weights", "bias"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_assign_nonfinite(net, which, bad):
    L = net.layers[0]
    before = getattr(L, which)
    value = np.array(before, dtype=np.float64)
    value.flat[0] = bad
    with pytest.raises(ValueError, match=rf"{which} contains NaN or infinite values"):
        setattr(L, which, value)
    assert np.array_equal(getattr(L, which), before)


@pytest.mark.parametrize("which", ["weights", "bias"])
def test_assign_non_numeric(net, which):
    L = net.layers[1]
    value = getattr(L, which).astype(str)
    with pytest.raises(TypeError, match=rf"{which} must be a real numeric array"):
        setattr(L, which, value)
    with pytest.raises(TypeError, match=rf"{which} must be a real numeric array"):
        setattr(L, which, getattr(L, which).astype(np.complex128))


def test_parameter_views_are_read_only(net):
    w = net.layers[0].weights
    with pytest.raises(ValueError, match="read-only"):
        w[0, 0] = 1.0
    b = net.layers[0].bias
    with pytest.raises(ValueError, match="read-only"):
        b[0] = 1.0


def test_assign_valid_parameters(net):
    L = net.layers[0]
    w = np.arange(L.out_features * L.in_features, dtype=np.float64).reshape(L.out_features, L.in_features) / 100
    L.weights = w
    L.bias = np.ones(L.out_features, dtype=np.int64)
    assert np.array_equal(L.weights, w.astype(np.float32))
    assert np.array_equal(L.bias, np.ones(L.out_features, dtype=np.float32))


# ---------------------------------------------------------------- nothing the user passed is modified
def _x_variants(X):
    Xf = np.asfortranarray(X)
    wide = np.zeros((X.shape[0], 2 * X.shape[1]), dtype=np.float32)
    wide[:, ::2] = X
    return {
        "float32-C": X.copy(),
        "float64": X.astype(np.float64),
        "int64": np.round(X * 3).astype(np.int64),
        "int32": np.round(X * 3).astype(np.int32),
        "uint8": (np.abs(X) * 10).astype(np.uint8),
        "float32-F": Xf,
        "float32-strided": wide[:, ::2],
        "float16": X.astype(np.float16),
        "list": X.tolist(),
    }


def _y_variants(y):
    return {
        "int64": y.copy(),
        "int32": y.astype(np.int32),
        "uint8": y.astype(np.uint8),
        "float-integral": y.astype(np.float64),
        "onehot-float32": np.eye(N_OUT, dtype=np.float32)[y],
        "onehot-float64": np.eye(N_OUT)[y],
        "list": y.tolist(),
    }


def _snapshot(obj):
    if isinstance(obj, np.ndarray):
        return obj.copy(), obj.dtype, obj.strides, obj.flags.c_contiguous, obj.flags.writeable
    import copy

    return copy.deepcopy(obj)


def _same(a, b):
    if isinstance(a, tuple) and isinstance(a[0], np.ndarray):
        arr, dtype, strides, c, w = a
        return np.array_equal(arr, b[0]) and dtype == b[1] and strides == b[2] and c == b[3] and w == b[4]
    return a == b


@pytest.mark.parametrize("xkind", list(_x_variants(_data()[0])))
@pytest.mark.parametrize("ykind", ["int64", "onehot-float32", "list"])
def test_inputs_not_modified(xkind, ykind):
    X0, y0 = _data()
    X = _x_variants(X0)[xkind]
    y = _y_variants(y0)[ykind]
    Xv = _x_variants(X0[:8])[xkind]
    yv = _y_variants(y0[:8])[ykind]
    objs = [X, y, Xv, yv]
    snaps = [_snapshot(o) for o in objs]
    net = fn.Network([N_IN, N_HID, N_OUT], seed=0)
    h = net.fit(X, y, epochs=2, batch_size=5, lr=0.1, momentum=0.9, weight_decay=1e-3, nesterov=True,
                validation_data=(Xv, yv), verbose=0)
    assert all(np.isfinite(h["loss"]))
    net.predict(X)
    net.predict_classes(X)
    net.evaluate(X, y)
    net.gradients(X, y)
    net.input_gradient(X, y)
    for s_before, o in zip(snaps, objs):
        assert _same(s_before, _snapshot(o)), f"{xkind}/{ykind}: an input was modified"


def test_parameter_assignment_does_not_keep_or_modify_the_source(net):
    L = net.layers[0]
    w = np.full((L.out_features, L.in_features), 0.25, dtype=np.float32)
    w_copy = w.copy()
    L.weights = w
    _fit(net, *_data(), epochs=2, lr=0.5)
    assert np.array_equal(w, w_copy), "the array assigned to weights was modified by training"
    assert not np.array_equal(L.weights, w), "training did not change the weights"


def test_read_only_inputs_accepted(net, data):
    X, y = (a.copy() for a in data)
    X.setflags(write=False)
    y.setflags(write=False)
    h = _fit(net, X, y, epochs=2)
    assert h.epochs == 2
    assert net.predict(X).shape == (N, N_OUT)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_x_dtypes_give_consistent_results(dtype):
    """float32 C-contiguous X is accepted; float64 and int X work and agree with their converted form."""
    X, y = _data()
    net = fn.Network([N_IN, N_HID, N_OUT], seed=3, dtype=dtype)
    _fit(net, X, y, epochs=2, lr=0.1)
    nd = np.dtype(dtype)
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    assert X32.flags.c_contiguous
    P = net.predict(X32.astype(nd))
    assert P.dtype == nd and P.shape == (N, N_OUT)
    assert np.all(np.isfinite(P))
    X64 = X.astype(np.float64) + 1e-3
    assert np.array_equal(net.predict(X64), net.predict(X64.astype(nd)))
    Xi = np.round(X * 4).astype(np.int64)
    assert np.array_equal(net.predict(Xi), net.predict(Xi.astype(nd)))
    assert np.array_equal(net.predict(np.asfortranarray(X32)), net.predict(X32))
    assert np.array_equal(net.predict(X32.tolist()), net.predict(X32))


def test_same_training_for_int_and_float_labels():
    X, y = _data()
    a = fn.Network([N_IN, N_HID, N_OUT], seed=1)
    b = fn.Network([N_IN, N_HID, N_OUT], seed=1)
    _fit(a, X, y, epochs=2)
    _fit(b, X.astype(np.float64), y.astype(np.float64), epochs=2)
    for La, Lb in zip(a.layers, b.layers):
        assert np.array_equal(La.weights, Lb.weights)


# ---------------------------------------------------------------- callbacks that raise
class _CallbackBoom(RuntimeError):
    pass


@pytest.mark.parametrize("raise_at", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_callback_exception_propagates(data, raise_at, dtype):
    X, y = data
    net = fn.Network([N_IN, N_HID, N_OUT], seed=0, dtype=dtype)
    seen = []

    def cb(log):
        seen.append(log["epoch"])
        if log["epoch"] == raise_at:
            raise _CallbackBoom(f"stop at {raise_at}")

    with pytest.raises(_CallbackBoom, match=f"stop at {raise_at}"):
        net.fit(X, y, epochs=5, batch_size=4, lr=0.1, momentum=0.9, verbose=0, callbacks=[cb])
    assert seen == list(range(1, raise_at + 1)), "training went on after the callback raised"
    P = net.predict(X)
    assert P.shape == (N, N_OUT) and np.all(np.isfinite(P))
    assert np.allclose(P.sum(axis=1), 1.0, atol=1e-5)
    # the network is still usable for training
    h = _fit(net, X, y, epochs=1)
    assert np.isfinite(h["loss"][0])


def test_callback_raising_base_exception_types(data):
    X, y = data
    net = fn.Network([N_IN, N_HID, N_OUT], seed=0)

    def cb(log):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y, epochs=3, verbose=0, callbacks=[cb])
    assert np.all(np.isfinite(net.predict(X)))


def test_callback_returning_false_stops(data):
    X, y = data
    net = fn.Network([N_IN, N_HID, N_OUT], seed=0)
    h = net.fit(X, y, epochs=10, verbose=0, callbacks=[lambda log: log["epoch"] < 3])
    assert h.epochs == 3


# ---------------------------------------------------------------- the process survives every bad input
_CRASH_SCRIPT = textwrap.dedent(
    r"""
    import numpy as np, fastnet as fn
    X = np.random.default_rng(0).standard_normal((12, 4)).astype(np.float32)
    y = np.arange(12) % 3
    net = fn.Network([4, 6, 3], seed=0)
    def fit(X=X, y=y, **kw):
        kw.setdefault("epochs", 1); kw.setdefault("verbose", 0)
        return net.fit(X, y, **kw)
    def boom(log):
        raise RuntimeError("boom")
    def setw(v):
        net.layers[0].weights = v
    def stop(log):
        return False
    # (name, call, must_raise)
    cases = [
        ("predict 1-D", lambda: net.predict(X[0]), True), ("predict 3-D", lambda: net.predict(X[None]), True),
        ("predict features", lambda: net.predict(X[:, :3]), True), ("predict empty", lambda: net.predict(X[:0]), True),
        ("predict nan", lambda: net.predict(np.full((2, 4), np.nan)), True),
        ("predict None", lambda: net.predict(None), True),
        ("predict complex", lambda: net.predict(X.astype(complex)), True),
        ("predict str", lambda: net.predict(X.astype(str)), True), ("predict 'abc'", lambda: net.predict("abc"), True),
        ("predict ragged", lambda: net.predict([[1, 2], [3]]), True),
        ("predict (0,0)", lambda: net.predict(np.empty((0, 0))), True),
        ("fit length", lambda: fit(y=y[:5]), True), ("fit label", lambda: fit(y=y + 3), True),
        ("fit negative label", lambda: fit(y=y - 1), True), ("fit nan y", lambda: fit(y=np.full(12, np.nan)), True),
        ("fit 3-D y", lambda: fit(y=np.zeros((12, 3, 2))), True), ("fit lr 0", lambda: fit(lr=0), True),
        ("fit lr nan", lambda: fit(lr=float("nan")), True), ("fit epochs -1", lambda: fit(epochs=-1), True),
        ("fit batch 0", lambda: fit(batch_size=0), True), ("fit batch 1.5", lambda: fit(batch_size=1.5), True),
        ("fit batch 2**40", lambda: fit(batch_size=2**40), False),
        ("fit epochs 2**40", lambda: fit(epochs=2**40, callbacks=[stop]), False),
        ("fit momentum 1", lambda: fit(momentum=1.0), True),
        ("fit X overflowing float32", lambda: fit(X=X.astype(np.float64) * 1e300), True),
        ("fit vd array", lambda: fit(validation_data=X), True),
        ("fit vd features", lambda: fit(validation_data=(X[:, :2], y)), True),
        ("fit vd length", lambda: fit(validation_data=(X, y[:2])), True),
        ("fit callback raises", lambda: fit(callbacks=[boom]), True),
        ("fit callback int", lambda: fit(callbacks=[3]), True),
        ("evaluate length", lambda: net.evaluate(X, y[:3]), True),
        ("gradients empty", lambda: net.gradients(X[:0], y[:0]), True),
        ("input_gradient label", lambda: net.input_gradient(X, y + 9), True),
        ("softmax hidden", lambda: fn.Network([4, 6, 3], activation="softmax"), True),
        ("softmax hidden explicit", lambda: fn.Network([fn.Dense(4, 6, "softmax"), fn.Dense(6, 3, "softmax")]), True),
        ("no chain", lambda: fn.Network([fn.Dense(4, 6), fn.Dense(5, 3)]), True),
        ("cross_entropy relu", lambda: fn.Network([4, 3], output="relu", loss="cross_entropy"), True),
        ("in_features 2**31", lambda: fn.Network([fn.Dense(2**31, 2)], loss="mse"), True),
        ("size 2**40", lambda: fn.Network([4, 2**40]), True),
        ("dtype float16", lambda: fn.Network([4, 3], dtype="float16"), True),
        ("init x", lambda: fn.Network([4, 3], init="x"), True),
        ("load missing", lambda: fn.load("/nonexistent/dir/model.fnet"), True),
        ("from_bytes empty", lambda: fn.Network.from_bytes(b""), True),
        ("from_bytes magic+ff", lambda: fn.Network.from_bytes(b"FASTNET\0" + b"\xff" * 40), True),
        ("from_bytes range", lambda: fn.Network.from_bytes(bytes(range(256)) * 4), True),
        ("weights shape", lambda: setw(np.zeros((2, 2))), True),
        ("weights nan", lambda: setw(np.full((6, 4), np.nan)), True),
    ]
    for name, c, must_raise in cases:
        try:
            c()
        except BaseException as e:
            print("CASE", name, "| raised", type(e).__name__, flush=True)
        else:
            print("CASE", name, "| returned", "(bad)" if must_raise else "(allowed)", flush=True)
    assert np.all(np.isfinite(net.predict(X)))
    print("SURVIVED", len(cases), flush=True)
    """
)


def test_process_survives_bad_inputs(tmp_path):
    """Run a battery of bad inputs in a child process: a crash (signal, abort) shows as a bad exit status."""
    script = tmp_path / "bad_inputs.py"
    script.write_text(_CRASH_SCRIPT)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "2"})
    assert proc.returncode == 0, (
        f"the process died (status {proc.returncode}) after:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    assert "SURVIVED" in proc.stdout
    bad = [ln for ln in proc.stdout.splitlines() if ln.startswith("CASE") and ln.endswith("(bad)")]
    assert not bad, "bad inputs accepted silently:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "layers,dtype",
    [
        ("[fn.Dense(2**31 - 1, 2**30, 'linear')]", "float64"),  # byte count wraps to 0 modulo 2**64
        ("[fn.Dense(2**31 - 1, 2**30, 'linear')]", "float32"),
        ("[2**31 - 1, 2**30]", "float64"),
    ],
    ids=["dense-float64", "dense-float32", "shorthand-float64"],
)
def test_huge_layer_sizes_do_not_crash(tmp_path, layers, dtype):
    """Layer sizes whose parameter bytes overflow 64 bits: a Python exception (ValueError naming the size, or
    MemoryError), never a segfault. Run in a child process so a crash cannot take the test session down."""
    script = textwrap.dedent(
        f"""
        import fastnet as fn
        try:
            fn.Network({layers}, output="linear", loss="mse", dtype={dtype!r})
        except BaseException as e:
            print("RAISED", type(e).__name__, e)
        else:
            print("BUILT")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=tempfile.gettempdir())  # not the repo root, whose fastnet/ has no _core
    assert proc.returncode == 0, f"the process died with status {proc.returncode}: {proc.stderr[-1000:]}"
    assert proc.stdout.startswith(("RAISED ValueError", "RAISED MemoryError")), proc.stdout


def test_dtype_accepts_numpy_spellings():
    """np.float32, np.dtype("float64") and "f8" name the same two dtypes; anything else is a ValueError naming it."""
    import numpy as np

    import fastnet as fn

    for spelling, expected in [("float32", np.float32), (np.float64, np.float64), (np.dtype("float32"), np.float32),
                               ("f8", np.float64)]:
        net = fn.Network([3, 4, 2], dtype=spelling)
        assert net.dtype == np.dtype(expected)
        assert net.predict(np.zeros((1, 3))).dtype == np.dtype(expected)
    for bad in [None, 3, "int32", np.int64, "float16"]:
        with pytest.raises(ValueError, match="unknown dtype"):
            fn.Network([3, 4, 2], dtype=bad)
