"""Layer specifications (what to build) and layer views (the built layer's parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

if TYPE_CHECKING:
    from .network import Network

__all__ = ["Dense", "Layer", "ACTIVATIONS", "INITS"]

# names -> codes shared with csrc/kernels/kernels.h (enum Act) and csrc/layers/layer.h (enum Init)
ACTIVATIONS = {"linear": 0, "sigmoid": 1, "tanh": 2, "relu": 3, "leaky_relu": 4, "softmax": 5}
INITS = {
    None: 0,
    "glorot_uniform": 1,
    "glorot_normal": 2,
    "he_uniform": 3,
    "he_normal": 4,
    "lecun_uniform": 5,
    "lecun_normal": 6,
}


def _check_name(value: Any, table: dict, what: str) -> None:
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
    activation : str
        One of linear, sigmoid, tanh, relu, leaky_relu, softmax (softmax: output layer only).
    init : str, optional
        glorot_/he_/lecun_ + uniform/normal; default He uniform for relu kinds, Glorot uniform otherwise.
    alpha : float
        Slope of leaky_relu for negative inputs.
    """

    in_features: int
    out_features: int
    activation: str = "linear"
    init: Optional[str] = None
    alpha: float = 0.01

    def __post_init__(self) -> None:
        for name in ("in_features", "out_features"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"Dense {name} must be an integer, got {type(v).__name__}")
            if v < 1:
                raise ValueError(f"Dense {name} must be >= 1, got {v}")
            if v > 2**31 - 1:
                raise ValueError(f"Dense {name} must be <= {2**31 - 1}, got {v}")
        _check_name(self.activation, ACTIVATIONS, "activation")
        _check_name(self.init, INITS, "init")
        if not (isinstance(self.alpha, (int, float)) and not isinstance(self.alpha, bool) and self.alpha > 0 and np.isfinite(self.alpha)):
            raise ValueError(f"Dense alpha (leaky_relu slope) must be a finite number > 0, got {self.alpha!r}")

    def _spec(self) -> tuple:
        return ("dense", int(self.in_features), int(self.out_features), ACTIVATIONS[self.activation],
                float(self.alpha), INITS[self.init])


class Layer:
    """A built layer of a Network: its spec plus its parameters.

    ``weights`` (out_features, in_features) and ``bias`` (out_features,) read as read-only copies;
    assign a whole array to change them (``layer.weights = w``).
    """

    def __init__(self, net: "Network", index: int, spec: Dense) -> None:
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
        return self.spec.activation

    def _get(self, bias: bool) -> np.ndarray:
        a = self._net._core.get_param(self._index, bias, False)
        a.flags.writeable = False
        return a

    def _set(self, bias: bool, value: Any) -> None:
        shape = (self.out_features,) if bias else (self.out_features, self.in_features)
        arr = np.asarray(value)
        name = "bias" if bias else "weights"
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
        if arr.shape != shape:
            raise ValueError(f"{name} of layer {self._index} must have shape {shape}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values")
        self._net._core.set_param(self._index, bias, False, np.ascontiguousarray(arr, dtype=self._net.dtype))

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
