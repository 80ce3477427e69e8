"""fann2-compatible interface: ``from fastnet import libfann`` in place of ``from fann2 import libfann``.

fann2 (the SWIG binding of FANN 2.2) no longer installs; scripts written for it run on fastnet with only the
import changed::

    from fastnet import libfann
    ann = libfann.neural_net()
    ann.create_standard_array([2, 3, 1])
    ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
    ann.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)
    ann.train_on_file("xor.data", 100000, 1000, 0.0001)
    ann.save("xor_float.net")          # a FANN_FLO_2.1 file that FANN's fann_create_from_file loads

Semantics are FANN 2.2's: the default training settings (FANN_TRAIN_RPROP, FANN_ERRORFUNC_TANH,
FANN_STOPFUNC_MSE, learning rate 0.7, bit-fail limit 0.35, RPROP 1.2/0.5/0/50/0.1), weights drawn in [-0.1, 0.1]
at creation, FANN's MSE (mean over samples and outputs of the squared error, the error halved for symmetric
output functions) and bit fail (outputs whose halved-where-symmetric error is >= the limit), the reporting lines of
``fann_train_on_data``, and the weights as FANN holds them (``get_connection_array``, ``save``).

FANN's example programs written this way are in examples/libfann (tests/test_libfann_examples.py runs them beside
FANN's own). ``libfann.srand(seed)`` (not in fann2, as C's ``srand`` for FANN) makes the networks created after it
repeatable; fann2's, like FANN's, are seeded from the system.

How it maps onto fastnet. A FANN neuron computes ``f(s * sum)`` with a steepness ``s``; the fastnet Network behind
a ``neural_net`` holds FANN's weights as they are, and each layer holds each neuron's function and steepness
(``Layer.activations``, ``Layer.steepness``; FANN_SIGMOID as fastnet's ``fann_sigmoid`` at steepness ``2s``, the
stepwise sigmoids as ``fann_sigmoid_stepwise`` / ``fann_sigmoid_symmetric_stepwise``, the other functions at ``s``)
and FANN's clamp of the sum (``Layer.fann_clip``). Training is FANN's algorithm (fastnet's RPROP with FANN 2.2's
zero-slope branch, Quickprop, SARPROP, SGD for incremental/batch; FANN's derivative of the sigmoids and the stepwise
functions, FANN's tanh error function) on those weights, whatever the mix of functions and steepnesses. Where it
is not exact, training raises NotImplementedError naming what fastnet lacks instead of approximating.

Differences from FANN 2.2, each raising rather than approximating:

* None for the activation functions: FANN's default, FANN_SIGMOID_STEPWISE at steepness 0.5 (a piecewise-linear
  sigmoid), is a new network's default here too, computed bit for bit as FANN computes it and trained with FANN's
  derivative (the sigmoid's, from the clipped output), as are FANN_SIGMOID_SYMMETRIC_STEPWISE and every other
  function.
* Activation functions and steepness may differ per neuron (fastnet's layers hold them per neuron). Training
  with FANN_GAUSSIAN_STEPWISE (which FANN 2.2 computes as 0 and has no derivative for), or with the linear error
  function on an output layer that mixes symmetric and other functions, raises NotImplementedError. A negative
  steepness raises NotImplementedError.
* Shortcut networks: ``create_shortcut_array([inputs, outputs])`` (no hidden layers) for
  ``cascadetrain_on_data`` (fastnet's Cascade2, FANN's algorithm and report lines), and shortcut .net files, can
  be run, tested, saved and cascade-trained; other training of them raises NotImplementedError.
* FANN's scaling (set_scaling_params, scale_train, ...) is FANN's formula; a constant column (deviation 0, where
  FANN divides by zero) raises FannError.
* Fixed point: ``save_to_fixed`` and ``save_train_to_fixed`` write what FANN's fann_save_to_fixed and
  fann_save_train_to_fixed write (for FANN's fixed-point library); fastnet itself computes in float.
* A FANN sparse .net file loads with its connections as they are (Sparse layers, see load_fann), as
  ``create_sparse_array`` networks are; training changes only the connections there are, as FANN's does.
* RPROP keeps fastnet's weights (not FANN's) within +-1500.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from . import datasets as _datasets
from ._format import write_atomic
from .cascade import CascadeNetwork, CascadeOptions
from .fann import _CONNECTIONS_KEY, _NEURONS_KEY, _TRAINING_DEFAULTS, _shortcut_text, _to_fixed, load_fann
from .layers import Dense, Sparse
from .network import Network
from .optimizers import RPROP, SARPROP, SGD, Optimizer, Quickprop

__all__ = ["neural_net", "training_data", "FannError", "srand"]

PathLike = Union[str, "os.PathLike[str]"]

# ------------------------------------------------------------------------------------------------ constants
# enum fann_activationfunc_enum (fann_data.h)
LINEAR = 0
THRESHOLD = 1
THRESHOLD_SYMMETRIC = 2
SIGMOID = 3
SIGMOID_STEPWISE = 4
SIGMOID_SYMMETRIC = 5
SIGMOID_SYMMETRIC_STEPWISE = 6
GAUSSIAN = 7
GAUSSIAN_SYMMETRIC = 8
GAUSSIAN_STEPWISE = 9
ELLIOT = 10
ELLIOT_SYMMETRIC = 11
LINEAR_PIECE = 12
LINEAR_PIECE_SYMMETRIC = 13
SIN_SYMMETRIC = 14
COS_SYMMETRIC = 15
SIN = 16
COS = 17
# enum fann_train_enum
TRAIN_INCREMENTAL = 0
TRAIN_BATCH = 1
TRAIN_RPROP = 2
TRAIN_QUICKPROP = 3
TRAIN_SARPROP = 4
# enum fann_errorfunc_enum, fann_stopfunc_enum, fann_nettype_enum
ERRORFUNC_LINEAR = 0
ERRORFUNC_TANH = 1
STOPFUNC_MSE = 0
STOPFUNC_BIT = 1
NETTYPE_LAYER = 0
NETTYPE_SHORTCUT = 1

ACTIVATIONFUNC_NAMES: Tuple[str, ...] = (
    "FANN_LINEAR", "FANN_THRESHOLD", "FANN_THRESHOLD_SYMMETRIC", "FANN_SIGMOID", "FANN_SIGMOID_STEPWISE",
    "FANN_SIGMOID_SYMMETRIC", "FANN_SIGMOID_SYMMETRIC_STEPWISE", "FANN_GAUSSIAN", "FANN_GAUSSIAN_SYMMETRIC",
    "FANN_GAUSSIAN_STEPWISE", "FANN_ELLIOT", "FANN_ELLIOT_SYMMETRIC", "FANN_LINEAR_PIECE",
    "FANN_LINEAR_PIECE_SYMMETRIC", "FANN_SIN_SYMMETRIC", "FANN_COS_SYMMETRIC", "FANN_SIN", "FANN_COS")
TRAINING_ALGORITHM_NAMES: Tuple[str, ...] = ("FANN_TRAIN_INCREMENTAL", "FANN_TRAIN_BATCH", "FANN_TRAIN_RPROP",
                                             "FANN_TRAIN_QUICKPROP", "FANN_TRAIN_SARPROP")
ERRORFUNC_NAMES: Tuple[str, ...] = ("FANN_ERRORFUNC_LINEAR", "FANN_ERRORFUNC_TANH")
STOPFUNC_NAMES: Tuple[str, ...] = ("FANN_STOPFUNC_MSE", "FANN_STOPFUNC_BIT")

# FANN code -> fastnet activation (the one with FANN's training derivative)
_FASTNET_OF = {LINEAR: "linear", THRESHOLD: "threshold", THRESHOLD_SYMMETRIC: "threshold_symmetric",
               SIGMOID: "fann_sigmoid", SIGMOID_SYMMETRIC: "fann_sigmoid_symmetric", GAUSSIAN: "gaussian",
               GAUSSIAN_SYMMETRIC: "gaussian_symmetric", ELLIOT: "elliot", ELLIOT_SYMMETRIC: "elliot_symmetric",
               LINEAR_PIECE: "linear_piece", LINEAR_PIECE_SYMMETRIC: "linear_piece_symmetric",
               SIN_SYMMETRIC: "sin_symmetric", COS_SYMMETRIC: "cos_symmetric", SIN: "sin", COS: "cos",
               SIGMOID_STEPWISE: "fann_sigmoid_stepwise", SIGMOID_SYMMETRIC_STEPWISE: "fann_sigmoid_symmetric_stepwise",
               GAUSSIAN_STEPWISE: "gaussian_stepwise"}
_CODE_OF = {name: code for code, name in _FASTNET_OF.items()}
_CODE_OF.update({"sigmoid": SIGMOID, "tanh": SIGMOID_SYMMETRIC, "sigmoid_stepwise": SIGMOID_STEPWISE,
                 "sigmoid_symmetric_stepwise": SIGMOID_SYMMETRIC_STEPWISE})  # what load_fann builds
# fastnet's steepness is _FOLD[code] * FANN's (FANN_SIGMOID is 1/(1 + exp(-2 s sum)): fastnet's sigmoid at 2s)
_FOLD = {code: (2.0 if code in (SIGMOID, SIGMOID_STEPWISE) else 1.0) for code in _FASTNET_OF}
# fann_update_MSE halves the error of these output functions (so does the tanh error function)
_HALVED = frozenset({LINEAR_PIECE_SYMMETRIC, THRESHOLD_SYMMETRIC, SIGMOID_SYMMETRIC, SIGMOID_SYMMETRIC_STEPWISE,
                     ELLIOT_SYMMETRIC, GAUSSIAN_SYMMETRIC, SIN_SYMMETRIC, COS_SYMMETRIC})
_UNTRAINABLE = frozenset({THRESHOLD, THRESHOLD_SYMMETRIC})
# FANN 2.2's fann_activation_derived has no derivative for it (fann_run computes it as 0): not trained here
_NO_DERIVATIVE = frozenset({GAUSSIAN_STEPWISE})


_SEEDS: Optional[np.random.Generator] = None


def srand(seed: int) -> None:
    """Make the networks created from now on repeatable, as C's ``srand(seed)`` makes FANN's ``rand()`` (not in
    fann2, whose networks, like FANN's, are seeded from the system): each ``neural_net()`` created without a
    ``seed`` takes its seed from a generator seeded here."""
    global _SEEDS
    _SEEDS = np.random.default_rng(_check_int(seed, "seed"))


class FannError(ValueError):
    """A call FANN would reject (FANN prints an error and returns; here it raises with FANN's kind of message)."""


def _check_int(value: Any, name: str, lo: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < lo:
        raise FannError(f"{name} must be >= {lo}, got {value}")
    return int(value)


def _check_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise FannError(f"{name} must be finite, got {x}")
    return x


def _activation_code(value: Any) -> int:
    code = _check_int(value, "activation function")
    if code > COS:
        raise FannError(f"unknown activation function {code} (FANN's are 0..{COS}: "
                        f"{', '.join(ACTIVATIONFUNC_NAMES)})")
    return code


# ============================================================================================ training data
class training_data:  # noqa: N801 -- fann2's name
    """FANN's ``struct fann_train_data``: inputs and desired outputs, float32, as fann2's ``training_data``."""

    def __init__(self, other: Optional[training_data] = None) -> None:
        self._X: Optional[np.ndarray] = None
        self._Y: Optional[np.ndarray] = None
        if other is not None:
            X, Y = other._arrays()
            self._X, self._Y = X.copy(), Y.copy()

    def _arrays(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._X is None or self._Y is None:
            raise FannError("the training data is empty: read_train_from_file or set_train_data first")
        return self._X, self._Y

    # ---- reading and writing
    def read_train_from_file(self, filename: PathLike) -> bool:
        """Read FANN's data format (``num_data num_input num_output`` then the samples); raises on a bad file."""
        X, Y = _datasets.load_fann_data(filename)
        self._X, self._Y = np.ascontiguousarray(X, np.float32), np.ascontiguousarray(Y, np.float32)
        return True

    def save_train(self, filename: PathLike) -> bool:
        X, Y = self._arrays()
        _datasets.save_fann_data(filename, X, Y)
        return True

    def save_train_to_fixed(self, filename: PathLike, decimal_point: int) -> bool:
        """Write the data for FANN's fixed-point library, as fann_save_train_to_fixed does: every value times
        ``2**decimal_point``, truncated toward zero to an integer (FANN's ``(int)(x * multiplier)``)."""
        X, Y = self._arrays()
        dp = _check_int(decimal_point, "decimal_point")
        if dp > 31:
            raise FannError(f"decimal_point must be at most 31, got {dp}")
        mult = np.float32(2.0**dp)  # (FANN's unsigned multiplier, converted to float: exact)
        rows = [f"{len(X)} {X.shape[1]} {Y.shape[1]}\n"]
        ints = []
        for A in (X, Y):
            V = np.trunc(A.astype(np.float32) * mult)
            if V.size and np.max(np.abs(V)) >= 2.0**31:
                raise FannError(f"a value times 2**{dp} does not fit FANN's fixed-point int")
            ints.append(V.astype(np.int64))
        Xi, Yi = ints
        for x, y in zip(Xi.tolist(), Yi.tolist()):
            rows.append("".join(f"{v} " for v in x) + "\n" + "".join(f"{v} " for v in y) + "\n")
        write_atomic(os.fspath(filename), "".join(rows).encode("ascii"))
        return True

    def set_train_data(self, input: Any, output: Any) -> None:
        """Set the data from sequences of samples: ``input`` (num_data, num_input), ``output`` (num_data,
        num_output)."""
        X = np.array(input, dtype=np.float32, ndmin=2)
        Y = np.array(output, dtype=np.float32, ndmin=2)
        if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0] or X.shape[0] == 0:
            raise FannError(f"input and output must be 2-D with the same number (>= 1) of samples, got shapes "
                            f"{X.shape} and {Y.shape}")
        if X.shape[1] == 0 or Y.shape[1] == 0:
            raise FannError("every sample needs at least one input and one output")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
            raise FannError("the training data holds NaN or infinite values")
        self._X, self._Y = np.ascontiguousarray(X), np.ascontiguousarray(Y)

    # ---- sizes and contents
    def length_train_data(self) -> int:
        return int(self._arrays()[0].shape[0])

    def num_input_train_data(self) -> int:
        return int(self._arrays()[0].shape[1])

    def num_output_train_data(self) -> int:
        return int(self._arrays()[1].shape[1])

    length = length_train_data
    num_input = num_input_train_data
    num_output = num_output_train_data

    def __len__(self) -> int:
        return self.length_train_data()

    def get_input(self) -> List[List[float]]:
        return [[float(v) for v in row] for row in self._arrays()[0]]

    def get_output(self) -> List[List[float]]:
        return [[float(v) for v in row] for row in self._arrays()[1]]

    # ---- manipulation (fann_shuffle_train_data, fann_merge_train_data, fann_subset_train_data, fann_scale_*)
    def shuffle_train_data(self, seed: Optional[int] = None) -> None:
        X, Y = self._arrays()
        order = np.random.default_rng(seed).permutation(X.shape[0])
        self._X, self._Y = X[order], Y[order]

    shuffle = shuffle_train_data

    def merge_train_data(self, other: training_data) -> None:
        """Append ``other``'s samples (FANN: "Error 18: Unable to merge training data, because it has different
        sizes" when the input or output counts differ)."""
        X, Y = self._arrays()
        X2, Y2 = other._arrays()
        if X.shape[1] != X2.shape[1] or Y.shape[1] != Y2.shape[1]:
            raise FannError(f"Unable to merge training data, because it has different sizes: {X.shape[1]} inputs "
                            f"and {Y.shape[1]} outputs against {X2.shape[1]} and {Y2.shape[1]}")
        self._X, self._Y = np.concatenate([X, X2]), np.concatenate([Y, Y2])

    def subset_train_data(self, pos: int, length: int) -> None:
        """Keep samples pos .. pos+length-1 (FANN: "Subset not within range" otherwise)."""
        X, Y = self._arrays()
        pos, length = _check_int(pos, "pos"), _check_int(length, "length")
        if pos + length > X.shape[0]:
            raise FannError(f"Subset of training data not within range: {pos} - {pos + length} is not within "
                            f"0 - {X.shape[0]}")
        self._X, self._Y = X[pos:pos + length].copy(), Y[pos:pos + length].copy()

    @staticmethod
    def _scale(A: np.ndarray, new_min: float, new_max: float) -> np.ndarray:
        # fann_scale_data: one minimum and maximum over the whole array (not per column)
        old_min, old_max = float(A.min()), float(A.max())
        span = old_max - old_min
        factor = (new_max - new_min) / span if span != 0 else 0.0
        return ((A - old_min) * factor + new_min).astype(np.float32)

    def scale_input_train_data(self, new_min: float, new_max: float) -> None:
        X, Y = self._arrays()
        self._X = self._scale(X, _check_float(new_min, "new_min"), _check_float(new_max, "new_max"))

    def scale_output_train_data(self, new_min: float, new_max: float) -> None:
        X, Y = self._arrays()
        self._Y = self._scale(Y, _check_float(new_min, "new_min"), _check_float(new_max, "new_max"))

    def scale_train_data(self, new_min: float, new_max: float) -> None:
        self.scale_input_train_data(new_min, new_max)
        self.scale_output_train_data(new_min, new_max)

    def destroy_train(self) -> None:
        self._X = self._Y = None


# ============================================================================================ neural net
class neural_net:  # noqa: N801 -- fann2's name
    """FANN's ``struct fann`` as fann2's ``neural_net``: create, train, run, test, save.

    ``seed`` (not in fann2) seeds the weight initialization and shuffles; FANN seeds from the clock."""

    def __init__(self, seed: Optional[int] = None) -> None:
        if seed is None and _SEEDS is not None:  # srand() was called: repeatable, as C's rand() after srand
            seed = int(_SEEDS.integers(2**63))
        self._rng = np.random.default_rng(seed)
        self._net: Optional[Network] = None
        self._codes: List[List[int]] = []        # per layer after the input: each neuron's FANN activation function
        self._steep: List[np.ndarray] = []       # per layer: FANN's steepness per neuron (float64)
        self._rate = 1.0
        self.learning_rate = 0.7
        self.learning_momentum = 0.0
        self.training_algorithm = TRAIN_RPROP
        self.train_error_function = ERRORFUNC_TANH
        self.train_stop_function = STOPFUNC_MSE
        self.bit_fail_limit = 0.35
        self.quickprop_decay = -0.0001
        self.quickprop_mu = 1.75
        self.rprop = {"increase_factor": 1.2, "decrease_factor": 0.5, "delta_min": 0.0, "delta_max": 50.0,
                      "delta_zero": 0.1}
        self.sarprop = {"weight_decay_shift": -6.644, "step_error_threshold_factor": 0.1,
                        "step_error_shift": 1.385, "temperature": 0.015}
        #: FANN's cascade parameters (fann_set_cascade_*), FANN 2.2's defaults
        self.cascade: Dict[str, Any] = {
            "output_change_fraction": 0.01, "output_stagnation_epochs": 12, "candidate_change_fraction": 0.01,
            "candidate_stagnation_epochs": 12, "max_out_epochs": 150, "min_out_epochs": 50,
            "max_cand_epochs": 150, "min_cand_epochs": 50, "weight_multiplier": 0.4, "candidate_limit": 1000.0,
            "activation_functions": [SIGMOID, SIGMOID_SYMMETRIC, GAUSSIAN, GAUSSIAN_SYMMETRIC, ELLIOT,
                                     ELLIOT_SYMMETRIC, SIN_SYMMETRIC, COS_SYMMETRIC, SIN, COS],
            "activation_steepnesses": [0.25, 0.5, 0.75, 1.0], "num_candidate_groups": 2}
        self._cascade: Optional[CascadeNetwork] = None  # a shortcut network (create_shortcut_array, cascade)
        #: FANN's scaling parameters, (mean, deviation, new_min, factor) per input / output neuron
        self._scale_in: Optional[Tuple[np.ndarray, ...]] = None
        self._scale_out: Optional[Tuple[np.ndarray, ...]] = None
        self._mse_sum = 0.0
        self._mse_count = 0
        self._bit_fail = 0

    # ------------------------------------------------------------------ creation
    def _require(self) -> Network:
        if self._cascade is not None:
            raise NotImplementedError("this is a shortcut network (create_shortcut_array, cascade training, a "
                                      "shortcut .net file): libfann runs, tests, saves and cascade-trains it; "
                                      "other operations on it are not provided")
        if self._net is None:
            raise FannError("the neural net has not been created: call create_standard_array, "
                            "create_sparse_array or create_from_file first")
        return self._net

    def create_standard_array(self, layers: Sequence[int]) -> bool:
        """A fully connected layered network, e.g. ``[2, 3, 1]``; weights uniform in [-0.1, 0.1]."""
        return self.create_sparse_array(1.0, layers)

    def create_standard(self, *layers: int) -> bool:
        return self.create_standard_array(layers)

    def create_sparse(self, connection_rate: float, *layers: int) -> bool:
        return self.create_sparse_array(connection_rate, layers)

    def create_sparse_array(self, connection_rate: float, layers: Sequence[int]) -> bool:
        """A layered network in which a fraction ``connection_rate`` of the possible connections exists."""
        rate = _check_float(connection_rate, "connection_rate")
        if not 0.0 < rate:
            raise FannError(f"connection_rate must be > 0, got {rate}")
        rate = min(rate, 1.0)
        sizes = [_check_int(n, "layer size", 1) for n in layers]
        if len(sizes) < 2:
            raise FannError(f"a network needs at least 2 layers (input and output), got {len(sizes)}")
        self._rate = rate
        self._cascade = None
        # FANN's default: FANN_SIGMOID_STEPWISE at steepness 0.5 (fastnet's steepness 2 * 0.5), FANN's clamp
        self._codes = [[SIGMOID_STEPWISE] * n for n in sizes[1:]]
        self._steep = [np.full(n, 0.5) for n in sizes[1:]]
        act, st = _FASTNET_OF[SIGMOID_STEPWISE], _FOLD[SIGMOID_STEPWISE] * 0.5
        specs: List[Union[Dense, Sparse]] = []
        for a, b in zip(sizes, sizes[1:]):
            if rate < 1.0:
                specs.append(Sparse(a, b, density=rate, activation=act, steepness=st, fann_clip=True))
            else:
                specs.append(Dense(a, b, activation=act, steepness=st, fann_clip=True))
        self._net = self._build(specs)
        self.randomize_weights(-0.1, 0.1)
        return True

    def create_shortcut_array(self, layers: Sequence[int]) -> bool:
        """A shortcut network for cascade training: ``[inputs, outputs]`` (outputs fed by the inputs and a bias,
        weights uniform in [-0.1, 0.1], FANN_SIGMOID at 0.5). Hidden layers are grown by cascadetrain_on_data."""
        sizes = [_check_int(n, "layer size", 1) for n in layers]
        if len(sizes) != 2:
            raise NotImplementedError(f"libfann creates shortcut networks of 2 layers (inputs, outputs), got "
                                      f"{len(sizes)}: hidden neurons are added by cascadetrain_on_data")
        self._net = None
        self._cascade = CascadeNetwork.create(sizes[0], sizes[1], "sigmoid", 0.5,
                                              seed=int(self._rng.integers(2**63)))
        self._rate = 1.0
        self._codes, self._steep = [[SIGMOID] * sizes[1]], [np.full(sizes[1], 0.5)]
        return True

    def create_shortcut(self, *layers: int) -> bool:
        return self.create_shortcut_array(layers)

    def _build(self, specs: Sequence[Union[Dense, Sparse]]) -> Network:
        loss = "fann_tanh" if self.train_error_function == ERRORFUNC_TANH else "mse"
        return Network(list(specs), loss=loss, seed=int(self._rng.integers(2**63)))

    def create_from_file(self, filename: PathLike) -> bool:
        """Load a FANN network file (``fann_save``'s FANN_FLO_2.1, or FANN_FLO_2.0 / FANN_FIX_2.0)."""
        path = os.fspath(filename)
        loaded = load_fann(path)
        fields = _fields(path)
        if isinstance(loaded, CascadeNetwork):
            self._read_parameters(fields)
            # FANN's run does not scale: the scaling parameters are this object's (scale_input, descale_output)
            loaded.clear_scaling()
            self._read_scaling(fields, loaded.num_inputs, loaded.num_outputs)
            self._use_cascade(loaded)
            return True
        neurons = _neuron_tuples(fields.get(_NEURONS_KEY, ""))
        sizes = loaded.sizes
        codes: List[List[int]] = []
        steep: List[np.ndarray] = []
        pos = sizes[0] + 1
        for n in sizes[1:]:
            layer = neurons[pos:pos + n]
            pos += n + 1
            codes.append([c for c, _ in layer])
            steep.append(np.array([s for _, s in layer], dtype=np.float64))
        # each neuron's FANN function (with FANN's training derivative) and steepness, FANN's weights as they are
        specs = [Dense(L.in_features, L.out_features, activation=[_FASTNET_OF[x] for x in c],
                       steepness=[_FOLD[x] * v for x, v in zip(c, st)], fann_clip=True)
                 for L, c, st in zip(loaded.layers, codes, steep)]
        self._read_parameters(fields)
        self._read_scaling(fields, sizes[0], sizes[-1])
        self._codes, self._steep = codes, steep
        self._rate = float(fields.get("connection_rate", "1") or 1)
        net = self._build(specs)
        for L, src in zip(net.layers, loaded.layers):
            L.weights, L.bias = src.weights, src.bias
        self._net = net
        self._cascade = None
        return True

    def _use_cascade(self, cnet: CascadeNetwork) -> None:
        self._net, self._cascade, self._rate = None, cnet, 1.0
        out = cnet.activations[-cnet.num_outputs:]
        self._codes = [[ACTIVATIONFUNC_NAMES.index("FANN_" + a.upper()) for a in out]]
        self._steep = [np.asarray(cnet.steepness, np.float64)[-cnet.num_outputs:]]

    def _read_scaling(self, fields: Dict[str, str], ni: int, no: int) -> None:
        self._scale_in = self._scale_out = None
        if fields.get("scale_included", "0").strip() != "1":
            return
        # (load_fann has checked that every scale_* line holds the right count of numbers)
        self._scale_in, self._scale_out = (
            tuple(np.array([float(t) for t in fields[f"scale_{what}_{where}"].split()], dtype=np.float64)
                  for what in ("mean", "deviation", "new_min", "factor")) for where in ("in", "out"))

    def _read_parameters(self, fields: Dict[str, str]) -> None:
        def num(key: str, default: float) -> float:
            try:
                v = float(fields[key])
            except (KeyError, ValueError):
                return default
            return v if math.isfinite(v) else default

        self.learning_rate = num("learning_rate", 0.7)
        self.learning_momentum = num("learning_momentum", 0.0)
        algo = int(num("training_algorithm", TRAIN_RPROP))
        self.training_algorithm = algo if 0 <= algo <= TRAIN_SARPROP else TRAIN_RPROP
        self.train_error_function = ERRORFUNC_LINEAR if num("train_error_function", 1) == 0 else ERRORFUNC_TANH
        self.train_stop_function = STOPFUNC_BIT if num("train_stop_function", 0) == 1 else STOPFUNC_MSE
        self.bit_fail_limit = num("bit_fail_limit", 0.35)
        self.quickprop_decay = num("quickprop_decay", -0.0001)
        self.quickprop_mu = num("quickprop_mu", 1.75)
        for k in self.rprop:
            self.rprop[k] = num("rprop_" + k, self.rprop[k])
        # (FANN 2.2's fann_create_from_file reads these too: a network trained with other settings keeps them)
        for k in self.sarprop:
            self.sarprop[k] = num("sarprop_" + k, self.sarprop[k])
        for k, v in list(self.cascade.items()):
            if isinstance(v, list):
                try:
                    items = fields["cascade_" + k].split()
                    parsed: List[Any] = [int(t) if k == "activation_functions" else float(t) for t in items]
                except (KeyError, ValueError):
                    continue
                ok = parsed and all(math.isfinite(x) for x in parsed) and (
                    k != "activation_functions" or all(0 <= int(x) < len(ACTIVATIONFUNC_NAMES) for x in parsed))
                if ok:
                    self.cascade[k] = parsed
            else:
                x = num("cascade_" + k, float(v))
                self.cascade[k] = int(x) if isinstance(v, int) else x

    # ------------------------------------------------------------------ FANN weights <-> fastnet weights
    def _factors(self, k: int) -> np.ndarray:
        # (the steepness lives in the layers now: fastnet's weights are FANN's own)
        return np.ones(len(self._codes[k]))

    def _fann_params(self, k: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Layer k's (rows, cols, weights, biases) as FANN holds them (steepness unfolded), float64."""
        L = self._require().layers[k]
        f = self._factors(k)
        if L.is_sparse:
            rows, cols = (np.asarray(a, dtype=np.int64) for a in L.indices)
            order = np.lexsort((cols, rows))
            rows, cols = rows[order], cols[order]
            w = np.asarray(L.weights, np.float64)[order]
        else:
            rows = np.repeat(np.arange(L.out_features), L.in_features)
            cols = np.tile(np.arange(L.in_features), L.out_features)
            w = np.asarray(L.weights, np.float64).reshape(-1)
        return rows, cols, w / f[rows], np.asarray(L.bias, np.float64) / f

    def _set_fann_params(self, k: int, w: np.ndarray, b: np.ndarray) -> None:
        """Set layer k from FANN weights (in the order of _fann_params) and biases."""
        L = self._require().layers[k]
        rows, cols, _, _ = self._fann_params(k)
        f = self._factors(k)
        folded = w * f[rows]
        if L.is_sparse:
            lr, lc = (np.asarray(a, dtype=np.int64) for a in L.indices)
            order = np.lexsort((lc, lr))
            out = np.empty_like(folded)
            out[order] = folded
            L.weights = out
        else:
            L.weights = folded.reshape(L.out_features, L.in_features)
        L.bias = b * f

    def _set_neurons(self, k: int, codes: Sequence[int], steep: np.ndarray) -> None:
        """Set layer k's functions and steepnesses (per neuron; FANN's codes and steepness), keeping its weights."""
        net = self._require()
        steep = np.asarray(steep, dtype=np.float64)
        if np.any(steep < 0):
            raise NotImplementedError(f"a negative steepness ({float(steep.min()):g}) is not supported: FANN's "
                                      "clamp of the sum (+-150/s) turns it into a step function")
        L = net.layers[k]
        L.activations = [_FASTNET_OF[c] for c in codes]
        L.steepness = np.array([_FOLD[c] for c in codes]) * steep
        self._codes[k], self._steep[k] = list(codes), steep.copy()

    # ------------------------------------------------------------------ running and testing
    def _sizes_io(self) -> Tuple[int, int]:
        if self._cascade is not None:
            return self._cascade.num_inputs, self._cascade.num_outputs
        net = self._require()
        return net.num_inputs, net.num_outputs

    def _predict(self, X: np.ndarray) -> np.ndarray:
        if self._cascade is not None:
            return self._cascade.predict(X)
        return self._require().predict(X)

    def run(self, input: Sequence[float]) -> List[float]:
        """The outputs for one input vector (list in, list out), as fann_run."""
        ni, _ = self._sizes_io()
        x = np.asarray(input, dtype=np.float32)
        if x.shape != (ni,):
            raise FannError(f"run needs {ni} input values, got {x.size}")
        return [float(v) for v in self._predict(x[None, :])[0]]

    def _errors(self, P: np.ndarray, T: np.ndarray) -> np.ndarray:
        diff = T.astype(np.float64) - P.astype(np.float64)
        halved = np.array([c in _HALVED for c in self._codes[-1]])
        return np.where(halved, diff / 2.0, diff)

    def _accumulate(self, P: np.ndarray, T: np.ndarray) -> None:
        e = self._errors(P, T)
        self._mse_sum += float(np.sum(e * e))
        self._mse_count += e.shape[0]
        self._bit_fail += int(np.count_nonzero(np.abs(e) >= np.float32(self.bit_fail_limit)))

    def _check_sample(self, input: Any, desired_output: Any) -> Tuple[np.ndarray, np.ndarray]:
        ni, no = self._sizes_io()
        x = np.asarray(input, dtype=np.float32).reshape(1, -1)
        t = np.asarray(desired_output, dtype=np.float32).reshape(1, -1)
        if x.shape[1] != ni or t.shape[1] != no:
            raise FannError(f"the network has {ni} inputs and {no} outputs; got {x.shape[1]} inputs and "
                            f"{t.shape[1]} desired outputs")
        return x, t

    def _check_data(self, data: training_data) -> Tuple[np.ndarray, np.ndarray]:
        ni, no = self._sizes_io()
        if not isinstance(data, training_data):
            raise TypeError(f"expected a libfann.training_data, got {type(data).__name__}")
        X, Y = data._arrays()
        if X.shape[1] != ni or Y.shape[1] != no:
            # FANN: "Error 19: Training data must be of equivalent structure."
            raise FannError(f"Training data must be of equivalent structure: the network has {ni} inputs and "
                            f"{no} outputs, the data {X.shape[1]} and {Y.shape[1]}")
        return X, Y

    def test(self, input: Sequence[float], desired_output: Sequence[float]) -> List[float]:
        """Run one sample and add its error to the MSE and bit fail (fann_test); returns the outputs."""
        x, t = self._check_sample(input, desired_output)
        P = self._predict(x)
        self._accumulate(P, t)
        return [float(v) for v in P[0]]

    def test_data(self, data: training_data) -> float:
        """Reset the MSE, test every sample, return the MSE (fann_test_data)."""
        X, Y = self._check_data(data)
        self.reset_MSE()
        self._accumulate(self._predict(X), Y)
        return self.get_MSE()

    def get_MSE(self) -> float:
        """FANN's mean square error since the last reset: mean over samples and outputs of the squared error
        (halved for symmetric output functions), as float32 like FANN's."""
        if self._mse_count == 0:
            return 0.0
        return float(np.float32(self._mse_sum / (self._mse_count * self._sizes_io()[1])))

    def reset_MSE(self) -> None:
        self._mse_sum, self._mse_count, self._bit_fail = 0.0, 0, 0

    def get_bit_fail(self) -> int:
        return self._bit_fail

    # ------------------------------------------------------------------ training
    def _uniform_factor(self, what: str) -> float:
        """Check that FANN could train this network here; the weights are FANN's own (factor 1)."""
        for code in sorted({c for codes in self._codes for c in codes}):
            if code in _UNTRAINABLE:
                raise FannError(f"Unable to train with activation function {ACTIVATIONFUNC_NAMES[code]} (FANN "
                                "cannot train threshold functions either)")
            if code in _NO_DERIVATIVE:
                raise NotImplementedError(f"{what}: FANN 2.2 has no derivative for {ACTIVATIONFUNC_NAMES[code]} "
                                          "(it computes the function as 0); fastnet does not train it")
        return 1.0

    def _halving(self, what: str) -> float:
        """FANN halves the error of symmetric output functions; with the linear error function that halves the
        gradient, a factor of the learning rate when every output has it (the tanh error function's loss
        applies it per output)."""
        if self.train_error_function != ERRORFUNC_LINEAR:
            return 1.0
        halved = {c in _HALVED for c in self._codes[-1]}
        if len(halved) > 1:
            raise NotImplementedError(f"{what}: with FANN_ERRORFUNC_LINEAR FANN halves the gradient of its symmetric "
                                      "outputs only, and this output layer mixes symmetric and other functions: use "
                                      "FANN_ERRORFUNC_TANH or one kind of output function")
        return 0.5 if halved == {True} else 1.0

    def _optimizer(self, what: str) -> Tuple[Optimizer, Optional[int]]:
        """The fastnet optimizer (and batch size, None = full batch) that trains FANN's algorithm on the folded
        weights: the step sizes rescaled by the fold factor f (and by c = 1/2 for the linear error function of
        symmetric outputs, whose gradient FANN halves)."""
        f = self._uniform_factor(what)
        c = self._halving(what)
        algo = self.training_algorithm
        if algo in (TRAIN_INCREMENTAL, TRAIN_BATCH):
            opt: Optimizer = SGD(lr=self.learning_rate * c * f * f, momentum=self.learning_momentum)
            return opt, (1 if algo == TRAIN_INCREMENTAL else None)
        if algo == TRAIN_RPROP:
            r = self.rprop
            return RPROP(increase_factor=r["increase_factor"], decrease_factor=r["decrease_factor"],
                         delta_min=r["delta_min"] * f, delta_max=r["delta_max"] * f, delta_zero=r["delta_zero"] * f,
                         fann_zero_slope=True), None
        if algo == TRAIN_QUICKPROP:
            if f != 1.0:
                raise NotImplementedError(
                    f"{what}: FANN_TRAIN_QUICKPROP compares each previous step with fixed thresholds (+-0.001) in "
                    f"FANN's weight units, which fastnet cannot rescale: it is exact only where fastnet's weights are "
                    f"FANN's own (fold factor 1, here {f:g}); use steepness 0.5 with SIGMOID or 1 with the other "
                    "functions")
            return Quickprop(lr=self.learning_rate * c, decay=self.quickprop_decay / c, mu=self.quickprop_mu), None
        if f != 1.0 or c != 1.0:
            raise NotImplementedError(f"{what}: FANN_TRAIN_SARPROP's annealing terms are not scale-free, so it is "
                                      f"exact only where the weights are FANN's own (fold factor 1, here {f:g}): "
                                      "use steepness 0.5 with SIGMOID or 1 with SIGMOID_SYMMETRIC")
        r = self.rprop
        return SARPROP(increase_factor=r["increase_factor"], decrease_factor=r["decrease_factor"],
                       delta_max=r["delta_max"], **self.sarprop), None

    def _fit(self, X: np.ndarray, Y: np.ndarray, opt: Optimizer, batch_size: int) -> None:
        self._require().fit(X, Y, epochs=1, batch_size=batch_size, optimizer=opt, shuffle=False, verbose=0)

    def _epochs(self, what: str, X: np.ndarray, Y: np.ndarray, epochs: int,
                after: Optional[Any] = None) -> None:
        """Up to ``epochs`` epochs of the training algorithm in fastnet's C++ loop (FANN_TRAIN_INCREMENTAL: one
        sample per step, in order; the others: one full-batch step per epoch). The loop also accumulates FANN's
        MSE and bit fail of every sample as the epoch meets it, from its outputs before the update that follows
        (FitOptions.fann_error_scale); after each epoch they are this network's MSE and bit fail, and
        ``after(epoch)`` (if given) returns False to stop."""
        net = self._require()
        opt, batch = self._optimizer(what)
        Xa, _, targets = net._xy(X, Y)
        net.optimizer = opt  # its state (RPROP's steps, momentum) lives in the network, kept from call to call
        done, stopped = 0, False

        def hook(log: Dict[str, Any]) -> bool:
            nonlocal stopped
            self._mse_sum, self._mse_count = float(log["fann_sse"]), X.shape[0]
            self._bit_fail = int(log["fann_bit_fail"])
            stopped = after is not None and not after(done + int(log["epoch"]))
            return not stopped

        # in chunks: fit returns a log per epoch, and FANN's epoch limits run to hundreds of thousands
        while done < epochs and not stopped:
            options = _core.FitOptions(epochs=min(epochs - done, 1000), batch_size=1 if batch == 1 else X.shape[0],
                                       optimizer=opt._spec(), shuffle=False)
            scales = [0.5 if c in _HALVED else 1.0 for c in self._codes[-1]]  # (FANN halves symmetric outputs)
            options.fann_error_scale = 1.0
            if len(set(scales)) > 1:
                options.fann_error_scales = scales
            else:
                options.fann_error_scale = scales[0]
            options.fann_bit_fail_limit = float(np.float32(self.bit_fail_limit))
            net._core.fit(Xa, None, targets, None, None, None, options, hook)
            done += options.epochs

    def train(self, input: Sequence[float], desired_output: Sequence[float]) -> None:
        """One incremental step on one sample, whatever the training algorithm (fann_train); the sample's error
        counts in the MSE."""
        self._require()
        x, t = self._check_sample(input, desired_output)
        f = self._uniform_factor("train")
        c = self._halving("train")
        self._accumulate(self._require().predict(x), t)
        self._fit(x, t, SGD(lr=self.learning_rate * c * f * f, momentum=self.learning_momentum), 1)

    def train_epoch(self, data: training_data) -> float:
        """One epoch of the training algorithm on ``data``; returns the MSE FANN reports for it: the error of
        every sample as the epoch met it (before the full-batch algorithms' update)."""
        self._require()
        X, Y = self._check_data(data)
        self._epochs("train_epoch", X, Y, 1)
        return self.get_MSE()

    def _desired_error_reached(self, desired_error: float) -> bool:
        if self.train_stop_function == STOPFUNC_BIT:
            return self._bit_fail <= int(desired_error)
        return self.get_MSE() <= desired_error

    def train_on_data(self, data: training_data, max_epochs: int, epochs_between_reports: int,
                      desired_error: float) -> None:
        """Train until the stop function reaches ``desired_error`` or ``max_epochs`` epochs, printing FANN's report
        lines every ``epochs_between_reports`` epochs (0: silent)."""
        max_epochs = _check_int(max_epochs, "max_epochs")
        every = _check_int(epochs_between_reports, "epochs_between_reports")
        desired_error = _check_float(desired_error, "desired_error")
        self._require()
        self._check_data(data)
        self._optimizer("train_on_data")  # fail before printing anything
        if every:
            sys.stdout.write(f"Max epochs {max_epochs:8d}. Desired error: {desired_error:.10f}.\n")
        X, Y = self._check_data(data)

        def after(i: int) -> bool:
            reached = self._desired_error_reached(desired_error)
            if every and (i % every == 0 or i == max_epochs or i == 1 or reached):
                sys.stdout.write(f"Epochs     {i:8d}. Current error: {self.get_MSE():.10f}. "
                                 f"Bit fail {self._bit_fail}.\n")
            return not reached

        if max_epochs:
            self._epochs("train_on_data", X, Y, max_epochs, after)
        sys.stdout.flush()

    def train_on_file(self, filename: PathLike, max_epochs: int, epochs_between_reports: int,
                      desired_error: float) -> None:
        data = training_data()
        data.read_train_from_file(filename)
        self.train_on_data(data, max_epochs, epochs_between_reports, desired_error)

    # ------------------------------------------------------------------ weights
    def randomize_weights(self, min_weight: float, max_weight: float) -> None:
        """Every FANN weight (biases included) uniform in [min_weight, max_weight] (fann_randomize_weights)."""
        lo, hi = _check_float(min_weight, "min_weight"), _check_float(max_weight, "max_weight")
        if lo > hi:
            raise FannError(f"min_weight {lo} is above max_weight {hi}")
        net = self._require()
        for k, L in enumerate(net.layers):
            self._set_fann_params(k, self._rng.uniform(lo, hi, L.nnz), self._rng.uniform(lo, hi, L.out_features))

    def init_weights(self, data: training_data) -> None:
        """FANN's Nguyen-Widrow initialization (fann_init_weights): scale = (0.7·hidden)^(1/inputs) / (max − min of
        all inputs); FANN weights uniform in [0, scale], biases in [−scale, scale]."""
        X, _ = self._check_data(data)
        net = self._require()
        span = float(X.max()) - float(X.min())
        hidden = sum(net.sizes[1:-1])
        scale = (0.7 * hidden) ** (1.0 / net.num_inputs) / span if span > 0 else 1.0
        for k, L in enumerate(net.layers):
            self._set_fann_params(k, self._rng.uniform(0.0, scale, L.nnz),
                                  self._rng.uniform(-scale, scale, L.out_features))

    def _offsets(self) -> List[int]:
        sizes = self._require().sizes
        return [int(x) for x in np.concatenate([[0], np.cumsum(np.array(sizes) + 1)])]

    def get_connection_array(self) -> List[Tuple[int, int, float]]:
        """Every connection as (from_neuron, to_neuron, weight) with FANN's global neuron numbering (a bias neuron
        ends each layer) and FANN's weights."""
        off = self._offsets()
        out: List[Tuple[int, int, float]] = []
        for k, L in enumerate(self._require().layers):
            rows, cols, w, b = self._fann_params(k)
            bias_neuron = off[k] + L.in_features
            for j in range(L.out_features):
                to = off[k + 1] + j
                sel = rows == j
                out.extend((off[k] + int(c), to, float(np.float32(x))) for c, x in zip(cols[sel], w[sel]))
                out.append((bias_neuron, to, float(np.float32(b[j]))))
        return out

    def set_weight_array(self, connections: Sequence[Tuple[int, int, float]]) -> None:
        """Set weights from (from_neuron, to_neuron, weight) triples (as get_connection_array gives)."""
        off = self._offsets()
        net = self._require()
        params = [list(self._fann_params(k)) for k in range(len(net.layers))]
        for conn in connections:
            self._set_one(off, params, *conn)
        for k, (_, _, w, b) in enumerate(params):
            self._set_fann_params(k, w, b)

    def set_weight(self, from_neuron: int, to_neuron: int, weight: float) -> None:
        off = self._offsets()
        params = [list(self._fann_params(k)) for k in range(len(self._require().layers))]
        k = self._set_one(off, params, from_neuron, to_neuron, weight)
        self._set_fann_params(k, params[k][2], params[k][3])

    def _set_one(self, off: List[int], params: List[List[np.ndarray]], src: int, dst: int, weight: float) -> int:
        net = self._require()
        weight = _check_float(weight, "weight")
        src, dst = _check_int(src, "from_neuron"), _check_int(dst, "to_neuron")
        for k, L in enumerate(net.layers):
            if off[k + 1] <= dst < off[k + 1] + L.out_features:
                j = dst - off[k + 1]
                if src == off[k] + L.in_features:
                    params[k][3][j] = weight
                    return k
                rows, cols = params[k][0], params[k][1]
                hit = np.flatnonzero((rows == j) & (cols == src - off[k]))
                if hit.size and off[k] <= src < off[k] + L.in_features:
                    params[k][2][hit[0]] = weight
                    return k
                break
        raise FannError(f"Unable to find connection from neuron {src} to neuron {dst}")

    # ------------------------------------------------------------------ sizes
    def get_num_input(self) -> int:
        return self._sizes_io()[0]

    def get_num_output(self) -> int:
        return self._sizes_io()[1]

    def get_num_layers(self) -> int:
        return len(self._require().sizes)

    def get_layer_array(self) -> List[int]:
        return list(self._require().sizes)

    def get_bias_array(self) -> List[int]:
        return [1] * (len(self._require().sizes) - 1) + [0]

    def get_total_neurons(self) -> int:
        """Neurons including the bias neurons, less the output layer's unused one (fann_get_total_neurons; a
        shortcut network has one bias neuron, the input layer's)."""
        if self._cascade is not None:
            c = self._cascade
            return c.num_inputs + 1 + c.num_hidden + c.num_outputs
        return sum(n + 1 for n in self._require().sizes) - 1

    def get_total_connections(self) -> int:
        if self._cascade is not None:
            return self._cascade.num_connections
        return sum(L.nnz + L.out_features for L in self._require().layers)

    def get_network_type(self) -> int:
        if self._cascade is not None:
            return NETTYPE_SHORTCUT
        self._require()
        return NETTYPE_LAYER

    def get_connection_rate(self) -> float:
        self._sizes_io()
        return self._rate

    # ------------------------------------------------------------------ activation functions and steepness
    def _layer_index(self, layer: int) -> int:
        n = len(self._require().sizes)
        layer = _check_int(layer, "layer")
        if not 1 <= layer < n:
            raise FannError(f"Index {layer} is out of bound: layers with neurons that have activation functions "
                            f"are 1 .. {n - 1}")
        return layer - 1

    def _neuron_index(self, k: int, neuron: int) -> int:
        neuron = _check_int(neuron, "neuron")
        n = self._steep[k].size
        if neuron >= n:
            raise FannError(f"Index {neuron} is out of bound: layer {k + 1} has neurons 0 .. {n - 1}")
        return neuron

    def get_activation_function(self, layer: int, neuron: int) -> int:
        k = self._layer_index(layer)
        self._neuron_index(k, neuron)
        return self._codes[k][self._neuron_index(k, neuron)]

    def set_activation_function(self, activation_function: int, layer: int, neuron: int) -> None:
        code = _activation_code(activation_function)
        k = self._layer_index(layer)
        codes = list(self._codes[k])
        codes[self._neuron_index(k, neuron)] = code
        self._set_neurons(k, codes, self._steep[k])

    def set_activation_function_layer(self, activation_function: int, layer: int) -> None:
        k = self._layer_index(layer)
        self._set_neurons(k, [_activation_code(activation_function)] * len(self._codes[k]), self._steep[k])

    def _cascade_output(self, code: int, steep: Optional[float]) -> None:
        """Set a shortcut network's output function/steepness, keeping its weights."""
        c = self._cascade
        assert c is not None
        if code in (THRESHOLD, THRESHOLD_SYMMETRIC):
            raise FannError(f"{ACTIVATIONFUNC_NAMES[code]} cannot be trained (cascade training refuses it)")
        acts, st = list(c.activations), [float(x) for x in c.steepness]
        n = c.num_outputs
        acts[-n:] = [ACTIVATIONFUNC_NAMES[code][len("FANN_"):].lower()] * n
        if steep is not None:
            st[-n:] = [steep] * n
        new = CascadeNetwork.from_arrays(c.num_inputs, n, c.layer_sizes, acts, st, c.weights)
        new.seed = c.seed
        self._use_cascade(new)

    def set_activation_function_hidden(self, activation_function: int) -> None:
        code = _activation_code(activation_function)
        if self._cascade is not None:
            if self._cascade.num_hidden:
                raise NotImplementedError("a cascade-trained network's hidden neurons keep the functions their "
                                          "candidates were chosen with")
            return  # (no hidden neurons: nothing to set, as in FANN)
        self._require()
        for k in range(len(self._codes) - 1):
            self._set_neurons(k, [code] * len(self._codes[k]), self._steep[k])

    def set_activation_function_output(self, activation_function: int) -> None:
        code = _activation_code(activation_function)
        if self._cascade is not None:
            return self._cascade_output(code, None)
        self._require()
        self._set_neurons(len(self._codes) - 1, [code] * len(self._codes[-1]), self._steep[-1])

    def get_activation_steepness(self, layer: int, neuron: int) -> float:
        k = self._layer_index(layer)
        return float(self._steep[k][self._neuron_index(k, neuron)])

    def set_activation_steepness(self, steepness: float, layer: int, neuron: int) -> None:
        k = self._layer_index(layer)
        s = self._steep[k].copy()
        s[self._neuron_index(k, neuron)] = _check_float(steepness, "steepness")
        self._set_neurons(k, self._codes[k], s)

    def set_activation_steepness_layer(self, steepness: float, layer: int) -> None:
        k = self._layer_index(layer)
        self._set_neurons(k, self._codes[k], np.full(self._steep[k].size, _check_float(steepness, "steepness")))

    def set_activation_steepness_hidden(self, steepness: float) -> None:
        s = _check_float(steepness, "steepness")
        self._require()
        for k in range(len(self._codes) - 1):
            self._set_neurons(k, self._codes[k], np.full(self._steep[k].size, s))

    def set_activation_steepness_output(self, steepness: float) -> None:
        s = _check_float(steepness, "steepness")
        if self._cascade is not None:
            if s <= 0:
                raise FannError(f"steepness must be > 0, got {s}")
            return self._cascade_output(self._codes[-1][0], s)
        self._require()
        self._set_neurons(len(self._codes) - 1, self._codes[-1], np.full(self._steep[-1].size, s))

    # ------------------------------------------------------------------ training parameters
    def get_training_algorithm(self) -> int:
        return self.training_algorithm

    def set_training_algorithm(self, training_algorithm: int) -> None:
        algo = _check_int(training_algorithm, "training_algorithm")
        if algo > TRAIN_SARPROP:
            raise FannError(f"unknown training algorithm {algo} (FANN's are 0..{TRAIN_SARPROP}: "
                            f"{', '.join(TRAINING_ALGORITHM_NAMES)})")
        self.training_algorithm = algo

    def get_learning_rate(self) -> float:
        return self.learning_rate

    def set_learning_rate(self, learning_rate: float) -> None:
        self.learning_rate = _check_float(learning_rate, "learning_rate")

    def get_learning_momentum(self) -> float:
        return self.learning_momentum

    def set_learning_momentum(self, learning_momentum: float) -> None:
        self.learning_momentum = _check_float(learning_momentum, "learning_momentum")

    def get_train_error_function(self) -> int:
        return self.train_error_function

    def set_train_error_function(self, train_error_function: int) -> None:
        fn_ = _check_int(train_error_function, "train_error_function")
        if fn_ > ERRORFUNC_TANH:
            raise FannError(f"unknown error function {fn_} (FANN's: 0 FANN_ERRORFUNC_LINEAR, 1 FANN_ERRORFUNC_TANH)")
        if fn_ != self.train_error_function:
            self.train_error_function = fn_
            if self._net is not None:  # the loss is part of a fastnet Network: rebuild it with the same weights
                new = self._build(self._net.specs)
                for L, src in zip(new.layers, self._net.layers):
                    L.weights, L.bias = src.weights, src.bias
                self._net = new

    def get_train_stop_function(self) -> int:
        return self.train_stop_function

    def set_train_stop_function(self, train_stop_function: int) -> None:
        fn_ = _check_int(train_stop_function, "train_stop_function")
        if fn_ > STOPFUNC_BIT:
            raise FannError(f"unknown stop function {fn_} (FANN's: 0 FANN_STOPFUNC_MSE, 1 FANN_STOPFUNC_BIT)")
        self.train_stop_function = fn_

    def get_bit_fail_limit(self) -> float:
        return self.bit_fail_limit

    def set_bit_fail_limit(self, bit_fail_limit: float) -> None:
        self.bit_fail_limit = _check_float(bit_fail_limit, "bit_fail_limit")

    def get_quickprop_decay(self) -> float:
        return self.quickprop_decay

    def set_quickprop_decay(self, quickprop_decay: float) -> None:
        self.quickprop_decay = _check_float(quickprop_decay, "quickprop_decay")

    def get_quickprop_mu(self) -> float:
        return self.quickprop_mu

    def set_quickprop_mu(self, quickprop_mu: float) -> None:
        self.quickprop_mu = _check_float(quickprop_mu, "quickprop_mu")

    def get_rprop_increase_factor(self) -> float:
        return self.rprop["increase_factor"]

    def set_rprop_increase_factor(self, value: float) -> None:
        self.rprop["increase_factor"] = _check_float(value, "rprop_increase_factor")

    def get_rprop_decrease_factor(self) -> float:
        return self.rprop["decrease_factor"]

    def set_rprop_decrease_factor(self, value: float) -> None:
        self.rprop["decrease_factor"] = _check_float(value, "rprop_decrease_factor")

    def get_rprop_delta_min(self) -> float:
        return self.rprop["delta_min"]

    def set_rprop_delta_min(self, value: float) -> None:
        self.rprop["delta_min"] = _check_float(value, "rprop_delta_min")

    def get_rprop_delta_max(self) -> float:
        return self.rprop["delta_max"]

    def set_rprop_delta_max(self, value: float) -> None:
        self.rprop["delta_max"] = _check_float(value, "rprop_delta_max")

    def get_rprop_delta_zero(self) -> float:
        return self.rprop["delta_zero"]

    def set_rprop_delta_zero(self, value: float) -> None:
        self.rprop["delta_zero"] = _check_float(value, "rprop_delta_zero")

    def get_sarprop_weight_decay_shift(self) -> float:
        return self.sarprop["weight_decay_shift"]

    def set_sarprop_weight_decay_shift(self, value: float) -> None:
        self.sarprop["weight_decay_shift"] = _check_float(value, "sarprop_weight_decay_shift")

    def get_sarprop_step_error_threshold_factor(self) -> float:
        return self.sarprop["step_error_threshold_factor"]

    def set_sarprop_step_error_threshold_factor(self, value: float) -> None:
        self.sarprop["step_error_threshold_factor"] = _check_float(value, "sarprop_step_error_threshold_factor")

    def get_sarprop_step_error_shift(self) -> float:
        return self.sarprop["step_error_shift"]

    def set_sarprop_step_error_shift(self, value: float) -> None:
        self.sarprop["step_error_shift"] = _check_float(value, "sarprop_step_error_shift")

    def get_sarprop_temperature(self) -> float:
        return self.sarprop["temperature"]

    def set_sarprop_temperature(self, value: float) -> None:
        self.sarprop["temperature"] = _check_float(value, "sarprop_temperature")

    # ------------------------------------------------------------------ scaling (fann_set_scaling_params, ...)
    # FANN's scaling, per input/output neuron: scaled = ((x - mean) / deviation + 1) * factor + new_min with
    # factor = (new_max - new_min) / 2 and mean, deviation (population) taken from the data; fann_run does not
    # apply it: scripts call scale_input / descale_output (or scale_train) themselves.
    def _scaling_from(self, A: np.ndarray, new_min: float, new_max: float, what: str) -> Tuple[np.ndarray, ...]:
        lo, hi = _check_float(new_min, f"new_{what}_min"), _check_float(new_max, f"new_{what}_max")
        A64 = A.astype(np.float64)
        mean = A64.mean(axis=0)
        dev = np.sqrt(((A64 - mean) ** 2).mean(axis=0))
        if np.any(dev == 0):
            raise FannError(f"{what} {int(np.flatnonzero(dev == 0)[0])} has the same value in every sample: its "
                            "scaling deviation is 0 (FANN would divide by it and produce NaN)")
        return mean, dev, np.full(A.shape[1], lo), np.full(A.shape[1], (hi - lo) / 2.0)

    def set_input_scaling_params(self, data: training_data, new_input_min: float, new_input_max: float) -> bool:
        X, _ = self._check_data(data)
        self._scale_in = self._scaling_from(X, new_input_min, new_input_max, "input")
        return True

    def set_output_scaling_params(self, data: training_data, new_output_min: float, new_output_max: float) -> bool:
        _, Y = self._check_data(data)
        self._scale_out = self._scaling_from(Y, new_output_min, new_output_max, "output")
        return True

    def set_scaling_params(self, data: training_data, new_input_min: float, new_input_max: float,
                           new_output_min: float, new_output_max: float) -> bool:
        X, Y = self._check_data(data)
        scale_in = self._scaling_from(X, new_input_min, new_input_max, "input")
        self._scale_out = self._scaling_from(Y, new_output_min, new_output_max, "output")
        self._scale_in = scale_in
        return True

    def clear_scaling_params(self) -> bool:
        self._scale_in = self._scale_out = None
        return True

    def _params(self, which: str) -> Tuple[np.ndarray, ...]:
        p = self._scale_in if which == "input" else self._scale_out
        if p is None:  # FANN_E_SCALE_NOT_PRESENT
            raise FannError(f"Scaling parameters not present: call set_{which}_scaling_params or "
                            "set_scaling_params first")
        return p

    def _apply(self, which: str, A: Any, inverse: bool) -> np.ndarray:
        mean, dev, new_min, factor = self._params(which)
        V = np.asarray(A, dtype=np.float64)
        if V.shape[-1] != mean.size:
            raise FannError(f"{which} scaling is for {mean.size} values per sample, got {V.shape[-1]}")
        out: np.ndarray = (((V - new_min) / factor - 1.0) * dev + mean if inverse
                           else ((V - mean) / dev + 1.0) * factor + new_min)
        return out

    def scale_input(self, input: Sequence[float]) -> List[float]:
        return [float(np.float32(v)) for v in self._apply("input", input, False)]

    def scale_output(self, output: Sequence[float]) -> List[float]:
        return [float(np.float32(v)) for v in self._apply("output", output, False)]

    def descale_input(self, input: Sequence[float]) -> List[float]:
        return [float(np.float32(v)) for v in self._apply("input", input, True)]

    def descale_output(self, output: Sequence[float]) -> List[float]:
        return [float(np.float32(v)) for v in self._apply("output", output, True)]

    def scale_train(self, data: training_data) -> None:
        """Scale the data's inputs and outputs in place with this network's parameters (fann_scale_train)."""
        X, Y = self._check_data(data)
        self._params("input")
        self._params("output")
        data._X = self._apply("input", X, False).astype(np.float32)
        data._Y = self._apply("output", Y, False).astype(np.float32)

    def descale_train(self, data: training_data) -> None:
        X, Y = self._check_data(data)
        self._params("input")
        self._params("output")
        data._X = self._apply("input", X, True).astype(np.float32)
        data._Y = self._apply("output", Y, True).astype(np.float32)

    # ------------------------------------------------------------------ output
    def print_parameters(self) -> None:
        """FANN's parameter listing, line for line as fann_print_parameters prints it (float build)."""
        ni, no = self._sizes_io()
        if self._cascade is not None:
            hidden, bias = list(self._cascade.layer_sizes), 0
        else:
            hidden, bias = self._require().sizes[1:-1], 1
        c = self.cascade
        lines = [f"Input layer                          :{ni:4d} neurons, 1 bias"]
        lines += [f"  Hidden layer                       :{n:4d} neurons, {bias} bias" for n in hidden]
        lines += [
            f"Output layer                         :{no:4d} neurons",
            f"Total neurons and biases             :{self.get_total_neurons():4d}",
            f"Total connections                    :{self.get_total_connections():4d}",
            f"Connection rate                      :{self._rate:8.3f}",
            f"Network type                         :   {('FANN_NETTYPE_LAYER', 'FANN_NETTYPE_SHORTCUT')[bias ^ 1]}",
            f"Training algorithm                   :   {TRAINING_ALGORITHM_NAMES[self.training_algorithm]}",
            f"Training error function              :   {ERRORFUNC_NAMES[self.train_error_function]}",
            f"Training stop function               :   {STOPFUNC_NAMES[self.train_stop_function]}",
            f"Bit fail limit                       :{self.bit_fail_limit:8.3f}",
            f"Learning rate                        :{self.learning_rate:8.3f}",
            f"Learning momentum                    :{self.learning_momentum:8.3f}",
            f"Quickprop decay                      :{self.quickprop_decay:11.6f}",
            f"Quickprop mu                         :{self.quickprop_mu:8.3f}",
            f"RPROP increase factor                :{self.rprop['increase_factor']:8.3f}",
            f"RPROP decrease factor                :{self.rprop['decrease_factor']:8.3f}",
            f"RPROP delta min                      :{self.rprop['delta_min']:8.3f}",
            f"RPROP delta max                      :{self.rprop['delta_max']:8.3f}",
            f"Cascade output change fraction       :{c['output_change_fraction']:11.6f}",
            f"Cascade candidate change fraction    :{c['candidate_change_fraction']:11.6f}",
            f"Cascade output stagnation epochs     :{c['output_stagnation_epochs']:4d}",
            f"Cascade candidate stagnation epochs  :{c['candidate_stagnation_epochs']:4d}",
            f"Cascade max output epochs            :{c['max_out_epochs']:4d}",
            f"Cascade min output epochs            :{c['min_out_epochs']:4d}",
            f"Cascade max candidate epochs         :{c['max_cand_epochs']:4d}",
            f"Cascade min candidate epochs         :{c['min_cand_epochs']:4d}",
            f"Cascade weight multiplier            :{c['weight_multiplier']:8.3f}",
            f"Cascade candidate limit              :{c['candidate_limit']:8.3f}"]
        lines += [f"Cascade activation functions[{i}]      :   {ACTIVATIONFUNC_NAMES[code]}"
                  for i, code in enumerate(c["activation_functions"])]
        lines += [f"Cascade activation steepnesses[{i}]    :{s:8.3f}"
                  for i, s in enumerate(c["activation_steepnesses"])]
        n_cand = len(c["activation_functions"]) * len(c["activation_steepnesses"]) * c["num_candidate_groups"]
        lines += [f"Cascade candidate groups             :{c['num_candidate_groups']:4d}",
                  f"Cascade no. of candidates            :{n_cand:4d}"]
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()

    def print_connections(self) -> None:
        """FANN's picture of the connections (fann_print_connections): a row per neuron after the input layer (bias
        neurons included, as FANN prints them), a column per neuron it may connect from, each connection shown by
        its rounded weight as a letter (``A`` + w for w >= 0, ``a`` + |w| below, capped at 25), ``.`` for none."""
        import tempfile  # the network as FANN's file lays it out: neurons, their connections and layers in order

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "net.net")
            self.save(path)
            fields = _fields(path)
        layer_sizes = [int(t) for t in fields["layer_sizes"].split()]
        counts = [int(part.strip().lstrip("(").split(",")[0])
                  for part in fields[_NEURONS_KEY].split(")") if part.strip()]
        conns = [part.strip().lstrip("(").split(",") for part in fields[_CONNECTIONS_KEY].split(")")
                 if part.strip()]
        columns = self.get_total_neurons() - self.get_num_output()
        lines = ["Layer / Neuron " + "".join(str(i % 10) for i in range(columns))]
        neuron, pos = layer_sizes[0], 0
        for layer, size in enumerate(layer_sizes[1:], start=1):
            for _ in range(size):
                row = ["."] * columns
                for src, w in conns[pos:pos + counts[neuron]]:
                    x = float(w)
                    # C's (int) truncates toward zero
                    row[int(src)] = chr(ord("a") + min(-int(x - 0.5), 25)) if x < 0 else \
                        chr(ord("A") + min(int(x + 0.5), 25))
                pos += counts[neuron]
                lines.append(f"L {layer:3d} / N {neuron:4d} {''.join(row)}")
                neuron += 1
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()

    # ------------------------------------------------------------------ cascade parameters (fann_set_cascade_*)
    def _cascade_param(self, key: str, value: Any, integer: bool = False) -> None:
        self.cascade[key] = _check_int(value, key, 1 if "max" in key or "stagnation" in key else 0) if integer \
            else _check_float(value, key)

    def get_cascade_output_change_fraction(self) -> float:
        return float(self.cascade["output_change_fraction"])

    def set_cascade_output_change_fraction(self, value: float) -> None:
        self._cascade_param("output_change_fraction", value)

    def get_cascade_candidate_change_fraction(self) -> float:
        return float(self.cascade["candidate_change_fraction"])

    def set_cascade_candidate_change_fraction(self, value: float) -> None:
        self._cascade_param("candidate_change_fraction", value)

    def get_cascade_output_stagnation_epochs(self) -> int:
        return int(self.cascade["output_stagnation_epochs"])

    def set_cascade_output_stagnation_epochs(self, value: int) -> None:
        self._cascade_param("output_stagnation_epochs", value, True)

    def get_cascade_candidate_stagnation_epochs(self) -> int:
        return int(self.cascade["candidate_stagnation_epochs"])

    def set_cascade_candidate_stagnation_epochs(self, value: int) -> None:
        self._cascade_param("candidate_stagnation_epochs", value, True)

    def get_cascade_max_out_epochs(self) -> int:
        return int(self.cascade["max_out_epochs"])

    def set_cascade_max_out_epochs(self, value: int) -> None:
        self._cascade_param("max_out_epochs", value, True)

    def get_cascade_min_out_epochs(self) -> int:
        return int(self.cascade["min_out_epochs"])

    def set_cascade_min_out_epochs(self, value: int) -> None:
        self._cascade_param("min_out_epochs", value, True)

    def get_cascade_max_cand_epochs(self) -> int:
        return int(self.cascade["max_cand_epochs"])

    def set_cascade_max_cand_epochs(self, value: int) -> None:
        self._cascade_param("max_cand_epochs", value, True)

    def get_cascade_min_cand_epochs(self) -> int:
        return int(self.cascade["min_cand_epochs"])

    def set_cascade_min_cand_epochs(self, value: int) -> None:
        self._cascade_param("min_cand_epochs", value, True)

    def get_cascade_weight_multiplier(self) -> float:
        return float(self.cascade["weight_multiplier"])

    def set_cascade_weight_multiplier(self, value: float) -> None:
        self._cascade_param("weight_multiplier", value)

    def get_cascade_candidate_limit(self) -> float:
        return float(self.cascade["candidate_limit"])

    def set_cascade_candidate_limit(self, value: float) -> None:
        self._cascade_param("candidate_limit", value)

    def get_cascade_num_candidate_groups(self) -> int:
        return int(self.cascade["num_candidate_groups"])

    def set_cascade_num_candidate_groups(self, value: int) -> None:
        self._cascade_param("num_candidate_groups", value, True)

    def get_cascade_activation_functions(self) -> List[int]:
        return list(self.cascade["activation_functions"])

    def set_cascade_activation_functions(self, functions: Sequence[int]) -> None:
        codes = [_activation_code(f) for f in functions]
        if not codes:
            raise FannError("cascade activation functions: at least one is needed")
        self.cascade["activation_functions"] = codes

    def get_cascade_activation_functions_count(self) -> int:
        return len(self.cascade["activation_functions"])

    def get_cascade_activation_steepnesses(self) -> List[float]:
        return list(self.cascade["activation_steepnesses"])

    def set_cascade_activation_steepnesses(self, steepnesses: Sequence[float]) -> None:
        values = [_check_float(s, "steepness") for s in steepnesses]
        if not values:
            raise FannError("cascade activation steepnesses: at least one is needed")
        self.cascade["activation_steepnesses"] = values

    def get_cascade_activation_steepnesses_count(self) -> int:
        return len(self.cascade["activation_steepnesses"])

    def get_cascade_num_candidates(self) -> int:
        c = self.cascade
        return int(len(c["activation_functions"]) * len(c["activation_steepnesses"]) * c["num_candidate_groups"])

    # ------------------------------------------------------------------ saving
    def save(self, filename: PathLike) -> bool:
        """Write a FANN_FLO_2.1 network file (FANN's weights, functions, steepnesses and training parameters) that
        FANN 2.2's fann_create_from_file loads; written atomically. A shortcut network is written by
        ``fastnet.CascadeNetwork.save_fann`` (with FANN's default training parameters)."""
        self._save(filename, False)
        return True

    def save_to_fixed(self, filename: PathLike) -> int:
        """Write a FANN_FIX_2.0 file as FANN 2.2's fann_save_to_fixed does (libfixedfann's fann_create_from_file
        loads it): the decimal point FANN chooses from the largest sum of |weight| into a neuron, weights and
        steepnesses as integers scaled by 2**decimal_point, no scaling parameters (FANN drops them too). Returns
        FANN's calculated decimal point (negative where the weights are too large for fixed point)."""
        return self._save(filename, True)

    def _cascade_values(self) -> Dict[str, str]:
        """This object's cascade parameters as fann_save writes them (fann_create_from_file reads them back)."""
        c = self.cascade
        out: Dict[str, str] = {}
        for k in ("output_change_fraction", "candidate_change_fraction"):
            out["cascade_" + k] = f"{float(c[k]):f}"
        for k in ("output_stagnation_epochs", "candidate_stagnation_epochs", "max_out_epochs", "min_out_epochs",
                  "max_cand_epochs", "min_cand_epochs", "num_candidate_groups"):
            out["cascade_" + k] = str(int(c[k]))
        for k in ("candidate_limit", "weight_multiplier"):  # (fann_type: float, printed as FANN prints it)
            out["cascade_" + k] = _fmt(float(np.float32(c[k])))
        out["cascade_activation_functions_count"] = str(len(c["activation_functions"]))
        out["cascade_activation_functions"] = "".join(f"{int(f)} " for f in c["activation_functions"])
        out["cascade_activation_steepnesses_count"] = str(len(c["activation_steepnesses"]))
        out["cascade_activation_steepnesses"] = "".join(f"{_fmt(float(np.float32(v)))} "
                                                        for v in c["activation_steepnesses"])
        return out

    def _save(self, filename: PathLike, fixed: bool) -> int:
        if self._cascade is not None:  # (with this object's scaling parameters, as for a layered network)
            text = _shortcut_text(self._cascade).replace("scale_included=0\n", self._scale_lines(), 1)
            lines = text.split("\n")
            values = self._cascade_values()  # (this object's cascade parameters)
            for i, line in enumerate(lines):
                key = line.split("=", 1)[0]
                if key in values:
                    lines[i] = f"{key}={values[key]}"
            text = "\n".join(lines)
            return _write_fann(text, filename, fixed)
        net = self._require()
        sizes = net.sizes
        off = self._offsets()
        values = dict(_TRAINING_DEFAULTS)
        values.update({
            "learning_rate": f"{self.learning_rate:f}", "learning_momentum": f"{self.learning_momentum:f}",
            "training_algorithm": str(self.training_algorithm),
            "train_error_function": str(self.train_error_function),
            "train_stop_function": str(self.train_stop_function), "quickprop_decay": f"{self.quickprop_decay:f}",
            "quickprop_mu": f"{self.quickprop_mu:f}", "bit_fail_limit": _fmt(self.bit_fail_limit)})
        values.update({"rprop_" + k: f"{v:f}" for k, v in self.rprop.items()})
        values.update(self._cascade_values())
        total = possible = 0
        neurons = [f"(0, 0, {_fmt(0.0)}) "] * (sizes[0] + 1)
        conns: List[str] = []
        for k, L in enumerate(net.layers):
            rows, cols, w, b = self._fann_params(k)
            per_row = np.bincount(rows, minlength=L.out_features)
            starts = np.concatenate([[0], np.cumsum(per_row)])
            codes, steep = self._codes[k], self._steep[k]
            bias_neuron = off[k] + L.in_features
            for j in range(L.out_features):
                neurons.append(f"({per_row[j] + 1}, {codes[j]}, {_fmt(float(steep[j]))}) ")
                conns.extend(f"({off[k] + int(c)}, {_fmt(x)}) "
                             for c, x in zip(cols[starts[j]:starts[j + 1]], w[starts[j]:starts[j + 1]]))
                conns.append(f"({bias_neuron}, {_fmt(float(b[j]))}) ")
            neurons.append(f"(0, {codes[0]}, {_fmt(0.0)}) ")
            total += int(per_row.sum()) + L.out_features
            possible += (L.in_features + 1) * L.out_features
        rate = 1.0 if total == possible else min(total / possible, 0.999999)
        values["connection_rate"] = f"{rate:f}"
        text = "".join([
            "FANN_FLO_2.1\n", f"num_layers={len(sizes)}\n",
            "".join(f"{key}={values[key]}\n" for key, _ in _TRAINING_DEFAULTS),
            "layer_sizes=" + "".join(f"{n + 1} " for n in sizes) + "\n", self._scale_lines(),
            _NEURONS_KEY + "=" + "".join(neurons) + "\n", _CONNECTIONS_KEY + "=" + "".join(conns) + "\n"])
        return _write_fann(text, filename, fixed)

    def _scale_lines(self) -> str:
        if self._scale_in is None and self._scale_out is None:
            return "scale_included=0\n"
        ni, no = self._sizes_io()
        # FANN saves both sets once either is set; an unset one is the identity's (mean 0, deviation 1, -1, 1)
        default = (np.zeros(ni), np.ones(ni), np.full(ni, -1.0), np.ones(ni))
        ins = self._scale_in or default
        outs = self._scale_out or (np.zeros(no), np.ones(no), np.full(no, -1.0), np.ones(no))
        text = "scale_included=1\n"
        for where, params in (("in", ins), ("out", outs)):
            for what, values in zip(("mean", "deviation", "new_min", "factor"), params):
                text += f"scale_{what}_{where}=" + "".join(f"{_fmt(float(v))} " for v in values) + "\n"
        return text

    # ------------------------------------------------------------------ cascade
    def cascadetrain_on_data(self, data: training_data, max_neurons: int, neurons_between_reports: int,
                             desired_error: float) -> None:
        """Cascade2 (fann_cascadetrain_on_data) on a shortcut network, by fastnet's cascade training with this
        network's settings: training algorithm (RPROP, Quickprop or SARPROP), error and stop functions, bit-fail
        limit and the cascade parameters. Prints FANN's report lines every ``neurons_between_reports`` neurons."""
        if self._cascade is None:
            self._sizes_io()
            raise FannError("cascade training needs a shortcut network: create it with create_shortcut_array"
                            "([inputs, outputs])")
        X, Y = self._check_data(data)
        max_neurons = _check_int(max_neurons, "max_neurons")
        every = _check_int(neurons_between_reports, "neurons_between_reports")
        desired_error = _check_float(desired_error, "desired_error")
        algo = self.training_algorithm
        r = self.rprop
        opt: Optimizer
        if algo == TRAIN_RPROP:
            opt = RPROP(fann_zero_slope=True, **r)
        elif algo == TRAIN_QUICKPROP:
            opt = Quickprop(lr=self.learning_rate, decay=self.quickprop_decay, mu=self.quickprop_mu)
        elif algo == TRAIN_SARPROP:
            opt = SARPROP(increase_factor=r["increase_factor"], decrease_factor=r["decrease_factor"],
                          delta_max=r["delta_max"], **self.sarprop)
        else:  # FANN: FANN_E_CANT_USE_TRAIN_ALG
            raise FannError(f"Unable to use the selected training algorithm ({TRAINING_ALGORITHM_NAMES[algo]}) for "
                            "cascade training: use FANN_TRAIN_RPROP, FANN_TRAIN_QUICKPROP or FANN_TRAIN_SARPROP")
        c = self.cascade
        names = [ACTIVATIONFUNC_NAMES[code][len("FANN_"):].lower() for code in c["activation_functions"]]
        opts = CascadeOptions(
            max_neurons=max_neurons, desired_error=desired_error, optimizer=opt,
            error_function="tanh" if self.train_error_function == ERRORFUNC_TANH else "linear",
            stop_function="bit" if self.train_stop_function == STOPFUNC_BIT else "mse",
            bit_fail_limit=self.bit_fail_limit, output_change_fraction=c["output_change_fraction"],
            output_stagnation_epochs=c["output_stagnation_epochs"], min_out_epochs=c["min_out_epochs"],
            max_out_epochs=c["max_out_epochs"], candidate_change_fraction=c["candidate_change_fraction"],
            candidate_stagnation_epochs=c["candidate_stagnation_epochs"], min_cand_epochs=c["min_cand_epochs"],
            max_cand_epochs=c["max_cand_epochs"], candidate_activations=tuple(names),
            candidate_steepnesses=tuple(c["activation_steepnesses"]),
            num_candidate_groups=c["num_candidate_groups"], weight_multiplier=c["weight_multiplier"],
            candidate_limit=c["candidate_limit"])
        n_values = X.shape[0] * Y.shape[1]
        last: Dict[str, Any] = {}

        def report(entry: Dict[str, Any]) -> None:
            i = int(entry["hidden"]) + 1
            reached = (entry["bit_fail"] <= int(desired_error) if self.train_stop_function == STOPFUNC_BIT
                       else entry["mse"] <= desired_error)
            if entry["final"]:
                sys.stdout.write(f"Train outputs    Current error: {entry['mse']:.6f}. "
                                 f"Epochs {entry['total_epochs']:6d}\n")
            elif i % every == 0 or i == max_neurons or i == 1 or reached:
                # FANN prints this line between the round's output and candidate training: its epochs so far
                line = (f"Neurons     {i - 1:3d}. Current error: {entry['mse']:.6f}. Total error:"
                        f"{entry['mse'] * n_values:8.4f}. "
                        f"Epochs {entry['total_epochs'] - int(entry['candidate_epochs'] or 0):5d}. "
                        f"Bit fail {entry['bit_fail']:3d}")
                if last.get("installed"):  # the neuron installed last round
                    code = ACTIVATIONFUNC_NAMES.index("FANN_" + str(last["candidate_activation"]).upper())
                    line += (f". candidate steepness {last['candidate_steepness']:.2f}. "
                             f"function {ACTIVATIONFUNC_NAMES[code]}")
                sys.stdout.write(line + "\n")
            last.clear()
            last.update(entry)

        if every:
            sys.stdout.write(f"Max neurons {max_neurons:3d}. Desired error: {desired_error:.6f}\n")
        self._cascade.fit(X, Y, options=opts, seed=int(self._rng.integers(2**63)),
                          callback=(lambda e: report(e)) if every else None)
        sys.stdout.flush()
        self.test_data(data)  # FANN's MSE and bit fail are the last output training's

    def cascadetrain_on_file(self, filename: PathLike, max_neurons: int, neurons_between_reports: int,
                             desired_error: float) -> None:
        data = training_data()
        data.read_train_from_file(filename)
        self.cascadetrain_on_data(data, max_neurons, neurons_between_reports, desired_error)

    # ------------------------------------------------------------------ misc
    def destroy(self) -> None:
        self._net = None

    @property
    def network(self) -> Network:
        """The fastnet Network behind this neural_net (steepness folded into its weights)."""
        return self._require()


def _fmt(x: float) -> str:
    return f"{x:.20e}"


def _fields(path: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    with open(path, encoding="ascii") as f:
        for line in f.read().split("\n")[1:]:
            key, eq, value = line.partition("=")
            if eq:
                out[key.strip()] = value.strip()
    return out


def _neuron_tuples(text: str) -> List[Tuple[int, float]]:
    out: List[Tuple[int, float]] = []
    for part in text.split(")"):
        part = part.strip().lstrip("(")
        if part:
            _, code, steep = (t.strip() for t in part.split(","))
            out.append((int(code), float(steep)))
    return out


def _write_fann(text: str, filename: PathLike, fixed: bool) -> int:
    """Write a FANN_FLO_2.1 text, or its FANN_FIX_2.0 form (fann_save_to_fixed's, which returns FANN's calculated
    decimal point), atomically."""
    calculated = 0
    if fixed:
        text, calculated = _to_fixed(text)
    write_atomic(os.fspath(filename), text.encode("ascii"))
    return calculated
