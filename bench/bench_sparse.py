"""Config 7: sparse layers. 784-1000-1000-10 relu/softmax with every layer ``fn.Sparse`` at density 1%, 5%, 10%,
20% and 100%, SGD lr 0.01 momentum 0.9, batch 128 and batch 1 — samples/s, and connection updates/s (samples/s x
connections) for fastnet Sparse and FANN.

Peers: fastnet Dense of the same shape (the dense baseline; its cost does not depend on the density), PyTorch
dense weights times a fixed 0/1 mask in forward (the same topology as fastnet's) with the ordinary SGD momentum
loop, and FANN 2.2 ``fann_create_sparse_array`` (sigmoid, MSE, incremental ``fann_train_epoch``, no momentum:
its fastest mode; batch 1 only, FANN cannot batch; its sparse training does not learn, only its speed counts).
``python bench/compare.py --only 7`` runs the same measurements with ratios and targets.
"""

import pytest

import peers as P

SIZES = (784, 1000, 1000, 10)
SPEC = P.SparseSpec(SIZES, "relu", "softmax", "cross_entropy", lr=0.01, momentum=0.9)
DENSITIES = (0.01, 0.05, 0.10, 0.20, 1.0)
# samples per timed round, the same for every implementation of a group (batch, density) so that its times
# compare (batch-128 counts are whole batches); PyTorch's masked cost is the dense one at every density, so the
# batch-1 counts are kept small for it
N_B128 = {0.01: 4096, 0.05: 4096, 0.10: 2048, 0.20: 2048, 1.0: 1024}
N_B1 = {0.01: 500, 0.05: 400, 0.10: 300, 0.20: 200, 1.0: 100}
SAMPLES = {("fastnet_sparse", 128): N_B128, ("torch_masked", 128): N_B128,
           ("fastnet_sparse", 1): N_B1, ("torch_masked", 1): N_B1, ("fann_sparse", 1): N_B1}
DENSE_SAMPLES = {128: 2048, 1: 200}


def _record(bench, trainer, density) -> None:
    bench.extra_info["density"] = density
    bench.extra_info["threads"] = trainer.spec.threads
    c = getattr(trainer, "connections", None)
    if c:
        bench.extra_info["connections"] = int(c)
        bench.extra_info["connection_updates_per_s"] = bench.extra_info["samples_per_s"] * c


@pytest.mark.parametrize("density", DENSITIES, ids=[f"d{d:g}" for d in DENSITIES])
@pytest.mark.parametrize("impl,batch", list(SAMPLES), ids=[f"{i}-b{b}" for i, b in SAMPLES])
def test_sparse(impl, batch, density, mnist, threads, make_trainer, train_bench, benchmark):
    benchmark.group = f"7-sparse-b{batch}-d{density:g}"
    X, y = mnist[0], mnist[1]
    spec = SPEC.with_(density=density, batch_size=batch, threads=threads)
    if impl == "fann_sparse":
        spec = spec.with_(momentum=0.0)   # FANN's fastest incremental mode (with momentum it slows as it trains)
    trainer = make_trainer(impl, spec)
    n = SAMPLES[(impl, batch)][density]
    bench = train_bench(trainer, X[:n], y[:n], rounds=3, warmup=2 * batch if batch > 1 else 20)
    _record(bench, trainer, density)


@pytest.mark.parametrize("batch", [128, 1], ids=["b128", "b1"])
def test_dense_baseline(batch, mnist, threads, make_trainer, train_bench, benchmark):
    """fastnet Dense 784-1000-1000-10, the same recipe: the baseline the sparse layers are compared with."""
    benchmark.group = f"7-dense-baseline-b{batch}"
    X, y = mnist[0], mnist[1]
    trainer = make_trainer("fastnet", P.Spec(SIZES, "relu", "softmax", "cross_entropy", lr=0.01, momentum=0.9,
                                             batch_size=batch, threads=threads))
    n = DENSE_SAMPLES[batch]
    bench = train_bench(trainer, X[:n], y[:n], rounds=3, warmup=2 * batch if batch > 1 else 20)
    _record(bench, trainer, 1.0)
