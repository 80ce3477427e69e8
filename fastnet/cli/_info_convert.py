"""``fastnet info`` (what a saved model is, and what wrote it) and ``fastnet convert`` (.fnet <-> FANN .net)."""

from __future__ import annotations

import argparse
import os
import struct
from typing import Any, Dict, List, Tuple

from .._format import MAGIC, decode, read_model
from ..network import Network
from ..network import load as load_fnet
from ._errors import EXIT_OK, EXIT_USAGE, CLIError, _error_text, _require_exists
from ._models import (
    _architecture,
    _check_save_path,
    _describe_net,
    _fann_module,
    _is_cascade,
    _is_fann_model,
    load_model,
    save_model,
)


def cmd_info(args: argparse.Namespace) -> int:
    """Architecture, parameter count, loss, dtype, file size and the fastnet version that wrote MODEL."""
    path = args.model
    _require_exists(path, "model file")
    if os.path.isdir(path):
        raise CLIError(f"{path}: is a folder, not a model file")
    size = os.path.getsize(path)
    header: Dict[str, Any] = {}
    if _is_fann_model(path):
        net = load_model(path)
        fmt = "FANN .net (text)"
    else:
        try:
            raw = read_model(path)[0]  # at most what its header announces; devices and FIFOs refused
            header, _ = decode(raw, path)
            net = load_fnet(path) if header.get("model") == "cascade" else Network.from_bytes(raw, source=path)
        except (OSError, ValueError) as exc:
            raise CLIError(_error_text(path, exc)) from None
        version = struct.unpack_from("<I", raw, len(MAGIC))[0]
        fmt = f"fastnet .fnet, format version {version}"
    rows: List[Tuple[str, str]] = [
        ("file", f"{path} ({size:,} bytes)"),
        ("format", fmt),
    ]
    if header:
        rows.append(("written by", f"fastnet {header.get('fastnet_version', 'unknown')}"))
    if _is_cascade(net):
        rows += [("architecture", _describe_net(net)), ("dtype", "float32")]
        w = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k + ':':<{w + 1}} {v}")
        print("neurons (activation, steepness, inputs):")
        for i, (a, s, k) in enumerate(zip(net.activations, net.steepness, net.fan_ins)):
            print(f"  {i}: {'hidden' if i < net.num_hidden else 'output':<6} {a:<24} {float(s):<8.4g} {k}")
        return EXIT_OK
    rows += [
        ("architecture", "-".join(map(str, net.sizes))),
        ("parameters", f"{net.num_parameters:,}"),
        ("loss", net.loss),
        ("dtype", net.dtype.name),
        ("seed", str(net.seed)),
    ]
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k + ':':<{w + 1}} {v}")
    print("layers:")
    for i, layer in enumerate(net.layers):
        kind = f"sparse ({layer.density:.1%} dense)" if layer.is_sparse else "dense"
        n_params = layer.nnz + layer.out_features
        print(f"  {i}: {kind:<8} {layer.in_features:>6} -> {layer.out_features:<6} {layer.activation:<10} "
              f"{n_params:,} parameters")
    return EXIT_OK


# ================================================================================================ convert
def cmd_convert(args: argparse.Namespace) -> int:
    """Convert between .fnet and FANN .net, chosen by the file extensions."""
    for p in (args.input, args.output):
        if os.path.splitext(p)[1].lower() not in (".fnet", ".net"):
            raise CLIError(f"{p}: unknown model format: the name must end in .fnet (fastnet) or .net (FANN)",
                           EXIT_USAGE)
    if _is_fann_model(args.input) or _is_fann_model(args.output):
        _fann_module()  # a clear message before anything is read
    net = load_model(args.input)
    _check_save_path(args.output, inputs=[args.input])
    save_model(net, args.output)
    print(f"converted {args.input} -> {args.output} ({_architecture(net)})")
    return EXIT_OK
