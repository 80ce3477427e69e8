"""FANN's activation functions as fastnet activations: values, gradients (finite differences and the numpy
reference), the threshold kinds' refusal to train, and load_fann/save_fann against the real FANN 2.2."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import numpy as np
import pytest
from conftest import Fann
from test_fann import edit, read_io, recode, sample

import fastnet as fn
from fastnet.fann import _TRAINING_DEFAULTS, FANN_ACTIVATIONS, load_fann, save_fann

from reference import FANN_FUNCS, act_forward, numeric_grad
from reference import gradients as ref_gradients

TRAINABLE = [a for a in FANN_FUNCS if not a.startswith("threshold")]
ALL = list(FANN_FUNCS)
FANN_CODE = {"threshold": 1, "threshold_symmetric": 2, "gaussian": 7, "gaussian_symmetric": 8, "elliot": 10,
             "elliot_symmetric": 11, "linear_piece": 12, "linear_piece_symmetric": 13, "sin_symmetric": 14,
             "cos_symmetric": 15, "sin": 16, "cos": 17}


def one_neuron_net(act: str, dtype: str = "float64") -> fn.Network:
    """y = act(x): one input, one output, weight 1, bias 0."""
    net = fn.Network([fn.Dense(1, 1, act)], loss="mse", dtype=dtype)
    net.layers[0].weights = np.ones((1, 1))
    net.layers[0].bias = np.zeros(1)
    return net


# ----------------------------------------------------------------------------------------------- values
def test_names_and_fann_codes() -> None:
    for name, code in FANN_CODE.items():
        assert FANN_ACTIVATIONS[code].lower() == "fann_" + name
        assert name in fn.layers.ACTIVATIONS


@pytest.mark.parametrize("act", ALL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_equals_fanns_definition(act: str, dtype: str) -> None:
    z = np.concatenate([np.linspace(-6, 6, 241), [0.0, 1.0, -1.0, 0.5, 1e-3, 200.0, -200.0]])
    y = one_neuron_net(act, dtype).predict(z.reshape(-1, 1))[:, 0]
    tol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(y, act_forward(act, z.astype(dtype).astype(np.float64)), rtol=tol, atol=tol)


def test_hand_computed_values() -> None:
    cases = {  # FANN's formulas at a few points, computed by hand
        "threshold": [(-0.1, 0.0), (0.0, 1.0)], "threshold_symmetric": [(-0.1, -1.0), (0.0, 1.0)],
        "gaussian": [(0.0, 1.0), (1.0, math.exp(-1))], "gaussian_symmetric": [(0.0, 1.0), (1.0, 2 * math.exp(-1) - 1)],
        "elliot": [(1.0, 0.75), (-1.0, 0.25), (0.0, 0.5)], "elliot_symmetric": [(1.0, 0.5), (-3.0, -0.75)],
        "linear_piece": [(-0.5, 0.0), (0.25, 0.25), (3.0, 1.0)],
        "linear_piece_symmetric": [(-2.0, -1.0), (0.25, 0.25), (3.0, 1.0)],
        "sin": [(math.pi / 2, 1.0), (0.0, 0.5)], "sin_symmetric": [(math.pi / 2, 1.0)],
        "cos": [(0.0, 1.0), (math.pi, 0.0)], "cos_symmetric": [(math.pi, -1.0)],
    }
    for act, pairs in cases.items():
        net = one_neuron_net(act)
        for z, want in pairs:
            assert net.predict([[z]])[0, 0] == pytest.approx(want, abs=1e-12), (act, z)


# ----------------------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("act", TRAINABLE)
@pytest.mark.parametrize("position", ["hidden", "output"])
def test_finite_differences_float64(act: str, position: str) -> None:
    rng = np.random.default_rng(5)
    B, I, H, O = 5, 4, 6, 3
    hidden, out = (act, "tanh") if position == "hidden" else ("tanh", act)
    net = fn.Network([fn.Dense(I, H, hidden), fn.Dense(H, O, out)], loss="mse", seed=2, dtype="float64")
    X = rng.normal(size=(B, I))
    T = rng.uniform(-0.5, 0.9, (B, O))
    grads = net.gradients(X, T)
    for layer in range(2):
        for which in ("weights", "bias"):
            np.testing.assert_allclose(grads[layer][which], numeric_grad(net, X, T, layer, which), rtol=1e-5,
                                       atol=1e-8, err_msg=f"{act} as {position}, layer {layer} {which}")
    params = [(L.weights.copy(), L.bias.copy()) for L in net.layers]
    loss, ref, dX = ref_gradients(params, [hidden, out], "mse", X, T)
    assert net.loss_value(X, T) == pytest.approx(loss, rel=1e-12)
    for layer in range(2):
        for which in ("weights", "bias"):
            np.testing.assert_allclose(grads[layer][which], ref[layer][which], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(net.input_gradient(X, T), dX, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("act", ["gaussian", "sin_symmetric", "cos", "elliot_symmetric", "linear_piece"])
def test_sparse_layers_and_float32(act: str) -> None:
    """Sparse layers (transposed layout, where pre-activations are kept per layer) and the float32 path."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(9, 6))
    T = rng.uniform(0.1, 0.9, (9, 2))
    for dtype in ("float64", "float32"):
        net = fn.Network([fn.Sparse(6, 7, density=0.5, activation=act), fn.Sparse(7, 5, density=0.6, activation=act),
                          fn.Dense(5, 2, act)], loss="mse", seed=4, dtype=dtype)
        for L in net.layers:  # nonzero biases: no unit sits exactly on a kink (linear_piece at 0)
            L.bias = np.random.default_rng(1).uniform(0.05, 0.3, L.out_features)
        grads = net.gradients(X, T)
        dense = [(L.to_dense() if L.is_sparse else L.weights).astype(np.float64) for L in net.layers]
        params = [(W, L.bias.astype(np.float64)) for W, L in zip(dense, net.layers)]
        _, ref, _ = ref_gradients(params, [act] * 3, "mse", X, T)
        tol = dict(rtol=1e-9, atol=1e-12) if dtype == "float64" else dict(rtol=2e-4, atol=2e-6)
        for layer, (g, r) in enumerate(zip(grads, ref)):
            L = net.layers[layer]
            want = r["weights"][tuple(L.indices)] if L.is_sparse else r["weights"]
            np.testing.assert_allclose(g["weights"], want, **tol, err_msg=f"{dtype} layer {layer}")
            np.testing.assert_allclose(g["bias"], r["bias"], **tol)
        if dtype == "float64":
            for layer in range(3):
                np.testing.assert_allclose(grads[layer]["bias"], numeric_grad(net, X, T, layer, "bias"), rtol=1e-5,
                                           atol=1e-8)


@pytest.mark.parametrize("act", ["gaussian", "elliot", "sin"])
def test_trains(act: str) -> None:
    """A network of FANN neurons learns a smooth function with fastnet's optimizers."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (256, 2)).astype(np.float32)
    Y = (0.5 + 0.4 * np.sin(2 * X[:, :1]) * X[:, 1:]).astype(np.float32)
    net = fn.Network([fn.Dense(2, 12, act), fn.Dense(12, 1, "linear")], loss="mse", seed=1)
    before = net.evaluate(X, Y)["loss"]
    net.fit(X, Y, epochs=200, optimizer=fn.RPROP(), verbose=0)
    assert net.evaluate(X, Y)["loss"] < 0.2 * before


@pytest.mark.parametrize("act", ["threshold", "threshold_symmetric"])
def test_threshold_runs_but_does_not_train(act: str) -> None:
    net = fn.Network([fn.Dense(2, 3, act), fn.Dense(3, 1, "sigmoid")], loss="mse", seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0]], dtype=np.float32)
    # inference runs and computes the two-layer forward pass (fails if the threshold layer's output is wrong)
    W0, b0, W1, b1 = (net.layers[0].weights.astype(np.float64), net.layers[0].bias.astype(np.float64),
                      net.layers[1].weights.astype(np.float64), net.layers[1].bias.astype(np.float64))
    h = act_forward(act, X.astype(np.float64) @ W0.T + b0)
    assert set(np.unique(h)) <= ({0.0, 1.0} if act == "threshold" else {-1.0, 1.0})
    np.testing.assert_allclose(net.predict(X), act_forward("sigmoid", h @ W1.T + b1), rtol=1e-6)
    for call in (lambda: net.fit(X, [[0.0], [1.0]], epochs=1, verbose=0),
                 lambda: net.gradients(X, [[0.0], [1.0]]),
                 lambda: net.train_on_batch(X, [[0.0], [1.0]])):
        with pytest.raises(ValueError, match=r"layer 0 uses a threshold activation.*FANN_E_CANT_TRAIN_ACTIVATION"):
            call()


def test_single_output_class_threshold_is_zero_for_symmetric_kinds() -> None:
    for act, thr in (("elliot_symmetric", 0.0), ("sin_symmetric", 0.0), ("elliot", 0.5), ("gaussian", 0.5)):
        net = one_neuron_net(act, "float32")
        z = np.array([[-0.3], [0.3]], dtype=np.float32)
        np.testing.assert_array_equal(net.predict_classes(z), (net.predict(z)[:, 0] > thr).astype(int))


# ----------------------------------------------------------------------------------------------- FANN files
def one_neuron_fann(code: int, steepness: float, weight: float, bias: float) -> str:
    """A FANN 2.2 layered 1-1 network: y = f(s * (weight * x + bias))."""
    keys = "".join(f"{k}={'1.000000' if k == 'connection_rate' else v}\n" for k, v in _TRAINING_DEFAULTS)
    return ("FANN_FLO_2.1\nnum_layers=2\n" + keys + "layer_sizes=2 2 \nscale_included=0\n"
            "neurons (num_inputs, activation_function, activation_steepness)=(0, 0, 0.0) (0, 0, 0.0) "
            f"(2, {code}, {steepness!r}) (0, {code}, 0.0) \n"
            f"connections (connected_to_neuron, weight)=(0, {weight!r}) (1, {bias!r}) \n")


@pytest.mark.parametrize("act", ALL)
def test_load_fann_keeps_steepness(act: str, tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    """FANN's neuron f(s·(w·x + b)) loads as fastnet's act at steepness s with FANN's weights; FANN runs the file
    the same."""
    path = tmp_path / "one.net"
    path.write_text(one_neuron_fann(FANN_CODE[act], 0.7, 1.3, -0.2))
    net = load_fann(path)
    assert [L.activation for L in net.layers] == [act]
    assert net.layers[0].weights[0, 0] == np.float32(1.3)
    assert net.layers[0].bias[0] == np.float32(-0.2)
    assert net.layers[0].steepness[0] == 0.7
    x = np.linspace(-4, 4, 161, dtype=np.float32).reshape(-1, 1)
    want = act_forward(act, 0.7 * (1.3 * x.astype(np.float64) - 0.2))
    np.testing.assert_allclose(net.predict(x), want, rtol=1e-5, atol=1e-6)
    if maybe_fann is not None:  # FANN's own fann_run (its functions, evaluated in double, rounded to float)
        np.testing.assert_allclose(maybe_fann.run(path, x), net.predict(x), rtol=1e-5, atol=1e-6)


def test_save_fann_of_each_activation_runs_in_fann(tmp_path: Path, fann: Fann) -> None:
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (300, 4)).astype(np.float32)
    for act in ALL:
        net = fn.Network([fn.Dense(4, 6, act), fn.Dense(6, 5, "tanh"), fn.Dense(5, 2, act)], loss="mse", seed=7)
        net.save_fann(tmp_path / f"{act}.net")  # the Network method (same as fn.save_fann)
        back = load_fann(tmp_path / f"{act}.net")
        assert [L.activation for L in back.layers] == [act, "tanh", act]
        np.testing.assert_array_equal(back.predict(X), net.predict(X))
        np.testing.assert_allclose(fann.run(tmp_path / f"{act}.net", X), net.predict(X), rtol=1e-5, atol=1e-6,
                                   err_msg=act)


def test_building_sample_with_elliot_hidden_layer(tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    """FANN's building sample (sparse, ELLIOT_SYMMETRIC hidden) with only its stepwise output made exact."""
    path = edit(sample("building_sparse_elliot_stepwise.net"), tmp_path / "b.net", lambda t: recode(t, {4: 3}))
    net = load_fann(path)
    assert [L.activation for L in net.layers] == ["elliot_symmetric", "sigmoid"]
    X, _ = read_io(sample("building_sparse_elliot_stepwise.io"))
    X = np.vstack([X, np.random.default_rng(2).uniform(0, 1, (200, 14)).astype(np.float32)])
    if maybe_fann is not None:
        np.testing.assert_allclose(maybe_fann.run(path, X), net.predict(X), rtol=1e-5, atol=1e-6)
    # with the stepwise output approximated, the hidden layer still matches: the outputs differ from the
    # sample's by at most the stepwise sigmoid's error
    approx = load_fann(sample("building_sparse_elliot_stepwise.net"), approximate_stepwise=True)
    Xs, Ys = read_io(sample("building_sparse_elliot_stepwise.io"))
    assert np.abs(approx.predict(Xs) - Ys).max() < 0.034


def test_network_save_fann_rejects_relu(tmp_path: Path) -> None:
    net = fn.Network([3, 4, 2], activation="relu", output="sigmoid")
    with pytest.raises(ValueError, match="layer 0 uses activation 'relu', which FANN 2.2 has no equivalent for"):
        net.save_fann(tmp_path / "x.net")
    assert not (tmp_path / "x.net").exists()
    with pytest.raises(TypeError, match="save_fann expects a fastnet Network or CascadeNetwork"):
        save_fann("not a network", tmp_path / "x.net")  # type: ignore[arg-type]


@pytest.mark.parametrize("act", ["gaussian", "sin", "cos_symmetric"])
def test_sparse_output_layer_keeps_its_preactivations(act: str) -> None:
    """A sparse output layer works transposed: its pre-activations are turned row-major for the loss."""
    rng = np.random.default_rng(3)
    X, T = rng.normal(size=(7, 5)), rng.uniform(0.1, 0.9, (7, 4))
    net = fn.Network([fn.Dense(5, 6, "tanh"), fn.Sparse(6, 4, density=0.7, activation=act)], loss="mse", seed=2,
                     dtype="float64")
    grads = net.gradients(X, T)
    params = [(L.to_dense() if L.is_sparse else L.weights, L.bias) for L in net.layers]
    _, ref, _ = ref_gradients(params, ["tanh", act], "mse", X, T)
    np.testing.assert_allclose(grads[1]["weights"], ref[1]["weights"][tuple(net.layers[1].indices)], rtol=1e-10,
                               atol=1e-14)
    np.testing.assert_allclose(grads[0]["weights"], ref[0]["weights"], rtol=1e-10, atol=1e-14)
