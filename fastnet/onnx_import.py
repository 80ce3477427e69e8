"""ONNX import: a Network from an ONNX model of a multilayer perceptron (``fastnet.from_onnx``).

Accepted graphs are one chain from one input to one output, each layer being::

    Gemm(x, W, b)  or  MatMul(x, W) + Add(b)   ->  at most one activation

with W and b initializers or ``Constant`` nodes: Gemm with transA=0 and transB 0 or 1 (alpha and beta are folded
into W and b), the activations Relu, LeakyRelu(alpha > 0), Sigmoid, Tanh and Softmax(axis=-1 or 1, last layer only);
Identity nodes are skipped. This is what ``torch.onnx.export`` writes for an ``nn.Sequential`` of Linear layers and
those activations, and what ``Network.to_onnx`` writes for such a network. Anything else (Conv, a second input, a
branch, an operator not listed) raises ValueError naming the node and its op type.

Parsing needs the ``onnx`` package (``pip install onnx``); fastnet itself does not depend on it.
"""

from __future__ import annotations

import math
import os
from typing import Any, Dict, List, Optional, Union

import numpy as np

from .layers import Dense
from .network import Network

__all__ = ["from_onnx"]

_ACTIVATIONS = {"Relu": "relu", "LeakyRelu": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
                "Softmax": "softmax"}
_SUPPORTED = "Gemm, MatMul, Add, Relu, LeakyRelu, Sigmoid, Tanh, Softmax (last layer), Identity, Constant"
_DTYPES = {1: "float32", 11: "float64"}  # onnx.TensorProto.FLOAT, DOUBLE


class _Layer:
    """One layer being read: weights (out_features, in_features), bias, activation."""

    def __init__(self, W: np.ndarray, b: np.ndarray, node: str) -> None:
        self.W = W
        self.b = b
        self.activation = "linear"
        self.alpha = 0.01
        self.node = node  # the Gemm/MatMul node, for messages


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise ImportError("fastnet.from_onnx needs the onnx package to parse ONNX files: pip install onnx") from exc
    return onnx


def _load(onnx: Any, source: Any) -> Any:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return onnx.load_model_from_string(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not isinstance(path, str):
            raise TypeError("path must be a text path, not bytes")
        with open(path, "rb") as f:  # FileNotFoundError etc. name the path
            return onnx.load_model_from_string(f.read())
    if isinstance(source, onnx.ModelProto):
        return source
    raise TypeError(f"from_onnx takes a path, the model's bytes or an onnx.ModelProto, got {type(source).__name__}")


def _describe(node: Any) -> str:
    return f"node {node.name!r} ({node.op_type})"


def _attrs(onnx: Any, node: Any) -> Dict[str, Any]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _constant(onnx: Any, node: Any) -> np.ndarray:
    """The value of a Constant node (a tensor, float or floats)."""
    attrs = _attrs(onnx, node)
    if "value" in attrs:
        return np.asarray(onnx.numpy_helper.to_array(attrs["value"]))
    if "value_float" in attrs:
        return np.asarray(attrs["value_float"], np.float32)
    if "value_floats" in attrs:
        return np.asarray(attrs["value_floats"], np.float32)
    raise ValueError(f"{_describe(node)}: only value, value_float and value_floats constants are supported, got "
                     f"{', '.join(sorted(attrs)) or 'no value'}")


def _bias(value: np.ndarray, n: int, node: Any) -> np.ndarray:
    """A bias broadcast against (batch, n): shape (), (1,), (n,), (1, 1) or (1, n)."""
    if value.size in (1, n) and value.ndim <= 2 and (value.ndim < 2 or value.shape[0] == 1):
        return np.broadcast_to(value.reshape(-1).astype(np.float64), (n,)).copy()
    raise ValueError(f"{_describe(node)}: bias of shape {value.shape} does not broadcast as one value per output "
                     f"({n} outputs)")


def from_onnx(source: Union[str, os.PathLike[str], bytes, Any], loss: Optional[str] = None) -> Network:
    """A Network computing what an ONNX model of a multilayer perceptron computes.

    Parameters
    ----------
    source : str, os.PathLike, bytes or onnx.ModelProto
        An ONNX file, its contents, or a loaded model: a chain of Gemm (transB 0 or 1) or MatMul + Add layers,
        each followed by at most one of Relu, LeakyRelu, Sigmoid, Tanh, Softmax (axis -1 or 1, last layer only);
        Identity nodes are skipped. Weights come from initializers and Constant nodes.
    loss : str, optional
        The network's loss (Network's default if not given).

    Returns
    -------
    Network
        Dense layers holding copies of the weights; float64 if the model's input is double, else float32.

    Raises
    ------
    ImportError
        If the ``onnx`` package is not installed.
    TypeError
        If ``source`` is none of the accepted types.
    ValueError
        If the graph is not such a chain: an unsupported node (named with its op type), several inputs or
        outputs, a branch, weights that are not constants, mismatched shapes or non-finite weights.
    """
    onnx = _onnx()
    model = _load(onnx, source)
    graph = model.graph
    consts: Dict[str, np.ndarray] = {t.name: np.asarray(onnx.numpy_helper.to_array(t)) for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in consts]  # older files list initializers as inputs too
    if len(inputs) != 1:
        raise ValueError(f"from_onnx needs a graph with one input, got {len(inputs)}: "
                         f"{', '.join(repr(i.name) for i in inputs)}")
    if len(graph.output) != 1:
        raise ValueError(f"from_onnx needs a graph with one output, got {len(graph.output)}: "
                         f"{', '.join(repr(o.name) for o in graph.output)}")
    tensor_type = inputs[0].type.tensor_type
    dtype = _DTYPES.get(tensor_type.elem_type)
    if dtype is None:
        raise ValueError(f"input {inputs[0].name!r} has element type "
                         f"{onnx.TensorProto.DataType.Name(tensor_type.elem_type)}; from_onnx supports FLOAT and "
                         "DOUBLE")

    layers: List[_Layer] = []
    current = inputs[0].name  # the tensor the chain has reached
    for node in graph.node:
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise ValueError(f"{_describe(node)} in domain {node.domain!r} is not supported by from_onnx; "
                             f"supported: {_SUPPORTED}")
        if op == "Constant":
            consts[node.output[0]] = _constant(onnx, node)
            continue
        data = [name for name in node.input if name and name not in consts]
        if op not in ("Gemm", "MatMul", "Add", "Identity") and op not in _ACTIVATIONS:
            raise ValueError(f"{_describe(node)} is not supported by from_onnx; supported: {_SUPPORTED}")
        if data != [current] or len(node.output) != 1:
            raise ValueError(f"{_describe(node)} takes {data or 'only constants'} and gives {list(node.output)}; "
                             f"from_onnx needs a single chain, and the chain is at {current!r} (a branch, a second "
                             "input or weights computed by other nodes are not supported)")
        attrs = _attrs(onnx, node)
        if op in ("Gemm", "MatMul"):
            layers.append(_linear(node, op, attrs, consts, layers))
        elif op == "Add":
            if not layers or layers[-1].activation != "linear":
                raise ValueError(f"{_describe(node)}: an Add is supported only as the bias of a Gemm or MatMul")
            bias = [consts[name] for name in node.input if name in consts]
            if len(bias) != 1:
                raise ValueError(f"{_describe(node)}: an Add needs the chain's tensor and one constant bias")
            layers[-1].b = layers[-1].b + _bias(bias[0], layers[-1].W.shape[0], node)
        elif op in _ACTIVATIONS:
            _activation(node, op, attrs, layers)
        current = node.output[0]
    if current != graph.output[0].name:
        raise ValueError(f"the graph's output {graph.output[0].name!r} is not the end of the chain ({current!r})")
    if not layers:
        raise ValueError("the graph has no Gemm or MatMul layer")
    dims = tensor_type.shape.dim if tensor_type.HasField("shape") else None
    if dims is not None and len(dims) != 2:  # checked after the nodes, so that a Conv graph names its Conv
        raise ValueError(f"input {inputs[0].name!r} has {len(dims)} dimensions; from_onnx supports (batch, "
                         "features) inputs")
    if dims is not None and dims[1].HasField("dim_value") and dims[1].dim_value != layers[0].W.shape[1]:
        raise ValueError(f"input {inputs[0].name!r} has {dims[1].dim_value} features, but node "
                         f"{layers[0].node!r} takes {layers[0].W.shape[1]}")
    for k, L in enumerate(layers):
        if L.activation == "softmax" and k != len(layers) - 1:
            raise ValueError(f"the Softmax after node {L.node!r} is supported only on the last layer")
    specs = [Dense(int(L.W.shape[1]), int(L.W.shape[0]), L.activation, alpha=L.alpha) for L in layers]
    net = Network(specs, loss=loss, dtype=dtype)
    net.set_weights([a for L in layers for a in (L.W, L.b)])
    return net


def _linear(node: Any, op: str, attrs: Dict[str, Any], consts: Dict[str, np.ndarray],
            layers: List[_Layer]) -> _Layer:
    """The layer a Gemm or MatMul node starts."""
    if node.input[0] in consts or len(node.input) < 2 or node.input[1] not in consts:
        raise ValueError(f"{_describe(node)}: from_onnx needs the data as input A and constant weights as input B")
    B = consts[node.input[1]].astype(np.float64)
    if B.ndim != 2:
        raise ValueError(f"{_describe(node)}: weights of shape {B.shape}; from_onnx needs a 2-D matrix")
    if op == "MatMul":
        W, b = B.T, np.zeros(B.shape[1])
    else:
        unknown = sorted(set(attrs) - {"alpha", "beta", "transA", "transB"})
        if unknown or attrs.get("transA", 0) != 0 or attrs.get("transB", 0) not in (0, 1):
            raise ValueError(f"{_describe(node)}: supported attributes are transA=0, transB=0 or 1, alpha and beta; "
                             f"got {attrs}")
        alpha, beta = float(attrs.get("alpha", 1.0)), float(attrs.get("beta", 1.0))
        W = B if attrs.get("transB", 0) == 1 else B.T
        W = W * alpha if alpha != 1.0 else W
        b = (_bias(consts[node.input[2]], W.shape[0], node) * beta if len(node.input) > 2 and node.input[2]
             else np.zeros(W.shape[0]))
    if layers and layers[-1].W.shape[0] != W.shape[1]:
        raise ValueError(f"{_describe(node)} takes {W.shape[1]} inputs, but the previous layer (node "
                         f"{layers[-1].node!r}) gives {layers[-1].W.shape[0]}")
    return _Layer(np.ascontiguousarray(W), b, node.name)


def _activation(node: Any, op: str, attrs: Dict[str, Any], layers: List[_Layer]) -> None:
    """Sets the last layer's activation from an activation node."""
    if not layers or layers[-1].activation != "linear":
        raise ValueError(f"{_describe(node)} does not directly follow a Gemm or MatMul layer; fastnet has one "
                         "activation per layer")
    layer = layers[-1]
    if op == "LeakyRelu":
        alpha = float(attrs.get("alpha", 0.01))
        if not (alpha > 0 and math.isfinite(alpha)):
            raise ValueError(f"{_describe(node)}: alpha {alpha} is not supported (fastnet's leaky_relu needs a "
                             "finite slope > 0)")
        layer.alpha = alpha
    if op == "Softmax" and attrs.get("axis", -1) not in (-1, 1):
        raise ValueError(f"{_describe(node)}: axis={attrs['axis']} is not supported; fastnet's softmax runs over "
                         "the features (axis -1 or 1)")
    layer.activation = _ACTIVATIONS[op]
