"""Config 2: the textbook recipe — batch 10, 784-30-10 sigmoid, MSE, lr 3.0, no momentum.

compare.py reports seconds per 50,000-sample epoch; here each round is one pass over a prefix (extra_info holds
the extrapolated seconds per epoch). scikit-learn's MLPClassifier has no MSE loss: it trains softmax+log-loss.
"""

import pytest

import peers as P

SPEC = P.Spec((784, 30, 10), "sigmoid", "sigmoid", "mse", lr=3.0, momentum=0.0, batch_size=10)
SAMPLES = {"fastnet": 5_000, "torch": 5_000, "numpy": 5_000, "sklearn": 5_000}  # same n: times compare


@pytest.mark.benchmark(group="2-textbook-b10")
@pytest.mark.parametrize("impl", list(SAMPLES))
def test_textbook(impl, mnist, threads, make_trainer, train_bench):
    X, y = mnist[0], mnist[1]
    trainer = make_trainer(impl, SPEC.with_(threads=threads))
    n = SAMPLES[impl]
    bench = train_bench(trainer, X[:n], y[:n], rounds=3, warmup=40)
    bench.extra_info["seconds_per_50k_epoch"] = 50_000 / bench.extra_info["samples_per_s"]
