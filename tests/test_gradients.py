"""Finite-difference gradient checks (float64) for every activation x loss, and the numpy reference."""

import itertools

import numpy as np
import pytest

import fastnet as fn

from reference import gradients as ref_gradients
from reference import numeric_grad, one_hot

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]
OUTPUT_LOSS = [(o, "mse") for o in ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]] + [
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("sigmoid", "fann_tanh"),
    ("tanh", "fann_tanh"),
]


def make_targets(rng, out_act, loss, B, O):
    if out_act == "softmax":
        return one_hot(rng.integers(0, O, B), O)
    if loss == "fann_tanh" and out_act == "tanh":  # within the error function's domain |e| < 1
        return rng.uniform(-0.9, 0.9, (B, O))
    if out_act == "sigmoid" or loss == "cross_entropy":
        return rng.uniform(0.05, 0.95, (B, O))
    return rng.normal(size=(B, O))


def params_of(net):
    return [(L.weights.astype(np.float64), L.bias.astype(np.float64)) for L in net.layers]


@pytest.mark.parametrize("hidden,out_loss", list(itertools.product(HIDDEN, OUTPUT_LOSS)))
def test_finite_differences_float64(hidden, out_loss):
    out_act, loss = out_loss
    rng = np.random.default_rng(7)
    B, I, H, O = 4, 5, 6, 3
    net = fn.Network([fn.Dense(I, H, hidden), fn.Dense(H, O, out_act)], loss=loss, seed=3, dtype="float64")
    # biases away from zero so relu kinks are not hit by the +-eps probes
    net.layers[0].bias = rng.uniform(0.1, 0.3, H) * rng.choice([-1, 1], H)
    X = rng.normal(size=(B, I))
    T = make_targets(rng, out_act, loss, B, O)
    grads = net.gradients(X, T)
    for layer in range(2):
        for which in ("weights", "bias"):
            num = numeric_grad(net, X, T, layer, which)
            np.testing.assert_allclose(grads[layer][which], num, rtol=1e-5, atol=1e-8,
                                       err_msg=f"{hidden}/{out_act}/{loss} layer {layer} {which}")
    # and against the independent numpy oracle
    acts = [hidden, out_act]
    L, ref, dX = ref_gradients(params_of(net), acts, loss, X, T)
    assert net.loss_value(X, T) == pytest.approx(L, rel=1e-12)
    for layer in range(2):
        for which in ("weights", "bias"):
            np.testing.assert_allclose(grads[layer][which], ref[layer][which], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(net.input_gradient(X, T), dX, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("out_act,loss", OUTPUT_LOSS)
def test_input_gradient_finite_differences(out_act, loss):
    rng = np.random.default_rng(11)
    B, I, O = 3, 4, 3
    net = fn.Network([fn.Dense(I, 5, "tanh"), fn.Dense(5, O, out_act)], loss=loss, seed=5, dtype="float64")
    X = rng.normal(size=(B, I))
    T = make_targets(rng, out_act, loss, B, O)
    dX = net.input_gradient(X, T)
    eps = 1e-6
    num = np.zeros_like(X)
    for idx in np.ndindex(*X.shape):
        Xp, Xm = X.copy(), X.copy()
        Xp[idx] += eps
        Xm[idx] -= eps
        num[idx] = (net.loss_value(Xp, T) - net.loss_value(Xm, T)) / (2 * eps)
    np.testing.assert_allclose(dX, num, rtol=1e-5, atol=1e-9)


def test_labels_equal_one_hot_targets():
    rng = np.random.default_rng(0)
    net = fn.Network([6, 7, 4], activation="relu", seed=1, dtype="float64")
    X = rng.normal(size=(9, 6))
    y = rng.integers(0, 4, 9)
    g1 = net.gradients(X, y)
    g2 = net.gradients(X, one_hot(y, 4))
    for a, b in zip(g1, g2):
        np.testing.assert_array_equal(a["weights"], b["weights"])


def test_float32_gradients_match_reference():
    rng = np.random.default_rng(2)
    net = fn.Network([30, 40, 20, 10], activation="relu", seed=4)
    X = rng.normal(size=(33, 30)).astype(np.float32)
    y = rng.integers(0, 10, 33)
    grads = net.gradients(X, y)
    _, ref, _ = ref_gradients(params_of(net), ["relu", "relu", "softmax"], "cross_entropy", X.astype(np.float64),
                              one_hot(y, 10))
    for g, r in zip(grads, ref):
        np.testing.assert_allclose(g["weights"], r["weights"], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(g["bias"], r["bias"], rtol=1e-4, atol=1e-6)
