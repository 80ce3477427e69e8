"""Optimizers: what ``Network.fit(..., optimizer=...)`` updates the weights with.

Each is a small immutable description (hyper-parameters only); the state it accumulates (momentum, Adam's
moments, RPROP's step sizes...) lives in the network, is saved with it (``save``/``to_bytes``/pickle) and
carries over from one ``fit`` call to the next as long as the same kind of optimizer is used.

- :class:`SGD`, :class:`Adam` and :class:`AdamW` update after every mini-batch (``batch_size``); they compute
  as PyTorch's torch.optim.SGD, Adam and AdamW do (constants formed in double, rounded to float32 where PyTorch
  rounds them), so from the same weights and gradients a float32 run follows PyTorch's step for step.
- :class:`RPROP`, :class:`Quickprop` and :class:`SARPROP` are FANN's full-batch algorithms: they adapt a step
  per weight from the gradient summed over the whole training set and update once per epoch, so there is no
  batch size to choose (``fit`` raises ValueError for one other than ``len(X)``). Their parameter names and
  defaults are FANN's (``fann_set_rprop_increase_factor`` → ``increase_factor``, and so on).

:func:`fann_training` maps FANN's training-algorithm names (FANN_TRAIN_INCREMENTAL, _BATCH, _RPROP,
_QUICKPROP, _SARPROP) onto an optimizer and batch size.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Dict, Optional, Tuple, Type, Union

from ._arrays import check_real

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RPROP", "Quickprop", "SARPROP", "fann_training", "optimizer_from_dict",
           "OptimizerKind"]


class OptimizerKind(IntEnum):
    """The optimizer codes the compiled core takes (csrc/optimizer.h) and .fnet files store (optimizer_state)."""

    SGD = 0
    ADAM = 1
    RPROP = 2
    QUICKPROP = 3
    SARPROP = 4
    ADAMW = 5


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r}")


def _check(name: str, value: Any, lo: float, hi: float = math.inf, lo_open: bool = False,
           hi_open: bool = False) -> float:
    return check_real(value, name, lo, hi, lo_open=lo_open, hi_open=hi_open)


@dataclass(frozen=True)
class Optimizer:
    """Base class: ``full_batch`` says whether the optimizer takes the whole training set per update."""

    kind: ClassVar[int] = -1  # (each optimizer's OptimizerKind)
    full_batch: ClassVar[bool] = False

    def _spec(self) -> Dict[str, Any]:
        """The hyper-parameters for the compiled core."""
        d: Dict[str, Any] = asdict(self)
        d["kind"] = int(self.kind)
        return d

    def to_dict(self) -> Dict[str, Any]:
        """``{"name": class name, **hyper-parameters}`` (JSON-ready; the inverse of optimizer_from_dict)."""
        return {"name": type(self).__name__, **asdict(self)}


@dataclass(frozen=True)
class SGD(Optimizer):
    """Mini-batch SGD with momentum as PyTorch writes it: ``v = momentum·v + g + weight_decay·w; w −= lr·v``
    (``nesterov``: ``w −= lr·(g + weight_decay·w + momentum·v)``). Biases are not decayed unless
    ``decay_bias=True`` (which trains through the unfused gradient-then-update path). With ``batch_size=1``
    this is FANN's incremental training, with ``batch_size=len(X)`` FANN's batch training (FANN's
    ``learning_rate`` is ``lr``, its ``learning_momentum`` is ``momentum``)."""

    kind: ClassVar[int] = OptimizerKind.SGD
    lr: float = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    decay_bias: bool = False

    def __post_init__(self) -> None:
        _check("SGD lr", self.lr, 0.0, lo_open=True)
        _check("SGD momentum", self.momentum, 0.0, 1.0, hi_open=True)
        _check("SGD weight_decay", self.weight_decay, 0.0)
        _check_bool("SGD nesterov", self.nesterov)
        _check_bool("SGD decay_bias", self.decay_bias)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's form with bias correction; ``weight_decay`` is L2 added to the gradient of
    the weights (not biases). Updates after every mini-batch."""

    kind: ClassVar[int] = OptimizerKind.ADAM
    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    decay_bias: bool = False

    def __post_init__(self) -> None:
        _check_adam(self)


@dataclass(frozen=True)
class AdamW(Optimizer):
    """AdamW (Loshchilov & Hutter), PyTorch's definition and defaults (torch.optim.AdamW): decoupled weight
    decay, ``w ← w·(1 − lr·weight_decay)`` before each Adam step, instead of Adam's L2 term in the gradient.
    Biases are not decayed unless ``decay_bias=True`` (PyTorch decays every parameter it is given; pass
    ``decay_bias=True`` for that, or give it the biases in a group with ``weight_decay=0`` for this default).
    Updates after every mini-batch."""

    kind: ClassVar[int] = OptimizerKind.ADAMW
    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.01
    decay_bias: bool = False

    def __post_init__(self) -> None:
        _check_adam(self)



def _check_adam(opt: Union[Adam, AdamW]) -> None:
    """The hyper-parameter checks Adam and AdamW share (messages name the class)."""
    name = type(opt).__name__
    _check(f"{name} lr", opt.lr, 0.0, lo_open=True)
    _check(f"{name} beta1", opt.beta1, 0.0, 1.0, hi_open=True)
    _check(f"{name} beta2", opt.beta2, 0.0, 1.0, hi_open=True)
    _check(f"{name} eps", opt.eps, 0.0, lo_open=True)
    _check(f"{name} weight_decay", opt.weight_decay, 0.0)
    _check_bool(f"{name} decay_bias", opt.decay_bias)

@dataclass(frozen=True)
class RPROP(Optimizer):
    """iRPROP− (FANN_TRAIN_RPROP, FANN's default algorithm; Igel & Hüsken 2000). Full batch: one update per epoch.

    Each weight has its own step, started at ``delta_zero``: while the sign of the summed gradient stays the
    same the step grows by ``increase_factor`` (up to ``delta_max``) and the weight moves against the
    gradient by it; when the sign flips the step shrinks by ``decrease_factor`` (down to ``delta_min``) and the
    weight rests for that epoch. Weights are kept within ±1500 as in FANN.

    The steps are absolute: FANN's defaults suit its usual small sigmoid networks. On wide layers (hundreds of
    inputs per neuron, relu) a first step of ±0.12 on every weight at once can overshoot far (MNIST 784-200-10
    relu: loss 2.4 → 42 after one epoch); use a smaller ``delta_zero`` and ``delta_max`` there (e.g. 0.001 and
    0.05), or Adam.

    ``fann_zero_slope=True`` reproduces FANN 2.2's own code (fann_update_weights_irpropm), which differs from
    the published iRPROP− in one branch: a weight whose slope is zero (as in the epoch after its sign flipped)
    moves up by its step instead of resting. With it, FANN's sigmoid derivative (``activation="fann_sigmoid"``)
    and FANN's initial weights (``net.randomize_weights(-0.1, 0.1)``), fastnet trains the same algorithm as
    FANN; bench/compare_fann.py ``--fann-exact`` measures that."""

    kind: ClassVar[int] = OptimizerKind.RPROP
    full_batch: ClassVar[bool] = True
    increase_factor: float = 1.2
    decrease_factor: float = 0.5
    delta_min: float = 0.0
    delta_max: float = 50.0
    delta_zero: float = 0.1
    fann_zero_slope: bool = False

    def __post_init__(self) -> None:
        _check("RPROP increase_factor", self.increase_factor, 1.0)
        _check("RPROP decrease_factor", self.decrease_factor, 0.0, 1.0, lo_open=True)
        _check("RPROP delta_min", self.delta_min, 0.0)
        _check("RPROP delta_max", self.delta_max, 0.0, lo_open=True)
        _check("RPROP delta_zero", self.delta_zero, 0.0, lo_open=True)
        if self.delta_min > self.delta_max:
            raise ValueError(f"RPROP delta_min ({self.delta_min}) must not exceed delta_max ({self.delta_max})")
        _check_bool("RPROP fann_zero_slope", self.fann_zero_slope)


@dataclass(frozen=True)
class Quickprop(Optimizer):
    """Quickprop (Fahlman 1988; FANN_TRAIN_QUICKPROP), exactly as FANN's fann_update_weights_quickprop: each
    weight jumps to the minimum of a parabola through its last two gradients, at most ``mu`` times its last
    step, plus a gradient step of ``lr / len(X)`` times the summed gradient; ``decay`` (negative, FANN's
    convention) shrinks the weights. Full batch: one update per epoch."""

    kind: ClassVar[int] = OptimizerKind.QUICKPROP
    full_batch: ClassVar[bool] = True
    lr: float = 0.7
    decay: float = -0.0001
    mu: float = 1.75

    def __post_init__(self) -> None:
        _check("Quickprop lr", self.lr, 0.0, lo_open=True)
        _check("Quickprop decay", self.decay, -1.0, 0.0)
        _check("Quickprop mu", self.mu, 0.0, lo_open=True)


@dataclass(frozen=True)
class SARPROP(Optimizer):
    """SARPROP (Treadgold & Gedeon 1998; FANN_TRAIN_SARPROP): RPROP with simulated annealing — a weight-decay
    term and noise added to small steps, both fading as ``2^(−temperature·epoch)``. Parameters as FANN's
    ``sarprop_*`` (and its rprop increase/decrease factors and delta_max). Full batch: one update per epoch.
    The epoch count is part of the optimizer state (saved with the network)."""

    kind: ClassVar[int] = OptimizerKind.SARPROP
    full_batch: ClassVar[bool] = True
    increase_factor: float = 1.2
    decrease_factor: float = 0.5
    delta_max: float = 50.0
    weight_decay_shift: float = -6.644
    step_error_threshold_factor: float = 0.1
    step_error_shift: float = 1.385
    temperature: float = 0.015

    def __post_init__(self) -> None:
        _check("SARPROP increase_factor", self.increase_factor, 1.0)
        _check("SARPROP decrease_factor", self.decrease_factor, 0.0, 1.0, lo_open=True)
        _check("SARPROP delta_max", self.delta_max, 0.0, lo_open=True)
        _check("SARPROP weight_decay_shift", self.weight_decay_shift, -1e3, 1e3)
        _check("SARPROP step_error_threshold_factor", self.step_error_threshold_factor, 0.0)
        _check("SARPROP step_error_shift", self.step_error_shift, -1e3, 1e3)
        _check("SARPROP temperature", self.temperature, 0.0)


_CLASSES: Dict[str, Type[Optimizer]] = {c.__name__: c for c in (SGD, Adam, AdamW, RPROP, Quickprop, SARPROP)}
_BY_KIND: Dict[int, Type[Optimizer]] = {c.kind: c for c in _CLASSES.values()}


def optimizer_from_dict(d: Dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from ``to_dict()`` output (unknown names or fields raise ValueError)."""
    if not isinstance(d, dict) or d.get("name") not in _CLASSES:
        raise ValueError(f"not an optimizer description: {d!r}")
    cls = _CLASSES[d["name"]]
    names = {f.name for f in fields(cls)}
    extra = set(d) - names - {"name"}
    if extra:
        raise ValueError(f"{cls.__name__} has no parameter(s) {sorted(extra)}")
    return cls(**{k: v for k, v in d.items() if k != "name"})


_FANN_NAMES = {
    "incremental": "FANN_TRAIN_INCREMENTAL", "batch": "FANN_TRAIN_BATCH", "rprop": "FANN_TRAIN_RPROP",
    "quickprop": "FANN_TRAIN_QUICKPROP", "sarprop": "FANN_TRAIN_SARPROP",
}


def fann_training(algorithm: str, learning_rate: float = 0.7, learning_momentum: float = 0.0,
                  **params: Any) -> Tuple[Optimizer, Optional[int]]:
    """FANN's training algorithm by name → ``(optimizer, batch_size)`` for ``Network.fit``.

    ``algorithm`` is FANN's name with or without the ``FANN_TRAIN_`` prefix, any case: ``incremental``
    (SGD, batch_size 1), ``batch`` (SGD over the whole set: batch_size None means ``len(X)``, give it to fit
    as ``batch_size=len(X)``), ``rprop``, ``quickprop``, ``sarprop`` (batch_size None: full batch).
    ``learning_rate`` and ``learning_momentum`` are FANN's (defaults 0.7 and 0); other keyword arguments go
    to the optimizer (e.g. ``increase_factor=1.3``).

    >>> fann_training("FANN_TRAIN_RPROP")  # doctest: +NORMALIZE_WHITESPACE
    (RPROP(increase_factor=1.2, decrease_factor=0.5, delta_min=0.0, delta_max=50.0, delta_zero=0.1,
           fann_zero_slope=False), None)
    """
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a string, got {type(algorithm).__name__}")
    key = algorithm.lower()
    if key.startswith("fann_train_"):
        key = key[len("fann_train_"):]
    if key not in _FANN_NAMES:
        raise ValueError(f"unknown FANN training algorithm {algorithm!r}; accepted: "
                         f"{', '.join(_FANN_NAMES.values())}")
    if key in ("incremental", "batch"):
        opt: Optimizer = SGD(lr=learning_rate, momentum=learning_momentum, **params)
        return opt, (1 if key == "incremental" else None)
    if key == "quickprop":
        return Quickprop(lr=learning_rate, **params), None
    return (RPROP if key == "rprop" else SARPROP)(**params), None
