"""Models and output files for the commands: loading and saving .fnet or FANN .net models (chosen by extension),
the checks that refuse an output path before any work, and the one-line descriptions the commands print."""

from __future__ import annotations

import importlib
import os
from typing import Any, List, Optional, Sequence

from .. import datasets, set_num_threads
from .._format import check_replaceable
from ..cascade import CascadeNetwork
from ..network import load as load_fnet
from ._data import Dataset
from ._errors import EXIT_USAGE, CLIError, _error_text, _require_exists

# a model the command line handles: a Network, or a CascadeNetwork (shortcut network)
Model = Any

# "fastnet": fastnet.fann is a sibling of this subpackage, not inside it
_TOP_PACKAGE = __name__.split(".")[0]


def _fann_module() -> Any:
    """fastnet.fann (FANN .net files), imported lazily; CLIError if this installation lacks it."""
    try:
        fann = importlib.import_module(f"{_TOP_PACKAGE}.fann")
    except ImportError as exc:
        raise CLIError(f"FANN .net files are not supported by this installation: the module fastnet.fann "
                       f"is not available ({exc})") from None
    for name in ("load_fann", "save_fann"):
        if not hasattr(fann, name):
            raise CLIError(f"FANN .net files are not supported by this installation: fastnet.fann lacks {name}()")
    return fann


def _is_fann_model(path: str) -> bool:
    return os.path.splitext(path)[1].lower() == ".net"


def load_model(path: str) -> Model:
    """Load a .fnet model, or a FANN .net file through fastnet.fann; CLIError naming the file on failure."""
    _require_exists(path, "model file")
    if os.path.isdir(path):
        raise CLIError(f"{path}: is a folder, not a model file")
    try:
        if _is_fann_model(path):
            net: Model = _fann_module().load_fann(path)
            return net
        return load_fnet(path)
    except CLIError:
        raise
    except (OSError, ValueError, EOFError, UnicodeDecodeError) as exc:  # ModelFormatError is a ValueError
        raise CLIError(_error_text(path, exc)) from None


def _input_files(path: str) -> List[str]:
    """The files that reading DATA or MODEL `path` reads: the path itself, or an MNIST folder's IDX files."""
    if os.path.isdir(path):
        return [os.path.join(path, name + ext) for name in datasets._MNIST_FILES for ext in ("", ".gz")]
    return [path]


def _same_file(a: str, b: str) -> bool:
    """Whether writing `a` would write `b`: the same path after resolving symlinks, or the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def _check_output(path: str, what: str, inputs: Sequence[Optional[str]] = ()) -> None:
    """Fail before any work, not after, if `what` could not be written to `path` -- or if writing it would
    overwrite one of the command's inputs (``train X.npz --save X.npz`` must not destroy the data)."""
    for source in inputs:
        if source is None:
            continue
        for f in _input_files(source):
            if _same_file(path, f):
                where = source if f == source else f"{f} (in {source})"
                raise CLIError(f"{path}: refusing to write the {what} there: it is the input file {where}",
                               EXIT_USAGE)
    directory = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"{path}: cannot write the {what} there: folder {directory} does not exist")
    try:
        check_replaceable(path)  # a folder, device, FIFO, read-only or hard-linked file
    except OSError as exc:
        raise CLIError(f"{path}: cannot write the {what} there: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK):
        raise CLIError(f"{path}: cannot write the {what} there: folder {directory} is not writable")


def _check_save_path(path: str, inputs: Sequence[Optional[str]] = ()) -> None:
    """Fail before training, not after, if the model could not be saved there (or would overwrite an input)."""
    _check_output(path, "model", inputs)
    if _is_fann_model(path):
        _fann_module()


def save_model(net: Model, path: str) -> None:
    """Save as .fnet, or as a FANN .net file when the name ends in .net; CLIError on failure."""
    try:
        if _is_fann_model(path):
            _fann_module().save_fann(net, path)
        else:
            net.save(path)
    except CLIError:
        raise
    except (OSError, ValueError, TypeError, NotImplementedError) as exc:
        msg = _error_text(path, exc)[len(path):].lstrip(": ")
        raise CLIError(f"{path}: cannot save the model: {msg}") from None


def _is_cascade(net: Any) -> bool:
    return isinstance(net, CascadeNetwork)


def _architecture(net: Any) -> str:
    if _is_cascade(net):
        return f"{net.num_inputs}-[{net.num_hidden} cascade]-{net.num_outputs}"
    return "-".join(map(str, net.sizes))


def _describe_net(net: Model) -> str:
    if _is_cascade(net):  # a shortcut network (Cascade2, or a FANN shortcut .net file)
        hidden = "/".join(dict.fromkeys(net.activations[:net.num_hidden])) or "no hidden neurons"
        return (f"shortcut network {_architecture(net)} ({hidden}; outputs {net.activations[-1]}), "
                f"{net.num_connections:,} connections")
    acts = "/".join(dict.fromkeys(s.activation for s in net.specs)) if len(net.specs) > 1 else net.specs[0].activation
    return (f"{'-'.join(map(str, net.sizes))} {acts}, loss {net.loss}, {net.dtype.name}, "
            f"{net.num_parameters:,} parameters")


def _check_fits_model(net: Model, data: Dataset, model_path: str) -> None:
    if data.n_inputs != net.num_inputs:
        raise CLIError(f"{data.source} has {data.n_inputs} inputs per sample but the model {model_path} "
                       f"expects {net.num_inputs}")
    if data.y is None:
        return
    if data.is_classification:
        top = int(data.y.max())
        if top >= max(net.num_outputs, 2 if net.num_outputs == 1 else 0):
            raise CLIError(f"{data.source} has class label {top} but the model {model_path} has only "
                           f"{net.num_outputs} outputs")
    elif data.y.shape[1] != net.num_outputs:
        raise CLIError(f"{data.source} has {data.y.shape[1]} targets per sample but the model {model_path} "
                       f"has {net.num_outputs} outputs")


def _set_threads(n: Optional[int]) -> None:
    if n is not None:
        set_num_threads(n)
