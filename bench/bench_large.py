"""Config 4: batch 1024, 784-1024-1024-10 relu/softmax — training throughput and GFLOP/s (6 x weights per
sample), fastnet at 1 and N threads, and numpy's float32 matmul at N threads for reference."""

import numpy as np
import pytest

import peers as P

SPEC = P.Spec((784, 1024, 1024, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9, batch_size=1024)
FLOPS_PER_SAMPLE = 6 * SPEC.num_weights
BATCHES = 2


@pytest.mark.benchmark(group="4-large-b1024")
@pytest.mark.parametrize("impl,nthreads", [("fastnet", "N"), ("fastnet", "1"), ("torch", "N"), ("numpy", "N")])
def test_large(impl, nthreads, mnist, threads, make_trainer, train_bench):
    X, y = mnist[0], mnist[1]
    th = 1 if nthreads == "1" else threads
    trainer = make_trainer(impl, SPEC.with_(threads=th))
    n = BATCHES * SPEC.batch_size
    bench = train_bench(trainer, X[:n], y[:n], rounds=2, warmup=SPEC.batch_size)
    bench.extra_info["threads"] = th
    bench.extra_info["gflops"] = bench.extra_info["samples_per_s"] * FLOPS_PER_SAMPLE / 1e9


@pytest.mark.benchmark(group="4-numpy-matmul")
@pytest.mark.parametrize("m,k,n", [(1024, 1024, 1024), (1024, 784, 1024)])
def test_numpy_matmul(m, k, n, threads, benchmark):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, k), dtype=np.float32)
    B = rng.standard_normal((k, n), dtype=np.float32)
    C = np.empty((m, n), np.float32)
    lim = P.blas_limits(threads)
    try:
        benchmark.pedantic(np.matmul, args=(A, B), kwargs={"out": C}, rounds=10, iterations=1, warmup_rounds=1)
    finally:
        if lim is not None:
            lim.restore_original_limits()
    benchmark.extra_info.update({"gflops": 2.0 * m * k * n / benchmark.stats.stats.min / 1e9,
                                 "blas": P.blas_info()})
