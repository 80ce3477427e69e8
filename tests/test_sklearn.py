"""fastnet.sklearn estimators: the scikit-learn contract, with and without scikit-learn installed."""

import numpy as np
import pytest

import fastnet as fn
from fastnet.sklearn import MLPClassifier, MLPRegressor

# short trainings that stop at max_iter warn as scikit-learn's do (the warning is tested in test_sklearn_upstream.py)
pytestmark = pytest.mark.filterwarnings("ignore::fastnet.sklearn.ConvergenceWarning")


def blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0], [3, 3], [0, 4]])
    y = rng.integers(0, 3, n)
    X = centers[y] + rng.normal(scale=0.6, size=(n, 2))
    return X, np.array(["a", "b", "c"])[y]


def test_classifier_contract():
    X, y = blobs()
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, learning_rate_init=0.05, batch_size=16)
    assert clf.get_params()["hidden_layer_sizes"] == (16,)
    assert clf.fit(X, y) is clf
    assert list(clf.classes_) == ["a", "b", "c"] and clf.n_features_in_ == 2
    P = clf.predict_proba(X)
    assert P.shape == (300, 3) and np.allclose(P.sum(axis=1), 1, atol=1e-5)
    assert set(clf.predict(X)) <= {"a", "b", "c"} and clf.score(X, y) > 0.9
    clf.set_params(learning_rate_init=0.01)
    assert clf.learning_rate_init == 0.01
    inc = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05, batch_size=16)
    for _ in range(20):
        inc.partial_fit(X, y, classes=["a", "b", "c"])
    assert inc.score(X, y) > 0.9
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)


def test_regressor_contract():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(400, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    reg = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", max_iter=60, learning_rate_init=0.02, batch_size=16)
    assert reg.fit(X, y).predict(X).shape == (400,)
    assert reg.score(X, y) > 0.95


def test_inside_scikit_learn_tools():
    sk = pytest.importorskip("sklearn", reason="scikit-learn is optional; the contract is tested above without it")
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = blobs()
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), max_iter=15, learning_rate_init=0.05))
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.85
    grid = GridSearchCV(MLPClassifier(max_iter=10, learning_rate_init=0.05), {"hidden_layer_sizes": [(4,), (16,)]},
                        cv=2)
    grid.fit(X, y)
    assert grid.best_params_["hidden_layer_sizes"] in [(4,), (16,)]
    assert sk.base.clone(grid.best_estimator_).get_params()["max_iter"] == 10


# check_estimator runs with no expected failures: sample_weight is taken by every solver (adam and sgd through
# the core's weighted training, equal to repetition for the checks' full batches), and outputs are
# batch-invariant (check_methods_subset_invariance: float64 input trains and predicts in float64). The only checks
# that do not run are those scikit-learn itself skips for its own MLPs, for the reasons it gives:
SKIPPED_BY_SCIKIT_LEARN = {
    "check_array_api_input": "runs only with SCIPY_ARRAY_API=1 and array-api-strict; MLPs have no array API support",
    "check_classifiers_multilabel_output_format_decision_function": "MLPs have no decision_function",
}


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(max_iter=10, learning_rate_init=0.01),
    lambda: MLPRegressor(max_iter=10, learning_rate_init=0.01),
    lambda: MLPClassifier(solver="lbfgs", max_iter=50),
    lambda: MLPRegressor(solver="lbfgs", max_iter=50),
], ids=["classifier", "regressor", "classifier-lbfgs", "regressor-lbfgs"])
def test_check_estimator(make):
    pytest.importorskip("sklearn", reason="scikit-learn is optional")
    import warnings

    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarnings of the short fits, scikit-learn's SkipTestWarnings
        results = check_estimator(make(), on_fail=None)
    allowed = {"passed"}
    failed = [(r["check_name"], r["status"], str(r["exception"])[:300]) for r in results
              if r["status"] not in allowed
              and not (r["status"] == "skipped" and r["check_name"] in SKIPPED_BY_SCIKIT_LEARN)]
    assert failed == []
    assert sum(r["status"] == "passed" for r in results) >= 60


def _iris():
    sk = pytest.importorskip("sklearn", reason="scikit-learn is optional")
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y, sk


@pytest.mark.parametrize("solver,make", [("rprop", lambda: fn.RPROP()), ("quickprop", lambda: fn.Quickprop()),
                                         ("sarprop", lambda: fn.SARPROP())])
def test_fann_solvers_are_fastnets_full_batch_optimizers(solver, make):
    """solver="rprop" / "quickprop" / "sarprop": FANN's full-batch optimizers at FANN's defaults, one step an
    epoch, from scikit-learn's initial weights: the same weights as Network.fit with that optimizer."""
    import warnings

    X, y, _ = _iris()
    from sklearn.preprocessing import LabelBinarizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier(hidden_layer_sizes=(5,), solver=solver, alpha=0, max_iter=20, tol=0,
                            n_iter_no_change=1000, shuffle=False, random_state=0).fit(X, y)
    assert est.n_iter_ == 20 and est.t_ == 20 * len(X)
    ref = MLPClassifier(hidden_layer_sizes=(5,), solver=solver, alpha=0, random_state=0)
    ref._random_state = np.random.RandomState(0)  # scikit-learn's Glorot draw, as fit makes it
    ref._validate_input(X, y, False, True)
    Y = LabelBinarizer().fit_transform(y).astype(np.float64)
    ref._initialize(Y, [4, 5, 3], np.float64)
    net = fn.Network([4, 5, 3], activation="relu", output="softmax", dtype="float64")
    for layer, W, b in zip(net.layers, ref.coefs_, ref.intercepts_):
        layer.weights, layer.bias = W.T, b
    net.fit(X, Y, epochs=20, batch_size=len(X), optimizer=make(), shuffle=False, verbose=0)
    for layer, W, b in zip(net.layers, est.coefs_, est.intercepts_):
        np.testing.assert_allclose(layer.weights.T, W, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(layer.bias, b, rtol=1e-9, atol=1e-12)


def test_adamw_solver_is_adam_with_decoupled_decay():
    """solver="adamw": PyTorch's AdamW, alpha its decoupled weight decay; with alpha=0 it is adam bit for bit,
    with alpha > 0 it differs from adam (whose alpha is scikit-learn's L2 term)."""
    import warnings

    X, y, _ = _iris()
    kw = dict(hidden_layer_sizes=(6,), max_iter=100, learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a0 = MLPClassifier(solver="adam", alpha=0, **kw).fit(X, y)
        w0 = MLPClassifier(solver="adamw", alpha=0, **kw).fit(X, y)
        a1 = MLPClassifier(solver="adam", alpha=0.05, **kw).fit(X, y)
        w1 = MLPClassifier(solver="adamw", alpha=0.05, **kw).fit(X, y)
    for p, q in zip(a0.coefs_ + a0.intercepts_, w0.coefs_ + w0.intercepts_):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)
    assert not np.allclose(a1.coefs_[0], w1.coefs_[0])
    assert w1.score(X, y) > 0.8


def test_fastnet_solvers_bad_input():
    X, y, _ = _iris()
    with pytest.raises(ValueError, match="alpha=0"):
        MLPClassifier(solver="rprop").fit(X, y)  # default alpha=0.0001: FANN's RPROP has no L2 term
    with pytest.raises(ValueError, match="solver"):
        MLPClassifier(solver="rmsprop").fit(X, y)
