"""The losses of fastnet.losses (huber, l1, poisson, bce_with_logits, cross-entropy label smoothing) and the
reductions ("fastnet", PyTorch's "mean" and "sum"): float64 finite differences, an independent numpy reference
written here from the textbook/PyTorch definitions, PyTorch itself (values and gradients), and the multi-label
metrics against hand-computed numpy and scikit-learn."""

from __future__ import annotations

import pickle
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest

import fastnet as fn
from fastnet import losses as L
from fastnet import metrics as M

from reference import act_forward, act_jvp, numeric_grad

torch = pytest.importorskip("torch")
sk_metrics = pytest.importorskip("sklearn.metrics")

B, I, H, O = 5, 4, 6, 3


# ------------------------------------------------------------------------------ the numpy reference (float64)
def _elementwise(loss: L.Loss, out_act: str, y: np.ndarray, t: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(value, d value / d y) per element, PyTorch's element-wise definitions (MSE without the ½)."""
    e = y - t
    if isinstance(loss, L.MSE):
        return e * e, 2 * e
    if isinstance(loss, L.Huber):
        d = loss.delta
        quad = np.abs(e) < d
        return np.where(quad, 0.5 * e * e, d * (np.abs(e) - 0.5 * d)), np.where(quad, e, d * np.sign(e))
    if isinstance(loss, L.L1):
        return np.abs(e), np.sign(e)
    if isinstance(loss, L.Poisson):
        return np.exp(y) - t * y, np.exp(y) - t
    if isinstance(loss, L.BCEWithLogits):
        p = 1 / (1 + np.exp(-y))
        return -(t * np.log(p) + (1 - t) * np.log(1 - p)), -(t / p) * p * (1 - p) + (1 - t) / (1 - p) * p * (1 - p)
    if isinstance(loss, L.CrossEntropy):
        eps = loss.label_smoothing
        if out_act == "softmax":
            ts = (1 - eps) * t + eps / y.shape[1]
            return -ts * np.log(y), -ts / y
        ts = (1 - eps) * t + eps / 2
        return -(ts * np.log(y) + (1 - ts) * np.log(1 - y)), -ts / y + (1 - ts) / (1 - y)
    raise AssertionError(loss)


def ref_loss_and_dy(loss: L.Loss, out_act: str, y: np.ndarray, t: np.ndarray) -> Tuple[float, np.ndarray]:
    """The batch's loss under the loss's reduction and its gradient with respect to the outputs y."""
    v, g = _elementwise(loss, out_act, y, t)
    n, k = y.shape
    red = loss.reduction  # type: ignore[attr-defined]
    categorical = isinstance(loss, L.CrossEntropy) and out_act == "softmax"
    if red == "fastnet":
        scale = (0.5 if isinstance(loss, L.MSE) else 1.0) / n
    elif red == "mean":
        scale = 1.0 / (n if categorical else n * k)
    else:
        scale = 1.0
    return float(v.sum() * scale), g * scale


def ref_gradients(net: fn.Network, X: np.ndarray, T: np.ndarray) -> Tuple[float, List[Dict[str, np.ndarray]]]:
    params = [(lay.weights.astype(np.float64), lay.bias.astype(np.float64)) for lay in net.layers]
    acts = [s.activation for s in net.specs]
    ys, zs = [X], []
    for (W, b), a in zip(params, acts):
        zs.append(ys[-1] @ W.T + b)
        ys.append(act_forward(a, zs[-1]))
    value, g = ref_loss_and_dy(net.loss_fn, acts[-1], ys[-1], T)
    grads: List[Dict[str, np.ndarray]] = [dict() for _ in params]
    for layer in range(len(params) - 1, -1, -1):
        dz = act_jvp(acts[layer], zs[layer], g)
        grads[layer] = {"weights": dz.T @ ys[layer], "bias": dz.sum(axis=0)}
        g = dz @ params[layer][0]
    return value, grads


def targets_for(loss: L.Loss, out_act: str, rng: np.random.Generator, n: int = B, k: int = O) -> np.ndarray:
    if isinstance(loss, L.CrossEntropy) and out_act == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if isinstance(loss, (L.CrossEntropy, L.BCEWithLogits)):
        return rng.uniform(0.0, 1.0, (n, k))
    if isinstance(loss, L.Poisson):
        return rng.poisson(1.5, (n, k)).astype(np.float64)
    if out_act in ("sigmoid", "softmax"):
        return rng.uniform(0.0, 1.0, (n, k))
    return rng.normal(size=(n, k))


# (loss, output activation): every new loss with several output activations, label smoothing, the reductions
CASES = [
    (L.Huber(delta=0.3), "linear"), (L.Huber(delta=0.3), "tanh"), (L.Huber(delta=0.2), "sigmoid"),
    (L.Huber(delta=0.05), "softmax"), (L.Huber(delta=0.3, reduction="mean"), "linear"),
    (L.Huber(delta=2.0, reduction="sum"), "tanh"),
    (L.L1(), "linear"), (L.L1(), "tanh"), (L.L1(), "softmax"), (L.L1(reduction="mean"), "sigmoid"),
    (L.Poisson(), "linear"), (L.Poisson(), "tanh"), (L.Poisson(reduction="mean"), "linear"),
    (L.Poisson(reduction="sum"), "leaky_relu"),
    (L.BCEWithLogits(), "linear"), (L.BCEWithLogits(), "tanh"), (L.BCEWithLogits(reduction="mean"), "linear"),
    (L.BCEWithLogits(reduction="sum"), "linear"),
    (L.CrossEntropy(label_smoothing=0.1), "softmax"), (L.CrossEntropy(label_smoothing=0.2), "sigmoid"),
    (L.CrossEntropy(label_smoothing=0.1, reduction="mean"), "softmax"),
    (L.CrossEntropy(reduction="mean"), "sigmoid"), (L.CrossEntropy(reduction="sum"), "softmax"),
    (L.MSE(reduction="mean"), "linear"), (L.MSE(reduction="sum"), "sigmoid"), (L.MSE(reduction="mean"), "softmax"),
    (L.FannTanh(reduction="mean"), "tanh"),
]


def _net(loss: L.Loss, out_act: str, dtype: str = "float64", seed: int = 3) -> fn.Network:
    net = fn.Network([fn.Dense(I, H, "tanh"), fn.Dense(H, O, out_act)], loss=loss, seed=seed, dtype=dtype)
    return net


@pytest.mark.parametrize("loss,out_act", CASES, ids=[f"{c[0]!r}-{c[1]}" for c in CASES])
def test_finite_differences_and_numpy_reference(loss: L.Loss, out_act: str) -> None:
    rng = np.random.default_rng(11)
    net = _net(loss, out_act)
    X = rng.normal(size=(B, I))
    T = targets_for(loss, out_act, rng)
    if isinstance(loss, L.FannTanh):
        T = rng.uniform(-0.5, 0.5, (B, O))
    grads = net.gradients(X, T)
    for layer in range(2):
        for which in ("weights", "bias"):
            num = numeric_grad(net, X, T, layer, which)
            np.testing.assert_allclose(grads[layer][which], num, rtol=1e-5, atol=1e-8,
                                       err_msg=f"{loss}/{out_act} layer {layer} {which}")
    if isinstance(loss, L.FannTanh):
        return  # (FANN's function has no PyTorch-style definition in the reference above; finite differences only)
    value, ref = ref_gradients(net, X, T)
    assert net.loss_value(X, T) == pytest.approx(value, rel=1e-12)
    for layer in range(2):
        for which in ("weights", "bias"):
            np.testing.assert_allclose(grads[layer][which], ref[layer][which], rtol=1e-10, atol=1e-13)


# ------------------------------------------------------------------------------ against PyTorch
def _torch_case(loss: L.Loss, out_act: str, reduction: str) -> Tuple[Any, bool]:
    """PyTorch's criterion for this loss and whether it takes the output layer's pre-activations (logits)."""
    nn = torch.nn
    if isinstance(loss, L.Huber):
        return nn.HuberLoss(delta=loss.delta, reduction=reduction), False
    if isinstance(loss, L.L1):
        return nn.L1Loss(reduction=reduction), False
    if isinstance(loss, L.MSE):
        return nn.MSELoss(reduction=reduction), False
    if isinstance(loss, L.Poisson):
        return nn.PoissonNLLLoss(log_input=True, full=False, reduction=reduction), False
    if isinstance(loss, L.BCEWithLogits):
        return nn.BCEWithLogitsLoss(reduction=reduction), False
    if isinstance(loss, L.CrossEntropy) and out_act == "softmax":
        return nn.CrossEntropyLoss(label_smoothing=loss.label_smoothing, reduction=reduction), True
    assert isinstance(loss, L.CrossEntropy) and loss.label_smoothing == 0.0
    return nn.BCELoss(reduction=reduction), False


TORCH_CASES = [
    (L.Huber, {"delta": 0.4}, "linear"), (L.Huber, {"delta": 1.0}, "tanh"), (L.L1, {}, "linear"),
    (L.MSE, {}, "sigmoid"), (L.Poisson, {}, "linear"), (L.BCEWithLogits, {}, "linear"),
    (L.CrossEntropy, {"label_smoothing": 0.15}, "softmax"), (L.CrossEntropy, {}, "softmax"),
    (L.CrossEntropy, {}, "sigmoid"),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "fastnet"])
@pytest.mark.parametrize("cls,kw,out_act", TORCH_CASES, ids=[f"{c[0].name}{c[1]}-{c[2]}" for c in TORCH_CASES])
def test_against_pytorch(cls: Any, kw: Dict[str, Any], out_act: str, reduction: str) -> None:
    """reduction="mean"/"sum" is PyTorch's criterion with that reduction, value and every gradient; "fastnet" is
    PyTorch's sum divided by the batch (and halved for MSE)."""
    loss = cls(**kw, reduction=reduction)
    rng = np.random.default_rng(5)
    net = _net(loss, out_act, seed=9)
    X = rng.normal(size=(B, I))
    T = targets_for(loss, out_act, rng)
    module = net.to_torch()
    logits = isinstance(loss, L.CrossEntropy) and out_act == "softmax"
    if logits:  # nn.CrossEntropyLoss takes the logits: drop the Softmax module
        module = module[:-1]
    crit, _ = _torch_case(loss, out_act, "sum" if reduction == "fastnet" else reduction)
    out = module(torch.from_numpy(X))
    value = crit(out, torch.from_numpy(T))
    if reduction == "fastnet":
        value = value / B * (0.5 if cls is L.MSE else 1.0)
    value.backward()
    assert net.evaluate(X, T)["loss"] == pytest.approx(value.item(), rel=1e-12)
    grads = net.gradients(X, T)
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    for layer, lin in enumerate(linears):
        np.testing.assert_allclose(grads[layer]["weights"], lin.weight.grad.numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(grads[layer]["bias"], lin.bias.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("loss,out_act", [(L.Huber(delta=0.5, reduction="mean"), "linear"),
                                          (L.BCEWithLogits(reduction="mean"), "linear"),
                                          (L.CrossEntropy(label_smoothing=0.1, reduction="mean"), "softmax"),
                                          (L.MSE(reduction="sum"), "linear")])
def test_sgd_step_follows_pytorch(loss: L.Loss, out_act: str) -> None:
    """The reduction reaches training too: one fit step (the fused SGD path) and one Adam step (the unfused
    backward) move the weights as PyTorch's optimizer does on PyTorch's criterion."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, I))
    T = targets_for(loss, out_act, rng, n=8)
    for opt, topt in ((fn.SGD(lr=0.1, momentum=0.0), lambda p: torch.optim.SGD(p, lr=0.1)),
                      (fn.Adam(lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01))):
        net = _net(loss, out_act, seed=4)
        module = net.to_torch()
        if isinstance(loss, L.CrossEntropy):
            module = module[:-1]
        crit, _ = _torch_case(loss, out_act, loss.reduction)  # type: ignore[attr-defined]
        o = topt(module.parameters())
        o.zero_grad()
        tloss = crit(module(torch.from_numpy(X)), torch.from_numpy(T))
        tloss.backward()
        o.step()
        h = net.fit(X, T, epochs=1, batch_size=8, shuffle=False, optimizer=opt, verbose=0)
        assert h["loss"][0] == pytest.approx(tloss.item(), rel=1e-12)
        linears = [m for m in module if isinstance(m, torch.nn.Linear)]
        for layer, lin in enumerate(linears):
            np.testing.assert_allclose(net.layers[layer].weights, lin.weight.detach().numpy(), rtol=0, atol=1e-12)
            np.testing.assert_allclose(net.layers[layer].bias, lin.bias.detach().numpy(), rtol=0, atol=1e-12)


def test_float32_matches_float64() -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, I))
    for loss, out_act in CASES:
        T = targets_for(loss, out_act, rng, n=40)
        if isinstance(loss, L.FannTanh):
            T = rng.uniform(-0.5, 0.5, (40, O))
        n64, n32 = _net(loss, out_act), _net(loss, out_act, "float32")
        n32.set_weights(n64.get_weights())
        assert n32.loss_value(X, T) == pytest.approx(n64.loss_value(X, T), rel=2e-5), (loss, out_act)
        g32, g64 = n32.gradients(X, T), n64.gradients(X, T)
        scale = max(float(np.abs(g["weights"]).max()) for g in g64)
        for a, b in zip(g32, g64):
            np.testing.assert_allclose(a["weights"], b["weights"], rtol=0, atol=2e-5 * scale)


def test_bce_with_logits_is_stable_for_large_logits() -> None:
    """Logits of ±80 would overflow a naive log(σ(y)) in float32; the stable form gives PyTorch's value."""
    net = fn.Network([fn.Dense(1, 2, "linear")], loss="bce_with_logits", dtype="float32")
    net.layers[0].weights = np.array([[80.0], [-80.0]])
    net.layers[0].bias = np.zeros(2)
    X = np.ones((1, 1), np.float32)
    T = np.array([[0.0, 1.0]], np.float32)
    expect = float(torch.nn.BCEWithLogitsLoss(reduction="sum")(torch.tensor([[80.0, -80.0]]), torch.tensor(T)))
    assert net.evaluate(X, T)["loss"] == pytest.approx(expect, rel=1e-6)
    g = net.gradients(X, T)[0]["bias"]
    np.testing.assert_allclose(g, [1.0, -1.0], atol=1e-6)


# ------------------------------------------------------------------------------ training, outputs, persistence
def test_poisson_learns_rates_and_predict_response() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (2000, 2))
    rate = np.exp(0.8 * X[:, :1] - 0.5 * X[:, 1:] + 0.3)
    Y = rng.poisson(rate).astype(np.float64)
    net = fn.Network([2, 16, 1], activation="tanh", output="linear", loss="poisson", seed=1)
    net.fit(X, Y, epochs=30, batch_size=32, optimizer=fn.Adam(lr=0.01), verbose=0)
    log_rate = net.predict(X[:200])
    np.testing.assert_allclose(net.predict_response(X[:200]), np.exp(log_rate), rtol=1e-6)
    assert float(np.mean(np.abs(net.predict_response(X[:200]) - rate[:200]))) < 0.15
    assert net.loss_fn.response(np.log(np.array([2.0]))) == pytest.approx([2.0])


def test_bce_with_logits_multilabel_training_and_metrics() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 5))
    Y = np.stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5, X[:, 4] < -0.5], axis=1).astype(np.float64)
    net = fn.Network([5, 24, 4], activation="relu", output="linear", loss="bce_with_logits", seed=2)
    h = net.fit(X, Y, epochs=20, batch_size=32, optimizer=fn.Adam(lr=0.01), verbose=0)
    assert "accuracy" in h
    r = net.evaluate(X, Y, metrics=["exact_match", "f1_micro", "f1_macro", "label_accuracy"])
    P = net.predict(X)
    pred = P > 0  # logits: threshold 0
    assert r["accuracy"] == pytest.approx(np.mean(pred == (Y > 0.5)))
    assert r["accuracy"] == r["label_accuracy"] > 0.9
    assert r["exact_match"] == pytest.approx(sk_metrics.accuracy_score(Y.astype(int), pred.astype(int)))
    assert r["f1_micro"] == pytest.approx(sk_metrics.f1_score(Y.astype(int), pred.astype(int), average="micro"))
    assert r["f1_macro"] == pytest.approx(sk_metrics.f1_score(Y.astype(int), pred.astype(int), average="macro"))
    np.testing.assert_allclose(net.predict_response(X), 1 / (1 + np.exp(-P.astype(np.float64))), rtol=1e-5)


@pytest.mark.parametrize("loss", [L.Huber(delta=0.25, reduction="mean"), L.CrossEntropy(label_smoothing=0.05),
                                  L.Poisson(reduction="sum")])
def test_save_load_and_pickle_keep_the_loss(tmp_path: Any, loss: L.Loss) -> None:
    out = "softmax" if isinstance(loss, L.CrossEntropy) else "linear"
    net = fn.Network([3, 4, 2], output=out, loss=loss, seed=5, dtype="float64")
    X = np.random.default_rng(0).uniform(size=(6, 3))
    T = np.eye(2)[[0, 1, 1, 0, 1, 0]]
    net.save(tmp_path / "m.fnet")
    for other in (fn.load(tmp_path / "m.fnet"), pickle.loads(pickle.dumps(net))):
        assert other.loss_fn == loss and other.loss == loss.name
        assert other.evaluate(X, T)["loss"] == net.evaluate(X, T)["loss"]
    assert fn.model_info(tmp_path / "m.fnet")["loss"] == loss.name


def test_default_losses_save_as_before() -> None:
    """A loss with default parameters stores only its name (files stay readable by older fastnet versions), and
    a name and its default object are the same network."""
    from fastnet._format import decode

    a = fn.Network([3, 2], output="sigmoid", loss="cross_entropy", seed=1)
    b = fn.Network([3, 2], output="sigmoid", loss=L.CrossEntropy(), seed=1)
    header, _ = decode(a.to_bytes())
    assert "loss_options" not in header and header["loss"] == "cross_entropy"
    assert a.to_bytes() == b.to_bytes()
    assert isinstance(a.loss_fn, L.CrossEntropy) and a.loss == "cross_entropy"


def test_reduction_sum_reports_sums() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, I))
    T = rng.normal(size=(30, O))
    mean_net = _net(L.Huber(reduction="fastnet"), "linear", seed=1)
    sum_net = _net(L.Huber(reduction="sum"), "linear", seed=1)
    assert sum_net.evaluate(X, T)["loss"] == pytest.approx(30 * mean_net.evaluate(X, T)["loss"], rel=1e-12)
    seen: List[float] = []
    h = sum_net.fit(X[:20], T[:20], epochs=1, batch_size=20, lr=0.0001, shuffle=False, verbose=0,
                    validation_data=(X[20:], T[20:]), callbacks=[lambda logs: seen.append(logs["loss"])])
    # the step's loss is that of the weights before it: the whole batch's sum
    assert h["loss"][0] == pytest.approx(30 * mean_net.evaluate(X[:20], T[:20])["loss"] * 20 / 30, rel=1e-12)
    assert seen == h["loss"]
    assert h["val_loss"][0] == pytest.approx(sum_net.evaluate(X[20:], T[20:])["loss"], rel=1e-12)


# ------------------------------------------------------------------------------ multi-label metrics
def _multilabel_example() -> Tuple[np.ndarray, np.ndarray]:
    T = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0], [1, 1, 1]], np.float64)
    P = np.array([[0.9, 0.2, 0.4], [0.1, 0.8, 0.3], [0.7, 0.6, 0.9], [0.2, 0.1, 0.6], [0.3, 0.2, 0.1],
                  [0.1, 0.7, 0.2], [0.8, 0.4, 0.9]])
    return T, P


def test_multilabel_metrics_by_hand_and_sklearn() -> None:
    T, P = _multilabel_example()
    pred = (P > 0.5).astype(int)
    # by hand: 21 labels, wrong ones: (0,2) (2,2) (4,0) (5,1) (6,1) -> 16/21 right; exact rows: 1, 3 -> 2/7
    assert M.label_accuracy(T, P) == pytest.approx(16 / 21)
    assert M.exact_match(T, P) == pytest.approx(2 / 7)
    tp, fp, fn_ = 7, 2, 3  # tp: rows 0, 1, 3 one each, rows 2 and 6 two each; fp (2,2) (5,1); fn (0,2) (4,0) (6,1)
    assert M.f1_micro(T, P) == pytest.approx(2 * tp / (2 * tp + fp + fn_))
    per = [2 * 3 / (2 * 3 + 0 + 1), 2 * 2 / (2 * 2 + 1 + 1), 2 * 2 / (2 * 2 + 1 + 1)]  # per column (tp, fp, fn)
    assert M.f1_macro(T, P) == pytest.approx(np.mean(per))
    Ti = T.astype(int)
    assert M.exact_match(T, P) == pytest.approx(sk_metrics.accuracy_score(Ti, pred))
    assert M.f1_micro(T, P) == pytest.approx(sk_metrics.f1_score(Ti, pred, average="micro"))
    assert M.f1_macro(T, P) == pytest.approx(sk_metrics.f1_score(Ti, pred, average="macro"))
    # a label never true nor predicted scores 0 in the macro mean, as scikit-learn's zero_division default
    T2, P2 = np.hstack([T, np.zeros((7, 1))]), np.hstack([P, np.zeros((7, 1))])
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expect = sk_metrics.f1_score(T2.astype(int), (P2 > 0.5).astype(int), average="macro")
    assert M.f1_macro(T2, P2) == pytest.approx(expect)


def test_multiclass_f1_matches_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, 50)
    P = rng.uniform(size=(50, 5))  # class 4 in the outputs but maybe never predicted nor true
    pred = P.argmax(axis=1)
    assert M.f1_micro(y, P) == pytest.approx(sk_metrics.f1_score(y, pred, average="micro"))
    assert M.f1_macro(y, P) == pytest.approx(sk_metrics.f1_score(y, pred, average="macro"))
    assert M.exact_match(y, P) == pytest.approx(sk_metrics.accuracy_score(y, pred))
    # a single output: binary classes by threshold
    yb = rng.integers(0, 2, 40)
    Pb = rng.uniform(size=(40, 1))
    pb = (Pb[:, 0] > 0.5).astype(int)
    assert M.f1_macro(yb, Pb) == pytest.approx(sk_metrics.f1_score(yb, pb, average="macro"))


def _sigmoid_net(T: np.ndarray, P: np.ndarray) -> Tuple[fn.Network, np.ndarray]:
    """A 3-3 sigmoid network and inputs whose outputs are exactly P (identity weights, inputs = logit(P))."""
    net = fn.Network([fn.Dense(3, 3, "sigmoid")], loss="cross_entropy", dtype="float64")
    net.layers[0].weights = np.eye(3)
    net.layers[0].bias = np.zeros(3)
    return net, np.log(P / (1 - P))


def test_evaluate_chooses_per_label_accuracy_for_multilabel_targets() -> None:
    T, P = _multilabel_example()
    net, X = _sigmoid_net(T, P)
    np.testing.assert_allclose(net.predict(X), P, rtol=1e-12)
    r = net.evaluate(X, T, metrics=["accuracy", "exact_match", "f1_micro", "f1_macro"])
    argmax_match = float(np.mean(P.argmax(1) == T.argmax(1)))
    assert r["accuracy"] == pytest.approx(16 / 21) != pytest.approx(argmax_match)
    assert r["exact_match"] == pytest.approx(2 / 7)
    assert r["f1_macro"] == pytest.approx(M.f1_macro(T, P))
    # one-hot targets (every row exactly one 1) keep the argmax accuracy, as do class labels
    Toh = np.eye(3)[[0, 1, 2, 2, 0, 1, 0]]
    expect = float(np.mean(P.argmax(1) == Toh.argmax(1)))
    assert net.evaluate(X, Toh)["accuracy"] == pytest.approx(expect)
    assert net.evaluate(X, Toh.argmax(1))["accuracy"] == pytest.approx(expect)
    # softmax outputs never switch, whatever the targets
    soft = fn.Network([fn.Dense(3, 3, "softmax")], dtype="float64")
    soft.layers[0].weights = np.eye(3)
    soft.layers[0].bias = np.zeros(3)
    S = soft.predict(X)
    assert soft.evaluate(X, T)["accuracy"] == pytest.approx(float(np.mean(S.argmax(1) == T.argmax(1))))
    # a single sigmoid output: the threshold accuracy as before
    one = fn.Network([fn.Dense(3, 1, "sigmoid")], dtype="float64", seed=2)
    t1 = T[:, :1]
    assert one.evaluate(X, t1)["accuracy"] == pytest.approx(float(np.mean((one.predict(X) > 0.5) == (t1 > 0.5))))


def test_is_multilabel() -> None:
    assert M.is_multilabel(np.array([[1, 0], [1, 1]]))
    assert M.is_multilabel(np.array([[0, 0], [1, 0]]))
    assert not M.is_multilabel(np.array([[1, 0], [0, 1]]))      # one-hot: classes
    assert not M.is_multilabel(np.array([[0.5, 0.5], [1, 0]]))  # not 0/1
    assert not M.is_multilabel(np.array([[1], [0]]))            # one output
    assert not M.is_multilabel(np.array([0, 1, 1]))             # labels


# ------------------------------------------------------------------------------ bad input
def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown loss 'hubber'"):
        fn.Network([2, 2], output="linear", loss="hubber")
    for d in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="huber delta"):
            L.Huber(delta=d)
    for eps in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="label_smoothing"):
            L.CrossEntropy(label_smoothing=eps)
    with pytest.raises(TypeError, match="huber delta"):
        L.Huber(delta="1")  # type: ignore[arg-type]
    assert L.Huber(delta=np.float32(0.5)).to_dict() == {"name": "huber", "delta": 0.5, "reduction": "fastnet"}
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        L.MSE(reduction="avg")
    with pytest.raises(ValueError, match="unknown loss MSELoss"):  # (ValueError for any non-name, as before)
        fn.Network([2, 2], output="linear", loss=torch.nn.MSELoss())  # type: ignore[arg-type]
    X = np.zeros((3, 2))
    pois = fn.Network([2, 2], output="linear", loss="poisson")
    with pytest.raises(ValueError, match="poisson.*>= 0"):
        pois.fit(X, np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.0]]), verbose=0)
    with pytest.raises(ValueError, match="poisson"):
        pois.evaluate(X, -np.ones((3, 2)))
    bce = fn.Network([2, 2], output="linear", loss="bce_with_logits")
    with pytest.raises(ValueError, match=r"bce_with_logits.*\[0, 1\]"):
        bce.fit(X, np.full((3, 2), 1.5), verbose=0)
    with pytest.raises(ValueError, match=r"bce_with_logits.*\[0, 1\]"):
        bce.gradients(X, np.full((3, 2), -0.5))
    with pytest.raises(ValueError, match="'bce_with_logits'.*sigmoid"):
        fn.Network([2, 2], output="sigmoid", loss="bce_with_logits")
    for name in ("poisson", "bce_with_logits"):
        with pytest.raises(ValueError, match=f"'{name}'.*softmax"):
            fn.Network([2, 2], output="softmax", loss=name)
    with pytest.raises(ValueError, match="cross_entropy"):
        fn.Network([2, 2], output="linear", loss=L.CrossEntropy(label_smoothing=0.1))
    Y = np.ones((3, 2))
    with pytest.raises(ValueError, match="full-batch"):
        fn.Network([2, 2], output="linear", loss=L.MSE(reduction="mean")).fit(X, Y, optimizer=fn.RPROP(), verbose=0)
    s = fn.Network([2, 2], output="linear", loss=L.MSE(reduction="sum"))
    with pytest.raises(ValueError, match="on_nonfinite"):
        s.fit(X, Y, on_nonfinite="skip", verbose=0)
    with pytest.raises(ValueError, match="comm"):
        s.fit(X, Y, comm=object(), verbose=0)
    with pytest.raises(ValueError, match="no parameter"):
        L.from_dict("huber", {"delta": 1.0, "label_smoothing": 0.1})
    with pytest.raises(ValueError, match="at least|integers|targets"):
        M.f1_macro(np.array([[0.5, 1.0], [0.0, 1.0]]), np.ones((2, 2)), multilabel=True)


def test_a_loaded_file_with_bad_loss_options_is_refused(tmp_path: Any) -> None:
    from fastnet._format import decode, encode

    net = fn.Network([2, 2], output="linear", loss=L.Huber(delta=0.5))
    header, arrays = decode(net.to_bytes())
    for bad in ({"delta": -1.0}, {"gamma": 1.0}, "x"):
        header["loss_options"] = bad
        with pytest.raises(ValueError, match="not a valid fastnet model"):
            fn.Network.from_bytes(encode(header, list(arrays.items())))


def test_label_smoothing_with_class_labels_is_pytorchs() -> None:
    """Class-index targets (int labels) with label smoothing: PyTorch's CrossEntropyLoss on indices, value and
    input gradient."""
    rng = np.random.default_rng(6)
    net = _net(L.CrossEntropy(label_smoothing=0.25, reduction="mean"), "softmax", seed=2)
    X = rng.normal(size=(7, I))
    y = rng.integers(0, O, 7)
    Xt = torch.from_numpy(X).requires_grad_(True)
    value = torch.nn.CrossEntropyLoss(label_smoothing=0.25)(net.to_torch()[:-1](Xt), torch.from_numpy(y))
    value.backward()
    assert net.evaluate(X, y)["loss"] == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(net.input_gradient(X, y), Xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_poisson_is_scikit_learns_half_deviance_up_to_a_constant() -> None:
    """What fastnet.sklearn needs for MLPRegressor(loss="poisson") (an exp output): a linear output layer with
    loss Poisson(reduction="mean") and predict_response as the exp. scikit-learn's loss is half the Poisson
    deviance, mean(xlogy(t, t/ŷ) − t + ŷ): fastnet's mean(ŷ − t·log ŷ) plus mean(xlogy(t, t) − t), which does not
    depend on the weights (so the gradients are the same)."""
    from scipy.special import xlogy

    rng = np.random.default_rng(12)
    net = fn.Network([3, 5, 1], activation="tanh", output="linear", loss=L.Poisson(reduction="mean"),
                     dtype="float64", seed=4)
    X = rng.normal(size=(50, 3))
    t = rng.poisson(2.0, 50).astype(np.float64)
    rate = net.predict_response(X)[:, 0]
    half_deviance = sk_metrics.mean_poisson_deviance(t, rate) / 2
    assert net.evaluate(X, t[:, None])["loss"] + float(np.mean(xlogy(t, t) - t)) == pytest.approx(half_deviance,
                                                                                                   rel=1e-12)
