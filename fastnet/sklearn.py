"""scikit-learn style estimators: ``MLPClassifier`` and ``MLPRegressor`` on fastnet's engine.

They follow scikit-learn's estimator contract (constructor parameters stored as given, ``get_params`` /
``set_params``, ``fit`` returning self, fitted attributes ending in ``_``), so they work inside ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``, and pass scikit-learn's ``check_estimator`` (tests/test_sklearn.py
lists the one check expected to fail and why). scikit-learn itself is optional: when installed, its base
classes and its input validation (``validate_data``, ``check_is_fitted``) are used, so errors read as
scikit-learn users expect; without it the classes still work with a small numpy validation.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .network import Network

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
        if not hasattr(est, "network_"):
            raise AttributeError(f"This {type(est).__name__} instance is not fitted yet; call fit first")

    def check_classification_targets(y: Any) -> None:
        if np.asarray(y).dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
            raise ValueError("Unknown label type: continuous targets passed to a classifier")

__all__ = ["MLPClassifier", "MLPRegressor"]


class _MLP(_Base):
    def __init__(self, hidden_layer_sizes: Sequence[int] = (100,), activation: str = "relu", lr: float = 0.01,
                 momentum: float = 0.9, batch_size: int = 32, epochs: int = 20, weight_decay: float = 0.0,
                 seed: int = 0, verbose: int = 0) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.seed = seed
        self.verbose = verbose

    def _build(self, n_in: int, n_out: int, output: str, loss: Optional[str]) -> Network:
        sizes = [n_in] + [int(h) for h in self.hidden_layer_sizes] + [n_out]
        return Network(sizes, activation=self.activation, output=output, loss=loss, seed=int(self.seed))

    def _train(self, X: Any, Y: Any, epochs: int) -> None:
        self.history_ = self.network_.fit(X, Y, epochs=epochs, batch_size=min(int(self.batch_size), len(X)),
                                          lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay,
                                          verbose=self.verbose)


class MLPClassifier(_Clf, _MLP):
    """A multi-layer perceptron classifier (softmax output, cross-entropy), trained by fastnet."""

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train a new network on (X, y) for ``epochs`` epochs; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes; y has 1 class "
                             f"({self.classes_[0]!r})")
        self.network_ = self._build(self.n_features_in_, len(self.classes_), "softmax", None)
        self._train(X, codes, self.epochs)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Optional[Sequence[Any]] = None) -> MLPClassifier:
        """One epoch on (X, y); the first call needs ``classes`` (all labels that will ever appear)."""
        first = not hasattr(self, "network_")
        X, y = validate_data(self, X, y, dtype=np.float32, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("the first partial_fit needs classes=")
            self.classes_ = np.unique(np.asarray(classes))
            self.network_ = self._build(self.n_features_in_, len(self.classes_), "softmax", None)
        codes = np.searchsorted(self.classes_, np.asarray(y))
        if np.any(codes >= len(self.classes_)) or np.any(self.classes_[np.minimum(codes, len(self.classes_) - 1)]
                                                         != np.asarray(y)):
            raise ValueError("y holds a label that is not in classes_")
        self._train(X, codes, 1)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        return self.network_.predict(X).astype(np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for X: class labels (classifier) or values (regressor)."""
        P = self.predict_proba(X)
        labels: np.ndarray = self.classes_[np.argmax(P, axis=1)]
        return labels


class MLPRegressor(_Reg, _MLP):
    """A multi-layer perceptron regressor (linear output, MSE), trained by fastnet. Targets are standardized
    with the statistics of the first fit/partial_fit and predictions returned in the original units."""

    def __sklearn_tags__(self) -> Any:  # scikit-learn >= 1.6: one or several outputs
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _setup(self, X: Any, y: Any) -> Any:
        """Build the network for (X, y); returns X and y as the network takes them."""
        X, Y = validate_data(self, X, y, dtype=np.float32, multi_output=True, y_numeric=True)
        Y = np.asarray(Y, dtype=np.float64)
        self._1d = Y.ndim == 1
        Y2 = Y.reshape(-1, 1) if self._1d else Y
        self.network_ = self._build(self.n_features_in_, Y2.shape[1], "linear", "mse")
        # targets are standardized inside the network (and predictions unscaled), so the default learning rate
        # suits targets of any magnitude
        self.network_.set_output_scaling(Y2, "standardize")
        return X, Y2

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train a new network on (X, y) for ``epochs`` epochs; returns self."""
        X2, Y2 = self._setup(X, y)
        self._train(X2, Y2, self.epochs)
        return self

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch on (X, y), continuing from the previous calls (the first one builds the network)."""
        if not hasattr(self, "network_"):
            X2, Y2 = self._setup(X, y)
        else:
            X2, Y = validate_data(self, X, y, dtype=np.float32, multi_output=True, y_numeric=True, reset=False)
            Y = np.asarray(Y, dtype=np.float64)
            Y2 = Y.reshape(-1, 1) if self._1d else Y
        self._train(X2, Y2, 1)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for X: class labels (classifier) or values (regressor)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        P = self.network_.predict(X).astype(np.float64)
        return P[:, 0] if self._1d else P
