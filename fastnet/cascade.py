"""Cascade2 constructive training (FANN's ``fann_cascadetrain_on_data``) and the shortcut networks it grows.

>>> import fastnet as fn
>>> X, Y = fn.datasets.load_fann_data("two-spiral.train")                    # doctest: +SKIP
>>> net = fn.cascade_train(X, Y, max_neurons=30, desired_error=0.001)         # doctest: +SKIP
>>> net.predict(X); net.evaluate(X, Y); net.save("spiral.fnet"); net.save_fann("spiral.net")   # doctest: +SKIP

Training starts from a network with no hidden neurons (inputs and a bias connected to the outputs), trains the
outputs (RPROP by default, full batch), then repeatedly trains a pool of candidate neurons to maximize FANN's
Cascade2 score against the remaining error and installs the best as a new hidden neuron fed by all inputs and
all earlier hidden neurons (shortcut connections), until the desired error or ``max_neurons``. The loop, its
parameters and defaults are FANN 2.2's (``fann_set_cascade_*``); the C++ (``csrc/cascade/``) trains the
candidates in parallel, deterministically. Its header comment lists where fastnet departs from FANN, and why.

Activations and steepness are FANN's here: a neuron computes ``f(s * sum)`` with FANN's function ``f`` and its own
steepness ``s``. In particular ``"sigmoid"`` is FANN_SIGMOID, ``1 / (1 + exp(-2 s sum))`` (steepness 0.5 is the
standard logistic) and ``"sigmoid_symmetric"`` (also ``"tanh"``) is ``tanh(s sum)``; ``"sigmoid_stepwise"`` and
``"sigmoid_symmetric_stepwise"`` are FANN's stepwise functions of ``s * sum`` (FANN_SIGMOID_STEPWISE,
FANN_SIGMOID_SYMMETRIC_STEPWISE, trained with the sigmoids' derivative as FANN trains them); the others are
fastnet's activations of the same names (``fastnet.layers.ACTIVATIONS``) at ``s * sum``.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union, cast

import numpy as np

from . import _core
from ._arrays import as_features, as_targets, check_int, check_real
from ._format import ModelFormatError, decode, encode, write_atomic
from .io import register_model_kind
from .layers import ACTIVATIONS, SYMMETRIC_CODES
from .optimizers import RPROP, SARPROP, Optimizer, Quickprop, optimizer_from_dict

__all__ = ["CascadeNetwork", "cascade_train", "CASCADE_ACTIVATIONS", "DEFAULT_CANDIDATE_ACTIVATIONS",
           "DEFAULT_CANDIDATE_STEEPNESSES"]

PathLike = Union[str, "os.PathLike[str]"]

#: activation names of cascade networks (FANN's functions) -> the core's codes (fastnet.layers.ACTIVATIONS, whose
#: names these are but for FANN's "sigmoid_symmetric", the core's tanh)
CASCADE_ACTIVATIONS: Dict[str, int] = {
    name: ACTIVATIONS["tanh" if name == "sigmoid_symmetric" else name] for name in (
        "linear", "sigmoid", "sigmoid_symmetric", "threshold", "threshold_symmetric", "gaussian",
        "gaussian_symmetric", "elliot", "elliot_symmetric", "linear_piece", "linear_piece_symmetric", "sin",
        "sin_symmetric", "cos", "cos_symmetric", "sigmoid_stepwise", "sigmoid_symmetric_stepwise")}
_ALIASES = {"tanh": "sigmoid_symmetric"}
_NAME_OF = {code: name for name, code in CASCADE_ACTIVATIONS.items()}

#: FANN 2.2's default cascade_activation_functions, in its order
DEFAULT_CANDIDATE_ACTIVATIONS: Tuple[str, ...] = (
    "sigmoid", "sigmoid_symmetric", "gaussian", "gaussian_symmetric", "elliot", "elliot_symmetric",
    "sin_symmetric", "cos_symmetric", "sin", "cos")
#: FANN 2.2's default cascade_activation_steepnesses
DEFAULT_CANDIDATE_STEEPNESSES: Tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)


def _activation(name: Any, what: str) -> str:
    if isinstance(name, str):
        name = _ALIASES.get(name, name)
    if not isinstance(name, str) or name not in CASCADE_ACTIVATIONS:
        raise ValueError(f"unknown {what} {name!r}; accepted: {', '.join(map(repr, CASCADE_ACTIVATIONS))} "
                         "(FANN's functions; 'tanh' means 'sigmoid_symmetric')")
    return name


def _real(value: Any, name: str, lo: float = -math.inf, hi: float = math.inf, lo_open: bool = False) -> float:
    return check_real(value, name, lo, hi, lo_open=lo_open)


# ============================================================================================= parameters
@dataclass(frozen=True)
class CascadeOptions:
    """Everything ``cascade_train`` takes besides the data, validated; names and defaults are FANN's (FANN's
    ``fann_set_cascade_output_change_fraction`` is ``output_change_fraction``, and so on). Kept with the network
    (``net.options``) and saved with it."""

    max_neurons: int = 30
    desired_error: float = 0.0
    optimizer: Optimizer = RPROP()
    error_function: str = "tanh"
    stop_function: str = "mse"
    bit_fail_limit: float = 0.35
    output_change_fraction: float = 0.01
    output_stagnation_epochs: int = 12
    min_out_epochs: int = 50
    max_out_epochs: int = 150
    candidate_change_fraction: float = 0.01
    candidate_stagnation_epochs: int = 12
    min_cand_epochs: int = 50
    max_cand_epochs: int = 150
    candidate_activations: Tuple[str, ...] = DEFAULT_CANDIDATE_ACTIVATIONS
    candidate_steepnesses: Tuple[float, ...] = DEFAULT_CANDIDATE_STEEPNESSES
    num_candidate_groups: int = 2
    weight_multiplier: float = 0.4
    candidate_limit: float = 1000.0

    def __post_init__(self) -> None:
        check_int(self.max_neurons, "max_neurons", 0, 1_000_000)
        _real(self.desired_error, "desired_error", 0.0)
        if not isinstance(self.optimizer, (RPROP, Quickprop, SARPROP)):
            raise TypeError("cascade training uses FANN's full-batch algorithms: optimizer must be fn.RPROP(...), "
                            f"fn.Quickprop(...) or fn.SARPROP(...), got {type(self.optimizer).__name__}")
        if self.error_function not in ("tanh", "linear"):
            raise ValueError(f"error_function must be 'tanh' (FANN_ERRORFUNC_TANH, FANN's default) or 'linear', "
                             f"got {self.error_function!r}")
        if self.stop_function not in ("mse", "bit"):
            raise ValueError(f"stop_function must be 'mse' (FANN_STOPFUNC_MSE) or 'bit' (FANN_STOPFUNC_BIT), got "
                             f"{self.stop_function!r}")
        _real(self.bit_fail_limit, "bit_fail_limit", 0.0, lo_open=True)
        for name in ("output_change_fraction", "candidate_change_fraction"):
            _real(getattr(self, name), name, 0.0)
        for name in ("output_stagnation_epochs", "candidate_stagnation_epochs", "max_out_epochs", "max_cand_epochs"):
            check_int(getattr(self, name), name, 1, 10**9)
        for name in ("min_out_epochs", "min_cand_epochs"):
            check_int(getattr(self, name), name, 0, 10**9)
        acts, steeps = self.candidate_activations, self.candidate_steepnesses
        if isinstance(acts, str) or not isinstance(acts, Sequence) or len(acts) == 0:
            raise TypeError("candidate_activations must be a non-empty sequence of activation names")
        names = tuple(_activation(a, "candidate activation") for a in acts)
        for a in names:
            if a.startswith("threshold"):
                raise ValueError(f"candidate activation {a!r} cannot be trained (its derivative is zero); FANN "
                                 "refuses it too")
        object.__setattr__(self, "candidate_activations", names)
        if isinstance(steeps, (str, bytes)) or not isinstance(steeps, Sequence) or len(steeps) == 0:
            raise TypeError("candidate_steepnesses must be a non-empty sequence of numbers > 0")
        object.__setattr__(self, "candidate_steepnesses",
                           tuple(_real(s, "candidate steepness", 0.0, lo_open=True) for s in steeps))
        check_int(self.num_candidate_groups, "num_candidate_groups", 1, 10000)
        if len(names) * len(self.candidate_steepnesses) * self.num_candidate_groups > 100000:
            raise ValueError("too many candidates (activations x steepnesses x groups > 100,000)")
        _real(self.weight_multiplier, "weight_multiplier")
        _real(self.candidate_limit, "candidate_limit", 0.0, lo_open=True)

    @property
    def num_candidates(self) -> int:
        """FANN's fann_get_cascade_num_candidates: activations × steepnesses × groups."""
        return len(self.candidate_activations) * len(self.candidate_steepnesses) * self.num_candidate_groups

    def _spec(self) -> Dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["optimizer"] = self.optimizer._spec()
        d["stop_on_bit_fail"] = self.stop_function == "bit"
        d["tanh_error"] = self.error_function == "tanh"
        d["candidate_activations"] = [CASCADE_ACTIVATIONS[a] for a in self.candidate_activations]
        d["candidate_steepnesses"] = list(self.candidate_steepnesses)
        return d

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["optimizer"] = self.optimizer.to_dict()
        d["candidate_activations"] = list(self.candidate_activations)
        d["candidate_steepnesses"] = list(self.candidate_steepnesses)
        return d

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> CascadeOptions:
        if not isinstance(d, dict):
            raise ValueError(f"not a cascade options description: {d!r}")
        names = {f.name for f in fields(cls)}
        extra = set(d) - names
        if extra:
            raise ValueError(f"unknown cascade option(s) {sorted(extra)}")
        kw = dict(d)
        if "optimizer" in kw:
            kw["optimizer"] = optimizer_from_dict(kw["optimizer"])
        for k in ("candidate_activations", "candidate_steepnesses"):
            if k in kw and isinstance(kw[k], list):
                kw[k] = tuple(kw[k])
        return cls(**kw)


# ============================================================================================= the network
class CascadeNetwork:
    """A FANN shortcut network: hidden layers (one neuron each when grown by cascade training), each fed by the
    inputs, a bias and every earlier hidden layer; outputs fed by all of them. What ``cascade_train`` returns and
    what ``fn.load_fann`` gives for a FANN shortcut network (``network_type=1``). float32.

    Build one with :func:`cascade_train`, :meth:`create` (no hidden neurons yet; grow it with :meth:`fit`),
    ``fn.load(path)`` or ``fn.load_fann(path)``.

    Attributes
    ----------
    history : list of dict
        One entry per round of the last training: ``hidden`` (neurons when the outputs were trained), ``mse``
        (FANN's MSE on the training set then), ``bit_fail``, ``output_epochs``, ``candidate_epochs``,
        ``total_epochs``, ``installed``, ``candidate_activation``, ``candidate_steepness``, ``candidate_score``,
        ``final`` (the last output training) and ``seconds``; with validation data also ``val_mse`` and
        ``val_bit_fail``.
    options : CascadeOptions or None
        The options of the last training.
    fann_settings : dict of str to str
        FANN's training settings and scaling lines as a FANN file had them (what ``fn.load_fann`` read);
        ``save_fann`` writes them back (those the last training's ``options`` set excepted).
    scaling : dict
        ``{"input": (scale, offset) or None, "output": ...}``: FANN's scaling parameters of a loaded file, applied by
        ``predict`` (and ``evaluate``, ``fit``) as ``fann_scale_input`` / ``fann_descale_output`` apply them.
    """

    def __init__(self, core: _core.CascadeNet, history: Optional[List[Dict[str, Any]]] = None,
                 options: Optional[CascadeOptions] = None, seed: int = 0) -> None:
        if not isinstance(core, _core.CascadeNet):
            raise TypeError("build a CascadeNetwork with fn.cascade_train, CascadeNetwork.create, fn.load or "
                            "fn.load_fann")
        self._core = core
        self.history: List[Dict[str, Any]] = list(history or [])
        self.options = options
        self.seed = seed
        self.fann_settings: Dict[str, str] = {}
        # FANN's scaling as fastnet's per-feature (scale, offset): x * scale + offset (see fastnet.fann._scale_map)
        self._scaling: Dict[str, Optional[Tuple[np.ndarray, np.ndarray]]] = {"input": None, "output": None}

    @classmethod
    def create(cls, num_inputs: int, num_outputs: int, output_activation: str = "sigmoid",
               output_steepness: float = 0.5, seed: int = 0) -> CascadeNetwork:
        """A network without hidden neurons, as FANN's ``fann_create_shortcut(2, num_inputs, num_outputs)``:
        outputs fed by the inputs and a bias, weights uniform in [-0.1, 0.1] (seeded). FANN's default output is
        FANN_SIGMOID_STEPWISE with steepness 0.5; fastnet's is the exact FANN_SIGMOID ("sigmoid")."""
        num_inputs = check_int(num_inputs, "num_inputs", 1, 2**24 - 1)
        num_outputs = check_int(num_outputs, "num_outputs", 1, 2**24 - 1)
        act = _activation(output_activation, "output_activation")
        s = _real(output_steepness, "output_steepness", 0.0, lo_open=True)
        seed = check_int(seed, "seed", 0, 2**64 - 1)
        core = _core.cascade_fresh(num_inputs, num_outputs, CASCADE_ACTIVATIONS[act], s, seed)
        return cls(core, seed=seed)

    @classmethod
    def from_arrays(cls, num_inputs: int, num_outputs: int, layer_sizes: Sequence[int],
                    activations: Sequence[str], steepness: Sequence[float], weights: Any) -> CascadeNetwork:
        """A shortcut network from its parts: hidden layer sizes, one activation name and steepness per neuron
        (hidden neurons in order, then outputs), and the weights in FANN's connection order (each neuron's
        incoming run: inputs, bias, hidden neurons of earlier layers; runs in neuron order)."""
        codes = [CASCADE_ACTIVATIONS[_activation(a, "activation")] for a in activations]
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or not np.all(np.isfinite(w)):
            raise ValueError("weights must be a 1-D array of finite numbers")
        with np.errstate(over="ignore"):
            w32 = w.astype(np.float32)
        if not np.all(np.isfinite(w32)):
            raise ValueError("weights exceed float32's range")
        core = _core.CascadeNet(int(num_inputs), int(num_outputs), [int(k) for k in layer_sizes], codes,
                                [float(s) for s in steepness], w32)
        return cls(core)

    # ---------------------------------------------------------------- description
    @property
    def num_inputs(self) -> int:
        return int(self._core.num_inputs)

    @property
    def dtype(self) -> np.dtype:
        """float32 (the only precision of cascade networks)."""
        return np.dtype(np.float32)

    @property
    def scaling(self) -> Dict[str, Optional[Tuple[np.ndarray, np.ndarray]]]:
        """``{"input": (scale, offset) or None, "output": ...}``, copies (FANN's scaling of a loaded file)."""
        return {k: (None if v is None else (v[0].copy(), v[1].copy())) for k, v in self._scaling.items()}

    def clear_scaling(self, input: bool = True, output: bool = True) -> None:
        """Drop the input and/or output scaling (``predict`` then gives plain ``fann_run`` outputs)."""
        if input:
            self._scaling["input"] = None
        if output:
            self._scaling["output"] = None

    def _scale_x(self, Xa: np.ndarray) -> np.ndarray:
        sin = self._scaling["input"]
        return Xa if sin is None else np.ascontiguousarray(Xa * sin[0] + sin[1], dtype=np.float32)

    def _scale_t(self, T: np.ndarray) -> np.ndarray:
        sout = self._scaling["output"]
        return T if sout is None else np.ascontiguousarray(T * sout[0] + sout[1], dtype=T.dtype)

    @property
    def num_outputs(self) -> int:
        return int(self._core.num_outputs)

    @property
    def layer_sizes(self) -> List[int]:
        """Neurons per hidden layer (cascade training adds layers of one)."""
        return list(self._core.layer_sizes)

    @property
    def num_hidden(self) -> int:
        return sum(self.layer_sizes)

    @property
    def activations(self) -> List[str]:
        """Activation name per neuron: hidden neurons in order, then outputs."""
        return [_NAME_OF[c] for c in self._core.activations]

    @property
    def steepness(self) -> np.ndarray:
        """Steepness per neuron: hidden neurons in order, then outputs (float32)."""
        return np.array(self._core.steepness, dtype=np.float32)

    @property
    def weights(self) -> np.ndarray:
        """All weights in FANN's connection order, a read-only copy; assign an array of the same length to set."""
        w = self._core.weights
        w.flags.writeable = False
        return w

    @weights.setter
    def weights(self, values: Any) -> None:
        w = np.asarray(values)
        if w.shape != (self.num_connections,):
            raise ValueError(f"weights must have shape ({self.num_connections},), got {w.shape}")
        self._core = CascadeNetwork.from_arrays(self.num_inputs, self.num_outputs, self.layer_sizes,
                                                self.activations, self.steepness.tolist(), w)._core

    @property
    def fan_ins(self) -> List[int]:
        """Incoming connections per neuron (hidden in order, then outputs)."""
        out, units = [], self.num_inputs + 1
        for k in self.layer_sizes:
            out += [units] * k
            units += k
        return out + [units] * self.num_outputs

    @property
    def num_connections(self) -> int:
        return int(sum(self.fan_ins))

    def neuron_weights(self, i: int) -> np.ndarray:
        """Neuron i's incoming weights (i counts hidden neurons, then outputs): inputs, bias, earlier hidden."""
        fan = self.fan_ins
        i = check_int(i, "i", 0, len(fan) - 1)
        start = int(sum(fan[:i]))
        return self.weights[start:start + fan[i]].copy()

    def summary(self) -> str:
        """A table of the neurons: kind, activation, steepness, incoming connections."""
        rows = [f"{'neuron':<8}{'kind':<8}{'activation':<24}{'steepness':>10}{'inputs':>8}"]
        acts, steep, fan = self.activations, self.steepness, self.fan_ins
        H = self.num_hidden
        for i, (a, s, f) in enumerate(zip(acts, steep, fan)):
            kind = "hidden" if i < H else "output"
            rows.append(f"{i:<8}{kind:<8}{a:<24}{float(s):>10.4g}{f:>8}")
        rows.append(f"{self.num_inputs} inputs, {H} hidden neurons in {len(self.layer_sizes)} layers, "
                    f"{self.num_outputs} outputs; {self.num_connections:,} connections (float32)")
        text = "\n".join(rows)
        print(text)
        return text

    def __repr__(self) -> str:
        return (f"CascadeNetwork(inputs={self.num_inputs}, hidden={self.num_hidden}, outputs={self.num_outputs}, "
                f"connections={self.num_connections})")

    # ---------------------------------------------------------------- inference
    def predict(self, X: Any) -> np.ndarray:
        """Outputs for X (n, inputs): an (n, outputs) float32 array (FANN's fann_run per row; with scaling, FANN's
        fann_scale_input -> fann_run -> fann_descale_output)."""
        out: np.ndarray = self._core.predict(self._scale_x(as_features(X, self.num_inputs, np.dtype(np.float32))))
        sout = self._scaling["output"]
        if sout is not None:
            out = ((out - sout[1]) / sout[0]).astype(np.float32)
        return out

    def predict_classes(self, X: Any) -> np.ndarray:
        """Argmax of the outputs, or for one output: above 0.5 (0 for symmetric output activations)."""
        P = self.predict(X)
        classes: np.ndarray
        if P.shape[1] == 1:
            classes = (P[:, 0] > self._threshold()).astype(np.int64)
        else:
            classes = np.argmax(P, axis=1)
        return classes

    def _threshold(self) -> float:
        return 0.0 if CASCADE_ACTIVATIONS[self.activations[-1]] in SYMMETRIC_CODES else 0.5

    def _targets(self, y: Any, n: int, name: str = "y") -> np.ndarray:
        return _targets(y, n, self.num_outputs, name)

    def evaluate(self, X: Any, y: Any, bit_fail_limit: float = 0.35) -> Dict[str, float]:
        """``{"mse": FANN's MSE (fann_test_data: mean of squared errors over samples and outputs, halved errors
        for symmetric outputs), "bit_fail": outputs off by >= bit_fail_limit, "loss": fastnet's MSE loss
        (½·Σ(y−t)² per sample, averaged), "accuracy": argmax (one output: threshold) agreement}``; accuracy only
        when the targets are class-like (one-hot rows, or 0/1 or ±1 values for a single output). With scaling,
        in the network's scaled units (as FANN's fann_test_data after fann_scale_train)."""
        Xa = self._scale_x(as_features(X, self.num_inputs, np.dtype(np.float32)))
        T = self._scale_t(self._targets(y, Xa.shape[0]))
        limit = _real(bit_fail_limit, "bit_fail_limit", 0.0, lo_open=True)
        mse, bits = self._core.fann_mse(Xa, T, limit)
        P = self._core.predict(Xa)
        out = {"mse": float(mse), "bit_fail": int(bits),
               "loss": float(0.5 * np.mean(np.sum((P.astype(np.float64) - T) ** 2, axis=1)))}
        if _class_like(T):
            if T.shape[1] == 1:
                thr = self._threshold()
                out["accuracy"] = float(np.mean((P[:, 0] > thr) == (T[:, 0] > thr)))
            else:
                out["accuracy"] = float(np.mean(np.argmax(P, axis=1) == np.argmax(T, axis=1)))
        return out

    # ---------------------------------------------------------------- training
    def fit(self, X: Any, y: Any, max_neurons: Optional[int] = None, desired_error: Optional[float] = None, *,
            seed: Optional[int] = None, verbose: int = 0, callback: Optional[Callable[[Dict[str, Any]], Any]] = None,
            validation_data: Optional[Tuple[Any, Any]] = None, **options: Any) -> CascadeNetwork:
        """Grow this network by Cascade2 on (X, y) (FANN's fann_cascadetrain_on_data on an existing network):
        see :func:`cascade_train` for the arguments (max_neurons defaults to 30, desired_error to 0), or pass
        ``options=CascadeOptions(...)``. Returns self; ``history`` holds the rounds."""
        opts = options.pop("options", None)
        if opts is None:
            opts = CascadeOptions(max_neurons=30 if max_neurons is None else max_neurons,
                                  desired_error=0.0 if desired_error is None else desired_error, **options)
        elif options or max_neurons is not None or desired_error is not None:
            raise TypeError("give either options=CascadeOptions(...) or keyword options, not both")
        if not isinstance(opts, CascadeOptions):
            raise TypeError(f"options must be a CascadeOptions, got {type(opts).__name__}")
        Xa = self._scale_x(as_features(X, self.num_inputs, np.dtype(np.float32)))
        T = self._scale_t(self._targets(y, Xa.shape[0]))
        verbose = check_int(verbose, "verbose", 0)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        seed = self.seed if seed is None else check_int(seed, "seed", 0, 2**64 - 1)
        val = None
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise TypeError("validation_data must be a tuple (X_val, y_val)")
            Xv = as_features(validation_data[0], self.num_inputs, np.dtype(np.float32), "validation X")
            val = (self._scale_x(Xv), self._scale_t(_targets(validation_data[1], Xv.shape[0], self.num_outputs,
                                                             "validation y")))
        if verbose:
            print(f"Max neurons {opts.max_neurons}. Desired error: {opts.desired_error:.6f}")
        rounds: List[Dict[str, Any]] = []

        def hook(raw: Dict[str, Any]) -> Any:
            trained = CascadeNetwork(raw.pop("network"))
            trained._scaling = dict(self._scaling)  # (the callback's network predicts in the caller's units too)
            r = _report(raw)
            if val is not None:  # the validation error of the outputs this round trained
                r["val_mse"], r["val_bit_fail"] = (float(v) for v in trained._core.fann_mse(val[0], val[1],
                                                                                            opts.bit_fail_limit))
            rounds.append(r)
            if verbose:
                _print_report(r)
            return None if callback is None else callback(dict(r, network=trained))

        try:
            core, raw = _core.cascade_train(self._core, Xa, T, opts._spec(), seed, hook)
        except KeyboardInterrupt as exc:  # stopped between rounds: hand back the network grown so far
            grown = getattr(exc, "network", None)
            if grown is not None:
                self._core = grown
                exc.network = self  # type: ignore[attr-defined]
            self.history = rounds
            exc.history = self.history  # type: ignore[attr-defined]
            raise
        self._core = core
        self.history = rounds
        assert len(rounds) == len(raw)
        self.options = opts
        self.seed = seed
        return self

    # ---------------------------------------------------------------- persistence
    def to_bytes(self) -> bytes:
        """The network as .fnet bytes (``fn.load``/``from_bytes`` read them back): topology, activations,
        steepness, weights, the training options and history."""
        header: Dict[str, Any] = {
            "model": "cascade",
            "fastnet_version": _core.__version__,
            "dtype": "float32",
            "seed": self.seed,
            "num_inputs": self.num_inputs,
            "num_outputs": self.num_outputs,
            "layer_sizes": self.layer_sizes,
            "activations": self.activations,
            "history": self.history,
        }
        if self.options is not None:
            header["options"] = self.options.to_dict()
        arrays = [("cascade.steepness", self.steepness), ("cascade.weights", self._core.weights)]
        for which, params in self._scaling.items():  # (only where set: files without them read as before)
            if params is not None:
                arrays += [(f"cascade.scale_{which}", params[0]), (f"cascade.offset_{which}", params[1])]
        return encode(header, arrays)

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<bytes>") -> CascadeNetwork:
        """Rebuild from ``to_bytes()`` output; raises ModelFormatError (a ValueError) for anything else."""
        header, arrays = decode(bytes(data), source)
        try:
            if header.get("model") != "cascade":
                raise ValueError("not a cascade network (no model='cascade' in the header)")
            ni, no, sizes = header.get("num_inputs"), header.get("num_outputs"), header.get("layer_sizes")
            acts = header.get("activations")
            if not (isinstance(ni, int) and isinstance(no, int) and isinstance(sizes, list) and isinstance(acts, list)
                    and all(isinstance(k, int) and not isinstance(k, bool) for k in sizes)
                    and all(isinstance(a, str) for a in acts)):
                raise ValueError("num_inputs, num_outputs, layer_sizes or activations missing or malformed")
            if not (1 <= ni < 2**24 and 1 <= no < 2**24 and all(1 <= k < 2**24 for k in sizes)):
                raise ValueError("sizes out of range")
            steep, w = arrays.get("cascade.steepness"), arrays.get("cascade.weights")
            if steep is None or w is None or steep.dtype != np.float32 or w.dtype != np.float32:
                raise ValueError("the float32 arrays cascade.steepness and cascade.weights are required")
            hidden = sum(sizes)
            if len(acts) != hidden + no or steep.shape != (hidden + no,):
                raise ValueError(f"{hidden + no} neurons need as many activations and steepnesses")
            fan, units = 0, ni + 1
            for k in sizes:
                fan += k * units
                units += k
            fan += no * units
            if w.shape != (fan,):
                raise ValueError(f"the topology has {fan} connections, the weights array holds {w.shape}")
            codes = [CASCADE_ACTIVATIONS[_activation(a, "activation")] for a in acts]
            core = _core.CascadeNet(ni, no, sizes, codes, steep.tolist(), np.ascontiguousarray(w))
            history = header.get("history", [])
            if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
                raise ValueError("history must be a list of objects")
            options = CascadeOptions.from_dict(header["options"]) if "options" in header else None
            seed = header.get("seed", 0)
            if not (isinstance(seed, int) and 0 <= seed < 2**64):
                raise ValueError("seed must be an unsigned 64-bit integer")
            scaling: Dict[str, Optional[Tuple[np.ndarray, np.ndarray]]] = {"input": None, "output": None}
            for which, n in (("input", ni), ("output", no)):
                sc, off = arrays.get(f"cascade.scale_{which}"), arrays.get(f"cascade.offset_{which}")
                if sc is None and off is None:
                    continue
                if (sc is None or off is None or sc.dtype != np.float32 or off.dtype != np.float32
                        or sc.shape != (n,) or off.shape != (n,)
                        or not (np.all(np.isfinite(sc)) and np.all(np.isfinite(off)) and np.all(sc != 0))):
                    raise ValueError(f"the {which} scaling must be two float32 arrays of {n} finite numbers "
                                     "(scale non-zero)")
                scaling[which] = (np.array(sc), np.array(off))
        except ModelFormatError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise ModelFormatError(f"{source}: not a valid fastnet cascade model: {exc}") from None
        net = cls(core, history, options, seed)
        net._scaling = scaling
        return net

    def save(self, path: PathLike) -> None:
        """Save to a .fnet file atomically (``fn.load`` reads it)."""
        write_atomic(os.fspath(path), self.to_bytes())

    def __getstate__(self) -> Dict[str, Any]:
        return {"fnet": self.to_bytes(), "fann_settings": dict(self.fann_settings)}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(CascadeNetwork.from_bytes(state["fnet"]).__dict__)
        self.fann_settings = dict(state.get("fann_settings", {}))

    def save_fann(self, path: PathLike, *, fixed: bool = False) -> None:
        """Save as a FANN 2.2 shortcut network file (``FANN_FLO_2.1``, ``network_type=1``) that FANN's
        ``fann_create_from_file`` loads and ``fann_run`` runs with the same outputs; written atomically. The
        training settings and scaling a loaded file had (``fann_settings``, ``scaling``) are written back; the
        cascade options of the last training go into FANN's cascade_* keys (FANN's defaults otherwise). With
        ``fixed=True``, a ``FANN_FIX_2.0`` file as FANN's ``fann_save_to_fixed`` writes it (see fn.save_fann)."""
        # delegation: fann.py builds on this module (it builds CascadeNetworks from .net files), so it is
        # imported on use
        from .fann import save_shortcut

        save_shortcut(self, path, fixed=fixed)

    @classmethod
    def load_fann(cls, path: PathLike, *, approximate_stepwise: bool = False) -> CascadeNetwork:
        """Load any FANN shortcut network file (``network_type=1``) as a CascadeNetwork (fn.load_fann returns one
        for shortcut files whose connections skip layers, a Network otherwise)."""
        # delegation: fann.py builds on this module, so it is imported on use
        from .fann import _load

        net = _load(path, approximate_stepwise, shortcut_as_cascade=True)
        assert isinstance(net, CascadeNetwork)
        return net


def _class_like(T: np.ndarray) -> bool:
    if T.shape[1] == 1:
        v = np.unique(T)
        return bool(np.all(np.isin(v, (0.0, 1.0))) or np.all(np.isin(v, (-1.0, 1.0))))
    top = T.max(axis=1)
    return bool(np.all(np.isin(T, (0.0, 1.0)) | np.isin(T, (-1.0, 1.0))) and np.all(top == 1.0)
                and np.all((T == 1.0).sum(axis=1) == 1))


def _targets(y: Any, n: int, num_outputs: int, name: str = "y") -> np.ndarray:
    """y as (n, num_outputs) float32 targets: 2-D values, or 1-D int labels one-hot encoded (1-D values for a
    single output)."""
    labels, targets = as_targets(y, n, num_outputs, np.dtype(np.float32), name)
    if labels is not None:
        T = np.zeros((n, num_outputs), dtype=np.float32)
        T[np.arange(n), labels] = 1.0
        return T
    assert targets is not None
    return targets


def _report(r: Dict[str, Any]) -> Dict[str, Any]:
    r = dict(r)
    r["candidate_activation"] = _NAME_OF.get(int(r["candidate_activation"]), "linear") if r["installed"] else None
    if not r["installed"]:
        r["candidate_steepness"] = None
        r["candidate_score"] = None
    return r


def _print_report(r: Dict[str, Any]) -> None:
    if r["final"]:
        print(f"Train outputs    Current error: {r['mse']:.6f}. Epochs {r['total_epochs']:6d}")
        return
    line = (f"Neurons     {r['hidden']:3d}. Current error: {r['mse']:.6f}. Epochs {r['total_epochs']:5d}. "
            f"Bit fail {r['bit_fail']:3d}")
    if "val_mse" in r:
        line += f". Validation error: {r['val_mse']:.6f}"
    if r["installed"]:
        line += f". candidate steepness {r['candidate_steepness']:.2f}. function {r['candidate_activation']}"
    print(line, flush=True)


# ============================================================================================= the function
def cascade_train(X: Any, y: Any, max_neurons: int = 30, desired_error: float = 0.0, *,
                  optimizer: Optional[Optimizer] = None, output_activation: str = "sigmoid",
                  output_steepness: float = 0.5, error_function: str = "tanh", stop_function: str = "mse",
                  bit_fail_limit: float = 0.35, output_change_fraction: float = 0.01,
                  output_stagnation_epochs: int = 12, min_out_epochs: int = 50, max_out_epochs: int = 150,
                  candidate_change_fraction: float = 0.01, candidate_stagnation_epochs: int = 12,
                  min_cand_epochs: int = 50, max_cand_epochs: int = 150,
                  candidate_activations: Sequence[str] = DEFAULT_CANDIDATE_ACTIVATIONS,
                  candidate_steepnesses: Sequence[float] = DEFAULT_CANDIDATE_STEEPNESSES,
                  num_candidate_groups: int = 2, weight_multiplier: float = 0.4, candidate_limit: float = 1000.0,
                  seed: int = 0, verbose: int = 0, callback: Optional[Callable[[Dict[str, Any]], Any]] = None,
                  validation_data: Optional[Tuple[Any, Any]] = None) -> CascadeNetwork:
    """Grow a network by Cascade2, as FANN's ``fann_cascadetrain_on_data`` on ``fann_create_shortcut(2, inputs,
    outputs)``; returns the :class:`CascadeNetwork`.

    Parameters
    ----------
    X : array (n, inputs)
    y : array (n, outputs) of targets, or (n,) int class labels (one-hot encoded, one output per class)
    max_neurons : int
        At most this many hidden neurons are added (FANN's max_neurons).
    desired_error : float
        Stop when FANN's MSE on the training set (mean over samples and outputs of (t−y)², the error halved for
        symmetric outputs) is at most this — or, with ``stop_function="bit"``, when at most this many outputs
        are off by ``bit_fail_limit`` or more.
    optimizer : fn.RPROP(), fn.Quickprop() or fn.SARPROP()
        Trains the outputs and the candidates, full batch (default ``fn.RPROP()``, FANN's default with FANN's
        parameters).
    output_activation, output_steepness
        The outputs' FANN function and steepness (default FANN_SIGMOID at 0.5: the standard logistic).
    error_function : {"tanh", "linear"}
        FANN's train_error_function: "tanh" (FANN's default) pushes back 2·atanh of the output error, which
        stresses large errors; "linear" the error itself.
    stop_function : {"mse", "bit"}
    bit_fail_limit : float
    output_change_fraction, output_stagnation_epochs, min_out_epochs, max_out_epochs
        Output training stops after ``max_out_epochs``, or once the error improvement has not changed by
        ``output_change_fraction`` for ``output_stagnation_epochs`` epochs and ``min_out_epochs`` have run.
    candidate_change_fraction, candidate_stagnation_epochs, min_cand_epochs, max_cand_epochs
        The same for the candidates' best score.
    candidate_activations, candidate_steepnesses, num_candidate_groups
        The candidate pool: every activation × steepness, ``num_candidate_groups`` times (differently
        initialized): FANN's 10 functions × 4 steepnesses × 2 = 80 candidates by default.
    weight_multiplier : float
        The installed neuron's output weights are the candidate's, times this.
    candidate_limit : float
        Candidate training also stops when the best score exceeds this times the sum of squared errors.
    seed : int
        Seeds the initial weights and every candidate's: the same seed gives the same network, for any number
        of threads.
    verbose : int
        1: one line per neuron, as FANN prints them.
    callback : callable, optional
        Called after every round with its ``history`` entry plus ``"network"``: a copy of the network as that
        round's output training left it (before the new neuron was installed), to measure anything on; returning
        False stops training there.
    validation_data : (X_val, y_val), optional
        Measured after every round's output training: ``val_mse`` and ``val_bit_fail`` in ``history`` (training
        does not use it; FANN has no such option).

    Returns
    -------
    CascadeNetwork
        With ``history`` (one entry per round) and ``options``. Ctrl-C stops between rounds and raises
        KeyboardInterrupt carrying ``network`` (grown so far) and ``history``.
    """
    Xa = as_features(X, _ncols(X), np.dtype(np.float32))
    num_outputs = _num_outputs(y)
    net = CascadeNetwork.create(Xa.shape[1], num_outputs, output_activation, output_steepness, seed)
    opts = CascadeOptions(max_neurons=max_neurons, desired_error=desired_error,
                          optimizer=RPROP() if optimizer is None else optimizer, error_function=error_function,
                          stop_function=stop_function, bit_fail_limit=bit_fail_limit,
                          output_change_fraction=output_change_fraction,
                          output_stagnation_epochs=output_stagnation_epochs, min_out_epochs=min_out_epochs,
                          max_out_epochs=max_out_epochs, candidate_change_fraction=candidate_change_fraction,
                          candidate_stagnation_epochs=candidate_stagnation_epochs, min_cand_epochs=min_cand_epochs,
                          max_cand_epochs=max_cand_epochs, candidate_activations=tuple(candidate_activations)
                          if isinstance(candidate_activations, (list, tuple)) else cast(Any, candidate_activations),
                          candidate_steepnesses=tuple(candidate_steepnesses)
                          if isinstance(candidate_steepnesses, (list, tuple)) else cast(Any, candidate_steepnesses),
                          num_candidate_groups=num_candidate_groups, weight_multiplier=weight_multiplier,
                          candidate_limit=candidate_limit)
    return net.fit(Xa, y, seed=seed, verbose=verbose, callback=callback, validation_data=validation_data,
                   options=opts)


def _ncols(X: Any) -> int:
    try:
        arr = np.asarray(X)
    except Exception as exc:
        raise TypeError(f"X must be a 2-D numeric array; could not convert it: {exc}") from None
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D (samples, features), got {arr.ndim} dimension(s) with shape {arr.shape}")
    return int(arr.shape[1])


def _num_outputs(y: Any) -> int:
    arr = y if isinstance(y, np.ndarray) else np.asarray(y)
    if arr.ndim == 2:
        if arr.shape[1] < 1:
            raise ValueError("y has no columns")
        return int(arr.shape[1])
    if arr.ndim == 1 and arr.size and np.issubdtype(arr.dtype, np.integer):
        if arr.min() < 0:
            raise ValueError(f"class label {int(arr.min())} in y is negative")
        return max(2, int(arr.max()) + 1)
    if arr.ndim == 1 and arr.size:
        return 1  # a single target column
    raise ValueError(f"y must be (n, outputs) targets or (n,) class labels, got shape {arr.shape}")


# load() in fastnet/io.py rebuilds .fnet files whose header says "model": "cascade" with this
register_model_kind("cascade", CascadeNetwork.from_bytes)
