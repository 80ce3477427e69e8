"""fastnet's mini-batch optimizers (SGD, Adam, AdamW) against PyTorch's, step for step in float32, and Adam and
AdamW against the independent numpy float64 reference (tests/reference.py).

Both sides get the SAME gradient every step: fastnet computes it on its own weights (a 20-32-5 relu/softmax
MLP, cross-entropy, real mini-batches) into its gradient arena, the test hands a copy to PyTorch as ``.grad``,
and each side then updates its own copy of the weights. So what is compared is the optimizers alone, without
the gradients' float32 rounding feeding back through the network over the steps."""

from typing import Any, Callable, List, Tuple

import numpy as np
import pytest

import fastnet as fn
from fastnet.optimizers import optimizer_from_dict

import reference as ref

torch = pytest.importorskip("torch")

STEPS = 100
TOL = 1e-5  # max |fastnet − PyTorch| over every weight and bias, after every one of the STEPS updates


def _spans(net: fn.Network) -> List[Tuple[int, bool, int, Tuple[int, ...]]]:
    """(layer, is_bias, offset in the arenas, shape) of every parameter span ([W1 b1 W2 b2 ...], 16-aligned)."""
    out, off = [], 0
    for i, L in enumerate(net.layers):
        for bias, shape in ((False, L.weights.shape), (True, (L.out_features,))):
            out.append((i, bias, off, tuple(shape)))
            off += -(-int(np.prod(shape)) // 16) * 16
    return out


def _batches(rng: np.random.Generator, steps: int = STEPS, size: int = 16) -> List[Tuple[np.ndarray, np.ndarray]]:
    centers = rng.normal(size=(5, 20)) * 2
    out = []
    for _ in range(steps):
        y = rng.integers(0, 5, size=size)
        out.append(((centers[y] + rng.normal(size=(size, 20))).astype(np.float32), y))
    return out


def _torch_vs_fastnet(opt: fn.optimizers.Optimizer, make_torch: Callable[[List[Any], List[Any]], Any],
                      steps: int = STEPS) -> float:
    """Max |fastnet − PyTorch| over the parameters, over `steps` updates from the same weights and gradients.
    make_torch(weights, biases) builds the PyTorch optimizer."""
    rng = np.random.default_rng(7)
    net = fn.Network([20, 32, 5], activation="relu", output="softmax", seed=3, dtype="float32")
    spans = _spans(net)
    params = [torch.nn.Parameter(torch.from_numpy(net._core.get_param(i, b, 0).copy())) for i, b, _, _ in spans]
    topt = make_torch([p for p, s in zip(params, spans) if not s[1]], [p for p, s in zip(params, spans) if s[1]])
    spec = opt._spec()
    net._core.reset_optimizer_state(spec)
    garena = net._core.grad_arena()
    worst = 0.0
    for X, y in _batches(rng, steps):
        Xa, labels, targets = net._xy(X, y)
        net._core.compute_gradients(Xa, labels, targets)
        for p, (_, _, off, shape) in zip(params, spans):
            p.grad = torch.from_numpy(garena[off:off + int(np.prod(shape))].reshape(shape).copy())
        topt.step()
        net._core.apply_gradients(spec, len(X))
        for p, (i, b, _, _) in zip(params, spans):
            worst = max(worst, float(np.abs(net._core.get_param(i, b, 0) - p.detach().numpy()).max()))
    return worst


def _groups(weights: List[Any], biases: List[Any], weight_decay: float, decay_bias: bool) -> List[Any]:
    return [{"params": weights, "weight_decay": weight_decay},
            {"params": biases, "weight_decay": weight_decay if decay_bias else 0.0}]


SGD_CASES = [
    dict(lr=0.05),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.02, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.8, weight_decay=1e-3),
    dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-2, decay_bias=True),
]


@pytest.mark.parametrize("kw", SGD_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_sgd_tracks_pytorch(kw):
    """PyTorch's SGD (dampening 0: its first step takes buf = g, which is fastnet's v = momentum·0 + g)."""
    opt = fn.SGD(**kw)

    def make(w, b):
        return torch.optim.SGD(_groups(w, b, opt.weight_decay, opt.decay_bias), lr=opt.lr, momentum=opt.momentum,
                               nesterov=opt.nesterov)
    assert _torch_vs_fastnet(opt, make) <= TOL


ADAM_CASES = [
    dict(),
    dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6),
    dict(lr=0.003, weight_decay=1e-2),
    dict(lr=0.003, weight_decay=1e-2, decay_bias=True),
]


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kw", ADAM_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "defaults")
def test_adam_tracks_pytorch(name, kw):
    opt = getattr(fn, name)(**kw)

    def make(w, b):
        return getattr(torch.optim, name)(_groups(w, b, opt.weight_decay, opt.decay_bias), lr=opt.lr,
                                          betas=(opt.beta1, opt.beta2), eps=opt.eps)
    assert _torch_vs_fastnet(opt, make) <= TOL


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_constants_are_pytorchs(name):
    """Steps of lr = 0.1 against a gradient of constant sign, where PyTorch moves each weight by lr·(1 − tiny)
    a step: 1 − β₂ formed from a float32 β₂ (0.00099998713) instead made every step 6.4e-6 too long (in
    relative terms), 1.3e-5 too far after these 20 steps, against a float32 rounding error of a few 1e-7."""
    net = fn.Network([3, 4, 2], activation="tanh", output="linear", loss="mse", seed=0, dtype="float32")
    spans = _spans(net)
    params = [torch.nn.Parameter(torch.from_numpy(net._core.get_param(i, b, 0).copy())) for i, b, _, _ in spans]
    opt = getattr(fn, name)(lr=0.1, weight_decay=0.01, decay_bias=True)
    topt = getattr(torch.optim, name)(params, lr=0.1, weight_decay=0.01)
    net._core.reset_optimizer_state(opt._spec())
    garena = net._core.grad_arena()
    rng = np.random.default_rng(0)
    sign = [rng.choice([-1.0, 1.0], size=s[3]).astype(np.float32) for s in spans]
    for _ in range(20):
        for p, sg, (_, _, off, shape) in zip(params, sign, spans):
            g = (sg * rng.uniform(0.5, 2.0, size=shape)).astype(np.float32)
            garena[off:off + g.size] = g.ravel()
            p.grad = torch.from_numpy(g)
        topt.step()
        net._core.apply_gradients(opt._spec(), 1)
    for p, (i, b, _, _) in zip(params, spans):
        np.testing.assert_allclose(net._core.get_param(i, b, 0), p.detach().numpy(), rtol=0, atol=2e-6)


def test_adamw_defaults_are_pytorchs():
    import inspect

    sig = inspect.signature(torch.optim.AdamW).parameters
    opt = fn.AdamW()
    assert (opt.lr, (opt.beta1, opt.beta2), opt.eps, opt.weight_decay) == (
        sig["lr"].default, sig["betas"].default, sig["eps"].default, sig["weight_decay"].default)


# ---------------------------------------------------------------- against the numpy float64 reference


def _flat(net: fn.Network, slot: int = 0) -> np.ndarray:
    return np.concatenate([net._core.get_param(i, b, slot).ravel() for i, b, _, _ in _spans(net)])


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_matches_float64_reference(name):
    """float64 fastnet follows the reference to rounding; float32 fastnet stays close to it (same gradients)."""
    kw = dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.05)
    step = ref.adam_step if name == "Adam" else ref.adamw_step
    rng = np.random.default_rng(1)
    batches = _batches(rng, 40)
    nets = {d: fn.Network([20, 32, 5], activation="relu", output="softmax", seed=3, dtype=d)
            for d in ("float64", "float32")}
    opt = getattr(fn, name)(**kw)
    spans = _spans(nets["float64"])
    sizes = [int(np.prod(s[3])) for s in spans]
    is_weight = np.concatenate([np.full(n, not s[1]) for n, s in zip(sizes, spans)])
    w = _flat(nets["float64"])
    nets["float32"]._core.param_arena()[:] = nets["float64"]._core.param_arena()
    m, v = np.zeros_like(w), np.zeros_like(w)
    for net in nets.values():
        net._core.reset_optimizer_state(opt._spec())
    for t, (X, y) in enumerate(batches, 1):
        g = np.concatenate([np.concatenate([d["weights"].ravel(), d["bias"]])
                            for d in nets["float64"].gradients(X, y)])
        for net in nets.values():
            garena = net._core.grad_arena()
            for (_, _, off, _), part in zip(spans, np.split(g, np.cumsum(sizes)[:-1])):
                garena[off:off + part.size] = part
            net._core.apply_gradients(opt._spec(), len(X))
        w, m, v = step(w, g, m, v, t, kw["lr"], kw["beta1"], kw["beta2"], kw["eps"],
                       np.where(is_weight, kw["weight_decay"], 0.0))
        np.testing.assert_allclose(_flat(nets["float64"]), w, rtol=1e-12, atol=1e-14, err_msg=f"step {t}")
        np.testing.assert_allclose(_flat(nets["float32"]), w, rtol=0, atol=2e-6, err_msg=f"float32, step {t}")
    np.testing.assert_allclose(_flat(nets["float64"], 1), m, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_flat(nets["float64"], 2), v, rtol=1e-12, atol=1e-16)


def test_adamw_decay_is_decoupled():
    """A zero gradient: Adam's L2 still moves the weights by about lr each step (its m/√v is ±1), AdamW only
    shrinks them by the factor 1 − lr·wd, and leaves the biases unless decay_bias."""
    for decay_bias in (False, True):
        net = fn.Network([3, 4, 2], activation="tanh", output="linear", loss="mse", seed=0, dtype="float64")
        before = [(L.weights.copy(), L.bias.copy()) for L in net.layers]
        opt = fn.AdamW(lr=0.1, weight_decay=0.5, decay_bias=decay_bias)
        net._core.grad_arena()[:] = 0
        for _ in range(3):
            net._core.apply_gradients(opt._spec(), 1)
        for L, (W, b) in zip(net.layers, before):
            np.testing.assert_allclose(L.weights, W * 0.95 ** 3, rtol=1e-14)
            np.testing.assert_allclose(L.bias, b * 0.95 ** 3 if decay_bias else b, rtol=1e-14)


# ---------------------------------------------------------------- wiring: fit, save/load, descriptions


def test_adamw_fits_saves_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int32)
    opt = fn.AdamW(lr=0.01, weight_decay=0.1)
    net = fn.Network([6, 8, 2], seed=0)
    h = net.fit(X, y, epochs=5, batch_size=20, optimizer=opt, verbose=0)
    assert h["loss"][-1] < h["loss"][0]
    assert net._core.get_optimizer_state() == (opt.kind, 50)
    net.save(tmp_path / "m.fnet")
    back = fn.load(tmp_path / "m.fnet")
    assert back.optimizer == opt
    assert back._core.get_optimizer_state() == (opt.kind, 50)
    for i in range(2):
        np.testing.assert_array_equal(back._core.get_param(i, False, 2), net._core.get_param(i, False, 2))
    for n in (net, back):
        n.fit(X, y, epochs=2, batch_size=20, optimizer=opt, verbose=0, shuffle=False)
    for a, b in zip(net.layers, back.layers):
        np.testing.assert_array_equal(a.weights, b.weights)
    # a different kind starts afresh: Adam after AdamW does not continue AdamW's moments
    net.fit(X, y, epochs=1, batch_size=200, optimizer=fn.Adam(), verbose=0)
    assert net._core.get_optimizer_state() == (fn.Adam.kind, 1)


def test_adamw_description():
    opt = fn.AdamW(lr=0.01, beta2=0.99, weight_decay=0.1, decay_bias=True)
    assert optimizer_from_dict(opt.to_dict()) == opt
    assert opt.to_dict()["name"] == "AdamW" and fn.AdamW.kind == 5 and fn.Adam.kind == 1
    for bad in (dict(lr=0), dict(beta1=1.0), dict(beta2=-0.1), dict(eps=0), dict(weight_decay=-1)):
        with pytest.raises(ValueError):
            fn.AdamW(**bad)
    with pytest.raises(TypeError):
        fn.AdamW(decay_bias=1)


# ---------------------------------------------------------------- end to end: fit against a PyTorch training loop


_CE, _MSE = fn.losses.CrossEntropy(reduction="mean"), fn.losses.MSE(reduction="mean")
E2E_CASES = [
    ("SGD", dict(lr=0.05), _MSE, "linear"),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-2, decay_bias=True), _CE, "softmax"),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=1e-3), _MSE, "linear"),
    ("Adam", dict(lr=0.003), _CE, "softmax"),
    ("Adam", dict(lr=0.003, weight_decay=1e-2, decay_bias=True), _MSE, "linear"),
    ("AdamW", dict(lr=0.003, weight_decay=0.01, decay_bias=True), _CE, "softmax"),
]


@pytest.fixture
def torch_one_thread():
    """PyTorch's matrix products on one thread (its default, one per core, crawls on a shared 2-core machine)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("name,kw,loss,out", E2E_CASES,
                         ids=[f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}-{c[3]}" for c in E2E_CASES])
def test_fit_tracks_a_pytorch_training_loop(name, kw, loss, out, torch_one_thread):
    """From identical float32 weights and the same 100 batches, each side computing its own gradients (fastnet's
    fit against PyTorch's zero_grad/backward/step on the criterion of reduction="mean"), the weights stay within
    TOL of each other after the 100 steps (measured: at most 1.5e-7 on an AVX-512 machine)."""
    rng = np.random.default_rng(7)
    centers = rng.normal(size=(5, 20)) * 2
    y = rng.integers(0, 5, size=16 * STEPS)
    X = (centers[y] + rng.normal(size=(len(y), 20))).astype(np.float32)
    T = np.eye(5, dtype=np.float32)[y]
    net = fn.Network([20, 32, 5], activation="relu", output=out, seed=3, dtype="float32", loss=loss)
    module = net.to_torch()
    if out == "softmax":  # nn.CrossEntropyLoss takes the logits
        module = module[:-1]
    opt = getattr(fn, name)(**kw)
    targs = dict(lr=opt.lr, weight_decay=opt.weight_decay)
    if name == "SGD":
        targs.update(momentum=opt.momentum, nesterov=opt.nesterov)
    # PyTorch decays every parameter given to it: the biases too unless they are in a group without decay
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    groups = _groups([m.weight for m in linears], [m.bias for m in linears], opt.weight_decay,
                     getattr(opt, "decay_bias", False))
    topt = getattr(torch.optim, name)(groups, **targs)
    crit = torch.nn.CrossEntropyLoss() if out == "softmax" else torch.nn.MSELoss()
    for s in range(STEPS):
        topt.zero_grad()
        crit(module(torch.from_numpy(X[16 * s:16 * s + 16])), torch.from_numpy(T[16 * s:16 * s + 16])).backward()
        topt.step()
    net.fit(X, T, epochs=1, batch_size=16, shuffle=False, optimizer=opt, verbose=0)
    for layer, lin in zip(net.layers, linears):
        assert float(np.abs(layer.weights - lin.weight.detach().numpy()).max()) <= TOL
        assert float(np.abs(layer.bias - lin.bias.detach().numpy()).max()) <= TOL
