from pathlib import Path

import numpy as np
import pytest

import fastnet as fn

REPO = Path(__file__).resolve().parent.parent
MNIST = REPO / "data" / "mnist"
FANN_DATA = REPO.parent / "shared" / "data" / "fann"


@pytest.fixture(scope="session")
def mnist():
    return fn.datasets.load_mnist(MNIST)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def fann_file(name: str) -> Path:
    p = FANN_DATA / name
    if not p.exists():
        pytest.skip(f"FANN data set {name} not found at {p} (it lives in ../shared/data/fann beside the repo)")
    return p
