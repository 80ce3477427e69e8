"""Weights in and out: Keras's ``get_weights``/``set_weights``, PyTorch's ``state_dict``/``load_state_dict``,
conversion to and from a PyTorch ``nn.Sequential``, and the user metadata of .fnet files.

This module sits below network.py (it works on a network's layer views, never on the Network class), so that
``Network``'s methods are one-line delegations here and ``fastnet.from_torch`` (in network.py) builds the
Network from what :func:`torch_layers` reads. torch is optional: it is imported inside the functions that need it.

PyTorch key names
-----------------
A fastnet network corresponds to the ``nn.Sequential`` that :func:`to_torch` builds: each layer is an
``nn.Linear`` followed by its activation module, except that a ``linear`` activation has no module. Modules are
numbered from 0 in that order, so layer ``i``'s Linear has index ``i + (number of earlier layers whose
activation is not linear)``, and its keys are ``"<index>.weight"`` and ``"<index>.bias"``. For
``Network([4, 8, 8, 3], activation="relu", output="softmax")``: Linear, ReLU, Linear, ReLU, Linear, Softmax,
keys ``0.*``, ``2.*``, ``4.*``. With a linear hidden layer, ``[Dense(4, 8), Dense(8, 3, "relu")]``: Linear,
Linear, ReLU, keys ``0.*``, ``1.*``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from .layers import Dense, Layer, Sparse

__all__ = ["get_weights", "set_weights", "state_dict", "load_state_dict", "IncompatibleKeys", "torch_layers",
           "to_torch", "state_dict_keys", "check_metadata", "MAX_METADATA_BYTES", "MAX_METADATA_DEPTH",
           "TORCH_ACTIVATIONS"]

#: the largest metadata a .fnet file holds: its JSON encoding in bytes (UTF-8)
MAX_METADATA_BYTES = 64 * 1024
#: the deepest nesting of dicts and lists in metadata (the metadata dict itself is level 1)
MAX_METADATA_DEPTH = 16
#: fastnet activations that have a PyTorch module (linear: none), as torch.nn class names
TORCH_ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "Sigmoid", "tanh": "Tanh",
                     "softmax": "Softmax"}

_Spec = Union[Dense, Sparse]


# ------------------------------------------------------------------------------------------------ helpers
def _weight_shape(layer: Layer) -> Tuple[int, ...]:
    return (layer.nnz,) if layer.is_sparse else (layer.out_features, layer.in_features)


def _as_array(value: Any, name: str) -> np.ndarray:
    """A numpy array of `value` (a torch tensor too: detached and moved to the CPU, without importing torch)."""
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        value = value.detach().cpu()
        if str(getattr(value, "dtype", "")) == "torch.bfloat16":  # numpy has no bfloat16
            value = value.float()
        value = value.numpy()
    arr = np.asarray(value)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def _assign(layers: Sequence[Layer], values: Sequence[Tuple[int, bool, np.ndarray]]) -> None:
    """Set (layer index, is bias, array) for all, or none: the layer setters check every value (non-finite values
    and overflow are refused), and on a failure the values already set are put back."""
    old = [(i, bias, (layers[i].bias if bias else layers[i].weights).copy()) for i, bias, _ in values]
    try:
        for i, bias, arr in values:
            if bias:
                layers[i].bias = arr
            else:
                layers[i].weights = arr
    except BaseException:
        for i, bias, arr in old:
            if bias:
                layers[i].bias = arr
            else:
                layers[i].weights = arr
        raise


def _shape_error(name: str, want: Tuple[int, ...], got: Tuple[int, ...], keras_hint: bool) -> ValueError:
    hint = ""
    if keras_hint and len(want) == 2 and got == want[::-1]:
        hint = (" (fastnet's dense weights are (out_features, in_features), as PyTorch's; a Keras Dense kernel is "
                "(in_features, out_features): pass kernel.T)")
    return ValueError(f"{name}: shape mismatch: expected {want}, got {got}{hint}")


# ------------------------------------------------------------------------------------------------ Keras
def get_weights(layers: Sequence[Layer]) -> List[np.ndarray]:
    """``[W0, b0, W1, b1, ...]`` as writable copies (see ``Network.get_weights``)."""
    out: List[np.ndarray] = []
    for L in layers:
        out.append(np.array(L.weights, copy=True))
        out.append(np.array(L.bias, copy=True))
    return out


def set_weights(layers: Sequence[Layer], weights: Any) -> None:
    """Set every layer from ``[W0, b0, W1, b1, ...]`` (see ``Network.set_weights``); all or nothing."""
    if isinstance(weights, (str, bytes, np.ndarray, Mapping)) or not isinstance(weights, Sequence):
        raise TypeError(f"weights must be a list [W0, b0, W1, b1, ...] of arrays, got {type(weights).__name__}")
    if len(weights) != 2 * len(layers):
        raise ValueError(f"weights has {len(weights)} arrays; this network needs {2 * len(layers)} "
                         f"([weights, bias] for each of its {len(layers)} layers)")
    values: List[Tuple[int, bool, np.ndarray]] = []
    for k, value in enumerate(weights):
        i, bias = divmod(k, 2)
        name = f"weights[{k}] (layer {i} {'bias' if bias else 'weights'})"
        arr = _as_array(value, name)
        want = (layers[i].out_features,) if bias else _weight_shape(layers[i])
        if arr.shape != want:
            raise _shape_error(name, want, arr.shape, keras_hint=not bias)
        values.append((i, bool(bias), arr))
    _assign(layers, values)


# ------------------------------------------------------------------------------------------------ PyTorch keys
def state_dict_keys(specs: Sequence[_Spec]) -> List[Tuple[str, str]]:
    """("<m>.weight", "<m>.bias") per layer, m the layer's Linear's index in :func:`to_torch`'s Sequential."""
    keys: List[Tuple[str, str]] = []
    m = 0
    for s in specs:
        keys.append((f"{m}.weight", f"{m}.bias"))
        m += 1 if s.activation == "linear" else 2
    return keys


def state_dict(layers: Sequence[Layer]) -> Dict[str, np.ndarray]:
    """PyTorch-named writable copies of every weight and bias (see ``Network.state_dict``)."""
    out: Dict[str, np.ndarray] = {}
    for L, (kw, kb) in zip(layers, state_dict_keys([L.spec for L in layers])):
        out[kw] = np.array(L.weights, copy=True)
        out[kb] = np.array(L.bias, copy=True)
    return out


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` left out, as PyTorch's ``load_state_dict`` returns it."""

    missing_keys: List[str]
    unexpected_keys: List[str]


def load_state_dict(layers: Sequence[Layer], d: Any, strict: bool = True) -> IncompatibleKeys:
    """Set weights and biases from a PyTorch-named mapping (see ``Network.load_state_dict``); all or nothing."""
    if not isinstance(d, Mapping):
        raise TypeError(f"state_dict must be a mapping of key -> array, got {type(d).__name__}")
    keys = state_dict_keys([L.spec for L in layers])
    expected = [k for pair in keys for k in pair]
    missing = [k for k in expected if k not in d]
    unexpected = [str(k) for k in d if k not in expected]
    if strict and (missing or unexpected):
        parts = []
        if missing:
            parts.append(f"missing key(s) {missing}")
        if unexpected:
            parts.append(f"unexpected key(s) {unexpected}")
        raise KeyError(f"state_dict does not match the network: {'; '.join(parts)} (expected keys {expected}; "
                       "see fastnet.interop for the index rule; strict=False loads the keys that match)")
    values: List[Tuple[int, bool, np.ndarray]] = []
    for i, pair in enumerate(keys):
        for bias, key in enumerate(pair):
            if key not in d:
                continue
            arr = _as_array(d[key], f"state_dict[{key!r}]")
            want = (layers[i].out_features,) if bias else _weight_shape(layers[i])
            if arr.shape != want:
                raise _shape_error(f"state_dict[{key!r}]", want, arr.shape, keras_hint=False)
            values.append((i, bool(bias), arr))
    _assign(layers, values)
    return IncompatibleKeys(missing, unexpected)


# ------------------------------------------------------------------------------------------------ torch modules
def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("this needs PyTorch, which is not installed: pip install torch") from None
    return torch


def torch_layers(module: Any, dtype: Optional[str] = None) -> Tuple[List[Dense], List[np.ndarray], str]:
    """(Dense specs, [W0, b0, W1, b1, ...], dtype) of an ``nn.Sequential`` of Linear layers and activations.

    Accepted modules: ``Linear`` (bias or not), each followed by at most one of ``ReLU``, ``LeakyReLU``
    (negative_slope > 0), ``Sigmoid``, ``Tanh``, ``Softmax(dim=-1 or 1)`` (last module only); ``Identity``
    anywhere (ignored). Anything else raises ValueError naming the module. dtype: float64 when the first
    Linear's weights are, else float32, unless given."""
    torch = _torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise TypeError(f"from_torch needs a torch.nn.Sequential, got {type(module).__name__}")
    # (not named_children(): it yields a module used twice, e.g. one ReLU() after every Linear, only once)
    named = [(name, m) for name, m in module._modules.items() if not isinstance(m, nn.Identity)]
    linears: List[Any] = []
    acts: List[Tuple[str, float]] = []
    for pos, (name, m) in enumerate(named):
        what = f"module {name!r} ({type(m).__name__})"
        if isinstance(m, nn.Linear):
            linears.append(m)
            acts.append(("linear", 0.01))
            continue
        if not linears:
            raise ValueError(f"{what} comes before any Linear layer; from_torch needs Linear first")
        if acts[-1][0] != "linear" or not isinstance(named[pos - 1][1], nn.Linear):
            raise ValueError(f"{what} follows another activation; fastnet has one activation per layer")
        if isinstance(m, nn.ReLU):
            acts[-1] = ("relu", 0.01)
        elif isinstance(m, nn.LeakyReLU):
            slope = float(m.negative_slope)
            if not (slope > 0 and math.isfinite(slope)):
                raise ValueError(f"{what}: negative_slope {slope} is not supported (fastnet's leaky_relu needs a "
                                 "finite slope > 0)")
            acts[-1] = ("leaky_relu", slope)
        elif isinstance(m, nn.Sigmoid):
            acts[-1] = ("sigmoid", 0.01)
        elif isinstance(m, nn.Tanh):
            acts[-1] = ("tanh", 0.01)
        elif isinstance(m, nn.Softmax):
            if m.dim not in (-1, 1):
                raise ValueError(f"{what}: dim={m.dim} is not supported; fastnet's softmax runs over the features "
                                 "(dim=-1 or dim=1)")
            if pos != len(named) - 1:
                raise ValueError(f"{what}: Softmax is supported only as the last module")
            acts[-1] = ("softmax", 0.01)
        else:
            raise ValueError(f"{what} is not supported by from_torch; supported: Linear, ReLU, LeakyReLU, Sigmoid, "
                             "Tanh, Softmax (last), Identity")
    if not linears:
        raise ValueError("the Sequential has no Linear layer")
    if dtype is None:
        dtype = "float64" if linears[0].weight.dtype == torch.float64 else "float32"
    specs: List[Dense] = []
    weights: List[np.ndarray] = []
    for k, (lin, (act, alpha)) in enumerate(zip(linears, acts)):
        W = _as_array(lin.weight, f"Linear {k} weight").astype(np.float64)
        b = (_as_array(lin.bias, f"Linear {k} bias").astype(np.float64) if lin.bias is not None
             else np.zeros(W.shape[0]))
        if specs and specs[-1].out_features != W.shape[1]:
            raise ValueError(f"Linear {k} takes {W.shape[1]} inputs, but the previous Linear gives "
                             f"{specs[-1].out_features}")
        specs.append(Dense(int(W.shape[1]), int(W.shape[0]), act, alpha=alpha))
        weights += [W, b]
    return specs, weights, dtype


def to_torch(layers: Sequence[Layer], dtype: np.dtype) -> Any:
    """The ``nn.Sequential`` computing what these dense layers compute (see ``Network.to_torch``)."""
    torch = _torch()
    nn = torch.nn
    mods: List[Any] = []
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    for i, L in enumerate(layers):
        if L.is_sparse:
            raise ValueError(f"layer {i} is sparse: to_torch converts dense layers only (use "
                             "Dense(...) layers, or build the torch model from layer.to_dense())")
        act = L.activation
        if act != "linear" and act not in TORCH_ACTIVATIONS:
            raise ValueError(f"layer {i}: activation {act!r} has no PyTorch module; to_torch supports "
                             f"linear, {', '.join(TORCH_ACTIVATIONS)}")
        # a steepness s is f(s·z): folded into the Linear (s·W, s·b); FANN's clamp of s·z (fann_clip) is kept only
        # where the function is flat to the last bit beyond it (sigmoid and tanh kinds, the clamp at >= 40)
        steep = np.asarray(L.steepness)
        if L.fann_clip:
            k = 2.0 if act == "sigmoid" else 1.0
            with np.errstate(divide="ignore"):
                limit = float(np.min(k * (150.0 / (steep / k))))
            if act not in ("sigmoid", "tanh") or limit < 40.0:
                raise ValueError(f"layer {i}: FANN's clamp of steepness * z (fann_clip, at {limit:g}) changes the "
                                 f"{act} outputs and has no PyTorch module; set layer.fann_clip = False to convert "
                                 "without it")
        lin = nn.Linear(L.in_features, L.out_features, dtype=tdtype)
        with torch.no_grad():
            scale = steep.astype(L.weights.dtype)
            w, b = np.array(L.weights, copy=True), np.array(L.bias, copy=True)
            if np.any(steep != 1.0):
                w, b = w * scale[:, None], b * scale
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        mods.append(lin)
        if act == "relu":
            mods.append(nn.ReLU())
        elif act == "leaky_relu":
            mods.append(nn.LeakyReLU(negative_slope=float(L.spec.alpha)))
        elif act == "sigmoid":
            mods.append(nn.Sigmoid())
        elif act == "tanh":
            mods.append(nn.Tanh())
        elif act == "softmax":
            mods.append(nn.Softmax(dim=-1))
    return nn.Sequential(*mods)


# ------------------------------------------------------------------------------------------------ metadata
def _check_value(value: Any, path: str, depth: int) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise ValueError(f"metadata{path}: the integer is outside the 64-bit range")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"metadata{path}: {value} is not finite (JSON has no NaN or infinity)")
        return
    if isinstance(value, (dict, list)):
        if depth >= MAX_METADATA_DEPTH:
            raise ValueError(f"metadata{path}: nested deeper than {MAX_METADATA_DEPTH} levels of dicts and lists")
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str):
                    raise TypeError(f"metadata{path}: key {k!r} is a {type(k).__name__}; keys must be strings")
                _check_value(v, f"{path}[{k!r}]", depth + 1)
        else:
            for n, v in enumerate(value):
                _check_value(v, f"{path}[{n}]", depth + 1)
        return
    hint = " (convert numpy values with .item() or .tolist())" if isinstance(value, (np.generic, np.ndarray)) else ""
    hint = hint or (" (use a list)" if isinstance(value, tuple) else "")
    raise TypeError(f"metadata{path}: a {type(value).__name__} is not JSON (accepted: dict with str keys, list, str, "
                    f"int, float, bool, None){hint}")


def check_metadata(metadata: Any) -> Dict[str, Any]:
    """A copy of `metadata`, validated: a dict with string keys whose values are JSON values (dicts with string
    keys, lists, str, int, finite float, bool, None), nested at most MAX_METADATA_DEPTH levels, whose JSON
    encoding (ASCII, non-ASCII characters escaped) is at most MAX_METADATA_BYTES.
    Raises TypeError or ValueError naming the offending entry."""
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict with string keys, got {type(metadata).__name__}")
    _check_value(metadata, "", 0)
    text = json.dumps(metadata, allow_nan=False)  # (ASCII, escaped as the .fnet header writes it)
    size = len(text)
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"metadata is {size} bytes as JSON; at most {MAX_METADATA_BYTES} are stored in a model file")
    copy: Dict[str, Any] = json.loads(text)
    return copy
