"""Loading saved models: ``load`` and ``model_info`` for .fnet files, and the file-name dispatch between .fnet
and FANN's .net (``load_model`` / ``save_model``).

This module sits below every model class: it reads the .fnet container (fastnet/_format.py) and hands the bytes
to the class that registered the header's ``"model"`` kind (Network registers ``"network"``, CascadeNetwork
``"cascade"``; FANN's .net reader and writer register with :func:`register_fann`). So network.py can re-export
``load`` without importing cascade.py, and no module imports back up.
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Dict, Union

from ._format import _entries, read_model

__all__ = ["load", "model_info", "load_model", "save_model", "is_fann_path", "register_model_kind",
           "register_fann"]

PathLike = Union[str, "os.PathLike[str]"]
#: the .fnet header's "model" -> the class method that rebuilds it from the file's bytes: from_bytes(data, source)
_KINDS: Dict[str, Callable[..., Any]] = {}
_FANN: Dict[str, Callable[..., Any]] = {}
#: the header's "model" when it has none (files of plain Networks written before the key existed)
DEFAULT_KIND = "network"


def register_model_kind(kind: str, from_bytes: Callable[..., Any]) -> None:
    """Called by each model class's module at import: ``load`` rebuilds .fnet files of this kind with it."""
    _KINDS[kind] = from_bytes


def register_fann(load_fann: Callable[..., Any], save_fann: Callable[..., Any]) -> None:
    """Called by fastnet/fann.py at import: the .net reader and writer of load_model / save_model."""
    _FANN.update(load=load_fann, save=save_fann)


def model_info(path: PathLike) -> Dict[str, Any]:
    """What a .fnet file holds, without building the network: its header (fastnet version that wrote it, dtype,
    loss, seed, layers, and ``metadata``: the user's dict given to ``save``, {} if none) plus ``format_version``,
    ``file_size`` and ``parameters``.

    Reads the header only: its magic, version, checksum and array table are validated (every array must lie
    within the file) as ``load`` does, but the arrays themselves are not read, so their checksums and values
    are checked by ``load`` alone."""
    path = os.fspath(path)
    head, header, size = read_model(path, arrays=False)
    info = {k: v for k, v in header.items() if k not in ("arrays", "rng_state")}
    info.setdefault("metadata", {})  # (files saved without metadata, and those of older fastnet versions)
    info["format_version"] = int.from_bytes(head[8:12], "little")
    info["file_size"] = size
    table = _entries(header, size, path)  # (validated by read_model against the real data length)
    info["parameters"] = int(sum(math.prod(shape) for name, _, shape, _, _, _ in table
                                 if name.endswith((".weights", ".bias"))))
    return info


def load(path: PathLike) -> Any:
    """Load a network saved with ``Network.save`` (or ``CascadeNetwork.save``, which gives a CascadeNetwork).

    Raises FileNotFoundError if there is no such file, and ValueError (ModelFormatError) naming the problem
    for a file that is not a valid fastnet model; devices and FIFOs (which may never end) are refused with a
    ValueError. No more than the header announces is read, and the header is checked against the file's size
    first.
    """
    path = os.fspath(path)
    data, header, _ = read_model(path)
    kind = header.get("model")
    # an unknown kind is handed to Network.from_bytes, as before kinds were registered: it names the problem
    reader = _KINDS.get(kind if isinstance(kind, str) else DEFAULT_KIND, _KINDS[DEFAULT_KIND])
    return reader(data, source=path)


def is_fann_path(path: PathLike) -> bool:
    """Whether a model file name means FANN's .net format (else fastnet's .fnet)."""
    return os.path.splitext(os.fspath(path))[1].lower() == ".net"


def load_model(path: PathLike, **fann_options: Any) -> Any:
    """A model from a .fnet file (:func:`load`) or, when the name ends in .net, a FANN file (``load_fann``)."""
    if is_fann_path(path):
        return _FANN["load"](path, **fann_options)
    return load(path)


def save_model(net: Any, path: PathLike) -> None:
    """Save as .fnet (``net.save``), or as a FANN .net file (``save_fann``) when the name ends in .net."""
    if is_fann_path(path):
        _FANN["save"](net, path)
    else:
        net.save(path)
