"""Training controls of fit: gradient clipping (clip_norm, clip_value), frozen layers (trainable), per-layer
learning rates (lr_scale), input dropout, and OneCycle's momentum cycling. Each is checked against an independent
float64 reference (numpy steps from tests/reference.py, and PyTorch: clip_grad_norm_/clip_grad_value_,
requires_grad_(False), parameter groups, OneCycleLR), plus the errors for bad settings."""

import pickle

import numpy as np
import pytest

import fastnet as fn

import reference as ref

ACTS = ["tanh", "relu", "softmax"]


def _data(rng, n=48, inputs=5, classes=3):
    X = rng.normal(size=(n, inputs))
    labels = rng.integers(0, classes, size=n)
    return X, labels, ref.one_hot(labels, classes)


def _net(seed=3, dtype="float64", layer_kw=None):
    """5-7-6-3 (tanh, relu, softmax); layer_kw: {layer index: Dense keyword arguments}."""
    sizes = [5, 7, 6, 3]
    layer_kw = layer_kw or {}
    return fn.Network([fn.Dense(a, b, act, **layer_kw.get(i, {}))
                       for i, (a, b, act) in enumerate(zip(sizes, sizes[1:], ACTS))], seed=seed, dtype=dtype)


def _params(net):
    return [(L.weights.astype(np.float64), L.bias.astype(np.float64)) for L in net.layers]


def _reference_fit(params, X, T, *, epochs, batch_size, opt, lr, momentum=0.0, weight_decay=0.0, clip_norm=None,
                   clip_value=None, trainable=None, lr_scale=None, l1=0.0, beta1=0.9):
    """fit (shuffle=False) in numpy float64: gradient of the batch mean loss (tests/reference.py), clipping as
    torch.nn.utils.clip_grad_norm_ (global norm over the trainable layers, eps 1e-6) then clip_grad_value_, then
    the optimizer step of every trainable layer at its rate lr·lr_scale, then L1's proximal step (lr·lr_scale·l1)."""
    n_layers = len(params)
    trainable = trainable or [True] * n_layers
    lr_scale = lr_scale or [1.0] * n_layers
    params = [[W.copy(), b.copy()] for W, b in params]
    s1 = [[np.zeros_like(W), np.zeros_like(b)] for W, b in params]
    s2 = [[np.zeros_like(W), np.zeros_like(b)] for W, b in params]
    t = 0
    for _ in range(epochs):
        for s in range(0, X.shape[0], batch_size):
            _, grads, _ = ref.gradients([tuple(p) for p in params], ACTS, "cross_entropy", X[s:s + batch_size],
                                        T[s:s + batch_size])
            g = [[gr["weights"], gr["bias"]] for gr in grads]
            live = [i for i in range(n_layers) if trainable[i]]
            if clip_norm is not None:
                total = np.sqrt(sum((g[i][k] ** 2).sum() for i in live for k in range(2)))
                coef = clip_norm / (total + 1e-6)
                if coef < 1:
                    g = [[gk * coef for gk in gi] for gi in g]
            if clip_value is not None:
                g = [[np.clip(gk, -clip_value, clip_value) for gk in gi] for gi in g]
            t += 1
            for i in live:
                lr_i = lr * lr_scale[i]
                for k in range(2):
                    w, gk, wd = params[i][k], g[i][k], (weight_decay if k == 0 else 0.0)
                    if opt == "sgd":
                        gk = gk + wd * w
                        s1[i][k] = momentum * s1[i][k] + gk
                        params[i][k] = w - lr_i * s1[i][k]
                    elif opt == "adam":
                        params[i][k], s1[i][k], s2[i][k] = ref.adam_step(w, gk, s1[i][k], s2[i][k], t, lr_i,
                                                                         beta1=beta1, weight_decay=wd)
                    else:
                        params[i][k], s1[i][k], s2[i][k] = ref.adamw_step(w, gk, s1[i][k], s2[i][k], t, lr_i,
                                                                          beta1=beta1, weight_decay=wd)
                if l1 > 0:
                    W = params[i][0]
                    params[i][0] = np.sign(W) * np.maximum(np.abs(W) - lr_i * l1, 0.0)
    return params


def _optimizer(opt, lr, momentum=0.0, weight_decay=0.0):
    if opt == "sgd":
        return fn.SGD(lr=lr, momentum=momentum, weight_decay=weight_decay)
    return (fn.Adam if opt == "adam" else fn.AdamW)(lr=lr, weight_decay=weight_decay)


def _assert_params(net, params, tol=1e-10):
    for L, (W, b) in zip(net.layers, params):
        np.testing.assert_allclose(L.weights, W, rtol=tol, atol=tol)
        np.testing.assert_allclose(L.bias, b, rtol=tol, atol=tol)


# ---------------------------------------------------------------- gradient clipping


def _torch_model(net, torch, opt, lr, momentum=0.0, weight_decay=0.0):
    """net.to_torch() with fastnet's parameter rules: a group per layer at lr·lr_scale (weights decayed, biases
    not), frozen layers' parameters with requires_grad False and left out, as a PyTorch user freezes them."""
    model = net.to_torch()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    groups = []
    for L, lin in zip(net.layers, linears):
        if not L.trainable:
            lin.requires_grad_(False)
            continue
        groups.append({"params": [lin.weight], "lr": lr * L.lr_scale, "weight_decay": weight_decay})
        groups.append({"params": [lin.bias], "lr": lr * L.lr_scale, "weight_decay": 0.0})
    if opt == "sgd":
        topt = torch.optim.SGD(groups, lr=lr, momentum=momentum)
    else:
        topt = (torch.optim.Adam if opt == "adam" else torch.optim.AdamW)(groups, lr=lr)
    return model, linears, topt


@pytest.mark.parametrize("opt, clip", [
    ("sgd", {"clip_norm": 0.05}), ("sgd", {"clip_value": 0.02}), ("sgd", {"clip_norm": 0.1, "clip_value": 0.01}),
    ("sgd", {"clip_norm": 1e3}), ("adam", {"clip_norm": 0.05}), ("adam", {"clip_value": 0.02}),
    ("adamw", {"clip_norm": 0.1, "clip_value": 0.01}), ("adamw", {"clip_norm": 1e3})])
def test_clipping_matches_torch(opt, clip, rng):
    """Three epochs of mini-batches against PyTorch: loss.backward(), clip_grad_norm_ / clip_grad_value_ over the
    model's parameters, step. Here with a frozen middle layer and per-layer rates too, as PyTorch users write
    them (requires_grad_(False), parameter groups)."""
    torch = pytest.importorskip("torch")
    X, labels, T = _data(rng)
    lr, momentum, wd = (0.1, 0.9, 1e-3) if opt == "sgd" else (0.01, 0.0, 1e-2)
    net = _net(layer_kw={1: {"trainable": False}, 2: {"lr_scale": 0.5}})
    model, linears, topt = _torch_model(net, torch, opt, lr, momentum, wd)
    params = [p for p in model.parameters() if p.requires_grad]
    Xt, Tt = torch.tensor(X), torch.tensor(T)
    norms = []
    for _ in range(3):
        for s in range(0, 48, 16):
            topt.zero_grad()
            loss = -(Tt[s:s + 16] * torch.log(model(Xt[s:s + 16]))).sum(1).mean()
            loss.backward()
            if "clip_norm" in clip:
                norms.append(float(torch.nn.utils.clip_grad_norm_(params, clip["clip_norm"])))
            if "clip_value" in clip:
                torch.nn.utils.clip_grad_value_(params, clip["clip_value"])
            topt.step()
    net.fit(X, labels, epochs=3, batch_size=16, shuffle=False, verbose=0,
            optimizer=_optimizer(opt, lr, momentum, wd), **clip)
    for L, lin in zip(net.layers, linears):
        np.testing.assert_allclose(L.weights, lin.weight.detach().numpy(), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(L.bias, lin.bias.detach().numpy(), rtol=1e-9, atol=1e-11)
    if clip.get("clip_norm") == 0.05:
        assert min(norms) > 0.05  # the clipping was active at every step (not a test of an unclipped run)
    unclipped = _net(layer_kw={1: {"trainable": False}, 2: {"lr_scale": 0.5}})
    unclipped.fit(X, labels, epochs=3, batch_size=16, shuffle=False, verbose=0,
                  optimizer=_optimizer(opt, lr, momentum, wd))
    if clip.get("clip_norm") == 1e3:
        assert max(norms) < 1e3  # never active: the same as no clipping
        _assert_params(net, _params(unclipped), 1e-12)
    else:
        assert not np.allclose(net.layers[0].weights, unclipped.layers[0].weights, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("opt", ["sgd", "adam", "adamw"])
def test_clipping_matches_numpy(opt, rng):
    X, labels, T = _data(rng)
    lr, momentum, wd = (0.2, 0.5, 1e-3) if opt == "sgd" else (0.02, 0.0, 1e-2)
    net = _net()
    params = _params(net)
    net.fit(X, labels, epochs=2, batch_size=12, shuffle=False, verbose=0, optimizer=_optimizer(opt, lr, momentum, wd),
            clip_norm=0.08, clip_value=0.03)
    _assert_params(net, _reference_fit(params, X, T, epochs=2, batch_size=12, opt=opt, lr=lr, momentum=momentum,
                                       weight_decay=wd, clip_norm=0.08, clip_value=0.03))


def test_clip_norm_bounds_the_step_float32(rng):
    """float32, one full-batch SGD step from a huge gradient: the step is lr·clip_norm long (the norm in double)."""
    X = rng.normal(size=(64, 5)).astype(np.float32) * 100
    y = rng.integers(0, 3, size=64)
    net = fn.Network([5, 40, 3], activation="relu", seed=1)
    before = np.concatenate([a.ravel() for a in net.get_weights()]).astype(np.float64)
    net.fit(X, y, epochs=1, batch_size=64, lr=0.5, clip_norm=0.25, verbose=0)
    after = np.concatenate([a.ravel() for a in net.get_weights()]).astype(np.float64)
    assert np.linalg.norm(after - before) == pytest.approx(0.5 * 0.25, rel=1e-5)


# ---------------------------------------------------------------- frozen layers


def _frozen_net(**kw):
    """Sparse (frozen by default) then two dense layers, float32: the fast paths."""
    return fn.Network([fn.Sparse(6, 12, density=0.5, activation="tanh", **kw), fn.Dense(12, 8, "relu"),
                       fn.Dense(8, 3, "softmax")], seed=7)


def _snapshot(layer):
    return (layer.weights.copy(), layer.bias.copy(), layer.indices[0].copy(), layer.indices[1].copy())


@pytest.mark.parametrize("opt", [fn.SGD(lr=0.1, momentum=0.9, weight_decay=1e-3),
                                 fn.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3, decay_bias=True),
                                 fn.Adam(lr=0.01, weight_decay=1e-3), fn.AdamW(lr=0.01, decay_bias=True),
                                 fn.RPROP(), fn.Quickprop(), fn.SARPROP()], ids=lambda o: type(o).__name__)
@pytest.mark.parametrize("frozen", [0, 1])
def test_frozen_layer_unchanged_bit_for_bit(opt, frozen, rng):
    """Trained first (momentum/moments built up), then frozen: fit with every optimizer, weight decay, L1, max-norm
    and SET rewiring leaves the frozen layer's weights, bias, topology and optimizer state exactly as they were,
    while the other layers move."""
    X = rng.normal(size=(60, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=60)
    net = _frozen_net()
    bs = None if opt.full_batch else 10
    net.fit(X, y, epochs=2, batch_size=bs, optimizer=opt, verbose=0)  # state to carry over
    net.layers[frozen].trainable = False
    before = [_snapshot(L) for L in net.layers]
    state = [net._core.get_param(frozen, b, slot) for b in (False, True) for slot in (1, 2)]
    extra = {} if opt.full_batch else {"l1": 1e-3}
    net.fit(X, y, epochs=3, batch_size=bs, optimizer=opt, max_norm=0.5, rewire=fn.SET(0.3), verbose=0, **extra)
    after = [_snapshot(L) for L in net.layers]
    for a, b in zip(before[frozen], after[frozen]):
        assert a.tobytes() == b.tobytes()
    for a, b in zip(state, [net._core.get_param(frozen, bb, slot) for bb in (False, True) for slot in (1, 2)]):
        assert a.tobytes() == b.tobytes()
    for i in {0, 1, 2} - {frozen}:
        assert not np.array_equal(before[i][0], after[i][0]) and not np.array_equal(before[i][1], after[i][1])
    if frozen == 1:  # the sparse layer trains and is rewired: its topology changed
        assert not np.array_equal(before[0][3], after[0][3])


@pytest.mark.parametrize("opt", ["sgd", "adam", "adamw"])
@pytest.mark.parametrize("frozen", [[False, True, True], [True, False, True], [True, True, False],
                                    [False, False, False]])
def test_frozen_layers_match_numpy(opt, frozen, rng):
    """Frozen layers in any position: the gradient flows through them to the layers below, which train as the
    numpy reference says (SGD here takes the fused path: no clipping)."""
    X, labels, T = _data(rng)
    lr, momentum, wd = (0.2, 0.9, 1e-3) if opt == "sgd" else (0.02, 0.0, 1e-2)
    net = _net()
    for L, f in zip(net.layers, frozen):
        L.trainable = not f
    params = _params(net)
    net.fit(X, labels, epochs=2, batch_size=16, shuffle=False, verbose=0, optimizer=_optimizer(opt, lr, momentum, wd))
    expected = _reference_fit(params, X, T, epochs=2, batch_size=16, opt=opt, lr=lr, momentum=momentum,
                              weight_decay=wd, trainable=[not f for f in frozen])
    _assert_params(net, expected)
    for i, f in enumerate(frozen):
        assert f == np.array_equal(net.layers[i].weights, params[i][0])


def test_frozen_saved_and_loaded(tmp_path, rng):
    X = rng.normal(size=(30, 5))
    y = rng.integers(0, 3, size=30)
    net = _net(dtype="float32")
    net.layers[1].trainable = False
    net.layers[2].lr_scale = 0.25
    assert net.specs[1].trainable is False and net.specs[2].lr_scale == 0.25
    net.save(tmp_path / "m.fnet")
    for other in (fn.load(tmp_path / "m.fnet"), pickle.loads(pickle.dumps(net))):
        assert [L.trainable for L in other.layers] == [True, False, True]
        assert [L.lr_scale for L in other.layers] == [1.0, 1.0, 0.25]
        w = other.layers[1].weights.copy()
        other.fit(X, y, epochs=2, verbose=0)
        assert other.layers[1].weights.tobytes() == w.tobytes()
    # the keys are written only when set: a network without training controls has none in its header
    plain = fn.model_info(_save(_net(dtype="float32"), tmp_path / "p.fnet"))
    assert not any("trainable" in L or "lr_scale" in L for L in plain["layers"])
    info = fn.model_info(tmp_path / "m.fnet")
    assert info["layers"][1]["trainable"] is False and info["layers"][2]["lr_scale"] == 0.25


def _save(net, path):
    net.save(path)
    return path


def test_frozen_from_constructor_and_in_fit_without_any_trainable_layer(rng):
    X = rng.normal(size=(20, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=20)
    net = fn.Network([fn.Dense(5, 4, "relu", trainable=False), fn.Dense(4, 3, "softmax", trainable=False)])
    w = net.get_weights()
    h = net.fit(X, y, epochs=2, verbose=0, momentum=0.9)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(w, net.get_weights()))
    assert np.isfinite(h["loss"]).all()
    # the gradients of a frozen layer are still those of the loss (net.gradients is not training)
    g = net.gradients(X, y)
    assert np.abs(g[0]["weights"]).sum() > 0


# ---------------------------------------------------------------- per-layer learning rates


@pytest.mark.parametrize("opt", ["sgd", "adam", "adamw"])
def test_lr_scale_matches_numpy(opt, rng):
    X, labels, T = _data(rng)
    lr, momentum, wd = (0.1, 0.9, 1e-3) if opt == "sgd" else (0.01, 0.0, 1e-2)
    scales = [0.5, 3.0, 0.1]
    net = _net()
    for L, s in zip(net.layers, scales):
        L.lr_scale = s
    params = _params(net)
    net.fit(X, labels, epochs=2, batch_size=16, shuffle=False, verbose=0, l1=1e-3,
            optimizer=_optimizer(opt, lr, momentum, wd))
    _assert_params(net, _reference_fit(params, X, T, epochs=2, batch_size=16, opt=opt, lr=lr, momentum=momentum,
                                       weight_decay=wd, lr_scale=scales, l1=1e-3))


def test_lr_scale_one_is_bit_identical_and_float32_fused_path(rng):
    """lr_scale 1 changes nothing; a layer at scale s moves as a network trained at lr·s (float32, fused SGD)."""
    X = rng.normal(size=(40, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=40)
    a = fn.Network([fn.Dense(5, 6, "relu", lr_scale=1.0), fn.Dense(6, 3, "softmax")], seed=2)
    b = fn.Network([fn.Dense(5, 6, "relu"), fn.Dense(6, 3, "softmax")], seed=2)
    for n in (a, b):
        n.fit(X, y, epochs=2, batch_size=8, lr=0.1, momentum=0.9, verbose=0)
    assert all(x.tobytes() == z.tobytes() for x, z in zip(a.get_weights(), b.get_weights()))
    # a single-layer network: scale 0.25 at lr 0.4 is lr 0.1
    c = fn.Network([fn.Dense(5, 3, "softmax", lr_scale=0.25)], seed=2)
    d = fn.Network([fn.Dense(5, 3, "softmax")], seed=2)
    c.fit(X, y, epochs=2, batch_size=8, lr=0.4, momentum=0.9, verbose=0)
    d.fit(X, y, epochs=2, batch_size=8, lr=0.1, momentum=0.9, verbose=0)
    for x, z in zip(c.get_weights(), d.get_weights()):
        np.testing.assert_allclose(x, z, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- input dropout


def _xoshiro_uniforms(state, n):
    """The core's generator (csrc/core/rng.h: xoshiro256**, uniform = top 53 bits / 2^53), n draws from state."""
    s = [int(w) for w in state]
    m = (1 << 64) - 1

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & m

    out = np.empty(n)
    for i in range(n):
        result = (rotl((s[1] * 5) & m, 7) * 9) & m
        t = (s[1] << 17) & m
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        out[i] = (result >> 11) * 2.0**-53
    return out


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_input_dropout_masks(p):
    """One sample of ones into a linear unit with zero weights, target 1, lr 1: one SGD step sets w = the masked
    input, so the weights show the mask: each input dropped with probability p, the others scaled by 1/(1 − p),
    exactly the masks the network's generator draws."""
    n = 20000
    net = fn.Network([fn.Dense(n, 1, "linear")], loss="mse", dtype="float64", seed=11)
    net.layers[0].weights = np.zeros((1, n))
    net.layers[0].bias = np.zeros(1)
    state = net._core.get_rng_state()
    X = np.ones((1, n))
    net.fit(X, np.ones((1, 1)), epochs=1, batch_size=1, lr=1.0, shuffle=False, verbose=0, input_dropout=p)
    w = net.layers[0].weights[0]
    kept = w != 0
    assert set(np.unique(w[kept])) == {1.0 / (1.0 - p)}
    sd = np.sqrt(p * (1 - p) / n)
    assert abs((~kept).mean() - p) < 5 * sd
    np.testing.assert_array_equal(kept, _xoshiro_uniforms(state, n) < 1.0 - p)
    # predict and evaluate do not drop: the output is w·1 + b
    assert net.predict(X)[0, 0] == pytest.approx(w.sum() + net.layers[0].bias[0])


def test_input_dropout_reproducible_and_training_only(rng):
    X = rng.normal(size=(64, 5)).astype(np.float32)
    X0 = X.copy()
    y = rng.integers(0, 3, size=64)

    def run(seed, p, opt=None, **kw):
        net = fn.Network([5, 8, 3], seed=seed)
        net.fit(X, y, epochs=2, batch_size=None if opt else 16, optimizer=opt, verbose=0, input_dropout=p, **kw)
        return np.concatenate([a.ravel() for a in net.get_weights()])

    assert run(1, 0.3).tobytes() == run(1, 0.3).tobytes()
    assert run(1, 0.3).tobytes() != run(2, 0.3).tobytes()
    assert run(1, 0.3).tobytes() != run(1, 0.0).tobytes()
    assert run(1, 0.0).tobytes() == run(1, 0.0, lr=0.01).tobytes()  # p = 0 is the plain fit
    # full batch (chunks read in place from X): masked on a copy, reproducible
    assert run(1, 0.3, fn.RPROP()).tobytes() == run(1, 0.3, fn.RPROP()).tobytes()
    assert run(1, 0.3, fn.RPROP()).tobytes() != run(1, 0.0, fn.RPROP()).tobytes()
    np.testing.assert_array_equal(X, X0)  # the caller's array is never masked


def test_input_dropout_sparse_first_layer(rng):
    """A sparse first layer takes its batches transposed: masked there as well, and reproducible."""
    X = rng.normal(size=(64, 20)).astype(np.float32)
    y = rng.integers(0, 2, size=64)

    def run(p):
        net = fn.Network([fn.Sparse(20, 16, density=0.3, activation="relu"), fn.Dense(16, 2, "softmax")], seed=4)
        net.fit(X, y, epochs=2, batch_size=16, verbose=0, input_dropout=p)
        return net.layers[0].weights

    assert run(0.4).tobytes() == run(0.4).tobytes()
    assert run(0.4).tobytes() != run(0.0).tobytes()


# ---------------------------------------------------------------- OneCycle momentum cycling


class _Recorder:
    per_step = True

    def __init__(self):
        self.lrs, self.momenta = [], []

    def __call__(self, logs):
        return True

    def on_batch(self, logs):
        self.lrs.append(logs["lr"])
        self.momenta.append(logs["momentum"])


@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_momentum_matches_torch(opt, anneal, rng):
    """OneCycle(cycle_momentum=True) against OneCycleLR step by step: the momentum (Adam: beta1) every batch ran
    with, and the weights after training the same float64 linear model with PyTorch's optimizer."""
    torch = pytest.importorskip("torch")
    X = rng.normal(size=(40, 3))
    T = rng.normal(size=(40, 2))
    steps = 3 * 5  # 3 epochs of 5 batches
    kw = dict(total_steps=steps, pct_start=0.3, anneal_strategy=anneal, base_momentum=0.8, max_momentum=0.9)
    net = fn.Network([fn.Dense(3, 2, "linear")], loss="mse", dtype="float64", seed=0)
    lin = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(net.layers[0].weights))
        lin.bias.copy_(torch.tensor(net.layers[0].bias))
    rec = _Recorder()
    optimizer = fn.SGD(lr=0.1, momentum=0.5) if opt == "sgd" else fn.Adam(lr=0.1)
    net.fit(X, T, epochs=3, batch_size=8, shuffle=False, verbose=0, optimizer=optimizer,
            callbacks=[fn.schedules.OneCycle(0.2, cycle_momentum=True, **kw), rec])
    topt = (torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.5) if opt == "sgd"
            else torch.optim.Adam(lin.parameters(), lr=0.1))
    sched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.2, cycle_momentum=True, **kw)
    lrs, momenta = [], []
    Xt, Tt = torch.tensor(X), torch.tensor(T)
    for k in range(steps):
        group = topt.param_groups[0]
        lrs.append(group["lr"])
        momenta.append(group["momentum"] if opt == "sgd" else group["betas"][0])
        topt.zero_grad()
        s = (k % 5) * 8
        (0.5 * ((lin(Xt[s:s + 8]) - Tt[s:s + 8]) ** 2).sum(1).mean()).backward()
        topt.step()
        sched.step()
    np.testing.assert_allclose(rec.momenta, momenta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rec.lrs, lrs, rtol=0, atol=1e-12)
    assert momenta[0] == pytest.approx(0.9) and min(momenta) == pytest.approx(0.8, abs=0.01)
    np.testing.assert_allclose(net.layers[0].weights, lin.weight.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.layers[0].bias, lin.bias.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_one_cycle_default_leaves_momentum(rng):
    X = rng.normal(size=(20, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=20)
    rec = _Recorder()
    fn.Network([3, 2], seed=0).fit(X, y, epochs=1, batch_size=5, momentum=0.3, verbose=0,
                                   callbacks=[fn.schedules.OneCycle(0.1, total_steps=4), rec])
    assert rec.momenta == [0.3] * 4


def test_adam_momentum_is_beta1():
    """A callback's {"momentum": m} with Adam sets beta1 (as OneCycleLR's cycling does): the history shows it, and
    the weights are those of Adam with that beta1 from the next epoch on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3))
    y = rng.integers(0, 2, size=16)

    def make():
        return fn.Network([3, 2], seed=0, dtype="float64")

    a = make()
    h = a.fit(X, y, epochs=2, batch_size=16, shuffle=False, verbose=0, optimizer=fn.Adam(lr=0.01),
              callbacks=[lambda logs: {"momentum": 0.5}])
    assert h["momentum"] == [0.9, 0.5]
    b = make()  # by hand: epoch 1 at beta1 0.9, epoch 2 at 0.5 (same optimizer kind: state and step count carry)
    b.fit(X, y, epochs=1, batch_size=16, shuffle=False, verbose=0, optimizer=fn.Adam(lr=0.01))
    b.fit(X, y, epochs=1, batch_size=16, shuffle=False, verbose=0, optimizer=fn.Adam(lr=0.01, beta1=0.5))
    assert all(x.tobytes() == z.tobytes() for x, z in zip(a.get_weights(), b.get_weights()))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kw, exc, match", [
    ({"clip_norm": -1.0}, ValueError, "clip_norm must be a finite number > 0"),
    ({"clip_norm": 0.0}, ValueError, "clip_norm must be a finite number > 0"),
    ({"clip_norm": float("nan")}, ValueError, "clip_norm"),
    ({"clip_norm": float("inf")}, ValueError, "clip_norm"),
    ({"clip_norm": "1"}, TypeError, "clip_norm must be a real number"),
    ({"clip_value": -0.5}, ValueError, "clip_value must be a finite number > 0"),
    ({"clip_value": True}, TypeError, "clip_value"),
    ({"input_dropout": 1.0}, ValueError, r"input_dropout must be in \[0.0, 1.0\)"),
    ({"input_dropout": -0.1}, ValueError, "input_dropout"),
    ({"input_dropout": float("nan")}, ValueError, "input_dropout"),
    ({"input_dropout": "0.5"}, TypeError, "input_dropout"),
    ({"clip_norm": 1.0, "optimizer": fn.RPROP()}, ValueError, "RPROP .* gradient clipping does not apply"),
    ({"clip_value": 1.0, "optimizer": fn.Quickprop()}, ValueError, "Quickprop"),
])
def test_bad_fit_controls(kw, exc, match, rng):
    X = rng.normal(size=(10, 5))
    net = _net(dtype="float32")
    w = net.get_weights()
    with pytest.raises(exc, match=match):
        net.fit(X, rng.integers(0, 3, size=10), epochs=1, verbose=0, **kw)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(w, net.get_weights()))


@pytest.mark.parametrize("value, exc", [(0.0, ValueError), (-1.0, ValueError), (float("nan"), ValueError),
                                        (float("inf"), ValueError), ("2", TypeError), (None, TypeError),
                                        (True, TypeError)])
def test_bad_lr_scale(value, exc):
    with pytest.raises(exc, match="lr_scale"):
        fn.Dense(3, 2, lr_scale=value)
    with pytest.raises(exc, match="lr_scale"):
        fn.Sparse(3, 2, density=1.0, lr_scale=value)
    net = _net(dtype="float32")
    with pytest.raises(exc, match="lr_scale"):
        net.layers[0].lr_scale = value
    assert net.layers[0].lr_scale == 1.0 and net.specs[0].lr_scale == 1.0


@pytest.mark.parametrize("value", [1, 0, "no", None, 1.0])
def test_bad_trainable(value):
    with pytest.raises(TypeError, match="trainable must be a bool"):
        fn.Dense(3, 2, trainable=value)
    net = _net(dtype="float32")
    with pytest.raises(TypeError, match="trainable must be a bool"):
        net.layers[1].trainable = value
    assert net.layers[1].trainable is True and net.specs[1].trainable is True


def test_lr_scale_refused_by_full_batch_optimizers(rng):
    X = rng.normal(size=(10, 5))
    y = rng.integers(0, 3, size=10)
    net = _net(dtype="float32")
    net.layers[2].lr_scale = 2.0
    for opt in (fn.RPROP(), fn.Quickprop(), fn.SARPROP()):
        with pytest.raises(ValueError, match="layer 2 has lr_scale=2.*no learning rate to scale"):
            net.fit(X, y, epochs=1, verbose=0, optimizer=opt)
    net.layers[2].trainable = False  # frozen layers are fine with every optimizer
    net.layers[2].lr_scale = 1.0
    net.fit(X, y, epochs=1, verbose=0, optimizer=fn.RPROP())


def test_bad_one_cycle_momentum():
    with pytest.raises(ValueError, match="base_momentum"):
        fn.schedules.OneCycle(0.1, 10, cycle_momentum=True, base_momentum=-0.1)
    with pytest.raises(ValueError, match="max_momentum"):
        fn.schedules.OneCycle(0.1, 10, cycle_momentum=True, max_momentum=1.0)
    with pytest.raises(TypeError, match="cycle_momentum"):
        fn.schedules.OneCycle(0.1, 10, cycle_momentum="yes")


@pytest.mark.parametrize("entry", [{"trainable": 1}, {"trainable": "false"}, {"lr_scale": 0}, {"lr_scale": "x"},
                                   {"lr_scale": -2.0}])
def test_bad_saved_training_controls(entry):
    from fastnet._format import decode, encode

    header, arrays = decode(_net(dtype="float32").to_bytes())
    header["layers"][0].update(entry)
    with pytest.raises(ValueError, match="not a valid fastnet model"):
        fn.Network.from_bytes(encode(header, list(arrays.items())))
