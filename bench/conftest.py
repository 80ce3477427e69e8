"""Shared fixtures for the pytest-benchmark files in bench/ (``pytest bench/ --benchmark-only``).

The files are named ``bench_*.py`` so that the normal test run (``pytest``, testpaths = ["tests"]) never collects
them; the hook below collects them when bench/ is given on the command line. Each benchmark is short (a prefix
of MNIST, a few pedantic rounds); ``python bench/compare.py`` is the full comparison with ratios and targets.

Environment knobs: BENCH_THREADS (default 2) — the thread count for fastnet and every peer.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers as P  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
IMPORT_NAMES = {"torch": "torch", "sklearn": "sklearn"}


def pytest_collect_file(file_path, parent):
    # a file named on the command line is collected by pytest itself; collect the others under bench/ here
    if (file_path.suffix == ".py" and file_path.name.startswith("bench_")
            and not parent.session.isinitpath(file_path)):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def mnist():
    """(X_train, y_train int32, X_test, y_test int32), loaded once per session."""
    return P.mnist()


@pytest.fixture(scope="session")
def threads() -> int:
    return THREADS


@pytest.fixture
def make_trainer() -> Callable:
    """make_trainer(name, spec, **kw): the trainer, or a skip naming why the peer is unavailable."""
    def make(name: str, spec: P.Spec, **kw):
        if name in IMPORT_NAMES:
            pytest.importorskip(IMPORT_NAMES[name], reason=f"{name} is not installed")
        try:
            return P.make(name, spec, **kw)
        except P.Unavailable as exc:
            pytest.skip(str(exc))
    return make


def run_training(benchmark, trainer, X: np.ndarray, y: np.ndarray, rounds: int = 3, warmup: int = 0) -> None:
    """Time ``trainer.train(X, y)`` with pedantic rounds; record samples/s in the benchmark's extra_info."""
    trainer.activate()
    if warmup:
        trainer.train(X[:warmup], y[:warmup])
    benchmark.pedantic(trainer.train, args=(X, y), rounds=rounds, iterations=1)
    best = benchmark.stats.stats.min
    benchmark.extra_info.update({"samples": int(len(X)), "samples_per_s": len(X) / best,
                                 "spec": trainer.spec.describe()})


@pytest.fixture
def train_bench(benchmark) -> Callable:
    """train_bench(trainer, X, y, rounds=3, warmup=0) — see run_training."""
    def run(trainer, X, y, rounds: int = 3, warmup: int = 0):
        run_training(benchmark, trainer, X, y, rounds=rounds, warmup=warmup)
        return benchmark
    return run
