"""Every float32 kernel path this CPU supports (generic, avx2, avx512) against the float64 reference."""

import numpy as np
import pytest

import fastnet as fn
from fastnet import _core

ISAS = fn.available_isas()
# shapes straddling the register tiles, the small-batch path (B <= 8) and the packing blocks (K > 256, N > 512)
SHAPES = [(1, 1, 1), (1, 784, 30), (3, 17, 5), (8, 33, 65), (9, 31, 7), (13, 300, 129), (64, 784, 256),
          (130, 257, 600), (37, 1030, 19)]


@pytest.fixture(params=ISAS)
def isa(request):
    before = fn.get_isa()
    fn.set_isa(request.param)
    yield request.param
    fn.set_isa(before)


def test_generic_always_available():
    assert "generic" in ISAS
    assert fn.get_isa() in ISAS


def test_unknown_isa_rejected():
    with pytest.raises(ValueError, match="not available"):
        fn.set_isa("sse9")


@pytest.mark.parametrize("B,I,O", SHAPES)
def test_dense_kernels_match_reference(isa, B, I, O):
    rng = np.random.default_rng(B * 1000 + I + O)
    x = rng.normal(size=(B, I)).astype(np.float32)
    w = rng.normal(size=(O, I)).astype(np.float32)
    b = rng.normal(size=O).astype(np.float32)
    dy = rng.normal(size=(B, O)).astype(np.float32)
    x64, w64, dy64 = x.astype(np.float64), w.astype(np.float64), dy.astype(np.float64)
    tol = dict(rtol=1e-4, atol=1e-4 * np.sqrt(max(I, O, B)))
    np.testing.assert_allclose(_core.kernels.dense_forward(x, w, b), x64 @ w64.T + b, **tol)
    np.testing.assert_allclose(_core.kernels.dense_backward_input(dy, w), dy64 @ w64, **tol)
    dw, db = _core.kernels.dense_backward_weight(dy, x)
    np.testing.assert_allclose(dw, dy64.T @ x64, **tol)
    np.testing.assert_allclose(db, dy64.sum(axis=0), **tol)


def test_kernels_thread_count_invariant(isa):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 784)).astype(np.float32)
    w = rng.normal(size=(300, 784)).astype(np.float32)
    b = np.zeros(300, np.float32)
    before = fn.get_num_threads()
    try:
        fn.set_num_threads(1)
        one = _core.kernels.dense_forward(x, w, b)
        fn.set_num_threads(2)
        two = _core.kernels.dense_forward(x, w, b)
    finally:
        fn.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


def test_training_agrees_across_isas():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(256, 50)).astype(np.float32)
    y = rng.integers(0, 4, 256)
    outs = {}
    before = fn.get_isa()
    try:
        for name in ISAS:
            fn.set_isa(name)
            net = fn.Network([50, 40, 4], seed=0)
            net.fit(X, y, epochs=2, batch_size=16, lr=0.05, momentum=0.9, verbose=0)
            outs[name] = net.predict(X)
    finally:
        fn.set_isa(before)
    for name, P in outs.items():
        np.testing.assert_allclose(P, outs["generic"], rtol=1e-3, atol=1e-4, err_msg=name)
