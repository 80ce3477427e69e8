"""Config 5: single-sample inference latency, 784-128-10 sigmoid (fastnet predict on a (1, 784) array, torch
forward inside inference_mode, FANN fann_run through ctypes, numpy)."""

import contextlib

import numpy as np
import pytest

import peers as P

SPEC = P.Spec((784, 128, 10), "sigmoid", "sigmoid", "mse")


@pytest.mark.benchmark(group="5-latency-b1")
@pytest.mark.parametrize("impl", ["fastnet", "torch", "fann", "numpy"])
def test_latency(impl, mnist, threads, make_trainer, benchmark):
    trainer = make_trainer(impl, SPEC.with_(threads=threads))
    trainer.activate()
    x = np.ascontiguousarray(mnist[2][:1])
    ctx = contextlib.nullcontext()
    arg = x
    if impl == "torch":
        torch = trainer.torch
        trainer.model.eval()
        ctx, arg = torch.inference_mode(), torch.from_numpy(x)
    elif impl == "fann":
        arg = x.ctypes.data
    with ctx:
        benchmark.pedantic(trainer.predict_one, args=(arg,), rounds=2000, iterations=1, warmup_rounds=200)
    benchmark.extra_info["median_us"] = benchmark.stats.stats.median * 1e6
