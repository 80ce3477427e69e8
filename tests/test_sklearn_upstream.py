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
#: this list honest)
DESELECTED = {
    "test_mlp_vs_poisson_glm_equivalent": (
        "loss='poisson' needs an exponential output activation, which fastnet's core does not have; "
        "fastnet.sklearn.MLPRegressor raises NotImplementedError for it"),
}
try:
    import pandas  # noqa: F401
except ImportError:
    DESELECTED["test_preserve_feature_names"] = (
        "needs pandas, which is not in fastnet's test extra (the test would skip, and skips fail CI)")


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
