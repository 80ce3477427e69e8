"""Config 3: batch 128, 784-256-10 relu/softmax cross-entropy, SGD lr 0.1 momentum 0.9, at 1 and N threads."""

import pytest

import peers as P

SPEC = P.Spec((784, 256, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9, batch_size=128)
SAMPLES = {"fastnet": 5_000, "torch": 5_000, "numpy": 5_000, "sklearn": 5_000}  # same n: times compare


@pytest.mark.benchmark(group="3-batch128")
@pytest.mark.parametrize("impl", list(SAMPLES))
@pytest.mark.parametrize("nthreads", ["1", "N"])
def test_batch128(impl, nthreads, mnist, threads, make_trainer, train_bench):
    X, y = mnist[0], mnist[1]
    th = 1 if nthreads == "1" else threads
    trainer = make_trainer(impl, SPEC.with_(threads=th))
    n = SAMPLES[impl]
    bench = train_bench(trainer, X[:n], y[:n], rounds=3, warmup=512)
    bench.extra_info["threads"] = th
