"""Every float32 kernel path this CPU supports (generic, avx2, avx512) against the float64 reference."""

import os
import subprocess
import sys

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


# FASTNET_ISA is read once, at import: each path forced in a fresh interpreter (as a user on a machine without
# AVX-512 or AVX2 would get it) trains and predicts like the others; an unusable name falls back with a message.
_ISA_SCRIPT = """
import numpy as np, fastnet as fn
rng = np.random.default_rng(5)
X = rng.normal(size=(128, 20)).astype(np.float32)
y = rng.integers(0, 3, 128)
net = fn.Network([20, 16, 3], seed=0)
net.fit(X, y, epochs=2, batch_size=8, lr=0.05, momentum=0.9, verbose=0)
np.save(OUT, net.predict(X))
print(fn.get_isa())
"""


def _run_with_isa(value, tmp_path):
    out = tmp_path / f"{value or 'default'}.npy"
    env = dict(os.environ, FASTNET_ISA=value)
    proc = subprocess.run([sys.executable, "-c", f"OUT = {str(out)!r}\n" + _ISA_SCRIPT], capture_output=True,
                          text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip(), proc.stderr, np.load(out)


@pytest.mark.parametrize("name", ISAS)
def test_fastnet_isa_environment_forces_each_path(name, tmp_path):
    used, err, P = _run_with_isa(name, tmp_path)
    assert used == name and "not available" not in err
    _, _, generic = _run_with_isa("generic", tmp_path) if name != "generic" else (None, None, P)
    np.testing.assert_allclose(P, generic, rtol=1e-3, atol=1e-4)


def test_fastnet_isa_unusable_value_falls_back(tmp_path):
    used, err, _ = _run_with_isa("sse9", tmp_path)
    assert used == ISAS[0]
    assert "FASTNET_ISA=sse9 is not available on this CPU" in err
