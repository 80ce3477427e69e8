"""Config 1: online learning (batch 1), 784-30-10 sigmoid/sigmoid, MSE, SGD lr 0.1 momentum 0.9."""

import pytest

import peers as P

SPEC = P.Spec((784, 30, 10), "sigmoid", "sigmoid", "mse", lr=0.1, momentum=0.9, batch_size=1)
SAMPLES = {"fastnet": 2_000, "torch": 2_000, "fann": 2_000, "fann_ctypes": 2_000}  # same n: times compare


@pytest.mark.benchmark(group="1-online-b1")
@pytest.mark.parametrize("impl", ["fastnet", "torch", "fann", "fann_ctypes"])
def test_online(impl, mnist, threads, make_trainer, train_bench):
    X, y = mnist[0], mnist[1]
    kw = {"per_sample_ctypes": True} if impl == "fann_ctypes" else {}
    trainer = make_trainer(impl.split("_")[0], SPEC.with_(threads=threads), **kw)
    n = SAMPLES[impl]
    train_bench(trainer, X[:n], y[:n], rounds=3, warmup=100)


@pytest.mark.benchmark(group="1-online-b1-lr0.7-no-momentum")
@pytest.mark.parametrize("impl", ["fastnet", "fann"])
def test_online_fastest_fann_mode(impl, mnist, threads, make_trainer, train_bench):
    """FANN's fastest incremental mode (lr 0.7, no momentum), and fastnet with the same settings."""
    X, y = mnist[0], mnist[1]
    trainer = make_trainer(impl, SPEC.with_(lr=0.7, momentum=0.0, threads=threads))
    n = SAMPLES[impl]
    train_bench(trainer, X[:n], y[:n], rounds=3, warmup=100)
