"""FANN interoperability: read and write network files of the FANN library (2.x).

``load_fann`` reads what FANN's ``fann_save`` (``FANN_FLO_2.1``, also the older ``FANN_FLO_2.0``) and
``fann_save_to_fixed`` (``FANN_FIX_2.0``) write, and builds the equivalent :class:`fastnet.Network`;
``save_fann`` writes a ``FANN_FLO_2.1`` file that FANN 2.2's ``fann_create_from_file`` loads (or with ``fixed=True``
the ``FANN_FIX_2.0`` file ``fann_save_to_fixed`` writes).

The format (FANN's ``src/fann_io.c``) is a version line, then ``key=value`` lines. The network itself is in
four of them:

* ``layer_sizes=3 4 2`` -- neurons per layer, *counting one bias neuron per layer*. In a layered network
  (``network_type=0``) the last neuron of every layer is a bias neuron (constant 1; the output layer's is
  unused), so ``3 4 2`` is a 2-3-1 network. In a shortcut network (``network_type=1``) only the input layer has
  one, and every layer takes input from all earlier layers.
* ``neurons (num_inputs, activation_function, activation_steepness)=(0, 0, 0) ... (3, 5, 0.5) ...`` -- one
  tuple per neuron, input layer first; bias and input neurons have 0 inputs.
* ``connections (connected_to_neuron, weight)=(0, -0.004) (1, 0.19) ...`` -- one tuple per connection; the
  connections of each neuron form a contiguous run, in neuron order, and name their source by its global
  neuron index.
* ``connection_rate`` -- below 1 the network is sparse and FANN follows the stored source indices; at 1 FANN
  *ignores* them and connects connection ``i`` of a neuron positionally to neuron ``i`` of the previous layer
  (of the whole network, for shortcut networks). The loader checks the two agree.

A FANN neuron computes ``y = f(clamp(s * sum_i w_i x_i))`` with a per-neuron function ``f`` and steepness ``s``
(the clamp: fann_run limits ``s*sum`` to ``+-150/s``); fastnet's layers hold the same per neuron
(``Layer.activations``, ``Layer.steepness``, ``Layer.fann_clip``), with FANN's weights as they are. FANN_SIGMOID
``1/(1+exp(-2 s z))`` and FANN_SIGMOID_STEPWISE are fastnet's sigmoid and sigmoid_stepwise at steepness ``2s``;
every other function is the fastnet activation of its name at steepness ``s``. Connections from bias neurons
become fastnet biases.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import optimizers as O
from ._format import ModelFormatError, open_regular, write_atomic
from .cascade import CASCADE_ACTIVATIONS, CascadeNetwork
from .io import register_fann
from .layers import Dense, Sparse
from .network import Network

__all__ = ["load_fann", "save_fann", "FANN_ACTIVATIONS"]

PathLike = Union[str, "os.PathLike[str]"]

#: FANN's ``enum fann_activationfunc_enum``, indexed by the code stored in network files.
FANN_ACTIVATIONS: Tuple[str, ...] = (
    "FANN_LINEAR", "FANN_THRESHOLD", "FANN_THRESHOLD_SYMMETRIC", "FANN_SIGMOID", "FANN_SIGMOID_STEPWISE",
    "FANN_SIGMOID_SYMMETRIC", "FANN_SIGMOID_SYMMETRIC_STEPWISE", "FANN_GAUSSIAN", "FANN_GAUSSIAN_SYMMETRIC",
    "FANN_GAUSSIAN_STEPWISE", "FANN_ELLIOT", "FANN_ELLIOT_SYMMETRIC", "FANN_LINEAR_PIECE",
    "FANN_LINEAR_PIECE_SYMMETRIC", "FANN_SIN_SYMMETRIC", "FANN_COS_SYMMETRIC", "FANN_SIN", "FANN_COS",
)

#: cascade (shortcut) network activation -> FANN code: FANN's function of the same name (FANN_SIGMOID_SYMMETRIC
#: for "sigmoid_symmetric"); unlike a Network's layers, cascade neurons keep FANN's functions and steepness as they are
_CASCADE_FANN_CODE = {name: FANN_ACTIVATIONS.index("FANN_" + name.upper()) for name in CASCADE_ACTIVATIONS}
_CASCADE_OF_FANN_CODE = {code: name for name, code in _CASCADE_FANN_CODE.items()}

# FANN code -> (fastnet activation, factor f: fastnet's z = f * steepness * FANN's weighted sum)
_EXACT = {0: ("linear", 1.0), 3: ("sigmoid", 2.0), 5: ("tanh", 1.0),
          # FANN's other functions are fastnet activations of the same name at steepness 1 (fastnet/layers.py)
          1: ("threshold", 1.0), 2: ("threshold_symmetric", 1.0), 7: ("gaussian", 1.0),
          8: ("gaussian_symmetric", 1.0), 10: ("elliot", 1.0), 11: ("elliot_symmetric", 1.0),
          12: ("linear_piece", 1.0), 13: ("linear_piece_symmetric", 1.0), 14: ("sin_symmetric", 1.0),
          15: ("cos_symmetric", 1.0), 16: ("sin", 1.0), 17: ("cos", 1.0)}
# FANN's piecewise-linear functions: fastnet has them exactly (fastnet/layers.py); with approximate_stepwise the two
# sigmoid ones load as the function they approximate instead (code of that function last)
_EXACT.update({4: ("sigmoid_stepwise", 2.0), 6: ("sigmoid_symmetric_stepwise", 1.0), 9: ("gaussian_stepwise", 1.0)})
_STEPWISE = {4: ("sigmoid", 2.0, 3), 6: ("tanh", 1.0, 5)}
# largest |stepwise - exact| over all inputs (computed from the breakpoints in FANN's fann_activation.h)
_STEPWISE_MAX_ERROR = {4: 0.0332, 6: 0.0664}

# fastnet activation -> (FANN code, steepness) for save_fann: FANN computes the same function of the same z
_SAVE = {"linear": (0, 1.0), "sigmoid": (3, 0.5), "tanh": (5, 1.0), "fann_sigmoid": (3, 0.5),
         "fann_sigmoid_symmetric": (5, 1.0), "sigmoid_stepwise": (4, 0.5), "fann_sigmoid_stepwise": (4, 0.5),
         "fann_sigmoid_symmetric_stepwise": (6, 1.0)}
_SAVE.update({name: (code, 1.0) for code, (name, _) in _EXACT.items() if name not in _SAVE})
#: fastnet activation -> FANN's enum name (what save_fann writes; load_fann maps these back)
FANN_NAME_OF = {name: FANN_ACTIVATIONS[code] for name, (code, _) in _SAVE.items()}

# fann_settings key: the input and bias neurons' "(inputs, function, steepness)" entries as load_fann read them
_OTHER_NEURONS = "neurons (input and bias)"
_VERSIONS_FLOAT = ("FANN_FLO_2.1", "FANN_FLO_2.0")
_VERSIONS_FIXED = ("FANN_FIX_2.0", "FANN_FIX_2.1")
_NEURONS_KEY = "neurons (num_inputs, activation_function, activation_steepness)"
_CONNECTIONS_KEY = "connections (connected_to_neuron, weight)"
_SCALE_KEYS = tuple(f"scale_{what}_{where}" for where in ("in", "out")
                    for what in ("mean", "deviation", "new_min", "factor"))

_MAX_FILE_BYTES = 1 << 31          # 2 GiB of text is ~50 million connections
_MAX_DENSE_WEIGHTS = 1 << 28       # 1 GiB of float32 weights in the dense layers built from a (sparse) file

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf(?:inity)?)"
_NUM_RE = re.compile(rf"(?:{_NUM})\Z", re.IGNORECASE)
_UINT_RE = re.compile(r"\+?\d+\Z")
_INT_RE = re.compile(r"[+-]?\d+\Z")
_NEURON_RE = re.compile(rf"\s*\(\s*(\d+)\s*,\s*(\d+)\s*,\s*({_NUM})\s*\)", re.IGNORECASE)
_CONNECTION_RE = re.compile(rf"\s*\(\s*(\d+)\s*,\s*({_NUM})\s*\)", re.IGNORECASE)

# FANN's defaults for the training parameters save_fann writes (fann_create_standard's values in FANN 2.2), in
# the order fann_create_from_file reads them; connection_rate and network_type are filled in by save_fann
_TRAINING_DEFAULTS: Tuple[Tuple[str, str], ...] = (
    ("learning_rate", "0.700000"), ("connection_rate", ""), ("network_type", "0"),
    ("learning_momentum", "0.000000"), ("training_algorithm", "2"), ("train_error_function", "1"),
    ("train_stop_function", "0"), ("cascade_output_change_fraction", "0.010000"),
    ("quickprop_decay", "-0.000100"), ("quickprop_mu", "1.750000"), ("rprop_increase_factor", "1.200000"),
    ("rprop_decrease_factor", "0.500000"), ("rprop_delta_min", "0.000000"), ("rprop_delta_max", "50.000000"),
    ("rprop_delta_zero", "0.100000"), ("cascade_output_stagnation_epochs", "12"),
    ("cascade_candidate_change_fraction", "0.010000"), ("cascade_candidate_stagnation_epochs", "12"),
    ("cascade_max_out_epochs", "150"), ("cascade_min_out_epochs", "50"), ("cascade_max_cand_epochs", "150"),
    ("cascade_min_cand_epochs", "50"), ("cascade_num_candidate_groups", "2"),
    ("bit_fail_limit", "3.49999994039535522461e-01"), ("cascade_candidate_limit", "1.00000000000000000000e+03"),
    ("cascade_weight_multiplier", "4.00000005960464477539e-01"), ("cascade_activation_functions_count", "10"),
    ("cascade_activation_functions", "3 5 7 8 10 11 14 15 16 17 "), ("cascade_activation_steepnesses_count", "4"),
    ("cascade_activation_steepnesses", "2.50000000000000000000e-01 5.00000000000000000000e-01 "
                                       "7.50000000000000000000e-01 1.00000000000000000000e+00 "),
)

#: the training settings load_fann keeps in ``net.fann_settings`` and save_fann writes back (the file's own text)
_SETTING_KEYS = tuple(key for key, _ in _TRAINING_DEFAULTS if key not in ("connection_rate", "network_type"))


# ==================================================================================================== reading
class _File:
    """The parsed key=value lines of a FANN file, with the line number of each for error messages."""

    def __init__(self, source: str, version: str, fields: Dict[str, Tuple[int, str]]) -> None:
        self.source = source
        self.version = version
        self.fixed = version.startswith("FANN_FIX")
        self.fields = fields
        self.decimal_point = 0

    def invalid(self, msg: str, line: Optional[int] = None) -> ValueError:
        where = f"line {line}: " if line is not None else ""
        return ModelFormatError(f"{self.source}: not a valid FANN network file: {where}{msg}")

    def raw(self, key: str) -> Tuple[int, str]:
        if key not in self.fields:
            raise self.invalid(f"the key {key!r} is missing (truncated or not a FANN network file?)")
        return self.fields[key]

    def uint(self, key: str) -> Tuple[int, int]:
        line, value = self.raw(key)
        value = value.strip()
        if not _UINT_RE.match(value):
            raise self.invalid(f"{key} must be a non-negative integer, got {_show(value)}", line)
        if len(value) > 18:
            raise self.invalid(f"{key}={_show(value, 20)} is absurdly large", line)
        return line, int(value)

    def number(self, key: str) -> Tuple[int, float]:
        line, value = self.raw(key)
        value = value.strip()
        if not _NUM_RE.match(value):
            raise self.invalid(f"{key} must be a number, got {_show(value)}", line)
        x = float(value)
        if not np.isfinite(x):
            raise self.invalid(f"{key} is not finite ({value})", line)
        return line, x

    def numbers(self, key: str, count: int) -> np.ndarray:
        """The `count` numbers of line `key` (the scale_* lines), as float64."""
        line, value = self.raw(key)
        tokens = value.split()
        if len(tokens) != count:
            raise self.invalid(f"{key} must hold {count} numbers, found {len(tokens)}", line)
        for t in tokens:
            if not _NUM_RE.match(t):
                raise self.invalid(f"{key} holds {_show(t)}, which is not a number", line)
        values = np.array([float(t) for t in tokens], dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise self.invalid(f"{key} holds a value that is not finite", line)
        return values


def _show(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _read(path: PathLike) -> _File:
    source = os.fspath(path)
    f, size = open_regular(source, "FANN network file")  # (devices and FIFOs, which may never end, are refused)
    with f:  # FileNotFoundError / IsADirectoryError / PermissionError propagate
        head = f.read(64)
        if not head.startswith(b"FANN_"):
            first = head.split(b"\n", 1)[0].decode("ascii", "replace")
            raise ValueError(f"{source}: not a valid FANN network file: line 1: expected a FANN version line such "
                             f"as 'FANN_FLO_2.1' or 'FANN_FIX_2.0', got {_show(first)}")
        if size > _MAX_FILE_BYTES:
            raise ValueError(f"{source}: not a valid FANN network file: larger than {_MAX_FILE_BYTES} bytes")
        # at most the size the file had when opened (one that grows meanwhile is read as it was)
        data = head + f.read(max(0, size - len(head)))
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        line_no = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(f"{source}: not a valid FANN network file: line {line_no}: byte {data[exc.start]:#04x} is "
                         "not ASCII text") from None
    del data
    lines = text.split("\n")
    version = lines[0].rstrip("\r").strip()
    if version in ("FANN_FLO_1.1", "FANN_FIX_1.1"):
        raise ValueError(f"{source}: {version} files (FANN 1.x) are not supported; load the network with FANN 2.x "
                         "and save it again")
    if version not in _VERSIONS_FLOAT + _VERSIONS_FIXED:
        raise ValueError(f"{source}: not a valid FANN network file: line 1: unknown version {_show(version)} "
                         f"(supported: {', '.join(_VERSIONS_FLOAT + _VERSIONS_FIXED)})")
    fields: Dict[str, Tuple[int, str]] = {}
    for number, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        key, eq, value = line.partition("=")
        if not eq:
            raise ValueError(f"{source}: not a valid FANN network file: line {number}: expected key=value, got "
                             f"{_show(line)}")
        key = key.strip()
        if key in fields:
            raise ValueError(f"{source}: not a valid FANN network file: line {number}: {key!r} appears twice "
                             f"(first on line {fields[key][0]})")
        fields[key] = (number, value)
    return _File(source, version, fields)


def _tuples(f: _File, key: str, regex: re.Pattern[str], expected: int, what: str,
            min_chars: int) -> List[Tuple[Any, ...]]:
    """Parse the `expected` tuples of line `key`, failing fast when the line cannot hold that many."""
    line, value = f.raw(key)
    if expected * min_chars > len(value) + 1:
        raise f.invalid(f"{expected} {what}s are expected, but the line is only {len(value)} characters long "
                        "(truncated, or a count in the header is wrong)", line)
    out: List[Tuple[Any, ...]] = []
    pos, end = 0, len(value)
    match = regex.match
    while len(out) < expected:
        m = match(value, pos)
        if m is None:
            if value[pos:].strip():
                raise f.invalid(f"cannot read {what} {len(out)}: {_show(value[pos:].strip(), 30)}", line)
            raise f.invalid(f"{expected} {what}s are expected, found {len(out)} (truncated?)", line)
        out.append(m.groups())
        pos = m.end()
    rest = value[pos:end].strip()
    if rest:
        if regex.match(value, pos):
            raise f.invalid(f"more than the {expected} {what}s the header announces", line)
        raise f.invalid(f"unexpected text after the last {what}: {_show(rest, 30)}", line)
    return out


def _to_float(tokens: Sequence[str], f: _File, key: str, what: str) -> np.ndarray:
    """Numbers as float64; a fixed-point file must hold integers, scaled by 2**-decimal_point."""
    line = f.raw(key)[0]
    if f.fixed:
        for i, t in enumerate(tokens):
            if not _INT_RE.match(t):
                raise f.invalid(f"{what} {i} is {t!r}: a FANN_FIX file holds integers (scaled by 2**decimal_point)",
                                line)
    values = np.fromiter(map(float, tokens), dtype=np.float64, count=len(tokens))
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise f.invalid(f"{what} {bad[0]} is not a finite number ({tokens[bad[0]]})", line)
    if f.fixed:
        values = values / float(2 ** f.decimal_point)
    return values


def _describe(indices: np.ndarray, verb: str, noun: str = "neuron") -> str:
    """'neuron 12 uses' / 'neurons 3, 4, 5, 6, 7, ... (20 in all) use' for verb 'uses/use'."""
    singular, plural = verb.split("/")
    idx = [int(i) for i in indices]
    if len(idx) == 1:
        return f"{noun} {idx[0]} {singular}"
    shown = ", ".join(map(str, idx[:5]))
    return f"{noun}s {shown}" + (f", ... ({len(idx)} in all)" if len(idx) > 5 else "") + f" {plural}"


# ---- FANN's training settings <-> fastnet's optimizers (training_algorithm: 0 incremental, 1 batch, 2 RPROP,
# 3 Quickprop, 4 SARPROP; fann_create_from_file reads them back)
def _optimizer_values(opt: Any) -> Dict[str, str]:
    """The .net training fields for a fastnet optimizer (Adam and None: FANN's defaults)."""
    values: Dict[str, str] = {}
    if isinstance(opt, O.SGD):  # FANN has no per-network batch size: SGD reads back as incremental
        values.update(training_algorithm="0", learning_rate="%f" % opt.lr, learning_momentum="%f" % opt.momentum)
    elif isinstance(opt, O.RPROP):
        values.update(training_algorithm="2", rprop_increase_factor="%f" % opt.increase_factor,
                      rprop_decrease_factor="%f" % opt.decrease_factor, rprop_delta_min="%f" % opt.delta_min,
                      rprop_delta_max="%f" % opt.delta_max, rprop_delta_zero="%f" % opt.delta_zero)
    elif isinstance(opt, O.Quickprop):
        values.update(training_algorithm="3", learning_rate="%f" % opt.lr, quickprop_decay="%f" % opt.decay,
                      quickprop_mu="%f" % opt.mu)
    elif isinstance(opt, O.SARPROP):
        values.update(training_algorithm="4", rprop_increase_factor="%f" % opt.increase_factor,
                      rprop_decrease_factor="%f" % opt.decrease_factor, rprop_delta_max="%f" % opt.delta_max)
    return values


def _stored_settings(settings: Dict[str, str]) -> Dict[str, str]:
    """The training lines of ``fann_settings`` (the text load_fann read) that save_fann can write back."""
    return {key: value for key, value in settings.items()
            if key in _SETTING_KEYS and "\n" not in value and "\r" not in value and value.split()
            and all(_NUM_RE.match(t) for t in value.split())}


def _training_values(net: Network) -> Dict[str, str]:
    """The training lines save_fann writes for `net` (beyond FANN's defaults): ``net.fann_settings`` (the text
    load_fann read), then the values of ``net.optimizer`` where they differ from those in number."""
    values = _stored_settings(net.fann_settings)
    for key, text in _optimizer_values(net.optimizer).items():
        old = values.get(key)
        if key == "training_algorithm" and text == "0" and old is not None and old.strip() == "1":
            continue  # SGD is FANN's incremental (0) or batch (1) training: keep which the file said
        try:
            same = old is not None and float(old) == float(text)
        except ValueError:
            same = False
        if not same:
            values[key] = text
    return values


def _optimizer_of(f: _File) -> Any:
    """The optimizer a .net file's training fields describe, or None where they are absent or not valid."""
    def num(key: str, default: float) -> float:
        try:
            v = float(f.fields[key][1]) if key in f.fields else default
        except ValueError:
            return default
        return v if math.isfinite(v) else default

    try:
        algo = int(f.fields["training_algorithm"][1]) if "training_algorithm" in f.fields else None
        if algo in (0, 1):
            return O.SGD(lr=num("learning_rate", 0.7), momentum=num("learning_momentum", 0.0))
        if algo == 2:
            return O.RPROP(increase_factor=num("rprop_increase_factor", 1.2),
                           decrease_factor=num("rprop_decrease_factor", 0.5), delta_min=num("rprop_delta_min", 0.0),
                           delta_max=num("rprop_delta_max", 50.0), delta_zero=num("rprop_delta_zero", 0.1))
        if algo == 3:
            return O.Quickprop(lr=num("learning_rate", 0.7), decay=num("quickprop_decay", -0.0001),
                               mu=num("quickprop_mu", 1.75))
        if algo == 4:
            return O.SARPROP(increase_factor=num("rprop_increase_factor", 1.2),
                             decrease_factor=num("rprop_decrease_factor", 0.5),
                             delta_max=num("rprop_delta_max", 50.0))
    except (ValueError, TypeError):  # out-of-range settings: the network still loads, without an optimizer
        return None
    return None


def _settings_of(f: _File) -> Dict[str, str]:
    """The file's training settings (``_SETTING_KEYS``) as its text, those that hold numbers only."""
    out: Dict[str, str] = {}
    for key in _SETTING_KEYS:
        if key in f.fields:
            value = f.fields[key][1]
            tokens = value.split()
            if tokens and all(_NUM_RE.match(t) and math.isfinite(float(t)) for t in tokens):
                out[key] = value
    return out


def _scale_map(mean: np.ndarray, dev: np.ndarray, new_min: np.ndarray,
               factor: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FANN's scaling parameters as fastnet's per-feature (scale, offset), float64, and where that is not usable.

    FANN 2.2 (fann_scale_input / fann_scale_output) computes ``((x - mean) / deviation + 1) * factor + new_min``
    and fann_descale_output its inverse; that is ``x * scale + offset`` with ``scale = factor / deviation`` and
    ``offset = new_min + factor - mean * scale``, fastnet's ``Network.scaling``."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = factor / dev
        offset = new_min + factor - mean * scale
        bad = ~(np.isfinite(scale) & np.isfinite(offset) & (scale != 0) & (np.abs(scale) < 3e38)
                & (np.abs(offset) < 3e38))
    return scale, offset, bad


def _fastnet_scaling(f: _File, params: Dict[str, np.ndarray], where: str) -> Tuple[np.ndarray, np.ndarray]:
    """The file's scaling of the inputs ("in") or outputs ("out") as (scale, offset), see _scale_map."""
    dev, factor = params[f"scale_deviation_{where}"], params[f"scale_factor_{where}"]
    scale, offset, bad = _scale_map(params[f"scale_mean_{where}"], dev, params[f"scale_new_min_{where}"], factor)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise f.invalid(f"scaling of {where}put {i} cannot be applied: deviation {dev[i]:g}, factor {factor[i]:g} "
                        "(a zero deviation or factor divides by zero)", f.fields[f"scale_factor_{where}"][0])
    return scale, offset


def _scale_lines(net: Union[Network, CascadeNetwork]) -> str:
    """The scale_included line and, where the network has scaling, FANN's eight scale_* lines for it.

    A direction whose scaling is what load_fann read is written as the file had it; another is written as
    ``mean 0, deviation 1, factor scale, new_min offset - scale`` (the same map); one without scaling as the
    identity (mean 0, deviation 1, new_min -1, factor 1), which is what FANN writes for an unset one (and
    load_fann reads as no scaling)."""
    if net._scaling["input"] is None and net._scaling["output"] is None:
        return "scale_included=0\n"
    settings = net.fann_settings
    text = "scale_included=1\n"
    for where, which, n in (("in", "input", net.num_inputs), ("out", "output", net.num_outputs)):
        current = net._scaling[which]
        keys = [f"scale_{what}_{where}" for what in ("mean", "deviation", "new_min", "factor")]
        want: Tuple[np.ndarray, ...]
        if current is None:
            rows = [np.zeros(n), np.ones(n), np.full(n, -1.0), np.ones(n)]
            want = (np.ones(n), np.zeros(n))
        else:
            want = tuple(np.asarray(a, dtype=np.float64) for a in current)  # (exact: float32 -> float64)
            rows = [np.zeros(n), np.ones(n), want[1] - want[0], want[0]]
        stored = _stored_scaling(settings, keys, n)
        if stored is not None:
            scale0, offset0, bad = _scale_map(*stored)
            dtype = net.dtype if current is not None else np.dtype(np.float64)
            if not bad.any() and all(np.array_equal(a.astype(dtype), c) for a, c in zip((scale0, offset0), want)):
                text += "".join(f"{key}={settings[key]}\n" for key in keys)  # as the file had it
                continue
        text += "".join(f"{key}=" + "".join(f"{_fmt(v)} " for v in row.tolist()) + "\n"
                        for key, row in zip(keys, rows))
    return text


def _stored_scaling(settings: Dict[str, str], keys: List[str], n: int) -> Optional[List[np.ndarray]]:
    """The scale_* rows kept in fann_settings, or None where they are missing or not n numbers each."""
    rows = []
    for key in keys:
        tokens = settings.get(key, "").split()
        if len(tokens) != n or not all(_NUM_RE.match(t) for t in tokens):
            return None
        rows.append(np.array([float(t) for t in tokens]))
    return rows


def load_fann(path: PathLike, *, approximate_stepwise: bool = False) -> Union[Network, CascadeNetwork]:
    """Load a network saved by FANN 2.x (``fann_save`` or ``fann_save_to_fixed``) as a fastnet Network.

    Supported: layered networks (``fann_create_standard``) and sparse ones (``fann_create_sparse``: a layer the
    file leaves connections out of loads as a ``Sparse`` layer with the file's connections, which save_fann writes
    back as they were; as a Dense layer with zero weights where Sparse cannot hold it), in float
    (``FANN_FLO_2.1``/``2.0``) or fixed-point (``FANN_FIX_2.0``: integers scaled by ``2**decimal_point``) form,
    with any FANN activation function and steepness ``s >= 0`` per neuron (layers may mix functions). They load
    as ``Dense`` layers (``loss="mse"``, ``seed=0``, float32) with FANN's weights, each neuron's function and
    steepness (``layer.activations``, ``layer.steepness``) and FANN's clamp of the sum (``layer.fann_clip``):
    FANN_LINEAR, FANN_SIGMOID and FANN_SIGMOID_SYMMETRIC become linear, sigmoid (steepness ``2s``) and tanh;
    FANN_SIGMOID_STEPWISE, FANN_SIGMOID_SYMMETRIC_STEPWISE and FANN_GAUSSIAN_STEPWISE become sigmoid_stepwise
    (steepness ``2s``), sigmoid_symmetric_stepwise and gaussian_stepwise (FANN's functions bit for bit); every
    other FANN function becomes the fastnet activation of the same name (FANN_GAUSSIAN -> ``"gaussian"``,
    FANN_ELLIOT_SYMMETRIC -> ``"elliot_symmetric"``, FANN_SIN -> ``"sin"``, FANN_THRESHOLD -> ``"threshold"``, ...).

    A shortcut network (``network_type=1``: ``fann_create_shortcut``, cascade training) whose connections skip
    layers loads as a :class:`fastnet.CascadeNetwork` instead, which keeps FANN's neurons, weights and
    steepnesses as they are (``fastnet.cascade.load_fann_shortcut``).

    ``net.predict(x)`` then equals FANN's ``fann_run(x)`` to float32 rounding (the sums' order differs; a
    single-input neuron is bit-identical), FANN's clamp of ``s*sum`` to ``+-150/s`` included.

    A fixed-point file loads as the float network with the file's rounded weights (what ``fann_save_to_fixed``
    was given, to ``2**-decimal_point``); FANN's fixed-point library itself runs such a file with integer
    arithmetic and stepwise sigmoids, so its outputs differ more.

    FANN's scaling parameters (``scale_included=1``: the ``scale_mean_in``, ``scale_deviation_in``,
    ``scale_new_min_in``, ``scale_factor_in`` lines and the ``_out`` ones that ``fann_save`` writes after
    ``fann_set_scaling_params``) become the network's input and output scaling (``net.scaling``): ``net.predict(x)``
    then equals FANN's ``fann_scale_input`` -> ``fann_run`` -> ``fann_descale_output`` (fastnet applies
    ``x * scale + offset`` with ``scale = factor / deviation``, ``offset = new_min + factor - mean * scale``, the
    same map as FANN's ``((x - mean) / deviation + 1) * factor + new_min``; earlier versions checked them but did
    not apply them). ``net.clear_scaling()`` gives plain ``fann_run`` outputs. Shortcut networks loaded as a
    CascadeNetwork carry scaling and training settings the same way (``scaling``, ``fann_settings``).

    FANN's training settings -- ``learning_rate``, ``learning_momentum``, ``training_algorithm`` (incremental 0
    and batch 1 both load as ``fn.SGD``; the number is kept), ``train_error_function``, ``train_stop_function``,
    ``bit_fail_limit``, the quickprop, RPROP and cascade parameters -- are kept as the file's text in
    ``net.fann_settings`` (with the scale_* lines), and :func:`save_fann` writes them back unchanged, so that
    ``load_fann`` -> ``save_fann`` keeps a FANN file's settings; ``net.optimizer`` holds the training algorithm as
    a fastnet optimizer. ``net.save`` (``.fnet``) does not store ``fann_settings``; copy and pickle keep them. Keys
    fastnet does not need may be missing (save_fann then writes FANN's defaults).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.net`` file.
    approximate_stepwise : bool
        FANN_SIGMOID_STEPWISE and FANN_SIGMOID_SYMMETRIC_STEPWISE are piecewise-linear approximations (6
        breakpoints) of FANN_SIGMOID and FANN_SIGMOID_SYMMETRIC, which load exactly by default (as
        sigmoid_stepwise and sigmoid_symmetric_stepwise). With True they load as the exact sigmoid/tanh instead,
        and outputs differ from FANN's by the approximation error (0.033 and 0.066 per neuron, propagated through
        the later layers: measured against FANN 2.2, up to 0.069 on the diabetes sample with its sigmoids made
        stepwise, and 0.087 on the xor sample made symmetric stepwise). Shortcut networks (CascadeNetwork) keep
        the stepwise sigmoids too; FANN_GAUSSIAN_STEPWISE is refused there.

    Returns
    -------
    Network, or CascadeNetwork for a shortcut network whose connections skip layers

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        For a file that is not a valid FANN network file (wrong version line, missing key, truncated, counts
        that do not match, non-numeric or non-finite values, inconsistent connections), naming the line and the
        problem; or for a network fastnet cannot express, naming every reason: skip connections in a sparse
        layered network, negative steepness, bias neurons with inputs, neurons without inputs.
    """
    return _load(path, approximate_stepwise, shortcut_as_cascade=False)


def _load(path: PathLike, approximate_stepwise: bool, shortcut_as_cascade: bool) -> Union[Network, CascadeNetwork]:
    f = _read(path)
    if f.fixed:
        line, dp = f.uint("decimal_point")
        if dp > 31:
            raise f.invalid(f"decimal_point={dp} is out of range (FANN's fixed point uses at most 31)", line)
        f.decimal_point = dp

    # ---------------------------------------------------------------- header
    line_nl, num_layers = f.uint("num_layers")
    line_nt, network_type = f.uint("network_type")
    if network_type not in (0, 1):
        raise f.invalid(f"network_type={network_type} is unknown (0: layered, 1: shortcut)", line_nt)
    shortcut = network_type == 1
    line_cr, connection_rate = f.number("connection_rate")
    if connection_rate <= 0:
        raise f.invalid(f"connection_rate={connection_rate} must be > 0", line_cr)
    line_ls, sizes_text = f.raw("layer_sizes")
    tokens = sizes_text.split()
    if len(tokens) != num_layers:
        raise f.invalid(f"layer_sizes lists {len(tokens)} layers but num_layers={num_layers}", line_ls)
    if num_layers < 2:
        raise f.invalid(f"num_layers={num_layers}: a network needs an input and an output layer", line_nl)
    for t in tokens:
        if not _UINT_RE.match(t):
            raise f.invalid(f"layer_sizes holds {_show(t)}, which is not a non-negative integer", line_ls)
        if len(t) > 18:
            raise f.invalid(f"layer_sizes holds {_show(t, 20)}, which is absurdly large", line_ls)
    sizes = [int(t) for t in tokens]
    for k, size in enumerate(sizes):
        need = 2 if (k == 0 or not shortcut) else 1  # the input layer (and every layer of a layered net) has a bias
        if size < need:
            raise f.invalid(f"layer {k} has size {size}; it needs at least {need} (layer_sizes count the bias neuron)",
                            line_ls)
    total_neurons = sum(sizes)
    num_inputs = sizes[0] - 1
    num_outputs = sizes[-1] - (0 if shortcut else 1)
    scaling: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}  # FANN's scaling as fastnet's (scale, offset)
    if not f.fixed and f.version == "FANN_FLO_2.1" and "scale_included" in f.fields:
        line_si, scale_included = f.uint("scale_included")
        if scale_included not in (0, 1):
            raise f.invalid(f"scale_included={scale_included} must be 0 or 1", line_si)
        if scale_included:
            scale_params = {key: f.numbers(key, num_inputs if key.endswith("_in") else num_outputs)
                            for key in _SCALE_KEYS}
            scaling = {where: _fastnet_scaling(f, scale_params, where) for where in ("in", "out")}

    # ---------------------------------------------------------------- neurons and connections
    neurons = _tuples(f, _NEURONS_KEY, _NEURON_RE, total_neurons, "neuron", 7)
    line_n = f.raw(_NEURONS_KEY)[0]
    counts = [int(t[0]) if len(t[0]) < 19 else 10**18 for t in neurons]  # (huge counts fail just below)
    total_connections = sum(counts)
    line_c, conn_text = f.raw(_CONNECTIONS_KEY)
    if total_connections * 5 > len(conn_text) + 1:
        raise f.invalid(f"the neurons have {total_connections} inputs in all, but the connections line is only "
                        f"{len(conn_text)} characters long (truncated, or a count is wrong)", line_c)
    funcs = np.array([int(t[1]) if len(t[1]) < 10 else -1 for t in neurons], dtype=np.int64)
    steep = _to_float([t[2] for t in neurons], f, _NEURONS_KEY, "the steepness of neuron")
    neuron_text = neurons
    connections = _tuples(f, _CONNECTIONS_KEY, _CONNECTION_RE, total_connections, "connection", 5)
    src = np.array([int(t[0]) if len(t[0]) < 19 else -1 for t in connections], dtype=np.int64)
    weight = _to_float([t[1] for t in connections], f, _CONNECTIONS_KEY, "the weight of connection")
    del connections

    ncon = np.array(counts, dtype=np.int64)
    first_con = np.concatenate([[0], np.cumsum(ncon)])
    offsets = np.concatenate([[0], np.cumsum(np.array(sizes, dtype=np.int64))])  # first neuron of each layer
    layer_of = np.repeat(np.arange(num_layers), sizes)
    is_bias = np.zeros(total_neurons, dtype=bool)
    if shortcut:
        is_bias[offsets[1] - 1] = True
    else:
        is_bias[offsets[1:] - 1] = True  # includes the output layer's unused bias neuron
    computing = (layer_of >= 1) & ~is_bias

    bad = np.flatnonzero(src >= total_neurons)
    if bad.size or np.any(src < 0):
        c = int(bad[0]) if bad.size else int(np.flatnonzero(src < 0)[0])
        raise f.invalid(f"connection {c} comes from neuron {src[c] if src[c] >= 0 else '(huge)'}, but the network "
                        f"has {total_neurons} neurons", line_c)
    bad = np.flatnonzero((funcs < 0) | (funcs >= len(FANN_ACTIVATIONS)))
    if bad.size:
        raise f.invalid(f"neuron {bad[0]} has activation function code {_code_text(funcs, bad[0])}, which FANN "
                        f"does not define (0..{len(FANN_ACTIVATIONS) - 1})", line_n)
    dst = np.repeat(np.arange(total_neurons), ncon)  # the neuron each connection feeds
    dst_layer = layer_of[dst]
    src_layer = layer_of[src]

    if connection_rate >= 1:
        # FANN ignores the stored sources of a fully connected network: connection i of a neuron reads neuron i
        # of the previous layer (of the network, for shortcut networks). Make sure that is what the file says.
        base = offsets[np.maximum(dst_layer - 1, 0)] if not shortcut else np.zeros_like(dst)
        expected = base + (np.arange(total_connections) - first_con[dst])
        bad = np.flatnonzero(expected != src)
        if bad.size:
            c = int(bad[0])
            raise f.invalid(f"connection_rate={connection_rate:g} declares a fully connected network, in which "
                            f"connection {c} (input {c - first_con[dst[c]]} of neuron {dst[c]}) comes from neuron "
                            f"{expected[c]}, but the file names neuron {src[c]}", line_c)

    # ---------------------------------------------------------------- shortcut networks
    skip = (src_layer < dst_layer - 1) & ~is_bias[src]
    if shortcut_as_cascade and not shortcut:
        raise f.invalid(f"network_type={network_type}: a layered network, not a shortcut network (load it with "
                        "fn.load_fann)", line_nt)
    if shortcut and (shortcut_as_cascade or np.any(skip & (weight != 0))):
        cnet = _shortcut(f, sizes, offsets, layer_of, ncon, funcs, steep, weight, connection_rate, line_cr,
                         approximate_stepwise)
        cnet.fann_settings = _settings_of(f)  # (written back by save_shortcut, as save_fann does for a Network)
        for where, which in (("in", "input"), ("out", "output")):
            if scaling:
                scale, offset = scaling[where]
                if not (np.all(scale == 1) and np.all(offset == 0)):
                    cnet._scaling[which] = (scale.astype(np.float32), offset.astype(np.float32))
        if scaling:
            cnet.fann_settings.update({key: f.fields[key][1] for key in _SCALE_KEYS})
        return cnet

    # ---------------------------------------------------------------- what fastnet can express
    problems: List[str] = []
    bad = np.flatnonzero((layer_of == 0) & (ncon > 0))
    if bad.size:
        problems.append(f"{_describe(bad, 'is in the input layer but has/are in the input layer but have')} inputs")
    bad = np.flatnonzero(is_bias & (ncon > 0))
    if bad.size:
        problems.append(f"{_describe(bad, 'is a bias neuron/are bias neurons')} (the last of a layer) with "
                        "inputs; fastnet's layers have exactly one constant bias")
    bad = np.flatnonzero(computing & (ncon == 0))
    if bad.size:
        problems.append(f"{_describe(bad, 'has/have')} no inputs (FANN runs such a neuron as a constant 1)")
    bad = np.flatnonzero(src_layer >= dst_layer)
    if bad.size:
        problems.append(f"{_describe(bad, 'does/do', 'connection')} not come from an earlier layer "
                        f"(the first: neuron {dst[bad[0]]} in layer {dst_layer[bad[0]]} reads neuron {src[bad[0]]} in "
                        f"layer {src_layer[bad[0]]})")
    bad = np.flatnonzero(skip & (weight != 0))
    if bad.size:
        c = int(bad[0])
        kind = "shortcut network (network_type=1)" if shortcut else "network"
        problems.append(f"this {kind} has {bad.size} connection(s) that skip layers (the first: neuron {dst[c]} in "
                        f"layer {dst_layer[c]} reads neuron {src[c]} in layer {src_layer[c]}); fastnet's Dense layers "
                        "connect consecutive layers only")
    bad = np.flatnonzero(computing & ~(steep >= 0))
    if bad.size:
        problems.append(f"{_describe(bad, 'has/have')} a negative steepness (e.g. {steep[bad[0]]:g}), for which "
                        "FANN's clipping turns every s*sum into +-150/|s| (a step function)")

    act_of = np.full(total_neurons, -1, dtype=np.int64)  # the FANN function each computing neuron maps to
    factor = np.zeros(total_neurons)
    for code in np.unique(funcs[computing]):
        members = np.flatnonzero(computing & (funcs == code))
        if code in _STEPWISE and approximate_stepwise:
            act_of[members], factor[members] = _STEPWISE[code][2], _STEPWISE[code][1]
        else:
            act_of[members], factor[members] = code, _EXACT[code][1]
    if problems:
        raise ValueError(f"{f.source}: this FANN network cannot be expressed as a fastnet Network: "
                         + "; ".join(problems))

    # ---------------------------------------------------------------- build
    specs: List[Dense] = []
    shapes: List[Tuple[int, int]] = []
    for k in range(1, num_layers):
        rows = int(np.count_nonzero(computing & (layer_of == k)))
        cols = int(np.count_nonzero(~is_bias & (layer_of == k - 1)))
        shapes.append((rows, cols))
    dense = sum(r * c for r, c in shapes)
    if dense > _MAX_DENSE_WEIGHTS:
        raise ValueError(f"{f.source}: this FANN network would need {dense} dense weights (layers "
                         f"{'-'.join(str(c) for _, c in shapes)}-{shapes[-1][0]}), more than load_fann allows "
                         f"({_MAX_DENSE_WEIGHTS})")
    steepness = factor * steep  # per neuron: fastnet's steepness (FANN's f(s*sum) is g(factor*s*sum))
    arrays = []
    for k in range(1, num_layers):
        rows, cols = shapes[k - 1]
        lo, hi = first_con[offsets[k]], first_con[offsets[k + 1]]  # the connections feeding layer k
        d, s, w = dst[lo:hi], src[lo:hi], weight[lo:hi]
        keep = ~skip[lo:hi]  # the rest are zero-weight skip connections
        from_bias = is_bias[s] & keep
        adjacent = ~is_bias[s] & keep
        W = np.zeros((rows, cols))
        b = np.zeros(rows)
        np.add.at(W, (d[adjacent] - offsets[k], s[adjacent] - offsets[k - 1]), w[adjacent])
        np.add.at(b, d[from_bias] - offsets[k], w[from_bias])
        with np.errstate(over="ignore"):
            W32, b32 = W.astype(np.float32), b.astype(np.float32)
        if not (np.all(np.isfinite(W32)) and np.all(np.isfinite(b32))):
            raise ModelFormatError(f"{f.source}: layer {k}'s weights overflow float32")
        members = np.flatnonzero(computing & (layer_of == k))
        names = [_EXACT[int(c)][0] for c in act_of[members]]
        # each neuron's FANN function and steepness as they are, and FANN's clamp of the sum (fann_run)
        specs.append(Dense(cols, rows, names, steepness=steepness[members], fann_clip=True))
        arrays.append((W32, b32))
    net = Network(specs, loss="mse", seed=0)
    for layer, (W32, b32) in zip(net.layers, arrays):
        layer.weights = W32
        layer.bias = b32
    assert net.num_inputs == num_inputs and net.num_outputs == num_outputs
    if connection_rate < 1:  # FANN's sparse network: keep its topology (FANN trains only the connections it has)
        net = _as_sparse(net, dst, src, offsets, is_bias, skip)
    net.optimizer = _optimizer_of(f)  # FANN's training algorithm and its parameters, for fit(optimizer=...)
    net.fann_settings = _settings_of(f)
    # the input and bias neurons' entries as the file has them (FANN writes a function and steepness for those too)
    if not f.fixed:
        net.fann_settings[_OTHER_NEURONS] = "".join(f"({t[0]}, {t[1]}, {t[2]}) " for i, t in enumerate(neuron_text)
                                                    if not computing[i])
    if scaling:  # (set as Network.from_bytes sets a saved scaling; FANN's identity, for an unset one, is None)
        for where, which in (("in", "input"), ("out", "output")):
            scale, offset = scaling[where]
            if not (np.all(scale == 1) and np.all(offset == 0)):
                net._scaling[which] = (scale.astype(net.dtype), offset.astype(net.dtype))
                net._predict_checked = None
        net.fann_settings.update({key: f.fields[key][1] for key in _SCALE_KEYS})
    return net


def _as_sparse(net: Network, dst: np.ndarray, src: np.ndarray, offsets: np.ndarray, is_bias: np.ndarray,
               skip: np.ndarray) -> Network:
    """`net` (built with Dense layers, the missing connections as zero weights) with a Sparse layer, holding the
    file's connections, for each layer the file leaves connections out of; `net` itself where nothing changes
    or where a Sparse layer could not hold the layer as it is (a neuron without inputs, a Dense setting Sparse
    lacks): the check is that the sparse network predicts what the dense one does."""
    from dataclasses import fields

    sparse_fields = {f.name for f in fields(Sparse)}
    specs: List[Union[Dense, Sparse]] = []
    changed = False
    for k, layer in enumerate(net.layers, start=1):
        spec = layer.spec
        into = (dst >= offsets[k]) & (dst < offsets[k + 1]) & ~is_bias[src] & ~skip
        mask = np.zeros((layer.out_features, layer.in_features), dtype=bool)
        mask[dst[into] - offsets[k], src[into] - offsets[k - 1]] = True
        extra = [f for f in fields(Dense) if f.name not in sparse_fields]
        if (type(spec) is not Dense or mask.all() or not mask.any(axis=1).all()
                or not all(_is_default(getattr(spec, f.name), f.default) for f in extra)):
            specs.append(spec)
            continue
        shared = {f.name: getattr(spec, f.name) for f in fields(Dense)
                  if f.name in sparse_fields and f.name not in ("in_features", "out_features")}
        specs.append(Sparse(spec.in_features, spec.out_features, mask=mask, **shared))
        changed = True
    if not changed:
        return net
    out = Network(specs, loss="mse", seed=0)
    for old, new in zip(net.layers, out.layers):
        new.weights = old.weights  # (a dense matrix: a Sparse layer takes the values at its connections)
        new.bias = old.bias
    probe = np.random.default_rng(0).uniform(-1, 1, (8, net.num_inputs)).astype(net.dtype)
    want = net.predict(probe)
    if not np.allclose(out.predict(probe), want, rtol=1e-5, atol=1e-5, equal_nan=True):
        return net  # (something of the layer a Sparse spec does not carry: stay dense, which is exact too)
    return out


def _is_default(value: Any, default: Any) -> bool:
    """Whether a Dense field holds its default (a field without one, or one that does not compare, does not)."""
    try:
        return value is default or bool(value == default)
    except (TypeError, ValueError):  # (an array compares elementwise)
        return False


def _shortcut(f: _File, sizes: List[int], offsets: np.ndarray, layer_of: np.ndarray, ncon: np.ndarray,
              funcs: np.ndarray, steep: np.ndarray, weight: np.ndarray, connection_rate: float, line_cr: int,
              approximate_stepwise: bool) -> CascadeNetwork:
    """A FANN shortcut network as a CascadeNetwork: FANN's neurons, steepnesses and weights, as they are."""
    problems: List[str] = []
    if connection_rate < 1:
        problems.append(f"connection_rate={connection_rate:g}: a sparse shortcut network (fastnet's shortcut "
                        "networks are fully connected, as fann_create_shortcut makes them)")
    computing = layer_of >= 1
    bad = np.flatnonzero(~computing & (ncon > 0))
    if bad.size:
        problems.append(f"{_describe(bad, 'is in the input layer but has/are in the input layer but have')} inputs")
    expected = offsets[np.maximum(layer_of, 0)]  # a neuron of layer k reads every neuron of layers < k
    bad = np.flatnonzero(computing & (ncon != expected))
    if bad.size:
        i = int(bad[0])
        problems.append(f"{_describe(bad, 'has/have')} a number of inputs other than all earlier neurons (the first: "
                        f"neuron {i} in layer {layer_of[i]} has {ncon[i]}, not {expected[i]})")
    codes = funcs.copy()
    for code in np.unique(funcs[computing]):
        members = np.flatnonzero(computing & (funcs == code))
        name = FANN_ACTIVATIONS[code]
        if code in _STEPWISE and approximate_stepwise:
            codes[members] = _STEPWISE[code][2]
        elif code not in _CASCADE_OF_FANN_CODE:
            problems.append(f"{_describe(members, 'uses/use')} {name}, which fastnet does not support in shortcut "
                            "networks (FANN 2.2 computes it as the constant 0)")
    bad = np.flatnonzero(computing & ~(steep > 0))
    if bad.size:
        problems.append(f"{_describe(bad, 'has/have')} a steepness <= 0 (e.g. {steep[bad[0]]:g}); fastnet's shortcut "
                        "neurons need s > 0")
    if problems:
        raise ValueError(f"{f.source}: this FANN shortcut network cannot be loaded: " + "; ".join(problems))
    with np.errstate(over="ignore"):
        w32 = weight.astype(np.float32)
    if not np.all(np.isfinite(w32)):
        raise ModelFormatError(f"{f.source}: weights overflow float32")
    hidden = [int(s) for s in sizes[1:-1]]
    acts = [_CASCADE_OF_FANN_CODE[int(c)] for c in codes[computing]]
    net = CascadeNetwork.from_arrays(sizes[0] - 1, sizes[-1], hidden, acts, [float(s) for s in steep[computing]],
                                     w32)
    return net


def save_shortcut(net: CascadeNetwork, path: PathLike, *, fixed: bool = False) -> None:
    """Write a CascadeNetwork as a FANN 2.2 shortcut network file (see CascadeNetwork.save_fann)."""
    _write(_shortcut_text(net), path, fixed, net)


def _shortcut_text(net: CascadeNetwork) -> str:
    """The FANN_FLO_2.1 text of a CascadeNetwork: FANN's neurons and weights as they are, the training settings
    and scaling a loaded file had, the options of the last training."""
    I, O, sizes = net.num_inputs, net.num_outputs, net.layer_sizes
    acts, steep, fan = net.activations, net.steepness.tolist(), net.fan_ins
    weights = net.weights.astype(np.float64).tolist()
    neuron_parts = ["(0, 0, %s) " % _fmt(0.0)] * (I + 1)  # inputs and the bias unit
    conn_parts: List[str] = []
    pos = 0
    for a, s, k in zip(acts, steep, fan):
        neuron_parts.append("(%d, %d, %s) " % (k, _CASCADE_FANN_CODE[a], _fmt(s)))
        conn_parts.extend("(%d, %s) " % (j, _fmt(weights[pos + j])) for j in range(k))
        pos += k
    values = dict(_TRAINING_DEFAULTS)
    values.update(_stored_settings(net.fann_settings))
    values["connection_rate"] = "1.000000"
    values["network_type"] = "1"
    o = net.options
    if o is not None:  # the options the network was trained with, in FANN's keys
        values.update({
            "train_error_function": "1" if o.error_function == "tanh" else "0",
            "train_stop_function": "1" if o.stop_function == "bit" else "0",
            "training_algorithm": {"RPROP": "2", "Quickprop": "3", "SARPROP": "4"}[type(o.optimizer).__name__],
            "cascade_output_change_fraction": "%f" % o.output_change_fraction,
            "cascade_output_stagnation_epochs": str(o.output_stagnation_epochs),
            "cascade_candidate_change_fraction": "%f" % o.candidate_change_fraction,
            "cascade_candidate_stagnation_epochs": str(o.candidate_stagnation_epochs),
            "cascade_max_out_epochs": str(o.max_out_epochs), "cascade_min_out_epochs": str(o.min_out_epochs),
            "cascade_max_cand_epochs": str(o.max_cand_epochs), "cascade_min_cand_epochs": str(o.min_cand_epochs),
            "cascade_num_candidate_groups": str(o.num_candidate_groups),
            "bit_fail_limit": _fmt(o.bit_fail_limit), "cascade_candidate_limit": _fmt(o.candidate_limit),
            "cascade_weight_multiplier": _fmt(o.weight_multiplier),
            "cascade_activation_functions_count": str(len(o.candidate_activations)),
            "cascade_activation_functions": "".join(f"{_CASCADE_FANN_CODE[a]} " for a in o.candidate_activations),
            "cascade_activation_steepnesses_count": str(len(o.candidate_steepnesses)),
            "cascade_activation_steepnesses": "".join(f"{_fmt(s)} " for s in o.candidate_steepnesses),
        })
        opt = o.optimizer
        for key, attr in (("rprop_increase_factor", "increase_factor"), ("rprop_decrease_factor", "decrease_factor"),
                          ("rprop_delta_min", "delta_min"), ("rprop_delta_max", "delta_max"),
                          ("rprop_delta_zero", "delta_zero"), ("quickprop_decay", "decay"), ("quickprop_mu", "mu"),
                          ("learning_rate", "lr")):
            if hasattr(opt, attr):
                values[key] = "%f" % getattr(opt, attr)
    text = "".join([
        "FANN_FLO_2.1\n",
        f"num_layers={len(sizes) + 2}\n",
        "".join(f"{key}={values[key]}\n" for key, _ in _TRAINING_DEFAULTS),
        "layer_sizes=" + "".join(f"{n} " for n in [I + 1] + sizes + [O]) + "\n",
        _scale_lines(net),
        _NEURONS_KEY + "=" + "".join(neuron_parts) + "\n",
        _CONNECTIONS_KEY + "=" + "".join(conn_parts) + "\n",
    ])
    return text


def _code_text(funcs: np.ndarray, i: int) -> str:
    return str(funcs[i]) if funcs[i] >= 0 else "(huge)"


# ==================================================================================================== writing
def _fmt(x: float) -> str:
    return "%.20e" % x  # FANN's FANNPRINTF for float builds: round-trips float32 (and float64) exactly


def save_fann(net: Union[Network, CascadeNetwork], path: PathLike, *, fixed: bool = False) -> None:
    """Save `net` as a FANN 2.2 network file (``FANN_FLO_2.1``), written atomically.

    Each neuron is written with its FANN function and steepness (``layer.activations``, ``layer.steepness``):
    linear, sigmoid (and fann_sigmoid, at FANN steepness ``s/2``, since FANN's sigmoid is ``1/(1+exp(-2 s z))``),
    tanh (and fann_sigmoid_symmetric), the stepwise kinds and FANN's other functions under their FANN names, so
    ``fann_run`` reproduces ``net.predict`` to float32 rounding -- FANN clamps each ``s*sum`` to +-150/s, as
    fastnet does where ``layer.fann_clip`` is set (networks read by :func:`load_fann`). The input and bias neurons'
    entries are written as :func:`load_fann` read them, so a FANN file goes back with the same neuron and
    connection lines. Dense layers are
    written fully connected (``connection_rate=1``); if there are Sparse layers, only their connections are
    written and ``connection_rate`` is below 1, which makes FANN follow the stored connections. Training
    parameters are ``net.fann_settings`` (what :func:`load_fann` read; FANN's defaults where it has none),
    overridden where ``net.optimizer`` holds other values (an ``fn.SGD`` writes ``training_algorithm`` 0, or keeps
    a stored 1, batch). Input/output scaling (``net.scaling``) is written as FANN's ``scale_*`` lines, which
    FANN's ``fann_scale_input``/``fann_descale_output`` apply as ``net.predict`` does: as load_fann read them
    where unchanged, else as mean 0, deviation 1, factor ``scale``, new_min ``offset - scale``. A float64
    network's weights are written with 21 significant digits; FANN and :func:`load_fann` read them as float32.

    ``load_fann(path)`` gives back a network with bit-identical predictions (for a float32 network).

    A :class:`fastnet.CascadeNetwork` is written as a shortcut network (``network_type=1``), see
    ``CascadeNetwork.save_fann``; its ``fann_settings`` and ``scaling`` (from a loaded file) are written back too.

    With ``fixed=True`` the file is ``FANN_FIX_2.0``, as FANN's ``fann_save_to_fixed`` writes it for the same
    network (what FANN's fixed-point library, libfixedfann, loads): FANN's decimal point -- the largest sum of
    ``|weight|`` into one neuron needs ``b`` bits, and ``(32 - 2 - b) // 2`` bits (at least 0) are kept below the
    point -- weights, steepnesses, ``bit_fail_limit``, ``cascade_candidate_limit``,
    ``cascade_weight_multiplier`` and the cascade steepnesses as ``floor(x * 2**decimal_point + 0.5)``, the other
    settings as in the float file. For a network FANN saved and load_fann read (layers whose steepness is what
    save_fann writes: FANN_SIGMOID 0.5, the others 1; shortcut networks always) the file is fann_save_to_fixed's,
    but for the function and steepness of bias neurons, which FANN never uses. Note that FANN's fixed-point
    ``fann_run`` computes FANN_SIGMOID and FANN_SIGMOID_SYMMETRIC as its stepwise approximations and ignores the
    steepness of FANN_LINEAR neurons, so its outputs differ from ``net.predict`` (tests/test_fann_zoo.py states
    by how much).

    Parameters
    ----------
    net : Network
    path : str or os.PathLike
        Written through a temporary file in the same folder and ``os.replace``, so a crash leaves either the old
        file or the new one.
    fixed : bool
        Write FANN's fixed-point format (``fann_save_to_fixed``) instead of ``FANN_FLO_2.1``.

    Raises
    ------
    TypeError
        If `net` is not a fastnet Network, or `fixed` not a bool.
    ValueError
        If a neuron uses an activation FANN 2.2 has no equivalent for (relu, leaky_relu, softmax); with ``fixed``,
        if the network has scaling (FANN_FIX files cannot hold it; fann_save_to_fixed drops it) or a value times
        ``2**decimal_point`` does not fit an int.
    """
    if isinstance(net, CascadeNetwork):
        return save_shortcut(net, path, fixed=fixed)
    if not isinstance(net, Network):
        raise TypeError(f"save_fann expects a fastnet Network or CascadeNetwork, got {type(net).__name__}")
    for k, layer in enumerate(net.layers):
        for name in sorted(set(layer.activations)):
            if name not in _SAVE:
                raise ValueError(f"layer {k} uses activation {name!r}, which FANN 2.2 has no equivalent "
                                 f"for; save_fann supports {', '.join(map(repr, _SAVE))}")
    sizes = net.sizes
    offsets = np.concatenate([[0], np.cumsum(np.array(sizes) + 1)])  # every FANN layer has a bias neuron
    # the input and bias neurons: as load_fann read them, where the network still has as many
    others = re.findall(r"\([^()]*\) ", net.fann_settings.get(_OTHER_NEURONS, ""))
    if len(others) != sizes[0] + len(sizes):
        others = []
    neuron_parts = others[:sizes[0] + 1] or ["(0, 0, %s) " % _fmt(0.0)] * (sizes[0] + 1)
    conn_parts: List[str] = []
    total = possible = 0
    for k, layer in enumerate(net.layers):
        codes = [_SAVE[a][0] for a in layer.activations]
        fann_steep = [_fmt(st * _SAVE[a][1]) for a, st in zip(layer.activations, layer.steepness.tolist())]
        n_in, n_out = layer.in_features, layer.out_features
        bias_neuron = int(offsets[k] + n_in)
        weights = np.asarray(layer.weights, dtype=np.float64)
        bias = np.asarray(layer.bias, dtype=np.float64)
        if getattr(layer, "is_sparse", False):
            rows, cols = (np.asarray(a, dtype=np.int64) for a in layer.indices)
            order = np.lexsort((cols, rows))
            rows, cols, weights = rows[order], cols[order], weights[order]
            per_row = np.bincount(rows, minlength=n_out)
        else:
            rows = np.repeat(np.arange(n_out), n_in)
            cols = np.tile(np.arange(n_in), n_out)
            weights = weights.reshape(-1)
            per_row = np.full(n_out, n_in)
        starts = np.concatenate([[0], np.cumsum(per_row)])
        sources = (offsets[k] + cols).tolist()
        texts = [_fmt(w) for w in weights.tolist()]
        for j in range(n_out):
            neuron_parts.append("(%d, %d, %s) " % (per_row[j] + 1, codes[j], fann_steep[j]))
            conn_parts.extend("(%d, %s) " % sw for sw in zip(sources[starts[j]:starts[j + 1]],
                                                             texts[starts[j]:starts[j + 1]]))
            conn_parts.append("(%d, %s) " % (bias_neuron, _fmt(float(bias[j]))))
        # the layer's bias neuron (unused in the output)
        neuron_parts.append(others[sizes[0] + 1 + k] if others else "(0, %d, %s) " % (codes[0], _fmt(0.0)))
        total += int(per_row.sum()) + n_out
        possible += (n_in + 1) * n_out
    trained = _training_values(net)
    rate = total / possible
    if total < possible:
        rate = min(rate, 0.999999)  # must read back below 1, or FANN would ignore the stored connections
    text = "".join([
        "FANN_FLO_2.1\n",
        f"num_layers={len(sizes)}\n",
        "".join(f"{key}={'%f' % rate if key == 'connection_rate' else trained.get(key, value)}\n"
                for key, value in _TRAINING_DEFAULTS),
        "layer_sizes=" + "".join(f"{n + 1} " for n in sizes) + "\n",
        _scale_lines(net),
        _NEURONS_KEY + "=" + "".join(neuron_parts) + "\n",
        _CONNECTIONS_KEY + "=" + "".join(conn_parts) + "\n",
    ])
    _write(text, path, fixed, net)


def _write(text: str, path: PathLike, fixed: bool, net: Union[Network, CascadeNetwork]) -> int:
    """Write the FANN_FLO_2.1 `text`, or with `fixed` its FANN_FIX_2.0 form; returns FANN's calculated decimal
    point (what fann_save_to_fixed returns; 0 for a float file)."""
    if not isinstance(fixed, bool):
        raise TypeError(f"fixed must be True or False, got {type(fixed).__name__}")
    calculated = 0
    if fixed:
        if net._scaling["input"] is not None or net._scaling["output"] is not None:
            raise ValueError("a FANN_FIX_2.0 file cannot hold scaling parameters (FANN's fann_save_to_fixed drops "
                             "them); call clear_scaling() first to save the network without them")
        text, calculated = _to_fixed(text)
    write_atomic(os.fspath(path), text.encode("ascii"))
    return calculated


def _fixed_value(x: np.ndarray, multiplier: int) -> np.ndarray:
    """FANN's ``(int) floor(x * fixed_multiplier + 0.5)`` for float32 values x (x * 2**dp is exact in float)."""
    v = np.floor(x.astype(np.float32).astype(np.float64) * multiplier + 0.5)
    if v.size and np.max(np.abs(v)) >= 2.0**31:
        raise ValueError(f"a value ({float(x.flat[int(np.argmax(np.abs(v)))]):g}) times 2**decimal_point "
                         f"({multiplier}) does not fit FANN's fixed-point int")
    return v.astype(np.int64)


def _to_fixed(text: str) -> Tuple[str, int]:
    """FANN's fann_save_to_fixed (src/fann_io.c, FANN 2.2) applied to a FANN_FLO_2.1 text fastnet wrote.

    The decimal point: the largest sum of |weight| over a neuron's connections (summed in float32 in connection
    order, as FANN does) needs ``bits`` bits above the point; FANN keeps ``(32 - 2 - bits) / 2`` bits below it (at
    least 0) so that the product of two fixed-point numbers fits an int. Weights, steepnesses, bit_fail_limit,
    cascade_candidate_limit, cascade_weight_multiplier and cascade_activation_steepnesses become the integers
    ``floor(x * 2**decimal_point + 0.5)``; the other training settings stay as they are; scale lines are not
    written (FANN_FIX files have none)."""
    lines = text.split("\n")
    assert lines[0] == "FANN_FLO_2.1"
    fields = dict(line.partition("=")[::2] for line in lines[1:] if line)
    neurons = _NEURON_RE.findall(fields[_NEURONS_KEY])
    counts = [int(n[0]) for n in neurons]
    connections = _CONNECTION_RE.findall(fields[_CONNECTIONS_KEY])
    weights = np.array([float(c[1]) for c in connections], dtype=np.float32)
    biggest = np.float32(0.0)
    start = 0
    for k in counts:  # (input neurons have no connections)
        if k:
            total = np.cumsum(np.abs(weights[start:start + k]), dtype=np.float32)[-1]  # sequential, as FANN's loop
            biggest = max(biggest, total)
            start += k
    bits = 0
    while biggest >= 1:
        biggest = np.float32(biggest / 2.0)
        bits += 1
    # FANN computes (sizeof(int) * 8 - 2 - bits) / 2 in size_t and stores it in an int: negative past 30 bits
    calculated = ((2**64 + 30 - bits) // 2) & 0xFFFFFFFF if bits > 30 else (30 - bits) // 2
    calculated -= 2**32 if calculated >= 2**31 else 0
    dp = max(calculated, 0)
    mult = 1 << dp

    def ints(values: Sequence[str]) -> List[int]:
        return [int(v) for v in _fixed_value(np.array([float(v) for v in values], dtype=np.float32), mult)]

    def unsigned(v: int) -> int:  # FANN prints these with %u
        return v & 0xFFFFFFFF

    steep = ints([n[2] for n in neurons])
    out = ["FANN_FIX_2.0", f"decimal_point={dp}"]
    for line in lines[1:]:
        key, _, value = line.partition("=")
        if not line or key in ("scale_included",) + _SCALE_KEYS:
            continue
        if key in ("bit_fail_limit", "cascade_candidate_limit", "cascade_weight_multiplier"):
            value = str(unsigned(ints([value])[0]))
        elif key == "cascade_activation_steepnesses":
            value = "".join(f"{unsigned(v)} " for v in ints(value.split()))
        elif key == _NEURONS_KEY:
            value = "".join(f"({n[0]}, {n[1]}, {unsigned(s)}) " for n, s in zip(neurons, steep))
        elif key == _CONNECTIONS_KEY:
            value = "".join(f"({c[0]}, {w}) " for c, w in zip(connections, _fixed_value(weights, mult).tolist()))
        out.append(f"{key}={value}")
    return "\n".join(out) + "\n", calculated


# fastnet.io's load_model / save_model dispatch .net file names here
register_fann(load_fann, save_fann)
