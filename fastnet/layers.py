"""Layer specifications (what to build) and layer views (the built layer's parameters)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Protocol, Sequence, Tuple, Union

import numpy as np

from ._arrays import check_real

__all__ = ["Dense", "Sparse", "SET", "Layer", "ACTIVATIONS", "INITS", "SYMMETRIC_ACTIVATIONS", "class_threshold"]

# names -> codes shared with csrc/kernels/kernels.h (enum Act) and csrc/layers/layer.h (enum Init)
ACTIVATIONS = {"linear": 0, "sigmoid": 1, "tanh": 2, "relu": 3, "leaky_relu": 4, "softmax": 5,
               # FANN 2.2's activation functions at steepness 1 (fann_activation.h), as functions of z:
               "threshold": 6,               # z < 0 ? 0 : 1        (forward only: cannot be trained)
               "threshold_symmetric": 7,     # z < 0 ? -1 : 1       (forward only)
               "gaussian": 8,                # exp(-z²)
               "gaussian_symmetric": 9,      # 2·exp(-z²) - 1
               "elliot": 10,                 # z/2 / (1 + |z|) + 0.5
               "elliot_symmetric": 11,       # z / (1 + |z|)
               "linear_piece": 12,           # clip(z, 0, 1)
               "linear_piece_symmetric": 13,  # clip(z, -1, 1)
               "sin": 14,                    # sin(z)/2 + 0.5
               "sin_symmetric": 15,          # sin(z)
               "cos": 16,                    # cos(z)/2 + 0.5
               "cos_symmetric": 17,          # cos(z)
               # sigmoid and tanh trained with FANN's derivative (output clipped to [0.01, 0.99] / [-0.98, 0.98]
               # first: a saturated unit keeps a small slope, FANN's "flat spot" elimination; not the exact gradient)
               "fann_sigmoid": 18,
               "fann_sigmoid_symmetric": 19,
               # FANN's piecewise-linear FANN_SIGMOID_STEPWISE / FANN_SIGMOID_SYMMETRIC_STEPWISE, exactly as FANN
               # computes them, approximating sigmoid(z) / tanh(z) (FANN's steepness s is steepness 2s for the
               # first, as for FANN_SIGMOID -> sigmoid); trained with their true derivative (the segment's slope)
               "sigmoid_stepwise": 20,
               "sigmoid_symmetric_stepwise": 21,
               "gaussian_stepwise": 22,     # FANN_GAUSSIAN_STEPWISE: FANN 2.2 computes it as the constant 0
               # the two stepwise functions trained with FANN's derivative of them (fann_activation_derived: the
               # sigmoid's, from y clipped as for fann_sigmoid / fann_sigmoid_symmetric): how FANN trains them
               "fann_sigmoid_stepwise": 23,
               "fann_sigmoid_symmetric_stepwise": 24}
#: what ``Layer.activation`` says of a layer whose neurons use different activations (see ``Layer.activations``)
MIXED = "mixed"
#: activations whose outputs are centred on 0 (a single output's class threshold is 0, else 0.5): the one Python
#: copy of csrc/kernels/kernels.h's symmetric(), which the core's accuracy uses (tests/test_structure.py checks
#: the two agree); Network, CascadeNetwork, metrics thresholds and the command line all read it from here
SYMMETRIC_ACTIVATIONS = frozenset({"linear", "tanh", "threshold_symmetric", "gaussian_symmetric", "elliot_symmetric",
                                   "linear_piece_symmetric", "sin_symmetric", "cos_symmetric",
                                   "fann_sigmoid_symmetric", "sigmoid_symmetric_stepwise",
                                   "fann_sigmoid_symmetric_stepwise"})
#: the same set as the core's codes (cascade networks name the core's tanh "sigmoid_symmetric", as FANN does)
SYMMETRIC_CODES = frozenset(ACTIVATIONS[name] for name in SYMMETRIC_ACTIVATIONS)


def class_threshold(activation: str) -> float:
    """The class threshold of a single output with this activation: 0 for symmetric outputs, else 0.5."""
    return 0.0 if activation in SYMMETRIC_ACTIVATIONS else 0.5
INITS = {
    None: 0,
    "glorot_uniform": 1,
    "glorot_normal": 2,
    "he_uniform": 3,
    "he_normal": 4,
    "lecun_uniform": 5,
    "lecun_normal": 6,
}


def _check_name(value: Any, table: Dict[Any, int], what: str) -> None:
    if not (value is None or isinstance(value, str)) or value not in table:
        accepted = ", ".join(repr(k) for k in table if k is not None)
        raise ValueError(f"unknown {what} {value!r}; accepted: {accepted}")


@dataclass(frozen=True)
class Dense:
    """A fully connected layer: ``out = activation(inp @ weights.T + bias)``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes; weights have shape ``(out_features, in_features)`` (as in FANN and PyTorch).
    activation : str, or a sequence of out_features names (one per neuron, see ``activations``)
        One of linear, sigmoid, tanh, relu, leaky_relu, softmax (softmax: output layer only), or one of FANN's
        functions: threshold, threshold_symmetric (these two cannot be trained: fit and gradients raise
        ValueError), gaussian, gaussian_symmetric, elliot, elliot_symmetric, linear_piece,
        linear_piece_symmetric, sin, sin_symmetric, cos, cos_symmetric, FANN's stepwise sigmoid_stepwise and
        sigmoid_symmetric_stepwise (bit for bit as FANN computes them; their derivative is the segment's slope,
        where FANN's fann_activation_derived uses the sigmoid's y·(1 - y), which fann_sigmoid_stepwise and
        fann_sigmoid_symmetric_stepwise train with) and gaussian_stepwise (FANN 2.2's constant 0) (see
        ``ACTIVATIONS``).
    init : str, optional
        glorot_/he_/lecun_ + uniform/normal; default He uniform for relu kinds, Glorot uniform otherwise.
    alpha : float
        Slope of leaky_relu for negative inputs.
    dropout : float in [0, 1)
        Inverted dropout on this layer's outputs while fit trains (hidden layers only; off in predict,
        evaluate and gradients).
    trainable : bool
        False freezes the layer (Keras's ``trainable``, PyTorch's ``requires_grad_(False)``): fit never changes
        its weights and biases (no step, weight decay, L1/max-norm or SET rewiring, its optimizer state kept as
        it was) while the gradient still flows through it to the layers below. Also settable on the built
        layer: ``net.layers[0].trainable = False``.
    lr_scale : float > 0
        Multiplies the optimizer's learning rate for this layer (SGD, Adam, AdamW; L1's proximal step too), as a
        PyTorch parameter group with ``lr = lr_scale·lr`` (Caffe's ``lr_mult``). RPROP, Quickprop and SARPROP
        adapt a step per weight and have no rate to scale: fit refuses a layer with lr_scale != 1 for them.
    steepness : float or sequence of out_features floats
        FANN's activation steepness: neuron ``o`` computes ``activation(steepness[o] * z[o])`` with
        ``z = inp @ weights.T + bias``, and training follows that function (the derivative is multiplied by the
        steepness). Finite and >= 0; 1 (the default) is the plain layer.
    activations : sequence of out_features names, optional
        One activation per neuron (FANN's ``fann_set_activation_function`` for one neuron); ``activation`` may
        also be given as such a list. A layer whose neurons differ reports ``activation == "mixed"``; softmax
        cannot be mixed. A list of one name throughout is the same as that name.
    fann_clip : bool
        Clamp each neuron's ``steepness * z`` as FANN 2.2's ``fann_run`` clamps its sum: to ``+-150/s`` in FANN's
        terms (``s`` = FANN's steepness, half of fastnet's for the sigmoid kinds). Where the clamp holds, the
        gradient is FANN's (the function's derivative at the clamped sum, as fann_train computes it), not the
        true one (0). Networks read by ``load_fann`` and made by ``fastnet.libfann`` set it, so that outputs and
        training equal FANN's; off by default.
    """

    in_features: int
    out_features: int
    activation: Any = "linear"
    init: Optional[str] = None
    alpha: float = 0.01
    dropout: float = 0.0
    trainable: bool = True
    lr_scale: float = 1.0
    steepness: Any = 1.0
    activations: Optional[Tuple[str, ...]] = None
    fann_clip: bool = False

    def __post_init__(self) -> None:
        for name in ("in_features", "out_features"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"Dense {name} must be an integer, got {type(v).__name__}")
            if v < 1:
                raise ValueError(f"Dense {name} must be >= 1, got {v}")
            if v > 2**31 - 1:
                raise ValueError(f"Dense {name} must be <= {2**31 - 1}, got {v}")
        _check_neurons(self)
        _check_name(self.init, INITS, "init")
        p = self.dropout
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not (0.0 <= p < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {p!r}")
        if not (isinstance(self.alpha, (int, float)) and not isinstance(self.alpha, bool) and self.alpha > 0
                and np.isfinite(self.alpha)):
            raise ValueError(f"Dense alpha (leaky_relu slope) must be a finite number > 0, got {self.alpha!r}")
        _check_training(self)


@dataclass(frozen=True, eq=False)
class Sparse:
    """A sparsely connected layer: only existing connections are stored and computed.

    Usable anywhere Dense is. Storage is CSR by output neuron (plus a CSC copy for the backward pass), so
    memory and time grow with the number of connections, never with in_features × out_features.

    Parameters
    ----------
    in_features, out_features : int
    density : float in (0, 1]
        FANN's connection_rate: the fraction of possible connections that exist. A random topology (seeded by
        the Network's seed) gives every output the same number of inputs (at least one).
    activation, init, alpha
        As for Dense; initializers use the fan-in and fan-out a neuron actually has.
    mask : bool array (out_features, in_features), optional
        An explicit topology (True = connected). Every row needs at least one True.
    indices : (rows, cols) int arrays, optional
        An explicit topology as coordinate lists (or a scipy.sparse matrix of shape (out_features,
        in_features), when scipy is installed). No duplicates; every output needs a connection.
    dropout, trainable, lr_scale
        As for Dense (a frozen sparse layer is not rewired by SET either).
    """

    in_features: int
    out_features: int
    density: float = 0.05
    activation: str = "linear"
    init: Optional[str] = None
    alpha: float = 0.01
    mask: Any = None
    indices: Any = None
    dropout: float = 0.0
    trainable: bool = True
    lr_scale: float = 1.0
    steepness: Any = 1.0
    activations: Optional[Tuple[str, ...]] = None
    fann_clip: bool = False

    def __post_init__(self) -> None:
        Dense.__post_init__(self)  # type: ignore[arg-type]  # the same checks on the shared fields
        d = self.density
        if isinstance(d, bool) or not isinstance(d, (int, float)) or not (0.0 < d <= 1.0):
            raise ValueError(f"Sparse density must be in (0, 1], got {d!r}")
        if self.mask is not None and self.indices is not None:
            raise ValueError("give either mask or indices, not both")
        csr = None
        if self.mask is not None:
            csr = _csr_from_mask(self.mask, self.out_features, self.in_features)
        elif self.indices is not None:
            csr = _csr_from_indices(self.indices, self.out_features, self.in_features)
        object.__setattr__(self, "_csr", csr)

    @classmethod
    def _from_csr(cls, in_features: int, out_features: int, row_ptr: np.ndarray, col: np.ndarray,
                  activation: Any, init: Optional[str], alpha: float, dropout: float = 0.0, steepness: Any = 1.0,
                  fann_clip: bool = False) -> Sparse:
        if not (in_features >= 1 and out_features >= 1):  # (also keeps the density's division defined)
            raise ValueError(f"Sparse in_features and out_features must be >= 1, got {in_features}, {out_features}")
        rows = np.repeat(np.arange(out_features), np.diff(row_ptr))
        return cls(in_features, out_features, float(len(col)) / (in_features * out_features), activation, init,
                   alpha, indices=(rows, col), dropout=dropout, steepness=steepness, fann_clip=fann_clip)


def _check_neurons(spec: Any) -> None:
    """Validate and normalize a spec's activation(s), steepness and fann_clip (frozen: set through object)."""
    act, acts = spec.activation, spec.activations
    if isinstance(act, (list, tuple)):
        if acts is not None:
            raise ValueError("give per-neuron activations as activation=[...] or as activations=[...], not both")
        acts = act
    elif acts is not None and act not in (MIXED, "linear"):  # ("linear": activation left at its default)
        raise ValueError(f"activation={act!r} and activations=[...] both given; give the per-neuron list alone")
    if acts is not None:
        if isinstance(acts, str) or not isinstance(acts, Sequence):
            raise TypeError(f"activations must be a list of activation names, got {type(acts).__name__}")
        acts = tuple(acts)
        if len(acts) != spec.out_features:
            raise ValueError(f"activations lists {len(acts)} names for out_features={spec.out_features} neurons")
        for name in acts:
            _check_name(name, ACTIVATIONS, "activation")
        if len(set(acts)) == 1:
            act, acts = acts[0], None
        else:
            if "softmax" in acts:
                raise ValueError("softmax couples a whole layer; it cannot be one neuron's activation in a layer "
                                 "that mixes activations")
            act = MIXED
        object.__setattr__(spec, "activation", act)
        object.__setattr__(spec, "activations", acts)
    else:
        _check_name(act, ACTIVATIONS, "activation")
    object.__setattr__(spec, "steepness", _check_steepness(spec.steepness, spec.out_features))
    if not isinstance(spec.fann_clip, (bool, np.bool_)):
        raise TypeError(f"fann_clip must be a bool, got {type(spec.fann_clip).__name__}")
    object.__setattr__(spec, "fann_clip", bool(spec.fann_clip))


def _check_steepness(value: Any, n: int) -> Union[float, Tuple[float, ...]]:
    """A scalar steepness as a float, a per-neuron one as a tuple of n floats; finite and >= 0 (FANN accepts 0:
    the neuron then outputs f(0))."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"steepness must be a number or a sequence of numbers, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"steepness must be a number or a sequence of numbers, got {type(value).__name__}") from None
    if arr.ndim == 0:
        values = arr.reshape(1)
    elif arr.shape == (n,):
        values = arr
    else:
        raise ValueError(f"steepness must be a scalar or have shape ({n},) (one per neuron), got shape {arr.shape}")
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
    if bad.size:
        raise ValueError(f"steepness must be finite and >= 0, got {float(values[bad[0]])!r}"
                         + (f" (neuron {int(bad[0])})" if arr.ndim else ""))
    if arr.ndim == 0:
        return float(arr)
    return tuple(float(v) for v in values)


def _neuron_codes(spec: Any) -> Tuple[List[float], List[int]]:
    """The per-neuron steepness and activation codes of a spec, out_features each."""
    n = spec.out_features
    st = spec.steepness
    steep = [float(st)] * n if isinstance(st, float) else [float(v) for v in st]
    names = spec.activations if spec.activations is not None else (spec.activation,) * n
    return steep, [ACTIVATIONS[a] for a in names]


def has_neurons(spec: Any) -> bool:
    """Whether a spec has per-neuron settings (steepness other than 1, mixed activations, fann_clip)."""
    st = spec.steepness
    return (spec.activations is not None or spec.fann_clip
            or not (st == 1.0 if isinstance(st, float) else all(v == 1.0 for v in st)))


def _check_training(spec: Any) -> None:
    """A spec's trainable (a bool: TypeError otherwise) and lr_scale (finite > 0), stored as plain bool/float."""
    if not isinstance(spec.trainable, (bool, np.bool_)):
        raise TypeError(f"trainable must be a bool, got {spec.trainable!r}")
    object.__setattr__(spec, "trainable", bool(spec.trainable))
    object.__setattr__(spec, "lr_scale", check_real(spec.lr_scale, "lr_scale", 0.0, lo_open=True))


def _csr_from_mask(mask: Any, O: int, I: int) -> Tuple[np.ndarray, np.ndarray]:
    m = np.asarray(mask)
    if m.shape != (O, I):
        raise ValueError(f"Sparse mask must have shape (out_features, in_features) = {(O, I)}, got {m.shape}")
    if m.dtype != np.bool_:
        if not np.isin(m, (0, 1)).all():
            raise ValueError("Sparse mask must be boolean (or 0/1)")
        m = m.astype(bool)
    counts = m.sum(axis=1)
    if (counts == 0).any():
        raise ValueError(f"Sparse mask row {int(np.argmin(counts))} has no connections; every output needs one")
    rows, cols = np.nonzero(m)
    return _csr(rows, cols, O)


def _csr_from_indices(indices: Any, O: int, I: int) -> Tuple[np.ndarray, np.ndarray]:
    if hasattr(indices, "tocoo"):  # scipy.sparse
        coo = indices.tocoo()
        if coo.shape != (O, I):
            raise ValueError(f"Sparse indices matrix must have shape {(O, I)}, got {coo.shape}")
        rows, cols = np.asarray(coo.row), np.asarray(coo.col)
    else:
        try:
            rows, cols = (np.asarray(a) for a in indices)
        except (TypeError, ValueError):
            raise TypeError("Sparse indices must be a pair (rows, cols) of integer arrays") from None
    if rows.shape != cols.shape or rows.ndim != 1:
        raise ValueError("Sparse indices: rows and cols must be 1-D arrays of the same length")
    if rows.size and not (np.issubdtype(rows.dtype, np.integer) and np.issubdtype(cols.dtype, np.integer)):
        raise TypeError("Sparse indices must be integers")
    if rows.size and (rows.min() < 0 or rows.max() >= O):
        raise ValueError(f"Sparse indices: an output (row) index is out of range [0, {O})")
    if cols.size and (cols.min() < 0 or cols.max() >= I):
        raise ValueError(f"Sparse indices: an input (col) index is out of range [0, {I})")
    keys = rows.astype(np.int64) * I + cols
    if np.unique(keys).size != keys.size:
        raise ValueError("Sparse indices contain duplicate connections")
    counts = np.bincount(rows, minlength=O)
    if (counts == 0).any():
        raise ValueError(f"Sparse indices: output neuron {int(np.argmin(counts))} has no connections; "
                         "every output needs one")
    return _csr(rows, cols, O)


def _csr(rows: np.ndarray, cols: np.ndarray, O: int) -> Tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((cols, rows))
    row_ptr = np.zeros(O + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=O), out=row_ptr[1:])
    if row_ptr[-1] > 2**31 - 1:
        raise ValueError(f"Sparse layer with {row_ptr[-1]} connections (at most 2**31 - 1)")
    return row_ptr.astype(np.int32), np.asarray(cols)[order].astype(np.int32)


@dataclass(frozen=True)
class SET:
    """Sparse Evolutionary Training: after every epoch but the last, each sparse layer drops the fraction
    ``zeta`` of its connections with the smallest |weight| and regrows as many at random empty positions
    (fresh weights, zero momentum). The number of connections stays constant."""

    zeta: float = 0.3

    def __post_init__(self) -> None:
        if isinstance(self.zeta, bool) or not isinstance(self.zeta, (int, float)) or not (0.0 <= self.zeta < 1.0):
            raise ValueError(f"SET zeta must be in [0, 1), got {self.zeta!r}")


class _ParamHost(Protocol):
    """What a Layer view needs of the network it belongs to: the compiled core holding the parameters, and their
    dtype. (A protocol rather than the Network class: this module is below network.py and must not import it.)"""

    specs: Tuple[Union[Dense, Sparse], ...]  # (a view's trainable/lr_scale setters replace its entry)

    @property
    def _core(self) -> Any: ...

    @property
    def dtype(self) -> np.dtype: ...


class Layer:
    """A built layer of a Network: its spec plus its parameters.

    ``weights`` (out_features, in_features) and ``bias`` (out_features,) read as read-only copies;
    assign a whole array to change them (``layer.weights = w``).
    """

    def __init__(self, net: _ParamHost, index: int, spec: Union[Dense, Sparse]) -> None:
        self._net = net
        self._index = index
        self.spec = spec

    @property
    def in_features(self) -> int:
        return self.spec.in_features

    @property
    def out_features(self) -> int:
        return self.spec.out_features

    @property
    def activation(self) -> str:
        """The layer's activation name, or ``"mixed"`` when its neurons use different ones (``activations``)."""
        return str(self.spec.activation)

    @property
    def activations(self) -> List[str]:
        """Each neuron's activation (out_features names); assign a list (or one name) to change them."""
        if self.spec.activations is not None:
            return list(self.spec.activations)
        return [str(self.spec.activation)] * self.out_features

    @activations.setter
    def activations(self, value: Any) -> None:
        names = [value] * self.out_features if isinstance(value, str) else value
        self._set_neurons(activation=list(names) if isinstance(names, (list, tuple)) else names, activations=None)

    @property
    def steepness(self) -> np.ndarray:
        """Each neuron's steepness, float64 (out_features,): neuron o computes f(steepness[o] * z[o]). Assign a
        scalar or an array of out_features values (finite, >= 0)."""
        return np.array(self._net._core.get_neurons(self._index)[0], dtype=np.float64)

    @steepness.setter
    def steepness(self, value: Any) -> None:
        self._set_neurons(steepness=value)

    @property
    def fann_clip(self) -> bool:
        """Whether each neuron's steepness * z is clamped as FANN's fann_run clamps it (see ``Dense``)."""
        return bool(self.spec.fann_clip)

    @fann_clip.setter
    def fann_clip(self, value: bool) -> None:
        self._set_neurons(fann_clip=value)

    def _set_neurons(self, **changes: Any) -> None:
        spec = replace(self.spec, **changes)  # validated by __post_init__
        steep, codes = _neuron_codes(spec)
        self._net._core.set_neurons(self._index, steep, codes, spec.fann_clip)
        self.spec = spec
        host: Any = self._net
        if isinstance(getattr(host, "specs", None), tuple):
            specs = list(host.specs)
            specs[self._index] = spec
            host.specs = tuple(specs)

    def _get(self, bias: bool) -> np.ndarray:
        a: np.ndarray = self._net._core.get_param(self._index, bias, False)
        a.flags.writeable = False
        return a

    @property
    def trainable(self) -> bool:
        """False: fit leaves this layer's weights and biases as they are (see Dense); the gradient still flows
        through it. Settable (a bool; TypeError otherwise), saved with the network."""
        return self.spec.trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._set_training(trainable=value)

    @property
    def lr_scale(self) -> float:
        """The multiplier of the optimizer's learning rate for this layer (see Dense). Settable (finite > 0;
        ValueError otherwise), saved with the network."""
        return self.spec.lr_scale

    @lr_scale.setter
    def lr_scale(self, value: float) -> None:
        self._set_training(lr_scale=value)

    def _set_training(self, **change: Any) -> None:
        spec = dataclasses.replace(self.spec, **change)  # validates before anything changes
        self._net._core.set_layer_training(self._index, spec.trainable, spec.lr_scale)
        self.spec = spec
        specs = list(self._net.specs)
        specs[self._index] = spec
        self._net.specs = tuple(specs)

    @property
    def is_sparse(self) -> bool:
        return isinstance(self.spec, Sparse)

    @property
    def nnz(self) -> int:
        """Number of connections (weights)."""
        if self.is_sparse:
            return int(self._net._core.topology(self._index)[1].size)
        return self.in_features * self.out_features

    @property
    def density(self) -> float:
        return self.nnz / (self.in_features * self.out_features)

    @property
    def indices(self) -> Tuple[np.ndarray, np.ndarray]:
        """(rows, cols): output and input index of every connection, in the order of ``weights``."""
        if not self.is_sparse:
            r, c = np.indices((self.out_features, self.in_features))
            return r.ravel(), c.ravel()
        row_ptr, col = self._net._core.topology(self._index)
        return np.repeat(np.arange(self.out_features, dtype=np.int32), np.diff(row_ptr)), col

    def to_dense(self) -> np.ndarray:
        """The weights as an (out_features, in_features) array, zero where there is no connection."""
        if not self.is_sparse:
            dense: np.ndarray = self.weights.copy()
            return dense
        W = np.zeros((self.out_features, self.in_features), dtype=self._net.dtype)
        rows, cols = self.indices
        W[rows, cols] = self.weights
        return W

    def rewire(self, zeta: float = 0.3) -> int:
        """One SET step on this sparse layer (see fastnet.SET); returns the number of connections replaced."""
        if not self.is_sparse:
            raise TypeError(f"layer {self._index} is dense; only sparse layers can be rewired")
        SET(zeta)
        return int(self._net._core.rewire(self._index, float(zeta)))

    def _set(self, bias: bool, value: Any) -> None:
        arr = np.asarray(value)
        name = "bias" if bias else "weights"
        if self.is_sparse and not bias and arr.shape == (self.out_features, self.in_features):
            rows, cols = self.indices  # a dense matrix: take the values at the connections
            arr = arr[rows, cols]
        if bias:
            shape: Tuple[int, ...] = (self.out_features,)
        elif self.is_sparse:
            shape = (self.nnz,)
        else:
            shape = (self.out_features, self.in_features)
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
        if arr.shape != shape:
            raise ValueError(f"{name} of layer {self._index} must have shape {shape}, got {arr.shape}")
        # convert first and check what the core will hold: 1e300 is finite in float64 but inf in float32
        dtype = self._net.dtype
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.ascontiguousarray(arr, dtype=dtype)
        if out.size and not (np.isfinite(out.min()) and np.isfinite(out.max())):
            if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} contains NaN or infinite values (layer {self._index})")
            big = float(np.abs(arr.astype(np.float64)).max())
            raise ValueError(f"{name} of layer {self._index} overflows {dtype.name}: a value of magnitude {big:g} "
                             f"exceeds its largest, {float(np.finfo(dtype.name).max):g}")
        self._net._core.set_param(self._index, bias, False, out)

    @property
    def weights(self) -> np.ndarray:
        return self._get(False)

    @weights.setter
    def weights(self, value: Any) -> None:
        self._set(False, value)

    @property
    def bias(self) -> np.ndarray:
        return self._get(True)

    @bias.setter
    def bias(self, value: Any) -> None:
        self._set(True, value)

    def __repr__(self) -> str:
        return f"Layer({self._index}: {self.spec})"
