import ctypes
from pathlib import Path
from typing import Optional, Tuple

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


# FANN 2.2 through ctypes: the FANN interoperability tests (test_fann, test_fann_activations, test_cascade)
class Fann:
    """FANN 2.2 (float build) through ctypes."""

    def __init__(self) -> None:
        lib = ctypes.CDLL("libfloatfann.so.2")
        lib.fann_create_from_file.restype = ctypes.c_void_p
        lib.fann_create_from_file.argtypes = [ctypes.c_char_p]
        lib.fann_run.restype = ctypes.POINTER(ctypes.c_float)
        lib.fann_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float)]
        lib.fann_destroy.argtypes = [ctypes.c_void_p]
        lib.fann_destroy.restype = None
        for f in ("fann_get_num_input", "fann_get_num_output"):
            getattr(lib, f).argtypes = [ctypes.c_void_p]
            getattr(lib, f).restype = ctypes.c_uint
        self.lib = lib

    def run(self, path: Path, X: np.ndarray) -> np.ndarray:
        ann = self.lib.fann_create_from_file(str(path).encode())
        assert ann, f"FANN could not load {path}"
        try:
            ni, no = self.lib.fann_get_num_input(ann), self.lib.fann_get_num_output(ann)
            assert ni == X.shape[1]
            out = np.empty((len(X), no), dtype=np.float32)
            for i, x in enumerate(np.ascontiguousarray(X, dtype=np.float32)):
                r = self.lib.fann_run(ann, x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
                out[i] = np.ctypeslib.as_array(r, (no,))
            return out
        finally:
            self.lib.fann_destroy(ann)


def _load_fann_library() -> Tuple[Optional[Fann], str]:
    try:
        return Fann(), ""
    except OSError as exc:
        return None, f"the FANN 2.2 library cannot be loaded ({exc}); install Debian's libfann-dev"


@pytest.fixture(scope="module")
def fann() -> Fann:
    """The real FANN library; tests that need nothing else are skipped without it."""
    lib, why = _load_fann_library()
    if lib is None:
        pytest.skip(why)
    return lib


@pytest.fixture(scope="module")
def maybe_fann() -> Optional[Fann]:
    """The real FANN library or None: tests with it do their FANN comparisons only where it can be loaded."""
    return _load_fann_library()[0]
