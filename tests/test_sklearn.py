"""fastnet.sklearn estimators: the scikit-learn contract, with and without scikit-learn installed."""

import numpy as np
import pytest

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
