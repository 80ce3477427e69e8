# Type stubs for fastnet's compiled core (csrc/bindings.cpp, pybind11 module ``fastnet._core``). Private API: the
# fastnet package validates and converts every argument before it reaches these functions (see fastnet/_arrays.py).
# Keep in step with csrc/bindings.cpp: one entry per .def; argument names are the py::arg names, and functions bound
# without py::arg are positional-only here (pybind11 calls them arg0, arg1, ...).
import types
from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Tuple, overload

import numpy as np
import numpy.typing as npt

__version__: str

_F32 = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]
_Labels = npt.NDArray[np.int32]
# (kind, in_features, out_features, activation code, alpha, init code, dropout[, density, row_ptr | None, col | None])
_LayerSpec = Tuple[Any, ...]
_EpochLog = Dict[str, Any]
_Hook = Callable[[_EpochLog], Any]  # returns None/True (go on), False (stop) or {"lr": .., "momentum": ..}

class Network32:
    """A float32 network (C++ ``Network<float>``)."""

    def __init__(self, layers: Sequence[_LayerSpec], loss: int, seed: int) -> None: ...
    @property
    def num_layers(self) -> int: ...
    @property
    def num_inputs(self) -> int: ...
    @property
    def num_outputs(self) -> int: ...
    def get_param(self, layer: int, bias: bool, velocity: bool = False) -> _F32: ...
    def set_param(self, layer: int, bias: bool, velocity: bool, values: _F32) -> None: ...
    def get_rng_state(self) -> List[int]: ...
    def set_rng_state(self, arg0: Sequence[int], /) -> None: ...
    def reset_optimizer_state(self) -> None: ...
    def topology(self, layer: int) -> Tuple[_Labels, _Labels]: ...
    def rewire(self, layer: int, zeta: float) -> int: ...
    def predict(self, X: _F32, check_finite: bool = False) -> _F32: ...
    def predict_checked(self, X: _F32) -> _F32: ...
    def evaluate(self, X: _F32, labels: Optional[_Labels], targets: Optional[_F32]) -> Tuple[float, float]: ...
    # (mean loss, per layer {"weights": dW, "bias": db}, dLoss/dX when want_input else None)
    @overload
    def gradients(
        self, X: _F32, labels: Optional[_Labels], targets: Optional[_F32], want_input: Literal[True]
    ) -> Tuple[float, List[Dict[str, _F32]], _F32]: ...
    @overload
    def gradients(
        self, X: _F32, labels: Optional[_Labels], targets: Optional[_F32], want_input: Literal[False]
    ) -> Tuple[float, List[Dict[str, _F32]], None]: ...
    def fit(
        self,
        arg0: _F32,  # X
        arg1: Optional[_Labels],  # labels
        arg2: Optional[_F32],  # targets
        arg3: Optional[_F32],  # validation X
        arg4: Optional[_Labels],  # validation labels
        arg5: Optional[_F32],  # validation targets
        arg6: int,  # epochs
        arg7: int,  # batch_size
        arg8: float,  # lr
        arg9: float,  # momentum
        arg10: float,  # weight_decay
        arg11: bool,  # nesterov
        arg12: bool,  # shuffle
        arg13: int,  # progress_every (batches)
        arg14: Optional[_Hook],  # callback
        arg15: float,  # rewire_zeta
        arg16: float,  # l1
        arg17: float,  # max_norm (0: off)
        /,
    ) -> List[_EpochLog]: ...

class Network64:
    """A float64 network (C++ ``Network<double>``); the same interface as Network32."""

    def __init__(self, layers: Sequence[_LayerSpec], loss: int, seed: int) -> None: ...
    @property
    def num_layers(self) -> int: ...
    @property
    def num_inputs(self) -> int: ...
    @property
    def num_outputs(self) -> int: ...
    def get_param(self, layer: int, bias: bool, velocity: bool = False) -> _F64: ...
    def set_param(self, layer: int, bias: bool, velocity: bool, values: _F64) -> None: ...
    def get_rng_state(self) -> List[int]: ...
    def set_rng_state(self, arg0: Sequence[int], /) -> None: ...
    def reset_optimizer_state(self) -> None: ...
    def topology(self, layer: int) -> Tuple[_Labels, _Labels]: ...
    def rewire(self, layer: int, zeta: float) -> int: ...
    def predict(self, X: _F64, check_finite: bool = False) -> _F64: ...
    def predict_checked(self, X: _F64) -> _F64: ...
    def evaluate(self, X: _F64, labels: Optional[_Labels], targets: Optional[_F64]) -> Tuple[float, float]: ...
    # (mean loss, per layer {"weights": dW, "bias": db}, dLoss/dX when want_input else None)
    @overload
    def gradients(
        self, X: _F64, labels: Optional[_Labels], targets: Optional[_F64], want_input: Literal[True]
    ) -> Tuple[float, List[Dict[str, _F64]], _F64]: ...
    @overload
    def gradients(
        self, X: _F64, labels: Optional[_Labels], targets: Optional[_F64], want_input: Literal[False]
    ) -> Tuple[float, List[Dict[str, _F64]], None]: ...
    def fit(
        self,
        arg0: _F64,
        arg1: Optional[_Labels],
        arg2: Optional[_F64],
        arg3: Optional[_F64],
        arg4: Optional[_Labels],
        arg5: Optional[_F64],
        arg6: int,
        arg7: int,
        arg8: float,
        arg9: float,
        arg10: float,
        arg11: bool,
        arg12: bool,
        arg13: int,
        arg14: Optional[_Hook],
        arg15: float,
        arg16: float,
        arg17: float,
        /,
    ) -> List[_EpochLog]: ...

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def openmp_enabled() -> bool: ...
def available_isas() -> List[str]: ...
def get_isa() -> str: ...
def set_isa(name: str) -> None: ...

class _KernelsModule(types.ModuleType):
    """``fastnet._core.kernels``: float32 dense kernels of the active ISA (for tests). A submodule created with
    pybind11's def_submodule, so it exists only as an attribute of ``_core`` (``import fastnet._core.kernels``
    does not work)."""

    # inp (B, I), weight (O, I), bias (O,) -> (B, O)
    def dense_forward(self, inp: _F32, weight: _F32, bias: _F32) -> _F32: ...
    # dout (B, O), weight (O, I) -> (B, I)
    def dense_backward_input(self, dout: _F32, weight: _F32) -> _F32: ...
    # dout (B, O), inp (B, I) -> (dW (O, I), db (O,))
    def dense_backward_weight(self, dout: _F32, inp: _F32) -> Tuple[_F32, _F32]: ...

kernels: _KernelsModule
