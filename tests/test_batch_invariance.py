"""Batch invariance: a sample's outputs are bit-identical whatever batch it is evaluated in (its size, the
sample's position in it), for float32 and float64, dense and sparse layers, every activation, every kernel ISA
of this machine, any thread count, cascade networks and the scikit-learn wrappers (README, "Reproducibility";
docs/architecture.md says how the kernels keep it)."""

import warnings

import numpy as np
import pytest

import fastnet as fn
from fastnet.layers import ACTIVATIONS

ISAS = fn.available_isas()
# batch sizes at the kernels' edges: 1 and the old small-batch limit 8 (9 took the blocked GEMM), the dense
# tile's 3 rows, the 48-row work chunk, a thread split of odd sizes; and starts that shift a sample's position
STARTS_SIZES = [(0, 1), (5, 1), (0, 2), (1, 3), (3, 7), (0, 8), (2, 9), (7, 16), (4, 24), (1, 25), (0, 47),
                (6, 48), (11, 49), (9, 97), (40, 160)]


@pytest.fixture(autouse=True)
def _restore_isa_and_threads():
    isa, threads = fn.get_isa(), fn.get_num_threads()
    yield
    fn.set_isa(isa)
    fn.set_num_threads(threads)


def assert_batch_invariant(predict, X):
    """Every batch of STARTS_SIZES, and each sample alone, gives the rows of the whole-X prediction bit for bit."""
    full = predict(X)
    assert full.shape[0] == len(X)
    for s, b in STARTS_SIZES:
        part = predict(X[s:s + b])
        assert np.array_equal(part, full[s:s + b]), f"batch X[{s}:{s + b}] differs from the same rows of predict(X)"
    singles = np.concatenate([predict(X[i:i + 1]) for i in range(0, len(X), 17)])
    assert np.array_equal(singles, full[::17]), "samples predicted one at a time differ from predict(X)"


def data(n, d, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal((n, d)).astype(dtype)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("sizes", [[784, 300, 10], [300, 37, 13], [20, 7, 3], [33, 64, 48, 1]],
                         ids=lambda s: "-".join(map(str, s)))
def test_dense_every_isa(isa, sizes):
    # 784 and 300 inputs: deeper than one 256-deep GEMM slice; 37, 33, 20, 7: products left over after the
    # last whole vector (16, 8 or 4 lanes); 13, 7, 3, 1 outputs: partial 8-neuron blocks
    fn.set_isa(isa)
    fn.set_num_threads(1)
    net = fn.Network(sizes, activation="relu", output="softmax" if sizes[-1] > 1 else "sigmoid", seed=3)
    assert_batch_invariant(net.predict, data(220, sizes[0]))
    assert_batch_invariant(net.predict_classes, data(220, sizes[0], seed=1))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation(activation):
    out = "softmax" if activation == "softmax" else activation
    hidden = "tanh" if activation == "softmax" else activation
    layers = [fn.Dense(41, 19, hidden), fn.Sparse(19, 11, density=0.4, activation=hidden), fn.Dense(11, 5, out)]
    X = data(200, 41, seed=2)
    for dtype in ("float32", "float64"):
        net = fn.Network(layers, seed=4, dtype=dtype)
        assert_batch_invariant(net.predict, X.astype(dtype))


@pytest.mark.parametrize("isa", ISAS)
def test_sparse_every_isa(isa):
    # density 1 and 0.9 give rows of ~60 connections (vector reductions at batch 1 before); 0.05 a few
    fn.set_isa(isa)
    net = fn.Network([fn.Sparse(67, 40, density=0.9, activation="relu"),
                      fn.Sparse(40, 30, density=0.05, activation="leaky_relu"),
                      fn.Sparse(30, 9, density=1.0, activation="softmax")], seed=5)
    assert_batch_invariant(net.predict, data(220, 67, seed=3))


@pytest.mark.parametrize("threads", [1, 2, 3, 64])
def test_any_thread_count(threads):
    # big enough that the kernels split the work across threads (and 64: more threads than work items)
    fn.set_num_threads(threads)
    net = fn.Network([fn.Dense(300, 512, "relu"), fn.Sparse(512, 64, density=0.5, activation="relu"),
                      fn.Dense(64, 10, "softmax")], seed=6)
    X = data(220, 300, seed=4)
    assert_batch_invariant(net.predict, X)
    fn.set_num_threads(1)
    one_thread = net.predict(X)
    fn.set_num_threads(threads)
    assert np.array_equal(net.predict(X), one_thread)


def _at_offset(a, offset_bytes):
    """A copy of a whose data starts offset_bytes past a 64-byte boundary."""
    buf = np.empty(a.size + 32, np.float32)
    start = (-buf.ctypes.data % 64 + offset_bytes) // 4
    out = buf[start:start + a.size].reshape(a.shape)
    out[...] = a
    assert out.ctypes.data % 64 == offset_bytes
    return out


@pytest.mark.parametrize("isa", ISAS)
def test_forward_does_not_depend_on_alignment(isa):
    # the forward kernel copies misaligned inputs (and, with AVX-512, weight blocks) into aligned rows first
    # (dense_simd.inc, "Aligned rows"): outputs must be the same bits wherever the operands lie, whichever
    # path (batch 1-8, the split of blocks or of rows between threads) and whether I fills whole vectors
    from fastnet._core import kernels as K
    fn.set_isa(isa)
    rng = np.random.default_rng(7)
    # the last two: past the copies' memory bounds (weight blocks of more than 8192 inputs; 16 MB of inputs)
    for B, I, O in [(1, 300, 70), (3, 1024, 80), (5, 64, 17), (7, 37, 64), (50, 784, 24), (130, 300, 65), (200, 96, 9),
                    (8, 8200, 64), (1100, 3900, 64)]:
        X = rng.standard_normal((B, I)).astype(np.float32)
        W = rng.standard_normal((O, I)).astype(np.float32)
        b = rng.standard_normal(O).astype(np.float32)
        ref64 = X.astype(np.float64) @ W.T.astype(np.float64) + b
        fn.set_num_threads(1)
        want = K.dense_forward(_at_offset(X, 0), _at_offset(W, 0), b)
        np.testing.assert_allclose(want, ref64, rtol=1e-4, atol=1e-4 * np.sqrt(I))
        for threads in (1, 2, 3, 64):  # 64: more threads than rows or blocks to share
            fn.set_num_threads(threads)
            for xo, wo in [(0, 0), (16, 0), (0, 16), (4, 52), (32, 32), (48, 8)]:
                got = K.dense_forward(_at_offset(X, xo), _at_offset(W, wo), b)
                assert np.array_equal(got, want), f"{isa} B={B} I={I} O={O} {threads}T x+{xo} w+{wo}"


def test_after_training_and_weight_changes():
    # no cached copy of the weights anywhere: invariance holds after fit, after set_weights-style assignment
    rng = np.random.default_rng(7)
    X = data(300, 30, seed=5)
    y = rng.integers(0, 4, 300)
    net = fn.Network([30, 25, 4], seed=7)
    net.fit(X, y, epochs=2, batch_size=32, lr=0.05, verbose=0)
    assert_batch_invariant(net.predict, X)
    net.layers[0].weights = net.layers[0].weights * np.float32(1.5)
    assert_batch_invariant(net.predict, X)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_predict_in_chunks_is_one_call(dtype):
    net = fn.Network([fn.Dense(90, 70, "tanh"), fn.Sparse(70, 20, density=0.3, activation="relu"),
                      fn.Dense(20, 6, "softmax")], seed=9, dtype=dtype)
    X = data(301, 90, seed=7, dtype=dtype)
    whole = net.predict(X)
    for bs in (1, 8, 9, 48, 100):
        assert np.array_equal(net.predict(X, batch_size=bs), whole)


def test_evaluate_uses_the_same_outputs():
    # evaluate's mean loss over a batch is computed from the batch's outputs: those are predict's, bit for bit,
    # so evaluating each half and the whole agree with numpy's loss of the predictions
    X = data(120, 50, seed=6)
    y = np.random.default_rng(8).integers(0, 3, 120)
    net = fn.Network([50, 20, 3], activation="relu", output="softmax", loss="cross_entropy", seed=8)
    P = net.predict(X)
    for s, b in [(0, 1), (3, 9), (0, 120)]:
        got = net.evaluate(X[s:s + b], y[s:s + b])
        assert got["accuracy"] == pytest.approx(float(np.mean(np.argmax(P[s:s + b], 1) == y[s:s + b])))
        want = -np.mean(np.log(P[s:s + b][np.arange(b), y[s:s + b]].astype(np.float64)))
        assert got["loss"] == pytest.approx(want, rel=1e-5)


def test_cascade_network():
    rng = np.random.default_rng(9)
    X = rng.uniform(-1, 1, (200, 6)).astype(np.float32)
    Y = (np.sin(X[:, :2] * 3) > 0).astype(np.float32)
    net = fn.cascade_train(X, Y, max_neurons=3, seed=1, max_cand_epochs=20, max_out_epochs=20)
    assert net.num_hidden >= 1
    assert_batch_invariant(net.predict, X)


# ---- scikit-learn's own invariance checks, on float32 as well as float64 input ---------------------------------
def _float32_pipeline(est):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    # the wrappers train and predict a float32 Network for float32 input
    return make_pipeline(FunctionTransformer(np.float32, check_inverse=False), est)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sklearn_invariance_checks(kind, dtype):
    pytest.importorskip("sklearn", reason="scikit-learn is optional")
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.estimator_checks import check_methods_sample_order_invariance, check_methods_subset_invariance

    from fastnet.sklearn import MLPClassifier, MLPRegressor

    cls = MLPClassifier if kind == "classifier" else MLPRegressor
    est = cls(hidden_layer_sizes=(37, 11), max_iter=20, random_state=0)
    if dtype == "float32":
        est = _float32_pipeline(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 20 iterations: enough to be non-trivial
        check_methods_subset_invariance(type(est).__name__, est)
        check_methods_sample_order_invariance(type(est).__name__, est)


def test_sklearn_float32_predict_proba():
    pytest.importorskip("sklearn", reason="scikit-learn is optional")
    from sklearn.exceptions import ConvergenceWarning

    from fastnet.sklearn import MLPClassifier

    X = data(250, 23, seed=10)
    y = np.random.default_rng(11).integers(0, 3, 250)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(40,), max_iter=15, random_state=0).fit(X, y)
    assert clf.predict_proba(X).dtype == np.float32  # the float32 network, not a float64 copy
    assert_batch_invariant(clf.predict_proba, X)
    assert_batch_invariant(clf.predict, X)
