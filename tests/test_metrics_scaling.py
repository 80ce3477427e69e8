"""Metrics (fastnet.metrics and evaluate(metrics=...)), input/output scaling stored with the model, the tqdm
progress bar, and the between-batches time budget."""

import io
import pickle
import time

import numpy as np
import pytest

import fastnet as fn
from fastnet import metrics
from fastnet._progress import ProgressBar

# ---------------------------------------------------------------- metrics, by hand


def test_metrics_by_hand():
    P = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.4, 0.35, 0.25]])
    y = np.array([1, 1, 2, 2])
    assert metrics.accuracy(y, P) == 0.5
    assert metrics.top_k_accuracy(y, P, 2) == 0.75  # sample 3: class 2 is third
    assert metrics.top_k_accuracy(y, P, 3) == 1.0
    T = np.eye(3)[y]
    assert metrics.mse(y, P) == pytest.approx(np.mean((P - T) ** 2))
    assert metrics.mse(T, P) == metrics.mse(y, P)
    assert metrics.mae(y, P) == pytest.approx(np.mean(np.abs(P - T)))
    # FANN's bit fail counts an error of exactly the limit (>=, in float32): sample 4's 0.35 too
    assert metrics.bit_fail(y, P) == int(np.sum(np.abs(P - T) > 0.35)) + 1 == 6
    assert metrics.bit_fail(y, P, limit=0.6) == 2  # 0.7 off (sample 2: 0.3 vs 1) and 0.75 (sample 4: 0.25 vs 1)
    cm = metrics.confusion_matrix(y, P)
    assert cm.tolist() == [[0, 0, 0], [1, 1, 0], [1, 0, 1]]
    one = np.array([[0.2], [0.8], [0.6]])
    assert metrics.accuracy(np.array([0, 1, 0]), one) == pytest.approx(2 / 3)
    assert metrics.confusion_matrix(np.array([0, 1, 0]), one).tolist() == [[1, 1], [0, 1]]


def test_metric_errors():
    P = np.random.default_rng(0).random((4, 3))
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.compute(["accuracy", "f1"], np.array([0, 1, 2, 0]), P)
    with pytest.raises(ValueError, match="labels must be integers"):
        metrics.mse(np.array([0, 1, 3, 0]), P)
    with pytest.raises(ValueError, match="k must be"):
        metrics.top_k_accuracy(np.array([0, 1, 2, 0]), P, 0)
    with pytest.raises(ValueError, match="do not match"):
        metrics.mae(np.zeros((4, 2)), P)


def test_evaluate_with_metrics(mnist):
    X, y, Xt, yt = mnist
    net = fn.Network([784, 32, 10], seed=0)
    net.fit(X[:5000], y[:5000], epochs=2, batch_size=64, lr=0.1, momentum=0.9, verbose=0)
    m = net.evaluate(Xt[:2000], yt[:2000], metrics=["accuracy", "top3", "mse", "mae", "bit_fail",
                                                    "confusion_matrix"])
    P = net.predict(Xt[:2000])
    assert m["accuracy"] == pytest.approx(np.mean(P.argmax(1) == yt[:2000]))
    assert m["accuracy"] < m["top3"] <= 1.0
    assert m["confusion_matrix"].shape == (10, 10) and m["confusion_matrix"].sum() == 2000
    assert np.trace(m["confusion_matrix"]) == round(m["accuracy"] * 2000)
    assert m["mse"] == pytest.approx(np.mean((P - np.eye(10)[yt[:2000]]) ** 2), rel=1e-5)
    assert 0 < m["bit_fail"] < 2000 * 10


# ---------------------------------------------------------------- scaling


def _regression(rng, n=400):
    X = rng.normal(size=(n, 3)) * np.array([1000.0, 0.01, 5.0]) + np.array([5e3, 0.0, -20.0])
    Y = np.c_[X[:, 0] / 1000 + 30 * X[:, 1] ** 2 * 1e4, np.sin(X[:, 2] / 5)] * 50 + 300
    return X, Y


def test_scaling_trains_badly_scaled_data_and_round_trips(rng, tmp_path):
    X, Y = _regression(rng)
    raw = fn.Network([3, 16, 2], activation="tanh", output="linear", loss="mse", seed=0)
    raw.fit(X, Y, epochs=30, batch_size=16, lr=1e-6, verbose=0)
    net = fn.Network([3, 16, 2], activation="tanh", output="linear", loss="mse", seed=0)
    net.set_input_scaling(X)
    net.set_output_scaling(Y, feature_range=(-1, 1))
    net.fit(X, Y, epochs=30, batch_size=16, lr=0.05, momentum=0.9, verbose=0)
    P = net.predict(X)
    assert P.dtype == np.float32 and P.shape == Y.shape
    err_scaled = np.mean(np.abs(P - Y))
    assert err_scaled < 0.2 * np.mean(np.abs(raw.predict(X) - Y))
    assert err_scaled < 0.2 * np.mean(np.abs(Y - Y.mean(0)))
    # stored with the model: save/load and pickle give the same predictions from raw inputs
    net.save(tmp_path / "s.fnet")
    for other in (fn.load(tmp_path / "s.fnet"), pickle.loads(pickle.dumps(net))):
        np.testing.assert_array_equal(other.predict(X), P)
        sc = other.scaling
        np.testing.assert_array_equal(sc["input"][0], net.scaling["input"][0])
    # evaluate's loss is in the scaled units: the raw squared error divided by the squared output scale
    scale = net.scaling["output"][0].astype(np.float64)
    expect = 0.5 * np.mean(np.sum(((P - Y) * scale) ** 2, axis=1))
    assert net.evaluate(X, Y)["loss"] == pytest.approx(expect, rel=1e-3)


def test_scaling_parameters(rng):
    X = rng.normal(size=(50, 4)) * 3 + 7
    X[:, 3] = 2.0  # constant: shifted, not divided by zero
    net = fn.Network([4, 2], activation="linear", output="linear", loss="mse", dtype="float64")
    net.set_input_scaling(X, "minmax", (0, 1))
    sc, off = net.scaling["input"]
    S = X * sc + off
    np.testing.assert_allclose(S[:, :3].min(0), 0, atol=1e-12)
    np.testing.assert_allclose(S[:, :3].max(0), 1, atol=1e-12)
    np.testing.assert_allclose(S[:, 3], 0.5)
    net.set_input_scaling(X)
    sc, off = net.scaling["input"]
    S = X * sc + off
    np.testing.assert_allclose(S[:, :3].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(S[:, :3].std(0), 1, atol=1e-12)
    # the input gradient is with respect to the raw inputs (chain rule through the scaling)
    Y = rng.normal(size=(50, 2))
    g = net.input_gradient(X[:1], Y[:1])
    h = 1e-6
    num = np.zeros(4)
    for j in range(4):
        d = np.zeros_like(X[:1])
        d[0, j] = h
        num[j] = (net.evaluate(X[:1] + d, Y[:1])["loss"] - net.evaluate(X[:1] - d, Y[:1])["loss"]) / (2 * h)
    np.testing.assert_allclose(g[0], num, rtol=1e-5, atol=1e-9)
    net.clear_scaling()
    assert net.scaling == {"input": None, "output": None}


def test_scaling_errors(rng):
    net = fn.Network([3, 2], activation="linear", output="softmax")
    X = rng.normal(size=(10, 3))
    with pytest.raises(ValueError, match="unknown input scaling method"):
        net.set_input_scaling(X, "log")
    with pytest.raises(ValueError, match="feature_range"):
        net.set_input_scaling(X, "minmax", (1, 0))
    with pytest.raises(ValueError, match="3 columns|must have 3"):
        net.set_input_scaling(X[:, :2])
    with pytest.raises(ValueError, match="2 columns"):
        net.set_output_scaling(np.zeros(10))
    net.set_output_scaling(rng.normal(size=(10, 2)))
    with pytest.raises(ValueError, match="output scaling"):
        net.fit(X, np.zeros(10, np.int32), verbose=0)


# ---------------------------------------------------------------- progress and time budget


def test_tqdm_bar_when_installed():
    pytest.importorskip("tqdm", reason="tqdm is optional; the built-in bar is tested in test_training")
    buf = io.StringIO()
    bar = ProgressBar(1, stream=buf, use_tqdm=True)
    for d in (100, 300):
        time.sleep(0.12)  # tqdm redraws at most every 0.1 s
        bar.update(dict(epoch=1, epoch_end=False, samples_done=d, samples_total=400, loss=0.5, seconds=0.1))
    bar.update(dict(epoch=1, epoch_end=True, samples_done=400, samples_total=400, loss=0.4, seconds=0.2))
    out = buf.getvalue()
    assert "samples/s" in out and "300/400" in out and "loss=0.5000" in out
    assert out.endswith("epoch 1/1 - loss 0.4000 - 0.20s (2,000 samples/s)\n")


def test_stop_after_between_batches(mnist, monkeypatch):
    """With between_batches=True the budget is checked between batches: a fake clock (StopAfter reads
    time.monotonic) that advances 0.01 s per check stops training at the 5th check of a 0.05 s budget, inside the
    first epoch. Fails if the stop comes at another check, if the unfinished epoch is recorded, or if the weights
    are not those of the last completed batch."""
    X, y, _, _ = mnist
    X, y = X[:2000], y[:2000]
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    checks = []

    class Tick:  # before StopAfter in the list: each check sees the clock already advanced
        def __call__(self, logs):
            return True

        def on_batch(self, logs):
            clock[0] += 0.01
            checks.append(logs["samples_done"])
            return True

    net = fn.Network([784, 64, 10], seed=0)
    budget = fn.StopAfter(0.05, between_batches=True)
    h = net.fit(X, y, epochs=50, batch_size=1, lr=0.01, shuffle=False, callbacks=[Tick(), budget], verbose=0)
    assert len(checks) == 5 and 0 < checks[-1] < len(X)
    assert h.epochs == 0  # the unfinished epoch is not recorded
    ref = fn.Network([784, 64, 10], seed=0)
    ref.fit(X[:checks[-1]], y[:checks[-1]], epochs=1, batch_size=1, lr=0.01, shuffle=False, verbose=0)
    for L, R in zip(net.layers, ref.layers):
        np.testing.assert_array_equal(L.weights, R.weights)
