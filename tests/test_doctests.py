"""The examples in fastnet's docstrings are run, so they cannot go stale: each module's doctests must pass, and
the modules known to hold examples must still hold them (a test that finds nothing to run would pass silently)."""

import doctest
import importlib
import pkgutil

import pytest

import fastnet

MODULES = ["fastnet"] + sorted(m.name for m in pkgutil.walk_packages(fastnet.__path__, "fastnet."))
# modules with >>> examples today: a doctest deleted or turned into prose shows up as a failure here
WITH_EXAMPLES = {"fastnet", "fastnet.cascade", "fastnet.optimizers"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional dependency (mpi4py for fastnet.distributed, ...)
        assert name not in WITH_EXAMPLES, exc
        pytest.skip(f"{name} needs an optional dependency: {exc}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} failed"
    assert (result.attempted > 0) == (name in WITH_EXAMPLES), f"{name}: {result.attempted} examples"
