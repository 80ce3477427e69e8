"""What the installed package carries: one version everywhere, and its type information."""

import importlib.metadata
from pathlib import Path

import fastnet as fn
from fastnet import _core


def test_version_is_single_sourced():
    # fastnet/__init__.py is the source: the wheel's metadata (scikit-build-core's regex provider) and the
    # compiled core (CMake's SKBUILD_PROJECT_VERSION, written into .fnet headers) take it from there
    assert importlib.metadata.version("fastnet") == fn.__version__ == _core.__version__


def test_type_information_ships_with_the_package():
    here = Path(fn.__file__).parent
    assert (here / "py.typed").is_file()
    stub = (here / "_core.pyi").read_text()
    for name in ("class Network32", "class Network64", "def set_num_threads", "def available_isas",
                 "kernels: _KernelsModule"):
        assert name in stub
    # every public name of the compiled module is in the stub
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert all(n in stub for n in public), sorted(n for n in public if n not in stub)
