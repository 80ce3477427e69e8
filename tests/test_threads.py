"""Correct at any thread count: predict, gradients, fit and Cascade2 at 1, 3, 7, 33, 64 and 256 threads give
bit-for-bit the results of one thread, on every ISA, on shapes on both sides of every kernel's thresholds.

What these catch: a per-thread buffer sized for fewer threads than a region runs (the packing slice of the
blocked GEMM overflowed when a matrix dimension lay between MC + 1 and MR x threads - 1: a crash or heap
corruption at 33+ threads), a split of work that changes a sum's order with the thread count, and a thread
count that is not process-wide (a fit in a worker thread ignoring set_num_threads).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any, Callable, Dict, Iterator, List

import numpy as np
import pytest

import fastnet as fn

THREADS = [3, 7, 33, 64, 256]


@pytest.fixture(autouse=True)
def _restore_threads_and_isa() -> Iterator[None]:
    threads, isa = fn.get_num_threads(), fn.get_isa()
    yield
    fn.set_num_threads(threads)
    fn.set_isa(isa)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# Batch sizes around the small-batch path (<= 8 rows), the GEMM's MC (6 x 32 = 192 rows on AVX-512, 4 x 32 = 128
# on the generic path) and MR x threads; widths around NR and the packing widths (KC = 256, NC = 512).
CASES: Dict[str, Callable[[], fn.Network]] = {
    "mnist": lambda: fn.Network([784, 256, 10], seed=1),
    "wide": lambda: fn.Network([300, 520, 200, 7], activation="tanh", seed=2),
    "sparse": lambda: fn.Network([fn.Sparse(200, 300, density=0.1, activation="relu"),
                                  fn.Dense(300, 5, "softmax")], seed=3),
    "float64": lambda: fn.Network([50, 194, 3], seed=4, dtype="float64"),
}
BATCHES = [1, 9, 129, 193, 300, 500]


def _outputs(make: Callable[[], fn.Network], B: int) -> List[np.ndarray]:
    net = make()
    X = _rng(B).random((B, net.num_inputs)).astype(net.dtype)
    y = _rng(B + 1).integers(0, net.num_outputs, size=B)
    out = [net.predict(X)]
    out += [g[k] for g in net.gradients(X, y) for k in ("weights", "bias")]
    return out


@pytest.mark.parametrize("isa", fn.available_isas())
@pytest.mark.parametrize("case", sorted(CASES))
def test_predict_and_gradients_identical_at_any_thread_count(isa: str, case: str) -> None:
    """Fails if predict or gradients at 3..256 threads differ in any bit from one thread (or crash)."""
    fn.set_isa(isa)
    for B in BATCHES:
        fn.set_num_threads(1)
        want = _outputs(CASES[case], B)
        for t in THREADS:
            fn.set_num_threads(t)
            got = _outputs(CASES[case], B)
            for w, g in zip(want, got):
                assert np.array_equal(w, g), f"{case}, batch {B}, {t} threads, {isa}"


def _fit_weights(make: Callable[[], fn.Network], batch_size: int) -> List[np.ndarray]:
    net = make()
    X = _rng(5).random((600, net.num_inputs)).astype(net.dtype)
    y = _rng(6).integers(0, net.num_outputs, size=600)
    net.fit(X, y, epochs=1, batch_size=batch_size, lr=0.05, momentum=0.9, verbose=0)
    return [p for layer in net.layers for p in (layer.weights, layer.bias)]


@pytest.mark.parametrize("isa", fn.available_isas())
@pytest.mark.parametrize("case", ["mnist", "sparse", "float64"])
def test_fit_identical_at_any_thread_count(isa: str, case: str) -> None:
    """Fails if one epoch of shuffled SGD with momentum ends on different weights at 3..256 threads than at one."""
    fn.set_isa(isa)
    for batch in (200, 300):
        fn.set_num_threads(1)
        want = _fit_weights(CASES[case], batch)
        for t in THREADS:
            fn.set_num_threads(t)
            for w, g in zip(want, _fit_weights(CASES[case], batch)):
                assert np.array_equal(w, g), f"{case}, batch {batch}, {t} threads, {isa}"


def test_cascade_identical_at_any_thread_count() -> None:
    """Fails if Cascade2 (candidates trained in parallel) grows a different network at many threads."""
    X = _rng(7).random((3000, 6)).astype(np.float32)
    Y = (np.sin(X.sum(axis=1, keepdims=True) * 2) > 0).astype(np.float32)
    results: List[Any] = []
    for t in (1, 64):
        fn.set_num_threads(t)
        net = fn.cascade_train(X, Y, max_neurons=2, max_out_epochs=20, max_cand_epochs=20, seed=1, verbose=0)
        results.append((net.predict(X), net.num_hidden))
    assert results[0][1] == results[1][1] and np.array_equal(results[0][0], results[1][0])


@pytest.mark.parametrize("bad", [0, -1, fn._core.MAX_THREADS + 1, 2**31 - 1, 2**64])
def test_set_num_threads_rejects_out_of_range(bad: int) -> None:
    """Fails if a thread count outside 1..MAX_THREADS is accepted (2**31-1 used to crash the next predict)."""
    before = fn.get_num_threads()
    with pytest.raises(ValueError, match="between 1 and"):
        fn.set_num_threads(bad)
    assert fn.get_num_threads() == before


@pytest.mark.parametrize("bad", [2.0, "4", True, None])
def test_set_num_threads_rejects_non_integers(bad: Any) -> None:
    with pytest.raises(TypeError, match="integer"):
        fn.set_num_threads(bad)


def test_thread_count_is_process_wide() -> None:
    """Fails if set_num_threads applies only to the calling Python thread (OpenMP's own setting does)."""
    fn.set_num_threads(3)
    seen: List[int] = []
    worker = threading.Thread(target=lambda: seen.append(fn.get_num_threads()))
    worker.start()
    worker.join()
    assert seen == [3]


@pytest.mark.parametrize("env_threads, set_threads", [("64", None), ("2", 1000)])
def test_many_threads_from_the_environment_and_at_exit(env_threads: str, set_threads: Any, tmp_path: Any) -> None:
    """The audit's reproductions, in a fresh process: OMP_NUM_THREADS=64 then a 300 x 784 predict and a fit
    crashed (segfault / heap corruption), and 1000 threads aborted at exit with a double free."""
    code = (
        "import numpy as np, fastnet as fn\n"
        + (f"fn.set_num_threads({set_threads})\n" if set_threads else "")
        + "net = fn.Network([784, 256, 10])\n"
        "X = np.random.rand(300, 784).astype(np.float32)\n"
        "net.predict(X)\n"
        "net.fit(X, np.arange(300) % 10, epochs=1, batch_size=256, verbose=0)\n"
        "print(fn.get_num_threads())\n"
    )
    env = dict(os.environ, OMP_NUM_THREADS=env_threads)
    # (in tmp_path: from the repository root, "-c" would import the source tree, not the installed package)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == [str(set_threads or env_threads)]
