"""The Network: build, train, predict, evaluate, save and load dense networks.

This module validates and presents; every loop over data runs in the compiled core (``fastnet._core``), whose
``fit`` runs all epochs in C++ with the GIL released and calls back only for progress and callbacks.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import _core
from . import interop as _interop
from . import losses as _losses
from . import metrics as _metrics
from ._arrays import as_features, as_targets, check_int
from ._format import ModelFormatError, decode, encode, write_atomic
from ._progress import ProgressBar
from .history import Callback, History, _history, _run_batch_callbacks, _run_callbacks, _run_train_begin
from .io import load, model_info, register_model_kind
from .layers import ACTIVATIONS, INITS, SET, Dense, Layer, Sparse, _neuron_codes, class_threshold, has_neurons
from .optimizers import SGD, Optimizer, OptimizerKind, optimizer_from_dict
from .training import FitPlan, _check_weights, fit_plan, resolve_batch_size, training_controls

__all__ = ["Network", "History", "load", "model_info", "from_torch", "LOSSES"]

LOSSES = _losses.LOSSES  # loss names -> the core's codes (fastnet/losses.py)
_DTYPES = {"float32": np.float32, "float64": np.float64}


def _dtype_name(dtype: Any) -> str:
    """"float32" or "float64" from a name or anything numpy reads as one of those dtypes (np.float32, ...)."""
    if isinstance(dtype, str) and dtype in _DTYPES:
        return dtype
    try:
        name = np.dtype(dtype).name if not isinstance(dtype, (bool, int, float)) and dtype is not None else ""
    except TypeError:
        name = ""
    if name not in _DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; accepted: 'float32', 'float64' (or np.float32, np.float64)")
    return name
_MAX_FEATURES = 2**31 - 1  # the core's layer sizes are int32
#: inputs a loaded sparse first layer may have regardless of its connections (4 MiB of column pointers)
_SPARSE_FREE_INPUTS = 1 << 20

class Network:
    """A feed-forward network with a C++ core.

    Parameters
    ----------
    layers : list of int or list of Dense
        ``[784, 256, 10]`` builds dense layers 784→256→10 with ``activation`` on hidden layers and ``output``
        on the last; or give the layers explicitly, e.g. ``[Dense(784, 256, "relu"), Dense(256, 10, "softmax")]``
        (then ``activation`` and ``output`` are not used).
    activation : str
        Hidden-layer activation for the integer shorthand (linear, sigmoid, tanh, relu, leaky_relu).
    output : str
        Output-layer activation for the shorthand (any of the above, or softmax).
    loss : str or fastnet.losses.Loss, optional
        A name ("cross_entropy", "mse", "fann_tanh", "huber", "l1", "poisson", "bce_with_logits") or a loss object
        with parameters (``fn.losses.Huber(delta=2.0)``, ``fn.losses.CrossEntropy(label_smoothing=0.1)``,
        ``fn.losses.MSE(reduction="mean")``; see fastnet.losses). Default: cross_entropy for a softmax output, mse
        otherwise. cross_entropy is categorical for softmax outputs and binary (per output) for sigmoid outputs;
        mse is ½·Σ(y−t)² per sample; fann_tanh is FANN's
        default training error function (FANN_ERRORFUNC_TANH: the error e = y−t, halved for tanh outputs, enters
        the gradient as 2·atanh(e), pressing hard on large errors; the loss is its integral,
        Σ 2e·atanh(e) + ln(1−e²)). The reported loss and the gradients are of the mean over the batch (with the
        default ``reduction="fastnet"``; "mean" and "sum" are PyTorch's, see fastnet.losses).
    seed : int
        Seeds the weights and every shuffle: same seed and thread count give bit-identical training.
    dtype : {"float32", "float64"}
        float64 is for gradient checks and experiments; float32 is the fast path. numpy's spellings
        (``np.float32``, ``np.dtype("float64")``) are accepted too.
    init : str, optional
        Weight initializer for the shorthand (see Dense).
    """

    def __init__(
        self,
        layers: Sequence[Union[int, Dense, Sparse]],
        activation: str = "relu",
        output: str = "softmax",
        loss: Optional[Union[str, _losses.Loss]] = None,
        seed: int = 0,
        dtype: npt.DTypeLike = "float32",
        init: Optional[str] = None,
    ) -> None:
        specs = _layer_specs(layers, activation, output, init)
        dtype = _dtype_name(dtype)
        if loss is None:
            loss = "cross_entropy" if specs[-1].activation == "softmax" else "mse"
        loss_fn = _losses.get(loss)
        seed = check_int(seed, "seed", 0, 2**64 - 1)
        self.specs: Tuple[Union[Dense, Sparse], ...] = tuple(specs)
        #: the loss's name; ``loss_fn`` is the loss object with its parameters (fastnet.losses)
        self.loss: str = loss_fn.name
        self.loss_fn: _losses.Loss = loss_fn
        self.seed = seed
        self.dtype = np.dtype(_DTYPES[dtype])
        self._n_in = specs[0].in_features
        cls = _core.Network32 if dtype == "float32" else _core.Network64
        self._core: Union[_core.Network32, _core.Network64] = cls([_core_layer(s) for s in specs], loss_fn.code, seed)
        if not loss_fn.is_default():
            self._core.set_loss_options(**loss_fn._options())
        for i, s in enumerate(specs):  # FANN's per-neuron steepness, activations and clamp, where set
            if has_neurons(s):
                self._core.set_neurons(i, *_neuron_codes(s), s.fann_clip)
        self._predict_checked: Any = self._core.predict_checked  # None while scaling is set
        self.layers: List[Layer] = [Layer(self, i, s) for i, s in enumerate(specs)]
        #: the optimizer of the last fit (its state is kept in the network and saved with it)
        self.optimizer: Optional[Optimizer] = None
        self._scaling: Dict[str, Optional[Tuple[np.ndarray, np.ndarray]]] = {"input": None, "output": None}
        #: user metadata (a JSON dict), saved in the .fnet header by ``save`` and read back by ``load``
        self.metadata: Dict[str, Any] = {}
        #: FANN's training settings of a network read by fastnet.load_fann (key -> the .net file's text), written
        #: back by save_fann; kept by copy and pickle, not by .fnet files
        self.fann_settings: Dict[str, str] = {}

    # ---------------------------------------------------------------- description
    @property
    def num_inputs(self) -> int:
        """Input features (the first layer's in_features)."""
        return self.specs[0].in_features

    @property
    def num_outputs(self) -> int:
        """Outputs (the last layer's out_features)."""
        return self.specs[-1].out_features

    @property
    def sizes(self) -> List[int]:
        """``[inputs, layer 1 outputs, ..., outputs]``, e.g. ``[784, 256, 10]``."""
        return [self.num_inputs] + [s.out_features for s in self.specs]

    @property
    def num_parameters(self) -> int:
        """Trainable values: connections (weights) plus biases, over all layers."""
        return sum(L.nnz + L.out_features for L in self.layers)

    def randomize_weights(self, low: float = -0.1, high: float = 0.1, seed: Optional[int] = None) -> None:
        """FANN's ``fann_randomize_weights``: every weight and bias uniform in [low, high] (numpy generator seeded
        with ``seed``, default the network's seed)."""
        top = float(np.finfo(self.dtype.name).max)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"need finite low < high, got {low}, {high}")
        if not (-top <= low and high <= top and np.isfinite(float(high) - float(low))):
            raise ValueError(f"randomize_weights bounds {low}, {high} are outside the range of {self.dtype.name} "
                             f"(weights must lie within +-{top:g}; the span high - low must be finite too)")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        for L in self.layers:
            L.weights = rng.uniform(low, high, size=L.weights.shape)
            L.bias = rng.uniform(low, high, size=L.out_features)

    def init_nguyen_widrow(self, X: Any, seed: Optional[int] = None) -> None:
        """FANN's ``fann_init_weights`` (its Nguyen-Widrow variant), scaled to the range of the inputs X:
        s = (0.7·hidden_neurons)^(1/inputs) / (max(X) − min(X)); biases uniform in [−s, s], weights in [0, s]."""
        Xa = as_features(X, self.num_inputs, self.dtype)
        span = float(Xa.max()) - float(Xa.min())  # (in float64: the span of float32 data may overflow float32)
        if span <= 0:
            raise ValueError("X has a single value: Nguyen-Widrow needs a range of inputs")
        hidden = max(1, sum(s.out_features for s in self.specs[:-1]))
        s = (0.7 * hidden) ** (1.0 / self.num_inputs) / span
        if not s <= float(np.finfo(self.dtype.name).max):
            raise ValueError(f"X spans only {span:g}: the Nguyen-Widrow scale 1/span ({s:g}) overflows "
                             f"{self.dtype.name}")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        for L in self.layers:
            L.weights = rng.uniform(0.0, s, size=L.weights.shape)
            L.bias = rng.uniform(-s, s, size=L.out_features)

    def summary(self) -> str:
        """A table of the layers: kind, shape, activation, connections, parameters and their memory."""
        rows = [f"{'layer':<6}{'kind':<8}{'shape':>16}  {'activation':<11}{'connections':>13}{'parameters':>12}"]
        total = 0
        for i, L in enumerate(self.layers):
            kind = "sparse" if L.is_sparse else "dense"
            params = L.nnz + L.out_features
            total += params
            rows.append(f"{i:<6}{kind:<8}{f'{L.in_features} -> {L.out_features}':>16}  {L.activation:<11}"
                        f"{L.nnz:>13,}{params:>12,}")
        # values, gradients (scratch) and momentum: three arenas of the same size
        mem = 3 * total * self.dtype.itemsize
        rows.append(f"total {total:,} parameters, {self.dtype.name}, loss {self.loss}; "
                    f"{mem / 2**20:.2f} MiB for values, gradients and momentum")
        text = "\n".join(rows)
        print(text)
        return text

    def __repr__(self) -> str:
        acts = ",".join(s.activation for s in self.specs)
        return (f"Network({'-'.join(map(str, self.sizes))}, activations={acts}, loss={self.loss!r}, "
                f"dtype={self.dtype.name})")

    def _is_classifier(self, labels: Optional[np.ndarray]) -> bool:
        return (labels is not None or self.specs[-1].activation in ("softmax", "sigmoid", "fann_sigmoid")
                or self.loss == "bce_with_logits")

    def _xy(self, X: Any, y: Any, xname: str = "X",
            yname: str = "y") -> Tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]:
        """Validated arrays for the core, in the network's scaled units when scaling is set."""
        Xa = as_features(X, self.num_inputs, self.dtype, xname)
        labels, targets = as_targets(y, Xa.shape[0], self.num_outputs, self.dtype, yname)
        sin, sout = self._scaling["input"], self._scaling["output"]
        if sin is not None:
            Xa = np.ascontiguousarray(Xa * sin[0] + sin[1], dtype=self.dtype)
        if sout is not None:
            if targets is None:
                raise ValueError(f"{yname} holds class labels, but the network has output scaling (set for "
                                 "regression targets); give 2-D targets or clear_scaling(output=True)")
            targets = np.ascontiguousarray(targets * sout[0] + sout[1], dtype=self.dtype)
        self.loss_fn.check_targets(targets)  # (poisson: >= 0, bce_with_logits: in [0, 1])
        return Xa, labels, targets

    # ---------------------------------------------------------------- scaling (FANN's fann_scale_*)
    def set_input_scaling(self, X: Any, method: str = "standardize",
                          feature_range: Tuple[float, float] = (-1.0, 1.0)) -> None:
        """Scale every input feature from now on (fit, predict, evaluate, gradients), with parameters taken from
        X and stored with the model (saved, pickled): ``"standardize"`` (zero mean, unit variance) or
        ``"minmax"`` to ``feature_range`` (FANN's ``fann_set_input_scaling_params``). Constant features are
        shifted only. Pass raw data afterwards; the network scales it."""
        self._scaling["input"] = _scaling_params(as_features(X, self.num_inputs, np.dtype(np.float64), "X"), method,
                                                 feature_range, self.dtype, "input")
        self._predict_checked = None

    def set_output_scaling(self, Y: Any, method: str = "minmax",
                           feature_range: Tuple[float, float] = (-1.0, 1.0)) -> None:
        """Scale regression targets (2-D Y) for training and unscale ``predict``'s outputs back, with parameters
        from Y stored with the model (FANN's ``fann_set_output_scaling_params``). ``evaluate``'s loss and metrics
        are then in the scaled units; ``predict`` returns the original units."""
        Ya = np.asarray(Y, dtype=np.float64)
        if Ya.ndim != 2 or Ya.shape[1] != self.num_outputs or Ya.shape[0] < 1:
            raise ValueError(f"Y must be a 2-D array with {self.num_outputs} columns (regression targets), got "
                             f"shape {Ya.shape}")
        if not np.all(np.isfinite(Ya)):
            raise ValueError("Y contains NaN or infinite values")
        self._scaling["output"] = _scaling_params(Ya, method, feature_range, self.dtype, "output")
        self._predict_checked = None

    def clear_scaling(self, input: bool = True, output: bool = True) -> None:
        """Remove input and/or output scaling."""
        if input:
            self._scaling["input"] = None
        if output:
            self._scaling["output"] = None
        if self._scaling["input"] is None and self._scaling["output"] is None:
            self._predict_checked = self._core.predict_checked

    @property
    def scaling(self) -> Dict[str, Optional[Tuple[np.ndarray, np.ndarray]]]:
        """``{"input": (scale, offset) | None, "output": ...}``: scaled = raw·scale + offset, per feature."""
        return {k: (None if v is None else (v[0].copy(), v[1].copy())) for k, v in self._scaling.items()}

    # ---------------------------------------------------------------- training
    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int = 10,
        batch_size: Optional[int] = None,
        lr: Optional[float] = None,
        momentum: Optional[float] = None,
        nesterov: Optional[bool] = None,
        weight_decay: Optional[float] = None,
        shuffle: bool = True,
        validation_data: Optional[Tuple[Any, Any]] = None,
        verbose: int = 1,
        callbacks: Optional[Iterable[Callback]] = None,
        rewire: Optional[SET] = None,
        validation_split: float = 0.0,
        l1: float = 0.0,
        max_norm: Optional[float] = None,
        track_gradients: bool = False,
        optimizer: Optional[Optimizer] = None,
        on_nonfinite: str = "raise",
        callback_every: Optional[int] = None,
        comm: Any = None,
        clip_norm: Optional[float] = None,
        clip_value: Optional[float] = None,
        input_dropout: float = 0.0,
        sample_weight: Any = None,
        class_weight: Any = None,
    ) -> History:
        """Train: mini-batch SGD by default (momentum, optional Nesterov, L2 weight decay on weights, not biases),
        or any optimizer of fastnet.optimizers (Adam, FANN's RPROP, Quickprop, SARPROP).

        Parameters
        ----------
        X : array (n, inputs)
            float32 C-contiguous is used as is; other real dtypes are converted once.
        y : array (n,) of int class labels, or (n, outputs) float targets (one-hot or regression)
        epochs, batch_size : int
            ``batch_size=1`` is online (incremental) learning as in FANN; ``batch_size=len(X)`` full batch.
            Default 32; the full-batch optimizers (RPROP, Quickprop, SARPROP) take the whole set and accept
            no other batch size.
        lr, momentum, nesterov, weight_decay
            SGD's, when no ``optimizer`` is given (defaults 0.01, 0, False, 0):
            ``v = momentum·v + g + weight_decay·w;  w -= lr·v`` (PyTorch's SGD).
        optimizer : fastnet.optimizers.Optimizer, optional
            ``fn.SGD(...)``, ``fn.Adam(...)``, ``fn.RPROP(...)``, ``fn.Quickprop(...)`` or ``fn.SARPROP(...)``
            (then lr/momentum/nesterov/weight_decay are given to it, not to fit). Its state (momentum, moments,
            step sizes) is kept in the network: a later fit with the same kind of optimizer continues it (pass
            ``net.optimizer`` to resume exactly, also after save/load); another kind starts afresh.
        validation_data : (Xv, yv), optional
            Evaluated after every epoch (val_loss, val_accuracy).
        verbose : int
            1: a progress bar and one line per epoch; 0: silent.
        callbacks : iterable of callables, optional
            Each is called with the epoch's logs (a dict with loss, accuracy, val_*, seconds, lr, momentum)
            after every epoch; returning False stops training, returning {"lr": x} and/or {"momentum": m} sets
            them from the next epoch on (see fastnet.schedules; "momentum" is SGD's momentum and Adam's and
            AdamW's beta1, which the logs' momentum reports for them). A callback's ``on_batch(logs)`` method, if
            it has one, is called between batches (see callback_every; its logs' lr and momentum are those the batch
            just completed ran with): False stops, a dict {"lr", "momentum"} sets them from the next batch on.
            ``on_train_begin()``, if present, is called before the first batch and may return such a dict for
            it. A callback with ``per_step = True`` (fastnet.schedules.OneCycle, WarmupCosine) has its
            ``on_batch`` called after every batch, the last of each epoch included (just before the epoch-end
            callbacks), which makes callback_every 1. Returned values are validated (finite, lr > 0,
            0 <= momentum < 1; any other key is a ValueError). When several callbacks return the same key at
            the same point, the last in the list wins; at an epoch end the epoch callbacks come after the
            per-step ``on_batch`` calls, so they win.
        rewire : fastnet.SET, optional
            Evolve the sparse layers' topology after every epoch but the last (Sparse Evolutionary Training).
        l1 : float
            L1 regularization of the weights (not biases), applied after each step as its proximal operator
            (soft thresholding by lr·l1), which sets small weights exactly to zero.
        max_norm : float, optional
            Keep each neuron's incoming weight vector at Euclidean norm <= max_norm (rescaled after each step).
        track_gradients : bool
            After every epoch record each layer's gradient norm ‖∂C/∂b‖ (over its neurons' biases, on the first
            1,024 training samples) in ``history["grad_norms"]``: the speed at which each layer's neurons learn,
            comparable between layers of the same width (vanishing gradients show as small early layers).
        callback_every : int, optional
            Batches between the calls of callbacks' ``on_batch`` method (and of the progress bar); default about
            2% of an epoch, and 1 with a ``per_step`` callback (which allows no other value).
        on_nonfinite : {"raise", "skip"}
            What a batch whose loss is NaN or infinite does: "raise" stops training with FloatingPointError naming
            the epoch and batch (the weights are those from before it); "skip" leaves the weights as they were,
            goes on, and counts it in ``history["skipped_batches"]`` (the epoch's loss and accuracy exclude it).
        validation_split : float in [0, 1)
            Hold out this fraction of (X, y) — the last samples, before any shuffling — as validation data.
            Not combined with validation_data.
        comm : mpi4py communicator, optional
            Data-parallel training over MPI: X and y are this rank's shard, ``batch_size`` the global batch, and
            every rank of ``comm`` calls fit with the same arguments (see fastnet.distributed).
        clip_norm : float > 0, optional
            Gradient clipping by global norm: before every step the mini-batch gradient g of all trainable layers
            together is scaled by ``clip_norm / (‖g‖₂ + 1e-6)`` when that is below 1 — PyTorch's
            ``torch.nn.utils.clip_grad_norm_(net.parameters(), clip_norm)`` between ``backward()`` and
            ``step()``, and Keras's ``global_clipnorm`` (Keras's ``clipnorm`` clips each tensor on its own).
            Weight decay is added by the optimizer after clipping, as in PyTorch. SGD, Adam and AdamW (with SGD,
            fit then computes the whole gradient before the step instead of fusing it into the backward pass);
            RPROP, Quickprop and SARPROP bound their own steps, and refuse it (ValueError).
        clip_value : float > 0, optional
            Gradient clipping by value: every gradient element clamped to [−clip_value, clip_value] (PyTorch's
            ``clip_grad_value_``, Keras's ``clipvalue``); with clip_norm too, after the norm clipping.
        input_dropout : float in [0, 1)
            Inverted dropout on the network's inputs while fit trains (as a layer's ``dropout`` on its outputs:
            each input kept with probability 1 − p and scaled by 1/(1 − p)), masks drawn from the network's
            generator, so a seed repeats them. Off in predict, evaluate and gradients.
        sample_weight : array (n,) of finite numbers >= 0, optional
            Each sample's weight in the loss and its gradient. The weights are first rescaled to mean 1 over the
            training set (so the learning rate means what it means without weights); a batch's loss and gradient
            are then ``Σ w_i·ℓ_i / batch_size`` (Keras's sample_weight on the rescaled weights). Hence: full-batch
            training (any optimizer, or ``batch_size=len(X)``) with integer weights equals training on the data
            with each sample repeated w times (scikit-learn's semantics; weight 0 removes a sample); with
            mini-batches each batch's gradient is an unbiased estimate of that full weighted gradient (a weight
            of 2 doubles the sample's step where it appears, the batch is not renormalised by its own weights as
            scikit-learn's MLP does), and with ``batch_size=1`` a sample's step is scaled by its weight. The
            epoch's loss and accuracy are weighted means; validation metrics are not weighted. With a loss of
            ``reduction="sum"`` the weights are used as given (no rescaling): a batch's loss is ``Σ w_i·ℓ_i``.
        class_weight : dict {class: weight} or "balanced", optional
            For class labels (integer labels, one-hot rows, or a single output's 0/1): each sample's weight is
            multiplied by its class's (classes not in the dict weigh 1). "balanced" is scikit-learn's
            ``n_samples / (n_classes · count(class))`` over the classes present (counts weighted by sample_weight
            when given). Regression targets are a ValueError.

        Returns
        -------
        History
            Per-epoch loss (and accuracy for classification), training and validation, and seconds.
            Ctrl-C stops at the next batch boundary (weights of the last completed batch) and raises
            KeyboardInterrupt, whose ``history`` attribute holds the completed epochs.
        """
        _losses.check_fit(self.loss_fn, optimizer, comm is not None, on_nonfinite)
        if comm is not None:
            # delegation: distributed.py builds on this module (fit_plan, History), so it is imported on use
            from .distributed import fit as fit_distributed

            if on_nonfinite != "raise" or callback_every is not None:
                raise ValueError("on_nonfinite and callback_every are not supported with comm= (distributed fit)")
            if any(getattr(cb, "per_step", False) for cb in callbacks or ()):
                raise ValueError("per-step callbacks (on_batch schedules) are not supported with comm= "
                                 "(distributed fit)")
            hist: History = fit_distributed(
                self, X, y, comm, epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, nesterov=nesterov,
                weight_decay=weight_decay, shuffle=shuffle, validation_data=validation_data, verbose=verbose,
                callbacks=callbacks, rewire=rewire, validation_split=validation_split, l1=l1, max_norm=max_norm,
                track_gradients=track_gradients, optimizer=optimizer, clip_norm=clip_norm, clip_value=clip_value,
                input_dropout=input_dropout, sample_weight=sample_weight, class_weight=class_weight)
            return hist
        if on_nonfinite not in ("raise", "skip"):
            raise ValueError(f"on_nonfinite must be 'raise' or 'skip', got {on_nonfinite!r}")
        p = fit_plan(self, X, y, epochs, batch_size, lr, momentum, nesterov, weight_decay, shuffle,
                     validation_data, verbose, callbacks, rewire, validation_split, l1, max_norm,
                     track_gradients, optimizer, sample_weight=sample_weight, class_weight=class_weight)
        Xa, labels, targets, Xv, lv, tv = p.X, p.labels, p.targets, p.Xv, p.lv, p.tv
        clip_norm, clip_value, input_dropout = training_controls(p.optimizer, clip_norm, clip_value, input_dropout)
        epochs, verbose, l1, mn = p.epochs, p.verbose, p.l1, p.max_norm
        optimizer, callbacks, zeta = p.optimizer, p.callbacks, p.zeta
        batch_size = resolve_batch_size(optimizer, p.batch_size, Xa.shape[0])
        classifier = self._is_classifier(labels)
        bar = ProgressBar(epochs) if verbose else None
        n_batches = -(-Xa.shape[0] // batch_size)
        # call back about 50 times an epoch: the bar moves and Ctrl-C is noticed within ~2% of an epoch,
        # while the loop stays in C++ for thousands of samples between calls
        progress_every = max(1, n_batches // 50)
        if callback_every is not None:
            progress_every = check_int(callback_every, "callback_every", 1)
        per_step = [cb for cb in callbacks if getattr(cb, "per_step", False)]
        if per_step:
            names = ", ".join(type(cb).__name__ for cb in per_step)
            if callback_every is not None and progress_every != 1:
                raise ValueError(f"callback_every={callback_every}: per-step callbacks ({names}) are called after "
                                 "every batch (leave callback_every unset or 1)")
            if optimizer.full_batch:
                raise ValueError(f"per-step callbacks ({names}) need mini-batch steps; {type(optimizer).__name__} "
                                 "takes one full-batch step per epoch (use an epoch schedule)")
            progress_every = 1

        # reduction="sum": the core reports per-sample means; the loss of the epoch (so far) and of the validation
        # set is their sum over those samples
        summed = getattr(self.loss_fn, "reduction", "fastnet") == "sum"
        n_val = 0 if Xv is None else int(Xv.shape[0])

        def hook(log: Dict[str, Any]) -> Any:
            if summed:
                _sum_log(log, n_val)
            if not classifier:
                log.pop("accuracy", None)
                log.pop("val_accuracy", None)
            if bar:
                bar.update(log)
            if not log["epoch_end"]:  # between batches: only callbacks that ask for it (on_batch)
                go_on, batch_change = _run_batch_callbacks(callbacks, log)
                return (batch_change or True) if go_on else False
            if track_gradients:
                grads = self._core.gradients(Xa[:1024], None if labels is None else labels[:1024],
                                             None if targets is None else targets[:1024], False)[1]
                grad_norms.append([float(np.linalg.norm(g["bias"])) for g in grads])
            change: Dict[str, float] = {}
            if per_step:  # the epoch's last batch, for the callbacks that see every batch
                go_on, change = _run_batch_callbacks(per_step, log, only_per_step=True)
                if not go_on:
                    return False
            go_on, epoch_change = _run_callbacks(callbacks, log)
            change.update(epoch_change)
            return (change or True) if go_on else False

        grad_norms: List[List[float]] = []
        for cb in callbacks:
            if hasattr(cb, "set_network"):
                cb.set_network(self)
        try:
            first = _run_train_begin(callbacks)  # what the first batch runs with (the optimizer keeps its own)
            if "momentum" in first and optimizer.kind in (OptimizerKind.ADAM, OptimizerKind.ADAMW):
                first["beta1"] = first["momentum"]  # Adam's momentum is beta1 (as OneCycleLR cycles it)
            self.optimizer = optimizer
            options = _core.FitOptions(epochs=epochs, batch_size=batch_size, optimizer={**optimizer._spec(), **first},
                                       shuffle=bool(shuffle), progress_every=progress_every, rewire_zeta=zeta,
                                       l1=l1, max_norm=mn, skip_nonfinite=on_nonfinite == "skip")
            options.clip_norm, options.clip_value, options.input_dropout = clip_norm, clip_value, input_dropout
            options.per_label_accuracy = self._multilabel(labels, targets)
            weights = None
            if p.sample_weight is not None and Xa.shape[0] > 0:  # rescaled to mean 1 (see sample_weight above)
                options.weight_sum = float(p.sample_weight.sum())
                scale = 1.0 if summed else Xa.shape[0] / options.weight_sum  # "sum": Σ w·ℓ, weights as given
                weights = np.ascontiguousarray(p.sample_weight * scale, dtype=self.dtype)
            raw = self._core.fit(Xa, labels, targets, Xv, lv, tv, options, hook, sample_weight=weights)
        except KeyboardInterrupt as exc:  # stopped at a batch boundary: hand back what was completed
            done = getattr(exc, "history", [])
            if summed:
                for r in done:
                    _sum_log(r, n_val)
            exc.history = _history(done, classifier)  # type: ignore[attr-defined]
            raise
        finally:
            for cb in callbacks:
                if hasattr(cb, "on_train_end"):
                    cb.on_train_end()
        if summed:
            for r in raw:
                _sum_log(r, n_val)
        h = _history(raw, classifier)
        if track_gradients:
            h["grad_norms"] = grad_norms[: h.epochs]
        return h

    def partial_fit(self, X: Any, y: Any, **kwargs: Any) -> History:
        """One more epoch on (X, y), continuing the optimizer state (momentum): online learning on new data.

        Takes fit's keyword arguments (batch_size, lr, momentum, ...); ``verbose`` defaults to 0.
        """
        kwargs.setdefault("verbose", 0)
        kwargs.setdefault("epochs", 1)
        return self.fit(X, y, **kwargs)

    def train_on_batch(self, X: Any, y: Any, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                       weight_decay: float = 0.0) -> float:
        """One SGD step on the whole of (X, y) as a single batch; returns its loss (before the step)."""
        Xa = as_features(X, self.num_inputs, self.dtype)
        h = self.fit(Xa, y, epochs=1, batch_size=Xa.shape[0], lr=lr, momentum=momentum, nesterov=nesterov,
                     weight_decay=weight_decay, shuffle=False, verbose=0)
        return float(h["loss"][0])

    # ---------------------------------------------------------------- inference
    def predict(self, X: Any, batch_size: Optional[int] = None) -> np.ndarray:
        """Outputs for X (n, inputs): an (n, outputs) array of the network's dtype (in the targets' original
        units when output scaling is set).

        ``batch_size``: predict in chunks of that many rows (a positive int), to bound the memory of one call.
        The result is the same bit for bit: outputs are batch-invariant (each row's outputs depend on that row
        only, whatever the batch size, the row's position or the thread count; float32 and float64).
        """
        if batch_size is not None:
            bs = check_int(batch_size, "batch_size", 1)
            Xa = as_features(X, self.num_inputs, self.dtype)
            if Xa.shape[0] <= bs:
                return self.predict(Xa)
            return np.concatenate([self.predict(Xa[i:i + bs]) for i in range(0, Xa.shape[0], bs)])
        if self._predict_checked is not None:  # fast path (latency): the core takes exact arrays or says None
            try:
                fast: Optional[np.ndarray] = self._predict_checked(X)
            except TypeError:  # not a C-contiguous array of the network's dtype
                fast = None
            if fast is not None:
                return fast
        Xa = as_features(X, self.num_inputs, self.dtype)
        sin, sout = self._scaling["input"], self._scaling["output"]
        if sin is not None:
            Xa = np.ascontiguousarray(Xa * sin[0] + sin[1], dtype=self.dtype)
        out: np.ndarray = self._core.predict(Xa, False)
        if sout is not None:
            out = ((out - sout[1]) / sout[0]).astype(self.dtype)
        return out

    def predict_response(self, X: Any, batch_size: Optional[int] = None) -> np.ndarray:
        """``predict``'s outputs through the loss's inverse link (fastnet.losses): the rate e^y for loss
        "poisson" (whose outputs are log-rates), the probability σ(y) for "bce_with_logits" (logits), the outputs
        themselves for the other losses. Same arguments as ``predict``; the network's dtype."""
        out: np.ndarray = self.loss_fn.response(self.predict(X, batch_size=batch_size)).astype(self.dtype,
                                                                                               copy=False)
        return out

    def predict_classes(self, X: Any) -> np.ndarray:
        """Class index per sample: argmax of the outputs (or output > 0.5 for a single sigmoid output)."""
        P = self.predict(X)
        if P.shape[1] == 1:
            return (P[:, 0] > class_threshold(self.specs[-1].activation)).astype(np.int64)
        classes: np.ndarray = np.argmax(P, axis=1)
        return classes

    def evaluate(self, X: Any, y: Any, metrics: Optional[Sequence[str]] = None,
                 sample_weight: Any = None) -> Dict[str, Any]:
        """Mean loss over X, and accuracy for classification: ``{"loss": ..., "accuracy": ...}``.

        ``metrics``: more to compute from one prediction pass, by name (see fastnet.metrics): "accuracy",
        "top5" (any k), "mse", "mae", "bit_fail" (FANN's, limit 0.35), "confusion_matrix", "exact_match",
        "f1_micro", "f1_macro", "label_accuracy".

        Multi-label data is recognized: with independent binary outputs (a sigmoid output layer, or loss
        "bce_with_logits") and 2-D 0/1 targets of which some row is not one-hot (none or several 1s),
        "accuracy" is the per-label accuracy (the fraction of all outputs on the right side of the threshold:
        0.5, or 0 for logits), and the other metrics score labels, not argmax classes. One-hot targets, class
        labels, single outputs and softmax outputs keep the argmax (or threshold) accuracy. ``fit``'s history
        keeps the argmax match in any case. The loss follows the loss's reduction (``"sum"``: over all of X).
        ``sample_weight`` (n,): finite weights >= 0, not all zero: the loss and every metric become weighted means
        ``Σ w·m / Σ w`` (bit_fail and the confusion matrix: weighted counts), as scikit-learn's metrics weigh.
        """
        Xa, labels, targets = self._xy(X, y)
        sw = _check_weights(sample_weight, Xa.shape[0], "sample_weight")
        loss, acc = self._core.evaluate(Xa, labels, targets,
                                        None if sw is None else np.ascontiguousarray(sw, dtype=self.dtype))
        if getattr(self.loss_fn, "reduction", "fastnet") == "sum":  # (the core's value is the per-sample mean)
            loss *= Xa.shape[0] if sw is None else float(sw.sum())  # (weighted: Σ w·ℓ)
        out: Dict[str, Any] = {"loss": float(loss)}
        threshold = class_threshold(self.specs[-1].activation)
        multilabel = self._multilabel(labels, targets)
        P: Optional[np.ndarray] = None
        if self._is_classifier(labels):
            if multilabel:
                P = self._core.predict(Xa, False)
                acc = _metrics.label_accuracy(targets, P, threshold, sample_weight=sw)
            out["accuracy"] = float(acc)
        if metrics is not None:
            if isinstance(metrics, str):
                metrics = [metrics]
            out.update(_metrics.compute(list(metrics), labels if labels is not None else targets,
                                        self._core.predict(Xa, False) if P is None else P,
                                        threshold=threshold,
                                        activation=self.specs[-1].activation, multilabel=multilabel,
                                        sample_weight=sw))
        return out

    def _multilabel(self, labels: Optional[np.ndarray], targets: Optional[np.ndarray]) -> bool:
        """Whether evaluate scores (X, y) as multi-label: independent binary outputs (sigmoid, or loss
        bce_with_logits) and 0/1 target rows that are not all one-hot (fastnet.metrics.is_multilabel)."""
        binary_outputs = self.specs[-1].activation in ("sigmoid", "fann_sigmoid") or self.loss == "bce_with_logits"
        return labels is None and binary_outputs and _metrics.is_multilabel(targets)

    def gradients(self, X: Any, y: Any) -> List[Dict[str, np.ndarray]]:
        """Gradients of the mean loss over (X, y), one dict per layer: ``{"weights": dW, "bias": db}``.

        The weights are not changed. dW has the shape of the layer's weights (out_features, in_features).
        """
        Xa, labels, targets = self._xy(X, y)
        _, grads, _ = self._core.gradients(Xa, labels, targets, False)
        return list(grads)

    def input_gradient(self, X: Any, y: Any) -> np.ndarray:
        """dLoss/dX of the mean loss over (X, y), shape (n, inputs) (with respect to the raw X when input
        scaling is set)."""
        Xa, labels, targets = self._xy(X, y)
        _, _, dX = self._core.gradients(Xa, labels, targets, True)
        if self._scaling["input"] is not None:
            dX = (dX * self._scaling["input"][0]).astype(self.dtype)
        return dX

    def loss_value(self, X: Any, y: Any) -> float:
        """The mean loss over (X, y) (same as ``evaluate(X, y)["loss"]``)."""
        return float(self.evaluate(X, y)["loss"])

    # ---------------------------------------------------------------- weights in and out (fastnet/interop.py)
    def get_weights(self) -> List[np.ndarray]:
        """Keras's ``get_weights``: ``[W0, b0, W1, b1, ...]``, writable copies in the network's dtype.

        A dense layer's W is (out_features, in_features), PyTorch's layout; a Keras Dense kernel is
        (in_features, out_features), its transpose. A sparse layer's W is the (nnz,) array of its connections
        in CSR order (``layer.indices`` gives their positions)."""
        return _interop.get_weights(self.layers)

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Keras's ``set_weights``: every weight and bias from ``[W0, b0, W1, b1, ...]`` in the layout of
        ``get_weights`` (dense W (out_features, in_features): transpose a Keras kernel). All or nothing: a
        wrong count, a shape mismatch (named with both shapes) or non-finite values raise and change nothing."""
        _interop.set_weights(self.layers, weights)

    def state_dict(self) -> Dict[str, np.ndarray]:
        """PyTorch's ``state_dict``: ``{"0.weight": W0, "0.bias": b0, "2.weight": ...}``, writable numpy copies,
        named as the ``nn.Sequential`` of ``to_torch()`` names them: layer i's Linear is module
        i + (earlier layers with a non-linear activation), since each such activation is a module of its own
        and a linear activation is none (see fastnet.interop). Sparse layers give (nnz,) weights in CSR order."""
        return _interop.state_dict(self.layers)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> _interop.IncompatibleKeys:
        """PyTorch's ``load_state_dict``: weights and biases from numpy arrays or torch tensors keyed as
        ``state_dict()`` keys them (so ``to_torch()``'s ``state_dict()`` loads too). strict: a missing or
        unexpected key raises KeyError naming them; with strict=False they are skipped and returned as
        ``(missing_keys, unexpected_keys)``. A shape mismatch raises ValueError naming the key and both shapes;
        non-finite values raise ValueError. All or nothing."""
        return _interop.load_state_dict(self.layers, state_dict, strict)

    def to_torch(self) -> Any:
        """A ``torch.nn.Sequential`` computing the same outputs: ``nn.Linear`` per layer, each followed by its
        activation (ReLU, LeakyReLU(alpha), Sigmoid, Tanh, Softmax(dim=-1); none for linear), in the network's
        dtype. Dense layers only (a sparse layer raises ValueError naming it), as are FANN's activations.
        Input/output scaling and dropout are not carried over. Needs PyTorch."""
        return _interop.to_torch(self.layers, self.dtype)

    # ---------------------------------------------------------------- persistence
    def to_bytes(self, metadata: Optional[Dict[str, Any]] = None) -> bytes:
        """The model as .fnet bytes: architecture, weights, optimizer and its state, RNG state, and metadata
        (given, else ``self.metadata``; see ``save``)."""
        meta = _interop.check_metadata(self.metadata if metadata is None else metadata)
        kind, steps = self._core.get_optimizer_state()
        header = {
            "fastnet_version": _core.__version__,
            "dtype": self.dtype.name,
            "loss": self.loss,
            "seed": self.seed,
            "rng_state": [int(w) for w in self._core.get_rng_state()],
            "layers": [{"kind": "sparse" if isinstance(s, Sparse) else "dense", "in_features": s.in_features,
                        "out_features": s.out_features, "activation": s.activation, "init": s.init,
                        "alpha": s.alpha, "dropout": s.dropout, **_neuron_entries(s)} for s in self.specs],
            "optimizer_state": [kind, steps],
        }
        entries = header["layers"]
        assert isinstance(entries, list)
        for entry, spec in zip(entries, self.specs):
            # training controls, written only when set: files without them stay as they were, and an older
            # fastnet reading one ignores the keys (they change training, never the network's outputs)
            if not spec.trainable:
                entry["trainable"] = False
            if spec.lr_scale != 1.0:
                entry["lr_scale"] = spec.lr_scale
        if self.optimizer is not None:
            header["optimizer"] = self.optimizer.to_dict()
        if meta:  # (files without metadata stay as they were, readable by older fastnet versions)
            header["metadata"] = meta
        if not self.loss_fn.is_default():  # a loss's parameters (delta, label smoothing, reduction), by name
            header["loss_options"] = {k: v for k, v in self.loss_fn.to_dict().items() if k != "name"}
        arrays: List[Tuple[str, np.ndarray]] = []
        for i, spec in enumerate(self.specs):
            if isinstance(spec, Sparse):  # the exact topology, as CSR
                row_ptr, col = self._core.topology(i)
                arrays.append((f"layers.{i}.row_ptr", row_ptr))
                arrays.append((f"layers.{i}.col", col))
            arrays.append((f"layers.{i}.weights", self._core.get_param(i, False, False)))
            arrays.append((f"layers.{i}.bias", self._core.get_param(i, True, False)))
            arrays.append((f"layers.{i}.weights.velocity", self._core.get_param(i, False, 1)))
            arrays.append((f"layers.{i}.bias.velocity", self._core.get_param(i, True, 1)))
            if kind != SGD.kind:  # Adam's second moment, RPROP's step sizes...
                arrays.append((f"layers.{i}.weights.state2", self._core.get_param(i, False, 2)))
                arrays.append((f"layers.{i}.bias.state2", self._core.get_param(i, True, 2)))
        scaled = [which for which, params in self._scaling.items() if params is not None]
        for which in scaled:
            params = self._scaling[which]
            assert params is not None
            arrays.append((f"scaling.{which}.scale", params[0]))
            arrays.append((f"scaling.{which}.offset", params[1]))
        if scaled:
            header["scaling"] = scaled
        return encode(header, arrays)

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<bytes>") -> Network:
        """Rebuild a network from ``to_bytes()`` output; raises ValueError for anything that is not one.

        Every layer size is checked against the arrays actually present in the file before the network is
        built, so a hostile header cannot make it allocate more than the file holds.
        """
        header, arrays = decode(bytes(data), source)
        try:
            layers = header.get("layers")
            if not isinstance(layers, list) or not layers:
                raise ValueError("missing or empty layer list")
            if not all(isinstance(L, dict) and L.get("kind") in ("dense", "sparse") for L in layers):
                raise ValueError("layer entries must be objects of kind 'dense' or 'sparse'")
            dtype = header.get("dtype")
            if dtype not in _DTYPES:
                raise ValueError(f"unknown dtype {dtype!r}")
            specs: List[Union[Dense, Sparse]] = []
            for i, L in enumerate(layers):
                fi, fo = L.get("in_features"), L.get("out_features")
                if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= _MAX_FEATURES
                           for v in (fi, fo)):
                    raise ValueError(f"layer {i}: in_features={fi!r} and out_features={fo!r} must be integers in "
                                     f"[1, {_MAX_FEATURES}]")
                assert isinstance(fi, int) and isinstance(fo, int)  # checked just above
                w, b = arrays.get(f"layers.{i}.weights"), arrays.get(f"layers.{i}.bias")
                if w is None or b is None:
                    raise ValueError(f"layer {i}: weights or bias missing")
                if w.dtype != np.dtype(dtype) or b.dtype != np.dtype(dtype):
                    raise ValueError(f"layer {i}: arrays are {w.dtype}, header says {dtype}")
                if L["kind"] == "sparse":
                    rp, col = arrays.get(f"layers.{i}.row_ptr"), arrays.get(f"layers.{i}.col")
                    if (rp is None or col is None or rp.dtype != np.int32 or col.dtype != np.int32
                            or not isinstance(fo, int) or not isinstance(fi, int)
                            or rp.shape != (fo + 1,) or w.shape != col.shape or b.shape != (fo,)
                            or (rp.size and (rp[0] != 0 or rp[-1] != col.size or np.any(np.diff(rp) < 1)))):
                        raise ValueError(f"layer {i}: sparse topology missing or inconsistent with its weights")
                    if col.size > fi * fo or (col.size and (col.min() < 0 or col.max() >= fi)):
                        raise ValueError(f"layer {i}: sparse topology has {col.size} connections or an input index "
                                         f"outside in_features={fi} (at most {fi} x {fo} connections)")
                    if i == 0 and fi > max(_SPARSE_FREE_INPUTS, 64 * col.size):
                        # the first layer's in_features is the one size no array in the file bounds, yet the
                        # network allocates per input (the CSC column pointers): a 2 KB file could ask for GBs
                        raise ValueError(f"layer 0: sparse in_features={fi} for only {col.size} connections; a "
                                         f"saved sparse first layer has at most max({_SPARSE_FREE_INPUTS}, "
                                         "64 x connections) inputs")
                    specs.append(Sparse._from_csr(fi, fo, rp, col, _saved_activation(L), L.get("init"),
                                                  L.get("alpha", 0.01), L.get("dropout", 0.0),
                                                  L.get("steepness", 1.0), L.get("fann_clip", False)))
                    continue
                if w.shape != (fo, fi) or b.shape != (fo,):
                    raise ValueError(f"layer {i}: weights {w.shape} / bias {b.shape} do not match "
                                     f"in_features={fi!r}, out_features={fo!r}")
                specs.append(Dense(fi, fo, _saved_activation(L), L.get("init"), L.get("alpha", 0.01),
                                   L.get("dropout", 0.0), steepness=L.get("steepness", 1.0),
                                   fann_clip=L.get("fann_clip", False)))
            for i, L in enumerate(layers):  # training controls (absent: trainable, lr_scale 1)
                if "trainable" in L or "lr_scale" in L:
                    specs[i] = dataclasses.replace(specs[i], trainable=L.get("trainable", True),
                                                   lr_scale=L.get("lr_scale", 1.0))
            for i, (a, b2) in enumerate(zip(specs, specs[1:])):
                if a.out_features != b2.in_features:
                    raise ValueError(f"layer sizes do not chain at layer {i + 1}")
            loss = (_losses.from_dict(header.get("loss"), header["loss_options"]) if "loss_options" in header
                    else header.get("loss"))
            net = cls(specs, loss=loss, seed=header.get("seed"),  # type: ignore[arg-type]
                      dtype=dtype)  # (seed: a missing one is None, which Network() rejects with a TypeError)
            for i, s in enumerate(specs):
                for name, bias, vel in (("weights", False, False), ("bias", True, False),
                                        ("weights.velocity", False, True), ("bias.velocity", True, True)):
                    arr = arrays.get(f"layers.{i}.{name}")
                    want = ((s.out_features,) if bias else (net.layers[i].nnz,) if isinstance(s, Sparse)
                            else (s.out_features, s.in_features))
                    if arr is None or arr.shape != want or arr.dtype != net.dtype:
                        raise ValueError(f"array layers.{i}.{name} is missing or not {net.dtype} of shape {want}")
                    net._core.set_param(i, bias, int(vel), np.ascontiguousarray(arr))
            opt_state = header.get("optimizer_state", [SGD.kind, 0])
            if not (isinstance(opt_state, list) and len(opt_state) == 2
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in opt_state)
                    and opt_state[0] in OptimizerKind.__members__.values() and 0 <= opt_state[1] < 2**62):
                raise ValueError(f"optimizer_state {opt_state!r} is not [kind 0..{max(OptimizerKind)}, steps >= 0]")
            if opt_state[0] != SGD.kind:
                for i, s in enumerate(specs):
                    for name, bias in (("weights.state2", False), ("bias.state2", True)):
                        arr = arrays.get(f"layers.{i}.{name}")
                        want = ((s.out_features,) if bias else (net.layers[i].nnz,) if isinstance(s, Sparse)
                                else (s.out_features, s.in_features))
                        if arr is None or arr.shape != want or arr.dtype != net.dtype:
                            raise ValueError(f"array layers.{i}.{name} is missing or not {net.dtype} of shape "
                                             f"{want}")
                        net._core.set_param(i, bias, 2, np.ascontiguousarray(arr))
            net._core.set_optimizer_state(opt_state[0], opt_state[1])
            if "optimizer" in header:
                net.optimizer = optimizer_from_dict(header["optimizer"])
            scaling = header.get("scaling", [])
            if not isinstance(scaling, list) or not set(scaling) <= {"input", "output"}:
                raise ValueError(f"scaling {scaling!r} must list 'input' and/or 'output'")
            for which in scaling:
                n = net.num_inputs if which == "input" else net.num_outputs
                sc, off = arrays.get(f"scaling.{which}.scale"), arrays.get(f"scaling.{which}.offset")
                if (sc is None or off is None or sc.shape != (n,) or off.shape != (n,) or sc.dtype != net.dtype
                        or off.dtype != net.dtype or not np.all(np.isfinite(sc)) or not np.all(np.isfinite(off))
                        or np.any(sc == 0)):
                    raise ValueError(f"{which} scaling arrays are missing or invalid")
                net._scaling[which] = (sc, off)
                net._predict_checked = None
            state = header.get("rng_state")
            if not (isinstance(state, list) and len(state) == 4
                    and all(isinstance(w, int) and 0 <= w < 2**64 for w in state)):
                raise ValueError("rng_state must be 4 unsigned 64-bit integers")
            net._core.set_rng_state(state)
            try:
                net.metadata = _interop.check_metadata(header.get("metadata", {}))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"metadata: {exc}") from None
        except ModelFormatError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise ModelFormatError(f"{source}: not a valid fastnet model: {exc}") from None
        return net

    def save(self, path: Union[str, os.PathLike[str]], metadata: Optional[Dict[str, Any]] = None) -> None:
        """Save to a .fnet file atomically: a failure midway leaves any previous file at `path` intact.

        metadata: a JSON dict (string keys; dicts, lists, str, int, finite float, bool, None; at most 64 KiB as
        JSON and 16 levels deep) stored in the file's header instead of ``self.metadata`` (the default);
        ``fastnet.model_info(path)["metadata"]`` and ``fastnet.load(path).metadata`` give it back. Invalid
        metadata raises TypeError or ValueError naming the entry, and nothing is written."""
        write_atomic(os.fspath(path), self.to_bytes(metadata))

    def to_onnx(self, path: Union[str, os.PathLike[str]]) -> None:
        """Export to an ONNX model file (onnxruntime runs it); see :mod:`fastnet.onnx` for the graph."""
        # delegation: onnx.py builds on this module (it reads a Network), so it is imported on use
        from .onnx import export

        export(self, path)

    def save_fann(self, path: Union[str, os.PathLike[str]]) -> None:
        """Save as a FANN 2.2 network file that FANN's fann_create_from_file loads (see fastnet.save_fann)."""
        # delegation: fann.py builds on this module (it builds Networks from .net files), so it is imported on use
        from .fann import save_fann

        save_fann(self, path)

    def _restore(self, data: bytes) -> None:
        """Put back weights, optimizer state and RNG state from ``to_bytes()`` of this same architecture."""
        other = Network.from_bytes(data)
        if [type(s) for s in other.specs] != [type(s) for s in self.specs] or other.sizes != self.sizes:
            raise ValueError("the saved state belongs to another architecture")
        self._core = other._core
        self._predict_checked = other._predict_checked
        self.specs = other.specs
        self.layers = [Layer(self, i, s) for i, s in enumerate(self.specs)]
        self.optimizer = other.optimizer
        self._scaling = other._scaling

    def __getstate__(self) -> Dict[str, Any]:
        return {"fnet": self.to_bytes(), "fann_settings": dict(self.fann_settings)}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        other = Network.from_bytes(state["fnet"])
        self.__dict__.update(other.__dict__)
        self.fann_settings = dict(state.get("fann_settings", {}))
        self.layers = [Layer(self, i, s) for i, s in enumerate(self.specs)]


def from_torch(module: Any, dtype: Optional[str] = None, loss: Optional[str] = None) -> Network:
    """A Network computing what a PyTorch ``nn.Sequential`` of ``Linear`` layers computes, each Linear followed
    by at most one of ReLU, LeakyReLU (slope > 0), Sigmoid, Tanh, or Softmax(dim=-1 or 1) as the last module
    (Identity modules are ignored). Anything else raises ValueError naming the module; non-finite weights are
    refused. dtype: float64 if the first Linear's weights are, else float32, unless given; loss: Network's
    default. Weights are copied. Needs PyTorch."""
    specs, weights, dt = _interop.torch_layers(module, dtype)
    net = Network(specs, loss=loss, dtype=dt)
    net.set_weights(weights)
    return net


# load and model_info live in fastnet/io.py (re-exported here); it rebuilds .fnet files of plain networks with
# Network.from_bytes, registered here so that io.py needs no import of this module
register_model_kind("network", Network.from_bytes)


def _fit_arguments(net: Network, X: Any, y: Any, epochs: Any, batch_size: Any, lr: Any, momentum: Any,
                   nesterov: Any, weight_decay: Any, shuffle: Any, validation_data: Any, verbose: Any,
                   callbacks: Any, rewire: Any, validation_split: Any, l1: Any, max_norm: Any, track_gradients: Any,
                   optimizer: Any, samples_of: str = "", sample_weight: Any = None,
                   class_weight: Any = None) -> FitPlan:
    """The old name of fastnet.training.fit_plan, kept for its callers (fastnet.distributed: X is a shard)."""
    return fit_plan(net, X, y, epochs, batch_size, lr, momentum, nesterov, weight_decay, shuffle, validation_data,
                    verbose, callbacks, rewire, validation_split, l1, max_norm, track_gradients, optimizer,
                    samples_of, sample_weight=sample_weight, class_weight=class_weight, shard=True)


def _sum_log(log: Dict[str, Any], n_val: int) -> None:
    """A fit log of the core (per-sample mean losses) as reduction="sum" reports it: the sum over the samples."""
    log["loss"] = float(log["loss"]) * int(log["samples_done"])
    if "val_loss" in log:
        log["val_loss"] = float(log["val_loss"]) * n_val


def _scaling_params(A: np.ndarray, method: str, feature_range: Any, dtype: np.dtype,
                    which: str) -> Tuple[np.ndarray, np.ndarray]:
    """(scale, offset) per column so that A·scale + offset is standardized or within feature_range."""
    if method not in ("standardize", "minmax"):
        raise ValueError(f"unknown {which} scaling method {method!r}; accepted: 'standardize', 'minmax'")
    if method == "standardize":
        mean, std = A.mean(axis=0), A.std(axis=0)
        scale = np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 1.0)
        offset = -mean * scale
    else:
        if (not isinstance(feature_range, (tuple, list)) or len(feature_range) != 2
                or not all(isinstance(v, (int, float)) and np.isfinite(v) for v in feature_range)
                or not feature_range[0] < feature_range[1]):
            raise ValueError(f"feature_range must be (low, high) with finite low < high, got {feature_range!r}")
        lo, hi = float(feature_range[0]), float(feature_range[1])
        amin, amax = A.min(axis=0), A.max(axis=0)
        span = amax - amin
        scale = np.where(span > 0, (hi - lo) / np.where(span > 0, span, 1.0), 1.0)
        offset = np.where(span > 0, lo - amin * scale, (lo + hi) / 2 - amin)
    return scale.astype(dtype), offset.astype(dtype)


def _layer_specs(layers: Any, activation: str, output: str, init: Optional[str]) -> List[Union[Dense, Sparse]]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or len(layers) == 0:
        raise TypeError("layers must be a non-empty list of layer sizes (ints) or of Dense layers")
    if all(isinstance(x, (Dense, Sparse)) for x in layers):
        return list(layers)
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in layers):
        if len(layers) < 2:
            raise ValueError(f"layer sizes need at least an input and an output size, got {list(layers)}")
        for name, act in (("activation", activation), ("output", output)):
            if not isinstance(act, str) or act not in ACTIVATIONS:
                raise ValueError(f"unknown {name} {act!r}; accepted: {', '.join(map(repr, ACTIVATIONS))}")
        if activation == "softmax":
            raise ValueError("softmax is only allowed on the output layer; choose another hidden activation")
        sizes = [int(x) for x in layers]
        return [Dense(a, b, output if i == len(sizes) - 2 else activation, init)
                for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]
    raise TypeError("layers must be all ints (sizes) or all Dense/Sparse layer specs, not a mix")


def _neuron_entries(spec: Union[Dense, Sparse]) -> Dict[str, Any]:
    """A layer's per-neuron settings for its .fnet header entry (none for a plain layer: a version-1 file)."""
    if not has_neurons(spec):
        return {}
    st = spec.steepness
    out: Dict[str, Any] = {"steepness": st if isinstance(st, float) else list(st), "fann_clip": spec.fann_clip}
    if spec.activations is not None:
        out["activations"] = list(spec.activations)
    return out


def _saved_activation(entry: Dict[str, Any]) -> Any:
    """A .fnet layer entry's activation: its per-neuron list where it has one (then its "activation" is "mixed")."""
    acts = entry.get("activations")
    return list(acts) if isinstance(acts, list) else entry.get("activation")


def _core_layer(spec: Union[Dense, Sparse]) -> _core.LayerSpec:
    """What crosses the binding for one layer: its fields by name, activation and init as their codes, a given
    sparse topology as CSR lists."""
    first = spec.activations[0] if spec.activations is not None else spec.activation  # (a mixed layer's first)
    core = _core.LayerSpec(kind="dense", in_features=int(spec.in_features), out_features=int(spec.out_features),
                           activation=ACTIVATIONS[first], alpha=float(spec.alpha), init=INITS[spec.init],
                           dropout=float(spec.dropout))
    core.trainable, core.lr_scale = bool(spec.trainable), float(spec.lr_scale)
    if isinstance(spec, Sparse):
        core.kind = "sparse"
        core.density = float(spec.density)
        csr = getattr(spec, "_csr")  # noqa: B009  # set in Sparse.__post_init__, not a dataclass field (mypy)
        if csr is not None:
            core.row_ptr, core.col = csr[0].tolist(), csr[1].tolist()
    return core
