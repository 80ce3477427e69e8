"""Sparse layers: equal to masked dense layers, gradient-checked, rewired correctly, saved exactly."""

import numpy as np
import pytest

import fastnet as fn

from reference import gradients as ref_gradients
from reference import one_hot, sgd_step


def mixed_net(dtype="float64", density=0.3, seed=0, act="tanh"):
    return fn.Network([fn.Sparse(12, 16, density=density, activation=act),
                       fn.Dense(16, 9, activation=act),
                       fn.Sparse(9, 4, density=0.5, activation="softmax")], seed=seed, dtype=dtype)


def test_density_one_equals_dense():
    rng = np.random.default_rng(0)
    sp = fn.Network([fn.Sparse(10, 7, density=1.0, activation="relu"), fn.Dense(7, 3, "softmax")], seed=1,
                    dtype="float64")
    de = fn.Network([fn.Dense(10, 7, activation="relu"), fn.Dense(7, 3, "softmax")], seed=1, dtype="float64")
    assert sp.layers[0].nnz == 70
    de.layers[0].weights = sp.layers[0].to_dense()
    de.layers[1].weights = sp.layers[1].weights
    X = rng.normal(size=(6, 10))
    y = rng.integers(0, 3, 6)
    np.testing.assert_allclose(sp.predict(X), de.predict(X), rtol=1e-12)
    gs, gd = sp.gradients(X, y), de.gradients(X, y)
    np.testing.assert_allclose(gs[0]["weights"], gd[0]["weights"].ravel(), rtol=1e-12)
    np.testing.assert_allclose(gs[0]["bias"], gd[0]["bias"], rtol=1e-12)


@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-10), ("float32", 2e-4)])
def test_equals_masked_dense_reference(batch, dtype, rtol):
    rng = np.random.default_rng(batch)
    net = mixed_net(dtype)
    X = rng.normal(size=(batch * 4, 12))
    y = rng.integers(0, 4, batch * 4)
    masks = [(L.to_dense() != 0) if L.is_sparse else np.ones((L.out_features, L.in_features), bool)
             for L in net.layers]
    params = [(L.to_dense().astype(np.float64), L.bias.astype(np.float64)) for L in net.layers]
    acts = ["tanh", "tanh", "softmax"]
    # forward and gradients of the masked dense reference
    from reference import forward
    _, ys = forward(params, acts, X)
    np.testing.assert_allclose(net.predict(X), ys[-1], rtol=rtol, atol=rtol * 0.1)
    _, ref, dX = ref_gradients(params, acts, "cross_entropy", X[:batch], one_hot(y[:batch], 4))
    got = net.gradients(X[:batch], y[:batch])
    for L, g, r, m in zip(net.layers, got, ref, masks):
        want = r["weights"][m] if L.is_sparse else r["weights"]
        np.testing.assert_allclose(g["weights"].reshape(want.shape), want, rtol=rtol, atol=rtol * 0.1)
    np.testing.assert_allclose(net.input_gradient(X[:batch], y[:batch]), dX, rtol=rtol, atol=rtol * 0.1)
    # SGD steps: the reference with gradients masked to the topology
    vel = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    for s in range(4):
        xb, yb = X[s * batch:(s + 1) * batch], y[s * batch:(s + 1) * batch]
        _, gr, _ = ref_gradients(params, acts, "cross_entropy", xb, one_hot(yb, 4))
        for g, m in zip(gr, masks):
            g["weights"] = g["weights"] * m
        params, vel = sgd_step(params, vel, gr, 0.05, 0.9, 0.001)
    net.fit(X, y, epochs=1, batch_size=batch, lr=0.05, momentum=0.9, weight_decay=0.001, shuffle=False, verbose=0)
    for L, (W, b), m in zip(net.layers, params, masks):
        D = L.to_dense()
        assert np.all(D[~m] == 0), "off-topology weights must stay zero"
        np.testing.assert_allclose(D, W, rtol=rtol * 10, atol=rtol)
        np.testing.assert_allclose(L.bias, b, rtol=rtol * 10, atol=rtol)


def test_finite_differences_float64():
    rng = np.random.default_rng(3)
    net = mixed_net("float64", density=0.4, seed=2)
    X = rng.normal(size=(3, 12))
    y = rng.integers(0, 4, 3)
    grads = net.gradients(X, y)
    eps = 1e-6
    for li, L in enumerate(net.layers):
        for which in ("weights", "bias"):
            base = getattr(L, which).copy()
            num = np.zeros_like(base)
            for k in range(base.size):
                for sign in (1, -1):
                    p = base.copy()
                    p.flat[k] += sign * eps
                    setattr(L, which, p)
                    num.flat[k] += sign * net.loss_value(X, y) / (2 * eps)
            setattr(L, which, base)
            np.testing.assert_allclose(grads[li][which], num, rtol=1e-5, atol=1e-9)
    dX = net.input_gradient(X, y)
    num = np.zeros_like(X)
    for idx in np.ndindex(*X.shape):
        Xp, Xm = X.copy(), X.copy()
        Xp[idx] += eps
        Xm[idx] -= eps
        num[idx] = (net.loss_value(Xp, y) - net.loss_value(Xm, y)) / (2 * eps)
    np.testing.assert_allclose(dX, num, rtol=1e-5, atol=1e-9)


def test_random_topology_density_and_seed():
    a = fn.Network([fn.Sparse(200, 100, density=0.05, activation="relu"), fn.Dense(100, 3)], seed=4)
    b = fn.Network([fn.Sparse(200, 100, density=0.05, activation="relu"), fn.Dense(100, 3)], seed=4)
    c = fn.Network([fn.Sparse(200, 100, density=0.05, activation="relu"), fn.Dense(100, 3)], seed=5)
    L = a.layers[0]
    assert L.nnz == 1000 and L.density == pytest.approx(0.05)
    rows, cols = L.indices
    assert np.all(np.bincount(rows, minlength=100) == 10)  # the same fan-in everywhere
    assert len(set(zip(rows.tolist(), cols.tolist()))) == L.nnz
    np.testing.assert_array_equal(cols, b.layers[0].indices[1])
    assert not np.array_equal(cols, c.layers[0].indices[1])
    tiny = fn.Network([fn.Sparse(50, 20, density=1e-6), fn.Dense(20, 2)], seed=0)
    assert tiny.layers[0].nnz == 20  # every output keeps one input


def test_explicit_topologies():
    mask = np.zeros((3, 5), bool)
    mask[0, [1, 4]] = mask[1, 0] = mask[2, [0, 2, 3]] = True
    a = fn.Network([fn.Sparse(5, 3, mask=mask, activation="tanh")], loss="mse", seed=0)
    np.testing.assert_array_equal(a.layers[0].to_dense() != 0, mask)
    rows, cols = np.nonzero(mask)
    b = fn.Network([fn.Sparse(5, 3, indices=(rows[::-1], cols[::-1]), activation="tanh")], loss="mse", seed=0)
    np.testing.assert_array_equal(b.layers[0].indices[1], a.layers[0].indices[1])
    scipy_sparse = pytest.importorskip("scipy.sparse")
    c = fn.Network([fn.Sparse(5, 3, indices=scipy_sparse.csr_matrix(mask), activation="tanh")], loss="mse")
    np.testing.assert_array_equal(c.layers[0].indices[1], a.layers[0].indices[1])


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(density=0.0), ValueError, r"density must be in \(0, 1\]"),
    (dict(density=1.5), ValueError, r"density must be in \(0, 1\]"),
    (dict(mask=np.ones((4, 4), bool)), ValueError, r"mask must have shape"),
    (dict(mask=np.eye(3, 5, dtype=bool) | np.eye(3, 5, 1, dtype=bool) * 0), ValueError, None),
    (dict(indices=([0, 1, 5], [0, 1, 2])), ValueError, r"row\) index is out of range"),
    (dict(indices=([0, 1, 2], [0, 1, 9])), ValueError, r"col\) index is out of range"),
    (dict(indices=([0, 0, 1, 2], [1, 1, 0, 0])), ValueError, r"duplicate"),
    (dict(indices=([0, 2], [1, 1])), ValueError, r"output neuron 1 has no connections"),
    (dict(indices=([0.0, 1.0, 2.0], [0, 1, 2])), TypeError, r"integers"),
])
def test_bad_topologies(kwargs, exc, match):
    if match is None:  # a mask with an empty row
        m = np.zeros((3, 5), bool)
        m[0, 0] = m[2, 1] = True
        kwargs = dict(mask=m)
        match = r"row 1 has no connections"
    with pytest.raises(exc, match=match):
        fn.Sparse(5, 3, **kwargs)


def test_rewire_keeps_nnz_removes_smallest_no_duplicates():
    net = fn.Network([fn.Sparse(40, 30, density=0.2, activation="relu"), fn.Dense(30, 3)], seed=6)
    L = net.layers[0]
    rows, cols = L.indices
    w = L.weights.copy()
    w[::7] *= 1e-3  # make a known set of connections the smallest
    L.weights = w
    smallest = set(zip(rows[::7].tolist(), cols[::7].tolist()))
    nnz = L.nnz
    replaced = L.rewire(0.1)
    assert replaced == int(0.1 * nnz) and L.nnz == nnz
    r2, c2 = L.indices
    pairs = set(zip(r2.tolist(), c2.tolist()))
    assert len(pairs) == nnz  # no duplicates
    old = dict(zip(zip(rows.tolist(), cols.tolist()), np.abs(w).tolist()))
    gone = set(old) - pairs
    assert 0 < len(gone) <= replaced and len(gone & smallest) >= len(gone) - 2
    kept = [old[p] for p in set(old) & pairs]
    assert max(old[p] for p in gone) <= min(kept)  # only the smallest magnitudes were removed
    assert np.all(np.bincount(r2, minlength=30) >= 1)


def test_rewire_resets_new_connections_velocity_and_the_next_step_uses_it():
    """Momentum after rewiring: trained first, so every connection has a non-zero velocity; a new connection
    must start from velocity 0, a kept one keeps its own, and the next SGD step (v = mu*v + g) must follow from
    those. Fails if rewire leaves a removed connection's velocity on a new one, or drops or mixes up the kept
    ones' (the numpy step would then disagree)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(64, 40))
    y = rng.integers(0, 3, 64)
    net = fn.Network([fn.Sparse(40, 30, density=0.2, activation="tanh"), fn.Dense(30, 3)], seed=6,
                     dtype="float64")
    net.fit(X, y, epochs=2, batch_size=16, lr=0.05, momentum=0.9, shuffle=False, verbose=0)
    L = net.layers[0]
    before = list(zip(*(i.tolist() for i in L.indices)))
    old = dict(zip(before, net._core.get_param(0, False, 1).tolist()))
    assert np.count_nonzero(list(old.values())) == len(old)  # the training gave every connection a velocity
    smallest = np.argsort(np.abs(L.weights))
    replaced = L.rewire(0.2)
    assert replaced > 0
    # the removed connections are the smallest in magnitude; one drawn again as new starts from 0 as well
    for k in smallest[:replaced]:
        del old[before[k]]
    pairs = list(zip(*(i.tolist() for i in L.indices)))
    vel = net._core.get_param(0, False, 1)
    want = np.array([old.get(p, 0.0) for p in pairs])
    assert np.count_nonzero(want == 0) > 0  # some connections are new
    np.testing.assert_array_equal(vel, want)
    g = net.gradients(X[:16], y[:16])[0]["weights"]  # in the order of L.indices, as the velocity
    net.fit(X[:16], y[:16], epochs=1, batch_size=16, lr=0.05, momentum=0.9, shuffle=False, verbose=0)
    np.testing.assert_allclose(net._core.get_param(0, False, 1), 0.9 * want + g, rtol=1e-10, atol=1e-14)


def test_fit_with_set_and_save_load_exact(tmp_path, mnist):
    Xtr, ytr, Xte, yte = mnist
    net = fn.Network([fn.Sparse(784, 200, density=0.1, activation="relu"),
                      fn.Sparse(200, 10, density=0.5, activation="softmax")], seed=0)
    before = net.layers[0].indices[1].copy()
    h = net.fit(Xtr[:6000], ytr[:6000], epochs=3, batch_size=32, lr=0.05, momentum=0.9, verbose=0,
                rewire=fn.SET(zeta=0.2))
    assert h.epochs == 3 and not np.array_equal(before, net.layers[0].indices[1])
    assert net.layers[0].nnz == round(0.1 * 784 * 200)
    assert net.evaluate(Xte[:2000], yte[:2000])["accuracy"] > 0.85
    net.save(tmp_path / "s.fnet")
    back = fn.load(tmp_path / "s.fnet")
    np.testing.assert_array_equal(back.layers[0].indices[1], net.layers[0].indices[1])
    np.testing.assert_array_equal(back.predict(Xte[:100]), net.predict(Xte[:100]))
    assert isinstance(back.specs[0], fn.Sparse)


def test_sparse_kernels_agree_across_isas():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(64, 30)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    outs = {}
    before = fn.get_isa()
    try:
        for isa in fn.available_isas():
            fn.set_isa(isa)
            net = fn.Network([fn.Sparse(30, 50, density=0.2, activation="relu"),
                              fn.Sparse(50, 3, density=0.5, activation="softmax")], seed=1)
            net.fit(X, y, epochs=2, batch_size=16, lr=0.05, momentum=0.9, verbose=0)
            outs[isa] = net.predict(X)
    finally:
        fn.set_isa(before)
    for isa, P in outs.items():
        np.testing.assert_allclose(P, outs["generic"], rtol=1e-4, atol=1e-5, err_msg=isa)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shuffled_training_sparse_first_layer_equals_dense(dtype, threads):
    """A density-1 sparse first layer trained with shuffled SGD batches follows a dense one with the same
    weights: the batch that fit gathers straight into the sparse layer's transposed layout (split over features
    across threads at this size, with a batch that is not a multiple of 16 at the end) is the one the dense
    layer gets by row copies."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 600))  # 128 x 600 > 2^16: the gather is split over features at two threads
    y = rng.integers(0, 3, 300)
    sp = fn.Network([fn.Sparse(600, 20, density=1.0, activation="tanh"), fn.Dense(20, 3, "softmax")], seed=2,
                    dtype=dtype)
    de = fn.Network([fn.Dense(600, 20, activation="tanh"), fn.Dense(20, 3, "softmax")], seed=2, dtype=dtype)
    de.layers[0].weights = sp.layers[0].to_dense()
    de.layers[1].weights = sp.layers[1].weights
    de._core.set_rng_state(sp._core.get_rng_state())  # the same shuffles (drawing the topology used the stream)
    before = fn.get_num_threads()
    try:
        fn.set_num_threads(threads)
        for net in (sp, de):
            net.fit(X, y, epochs=2, batch_size=128, lr=0.05, momentum=0.9, verbose=0)  # 128, 128, 44
    finally:
        fn.set_num_threads(before)
    tol = 1e-10 if dtype == "float64" else 2e-5
    np.testing.assert_allclose(sp.layers[0].to_dense(), de.layers[0].weights, rtol=tol, atol=tol)
    np.testing.assert_allclose(sp.layers[1].weights, de.layers[1].weights, rtol=tol, atol=tol)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("batch", [16, 37, 150, 300])
def test_sparse_float32_kernels_match_float64_loops_every_isa(batch, act):
    """The float32 SIMD kernels of every ISA against the plain float64 loops (sparse_impl.h), over SGD steps.

    The batch sizes cover each weight-gradient path: the dz slice in registers with and without a tail of
    fewer than one vector, and the long-batch loop (more vectors than the slice holds, for every ISA at 300);
    fan-ins 12 and 25 leave partial groups of connections. The first layer's activation is one whose derivative
    the second layer's input gradient applies on its stores (the float64 path applies it as a separate pass).
    """
    rng = np.random.default_rng(batch)
    X = rng.normal(size=(2 * batch, 60))
    y = rng.integers(0, 3, 2 * batch)

    def build(dtype):
        return fn.Network([fn.Sparse(60, 40, density=0.2, activation=act),
                           fn.Sparse(40, 30, density=25 / 40, activation="tanh"),
                           fn.Sparse(30, 3, density=0.5, activation="softmax")], seed=3, dtype=dtype)

    ref = build("float64")
    ref.fit(X, y, epochs=2, batch_size=batch, lr=0.05, momentum=0.9, weight_decay=1e-3, shuffle=False, verbose=0)
    before = fn.get_isa()
    try:
        for isa in fn.available_isas():
            fn.set_isa(isa)
            net = build("float32")
            net.fit(X, y, epochs=2, batch_size=batch, lr=0.05, momentum=0.9, weight_decay=1e-3, shuffle=False,
                    verbose=0)
            for L, R in zip(net.layers, ref.layers):
                np.testing.assert_allclose(L.weights, R.weights, rtol=2e-4, atol=2e-5, err_msg=isa)
                np.testing.assert_allclose(L.bias, R.bias, rtol=2e-4, atol=2e-5, err_msg=isa)
            g32, g64 = net.gradients(X[:batch], y[:batch]), ref.gradients(X[:batch], y[:batch])
            for a, b in zip(g32, g64):
                np.testing.assert_allclose(a["weights"], b["weights"], rtol=1e-3, atol=1e-5, err_msg=isa)
    finally:
        fn.set_isa(before)


def test_rewire_errors():
    net = fn.Network([fn.Sparse(10, 5, density=0.5), fn.Dense(5, 2)], seed=0)
    with pytest.raises(TypeError, match="dense"):
        net.layers[1].rewire(0.1)
    with pytest.raises(ValueError, match="zeta"):
        net.layers[0].rewire(1.5)
    with pytest.raises(TypeError, match="SET"):
        net.fit(np.ones((4, 10)), [0, 1, 0, 1], epochs=1, verbose=0, rewire=0.3)
