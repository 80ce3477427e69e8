"""Losses: what ``Network(..., loss=...)`` trains on, by name or as an object with parameters.

``loss="huber"`` and ``loss=fn.losses.Huber(delta=2.0)`` are the same kind of thing: a name stands for its class
with default parameters. Every loss is computed in the compiled core, element-wise on the output layer's values
``y`` (``e = y − t``), fused with the output activation's derivative:

| loss | per element | output layer |
|---|---|---|
| ``mse`` | ½·e² | any |
| ``cross_entropy`` | softmax: −t·log y; sigmoid: −t·log y − (1−t)·log(1−y) | softmax or sigmoid |
| ``fann_tanh`` | FANN's tanh error function (see Network) | any but softmax |
| ``huber`` | ½·e² if \\|e\\| < δ, else δ·(\\|e\\| − ½δ) | any |
| ``l1`` | \\|e\\| | any |
| ``poisson`` | e^y − t·y (y: the log-rate) | linear (any but softmax) |
| ``bce_with_logits`` | max(y, 0) − t·y + log(1 + e^−\\|y\\|) (y: a logit) | linear (not softmax, sigmoid) |

**Reduction.** ``reduction="fastnet"`` (the default, fastnet's historical scale) sums each sample's values over the
outputs and averages over the samples of a batch. ``"mean"`` and ``"sum"`` are PyTorch's: the mean over every
element (for softmax cross-entropy, over the samples, as ``nn.CrossEntropyLoss``) and the sum over everything, MSE
then without its ½. The reduction sets both the reported loss (``evaluate``, ``fit``'s history: the value over the
whole set or epoch) and the gradients (hence the learning rate that suits): with ``"mean"`` a fastnet network and
a PyTorch module with the same weights get the same loss and the same gradients from the same batch. With
``"sum"`` a step follows the gradient of its batch's sum (as PyTorch's ``reduction="sum"``); it is for mini-batch
optimizers on one process (fastnet refuses it with the full-batch optimizers, ``comm=`` and
``on_nonfinite="skip"``, whose steps or reports assume a per-sample mean). The full-batch optimizers (FANN's
RPROP, Quickprop, SARPROP) take only ``"fastnet"``: they sum the gradient over the training set themselves.

**Outputs.** ``predict`` returns the output layer's values: for ``poisson`` the log-rate, for ``bce_with_logits``
the logits. ``Network.predict_response`` (or a loss's :meth:`Loss.response`) applies the loss's inverse link:
the rate e^y, the probability σ(y), the outputs themselves for the other losses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Dict, Mapping, Optional, Type, Union

import numpy as np

from ._arrays import check_real

__all__ = ["Loss", "MSE", "CrossEntropy", "FannTanh", "Huber", "L1", "Poisson", "BCEWithLogits", "LOSSES",
           "REDUCTIONS", "get", "from_dict"]

#: the reductions, by name -> the code the compiled core takes (csrc/kernels/kernels.h enum Reduction)
REDUCTIONS = {"fastnet": 0, "mean": 1, "sum": 2}


def _check_reduction(reduction: Any) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}; accepted: {', '.join(map(repr, REDUCTIONS))}")


def _check_targets_finite(targets: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(targets)):
        raise ValueError(f"loss {name!r}: targets contain NaN or infinite values")


@dataclass(frozen=True)
class Loss:
    """Base class. ``name`` is the loss's string name (``Network(loss=name)``), ``code`` the compiled core's."""

    name: ClassVar[str] = ""
    code: ClassVar[int] = -1

    def __post_init__(self) -> None:
        _check_reduction(getattr(self, "reduction", "fastnet"))

    @property
    def reduction_code(self) -> int:
        return REDUCTIONS[str(getattr(self, "reduction", "fastnet"))]

    def _options(self) -> Dict[str, Any]:
        """What the compiled core's ``set_loss_options`` takes."""
        return {"delta": float(getattr(self, "delta", 1.0)),
                "label_smoothing": float(getattr(self, "label_smoothing", 0.0)),
                "reduction": self.reduction_code}

    def to_dict(self) -> Dict[str, Any]:
        """``{"name": loss name, **parameters}`` (JSON-ready; the inverse of :func:`from_dict`)."""
        return {"name": self.name, **asdict(self)}

    def is_default(self) -> bool:
        """True when every parameter has its default value (the loss is fully described by its name)."""
        return self == type(self)()

    def check_targets(self, targets: Optional[np.ndarray]) -> None:
        """Raise ValueError naming the loss when 2-D targets are outside its domain (nothing to check for labels,
        given as None)."""

    def response(self, outputs: Any) -> np.ndarray:
        """The loss's inverse link applied to a network's outputs (``predict``): the outputs themselves, except
        the rate e^y for :class:`Poisson` and the probability σ(y) for :class:`BCEWithLogits`."""
        return np.asarray(outputs)


@dataclass(frozen=True)
class MSE(Loss):
    """Squared error: ½·Σ_outputs (y − t)² per sample with ``reduction="fastnet"`` (PyTorch's ``nn.MSELoss()`` is
    ``reduction="mean"``: the mean of (y − t)² over every element, no ½)."""

    name: ClassVar[str] = "mse"
    code: ClassVar[int] = 0
    reduction: str = "fastnet"


@dataclass(frozen=True)
class CrossEntropy(Loss):
    """Cross-entropy on probabilities: categorical for a softmax output (−Σ t·log y; ``reduction="fastnet"`` and
    ``"mean"`` are both PyTorch's ``nn.CrossEntropyLoss()`` on the logits), binary per output for a sigmoid
    output (``"mean"`` is ``nn.BCELoss()``).

    ``label_smoothing`` in [0, 1) is PyTorch's: the targets become (1 − ε)·t + ε/K, K the number of classes (the
    outputs of a softmax; 2 for each sigmoid output, as Keras's ``BinaryCrossentropy(label_smoothing=ε)``)."""

    name: ClassVar[str] = "cross_entropy"
    code: ClassVar[int] = 1
    label_smoothing: float = 0.0
    reduction: str = "fastnet"

    def __post_init__(self) -> None:
        super().__post_init__()
        # (stored as a float: the header of a saved model is JSON)
        object.__setattr__(self, "label_smoothing", check_real(self.label_smoothing, "label_smoothing", 0.0, 1.0,
                                                               hi_open=True))


@dataclass(frozen=True)
class FannTanh(Loss):
    """FANN's default error function (FANN_ERRORFUNC_TANH); see ``Network``. No PyTorch counterpart."""

    name: ClassVar[str] = "fann_tanh"
    code: ClassVar[int] = 2
    reduction: str = "fastnet"


@dataclass(frozen=True)
class Huber(Loss):
    """PyTorch's ``nn.HuberLoss(delta=δ)``, element-wise: ½·e² where \\|e\\| < δ, δ·(\\|e\\| − ½δ) beyond (quadratic
    near the target, linear for outliers; δ = 1 is ``nn.SmoothL1Loss``). ``reduction="fastnet"`` sums it over the
    outputs per sample; ``"mean"`` is PyTorch's default."""

    name: ClassVar[str] = "huber"
    code: ClassVar[int] = 3
    delta: float = 1.0
    reduction: str = "fastnet"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "delta", check_real(self.delta, "huber delta", 0.0, lo_open=True))


@dataclass(frozen=True)
class L1(Loss):
    """Absolute error \\|y − t\\| (PyTorch's ``nn.L1Loss()`` is ``reduction="mean"``); its gradient is sign(e),
    0 at e = 0 as PyTorch's."""

    name: ClassVar[str] = "l1"
    code: ClassVar[int] = 4
    reduction: str = "fastnet"


@dataclass(frozen=True)
class Poisson(Loss):
    """PyTorch's ``nn.PoissonNLLLoss(log_input=True, full=False)``: the output y is the log of the Poisson rate
    and the loss e^y − t·y (the negative log-likelihood without the constant log t!). Use a ``linear`` output
    layer; ``predict`` returns the log-rate, ``Network.predict_response`` (or :meth:`response`) the rate e^y.
    Targets must be counts or rates >= 0."""

    name: ClassVar[str] = "poisson"
    code: ClassVar[int] = 5
    reduction: str = "fastnet"

    def check_targets(self, targets: Optional[np.ndarray]) -> None:
        if targets is None:
            return
        _check_targets_finite(targets, self.name)
        if np.any(targets < 0):
            raise ValueError(f"loss 'poisson' needs targets >= 0 (counts or rates), got a minimum of "
                             f"{float(np.min(targets))}")

    def response(self, outputs: Any) -> np.ndarray:
        out: np.ndarray = np.exp(np.asarray(outputs))
        return out


@dataclass(frozen=True)
class BCEWithLogits(Loss):
    """PyTorch's ``nn.BCEWithLogitsLoss()``: the output y is a logit and the loss, per output, the binary
    cross-entropy of σ(y), computed stably as max(y, 0) − t·y + log(1 + e^−\\|y\\|). Use a ``linear`` output layer
    (a sigmoid output takes ``loss="cross_entropy"`` instead); ``predict`` returns the logits,
    ``Network.predict_response`` the probabilities σ(y). Targets in [0, 1]; for classification the threshold of a
    logit is 0. ``reduction="mean"`` is PyTorch's default."""

    name: ClassVar[str] = "bce_with_logits"
    code: ClassVar[int] = 6
    reduction: str = "fastnet"

    def check_targets(self, targets: Optional[np.ndarray]) -> None:
        if targets is None:
            return
        _check_targets_finite(targets, self.name)
        if np.any(targets < 0) or np.any(targets > 1):
            raise ValueError(f"loss 'bce_with_logits' needs targets in [0, 1], got values in "
                             f"[{float(np.min(targets))}, {float(np.max(targets))}]")

    def response(self, outputs: Any) -> np.ndarray:
        z = np.asarray(outputs)
        # σ(z) without overflow: e^−|z| never exceeds 1
        e = np.exp(-np.abs(z))
        out: np.ndarray = np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype if z.dtype.kind == "f" else
                                                                                 np.float64)
        return out


_CLASSES: Dict[str, Type[Loss]] = {c.name: c for c in (MSE, CrossEntropy, FannTanh, Huber, L1, Poisson,
                                                       BCEWithLogits)}
#: loss names -> the codes shared with the compiled core (csrc/kernels/kernels.h enum Loss; stored in .fnet files
#: by name)
LOSSES: Dict[str, int] = {name: cls.code for name, cls in _CLASSES.items()}


def get(loss: Union[str, Loss]) -> Loss:
    """The Loss object for a name (its class with default parameters) or a Loss object (returned as is)."""
    if isinstance(loss, Loss):
        if type(loss) not in _CLASSES.values():
            raise TypeError(f"loss must be one of fastnet.losses' classes, got {type(loss).__name__}")
        return loss
    if not isinstance(loss, str) or loss not in _CLASSES:
        raise ValueError(f"unknown loss {loss!r}; accepted: {', '.join(map(repr, _CLASSES))} (or a "
                         "fastnet.losses object such as fn.losses.Huber(delta=1.0))")
    return _CLASSES[loss]()


def check_fit(loss: Any, optimizer: Any, distributed: bool, on_nonfinite: Any = "raise") -> None:
    """Raise ValueError for the fits a loss's reduction cannot run (see the module's documentation): a reduction
    other than "fastnet" with a full-batch optimizer; "sum" with a distributed fit or on_nonfinite="skip"."""
    reduction = getattr(loss, "reduction", "fastnet")
    if reduction == "fastnet":
        return
    if getattr(optimizer, "full_batch", False):
        raise ValueError(f"reduction={reduction!r}: {type(optimizer).__name__} is a full-batch algorithm that sums "
                         "the gradient over the training set itself (as FANN does); use the loss with "
                         "reduction='fastnet'")
    if reduction == "sum" and distributed:
        raise ValueError("reduction='sum' is not supported with comm= (a distributed step averages the ranks' "
                         "gradients); use reduction='mean' or 'fastnet'")
    if reduction == "sum" and on_nonfinite == "skip":
        raise ValueError("reduction='sum' is not supported with on_nonfinite='skip' (the epoch's summed loss "
                         "would miss the skipped samples); use on_nonfinite='raise'")


def from_dict(name: Any, options: Optional[Mapping[str, Any]] = None) -> Loss:
    """The Loss named ``name`` with the parameters in ``options`` (``to_dict()`` without "name"), as a .fnet
    header stores them; an unknown name or parameter raises ValueError."""
    cls = type(get(name))
    opts = dict(options or {})
    allowed = set(asdict(cls()))
    unknown = sorted(set(opts) - allowed)
    if unknown:
        raise ValueError(f"loss {name!r} has no parameter(s) {unknown}; it takes {sorted(allowed)}")
    return cls(**opts)
