"""Per-step learning-rate schedules: on_batch's {"lr", "momentum"} honoured from the next batch, OneCycle and
WarmupCosine as fit callbacks (OneCycle equal to PyTorch's OneCycleLR), and predict(batch_size=)."""

import math

import numpy as np
import pytest

import fastnet as fn


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


class Recorder:
    """Records the lr every batch ran with (per_step: on_batch after every batch, the last of an epoch too)."""

    per_step = True

    def __init__(self):
        self.lrs = []
        self.momenta = []

    def __call__(self, logs):
        return True

    def on_batch(self, logs):
        self.lrs.append(logs["lr"])
        self.momenta.append(logs["momentum"])


@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_lrs_equal_torch(anneal):
    torch = pytest.importorskip("torch")
    X, y = _data(40)
    epochs, batch_size = 3, 8  # 5 batches an epoch, 15 steps
    steps = epochs * 5
    rec = Recorder()
    net = fn.Network([3, 4, 2], seed=0)
    sched = fn.schedules.OneCycle(0.5, total_steps=steps, pct_start=0.25, anneal_strategy=anneal)
    net.fit(X, y, epochs=epochs, batch_size=batch_size, callbacks=[sched, rec], verbose=0)

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    ts = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=steps, pct_start=0.25,
                                             anneal_strategy=anneal, cycle_momentum=False)
    expected = []
    for _ in range(steps):
        expected.append(ts.get_last_lr()[0])
        opt.step()
        ts.step()
    assert len(rec.lrs) == steps
    np.testing.assert_allclose(rec.lrs, expected, rtol=0, atol=1e-12)
    assert rec.lrs[0] == pytest.approx(0.5 / 25) and max(rec.lrs) > 0.4


def test_warmup_cosine_lrs():
    X, y = _data(40)
    rec = Recorder()
    net = fn.Network([3, 4, 2], seed=0)
    net.fit(X, y, epochs=2, batch_size=10, callbacks=[fn.schedules.WarmupCosine(0.2, 3, 8, min_lr=0.01), rec],
            verbose=0)
    expected = [0.2 / 3, 0.4 / 3, 0.2] + [0.01 + 0.19 * (1 + math.cos(math.pi * k / 5)) / 2 for k in range(5)]
    np.testing.assert_allclose(rec.lrs, expected, rtol=0, atol=1e-12)


def test_on_batch_lr_is_applied_from_the_next_batch():
    X, y = _data(40)

    class Halve:  # after the first batch of the first epoch, lr 0.1 -> 0.02 and momentum 0 -> 0.5
        def __init__(self):
            self.calls = 0

        def __call__(self, logs):
            return True

        def on_batch(self, logs):
            self.calls += 1
            return {"lr": 0.02, "momentum": 0.5} if self.calls == 1 else None

    plain = fn.Network([3, 4, 2], seed=0)
    plain.fit(X, y, epochs=1, batch_size=10, lr=0.1, shuffle=False, verbose=0)
    changed = fn.Network([3, 4, 2], seed=0)
    h = changed.fit(X, y, epochs=1, batch_size=10, lr=0.1, shuffle=False, callbacks=[Halve()], callback_every=1,
                    verbose=0)
    assert not np.array_equal(plain.get_weights()[0], changed.get_weights()[0])
    assert h["lr"] == [0.02] and h["momentum"] == [0.5]  # the rates the epoch's last batch ran with
    # the same by hand: one batch at (0.1, 0), then three more at (0.02, 0.5) continuing the momentum buffer
    ref = fn.Network([3, 4, 2], seed=0)
    ref.fit(X[:10], y[:10], epochs=1, batch_size=10, lr=0.1, momentum=0.0, shuffle=False, verbose=0)
    ref.fit(X[10:], y[10:], epochs=1, batch_size=10, lr=0.02, momentum=0.5, shuffle=False, verbose=0)
    for a, b in zip(ref.get_weights(), changed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_without_schedules_weights_unchanged_by_a_bool_on_batch():
    X, y = _data(40)

    class Yes:
        def __call__(self, logs):
            return True

        def on_batch(self, logs):
            return True

    a = fn.Network([3, 4, 2], seed=0)
    a.fit(X, y, epochs=2, batch_size=8, lr=0.1, momentum=0.9, verbose=0)
    b = fn.Network([3, 4, 2], seed=0)
    b.fit(X, y, epochs=2, batch_size=8, lr=0.1, momentum=0.9, callbacks=[Yes()], callback_every=1, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


class Returns:
    def __init__(self, value, where="on_batch"):
        self.value, self.where = value, where

    def __call__(self, logs):
        return self.value if self.where == "call" else True

    def on_batch(self, logs):
        return self.value if self.where == "on_batch" else True


@pytest.mark.parametrize("value, match", [
    ({"lr": 0.0}, r"lr returned by a callback \(Returns's on_batch\)"),
    ({"lr": float("nan")}, r"lr returned by a callback \(Returns"),
    ({"lr": float("inf")}, r"lr returned by a callback \(Returns"),
    ({"momentum": 1.0}, r"momentum returned by a callback \(Returns"),
    ({"momentum": -0.1}, r"momentum returned by a callback \(Returns"),
    ({"lr": 0.1, "weight_decay": 0.1}, r"Returns's on_batch returned unknown keys \['weight_decay'\]"),
])
def test_invalid_on_batch_returns_raise(value, match):
    X, y = _data(40)
    net = fn.Network([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match=match):
        net.fit(X, y, epochs=1, batch_size=10, callbacks=[Returns(value)], callback_every=1, verbose=0)


def test_unknown_keys_at_epoch_end_raise():
    X, y = _data(40)
    net = fn.Network([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match=r"Returns's call returned unknown keys \['lr_scale'\]"):
        net.fit(X, y, epochs=1, batch_size=10, callbacks=[Returns({"lr_scale": 2.0}, "call")], verbose=0)


def test_several_callbacks_last_wins():
    X, y = _data(40)
    rec = Recorder()
    net = fn.Network([3, 4, 2], seed=0)
    net.fit(X, y, epochs=1, batch_size=10, lr=0.1, callbacks=[Returns({"lr": 0.05}), Returns({"lr": 0.03}), rec],
            verbose=0)
    assert rec.lrs == [0.1, 0.03, 0.03, 0.03]


def test_per_step_argument_checks():
    X, y = _data(40)
    net = fn.Network([3, 4, 2], seed=0)
    sched = fn.schedules.OneCycle(0.1, total_steps=4)
    with pytest.raises(ValueError, match="callback_every"):
        net.fit(X, y, epochs=1, batch_size=10, callbacks=[sched], callback_every=2, verbose=0)
    with pytest.raises(ValueError, match="full-batch"):
        net.fit(X, y, epochs=1, optimizer=fn.RPROP(), callbacks=[sched], verbose=0)
    with pytest.raises(ValueError, match="total_steps"):
        fn.schedules.OneCycle(0.1, total_steps=0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        fn.schedules.OneCycle(0.1, total_steps=4, anneal_strategy="exp")
    with pytest.raises(ValueError, match="warmup_steps"):
        fn.schedules.WarmupCosine(0.1, 5, 5)


def test_schedule_restarts_and_holds_after_total_steps():
    X, y = _data(40)
    sched = fn.schedules.WarmupCosine(0.2, 1, 3)
    rec = Recorder()
    net = fn.Network([3, 4, 2], seed=0)
    net.fit(X, y, epochs=1, batch_size=8, callbacks=[sched, rec], verbose=0)  # 5 steps > total_steps 3
    assert rec.lrs == [0.2, 0.2, pytest.approx(0.1), pytest.approx(0.1), pytest.approx(0.1)]
    rec.lrs.clear()
    net.fit(X, y, epochs=1, batch_size=20, callbacks=[sched, rec], verbose=0)
    assert rec.lrs == [0.2, 0.2]


@pytest.mark.parametrize("batch_size", [1, 7, 40, 1000])
def test_predict_in_chunks_equals_predict(batch_size):
    # not bit-identical: the kernels block and vectorize by the number of rows, so a row's sums may round
    # differently in a chunk of another size (float32: an ulp or so a layer); documented as rtol 1e-5
    X, _ = _data(300)
    net = fn.Network([3, 64, 64, 2], seed=0)
    P = net.predict(X)
    chunked = net.predict(X, batch_size=batch_size)
    assert chunked.shape == P.shape and chunked.dtype == P.dtype
    np.testing.assert_allclose(chunked, P, rtol=1e-5, atol=1e-6)
    if batch_size >= len(X):  # one chunk: the same call
        np.testing.assert_array_equal(chunked, P)


def test_predict_batch_size_checked():
    X, _ = _data(4)
    net = fn.Network([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="batch_size"):
        net.predict(X, batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        net.predict(X, batch_size=2.5)
