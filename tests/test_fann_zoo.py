"""A zoo of network files written by FANN 2.2 itself (tests/fann_zoo.c, built against libfann-dev in the test
run): every activation function (hidden and output), per-layer and per-neuron steepness, per-neuron activation
mixes, sparse, shortcut and cascade-trained, scaling parameters, every training algorithm and error/stop
function, fixed point; untrained and trained.

For each file: fastnet loads it (``fn.load_fann``; shortcut files ``fn.CascadeNetwork.load_fann``), ``predict``
equals FANN's outputs (fann_run, or fann_scale_input -> fann_run -> fann_descale_output for a file with
scaling parameters), and ``save_fann`` writes a file that FANN loads and runs with the same outputs and the same
training settings (FANN's getters) and scaling parameters (the file's key=value lines). For the fixed-point
files: fastnet's float predictions of a FANN_FIX_2.0 file against FANN's fixed-point arithmetic, and
``save_fann(fixed=True)`` against FANN's own ``fann_save_to_fixed``.

Tolerances. Float files: |fastnet - FANN| <= 2e-5 + 2e-5 |FANN| (float32 rounding of the sums, which fastnet adds
in another order and with the steepness folded into the weights). Fixed point: FANN computes with integers
scaled by 2**decimal_point and approximates FANN_SIGMOID and FANN_SIGMOID_SYMMETRIC by its stepwise functions;
fastnet computes the float network of the file's rounded weights: |fastnet - FANN| <= 2**-(decimal_point - 6)
for files without sigmoids, <= 0.01 for the stepwise functions (FANN's fixed-point breakpoints are integers), and
<= 0.15 for FANN_SIGMOID / FANN_SIGMOID_SYMMETRIC, which FANN's fixed point computes as the stepwise functions
(off by up to 0.033 / 0.066 per neuron) and fastnet exactly. (FANN's fixed-point fann_run also ignores the
steepness of FANN_LINEAR neurons, unlike its float fann_run; the zoo's fixed-point linear neurons have
steepness 1.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
from conftest import _load_fann_library

import fastnet as fn
from fastnet.fann import FANN_ACTIVATIONS

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "fann_zoo.c"
FLOAT_RTOL = FLOAT_ATOL = 2e-5
FIXED_SIGMOID_ATOL = 0.15
FIXED_STEPWISE_ATOL = 0.01
FIXED_UNITS = 16  # fastnet's fann_save_to_fixed vs FANN's of a network fastnet holds folded: in 2**-decimal_point




# ---------------------------------------------------------------------------------------------- the catalogue
def _catalogue() -> List[Tuple[str, str, str]]:
    """(name, category, flags) of every network fann_zoo.c makes, in its order (checked against the manifest the
    program writes, test_catalogue_matches_the_program)."""
    funcs = [name[5:].lower() for name in FANN_ACTIVATIONS]
    out: List[Tuple[str, str, str]] = []
    for f in funcs:
        flags = "stepwise" if f.endswith("_stepwise") else ""
        out += [(f"act_hidden_{f}", "activation", flags), (f"act_output_{f}", "activation", flags)]
    out.append(("default_standard", "activation", "stepwise"))
    out += [("steep_layers_sigmoid", "steepness", ""), ("steep_layers_deep", "steepness", "")]
    out += [(f"steep_neurons_{f}", "steepness", "") for f in ("sigmoid", "sigmoid_symmetric", "elliot_symmetric",
                                                               "sin")]
    out.append(("steep_neurons_stepwise", "steepness", "stepwise"))
    out += [("mix_hidden_output", "mix", "mix"), ("mix_hidden_steep", "mix", "mix"),
            ("mix_stepwise", "mix", "mix,stepwise")]
    out += [(f"sparse_{r:02d}", "sparse", "") for r in (50, 70, 30, 85)]
    out += [("shortcut_3_4_2", "shortcut", ""), ("shortcut_deep", "shortcut", ""),
            ("shortcut_default", "shortcut", "stepwise"), ("cascade_trained", "shortcut", ""),
            ("cascade_params", "shortcut", "")]
    out += [(f"scale_{k}", "scaling", "") for k in ("both", "input", "output", "trained", "shortcut")]
    for algo in ("incremental", "batch", "rprop", "quickprop", "sarprop"):
        out += [(f"train_{algo}_untrained", "training", ""), (f"train_{algo}_trained", "training", "")]
    out += [("train_errlinear_stopbit", "training", ""), ("train_cascade_params_layered", "training", "")]
    out += [("fixed_linear", "fixed", "fixed,canon"), ("fixed_sigmoid", "fixed", "fixed,canon"),
            ("fixed_symmetric", "fixed", "fixed,canon"), ("fixed_threshold", "fixed", "fixed,canon"),
            ("fixed_folded", "fixed", "fixed"), ("fixed_default", "fixed", "fixed,stepwise"),
            ("fixed_sparse", "fixed", "fixed"), ("fixed_shortcut", "fixed", "fixed,canon"),
            ("fixed_trained", "fixed", "fixed,canon")]
    return out


CATALOGUE = _catalogue()
FLAGS = {name: flags.split(",") for name, _, flags in CATALOGUE}
CATEGORY = {name: category for name, category, _ in CATALOGUE}


# (every file loads: the stepwise functions, per-neuron steepness and mixed layers, and stepwise shortcut networks,
# are fastnet's since h-fanncore)
LOADABLE = [name for name, _, _ in CATALOGUE]
FIXED = [name for name, _, flags in CATALOGUE if "fixed" in flags]


# ---------------------------------------------------------------------------------------------- FANN's programs
class Zoo:
    def __init__(self, folder: Path, exe: Path, exe_fixed: Path) -> None:
        self.folder, self.exe, self.exe_fixed = folder, exe, exe_fixed

    def path(self, name: str, suffix: str = ".net") -> Path:
        return self.folder / f"{name}{suffix}"

    def inputs(self, name: str) -> np.ndarray:
        return np.loadtxt(self.path(name, ".in"), dtype=np.float64, ndmin=2).astype(np.float32)

    def outputs(self, name: str) -> np.ndarray:
        return np.loadtxt(self.path(name, ".out"), dtype=np.float64, ndmin=2)

    def run(self, net: Path, name: str) -> Tuple[np.ndarray, str]:
        """FANN's float library on `net` for the inputs of zoo file `name`: outputs, and its getters' line."""
        out = subprocess.run([str(self.exe), "run", str(net), str(self.path(name, ".in"))], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, f"FANN could not load {net}: {out.stderr}"
        lines = out.stdout.splitlines()
        assert lines[-1].startswith("settings ")
        return np.array([[float(v) for v in line.split()] for line in lines[:-1]]), lines[-1]

    def run_fixed(self, net: Path, name: str) -> Tuple[np.ndarray, np.ndarray, int]:
        """FANN's fixed-point library on `net`: outputs as the integers fann_run gives, as floats, and the
        multiplier."""
        out = subprocess.run([str(self.exe_fixed), "run", str(net), str(self.path(name, ".in"))],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"FANN (fixed) could not load {net}: {out.stderr}"
        lines = out.stdout.splitlines()
        assert lines[0].startswith("multiplier ") and lines[-1].startswith("settings ")
        mult = int(lines[0].split()[1])
        ints = np.array([[int(v) for v in line.split()] for line in lines[1:-1]], dtype=np.int64)
        return ints, ints / mult, mult


@pytest.fixture(scope="session")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Zoo:
    """fann_zoo.c built against libfann-dev (float and fixed), and the zoo it writes; once per session."""
    lib, why = _load_fann_library()  # (skipped, as the other FANN tests, where libfann is not installed)
    if lib is None:
        pytest.skip(why)
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("a C compiler is needed to build tests/fann_zoo.c against libfann-dev")
    folder = tmp_path_factory.mktemp("fann_zoo")
    exe, exe_fixed = folder / "zoo", folder / "zoo_fixed"
    for target, extra in ((exe, ["-lfloatfann"]), (exe_fixed, ["-DZOO_FIXED", "-lfixedfann"])):
        build = subprocess.run([cc, "-O1", "-o", str(target), str(SOURCE)] + extra + ["-lm"],
                               capture_output=True, text=True, timeout=120)
        assert build.returncode == 0, f"building {SOURCE.name} against libfann-dev failed:\n{build.stderr}"
    files = folder / "files"
    files.mkdir()
    made = subprocess.run([str(exe), "make", str(files)], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, f"fann_zoo make failed: {made.stderr}"
    return Zoo(files, exe, exe_fixed)


def _lines(path: Path) -> Dict[str, str]:
    return dict(line.partition("=")[::2] for line in path.read_text().splitlines()[1:])


def _connections(path: Path) -> Dict[int, Dict[int, float]]:
    """Per neuron with inputs: {source neuron: weight}, from the file's neurons and connections lines."""
    lines = _lines(path)
    counts = [int(n) for n in re.findall(r"\((\d+), \d+, ", lines[
        "neurons (num_inputs, activation_function, activation_steepness)"])]
    conns = re.findall(r"\((\d+), ([^)]+)\)", lines["connections (connected_to_neuron, weight)"])
    out: Dict[int, Dict[int, float]] = {}
    pos = 0
    for neuron, k in enumerate(counts):
        if k:
            out[neuron] = {int(s): float(w) for s, w in conns[pos:pos + k]}
            pos += k
    return out


def _is_shortcut(path: Path) -> bool:
    return _lines(path)["network_type"].strip() == "1"


def _load(path: Path) -> object:
    return fn.CascadeNetwork.load_fann(path) if _is_shortcut(path) else fn.load_fann(path)


_SETTING_KEYS = ("learning_rate", "learning_momentum", "training_algorithm", "train_error_function",
                 "train_stop_function", "cascade_output_change_fraction", "quickprop_decay", "quickprop_mu",
                 "rprop_increase_factor", "rprop_decrease_factor", "rprop_delta_min", "rprop_delta_max",
                 "rprop_delta_zero", "cascade_output_stagnation_epochs", "cascade_candidate_change_fraction",
                 "cascade_candidate_stagnation_epochs", "cascade_max_out_epochs", "cascade_min_out_epochs",
                 "cascade_max_cand_epochs", "cascade_min_cand_epochs", "cascade_num_candidate_groups",
                 "bit_fail_limit", "cascade_candidate_limit", "cascade_weight_multiplier",
                 "cascade_activation_functions_count", "cascade_activation_functions",
                 "cascade_activation_steepnesses_count", "cascade_activation_steepnesses", "num_layers",
                 "network_type", "layer_sizes", "scale_included")
_SCALE_KEYS = tuple(f"scale_{w}_{d}" for d in ("in", "out") for w in ("mean", "deviation", "new_min", "factor"))


def _without_rate(settings: str) -> str:
    return re.sub(r" rate=\S+", "", settings)


# -------------------------------------------------------------------------------------------------- the tests
def test_catalogue_matches_the_program(zoo: Zoo) -> None:
    """Every file the program wrote is in the catalogue the tests run over, and the other way round."""
    written = sorted(p.name[:-4] for p in zoo.folder.glob("*.net") if not p.name.endswith(".fix.net"))
    assert written == sorted(name for name, _, _ in CATALOGUE)
    fixed = sorted(p.name[:-8] for p in zoo.folder.glob("*.fix.net"))
    assert fixed == sorted(name for name, _, flags in CATALOGUE if "fixed" in flags)
    # every FANN 2.2 activation function, in a hidden layer and in an output layer
    codes = {(k, int(code)) for name, cat, _ in CATALOGUE if cat == "activation" and name != "default_standard"
             for k, code in [(name.split("_")[1], FANN_ACTIVATIONS.index("FANN_" + name.split("_", 2)[2].upper()))]}
    assert codes == {(k, c) for k in ("hidden", "output") for c in range(len(FANN_ACTIVATIONS))}


@pytest.mark.parametrize("name", LOADABLE)
def test_zoo_file_loads_runs_and_goes_back(zoo: Zoo, name: str, tmp_path: Path) -> None:
    """load -> predict == FANN's outputs; save_fann -> FANN loads it and runs it the same, with the same settings
    (FANN's getters) and the same scale_* and training lines."""
    path = zoo.path(name)
    X, want = zoo.inputs(name), zoo.outputs(name)
    net = _load(path)
    got = net.predict(X)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, want, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)

    again = tmp_path / "again.net"
    fn.save_fann(net, again)  # type: ignore[arg-type]
    back, settings = zoo.run(again, name)
    np.testing.assert_allclose(back, want, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    _, settings_before = zoo.run(path, name)
    assert _without_rate(settings) == _without_rate(settings_before)
    before, after = _lines(path), _lines(again)
    for key in _SETTING_KEYS + (_SCALE_KEYS if before["scale_included"].strip() == "1" else ()):
        assert after[key] == before[key], key
    if float(before["connection_rate"]) < 1:
        # a sparse file loads as Sparse layers with the file's connections, and goes back with the same ones
        # (connection_rate: FANN writes the rate it was asked for, fastnet the fraction of connections there are)
        assert float(after["connection_rate"]) < 1
        assert _connections(again) == _connections(path)
    else:
        assert after["connection_rate"] == before["connection_rate"]
    # and fastnet reads its own file back to the same predictions
    np.testing.assert_array_equal(_load(again).predict(X), got)  # type: ignore[attr-defined]


def _fixed_atol(path: Path, decimal_point: int) -> float:
    codes = {int(c) for c in re.findall(r"\(\d+, (\d+), -?\d+\)", _lines(path)[
        "neurons (num_inputs, activation_function, activation_steepness)"])}
    if codes & {3, 5}:  # FANN's fixed point computes them as the stepwise functions, fastnet exactly
        return FIXED_SIGMOID_ATOL
    if codes & {4, 6}:  # the stepwise functions: FANN's fixed-point breakpoints are rounded to integers
        return FIXED_STEPWISE_ATOL
    return 2.0 ** -(decimal_point - 6)


@pytest.mark.parametrize("name", FIXED)
def test_zoo_fixed_point(zoo: Zoo, name: str, tmp_path: Path) -> None:
    """A FANN_FIX_2.0 file written by fann_save_to_fixed: fastnet's float predictions against FANN's fixed-point
    run; save_fann(fixed=True) of the float network against fann_save_to_fixed (the same outputs from
    libfixedfann, the same file where fastnet writes FANN's neurons back); the fixed file saved back as float."""
    fixed = zoo.path(name, ".fix.net")
    X = zoo.inputs(name)
    _, fann_fixed, mult = zoo.run_fixed(fixed, name)
    dp = int(_lines(fixed)["decimal_point"])
    assert mult == 2 ** dp
    net = _load(fixed)
    got = net.predict(X)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, fann_fixed, rtol=0, atol=_fixed_atol(fixed, dp))

    # fastnet's fann_save_to_fixed of the float network FANN saved beside it
    mine = tmp_path / "mine.fix.net"
    fn.save_fann(_load(zoo.path(name)), mine, fixed=True)  # type: ignore[arg-type]
    assert mine.read_text().splitlines()[:2] == fixed.read_text().splitlines()[:2]  # version, decimal_point
    ints_mine, _, _ = zoo.run_fixed(mine, name)
    ints_fann, _, _ = zoo.run_fixed(fixed, name)
    if "canon" in FLAGS[name]:  # FANN's own neurons and weights: the same file, the same integers
        _assert_same_file(mine, fixed)
        np.testing.assert_array_equal(ints_mine, ints_fann)
    else:  # steepness folded into the weights (or another connection order): rounded differently
        np.testing.assert_allclose(ints_mine, ints_fann, rtol=0, atol=FIXED_UNITS)

    # the fixed-point network saved back as float: FANN's float library runs it as fastnet predicts
    flo = tmp_path / "float.net"
    fn.save_fann(net, flo)  # type: ignore[arg-type]
    back, _ = zoo.run(flo, name)
    np.testing.assert_allclose(back, got, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


_NEURON = re.compile(r"\((\d+), (\d+), (-?\d+)\) ")


def _assert_same_file(mine: Path, fanns: Path) -> None:
    """The same lines, but for the function and steepness FANN gives bias neurons (which it never uses)."""
    a, b = mine.read_text().splitlines(), fanns.read_text().splitlines()
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if x.startswith("neurons ") and y.startswith("neurons "):
            na, nb = _NEURON.findall(x), _NEURON.findall(y)
            assert len(na) == len(nb)
            for u, v in zip(na, nb):
                assert u[0] == v[0]
                if u[0] != "0":  # (a neuron with inputs; bias and input neurons have none)
                    assert u == v
        else:
            assert x == y


@pytest.mark.parametrize("name", [n for n, _, flags in CATALOGUE if "fixed" in flags and "canon" in flags])
def test_libfann_save_to_fixed_is_fanns(zoo: Zoo, name: str, tmp_path: Path) -> None:
    """fastnet.libfann's neural_net.save_to_fixed (fann2's name) on a float file FANN wrote: FANN's own
    fann_save_to_fixed file (but for bias neurons' unused function and steepness), and its decimal point."""
    from fastnet import libfann

    ann = libfann.neural_net()
    ann.create_from_file(str(zoo.path(name)))
    mine = tmp_path / "mine.fix.net"
    fixed = zoo.path(name, ".fix.net")
    assert ann.save_to_fixed(str(mine)) == int(_lines(fixed)["decimal_point"])
    _assert_same_file(mine, fixed)
    np.testing.assert_array_equal(zoo.run_fixed(mine, name)[0], zoo.run_fixed(fixed, name)[0])


def test_shortcut_scaling_and_settings_survive_fnet_copy_and_pickle(zoo: Zoo, tmp_path: Path) -> None:
    """A FANN shortcut file with scaling parameters and FANN's training settings: the CascadeNetwork keeps the
    scaling through .fnet, copy and pickle, and the settings through copy and pickle, so save_fann still writes
    them; clear_scaling gives plain fann_run outputs."""
    import copy
    import pickle

    name = "scale_shortcut"
    net = fn.CascadeNetwork.load_fann(zoo.path(name))
    X, want = zoo.inputs(name), zoo.outputs(name)
    assert net.scaling["input"] is not None and net.scaling["output"] is not None
    net.save(tmp_path / "net.fnet")
    again = fn.load(tmp_path / "net.fnet")
    assert isinstance(again, fn.CascadeNetwork)
    np.testing.assert_array_equal(again.predict(X), net.predict(X))
    for other in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        np.testing.assert_array_equal(other.predict(X), net.predict(X))
        assert other.fann_settings == net.fann_settings
        other.save_fann(tmp_path / "other.net")
        before, after = _lines(zoo.path(name)), _lines(tmp_path / "other.net")
        for key in _SETTING_KEYS + _SCALE_KEYS:
            assert after[key] == before[key], key
    plain = copy.deepcopy(net)
    plain.clear_scaling()
    assert plain.scaling == {"input": None, "output": None}
    assert np.max(np.abs(plain.predict(X) - want)) > 1.0  # (the scaling matters on these inputs)
    # evaluate and fit work in the scaled units (FANN's fann_scale_train, then fann_test_data / cascade training)
    Y = want.astype(np.float32)
    assert net.evaluate(X, Y)["mse"] < 1e-9
    assert plain.evaluate(X, Y)["mse"] > 1.0
    shifted = Y + np.float32(3.0)  # (in the caller's units: fit scales these targets as predict descales)
    before = np.abs(net.predict(X) - shifted).mean()
    net.fit(X, shifted, max_neurons=1, seed=1)
    assert np.abs(net.predict(X) - shifted).mean() < 0.5 * before


def test_save_fann_fixed_bad_input(zoo: Zoo, tmp_path: Path) -> None:
    """A FANN_FIX file has no scale lines: a network with scaling is refused, not saved without it."""
    net = fn.load_fann(zoo.path("scale_both"))
    with pytest.raises(ValueError, match="cannot hold scaling parameters"):
        fn.save_fann(net, tmp_path / "x.net", fixed=True)
    with pytest.raises(ValueError, match="cannot hold scaling parameters"):
        fn.CascadeNetwork.load_fann(zoo.path("scale_shortcut")).save_fann(tmp_path / "y.net", fixed=True)
    with pytest.raises(TypeError, match="fixed must be True or False"):
        fn.save_fann(fn.load_fann(zoo.path("fixed_linear")), tmp_path / "z.net", fixed="yes")  # type: ignore
    assert not any(tmp_path.iterdir())
    big = fn.Network([2, 1], activation="linear", output="linear")
    big.layers[0].weights = np.array([[3e9, 1.0]], dtype=np.float32)
    with pytest.raises(ValueError, match="does not fit FANN's fixed-point int"):  # (where FANN's output is garbage)
        fn.save_fann(big, tmp_path / "big.net", fixed=True)
    assert not (tmp_path / "big.net").exists()


@pytest.mark.parametrize("decimal_point", [0, 6, 13])
def test_libfann_save_train_to_fixed_is_fanns(zoo: Zoo, tmp_path: Path, decimal_point: int) -> None:
    """training_data.save_train_to_fixed writes what FANN's fann_save_train_to_fixed writes for the same data."""
    import ctypes

    from fastnet import libfann

    lib = ctypes.CDLL("libfloatfann.so.2")
    lib.fann_read_train_from_file.restype = ctypes.c_void_p
    lib.fann_read_train_from_file.argtypes = [ctypes.c_char_p]
    lib.fann_save_train_to_fixed.restype = ctypes.c_int
    lib.fann_save_train_to_fixed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint]
    lib.fann_destroy_train.restype = None
    lib.fann_destroy_train.argtypes = [ctypes.c_void_p]
    for name in ("small.data", "big.data"):
        data = lib.fann_read_train_from_file(str(zoo.folder / name).encode())
        assert data
        try:
            assert lib.fann_save_train_to_fixed(data, str(tmp_path / "fann.data").encode(), decimal_point) == 0
        finally:
            lib.fann_destroy_train(data)
        mine = libfann.training_data()
        mine.read_train_from_file(str(zoo.folder / name))
        assert mine.save_train_to_fixed(str(tmp_path / "mine.data"), decimal_point)
        assert (tmp_path / "mine.data").read_text() == (tmp_path / "fann.data").read_text()
    with pytest.raises(libfann.FannError, match="does not fit"):
        mine.save_train_to_fixed(str(tmp_path / "x.data"), 31)


def test_migration_guide_covers_every_fann_function(zoo: Zoo) -> None:
    """docs/guide/fann-migration.md's table names every function of FANN 2.2's public headers (those the zoo
    program includes, as the compiler finds them), and has no "missing" / "not available" rows."""
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc is not None
    deps = subprocess.run([cc, "-M", str(SOURCE)], capture_output=True, text=True, timeout=60, check=True).stdout
    headers = {Path(p) for p in deps.replace("\\\n", " ").split() if re.search(r"/fann[a-z_]*\.h$", p)}
    assert any(h.name == "fann_train.h" for h in headers), headers
    functions = set()
    for h in headers:
        functions |= set(re.findall(r"FANN_API\s+(fann_[A-Za-z0-9_]+[A-Za-z0-9])\s*\(", h.read_text(errors="replace")))
    assert len(functions) > 130, sorted(functions)
    guide = (HERE.parent / "docs" / "guide" / "fann-migration.md").read_text()
    table = guide[guide.index("## Function by function"):]
    named = set(re.findall(r"`(fann_[A-Za-z0-9_]+)`", table))
    assert sorted(functions - named) == []
    for row in table.splitlines():
        if row.startswith("| `fann_"):
            assert not re.search(r"missing|not available|not supported", row, re.IGNORECASE), row


def test_cascade_scaling_in_fnet_is_checked(zoo: Zoo) -> None:
    """A .fnet file whose cascade scaling arrays are malformed is refused with ModelFormatError (a ValueError)."""
    from fastnet._format import decode, encode

    net = fn.CascadeNetwork.load_fann(zoo.path("scale_shortcut"))
    header, arrays = decode(net.to_bytes(), "<bytes>")
    assert set(arrays) >= {"cascade.scale_input", "cascade.offset_input", "cascade.scale_output"}
    for key, value in (("cascade.scale_input", np.zeros(3, np.float32)),
                       ("cascade.offset_output", np.ones(5, np.float32)),
                       ("cascade.scale_output", np.ones(2, np.float64))):
        bad = dict(arrays, **{key: value})
        with pytest.raises(fn.ModelFormatError, match="scaling must be two float32 arrays"):
            fn.CascadeNetwork.from_bytes(encode(header, list(bad.items())))
    del arrays["cascade.offset_input"]
    with pytest.raises(fn.ModelFormatError, match="input scaling"):
        fn.CascadeNetwork.from_bytes(encode(header, list(arrays.items())))
