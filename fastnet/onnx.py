"""ONNX export: a Network as an ONNX model that onnxruntime (or any ONNX runtime) runs.

The file is written by a small protobuf encoder below (about 60 lines for the handful of ONNX messages a
feed-forward network needs), so exporting needs neither the ``onnx`` package nor protobuf. The graph, per layer::

    Gemm(x, W, b, transB=1)  ->  activation

with W the layer's ``(out_features, in_features)`` weights and a linear layer being the Gemm alone. The input is
named ``"input"`` with shape ``("batch", inputs)`` (dynamic batch size), the output ``"output"`` with shape
``("batch", outputs)``; the element type is the network's dtype (float32, or float64 for a float64 network).
Sparse layers are stored as dense initializers with zeros where there is no connection (so the file holds
in_features × out_features values per sparse layer). Dropout is a training-time operation and is not exported.

Every activation exports (``_ACTIVATIONS`` below; fastnet's forward formulas are csrc/kernels/activation.cpp):

- sigmoid, fann_sigmoid: ``Sigmoid``; tanh, fann_sigmoid_symmetric: ``Tanh`` (the FANN kinds differ only in
  training); relu: ``Relu``; softmax: ``Softmax(axis=-1)``.
- leaky_relu: ``LeakyRelu(alpha)``; for a float64 network ``Where(z > 0, z, alpha·z)``, as onnxruntime
  implements the LeakyRelu operator for float32 only.
- FANN's kinds, which ONNX has no operator for, as elementary operators computing the kernel's formula step by
  step: threshold[_symmetric] ``Where(z < 0, 0 | -1, 1)``; gaussian ``exp(-(z·z))``, gaussian_symmetric
  ``exp(-(z·z))·2 - 1``; elliot ``(z/2) / (1 + |z|) + 0.5``, elliot_symmetric ``z / (1 + |z|)``;
  linear_piece[_symmetric] ``Clip(z, 0 | -1, 1)``; sin, cos ``Sin|Cos(z)/2 + 0.5``, sin_symmetric,
  cos_symmetric ``Sin|Cos(z)``.

The model uses ONNX opset 13 and IR version 7, which onnxruntime supports since version 1.6.
"""

from __future__ import annotations

import errno
import os
import struct
from typing import Callable, Dict, List, Sequence, Union

import numpy as np

from . import __version__
from ._format import write_atomic
from .network import Network

__all__ = ["export", "to_bytes", "OPSET", "IR_VERSION", "INPUT_NAME", "OUTPUT_NAME"]

OPSET = 13
IR_VERSION = 7
INPUT_NAME = "input"
OUTPUT_NAME = "output"
# A protobuf message cannot exceed 2 GiB (parsers refuse it); ONNX's external-data format is not supported here.
_MAX_BYTES = 2**31 - 1

# onnx.TensorProto.DataType
_ELEM_TYPE = {np.dtype(np.float32): 1, np.dtype(np.float64): 11}



# ------------------------------------------------------------------------------------------ protobuf encoding
# Wire format: every field is a key varint (field_number << 3 | wire_type) followed by its value; wire type 0 is a
# varint, 2 a length-delimited byte string (strings, bytes, embedded messages), 5 a little-endian 32-bit value.
def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64  # int64 negatives: ten-byte two's complement
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(value)) + value


def _str(field: int, value: str) -> bytes:
    return _bytes(field, value.encode("utf-8"))


def _float(field: int, value: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", value)


# --------------------------------------------------------------------------------------------- ONNX messages
# Field numbers from onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
# ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
def _tensor(name: str, array: np.ndarray) -> bytes:
    a = np.ascontiguousarray(array)
    data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    return (b"".join(_int(1, int(d)) for d in a.shape)  # dims
            + _int(2, _ELEM_TYPE[a.dtype])  # data_type
            + _str(8, name)  # name
            + _bytes(9, data))  # raw_data (little-endian)


def _value_info(name: str, elem_type: int, dims: Sequence[Union[int, str]]) -> bytes:
    shape = b"".join(_bytes(1, _str(2, d) if isinstance(d, str) else _int(1, d)) for d in dims)  # dim_param/value
    tensor_type = _int(1, elem_type) + _bytes(2, shape)
    return _str(1, name) + _bytes(2, _bytes(1, tensor_type))  # ValueInfoProto{name, TypeProto{tensor_type}}


def _attr_int(name: str, value: int) -> bytes:
    return _str(1, name) + _int(20, 2) + _int(3, value)  # type INT, i


def _attr_float(name: str, value: float) -> bytes:
    return _str(1, name) + _int(20, 1) + _float(2, value)  # type FLOAT, f


def _node(op: str, inputs: Sequence[str], outputs: Sequence[str], name: str, attrs: Sequence[bytes] = ()) -> bytes:
    return (b"".join(_str(1, i) for i in inputs) + b"".join(_str(2, o) for o in outputs) + _str(3, name)
            + _str(4, op) + b"".join(_bytes(5, a) for a in attrs))


# ------------------------------------------------------------------------------------------- the activations
class _Builder:
    """Appends one layer's activation nodes and constants to the graph; every name is prefixed ``layers.{i}.``
    so that it is unique in the graph."""

    def __init__(self, i: int, dtype: np.dtype, alpha: float, nodes: List[bytes], inits: List[bytes]) -> None:
        self.prefix = f"layers.{i}."
        self.dtype = dtype
        self.alpha = alpha
        self.nodes = nodes
        self.inits = inits

    def const(self, name: str, value: float) -> str:
        """A scalar initializer of the network's dtype (ONNX broadcasts it against the batch)."""
        self.inits.append(_tensor(self.prefix + name, np.array(value, self.dtype)))
        return self.prefix + name

    def op(self, op: str, inputs: Sequence[str], name: str, out: str = "", attrs: Sequence[bytes] = ()) -> str:
        """A node named ``layers.{i}.{name}``; its output is ``out`` if given, else that same name."""
        out = out or self.prefix + name
        self.nodes.append(_node(op, inputs, [out], self.prefix + name, attrs))
        return out


_Recipe = Callable[[_Builder, str, str], None]  # (builder, z: the Gemm's output, y: the name to write f(z) to)


def _unary(op: str, name: str, attrs: Sequence[bytes] = ()) -> _Recipe:
    def recipe(g: _Builder, z: str, y: str) -> None:
        g.op(op, [z], name, y, attrs)
    return recipe


def _leaky_relu(g: _Builder, z: str, y: str) -> None:
    if g.dtype == np.float32:
        g.op("LeakyRelu", [z], "leaky_relu", y, [_attr_float("alpha", g.alpha)])
        return
    # onnxruntime implements LeakyRelu for float only: y = Where(z > 0, z, alpha * z) runs everywhere
    positive = g.op("Greater", [z, g.const("zero", 0.0)], "greater", g.prefix + "positive")
    scaled = g.op("Mul", [z, g.const("alpha", g.alpha)], "mul", g.prefix + "scaled")
    g.op("Where", [positive, z, scaled], "where", y)


# FANN's kinds below follow activation_forward in csrc/kernels/activation.cpp operation by operation (the same
# operations in the same order round the same way, so float64 matches to the last bits). Halving is written as a
# division by 2 as there; it is exact either way.
def _threshold(low: float) -> _Recipe:
    def recipe(g: _Builder, z: str, y: str) -> None:  # z < 0 ? low : 1 (so z = 0, -0 and NaN give 1, as in C++)
        negative = g.op("Less", [z, g.const("zero", 0.0)], "less", g.prefix + "negative")
        g.op("Where", [negative, g.const("low", low), g.const("one", 1.0)], "where", y)
    return recipe


def _gaussian(symmetric: bool) -> _Recipe:
    def recipe(g: _Builder, z: str, y: str) -> None:  # exp(-z²), or exp(-z²)·2 - 1
        square = g.op("Mul", [z, z], "square")
        e = g.op("Exp", [g.op("Neg", [square], "neg")], "exp", "" if symmetric else y)
        if symmetric:
            g.op("Sub", [g.op("Mul", [e, g.const("two", 2.0)], "double"), g.const("one", 1.0)], "sub", y)
    return recipe


def _elliot(symmetric: bool) -> _Recipe:
    def recipe(g: _Builder, z: str, y: str) -> None:  # (z/2) / (1 + |z|) + 0.5, or z / (1 + |z|)
        one = g.const("one", 1.0)
        denominator = g.op("Add", [g.op("Abs", [z], "abs"), one], "denominator")
        if symmetric:
            g.op("Div", [z, denominator], "div", y)
            return
        half_z = g.op("Div", [z, g.const("two", 2.0)], "half_z")
        g.op("Add", [g.op("Div", [half_z, denominator], "div"), g.const("half", 0.5)], "add", y)
    return recipe


def _clip(low: float) -> _Recipe:
    def recipe(g: _Builder, z: str, y: str) -> None:  # clip(z, low, 1); opset 13 takes min and max as inputs
        g.op("Clip", [z, g.const("min", low), g.const("max", 1.0)], "clip", y)
    return recipe


def _periodic(op: str, symmetric: bool) -> _Recipe:
    def recipe(g: _Builder, z: str, y: str) -> None:  # f(z), or f(z)/2 + 0.5
        f = g.op(op, [z], op.lower(), y if symmetric else "")
        if not symmetric:
            g.op("Add", [g.op("Div", [f, g.const("two", 2.0)], "div"), g.const("half", 0.5)], "add", y)
    return recipe


# FANN's stepwise functions (activation.cpp's Stepwise tables): lo left of v[0], the segment i's line on
# [v[i], v[i+1]), hi from v[5] on, of v = z·scale, as nested Where nodes (float arithmetic: within float rounding of
# the core, which evaluates them in double as FANN does)
_STEPWISE_TABLES = {
    "sigmoid_stepwise": (0.5, (-2.64665246009826660156e+00, -1.47221946716308593750e+00, -5.49306154251098632812e-01,
                               5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00),
                         (4.99999988824129104614e-03, 5.00000007450580596924e-02, 0.25, 0.75,
                          9.49999988079071044922e-01, 9.95000004768371582031e-01), 0.0, 1.0),
    "sigmoid_symmetric_stepwise": (1.0, (-2.64665293693542480469e+00, -1.47221934795379638672e+00,
                                         -5.49306154251098632812e-01, 5.49306154251098632812e-01,
                                         1.47221934795379638672e+00, 2.64665293693542480469e+00),
                                   (-9.90000009536743164062e-01, -8.99999976158142089844e-01, -0.5, 0.5,
                                    8.99999976158142089844e-01, 9.90000009536743164062e-01), -1.0, 1.0),
}


def _stepwise(name: str) -> _Recipe:
    scale, v, r, lo, hi = _STEPWISE_TABLES[name]

    def recipe(g: _Builder, z: str, y: str) -> None:
        x = g.op("Mul", [z, g.const("scale", scale)], "v") if scale != 1.0 else z
        out = g.const("hi", hi)
        for i in range(5, -1, -1):  # innermost first: Where(x < v[i], <left of v[i]>, <from v[i] on>)
            left = g.const("lo", lo) if i == 0 else g.op(
                "Add", [g.op("Div", [g.op("Mul", [g.const(f"dr{i}", r[i] - r[i - 1]),
                                                   g.op("Sub", [x, g.const(f"start{i}", v[i - 1])], f"d{i}")],
                                          f"m{i}"), g.const(f"dv{i}", v[i] - v[i - 1])], f"q{i}"),
                        g.const(f"r{i - 1}", r[i - 1])], f"seg{i}")
            below = g.op("Less", [x, g.const(f"v{i}", v[i])], f"less{i}")
            out = g.op("Where", [below, left, out], f"where{i}", y if i == 0 else "")
    return recipe


def _zero(g: _Builder, z: str, y: str) -> None:  # FANN 2.2's FANN_GAUSSIAN_STEPWISE: 0
    g.op("Mul", [z, g.const("zero", 0.0)], "zero", y)


# fastnet activation -> how to write it (linear is the Gemm alone). tests/test_onnx.py runs every activation in
# fastnet.layers.ACTIVATIONS through onnxruntime, so an activation added there without a recipe here fails it.
_ACTIVATIONS: Dict[str, _Recipe] = {
    "sigmoid": _unary("Sigmoid", "sigmoid"),
    "tanh": _unary("Tanh", "tanh"),
    "relu": _unary("Relu", "relu"),
    "leaky_relu": _leaky_relu,
    "softmax": _unary("Softmax", "softmax", [_attr_int("axis", -1)]),
    "threshold": _threshold(0.0),
    "threshold_symmetric": _threshold(-1.0),
    "gaussian": _gaussian(symmetric=False),
    "gaussian_symmetric": _gaussian(symmetric=True),
    "elliot": _elliot(symmetric=False),
    "elliot_symmetric": _elliot(symmetric=True),
    "linear_piece": _clip(0.0),
    "linear_piece_symmetric": _clip(-1.0),
    "sin": _periodic("Sin", symmetric=False),
    "sin_symmetric": _periodic("Sin", symmetric=True),
    "cos": _periodic("Cos", symmetric=False),
    "cos_symmetric": _periodic("Cos", symmetric=True),
    # the FANN sigmoids differ from sigmoid and tanh only in training (their derivative)
    "fann_sigmoid": _unary("Sigmoid", "fann_sigmoid"),
    "fann_sigmoid_symmetric": _unary("Tanh", "fann_sigmoid_symmetric"),
    "sigmoid_stepwise": _stepwise("sigmoid_stepwise"),
    "sigmoid_symmetric_stepwise": _stepwise("sigmoid_symmetric_stepwise"),
    "gaussian_stepwise": _zero,
    "fann_sigmoid_stepwise": _stepwise("sigmoid_stepwise"),
    "fann_sigmoid_symmetric_stepwise": _stepwise("sigmoid_symmetric_stepwise"),
}


# ------------------------------------------------------------------------------------------------ the model
def to_bytes(net: Network) -> bytes:
    """The network as a serialized ONNX ``ModelProto`` (see the module docstring for the graph).

    Parameters
    ----------
    net : Network
        Any fastnet network: dense and sparse layers, every activation, float32 or float64.

    Returns
    -------
    bytes
        The model; ``onnxruntime.InferenceSession(data)`` runs it.

    Raises
    ------
    TypeError
        If ``net`` is not a fastnet Network.
    ValueError
        If the model would exceed protobuf's 2 GiB limit (large sparse layers, which are stored dense).
    """
    if not isinstance(net, Network):
        raise TypeError(f"to_onnx exports a fastnet.Network, got {type(net).__name__}")
    dense_values = sum(L.in_features * L.out_features + L.out_features for L in net.layers)
    size = dense_values * net.dtype.itemsize
    if size > _MAX_BYTES - (1 << 20):
        raise ValueError(f"the ONNX model would hold {dense_values:,} values ({size / 2**30:.1f} GiB; sparse layers "
                         "are exported dense), more than a protobuf file can hold (2 GiB)")
    elem = _ELEM_TYPE[net.dtype]
    nodes: List[bytes] = []
    inits: List[bytes] = []
    x = INPUT_NAME
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        act = layer.activation
        recipe = _ACTIVATIONS.get(act)
        if act == "mixed":
            raise ValueError(f"layer {i} ({type(layer.spec).__name__}) mixes activation functions per neuron, which "
                             "the ONNX export does not write (one activation node per layer)")
        if act != "linear" and recipe is None:  # checked before anything is built: no half-written graph
            raise ValueError(f"layer {i} ({type(layer.spec).__name__}) has activation {act!r}, which has no ONNX "
                             "export")
        w, b = f"layers.{i}.weights", f"layers.{i}.bias"
        inits.append(_tensor(w, layer.to_dense()))
        inits.append(_tensor(b, np.asarray(layer.bias)))
        steep = layer.steepness
        scaled = bool(np.any(steep != 1.0)) or layer.fann_clip  # y = f(clamp(steepness * z)): Mul (and Min, Max)
        z = OUTPUT_NAME if (i == last and act == "linear" and not scaled) else f"layers.{i}.z"
        nodes.append(_node("Gemm", [x, w, b], [z], f"layers.{i}.gemm", [_attr_int("transB", 1)]))
        if scaled:
            g = _Builder(i, net.dtype, float(layer.spec.alpha), nodes, inits)
            inits.append(_tensor(f"layers.{i}.steepness", steep.astype(net.dtype)))
            done = i == last and act == "linear" and not layer.fann_clip
            z = g.op("Mul", [z, f"layers.{i}.steepness"], "scaled", OUTPUT_NAME if done else "")
            if layer.fann_clip:  # the core's clamp_limit: k * (150 / (s / k)), k = 2 for the sigmoid kinds
                k = 2.0 if act in ("sigmoid", "fann_sigmoid", "sigmoid_stepwise", "fann_sigmoid_stepwise") else 1.0
                with np.errstate(divide="ignore"):
                    lim = (k * (net.dtype.type(150) / (steep.astype(net.dtype) / net.dtype.type(k)))).astype(net.dtype)
                lim = np.minimum(lim, float(np.finfo(np.float32 if net.dtype == np.float32 else np.float64).max))
                lim = lim.astype(net.dtype)  # (inf at steepness 0 -> the largest value: Min/Max change nothing)
                inits.append(_tensor(f"layers.{i}.clamp_max", lim))
                inits.append(_tensor(f"layers.{i}.clamp_min", -lim))
                z = g.op("Min", [z, f"layers.{i}.clamp_max"], "clamp_high")
                z = g.op("Max", [z, f"layers.{i}.clamp_min"], "clamp_low",
                         OUTPUT_NAME if (i == last and act == "linear") else "")
        if recipe is None:  # linear: the Gemm alone
            x = z
            continue
        y = OUTPUT_NAME if i == last else f"layers.{i}.y"
        recipe(_Builder(i, net.dtype, float(layer.spec.alpha), nodes, inits), z, y)
        x = y
    graph = (b"".join(_bytes(1, n) for n in nodes)
             + _str(2, "fastnet")
             + b"".join(_bytes(5, t) for t in inits)
             + _str(10, repr(net))  # doc_string
             + _bytes(11, _value_info(INPUT_NAME, elem, ["batch", net.num_inputs]))
             + _bytes(12, _value_info(OUTPUT_NAME, elem, ["batch", net.num_outputs])))
    return (_int(1, IR_VERSION)
            + _str(2, "fastnet")  # producer_name
            + _str(3, __version__)  # producer_version
            + _bytes(7, graph)
            + _bytes(8, _str(1, "") + _int(2, OPSET)))  # opset_import: the default domain, version 13


def export(net: Network, path: Union[str, os.PathLike[str]]) -> None:
    """Write ``net`` to ``path`` as an ONNX model, atomically (a failure leaves any previous file intact).

    Parameters
    ----------
    net : Network
        The network to export.
    path : str or os.PathLike
        Destination file, conventionally ``*.onnx``.

    Raises
    ------
    TypeError
        If ``path`` is not a str or path-like object.
    OSError
        If the file cannot be written (missing folder, a folder at ``path``, no permission, disk full): the
        subclass for the cause (FileNotFoundError, IsADirectoryError, PermissionError, ...), naming ``path``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    target = os.fspath(path)
    if not isinstance(target, str):
        raise TypeError("path must be a text path, not bytes")
    data = to_bytes(net)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", target)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "the folder to write the ONNX file in does not exist", target)
    try:
        write_atomic(target, data)
    except OSError as exc:  # name the file asked for, not write_atomic's temporary file
        raise OSError(exc.errno, f"cannot write the ONNX file: {exc.strerror or exc}", target) from exc
