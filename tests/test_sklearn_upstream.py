"""scikit-learn's own MLP tests (sklearn/neural_network/tests/test_mlp.py of the installed scikit-learn), run
against fastnet.sklearn's MLPClassifier / MLPRegressor: the file's source with its estimator import changed, and
nothing else, executed as a module whose tests are collected here.

Tests that cannot pass by design are deselected below (DESELECTED: test id -> reason), as scikit-learn-intelex
keeps its deselected_tests.yaml; they are deselected, not skipped (the skip policy of tests/conftest.py).
"""

import os
import types

import pytest

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is optional")

_SOURCE = os.path.join(os.path.dirname(sklearn.__file__), "neural_network", "tests", "test_mlp.py")
_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"

#: upstream test function -> why it cannot pass on fastnet (not collected; test_deselected_are_upstream keeps
#: this list honest). Empty today: every test of the file runs (test_mlp_regressor_dtypes_casting passes since
#: the float32 forward product sums each output in one fixed order, test_mlp_vs_poisson_glm_equivalent since
#: loss="poisson", test_preserve_feature_names with pandas in the test extra).
DESELECTED: dict = {}


def _load():
    with open(_SOURCE, encoding="utf-8") as f:
        src = f.read()
    assert src.count(_IMPORT) == 1, "scikit-learn's test_mlp.py no longer imports the estimators in one line"
    src = src.replace(_IMPORT, "from fastnet.sklearn import MLPClassifier, MLPRegressor")
    mod = types.ModuleType("sklearn_test_mlp_on_fastnet")
    mod.__file__ = _SOURCE
    exec(compile(src, _SOURCE, "exec"), mod.__dict__)
    return mod


_upstream = _load()
for _name, _obj in vars(_upstream).items():
    if _name.startswith("test_") and callable(_obj) and _name not in DESELECTED:
        globals()[_name] = _obj


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (its conftest is not loaded here): its default seed."""
    return 42


def test_deselected_are_upstream():
    """Every deselected name is a test of scikit-learn's file (a stale entry would hide nothing and mislead)."""
    missing = [name for name in DESELECTED if not callable(getattr(_upstream, name, None))]
    assert missing == []


# ------------------------------------------------------------------ fastnet's own checks of the same contract
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402

from fastnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

_SAME = dict(random_state=0, shuffle=False, max_iter=3, alpha=0.3, hidden_layer_sizes=(7, 5), activation="tanh")


def _data(n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 4))
    Y = np.tanh(X @ rng.normal(size=(4, n_out))) + 0.1 * rng.normal(size=(40, n_out))
    return X, Y


@pytest.mark.parametrize("solver,kw", [("sgd", dict(momentum=0.0)), ("sgd", dict(momentum=0.9)),
                                       # with momentum a rate change differs (PyTorch's form scales the velocity)
                                       ("sgd", dict(learning_rate="invscaling", learning_rate_init=0.05,
                                                    momentum=0.0)),
                                       ("adam", dict(learning_rate_init=0.01))])
def test_training_matches_scikit_learn(solver, kw):
    """Same data, initialization (Glorot uniform from random_state), loss scale (squared error averaged over
    outputs too), L2 (alpha/(2n)), full-batch steps: fastnet's weights and loss curve follow scikit-learn's."""
    X, Y = _data()
    params = dict(_SAME, solver=solver, batch_size=len(X), **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = MLPRegressor(**params).fit(X, Y), SkMLPRegressor(**params).fit(X, Y)
    tol = dict(rtol=1e-5, atol=1e-7) if solver == "sgd" else dict(rtol=1e-4, atol=1e-5)  # Adam: eps placement
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, **tol)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-5)
    assert ours.n_iter_ == theirs.n_iter_ == 3 and ours.t_ == theirs.t_ == 3 * len(X)
    if solver == "sgd":  # (scikit-learn's Adam keeps its bias-corrected step there)
        assert ours._optimizer.learning_rate == pytest.approx(theirs._optimizer.learning_rate)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_loss_and_gradient_are_scikit_learns(n_classes):
    """The lbfgs objective (from the core's loss and gradients) equals scikit-learn's at the same parameters,
    for the logistic (binary) and softmax (multiclass) outputs; and lbfgs fits reach the same loss_."""
    X, Y = _data(1, seed=n_classes)
    y = np.digitize(Y[:, 0], np.quantile(Y[:, 0], np.linspace(0, 1, n_classes + 1)[1:-1]))
    params = dict(_SAME, solver="lbfgs", max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = MLPClassifier(**params).fit(X, y), SkMLPClassifier(**params).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ and ours.n_outputs_ == theirs.n_outputs_
    assert ours.n_layers_ == theirs.n_layers_ == 4
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=1e-3)
    theta = np.hstack([w.ravel() for w in theirs.coefs_ + theirs.intercepts_])
    Yb = theirs._label_binarizer.transform(y)
    units = [4, 7, 5, theirs.n_outputs_]
    buffers = ([X] + [np.empty((len(X), u)) for u in units[1:]], [np.empty((len(X), u)) for u in units[1:]],
               [np.empty((a, b)) for a, b in zip(units, units[1:])], [np.empty(b) for b in units[1:]])
    loss_ref, grad_ref = theirs._loss_grad_lbfgs(theta, X, Yb, None, *buffers)
    loss, grad = ours._loss_grad_lbfgs(theta, X, Yb)
    assert loss == pytest.approx(loss_ref, rel=1e-9)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-7, atol=1e-12)


def test_deprecated_fastnet_names():
    """lr, epochs, seed, weight_decay: fastnet's former names of learning_rate_init, max_iter, random_state, alpha."""
    X, Y = _data(1)
    reg = MLPRegressor(solver="sgd", lr=0.05, epochs=2, seed=3, weight_decay=0.5, hidden_layer_sizes=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.fit(X, Y[:, 0])
    deprecated = sorted(str(w.message).split("`")[1] for w in caught if w.category is FutureWarning)
    assert deprecated == ["epochs", "lr", "seed", "weight_decay"]
    assert reg.n_iter_ == 2 and reg._optimizer.learning_rate == 0.05
    ref = MLPRegressor(solver="sgd", learning_rate_init=0.05, max_iter=2, random_state=3, alpha=0.5,
                       hidden_layer_sizes=3)
    with pytest.warns(ConvergenceWarning):
        ref.fit(X, Y[:, 0])
    np.testing.assert_array_equal(reg.predict(X), ref.predict(X))


@pytest.mark.parametrize("Ours,Theirs", [(MLPRegressor, SkMLPRegressor), (MLPClassifier, SkMLPClassifier)])
def test_sample_weight_as_scikit_learn(Ours, Theirs):
    """Any sample_weight with every solver: lbfgs (the core's gradients per group of equal weight), and sgd/adam
    (the core's weighted training) full batch, follow scikit-learn's weighted fit (alpha/Σw included)."""
    X, Y = _data(2)
    y = Y if Ours is MLPRegressor else (Y[:, 0] > 0).astype(int)
    sw = np.random.default_rng(1).integers(0, 4, len(X)).astype(float)
    lbfgs = dict(solver="lbfgs", random_state=0, max_iter=5, alpha=0.3, hidden_layer_sizes=(5,))
    sgd = dict(lbfgs, solver="sgd", max_iter=3, shuffle=False, batch_size=len(X), momentum=0.0)
    adam = dict(sgd, solver="adam", learning_rate_init=0.01)
    # early stopping: the weights split with the data (one permutation) and the validation score weighted
    early = dict(sgd, early_stopping=True, validation_fraction=0.25, max_iter=4, batch_size=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for params, weights in ((lbfgs, sw), (sgd, sw), (sgd, np.full(len(X), 2.0)), (adam, sw), (early, sw)):
            ours = Ours(**params).fit(X, y, sample_weight=weights)
            theirs = Theirs(**params).fit(X, y, sample_weight=weights)
            assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)
            if params is early:
                np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-9)
            tol = dict(rtol=1e-4, atol=1e-5) if params is adam else dict(rtol=1e-6, atol=1e-9)
            for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
                np.testing.assert_allclose(a, b, **tol)
    extra = {"classes": [0, 1]} if Ours is MLPClassifier else {}
    ours, theirs = Ours(**sgd), Theirs(**sgd)
    for _ in range(2):  # partial_fit: one weighted epoch a call
        ours.partial_fit(X, y, sample_weight=sw, **extra)
        theirs.partial_fit(X, y, sample_weight=sw, **extra)
    assert ours.loss_curve_ == pytest.approx(theirs.loss_curve_, rel=1e-6)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    for params in (lbfgs, sgd):
        with pytest.raises(ValueError, match="at least one non-zero"):
            Ours(**params).fit(X, y, sample_weight=np.zeros(len(X)))


def test_sample_weight_checks_of_scikit_learn():
    from sklearn.utils.estimator_checks import (
        check_sample_weight_equivalence_on_dense_data,
        check_sample_weights_not_overwritten,
    )

    for est in (MLPClassifier(solver="lbfgs", max_iter=50, random_state=0),
                MLPRegressor(solver="lbfgs", max_iter=50, random_state=0),
                # scikit-learn's own setting for this check of its MLPRegressor (sgd, full batches of 15 and ~30)
                MLPRegressor(solver="sgd", tol=1e-2, random_state=42), MLPClassifier(random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            check_sample_weight_equivalence_on_dense_data(type(est).__name__, est)
            check_sample_weights_not_overwritten(type(est).__name__, est)


@pytest.mark.parametrize("n_out", [1, 2])
@pytest.mark.parametrize("solver,kw", [("sgd", dict(momentum=0.0, learning_rate_init=0.01)),
                                       ("adam", dict(learning_rate_init=0.01)), ("lbfgs", dict(max_iter=20))])
def test_poisson_matches_scikit_learn(solver, kw, n_out):
    """loss="poisson": scikit-learn's exponential output and half Poisson deviance (fastnet: a linear output on
    its Poisson loss, predicting e^z): the same weights, loss curve, loss_ (with scikit-learn's constant
    Σ t·log t − t) and predictions, for one and two outputs; its lbfgs objective and gradient equal scikit-learn's."""
    rng = np.random.default_rng(n_out)
    X = rng.normal(size=(40, 4))
    Y = rng.poisson(np.exp(0.5 * X[:, :n_out] + 0.3)).astype(np.float64)
    y = Y[:, 0] if n_out == 1 else Y
    params = dict(_SAME, solver=solver, batch_size=len(X), loss="poisson", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = MLPRegressor(**params).fit(X, y), SkMLPRegressor(**params).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    tol = dict(rtol=1e-5, atol=1e-7) if solver == "sgd" else dict(rtol=1e-3, atol=1e-4)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, **tol)
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=1e-4)
    if solver != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-3)
    assert np.all(ours.predict(X) > 0)
    if solver != "lbfgs":
        return  # (scikit-learn's _loss_grad_lbfgs needs the layout its lbfgs fit sets up)
    theta = np.hstack([w.ravel() for w in theirs.coefs_ + theirs.intercepts_])
    units = [4, 7, 5, n_out]
    buffers = ([X] + [np.empty((len(X), u)) for u in units[1:]], [np.empty((len(X), u)) for u in units[1:]],
               [np.empty((a, b)) for a, b in zip(units, units[1:])], [np.empty(b) for b in units[1:]])
    loss_ref, grad_ref = theirs._loss_grad_lbfgs(theta, X, Y, None, *buffers)
    loss, grad = ours._loss_grad_lbfgs(theta, X, Y)
    np.testing.assert_allclose(loss, loss_ref, rtol=1e-10)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-8, atol=1e-12)


def test_poisson_rejects_negative_targets():
    X, Y = _data(1)
    with pytest.raises(ValueError, match="poisson"):
        MLPRegressor(loss="poisson", solver="lbfgs").fit(X, Y[:, 0] - 5)


def test_lbfgs_verbose_and_max_iter(capsys):
    X, Y = _data(2)
    reg = MLPRegressor(solver="lbfgs", verbose=True, max_iter=3, hidden_layer_sizes=4, random_state=0, tol=0.0)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        reg.fit(X, Y)
    assert reg.n_iter_ == 3 and reg.predict(X).shape == (40, 2) and reg.n_outputs_ == 2
    assert capsys.readouterr().out.count("Iteration") == 3


def test_one_class_is_predicted():
    """As scikit-learn's: a single class trains (one logistic output towards 0) and is always predicted."""
    X, _ = _data(1)
    clf = MLPClassifier(solver="lbfgs", max_iter=20, hidden_layer_sizes=3, random_state=0).fit(X, ["only"] * len(X))
    assert list(clf.classes_) == ["only"] and set(clf.predict(X)) == {"only"}


def test_without_scikit_learn(tmp_path):
    """scikit-learn is optional: with its import blocked the estimators fit, predict and keep partial_fit to the
    stochastic solvers, on numpy stand-ins."""
    import subprocess
    import sys

    code = """
import sys
sys.modules["sklearn"] = None
import warnings
import numpy as np
from fastnet.sklearn import ConvergenceWarning, MLPClassifier, MLPRegressor
assert ConvergenceWarning.__module__ == "fastnet.sklearn"
warnings.simplefilter("ignore", ConvergenceWarning)
rng = np.random.default_rng(0)
X = rng.normal(size=(60, 3))
y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)]
assert MLPClassifier(solver="lbfgs", random_state=0).fit(X, y).score(X, y) > 0.9
assert MLPRegressor(solver="lbfgs", random_state=0).fit(X, X[:, 0]).score(X, X[:, 0]) > 0.9
clf = MLPClassifier(solver="sgd", early_stopping=True, max_iter=5, random_state=0).fit(X, y)
assert len(clf.validation_scores_) == clf.n_iter_ == 5
assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
MLPClassifier().partial_fit(X, y, classes=["a", "b", "c"])
print("ok")
"""
    # (in tmp_path: from the repository root, "-c" would import the source tree, not the installed package)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]
