# Type stubs for fastnet's compiled core (csrc/bindings.cpp, pybind11 module ``fastnet._core``). Private API: the
# fastnet package validates and converts every argument before it reaches these functions (see fastnet/_arrays.py).
# Keep in step with csrc/bindings.cpp: one entry per .def; argument names are the py::arg names, and functions bound
# without py::arg are positional-only here (pybind11 calls them arg0, arg1, ...).
import types
from typing import Any, Callable, Dict, Generic, List, Literal, Optional, Sequence, Tuple, TypeVar, overload

import numpy as np
import numpy.typing as npt

__version__: str

_F32 = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]
_Labels = npt.NDArray[np.int32]
_EpochLog = Dict[str, Any]
_Hook = Callable[[_EpochLog], Any]  # returns None/True (go on), False (stop) or {"lr": .., "momentum": ..}
_OptSpec = Dict[str, Any]  # {"kind": 0..4, hyper-parameters}
# distributed fit: sums (stats: 3 float64; grad: the gradient arena or None) over the ranks, in place
_AllReduce = Callable[[npt.NDArray[np.float64], Optional[npt.NDArray[Any]]], None]

class FitOptions:
    """fit's options (C++ FitOptions), one object across the binding; the step_* / *_state / total_samples
    fields are the distributed schedule and this rank's private generator states."""

    epochs: int
    batch_size: int
    shuffle: bool
    progress_every: int
    rewire_zeta: float
    l1: float
    max_norm: float
    skip_nonfinite: bool
    weight_sum: float
    clip_norm: float
    clip_value: float
    input_dropout: float
    fann_error_scale: float  # > 0: the epoch logs carry FANN's fann_sse and fann_bit_fail (trainer.h)
    fann_error_scales: List[float]  # per output, when not empty: each output's scale instead
    fann_bit_fail_limit: float
    per_label_accuracy: bool  # multi-label targets: accuracy per label in the logs
    step_bounds: List[int]
    step_counts: List[int]
    total_samples: int
    shuffle_state: List[int]
    dropout_state: List[int]
    def __init__(
        self,
        *,
        epochs: int,
        batch_size: int,
        optimizer: _OptSpec,
        shuffle: bool = True,
        progress_every: int = 0,
        rewire_zeta: float = 0.0,
        l1: float = 0.0,
        max_norm: float = 0.0,
        skip_nonfinite: bool = False,
    ) -> None: ...
_A = TypeVar("_A", _F32, _F64)

class LayerSpec:
    """One layer of a Network32/Network64 (C++ ``LayerConfig``), fields by name; activation and init are the codes
    of fastnet.layers.ACTIVATIONS and INITS. The network's constructor validates the values."""

    def __init__(
        self,
        *,
        kind: str,  # "dense" or "sparse"
        in_features: int,
        out_features: int,
        activation: int = 0,
        alpha: float = 0.01,
        init: int = 0,
        dropout: float = 0.0,
        density: float = 1.0,  # sparse: the fraction of connections of a random topology
        row_ptr: Optional[Sequence[int]] = None,  # sparse: a given topology, CSR by output (both or neither)
        col: Optional[Sequence[int]] = None,
    ) -> None: ...
    kind: str
    in_features: int
    out_features: int
    activation: int
    alpha: float
    init: int
    dropout: float
    density: float
    row_ptr: List[int]  # empty: a random topology
    col: List[int]
    trainable: bool
    lr_scale: float

class _Network(Generic[_A]):
    """What Network32 and Network64 share (one pybind11 template, bound twice; no such base exists at run time):
    _A is the network's array type."""

    def __init__(self, layers: Sequence[LayerSpec], loss: int, seed: int) -> None: ...
    # the loss's parameters (fastnet/losses.py): Huber's delta, label smoothing, reduction (0 fastnet, 1 mean, 2 sum)
    def set_loss_options(self, delta: float, label_smoothing: float, reduction: int) -> None: ...
    @property
    def num_layers(self) -> int: ...
    @property
    def num_inputs(self) -> int: ...
    @property
    def num_outputs(self) -> int: ...
    # slot 0: values, 1: the optimizer's first state (SGD's velocity), 2: its second state
    def get_param(self, layer: int, bias: bool, slot: int = 0) -> _A: ...
    def set_param(self, layer: int, bias: bool, slot: int, values: _A) -> None: ...
    # FANN's per-neuron settings of a layer: steepness and activation codes (out_features each), clamp of the sum
    def set_neurons(
        self, layer: int, steepness: Sequence[float], activations: Sequence[int], fann_clip: bool
    ) -> None: ...
    def get_neurons(self, layer: int) -> Tuple[List[float], List[int], bool]: ...
    def set_layer_training(self, layer: int, trainable: bool, lr_scale: float) -> None: ...
    def get_optimizer_state(self) -> Tuple[int, int]: ...  # (kind, steps)
    def set_optimizer_state(self, kind: int, steps: int) -> None: ...
    def param_arena(self) -> _A: ...  # zero-copy views of the flat arenas
    def grad_arena(self) -> _A: ...
    def compute_gradients(
        self, X: _A, labels: Optional[_Labels], targets: Optional[_A]
    ) -> Tuple[float, int]: ...  # (mean loss, correct predictions); the gradient is left in grad_arena
    def apply_gradients(self, optimizer: _OptSpec, num_data: int, mse: float = 0.0) -> None: ...
    def constrain(self, l1_step: float, max_norm: float) -> None: ...
    def get_rng_state(self) -> List[int]: ...
    def set_rng_state(self, arg0: Sequence[int], /) -> None: ...
    def reset_optimizer_state(self, optimizer: Optional[_OptSpec] = None) -> None: ...
    def topology(self, layer: int) -> Tuple[_Labels, _Labels]: ...
    def rewire(self, layer: int, zeta: float) -> int: ...
    def predict(self, X: _A, check_finite: bool = False) -> _A: ...
    # None when X is 2-D with the wrong columns, empty or not finite (TypeError for other types)
    def predict_checked(self, X: _A) -> Optional[_A]: ...
    def evaluate(
        self, X: _A, labels: Optional[_Labels], targets: Optional[_A], sample_weight: Optional[_A] = None
    ) -> Tuple[float, float]: ...
    # (mean loss, per layer {"weights": dW, "bias": db}, dLoss/dX when want_input else None)
    @overload
    def gradients(
        self, X: _A, labels: Optional[_Labels], targets: Optional[_A], want_input: Literal[True]
    ) -> Tuple[float, List[Dict[str, _A]], _A]: ...
    @overload
    def gradients(
        self, X: _A, labels: Optional[_Labels], targets: Optional[_A], want_input: Literal[False]
    ) -> Tuple[float, List[Dict[str, _A]], None]: ...
    def fit(
        self,
        X: _A,
        labels: Optional[_Labels],
        targets: Optional[_A],
        Xv: Optional[_A],
        labels_v: Optional[_Labels],
        targets_v: Optional[_A],
        options: FitOptions,
        callback: Optional[_Hook] = None,
        allreduce: Optional[_AllReduce] = None,
        sample_weight: Optional[_A] = None,
    ) -> List[_EpochLog]: ...

class Network32(_Network[_F32]):
    """A float32 network (C++ ``Network<float>``)."""

class Network64(_Network[_F64]):
    """A float64 network (C++ ``Network<double>``); the same interface as Network32."""

class CascadeNet:
    """A FANN shortcut network (C++ ``cascade::ShortcutNet``): inputs, a bias, hidden layers each fed by every
    earlier unit, outputs fed by all of them."""

    def __init__(
        self,
        num_inputs: int,
        num_outputs: int,
        layer_sizes: Sequence[int],
        activations: Sequence[int],
        steepness: Sequence[float],
        weights: _F32,
    ) -> None: ...
    @property
    def num_inputs(self) -> int: ...
    @property
    def num_outputs(self) -> int: ...
    @property
    def layer_sizes(self) -> List[int]: ...
    @property
    def steepness(self) -> List[float]: ...
    @property
    def activations(self) -> List[int]: ...
    @property
    def weights(self) -> _F32: ...
    def predict(self, X: _F32) -> _F32: ...
    def fann_mse(self, X: _F32, targets: _F32, bit_fail_limit: float) -> Tuple[float, int]: ...

def cascade_fresh(
    num_inputs: int, num_outputs: int, output_activation: int, output_steepness: float, seed: int
) -> CascadeNet: ...
# (the grown network, one report dict per round); the callback gets each round's report with "network"
def cascade_train(
    net: CascadeNet,
    X: _F32,
    targets: _F32,
    params: Dict[str, Any],
    seed: int,
    callback: Optional[Callable[[Dict[str, Any]], Any]],
) -> Tuple[CascadeNet, List[Dict[str, Any]]]: ...
# (scores (candidates,), slopes (candidates, units + outputs)) of one candidate epoch, without an update
def cascade_candidate_scores(
    net: CascadeNet,
    X: _F32,
    targets: _F32,
    sse: float,
    activations: Sequence[int],
    steepness: Sequence[float],
    weights: _F32,
) -> Tuple[_F64, _F32]: ...

MAX_THREADS: int
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
