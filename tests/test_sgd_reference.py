"""fit() against the numpy reference: several SGD-momentum steps from the same initial weights."""

import numpy as np
import pytest

import fastnet as fn

from reference import gradients as ref_gradients
from reference import one_hot, sgd_step


def run_reference(net, acts, loss, X, T, batch, steps, lr, momentum, wd, nesterov):
    params = [(L.weights.astype(np.float64), L.bias.astype(np.float64)) for L in net.layers]
    vel = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    for s in range(steps):
        xb, tb = X[s * batch:(s + 1) * batch], T[s * batch:(s + 1) * batch]
        _, grads, _ = ref_gradients(params, acts, loss, xb.astype(np.float64), tb.astype(np.float64))
        params, vel = sgd_step(params, vel, grads, lr, momentum, wd, nesterov)
    return params


@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-9, 1e-11), ("float32", 2e-4, 2e-5)])
@pytest.mark.parametrize("batch", [1, 5, 16, 40])
@pytest.mark.parametrize("nesterov,wd", [(False, 0.0), (True, 0.0), (False, 0.01)])
def test_fit_matches_reference_steps(dtype, rtol, atol, batch, nesterov, wd):
    rng = np.random.default_rng(batch)
    steps = 6
    N, I, H, O = batch * steps, 20, 24, 5
    X = rng.normal(size=(N, I)).astype(dtype)
    y = rng.integers(0, O, N)
    acts = ["tanh", "softmax"]
    net = fn.Network([fn.Dense(I, H, acts[0]), fn.Dense(H, O, acts[1])], seed=9, dtype=dtype)
    ref = run_reference(net, acts, "cross_entropy", X, one_hot(y, O), batch, steps, 0.05, 0.9, wd, nesterov)
    net.fit(X, y, epochs=1, batch_size=batch, lr=0.05, momentum=0.9, nesterov=nesterov, weight_decay=wd,
            shuffle=False, verbose=0)
    for L, (W, b) in zip(net.layers, ref):
        np.testing.assert_allclose(L.weights, W, rtol=rtol, atol=atol)
        np.testing.assert_allclose(L.bias, b, rtol=rtol, atol=atol)


def test_fit_mse_sigmoid_matches_reference():
    rng = np.random.default_rng(3)
    N, I, H, O, batch = 40, 12, 8, 3, 10
    X = rng.uniform(size=(N, I))
    T = rng.uniform(size=(N, O))
    acts = ["sigmoid", "sigmoid"]
    net = fn.Network([I, H, O], activation="sigmoid", output="sigmoid", seed=2, dtype="float64")
    assert net.loss == "mse"
    ref = run_reference(net, acts, "mse", X, T, batch, N // batch, 3.0, 0.0, 0.0, False)
    net.fit(X, T, epochs=1, batch_size=batch, lr=3.0, shuffle=False, verbose=0)
    for L, (W, b) in zip(net.layers, ref):
        np.testing.assert_allclose(L.weights, W, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(L.bias, b, rtol=1e-9, atol=1e-12)


def test_history_loss_is_mean_of_batch_losses():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 6))
    y = rng.integers(0, 3, 30)
    net = fn.Network([6, 5, 3], activation="tanh", seed=0, dtype="float64")
    ref_net = fn.Network([6, 5, 3], activation="tanh", seed=0, dtype="float64")
    losses = []
    for s in range(3):  # loss of each batch before its step, as fit reports
        xb, yb = X[s * 10:(s + 1) * 10], y[s * 10:(s + 1) * 10]
        losses.append(ref_net.loss_value(xb, yb))
        ref_net.fit(xb, yb, epochs=1, batch_size=10, lr=0.1, shuffle=False, verbose=0)
    h = net.fit(X, y, epochs=1, batch_size=10, lr=0.1, shuffle=False, verbose=0)
    assert h["loss"][0] == pytest.approx(np.mean(losses), rel=1e-12)
