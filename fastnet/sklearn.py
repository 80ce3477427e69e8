"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` on fastnet's engine: drop-in replacements.

Every constructor parameter of scikit-learn's MLPs, with its name, meaning and default (``solver`` lbfgs / sgd /
adam, plus fastnet's own: "adamw" (``alpha`` its decoupled decay) and FANN's full-batch "rprop", "quickprop",
"sarprop" (FANN's defaults, one step an epoch, ``alpha=0`` required); ``alpha``, ``batch_size="auto"``,
learning-rate schedules, ``early_stopping``, ...), and every fitted attribute (``coefs_`` in scikit-learn's
(n_in, n_out) layout, ``intercepts_``, ``loss_``, ``loss_curve_``, ``validation_scores_``, ``n_iter_``, ``t_``,
``out_activation_``, ``classes_``, ...). scikit-learn's own test_mlp.py runs against them
(tests/test_sklearn_upstream.py: every test of it, none deselected). lbfgs is scipy's L-BFGS-B over the core's
loss and gradients; sgd and adam are the core's mini-batch
training, scikit-learn's stopping rule and schedules applied after every epoch (both change the rate once an
epoch, as scikit-learn does). ``sample_weight`` with every solver: lbfgs takes the core's gradients per group
of samples of one weight (scikit-learn's weighted fit, exactly); sgd and adam the core's weighted training
(``Network.fit(sample_weight=)``), which equals scikit-learn's for full batches, while for mini-batches each
batch's gradient is ``Σ w·∇ℓ / batch size`` with the weights rescaled to mean 1 over the training set (an
unbiased estimate of the full weighted gradient) where scikit-learn divides by the batch's own Σw; the L2 term
is divided by n·mean(w) (scikit-learn: by the batch's Σw). Other differences:
``loss="poisson"`` trains a linear output on fastnet's Poisson loss and predicts its exponential; with momentum,
a rate change (invscaling, adaptive) also rescales the velocity (PyTorch's form of momentum, not
scikit-learn's); shuffling draws from fastnet's generator, seeded from ``random_state``. fastnet's former
names ``lr``, ``epochs``, ``seed``, ``weight_decay`` remain as deprecated aliases of ``learning_rate_init``,
``max_iter``, ``random_state``, ``alpha`` (FutureWarning). scikit-learn is optional: without it the classes work
with small numpy stand-ins for its validation (lbfgs needs scipy).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Optional, TypeVar, cast

import numpy as np

from .losses import Poisson
from .network import Network
from .optimizers import RPROP, SARPROP, SGD, Adam, AdamW, Quickprop

try:  # optional: scikit-learn's base classes give clone()/tags full support
    from sklearn.base import BaseEstimator as _Base
    from sklearn.base import ClassifierMixin as _Clf
    from sklearn.base import RegressorMixin as _Reg
except ImportError:  # pragma: no cover - exercised when scikit-learn is absent
    class _Base:  # type: ignore[no-redef]
        @classmethod
        def _get_param_names(cls) -> List[str]:
            sig = inspect.signature(cls.__init__)
            return [p for p in sig.parameters if p != "self"]

        def get_params(self, deep: bool = True) -> Dict[str, Any]:
            return {k: getattr(self, k) for k in self._get_param_names()}

        def set_params(self, **params: Any) -> _Base:
            for k, v in params.items():
                if k not in self._get_param_names():
                    raise ValueError(f"invalid parameter {k!r} for {type(self).__name__}")
                setattr(self, k, v)
            return self

    class _Clf:  # type: ignore[no-redef]
        def score(self, X: Any, y: Any) -> float:
            return float(np.mean(self.predict(X) == np.asarray(y)))  # type: ignore[attr-defined]

    class _Reg:  # type: ignore[no-redef]
        def score(self, X: Any, y: Any) -> float:
            y = np.asarray(y, dtype=np.float64)
            p = np.asarray(self.predict(X), dtype=np.float64).reshape(y.shape)  # type: ignore[attr-defined]
            ss_res = float(((y - p) ** 2).sum())
            ss_tot = float(((y - y.mean(axis=0)) ** 2).sum())
            return 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0

try:  # scikit-learn >= 1.6
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:  # pragma: no cover - scikit-learn absent (or too old): numpy checks with the same roles
    def validate_data(est: Any, X: Any = "no_validation", y: Any = "no_validation", reset: bool = True,
                      **kw: Any) -> Any:
        Xa = np.asarray(X)
        if Xa.ndim != 2:
            raise ValueError(f"Expected 2D array, got shape {Xa.shape}: reshape your data")
        if reset:
            est.n_features_in_ = Xa.shape[1]
        elif Xa.shape[1] != est.n_features_in_:
            raise ValueError(f"X has {Xa.shape[1]} features, but {type(est).__name__} is expecting "
                             f"{est.n_features_in_} features as input")
        if isinstance(y, str) and y == "no_validation":
            return Xa
        if y is None:
            raise ValueError(f"{type(est).__name__} requires y to be passed, but the target y is None")
        return Xa, np.asarray(y)

    def check_is_fitted(est: Any) -> None:
        if not hasattr(est, "coefs_"):
            raise AttributeError(f"This {type(est).__name__} instance is not fitted yet; call fit first")

    def check_classification_targets(y: Any) -> None:
        if np.asarray(y).dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
            raise ValueError("Unknown label type: continuous targets passed to a classifier")

try:  # scikit-learn's names for what follows, where installed
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.validation import column_or_1d
except ImportError:  # pragma: no cover - scikit-learn absent
    class ConvergenceWarning(UserWarning):  # type: ignore[no-redef]
        """Training stopped before it converged (scikit-learn's warning class, when installed)."""

    def accuracy_score(y: Any, p: Any, sample_weight: Any = None) -> float:
        return float(np.average(np.all(np.asarray(y) == np.asarray(p), axis=tuple(range(1, np.ndim(y)))),
                                weights=sample_weight))

    def r2_score(y: Any, p: Any, sample_weight: Any = None) -> float:
        y2, p2 = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64).reshape(np.shape(y))
        w = np.ones(len(y2)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        w = w.reshape((-1,) + (1,) * (y2.ndim - 1))
        ss_tot = (w * (y2 - np.average(y2, axis=0, weights=w.ravel())) ** 2).sum(axis=0)
        ss_res = (w * (y2 - p2) ** 2).sum(axis=0)
        return float(np.mean(np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), 0.0)))

    def train_test_split(*arrays: Any, random_state: Any = None, test_size: float = 0.1,
                         stratify: Any = None) -> Any:
        idx = random_state.permutation(len(arrays[0]))
        n_test = int(np.ceil(test_size * len(arrays[0])))
        return [part for a in arrays for part in (a[idx[n_test:]], a[idx[:n_test]])]

    class available_if:  # type: ignore[no-redef]
        """The method exists only where check(estimator) holds (check raises AttributeError otherwise)."""

        def __init__(self, check: Any) -> None:
            self.check = check

        def __call__(self, fn: Any) -> Any:
            self.fn = fn
            return self

        def __get__(self, obj: Any, owner: Any = None) -> Any:
            if obj is not None:
                self.check(obj)
            return self.fn.__get__(obj, owner)

    def column_or_1d(y: Any, *, warn: bool = False) -> Any:
        return np.ravel(y)

try:
    from sklearn.neural_network import MLPRegressor as _SkMLPRegressor

    _CONSTRAINTS: Dict[str, Any] = dict(getattr(_SkMLPRegressor, "_parameter_constraints", {}))
except ImportError:  # pragma: no cover
    _CONSTRAINTS = {}

#: fastnet's own solvers, beyond scikit-learn's lbfgs / sgd / adam: "adamw" (mini-batch, PyTorch's AdamW: ``alpha``
#: is its decoupled weight decay, not an L2 term of the loss), and FANN's full-batch "rprop", "quickprop" and
#: "sarprop" (one step an epoch over the whole training set, FANN's parameters at their defaults; they have no L2
#: term, so they need ``alpha=0``, and take no learning rate: learning_rate_init is not used)
_FASTNET_SOLVERS = ("adamw", "rprop", "quickprop", "sarprop")
_FULL_BATCH = ("rprop", "quickprop", "sarprop")
try:
    from sklearn.utils._param_validation import StrOptions

    if "solver" in _CONSTRAINTS:
        _CONSTRAINTS["solver"] = [StrOptions({"lbfgs", "sgd", "adam", *_FASTNET_SOLVERS})]
except ImportError:  # pragma: no cover
    pass

__all__ = ["MLPClassifier", "MLPRegressor", "ConvergenceWarning"]

_STOCHASTIC = ("sgd", "adam") + _FASTNET_SOLVERS  # trained epoch by epoch by the core (partial_fit exists)
_F = TypeVar("_F", bound=Callable[..., Any])


def _if_stochastic(method: _F) -> _F:
    """partial_fit exists only for the stochastic solvers (``hasattr(MLPClassifier(solver="lbfgs"),
    "partial_fit")`` is False, as in scikit-learn)."""
    return cast(_F, available_if(lambda est: est._check_solver())(method))
#: scikit-learn's activation names -> fastnet's
_ACT = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu", "softmax": "softmax",
        # scikit-learn's "exp" output (MLPRegressor(loss="poisson")): a linear layer whose output is the log-rate,
        # trained with fastnet's Poisson loss (e^z − t·z, the gradient of scikit-learn's half Poisson deviance);
        # _forward returns e^z
        "exp": "linear"}
#: deprecated fastnet parameter names -> scikit-learn's
_ALIASES = {"lr": "learning_rate_init", "epochs": "max_iter", "seed": "random_state", "weight_decay": "alpha"}


def _check_sample_weight(sample_weight: Any, n: int) -> Optional[np.ndarray]:
    """scikit-learn's checks of sample_weight; the weights as float64 (n,), or None."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if sw.shape != (n,):
        raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
    if not np.isfinite(sw).all():
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if (sw < 0).any():
        raise ValueError("Negative values in data passed to `sample_weight`")
    if not sw.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sw


def _random_state(seed: Any) -> np.random.RandomState:
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, np.random.RandomState):
        return seed
    return np.random.RandomState(int(seed))


class _LearningRate:
    """The learning-rate state of the stochastic solvers (scikit-learn's ``_optimizer``): ``learning_rate``, its
    per-epoch update (invscaling) and what happens when training stops improving (adaptive: divide by 5)."""

    def __init__(self, solver: str, lr_init: float, schedule: str, power_t: float) -> None:
        self.solver = solver
        self.learning_rate_init = float(lr_init)
        self.learning_rate = float(lr_init)
        self.lr_schedule = schedule if solver == "sgd" else "constant"
        self.power_t = float(power_t)

    def iteration_ends(self, time_step: int) -> None:
        if self.lr_schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg: str, verbose: Any) -> bool:
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + f" Setting learning rate to {self.learning_rate:f}")
        return False


class _MLP(_Base):
    """scikit-learn's multi-layer perceptron, trained by fastnet's core.

    ``coefs_`` / ``intercepts_`` (scikit-learn's layout: ``coefs_[i]`` is (n_in, n_out)) are the model; a fastnet
    ``Network`` of the input's dtype (float32 or float64) computes with them. lbfgs minimizes the full-batch loss
    with scipy's L-BFGS-B over the core's loss and gradients; sgd and adam run the core's mini-batch training one
    epoch at a time, with scikit-learn's stopping rule, early stopping and learning-rate schedules applied between
    epochs (invscaling and adaptive change the rate once per epoch, as scikit-learn does). The loss is
    scikit-learn's: mean log-loss, or squared error ``((y - p)**2).mean() / 2``, plus ``alpha/(2·n)·Σ‖W‖²``.
    """

    _parameter_constraints: Dict[str, Any] = {k: v for k, v in _CONSTRAINTS.items() if k != "loss"}

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *, solver: str = "adam",
                 alpha: float = 0.0001, batch_size: Any = "auto", learning_rate: str = "constant",
                 learning_rate_init: float = 0.001, power_t: float = 0.5, max_iter: int = 200, shuffle: bool = True,
                 random_state: Any = None, tol: float = 1e-4, verbose: Any = False, warm_start: bool = False,
                 momentum: float = 0.9, nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, n_iter_no_change: Any = 10, max_fun: int = 15000,
                 lr: Optional[float] = None, epochs: Optional[int] = None, seed: Optional[int] = None,
                 weight_decay: Optional[float] = None) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.lr = lr
        self.epochs = epochs
        self.seed = seed
        self.weight_decay = weight_decay

    # ------------------------------------------------------------------ parameters
    def _p(self, name: str) -> Any:
        """A parameter's value, a deprecated fastnet alias (lr, epochs, seed, weight_decay) taking precedence."""
        for old, new in _ALIASES.items():
            if new == name and getattr(self, old, None) is not None:
                return getattr(self, old)
        return getattr(self, name)

    def _check_params(self) -> None:
        for old, new in _ALIASES.items():
            if getattr(self, old, None) is not None:
                import warnings as _w

                _w.warn(f"{type(self).__name__}: `{old}` is deprecated; use scikit-learn's `{new}`",
                        FutureWarning, stacklevel=3)
        if hasattr(self, "_validate_params"):
            self._validate_params()
        elif self.solver not in ("lbfgs", "sgd", "adam", *_FASTNET_SOLVERS):
            raise ValueError(f"The 'solver' parameter of {type(self).__name__} must be a str among "
                             f"{sorted(('lbfgs', 'sgd', 'adam', *_FASTNET_SOLVERS))}. Got {self.solver!r} instead.")
        if self.solver in _FULL_BATCH and float(self._p("alpha")) != 0.0:
            raise ValueError(f"solver={self.solver!r} (FANN's full-batch {self.solver.upper()}) has no L2 penalty: "
                             f"set alpha=0 (got alpha={self._p('alpha')!r})")
        sizes = self._hidden()
        if any(h <= 0 for h in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")

    def _hidden(self) -> List[int]:
        h = self.hidden_layer_sizes
        return [int(x) for x in (h if hasattr(h, "__iter__") else [h])]

    # ------------------------------------------------------------------ the fastnet network
    def _sync_net(self, dtype: Any, fresh: bool = False) -> Network:
        """The fastnet network holding coefs_ / intercepts_ (built when missing or of other shapes or dtype)."""
        units = [np.shape(self.coefs_[0])[0]] + [np.shape(c)[1] for c in self.coefs_]
        dt = "float32" if np.dtype(dtype) == np.float32 else "float64"
        net: Optional[Network] = getattr(self, "_network", None)
        if fresh or net is None or net.sizes != units or net.dtype != np.dtype(dt) \
                or getattr(self, "_net_out", None) != self.out_activation_:
            act = _ACT.get(self.activation, "relu")
            out = _ACT[self.out_activation_]
            loss: Any = "cross_entropy" if out in ("softmax", "sigmoid") else "mse"
            if self.out_activation_ == "exp":
                loss = Poisson()
            seed = int(self._random_state.randint(2**31)) if hasattr(self, "_random_state") else 0
            net = Network(units, activation=act, output=out, loss=loss, dtype=dt, seed=seed)
            self._network, self._net_out = net, self.out_activation_
        for layer, W, b in zip(net.layers, self.coefs_, self.intercepts_):
            layer.weights = np.asarray(W).T
            layer.bias = np.asarray(b)
        return net

    def _pull(self, net: Network, dtype: Any) -> None:
        self.coefs_ = [np.array(layer.weights.T, dtype=dtype) for layer in net.layers]
        self.intercepts_ = [np.array(layer.bias, dtype=dtype) for layer in net.layers]

    @property
    def network_(self) -> Network:
        """The fastnet Network computing with the fitted ``coefs_`` / ``intercepts_``."""
        if not hasattr(self, "coefs_"):
            raise AttributeError(f"This {type(self).__name__} instance is not fitted yet; call fit first")
        return self._sync_net(self.coefs_[0].dtype)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        if not all(np.isfinite(w).all() for w in list(self.coefs_) + list(self.intercepts_)):
            return np.full((X.shape[0], self.n_outputs_), np.nan)
        net = self._network if getattr(self, "_training", False) else self._sync_net(X.dtype)
        out: np.ndarray = net.predict(np.ascontiguousarray(X))
        if self.out_activation_ == "exp":
            with np.errstate(over="ignore"):
                out = np.exp(out)
        return out

    def _loss_constant(self, Y: np.ndarray, sw: Optional[np.ndarray]) -> float:
        """What scikit-learn's reported loss adds to the core's: for the Poisson loss, its half deviance is
        e^z − t·z (the core's) plus the (weighted) mean over samples of Σ_outputs t·log t − t, which does not
        depend on the weights (so the gradients are the same); 0 for the other losses."""
        if getattr(self, "out_activation_", None) != "exp":
            return 0.0
        from scipy.special import xlogy  # type: ignore[import-untyped]

        Ya = np.asarray(Y, dtype=np.float64).reshape(len(Y), -1)
        per = (xlogy(Ya, Ya) - Ya).sum(axis=1)
        return float(np.average(per, weights=None if sw is None or not np.any(sw) else sw))

    def _validate_X(self, X: Any, reset: bool, y: Any = "no_validation", **kw: Any) -> Any:
        """validate_data as scikit-learn's MLPs call it; scipy.sparse input is densified (fastnet's dense layers
        take dense arrays)."""
        with_y = not (isinstance(y, str) and y == "no_validation")
        r = validate_data(self, X, y, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=reset,
                          **kw)
        Xa = r[0] if with_y else r
        if hasattr(Xa, "toarray"):
            Xa = Xa.toarray()
        Xa = np.ascontiguousarray(Xa)
        return (Xa, r[1]) if with_y else Xa

    # ------------------------------------------------------------------ training
    def _initialize(self, y: np.ndarray, units: List[int], dtype: Any) -> None:
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(units)
        self.out_activation_ = self._out_activation()
        self.coefs_, self.intercepts_ = [], []
        factor = 2.0 if self.activation == "logistic" else 6.0
        for fan_in, fan_out in zip(units, units[1:]):  # Glorot uniform, as scikit-learn
            bound = np.sqrt(factor / (fan_in + fan_out))
            self.coefs_.append(self._random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
            self.intercepts_.append(self._random_state.uniform(-bound, bound, fan_out).astype(dtype))
        self._best_coefs = [c.copy() for c in self.coefs_]
        self._best_intercepts = [i.copy() for i in self.intercepts_]
        if self.solver in _STOCHASTIC:
            self.loss_curve_: List[float] = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_: Optional[List[float]] = []
                self.best_validation_score_: Optional[float] = -np.inf
                self.best_loss_: Optional[float] = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _out_activation(self) -> str:
        raise NotImplementedError

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        raise NotImplementedError

    def _score(self, X: np.ndarray, y: Any, sample_weight: Any = None) -> float:
        raise NotImplementedError

    def _predict(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _fit(self, X: Any, y: Any, sample_weight: Any = None, incremental: bool = False) -> _MLP:
        self._check_params()
        hidden = self._hidden()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        sw = _check_sample_weight(sample_weight, X.shape[0])
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_outputs_ = Y.shape[1]
        units = [X.shape[1]] + hidden + [self.n_outputs_]
        self._random_state = _random_state(self._p("random_state"))
        if first_pass:
            self._initialize(Y, units, X.dtype)
        if self.solver in _STOCHASTIC:
            self._fit_stochastic(X, Y, incremental, sw)
        else:
            self._fit_lbfgs(X, Y, sw)
        if not all(np.isfinite(w).all() for w in list(self.coefs_) + list(self.intercepts_)):
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain large "
                             "values and need to be preprocessed.")
        return self

    def _loss_scale(self) -> float:
        """The factor from fastnet's loss value to scikit-learn's. fastnet's mse is ½·Σ over outputs, mean over
        samples; scikit-learn reports ((y - p)**2).mean() / 2, the mean over outputs too, while its gradients
        are those of the sum over outputs (its _backprop: deltas = p - y): so only the reported loss is rescaled,
        and the gradients (the core's, of fastnet's loss) are used as they are, as scikit-learn does; its
        lbfgs sees the same loss/gradient pair (tests/test_sklearn_upstream.py compares both with it)."""
        return 1.0 / self.n_outputs_ if self.out_activation_ == "identity" else 1.0

    def _lbfgs_layout(self) -> Any:
        shapes = [np.shape(c) for c in self.coefs_] + [np.shape(b) for b in self.intercepts_]
        return shapes, [int(np.prod(s)) for s in shapes]

    def _unpack(self, p: np.ndarray) -> List[np.ndarray]:
        shapes, sizes = self._lbfgs_layout()
        return [a.reshape(s) for a, s in zip(np.split(p, np.cumsum(sizes)[:-1]), shapes)]

    @staticmethod
    def _groups(net: Network, X: np.ndarray, Y: np.ndarray, sw: Optional[np.ndarray]) -> Any:
        """The samples as the core takes them, grouped by weight: [(weight, (X, labels, targets))], and Σw."""
        Y = np.ascontiguousarray(np.asarray(Y, dtype=X.dtype).reshape(len(Y), -1))
        if sw is None:
            return [(1.0, net._xy(X, Y))], float(X.shape[0])
        return ([(float(w), net._xy(X[sw == w], Y[sw == w])) for w in np.unique(sw) if w > 0],
                float(sw.sum()))

    def _loss_grad(self, net: Network, groups: Any, sw_sum: float, p: np.ndarray) -> Any:
        """scikit-learn's loss (weighted mean loss + alpha/(2·Σw)·Σ‖W‖²) and its gradient, flat, at the packed
        parameters p (coefs then intercepts), from the core's mean loss and gradients over each group of samples
        of one weight (exact for any weights: one core call a distinct weight)."""
        parts = self._unpack(p)
        nc = len(self.coefs_)
        for i, layer in enumerate(net.layers):
            layer.weights = parts[i].T
            layer.bias = parts[nc + i]
        loss_sum, g = 0.0, [np.zeros(np.shape(a)) for a in parts]
        for w, (Xa, labels, targets) in groups:
            loss, grads_, _ = net._core.gradients(Xa, labels, targets, False)
            grads = cast(List[Dict[str, np.ndarray]], grads_)
            k = w * Xa.shape[0] / sw_sum
            loss_sum += k * float(loss)
            for i, gr in enumerate(grads):
                g[i] += k * np.asarray(gr["weights"], dtype=np.float64).T
                g[nc + i] += k * np.asarray(gr["bias"], dtype=np.float64)
        alpha = float(self._p("alpha"))
        for i in range(nc):
            g[i] += alpha / sw_sum * parts[i]
        l2 = 0.5 * alpha * sum(float(np.dot(W.ravel(), W.ravel())) for W in parts[:nc]) / sw_sum
        total = loss_sum * self._loss_scale() + getattr(self, "_loss_const", 0.0) + l2
        return total, np.concatenate([a.ravel() for a in g])

    def _loss_grad_lbfgs(self, packed: np.ndarray, X: Any, y: Any, sample_weight: Any = None, *unused: Any) -> Any:
        """scikit-learn's private hook (its test_gradient calls it): loss and flat gradient at ``packed``."""
        X = np.ascontiguousarray(X)
        net = self._sync_net(X.dtype)
        sw = _check_sample_weight(sample_weight, X.shape[0])
        groups, sw_sum = self._groups(net, X, np.asarray(y), sw)
        self._loss_const = self._loss_constant(np.asarray(y), sw)
        return self._loss_grad(net, groups, sw_sum, np.asarray(packed, dtype=np.float64))

    def _fit_lbfgs(self, X: np.ndarray, Y: np.ndarray, sw: Optional[np.ndarray] = None) -> None:
        import warnings

        import scipy.optimize  # type: ignore[import-untyped]  # scipy: a dependency of lbfgs only

        net = self._sync_net(X.dtype, fresh=True)
        groups, sw_sum = self._groups(net, X, Y, sw)
        self._loss_const = self._loss_constant(Y, sw)
        nc = len(self.coefs_)

        def loss_grad(p: np.ndarray) -> Any:
            return self._loss_grad(net, groups, sw_sum, p)

        p0 = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in self.coefs_ + self.intercepts_])
        opts: Dict[str, Any] = {"maxfun": self.max_fun, "maxiter": self._p("max_iter"), "gtol": self.tol}
        step = [0]

        def progress(intermediate_result: Any) -> None:  # verbose: one line an iteration
            step[0] += 1
            print(f"Iteration {step[0]}, loss = {float(intermediate_result.fun):.8f}")

        res = scipy.optimize.minimize(loss_grad, p0, method="L-BFGS-B", jac=True, options=opts,
                                      callback=progress if self.verbose else None)
        if res.status != 0:
            msg = res.message.decode("latin1") if isinstance(res.message, bytes) else res.message
            warnings.warn(f"lbfgs failed to converge after {res.nit} iteration(s) (status={res.status}):\n{msg}\n\n"
                          "Increase the number of iterations to improve the convergence (max_iter="
                          f"{self._p('max_iter')}).", ConvergenceWarning, stacklevel=3)
        self.n_iter_ = min(int(res.nit), int(self._p("max_iter")))
        self.loss_ = float(res.fun)
        parts = self._unpack(res.x)
        self.coefs_ = [a.astype(X.dtype) for a in parts[:nc]]
        self.intercepts_ = [a.astype(X.dtype) for a in parts[nc:]]

    def _fit_stochastic(self, X: np.ndarray, Y: np.ndarray, incremental: bool,
                        sw: Optional[np.ndarray] = None) -> None:
        import warnings

        fresh = not incremental or not hasattr(self, "_optimizer")
        if fresh:
            self._optimizer = _LearningRate(self.solver, self._p("learning_rate_init"), self.learning_rate,
                                            self.power_t)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            stratify = Y if (self._is_clf() and self.n_outputs_ == 1) else None
            # (the weights in the same call, as scikit-learn splits them: the same permutation)
            parts = train_test_split(X, Y, *([] if sw is None else [sw]), random_state=self._random_state,
                                     test_size=self.validation_fraction, stratify=stratify)
            X_train, X_val, Y_train, Y_val = parts[:4]
            sw_train, sw_val = (None, None) if sw is None else (parts[4], parts[5])
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size of "
                                 "your dataset.")
            y_val = self._decode(Y_val)
        else:
            X_train, Y_train, X_val, y_val = X, Y, None, None
            sw_train = sw_val = None if sw is None else sw
        Y_train = np.ascontiguousarray(Y_train, dtype=X.dtype)
        n = X_train.shape[0]
        # scikit-learn divides each batch's L2 term by the batch's Σw: with weights, by n·mean(w) on average
        # (exact for full batches); the core's mini-batch loss is Σ w·ℓ / batch size with w rescaled to mean 1,
        # whose full-batch gradient is scikit-learn's weighted mean
        alpha_factor = 1.0 if sw_train is None or not sw_train.any() else n / float(sw_train.sum())
        if self.solver in _FULL_BATCH:  # (one step an epoch over the whole training set)
            bs = n
        elif self.batch_size == "auto":
            bs = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                              stacklevel=3)
            bs = int(np.clip(self.batch_size, 1, n))
        n_batches = -(-n // bs)
        n_out_scale = self._loss_scale()
        loss_const = self._loss_constant(Y_train, sw_train)
        # (the L2 term of the loss: none for adamw, whose alpha is a decoupled decay, nor the full-batch solvers)
        alpha = float(self._p("alpha")) * alpha_factor if self.solver in ("sgd", "adam") else 0.0
        net = self._sync_net(X.dtype, fresh=fresh)
        diverged = not all(np.isfinite(c).all() for c in self.coefs_)
        max_iter = int(self._p("max_iter"))
        self.n_iter_ = 0
        # scikit-learn adds each batch's L2 term at the weights before its step: here those before the epoch
        # (exact for one batch an epoch)
        sq = [sum(float(np.sum(np.square(W, dtype=np.float64))) for W in self.coefs_)]

        def optimizer() -> Any:
            # scikit-learn's L2 gradient on a batch of b samples is alpha/b·W: fastnet's weight decay (on weights,
            # not biases) of alpha/batch_size (exact but for a smaller last batch)
            lr, wd = self._optimizer.learning_rate, alpha / bs
            if self.solver == "sgd":
                return SGD(lr=lr, momentum=self.momentum,
                           nesterov=bool(self.nesterovs_momentum and self.momentum > 0), weight_decay=wd)
            if self.solver == "adamw":  # (alpha: the decoupled decay, not an L2 term)
                return AdamW(lr=lr, beta1=self.beta_1, beta2=self.beta_2, eps=self.epsilon,
                             weight_decay=float(self._p("alpha")))
            if self.solver in _FULL_BATCH:
                return {"rprop": RPROP, "quickprop": Quickprop, "sarprop": SARPROP}[self.solver]()
            return Adam(lr=lr, beta1=self.beta_1, beta2=self.beta_2, eps=self.epsilon, weight_decay=wd)

        def epoch_end(loss: float) -> bool:
            """scikit-learn's bookkeeping after an epoch; True: stop."""
            if diverged:
                self.coefs_ = [np.full_like(c, np.nan) for c in self.coefs_]
                self.intercepts_ = [np.full_like(b, np.nan) for b in self.intercepts_]
                self.loss_ = float("nan")
            else:
                self._pull(net, X.dtype)
                self.loss_ = loss * n_out_scale + loss_const + n_batches * 0.5 * alpha * sq[0] / n
                sq[0] = sum(float(np.sum(np.square(W, dtype=np.float64))) for W in self.coefs_)
            return self._epoch_end(early_stopping, X_val, y_val, n, incremental, max_iter, sw_val)

        if not incremental and not diverged:
            # the whole training in one call of the core: the bookkeeping runs in its epoch callback (which stops
            # it, or sets the next epoch's learning rate); the core shuffles, seeded from random_state
            def callback(log: Dict[str, Any]) -> Any:
                lr = self._optimizer.learning_rate
                if epoch_end(float(log["loss"])):
                    return False
                return {"lr": self._optimizer.learning_rate} if self._optimizer.learning_rate != lr else True

            self._training = True
            try:
                net.fit(X_train, Y_train, epochs=max_iter, batch_size=bs, optimizer=optimizer(),
                        shuffle=bool(self.shuffle), verbose=0, callbacks=[callback], sample_weight=sw_train)
            except FloatingPointError:  # the loss overflowed: scikit-learn's weights would be non-finite
                diverged = True
            finally:
                self._training = False
            stopped = not diverged
        else:
            stopped = False
        while not stopped and self.n_iter_ < max_iter:  # one epoch a call (partial_fit; after divergence)
            if not diverged:
                idx = self._random_state.permutation(n) if self.shuffle else np.arange(n)
                try:
                    h = net.fit(X_train[idx], Y_train[idx], epochs=1, batch_size=bs, optimizer=optimizer(),
                                shuffle=False, verbose=0, sample_weight=None if sw_train is None else sw_train[idx])
                except FloatingPointError:
                    diverged = True
            stopped = epoch_end(float("nan") if diverged else float(h["loss"][0])) or incremental
        if early_stopping:
            self.coefs_ = self._best_coefs
            self.intercepts_ = self._best_intercepts

    def _epoch_end(self, early_stopping: bool, X_val: Any, y_val: Any, n: int, incremental: bool,
                   max_iter: int, sw_val: Optional[np.ndarray] = None) -> bool:
        """scikit-learn's bookkeeping after an epoch whose loss_ is set: counts, loss curve, stopping rule,
        learning-rate schedule, ConvergenceWarning at max_iter. Returns True to stop."""
        self.n_iter_ += 1
        self.t_ += n
        self.loss_curve_.append(self.loss_)
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
        self._update_no_improvement_count(early_stopping, X_val, y_val, sw_val)
        self._optimizer.iteration_ends(self.t_)
        if self._no_improvement_count > self.n_iter_no_change:
            what = "Validation score" if early_stopping else "Training loss"
            msg = f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} consecutive epochs."
            if self._optimizer.trigger_stopping(msg, self.verbose):
                return True
            self._no_improvement_count = 0
        if incremental:
            return True
        if self.n_iter_ == max_iter:
            import warnings

            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached and the optimization "
                          "hasn't converged yet.", ConvergenceWarning, stacklevel=5)
            return True
        return False

    def _update_no_improvement_count(self, early_stopping: bool, X_val: Any, y_val: Any,
                                     sample_weight: Optional[np.ndarray] = None) -> None:
        if early_stopping:
            assert self.validation_scores_ is not None and self.best_validation_score_ is not None
            score = float(self._score(X_val, y_val, sample_weight))
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_coefs = [c.copy() for c in self.coefs_]
                self._best_intercepts = [i.copy() for i in self.intercepts_]
        else:
            assert self.best_loss_ is not None
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _is_clf(self) -> bool:
        return False

    def _decode(self, Y: np.ndarray) -> Any:
        return Y

    def _score_with(self, X: np.ndarray, y: Any, fn: Any, sample_weight: Any = None) -> float:
        p = self._predict(X)
        if np.issubdtype(p.dtype, np.floating) and not np.isfinite(p).all():
            return float("nan")
        return float(fn(y, p, sample_weight=sample_weight))

    def _check_solver(self) -> bool:
        if self.solver not in _STOCHASTIC:
            raise AttributeError("partial_fit is only available for stochastic optimizers. "
                                 f"{self.solver} is not stochastic.")
        return True

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the model to X (n_samples, n_features; dense or scipy.sparse) and y (labels or targets).

        ``sample_weight`` (n,): finite weights >= 0, not all zero, with every solver (see the module's
        documentation for mini-batches)."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(_Clf, _MLP):
    """Multi-layer perceptron classifier with scikit-learn's parameters, attributes and behaviour, trained by
    fastnet: softmax outputs for several classes, one logistic output for two, logistic outputs per label for
    multilabel indicator targets. See ``_MLP`` for how training maps onto fastnet."""

    def _out_activation(self) -> str:
        return "softmax" if self._y_type == "multiclass" else "logistic"

    def _is_clf(self) -> bool:
        return True

    def _fit_labels(self, y: Any) -> None:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self._y_type = "multilabel-indicator"
            self.classes_ = np.arange(y.shape[1])
        else:
            self.classes_ = np.unique(y.ravel())
            self._y_type = "multiclass" if len(self.classes_) > 2 else "binary"

    def _encode(self, y: np.ndarray) -> np.ndarray:
        if self._y_type == "multilabel-indicator":
            return np.asarray(y).astype(bool)
        y = np.asarray(y).ravel()
        if self._y_type == "binary":
            return (y == self.classes_[-1]).reshape(-1, 1) if len(self.classes_) == 2 \
                else np.zeros((len(y), 1), dtype=bool)
        return np.asarray(y[:, None] == self.classes_[None, :])

    def _decode(self, Y: np.ndarray) -> Any:
        if self._y_type == "multilabel-indicator":
            return (np.asarray(Y) > 0.5).astype(int)
        if self._y_type == "binary":
            Y = np.asarray(Y).reshape(len(Y), -1)
            return self.classes_[(Y[:, -1] > 0.5).astype(int) if len(self.classes_) == 2
                                 else np.zeros(len(Y), dtype=int)]
        return self.classes_[np.argmax(Y, axis=1)]

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        X, y = self._validate_X(X, reset, y, multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._fit_labels(y)  # one class is accepted, as scikit-learn does: it is always predicted
        else:
            classes = np.arange(y.shape[1]) if y.ndim == 2 else np.unique(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same classes as in the "
                                     f"previous call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        return X, self._encode(y)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        out: np.ndarray = self._decode(self._forward(X))
        return out

    def _score(self, X: np.ndarray, y: Any, sample_weight: Any = None) -> float:
        return self._score_with(X, y, accuracy_score, sample_weight)

    def predict(self, X: Any) -> np.ndarray:
        """Class labels for X (an indicator matrix for multilabel targets)."""
        check_is_fitted(self)
        return self._predict(self._validate_X(X, reset=False))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        P = self._forward(self._validate_X(X, reset=False))
        if self.n_outputs_ == 1:
            p = P.ravel()
            return np.vstack([1 - p, p]).T
        return P

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log(predict_proba(X))``."""
        P = self.predict_proba(X)
        logP: np.ndarray = np.log(P, out=P)
        return logP

    @_if_stochastic
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None) -> MLPClassifier:
        """One epoch of sgd/adam on (X, y); the first call needs ``classes`` (all labels that will appear)."""
        if getattr(self, "classes_", None) is None and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            if getattr(self, "classes_", None) is not None:
                if not np.array_equal(self.classes_, np.unique(classes)):
                    raise ValueError(f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                                     f"was: {self.classes_!r}")
            else:
                yt = np.asarray(y)
                if yt.ndim == 2 and yt.shape[1] > 1:
                    self._fit_labels(yt)
                else:
                    self._fit_labels(np.asarray(classes))
        self._fit(X, y, sample_weight=sample_weight, incremental=True)
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(_Reg, _MLP):
    """Multi-layer perceptron regressor with scikit-learn's parameters, attributes and behaviour (identity
    output, squared error), trained by fastnet. See ``_MLP`` for how training maps onto fastnet.

    ``loss``: "squared_error" or "poisson" (scikit-learn's half Poisson deviance with an exponential output:
    fastnet trains a linear output on its Poisson loss, e^z − t·z, and predicts e^z; ``loss_`` adds the constant
    that makes it scikit-learn's value)."""

    _parameter_constraints: Dict[str, Any] = dict(_CONSTRAINTS)

    def __init__(self, loss: str = "squared_error", hidden_layer_sizes: Any = (100,), activation: str = "relu", *,
                 solver: str = "adam", alpha: float = 0.0001, batch_size: Any = "auto",
                 learning_rate: str = "constant", learning_rate_init: float = 0.001, power_t: float = 0.5,
                 max_iter: int = 200, shuffle: bool = True, random_state: Any = None, tol: float = 1e-4,
                 verbose: Any = False, warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False, validation_fraction: float = 0.1,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8, n_iter_no_change: Any = 10,
                 max_fun: int = 15000, lr: Optional[float] = None, epochs: Optional[int] = None,
                 seed: Optional[int] = None, weight_decay: Optional[float] = None) -> None:
        super().__init__(hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
                         learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
                         warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
                         lr=lr, epochs=epochs, seed=seed, weight_decay=weight_decay)
        self.loss = loss

    def _out_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        X, y = self._validate_X(X, reset, y, multi_output=True, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, np.asarray(y)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        P = self._forward(X)
        out: np.ndarray = P.ravel() if P.shape[1] == 1 else P
        return out

    def _score(self, X: np.ndarray, y: Any, sample_weight: Any = None) -> float:
        return self._score_with(X, y, r2_score, sample_weight)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values for X: (n,) for one target, else (n, n_outputs)."""
        check_is_fitted(self)
        return self._predict(self._validate_X(X, reset=False))

    @_if_stochastic
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch of sgd/adam on (X, y), continuing from the previous calls (the first one initializes)."""
        self._fit(X, y, sample_weight=sample_weight, incremental=True)
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
