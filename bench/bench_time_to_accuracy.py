"""Config 6: time to 98.0% MNIST test accuracy with recipe 3 (784-256-10 relu/softmax, lr 0.1, momentum 0.9,
batch 128; 60,000 training images, test on 10,000 after each epoch, at most 15 epochs).

The benchmark's time includes the per-epoch evaluations; extra_info["train_seconds"] is the training time
alone (what compare.py reports). One round each: this is the longest benchmark (seconds, not minutes).
"""

import pytest

import peers as P

SPEC = P.Spec((784, 256, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9, batch_size=128)
TARGET, MAX_EPOCHS = 0.98, 15


@pytest.mark.benchmark(group="6-time-to-98")
@pytest.mark.parametrize("impl", ["fastnet", "torch"])
def test_time_to_accuracy(impl, mnist, threads, make_trainer, benchmark):
    Xtr, ytr, Xte, yte = mnist
    trainer = make_trainer(impl, SPEC.with_(threads=threads))
    result = benchmark.pedantic(P.time_to_accuracy, args=(trainer, Xtr, ytr, Xte, yte, TARGET, MAX_EPOCHS),
                                rounds=1, iterations=1)
    benchmark.extra_info.update({"train_seconds": result["seconds"], "epochs": result["epochs"],
                                 "reached": result["reached"], "accuracies": result["accuracies"]})
