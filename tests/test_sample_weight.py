"""fit(sample_weight=, class_weight=) and evaluate(sample_weight=): against a numpy float64 reference step, against
repeating samples (full batch, every optimizer), against scikit-learn's compute_class_weight, and every bad input.

The semantics under test (Network.fit's docstring): the weights are rescaled to mean 1 over the training set, and
a batch's loss and gradient are Σ w_i·ℓ_i / batch_size.
"""

import numpy as np
import pytest

import fastnet as fn

from reference import act_jvp, adam_step, forward, loss_grad_y, one_hot, sgd_step


def weighted_gradients(params, acts, loss, X, T, w):
    """The reference gradient of Σ_b w_b·ℓ_b / B (reference.gradients with each sample's dL/dy row times w_b)."""
    zs, ys = forward(params, acts, X)
    g = loss_grad_y(loss, acts[-1], ys[-1], T) * w[:, None]
    grads = [dict() for _ in params]
    for layer in range(len(params) - 1, -1, -1):
        dz = act_jvp(acts[layer], zs[layer], g)
        grads[layer]["weights"] = dz.T @ ys[layer]
        grads[layer]["bias"] = dz.sum(axis=0)
        g = dz @ params[layer][0]
    return grads


def row_losses(loss, out_act, Y, T):
    if loss == "mse":
        return 0.5 * ((Y - T) ** 2).sum(axis=1)
    if out_act == "softmax":
        return -(T * np.log(Y)).sum(axis=1)
    return -(T * np.log(Y) + (1 - T) * np.log(1 - Y)).sum(axis=1)


def problem(seed=0, n=24, classes=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = rng.integers(0, classes, n)
    w = rng.integers(0, 4, n).astype(np.float64)
    w[0] = 2.5  # one fractional weight
    return X, y, w


def params_of(net):
    return [(L.weights.astype(np.float64), L.bias.astype(np.float64)) for L in net.layers]


CASES = {  # name -> (layer sizes, activations, loss)
    "softmax_ce": ([5, 7, 3], ["tanh", "softmax"], "cross_entropy"),
    "sigmoid_mse": ([5, 6, 3], ["sigmoid", "sigmoid"], "mse"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch,nesterov", [(1, False), (5, True), (24, False)])
def test_sgd_steps_match_numpy(case, batch, nesterov):
    """SGD with momentum (the fused update path; batch 1 is online training) from the same weights: every step
    is the reference's weighted step, weights rescaled to mean 1."""
    sizes, acts, loss = CASES[case]
    X, y, w = problem(1)
    net = fn.Network(sizes, activation=acts[0], output=acts[1], loss=loss, seed=3, dtype="float64")
    T = one_hot(y, sizes[-1])
    params, vel = params_of(net), None
    vel = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    wn = w * len(w) / w.sum()
    for s in range(0, len(X), batch):
        grads = weighted_gradients(params, acts, loss, X[s:s + batch], T[s:s + batch], wn[s:s + batch])
        params, vel = sgd_step(params, vel, grads, 0.1, 0.9, 0.01, nesterov)
    net.fit(X, y, epochs=1, batch_size=batch, optimizer=fn.SGD(lr=0.1, momentum=0.9, nesterov=nesterov,
                                                                  weight_decay=0.01),
            shuffle=False, verbose=0, sample_weight=w)
    for L, (W, b) in zip(net.layers, params):
        np.testing.assert_allclose(L.weights, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(L.bias, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch", [1, 8])
def test_adam_steps_match_numpy(batch):
    sizes, acts, loss = CASES["softmax_ce"]
    X, y, w = problem(2)
    net = fn.Network(sizes, activation=acts[0], output=acts[1], loss=loss, seed=4, dtype="float64")
    T = one_hot(y, sizes[-1])
    params = params_of(net)
    state = [[(np.zeros_like(a), np.zeros_like(a)) for a in p] for p in params]
    wn = w * len(w) / w.sum()
    for t, s in enumerate(range(0, len(X), batch), start=1):
        grads = weighted_gradients(params, acts, loss, X[s:s + batch], T[s:s + batch], wn[s:s + batch])
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            out = []
            for j, (a, ga) in enumerate(((p[0], g["weights"]), (p[1], g["bias"]))):
                a, m, v = adam_step(a, ga, *state[i][j], t, 0.01)
                state[i][j] = (m, v)
                out.append(a)
            new.append(tuple(out))
        params = new
    net.fit(X, y, epochs=1, batch_size=batch, optimizer=fn.Adam(lr=0.01), shuffle=False, verbose=0,
            sample_weight=w)
    for L, (W, b) in zip(net.layers, params):
        np.testing.assert_allclose(L.weights, W, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(L.bias, b, rtol=1e-9, atol=1e-11)


def test_epoch_loss_and_accuracy_are_weighted_means():
    """Full batch: the epoch's loss is Σ w·ℓ / Σ w at the weights before the step, its accuracy the weighted
    fraction correct."""
    sizes, acts, loss = CASES["softmax_ce"]
    X, y, w = problem(3)
    net = fn.Network(sizes, activation=acts[0], output=acts[1], loss=loss, seed=5, dtype="float64")
    Y = forward(params_of(net), acts, X)[1][-1]
    ref_loss = np.dot(w, row_losses(loss, acts[-1], Y, one_hot(y, 3))) / w.sum()
    ref_acc = np.dot(w, np.argmax(Y, axis=1) == y) / w.sum()
    h = net.fit(X, y, epochs=1, batch_size=len(X), lr=0.1, shuffle=False, verbose=0, sample_weight=w)
    assert h["loss"][0] == pytest.approx(ref_loss, rel=1e-12)
    assert h["accuracy"][0] == pytest.approx(ref_acc, rel=1e-12)


OPTIMIZERS = {
    "sgd": lambda: fn.SGD(lr=0.2, momentum=0.9, weight_decay=1e-3),
    "adam": lambda: fn.Adam(lr=0.01),
    "adamw": lambda: fn.AdamW(lr=0.01),
    "rprop": lambda: fn.RPROP(),
    "quickprop": lambda: fn.Quickprop(decay=-0.01),  # a decay strong enough to matter (it is not scale-free)
    "sarprop": lambda: fn.SARPROP(),
}


@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_full_batch_equals_repeating_samples(opt):
    """Integer weights (zeros included) on full-batch training equal the data with each sample repeated w times,
    for every optimizer (FANN's full-batch ones take Σ w·∇ℓ over Σ w samples, as the repeated data gives)."""
    X, y, w = problem(4, n=30)
    w[0] = 3.0
    reps = w.astype(int)
    nets = [fn.Network([5, 6, 3], activation="tanh", output="softmax", seed=7, dtype="float64") for _ in range(2)]
    kw = dict(epochs=4, shuffle=False, verbose=0)
    full = OPTIMIZERS[opt]().full_batch
    h_w = nets[0].fit(X, y, optimizer=OPTIMIZERS[opt](), sample_weight=w, **kw,
                      **({} if full else {"batch_size": len(X)}))
    h_r = nets[1].fit(np.repeat(X, reps, axis=0), np.repeat(y, reps), optimizer=OPTIMIZERS[opt](), **kw,
                      **({} if full else {"batch_size": int(reps.sum())}))
    np.testing.assert_allclose(h_w["loss"], h_r["loss"], rtol=1e-12)
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss,output", [
    (fn.losses.Huber(delta=0.5), "linear"), ("l1", "linear"), ("poisson", "linear"), ("bce_with_logits", "linear"),
    (fn.losses.CrossEntropy(label_smoothing=0.1), "softmax"), (fn.losses.MSE(reduction="mean"), "linear"),
    (fn.losses.MSE(reduction="sum"), "linear"), ("fann_tanh", "tanh"),
])
def test_every_loss_weighs_samples_as_repetition(loss, output):
    """Each loss (its reduction and label smoothing too) takes the weights per sample: a full batch with integer
    weights equals the repeated data (reduction "sum": the weights as given, Σ w·ℓ, which repetition also is)."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(20, 4))
    T = rng.uniform(0.05, 0.95, size=(20, 3))
    if output == "softmax":
        T = T / T.sum(axis=1, keepdims=True)
    if output == "tanh":
        T = 2 * T - 1
    w = rng.integers(0, 4, 20)
    w[0] = 2
    nets = [fn.Network([4, 5, 3], activation="tanh", output=output, loss=loss, seed=8, dtype="float64")
            for _ in range(2)]
    h_w = nets[0].fit(X, T, epochs=3, batch_size=20, lr=0.05, shuffle=False, verbose=0, sample_weight=w)
    h_r = nets[1].fit(np.repeat(X, w, axis=0), np.repeat(T, w, axis=0), epochs=3, batch_size=int(w.sum()), lr=0.05,
                      shuffle=False, verbose=0)
    np.testing.assert_allclose(h_w["loss"], h_r["loss"], rtol=1e-11)
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(nets[0].evaluate(X, T, sample_weight=w)["loss"],
                               nets[0].evaluate(np.repeat(X, w, axis=0), np.repeat(T, w, axis=0))["loss"], rtol=1e-11)


def test_weights_with_clipping_and_frozen_layers():
    """Clipping (the unfused SGD path) and a frozen bottom layer (the fused pass stops above it) take the weights:
    full batch equals the repeated data."""
    X, y, w = problem(13, n=20)
    w[0] = 2.0
    reps = w.astype(int)
    nets = [fn.Network([fn.Dense(5, 6, "tanh", trainable=False), fn.Dense(6, 4, "relu"), fn.Dense(4, 3, "softmax")],
                       seed=9, dtype="float64") for _ in range(2)]
    for kw in (dict(clip_norm=0.05), dict()):
        nets[0].fit(X, y, epochs=2, batch_size=20, lr=0.3, momentum=0.9, verbose=0, sample_weight=w, **kw)
        nets[1].fit(np.repeat(X, reps, axis=0), np.repeat(y, reps), epochs=2, batch_size=int(reps.sum()), lr=0.3,
                    momentum=0.9, verbose=0, **kw)
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_weighted_multilabel_metrics_are_scikit_learns():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(14)
    X = rng.normal(size=(30, 4))
    Y = (rng.uniform(size=(30, 3)) < 0.4).astype(float)
    Y[0] = [1, 1, 0]  # multi-label
    w = rng.uniform(0, 2, 30)
    net = fn.Network([4, 5, 3], output="sigmoid", loss="cross_entropy", seed=1, dtype="float64")
    r = net.evaluate(X, Y, metrics=["exact_match", "f1_micro", "f1_macro"], sample_weight=w)
    Q = (net.predict(X) > 0.5).astype(int)
    assert r["accuracy"] == pytest.approx(np.dot(w, (Q == Y).mean(axis=1)) / w.sum(), rel=1e-12)
    assert r["exact_match"] == pytest.approx(metrics.accuracy_score(Y, Q, sample_weight=w), rel=1e-12)
    for avg in ("micro", "macro"):
        assert r[f"f1_{avg}"] == pytest.approx(metrics.f1_score(Y, Q, average=avg, sample_weight=w,
                                                                zero_division=0), rel=1e-12)


def test_unit_weights_change_nothing_and_scale_does_not_matter():
    """Weights of 1 give the unweighted training bit for bit (float32, the SIMD kernels and the fused update);
    multiplying every weight by a constant changes nothing (they are rescaled to mean 1)."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 8)).astype(np.float32)
    y = rng.integers(0, 4, 50)
    w = rng.uniform(0.5, 2.0, 50)
    kw = dict(epochs=2, batch_size=7, lr=0.05, momentum=0.9, verbose=0)
    nets = [fn.Network([8, 16, 4], seed=1) for _ in range(4)]
    nets[0].fit(X, y, **kw)
    nets[1].fit(X, y, sample_weight=np.ones(50), **kw)
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    nets[2].fit(X, y, sample_weight=w, **kw)
    nets[3].fit(X, y, sample_weight=w * 8.0, **kw)  # a power of two: the rescaled weights are the same bits
    for a, b in zip(nets[2].get_weights(), nets[3].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(nets[0].get_weights()[0], nets[2].get_weights()[0])


@pytest.mark.parametrize("batch", [1, 6, 40])
def test_float32_follows_float64(batch):
    """The float32 kernels (SIMD, fused SGD, sparse layers) weigh samples as the float64 path does."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 10))
    y = rng.integers(0, 3, 40)
    w = rng.integers(0, 3, 40).astype(float)
    out = []
    for dt in ("float32", "float64"):
        net = fn.Network([fn.Sparse(10, 12, density=0.5, activation="relu"), fn.Dense(12, 3, "softmax")], seed=2,
                         dtype=dt)
        net.fit(X, y, epochs=2, batch_size=batch, lr=0.05, momentum=0.5, shuffle=True, verbose=0, sample_weight=w)
        out.append(net.get_weights())
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


def test_validation_split_splits_the_weights():
    X, y, w = problem(7, n=40)
    a = fn.Network([5, 6, 3], seed=1, dtype="float64")
    b = fn.Network([5, 6, 3], seed=1, dtype="float64")
    ha = a.fit(X, y, epochs=2, batch_size=8, lr=0.1, verbose=0, sample_weight=w, validation_split=0.25)
    hb = b.fit(X[:30], y[:30], epochs=2, batch_size=8, lr=0.1, verbose=0, sample_weight=w[:30],
               validation_data=(X[30:], y[30:]))
    assert ha["loss"] == hb["loss"] and ha["val_loss"] == hb["val_loss"]


# ---------------------------------------------------------------- class_weight
@pytest.mark.parametrize("with_sw", [False, True])
def test_balanced_is_scikit_learns(with_sw):
    compute_class_weight = pytest.importorskip("sklearn.utils.class_weight").compute_class_weight
    X, y, w = problem(8, n=40, classes=4)
    y[y == 3] = 2  # class 3 absent: "balanced" is over the classes present
    sw = w if with_sw else None
    classes = np.unique(y)
    cw = compute_class_weight("balanced", classes=classes, y=y, sample_weight=sw)
    expected = cw[np.searchsorted(classes, y)] * (1.0 if sw is None else sw)
    a = fn.Network([5, 6, 4], seed=2, dtype="float64")
    b = fn.Network([5, 6, 4], seed=2, dtype="float64")
    kw = dict(epochs=2, batch_size=8, lr=0.1, verbose=0)
    a.fit(X, y, class_weight="balanced", sample_weight=sw, **kw)
    b.fit(X, y, sample_weight=expected, **kw)
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)


def test_class_weight_dict_for_labels_one_hot_and_binary_targets():
    X, y, w = problem(9, n=30)
    cw = {0: 2.0, 2: 0.5}  # class 1 weighs 1
    per = np.array([2.0, 1.0, 0.5])[y]
    kw = dict(epochs=1, batch_size=10, lr=0.1, verbose=0, shuffle=False)

    def weights_after(make, yy, **extra):
        net = make()
        net.fit(X, yy, **kw, **extra)
        return net.get_weights()

    def multi():
        return fn.Network([5, 4, 3], seed=3, dtype="float64")

    ref = weights_after(multi, y, sample_weight=per * w)
    for yy in (y, one_hot(y, 3)):
        for p, q in zip(weights_after(multi, yy, class_weight=cw, sample_weight=w), ref):
            np.testing.assert_allclose(p, q, rtol=1e-12)
    yb = (y == 1).astype(float)  # one sigmoid output, 0/1 targets: classes 0 and 1

    def binary():
        return fn.Network([5, 4, 1], output="sigmoid", loss="cross_entropy", seed=3, dtype="float64")

    for p, q in zip(weights_after(binary, yb, class_weight={1: 3.0}),
                    weights_after(binary, yb, sample_weight=np.where(yb == 1, 3.0, 1.0))):
        np.testing.assert_allclose(p, q, rtol=1e-12)


# ---------------------------------------------------------------- evaluate
def test_evaluate_weighted_loss_and_metrics_match_numpy():
    sizes, acts, loss = CASES["softmax_ce"]
    X, y, w = problem(10, n=40)
    net = fn.Network(sizes, activation=acts[0], output=acts[1], loss=loss, seed=6, dtype="float64")
    Y = forward(params_of(net), acts, X)[1][-1]
    T = one_hot(y, 3)
    r = net.evaluate(X, y, metrics=["mse", "mae", "top2", "confusion_matrix", "bit_fail"], sample_weight=w)
    assert r["loss"] == pytest.approx(np.dot(w, row_losses(loss, "softmax", Y, T)) / w.sum(), rel=1e-12)
    pred = np.argmax(Y, axis=1)
    assert r["accuracy"] == pytest.approx(np.dot(w, pred == y) / w.sum(), rel=1e-12)
    assert r["mse"] == pytest.approx(np.dot(w, ((Y - T) ** 2).mean(axis=1)) / w.sum(), rel=1e-12)
    assert r["mae"] == pytest.approx(np.dot(w, np.abs(Y - T).mean(axis=1)) / w.sum(), rel=1e-12)
    top2 = np.argsort(-Y, axis=1, kind="stable")[:, :2]
    assert r["top2"] == pytest.approx(np.dot(w, (top2 == y[:, None]).any(axis=1)) / w.sum(), rel=1e-12)
    cm = np.zeros((3, 3))
    np.add.at(cm, (y, pred), w)
    np.testing.assert_allclose(r["confusion_matrix"], cm)
    assert r["bit_fail"] == pytest.approx(np.dot(w, (np.abs(T - Y) >= 0.35).sum(axis=1)))
    # regression targets, mse loss
    reg = fn.Network([5, 4, 2], output="linear", seed=1, dtype="float64")
    Tr = np.random.default_rng(0).normal(size=(40, 2))
    Yr = reg.predict(X)
    rr = reg.evaluate(X, Tr, sample_weight=w)
    assert rr["loss"] == pytest.approx(np.dot(w, 0.5 * ((Yr - Tr) ** 2).sum(axis=1)) / w.sum(), rel=1e-12)
    assert "accuracy" not in rr
    # unweighted is unchanged: weights of one
    u, o = net.evaluate(X, y, metrics=["mse"]), net.evaluate(X, y, metrics=["mse"], sample_weight=np.ones(40))
    assert u["loss"] == pytest.approx(o["loss"], rel=1e-14) and u["mse"] == pytest.approx(o["mse"], rel=1e-14)


# ---------------------------------------------------------------- bad input
def _fit(sample_weight=None, class_weight=None, y=None, net=None, **kw):
    X, yy, _ = problem(11, n=12)
    net = net or fn.Network([5, 4, 3], seed=0)
    return net.fit(X, yy if y is None else y, epochs=1, verbose=0, sample_weight=sample_weight,
                   class_weight=class_weight, **kw)


@pytest.mark.parametrize("sw,match", [
    (np.ones(11), r"sample_weight must be a 1-D array with one weight per sample \(12\), got shape \(11,\)"),
    (np.ones((12, 1)), r"sample_weight must be a 1-D array .* got shape \(12, 1\)"),
    (np.r_[np.ones(11), -1.0], r"sample_weight contains negative values \(at index 11\)"),
    (np.r_[np.nan, np.ones(11)], r"sample_weight contains NaN or infinite values \(at index 0\)"),
    (np.r_[np.ones(11), np.inf], r"sample_weight contains NaN or infinite values"),
    (np.zeros(12), r"sample_weight is all zero"),
])
def test_bad_sample_weight(sw, match):
    with pytest.raises(ValueError, match=match):
        _fit(sample_weight=sw)
    X, y, _ = problem(11, n=12)
    with pytest.raises(ValueError, match=match):
        fn.Network([5, 4, 3], seed=0).evaluate(X, y, sample_weight=sw)


def test_bad_sample_weight_type():
    with pytest.raises(TypeError, match="sample_weight must be a 1-D array of numbers"):
        _fit(sample_weight=["a"] * 12)


@pytest.mark.parametrize("cw,err,match", [
    ({3: 1.0}, ValueError, r"class_weight has an unknown class 3: the classes are 0 to 2"),
    ({-1: 1.0}, ValueError, r"unknown class -1"),
    ({"a": 1.0}, ValueError, r"unknown class 'a'"),
    ({0: -1.0}, ValueError, r"class_weight\[0\] must be a finite number >= 0"),
    ({0: float("nan")}, ValueError, r"class_weight\[0\] must be a finite number >= 0"),
    ({0: "x"}, TypeError, r"class_weight\[0\] must be a number"),
    ("balancd", ValueError, r"class_weight must be a dict \{class: weight\} or 'balanced', got 'balancd'"),
    ([1.0, 2.0], TypeError, r"class_weight must be a dict"),
    ({0: 0.0, 1: 0.0, 2: 0.0}, ValueError, r"sample_weight times class_weight is zero for every sample"),
])
def test_bad_class_weight(cw, err, match):
    with pytest.raises(err, match=match):
        _fit(class_weight=cw)


def test_class_weight_with_regression_targets():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"class_weight needs class labels, but y holds regression targets "
                                         r"\(rows that are not one-hot\)"):
        _fit(class_weight="balanced", y=rng.normal(size=(12, 3)))
    single = fn.Network([5, 4, 1], output="linear", seed=0)
    with pytest.raises(ValueError, match=r"class_weight needs class labels, but y holds regression targets "
                                         r"\(a single output"):
        _fit(class_weight={0: 2.0}, y=rng.normal(size=12), net=single)


def test_distributed_balanced_is_refused_and_weights_are_not_changed():
    from fastnet.training import fit_plan

    X, y, w = problem(12, n=12)
    net = fn.Network([5, 4, 3], seed=0)
    with pytest.raises(ValueError, match="class_weight='balanced' needs the class counts of the whole data set"):
        fit_plan(net, X, y, 1, None, None, None, None, None, True, None, 0, None, None, 0.0, 0.0, None, False, None,
                 class_weight="balanced", shard=True)
    before = w.copy()
    net.fit(X, y, epochs=1, verbose=0, sample_weight=w, class_weight={1: 2.0})
    np.testing.assert_array_equal(w, before)
