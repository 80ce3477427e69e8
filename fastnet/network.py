"""The Network: build, train, predict, evaluate, save and load dense networks.

This module validates and presents; every loop over data runs in the compiled core (``fastnet._core``), whose
``fit`` runs all epochs in C++ with the GIL released and calls back only for progress and callbacks.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._arrays import as_features, as_targets, check_int, check_positive, check_range
from ._format import ModelFormatError, decode, encode, peek_header, write_atomic
from ._progress import ProgressBar
from .layers import ACTIVATIONS, INITS, SET, SYMMETRIC_ACTIVATIONS, Dense, Layer, Sparse
from .optimizers import SGD, Optimizer, optimizer_from_dict

__all__ = ["Network", "History", "load", "model_info", "LOSSES"]

LOSSES = {"mse": 0, "cross_entropy": 1, "fann_tanh": 2}
_DTYPES = {"float32": np.float32, "float64": np.float64}

Callback = Callable[[Dict[str, Any]], Optional[bool]]


class History(dict[str, Any]):  # (builtin generic: the class stays a plain dict subclass at run time)
    """Per-epoch metrics of a ``fit`` call: ``history["loss"][i]`` is epoch i+1's mean training loss.

    Keys: loss, accuracy (classification), val_loss and val_accuracy (with validation data), seconds,
    samples_per_second, lr and momentum (as each epoch ran).
    """

    @property
    def epochs(self) -> int:
        """Number of completed epochs recorded."""
        return len(self.get("loss", []))

    def to_dict(self) -> Dict[str, List[Any]]:
        """The metrics as a plain dict of lists (JSON-ready)."""
        return {k: list(v) for k, v in self.items()}

    def plot(self, path: Union[str, os.PathLike[str]]) -> None:
        """Write a PNG of the loss and accuracy curves (and per-layer gradient norms when tracked).
        Needs matplotlib."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from None
        panels: List[Tuple[str, ...]] = [k for k in (("loss", "val_loss"), ("accuracy", "val_accuracy"))
                                         if k[0] in self]
        if "grad_norms" in self:
            panels.append(("grad_norms",))
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
        epochs = range(1, self.epochs + 1)
        for ax, keys in zip(axes[0], panels):
            if keys == ("grad_norms",):
                norms = np.array(self["grad_norms"])
                for layer in range(norms.shape[1]):
                    ax.semilogy(epochs, norms[:, layer], label=f"layer {layer}")
                ax.set_title("gradient norm per layer")
            else:
                for k in keys:
                    if k in self:
                        ax.plot(epochs, self[k], label=k)
                ax.set_title(keys[0])
            ax.set_xlabel("epoch")
            ax.legend()
        fig.tight_layout()
        fig.savefig(os.fspath(path), dpi=100)
        plt.close(fig)

    def to_csv(self, path: Union[str, os.PathLike[str]]) -> None:
        """One row per epoch, one column per metric (with a header), written atomically."""
        keys = [k for k in self if k != "grad_norms"]
        lines = [",".join(["epoch"] + keys)]
        lines += [",".join([str(i + 1)] + [repr(self[k][i]) for k in keys]) for i in range(self.epochs)]
        write_atomic(os.fspath(path), ("\n".join(lines) + "\n").encode())


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
    loss : {"cross_entropy", "mse", "fann_tanh"}, optional
        Default: cross_entropy for a softmax output, mse otherwise. cross_entropy is categorical for softmax
        outputs and binary (per output) for sigmoid outputs; mse is ½·Σ(y−t)² per sample; fann_tanh is FANN's
        default training error function (FANN_ERRORFUNC_TANH: the error e = y−t, halved for tanh outputs, enters
        the gradient as 2·atanh(e), pressing hard on large errors; the loss is its integral,
        Σ 2e·atanh(e) + ln(1−e²)). The reported loss and the gradients are of the mean over the batch.
    seed : int
        Seeds the weights and every shuffle: same seed and thread count give bit-identical training.
    dtype : {"float32", "float64"}
        float64 is for gradient checks and experiments; float32 is the fast path.
    init : str, optional
        Weight initializer for the shorthand (see Dense).
    """

    def __init__(
        self,
        layers: Sequence[Union[int, Dense, Sparse]],
        activation: str = "relu",
        output: str = "softmax",
        loss: Optional[str] = None,
        seed: int = 0,
        dtype: str = "float32",
        init: Optional[str] = None,
    ) -> None:
        specs = _layer_specs(layers, activation, output, init)
        if not isinstance(dtype, str) or dtype not in _DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; accepted: 'float32', 'float64'")
        if loss is None:
            loss = "cross_entropy" if specs[-1].activation == "softmax" else "mse"
        if not isinstance(loss, str) or loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; accepted: {', '.join(map(repr, LOSSES))}")
        seed = check_int(seed, "seed", 0, 2**64 - 1)
        self.specs: Tuple[Union[Dense, Sparse], ...] = tuple(specs)
        self.loss = loss
        self.seed = seed
        self.dtype = np.dtype(_DTYPES[dtype])
        self._n_in = specs[0].in_features
        cls = _core.Network32 if dtype == "float32" else _core.Network64
        self._core: Union[_core.Network32, _core.Network64] = cls([_core_layer(s) for s in specs], LOSSES[loss], seed)
        self._predict_checked: Any = self._core.predict_checked  # None while scaling is set
        self.layers: List[Layer] = [Layer(self, i, s) for i, s in enumerate(specs)]
        #: the optimizer of the last fit (its state is kept in the network and saved with it)
        self.optimizer: Optional[Optimizer] = None
        self._scaling: Dict[str, Optional[Tuple[np.ndarray, np.ndarray]]] = {"input": None, "output": None}

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
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"need finite low < high, got {low}, {high}")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        for L in self.layers:
            L.weights = rng.uniform(low, high, size=L.weights.shape)
            L.bias = rng.uniform(low, high, size=L.out_features)

    def init_nguyen_widrow(self, X: Any, seed: Optional[int] = None) -> None:
        """FANN's ``fann_init_weights`` (its Nguyen-Widrow variant), scaled to the range of the inputs X:
        s = (0.7·hidden_neurons)^(1/inputs) / (max(X) − min(X)); biases uniform in [−s, s], weights in [0, s]."""
        Xa = as_features(X, self.num_inputs, self.dtype)
        span = float(Xa.max() - Xa.min())
        if span <= 0:
            raise ValueError("X has a single value: Nguyen-Widrow needs a range of inputs")
        hidden = max(1, sum(s.out_features for s in self.specs[:-1]))
        s = (0.7 * hidden) ** (1.0 / self.num_inputs) / span
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
        return labels is not None or self.specs[-1].activation in ("softmax", "sigmoid", "fann_sigmoid")

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
            them from the next epoch on (see fastnet.schedules).
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
            2% of an epoch.
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

        Returns
        -------
        History
            Per-epoch loss (and accuracy for classification), training and validation, and seconds.
            Ctrl-C stops at the next batch boundary (weights of the last completed batch) and raises
            KeyboardInterrupt, whose ``history`` attribute holds the completed epochs.
        """
        if comm is not None:
            from .distributed import fit as fit_distributed

            if on_nonfinite != "raise" or callback_every is not None:
                raise ValueError("on_nonfinite and callback_every are not supported with comm= (distributed fit)")
            hist: History = fit_distributed(
                self, X, y, comm, epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, nesterov=nesterov,
                weight_decay=weight_decay, shuffle=shuffle, validation_data=validation_data, verbose=verbose,
                callbacks=callbacks, rewire=rewire, validation_split=validation_split, l1=l1, max_norm=max_norm,
                track_gradients=track_gradients, optimizer=optimizer)
            return hist
        if on_nonfinite not in ("raise", "skip"):
            raise ValueError(f"on_nonfinite must be 'raise' or 'skip', got {on_nonfinite!r}")
        p = _fit_arguments(self, X, y, epochs, batch_size, lr, momentum, nesterov, weight_decay, shuffle,
                           validation_data, verbose, callbacks, rewire, validation_split, l1, max_norm,
                           track_gradients, optimizer)
        Xa, labels, targets, Xv, lv, tv = p["X"], p["labels"], p["targets"], p["Xv"], p["lv"], p["tv"]
        epochs, verbose, l1, mn = p["epochs"], p["verbose"], p["l1"], p["max_norm"]
        optimizer, callbacks, zeta = p["optimizer"], p["callbacks"], p["zeta"]
        n_train = Xa.shape[0]
        if optimizer.full_batch:
            if p["batch_size"] is not None and p["batch_size"] < n_train:
                raise ValueError(f"{type(optimizer).__name__} is a full-batch algorithm (as in FANN): it adapts "
                                 "each weight's step from the gradient over the whole training set, so a "
                                 f"mini-batch (batch_size={batch_size} < {n_train} samples) makes no sense; leave "
                                 "batch_size unset")
            batch_size = n_train
        else:
            batch_size = 32 if p["batch_size"] is None else p["batch_size"]
        classifier = self._is_classifier(labels)
        bar = ProgressBar(epochs) if verbose else None
        n_batches = -(-Xa.shape[0] // batch_size)
        # call back about 50 times an epoch: the bar moves and Ctrl-C is noticed within ~2% of an epoch,
        # while the loop stays in C++ for thousands of samples between calls
        progress_every = max(1, n_batches // 50)
        if callback_every is not None:
            progress_every = check_int(callback_every, "callback_every", 1)

        def hook(log: Dict[str, Any]) -> Any:
            if not classifier:
                log.pop("accuracy", None)
                log.pop("val_accuracy", None)
            if bar:
                bar.update(log)
            if not log["epoch_end"]:  # between batches: only callbacks that ask for it (on_batch)
                for cb in callbacks:
                    if hasattr(cb, "on_batch") and cb.on_batch(dict(log)) is False:
                        return False
                return True
            if track_gradients:
                grads = self._core.gradients(Xa[:1024], None if labels is None else labels[:1024],
                                             None if targets is None else targets[:1024], False)[1]
                grad_norms.append([float(np.linalg.norm(g["bias"])) for g in grads])
            go_on, change = _run_callbacks(callbacks, log)
            return (change or True) if go_on else False

        grad_norms: List[List[float]] = []
        for cb in callbacks:
            if hasattr(cb, "set_network"):
                cb.set_network(self)
        try:
            self.optimizer = optimizer
            raw = self._core.fit(Xa, labels, targets, Xv, lv, tv, epochs, batch_size, optimizer._spec(),
                                 bool(shuffle), progress_every, hook, zeta, l1, mn, on_nonfinite == "skip")
        except KeyboardInterrupt as exc:  # stopped at a batch boundary: hand back what was completed
            exc.history = _history(getattr(exc, "history", []), classifier)  # type: ignore[attr-defined]
            raise
        finally:
            for cb in callbacks:
                if hasattr(cb, "on_train_end"):
                    cb.on_train_end()
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
    def predict(self, X: Any) -> np.ndarray:
        """Outputs for X (n, inputs): an (n, outputs) array of the network's dtype (in the targets' original
        units when output scaling is set)."""
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

    def predict_classes(self, X: Any) -> np.ndarray:
        """Class index per sample: argmax of the outputs (or output > 0.5 for a single sigmoid output)."""
        P = self.predict(X)
        if P.shape[1] == 1:
            thr = 0.0 if self.specs[-1].activation in SYMMETRIC_ACTIVATIONS else 0.5
            return (P[:, 0] > thr).astype(np.int64)
        classes: np.ndarray = np.argmax(P, axis=1)
        return classes

    def evaluate(self, X: Any, y: Any, metrics: Optional[Sequence[str]] = None) -> Dict[str, Any]:
        """Mean loss over X, and accuracy for classification: ``{"loss": ..., "accuracy": ...}``.

        ``metrics``: more to compute from one prediction pass, by name (see fastnet.metrics): "accuracy",
        "top5" (any k), "mse", "mae", "bit_fail" (FANN's, limit 0.35), "confusion_matrix".
        """
        Xa, labels, targets = self._xy(X, y)
        loss, acc = self._core.evaluate(Xa, labels, targets)
        out: Dict[str, Any] = {"loss": float(loss)}
        if self._is_classifier(labels):
            out["accuracy"] = float(acc)
        if metrics is not None:
            from . import metrics as _metrics

            if isinstance(metrics, str):
                metrics = [metrics]
            thr = 0.0 if self.specs[-1].activation in ("tanh", "linear") else 0.5
            out.update(_metrics.compute(list(metrics), labels if labels is not None else targets,
                                        self._core.predict(Xa, False), threshold=thr))
        return out

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

    # ---------------------------------------------------------------- persistence
    def to_bytes(self) -> bytes:
        """The model as .fnet bytes: architecture, weights, optimizer and its state, and RNG state."""
        kind, steps = self._core.get_optimizer_state()
        header = {
            "fastnet_version": _core.__version__,
            "dtype": self.dtype.name,
            "loss": self.loss,
            "seed": self.seed,
            "rng_state": [int(w) for w in self._core.get_rng_state()],
            "layers": [{"kind": "sparse" if isinstance(s, Sparse) else "dense", "in_features": s.in_features,
                        "out_features": s.out_features, "activation": s.activation, "init": s.init,
                        "alpha": s.alpha, "dropout": s.dropout} for s in self.specs],
            "optimizer_state": [kind, steps],
        }
        if self.optimizer is not None:
            header["optimizer"] = self.optimizer.to_dict()
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
                    specs.append(Sparse._from_csr(fi, fo, rp, col, L.get("activation"), L.get("init"),
                                                  L.get("alpha", 0.01), L.get("dropout", 0.0)))
                    continue
                if w.shape != (fo, fi) or b.shape != (fo,):
                    raise ValueError(f"layer {i}: weights {w.shape} / bias {b.shape} do not match "
                                     f"in_features={fi!r}, out_features={fo!r}")
                specs.append(Dense(fi, fo, L.get("activation"), L.get("init"), L.get("alpha", 0.01),
                                   L.get("dropout", 0.0)))
            for i, (a, b2) in enumerate(zip(specs, specs[1:])):
                if a.out_features != b2.in_features:
                    raise ValueError(f"layer sizes do not chain at layer {i + 1}")
            net = cls(specs, loss=header.get("loss"), seed=header.get("seed"),  # type: ignore[arg-type]
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
                    and 0 <= opt_state[0] <= 4 and 0 <= opt_state[1] < 2**62):
                raise ValueError(f"optimizer_state {opt_state!r} is not [kind 0..4, steps >= 0]")
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
        except ModelFormatError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise ModelFormatError(f"{source}: not a valid fastnet model: {exc}") from None
        return net

    def save(self, path: Union[str, os.PathLike[str]]) -> None:
        """Save to a .fnet file atomically: a failure midway leaves any previous file at `path` intact."""
        write_atomic(os.fspath(path), self.to_bytes())

    def to_onnx(self, path: Union[str, os.PathLike[str]]) -> None:
        """Export to an ONNX model file (onnxruntime runs it); see :mod:`fastnet.onnx` for the graph."""
        from .onnx import export

        export(self, path)

    def save_fann(self, path: Union[str, os.PathLike[str]]) -> None:
        """Save as a FANN 2.2 network file that FANN's fann_create_from_file loads (see fastnet.save_fann)."""
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
        return {"fnet": self.to_bytes()}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        other = Network.from_bytes(state["fnet"])
        self.__dict__.update(other.__dict__)
        self.layers = [Layer(self, i, s) for i, s in enumerate(self.specs)]


def model_info(path: Union[str, os.PathLike[str]]) -> Dict[str, Any]:
    """What a .fnet file holds, without building the network: its header (fastnet version that wrote it, dtype,
    loss, seed, layers) plus ``format_version``, ``file_size`` and ``parameters``. Validated like ``load``."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    header, arrays = decode(data, path)
    info = {k: v for k, v in header.items() if k not in ("arrays", "rng_state")}
    info["format_version"] = int.from_bytes(data[8:12], "little")
    info["file_size"] = len(data)
    info["parameters"] = int(sum(a.size for name, a in arrays.items()
                                 if name.endswith((".weights", ".bias"))))
    return info


def load(path: Union[str, os.PathLike[str]]) -> Any:
    """Load a network saved with ``Network.save`` (or ``CascadeNetwork.save``, which gives a CascadeNetwork).

    Raises FileNotFoundError if there is no such file, and ValueError (ModelFormatError) naming the problem
    for a file that is not a valid fastnet model.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    if peek_header(data, path).get("model") == "cascade":
        from .cascade import CascadeNetwork

        return CascadeNetwork.from_bytes(data, source=path)
    return Network.from_bytes(data, source=path)


def _run_callbacks(callbacks: Iterable[Callback], log: Dict[str, Any]) -> Tuple[bool, Dict[str, float]]:
    """The epoch-end callbacks on a copy of the logs each: (go on?, {"lr": .., "momentum": ..} a schedule asked
    for from the next epoch on). The first False stops; the ones after it are not called."""
    change: Dict[str, float] = {}
    for cb in callbacks:
        r = cb(dict(log))
        if r is False:
            return False, change
        if isinstance(r, dict):
            if "lr" in r:
                change["lr"] = check_positive(r["lr"], "lr returned by a callback")
            if "momentum" in r:
                change["momentum"] = check_range(r["momentum"], "momentum returned by a callback", 0.0, 1.0)
    return True, change


def _fit_arguments(net: Network, X: Any, y: Any, epochs: Any, batch_size: Any, lr: Any, momentum: Any, nesterov: Any,
                   weight_decay: Any, shuffle: Any, validation_data: Any, verbose: Any, callbacks: Any, rewire: Any,
                   validation_split: Any, l1: Any, max_norm: Any, track_gradients: Any, optimizer: Any,
                   samples_of: str = "") -> Dict[str, Any]:
    """fit's argument checks and conversions (shared by Network.fit and fastnet.distributed.fit): the training and
    validation arrays, the optimizer (SGD from lr/momentum/... when none is given), and the other settings. The
    batch size is checked but not resolved: a full-batch optimizer's depends on the whole training set."""
    Xa, labels, targets = net._xy(X, y)
    epochs = check_int(epochs, "epochs", 0)
    sgd_args = [k for k, v in (("lr", lr), ("momentum", momentum), ("nesterov", nesterov),
                               ("weight_decay", weight_decay)) if v is not None]
    if optimizer is None:
        optimizer = SGD(lr=check_positive(0.01 if lr is None else lr, "lr"),
                        momentum=check_range(0.0 if momentum is None else momentum, "momentum", 0.0, 1.0),
                        nesterov=bool(nesterov),
                        weight_decay=check_range(0.0 if weight_decay is None else weight_decay,
                                                 "weight_decay", 0.0, float("inf")))
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a fastnet optimizer (fn.SGD, fn.Adam, fn.RPROP, fn.Quickprop, "
                        f"fn.SARPROP), got {type(optimizer).__name__}")
    elif sgd_args:
        raise ValueError(f"give {', '.join(sgd_args)} to the optimizer ({type(optimizer).__name__}(...)), "
                         "not to fit")
    verbose = check_int(verbose, "verbose", 0)
    l1 = check_range(l1, "l1", 0.0, float("inf"))
    mn = 0.0 if max_norm is None else check_positive(max_norm, "max_norm")
    split = check_range(validation_split, "validation_split", 0.0, 1.0)
    Xv = lv = tv = None
    if split > 0.0:
        if validation_data is not None:
            raise ValueError("give validation_data or validation_split, not both")
        n_val = int(round(split * Xa.shape[0]))
        if n_val < 1 or n_val >= Xa.shape[0]:
            raise ValueError(f"validation_split={validation_split} leaves {n_val} of {samples_of}{Xa.shape[0]} "
                             "samples for validation; it must leave at least one sample on each side")
        cut = Xa.shape[0] - n_val  # row slices of C-contiguous arrays: views, no copies
        Xv, Xa = Xa[cut:], Xa[:cut]
        if labels is not None:
            lv, labels = labels[cut:], labels[:cut]
        if targets is not None:
            tv, targets = targets[cut:], targets[:cut]
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a tuple (X_val, y_val)")
        Xv, lv, tv = net._xy(validation_data[0], validation_data[1], "validation X", "validation y")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", 1)
    if optimizer.full_batch and l1 > 0:
        raise ValueError(f"l1 is a proximal step scaled by the learning rate; {type(optimizer).__name__} "
                         "has none (use SGD or Adam, or weight_decay-like decay=... of Quickprop)")
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables, got {type(cb).__name__}")
    if rewire is not None and not isinstance(rewire, SET):
        raise TypeError(f"rewire must be a fastnet.SET, got {type(rewire).__name__}")
    return dict(X=Xa, labels=labels, targets=targets, Xv=Xv, lv=lv, tv=tv, epochs=epochs, batch_size=batch_size,
                optimizer=optimizer, verbose=verbose, l1=l1, max_norm=mn, callbacks=callbacks,
                zeta=float(rewire.zeta) if rewire is not None else 0.0, shuffle=bool(shuffle),
                track_gradients=bool(track_gradients), split=split)


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


def _core_layer(spec: Union[Dense, Sparse]) -> _core.LayerSpec:
    """What crosses the binding for one layer: its fields by name, activation and init as their codes, a given
    sparse topology as CSR lists."""
    core = _core.LayerSpec(kind="dense", in_features=int(spec.in_features), out_features=int(spec.out_features),
                           activation=ACTIVATIONS[spec.activation], alpha=float(spec.alpha), init=INITS[spec.init],
                           dropout=float(spec.dropout))
    if isinstance(spec, Sparse):
        core.kind = "sparse"
        core.density = float(spec.density)
        csr = getattr(spec, "_csr")  # noqa: B009  # set in Sparse.__post_init__, not a dataclass field (mypy)
        if csr is not None:
            core.row_ptr, core.col = csr[0].tolist(), csr[1].tolist()
    return core


def _history(raw: List[Dict[str, Any]], classifier: bool) -> History:
    h = History()
    keys = ["loss"] + (["accuracy"] if classifier else [])
    if raw and "val_loss" in raw[0]:
        keys += ["val_loss"] + (["val_accuracy"] if classifier else [])
    for k in keys + ["seconds", "lr", "momentum"]:
        h[k] = [float(r[k]) for r in raw]
    h["samples_per_second"] = [r["samples_done"] / r["seconds"] if r["seconds"] > 0 else 0.0 for r in raw]
    if any("skipped_batches" in r for r in raw):
        h["skipped_batches"] = [int(r.get("skipped_batches", 0)) for r in raw]
    return h
