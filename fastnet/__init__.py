"""fastnet: a fast neural-network engine with a C++17/OpenMP/SIMD core and a thin, typed Python API.

>>> import fastnet as fn
>>> net = fn.Network([784, 256, 10], activation="relu", output="softmax", seed=0)
>>> hist = net.fit(X, y, epochs=10, batch_size=128, lr=0.1, momentum=0.9)   # doctest: +SKIP
"""

__version__ = "0.1.0"

from typing import List

from . import _core, datasets, distributed, losses, metrics, optimizers, schedules
from ._format import ModelFormatError
from .callbacks import EarlyStopping, StopAfter, StopAtBitFail, StopAtError
from .cascade import CascadeNetwork, cascade_train
from .fann import load_fann, save_fann
from .history import History
from .io import load, model_info
from .layers import SET, Dense, Layer, Sparse
from .network import Network, from_torch
from .onnx_import import from_onnx
from .optimizers import RPROP, SARPROP, SGD, Adam, AdamW, Quickprop, fann_training

__all__ = [
    "Network", "from_torch", "CascadeNetwork", "cascade_train", "Dense", "Sparse", "SET", "Layer", "History", "load",
    "model_info", "from_onnx",
    "load_fann", "save_fann", "ModelFormatError", "EarlyStopping", "StopAtError", "StopAtBitFail", "StopAfter",
    "datasets", "distributed", "schedules", "metrics", "optimizers", "SGD", "Adam", "AdamW", "RPROP", "Quickprop",
    "SARPROP", "fann_training", "losses",
    "set_num_threads", "get_num_threads", "available_isas", "get_isa", "set_isa", "__version__",
]


def set_num_threads(n: int) -> None:
    """Set the number of threads fastnet's kernels use, for the whole process: every Python thread's calls
    (a fit in a worker thread too) use it. The default is OMP_NUM_THREADS, else all cores.

    Raises TypeError for a non-integer and ValueError outside 1..1024 (``fastnet._core.MAX_THREADS``).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an integer, got {type(n).__name__}")
    if not 1 <= n <= _core.MAX_THREADS:
        raise ValueError(f"num_threads must be between 1 and {_core.MAX_THREADS}, got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads fastnet's kernels use."""
    return int(_core.get_num_threads())


def available_isas() -> List[str]:
    """Kernel paths this CPU supports, best first (e.g. ['avx512', 'avx2', 'generic'])."""
    return list(_core.available_isas())


def get_isa() -> str:
    """The kernel path in use (chosen at import; FASTNET_ISA=generic|avx2|avx512 overrides)."""
    return str(_core.get_isa())


def set_isa(name: str) -> None:
    """Switch the float32 kernel path; raises ValueError if this CPU does not support it."""
    _core.set_isa(name)
