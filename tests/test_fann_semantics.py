"""FANN's numbers and files, checked against the real FANN 2.2 library: the MSE and bit fail of fann_test_data
(errors halved for symmetric outputs, bit fail at >= the limit), FANN's scaling parameters through load_fann /
save_fann, and FANN's training settings through load_fann -> save_fann."""

from __future__ import annotations

import copy
import ctypes
import pickle
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
from conftest import Fann

import fastnet as fn
from fastnet import metrics


# ------------------------------------------------------------------------------------------ FANN through ctypes
def _fann_test_data(fann: Fann, net_path: Path, data_path: Path, limit: float = 0.35) -> Tuple[float, int]:
    """FANN 2.2's fann_test_data MSE and fann_get_bit_fail for the network file on the data file."""
    lib = fann.lib
    vp = ctypes.c_void_p
    lib.fann_read_train_from_file.restype = vp
    lib.fann_read_train_from_file.argtypes = [ctypes.c_char_p]
    lib.fann_test_data.restype = ctypes.c_float
    lib.fann_test_data.argtypes = [vp, vp]
    lib.fann_get_bit_fail.restype = ctypes.c_uint
    lib.fann_get_bit_fail.argtypes = [vp]
    lib.fann_set_bit_fail_limit.restype = None
    lib.fann_set_bit_fail_limit.argtypes = [vp, ctypes.c_float]
    lib.fann_destroy_train.restype = None
    lib.fann_destroy_train.argtypes = [vp]
    ann = lib.fann_create_from_file(str(net_path).encode())
    assert ann, f"FANN could not load {net_path}"
    data = lib.fann_read_train_from_file(str(data_path).encode())
    assert data, f"FANN could not read {data_path}"
    try:
        lib.fann_set_bit_fail_limit(ann, limit)
        mse = float(lib.fann_test_data(ann, data))
        return mse, int(lib.fann_get_bit_fail(ann))
    finally:
        lib.fann_destroy_train(data)
        lib.fann_destroy(ann)


def _write_data(path: Path, X: np.ndarray, Y: np.ndarray) -> None:
    """FANN's training-data text format, every value exact for float32."""
    lines = [f"{len(X)} {X.shape[1]} {Y.shape[1]}"]
    for x, y in zip(X.astype(np.float32), Y.astype(np.float32)):
        lines.append(" ".join(f"{v:.9g}" for v in x.tolist()))
        lines.append(" ".join(f"{v:.9g}" for v in y.tolist()))
    path.write_text("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------------------------- MSE, bit fail
@pytest.mark.parametrize("output", ["tanh", "sigmoid", "linear", "elliot_symmetric"])
def test_mse_and_bit_fail_are_fann_test_datas(fann: Fann, tmp_path: Path, output: str) -> None:
    """metrics.mse / bit_fail with the output activation, and evaluate's "mse" / "bit_fail", equal FANN's
    fann_test_data on the network save_fann writes; for a symmetric output (tanh) that is a quarter of the
    plain mean squared error, for linear and sigmoid outputs the plain one."""
    rng = np.random.default_rng(5)
    net = fn.Network([fn.Dense(3, 6, "tanh"), fn.Dense(6, 2, output)], seed=3)
    net.randomize_weights(-1.5, 1.5, seed=4)
    X = rng.uniform(-1, 1, size=(60, 3)).astype(np.float32)
    lo = -1.0 if output in metrics.FANN_HALVED_ACTIVATIONS else 0.0
    Y = rng.uniform(lo, 1.0, size=(60, 2)).astype(np.float32)
    net.save_fann(tmp_path / "net.net")
    _write_data(tmp_path / "data.txt", X, Y)
    P = net.predict(X)
    plain = float(np.mean((P.astype(np.float64) - Y) ** 2))
    for limit in (0.35, 0.1):
        want_mse, want_bits = _fann_test_data(fann, tmp_path / "net.net", tmp_path / "data.txt", limit)
        assert 0 < want_bits < Y.size  # the limit splits the outputs: a wrong count cannot pass by luck
        assert metrics.mse(Y, P, activation=output) == pytest.approx(want_mse, rel=1e-5)
        assert metrics.bit_fail(Y, P, limit, activation=output) == want_bits
    halved = output in metrics.FANN_HALVED_ACTIVATIONS
    assert want_mse == pytest.approx(plain / 4 if halved else plain, rel=1e-5)
    got = net.evaluate(X, Y, metrics=["mse", "bit_fail"])
    want_mse, want_bits = _fann_test_data(fann, tmp_path / "net.net", tmp_path / "data.txt")
    assert got["mse"] == pytest.approx(want_mse, rel=1e-5)
    assert got["bit_fail"] == want_bits
    assert metrics.mse(Y, P) == pytest.approx(plain, rel=1e-6)  # without an activation: the plain MSE


def _constant_net(output: str) -> fn.Network:
    """A 1-1 network whose output is exactly 0 (zero weights and bias): its errors are the targets."""
    net = fn.Network([fn.Dense(1, 1, output)])
    net.layers[0].weights = np.zeros((1, 1), np.float32)
    net.layers[0].bias = np.zeros(1, np.float32)
    return net


@pytest.mark.parametrize("output, targets, failing", [
    # tanh: FANN halves the error, so a target of 0.7 is an error of 0.35: exactly the limit, which fails (>=)
    ("tanh", [0.7, -0.7, 0.69, 0.5, 0.0], 2),
    # linear: not halved (FANN_LINEAR is not among the functions fann_update_MSE halves)
    ("linear", [0.35, -0.35, 0.34, 0.7, 0.0], 3),
])
def test_bit_fail_counts_as_fann_at_the_limit(fann: Fann, tmp_path: Path, output: str, targets: List[float],
                                              failing: int) -> None:
    """An error of exactly bit_fail_limit fails in FANN (fann_abs(diff) >= limit, after halving for symmetric
    outputs): metrics.bit_fail and fn.StopAtBitFail count as FANN's fann_get_bit_fail does."""
    net = _constant_net(output)
    X = np.zeros((len(targets), 1), np.float32)
    Y = np.array(targets, np.float32).reshape(-1, 1)
    net.save_fann(tmp_path / "net.net")
    _write_data(tmp_path / "data.txt", X, Y)
    _, fann_bits = _fann_test_data(fann, tmp_path / "net.net", tmp_path / "data.txt")
    assert fann_bits == failing
    assert metrics.bit_fail(Y, net.predict(X), activation=output) == failing
    assert net.evaluate(X, Y, metrics=["bit_fail"])["bit_fail"] == failing
    for limit, goes_on in ((failing, False), (failing - 1, True)):
        stop = fn.StopAtBitFail(X, Y, limit=limit)
        stop.set_network(net)
        assert stop({}) is goes_on  # FANN_STOPFUNC_BIT stops once bit fail <= the desired count
        assert stop.bit_fail == failing


# ------------------------------------------------------------------------------------ a C program on libfann
_C_PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <floatfann.h>

/* make NET DATA ALGORITHM [INPUT_ONLY]: a 3-5-2 network with FANN's scaling parameters from DATA (of the
   inputs only, given INPUT_ONLY 1) and non-default training settings, saved to NET.
   run NET DATA: for every input of DATA, fann_scale_input -> fann_run -> fann_descale_output, one line of
   outputs each. */
int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "make") == 0) {
        struct fann *ann = fann_create_standard(3, 3, 5, 2);
        struct fann_train_data *data = fann_read_train_from_file(argv[3]);
        if (!ann || !data) return 2;
        fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
        fann_set_activation_function_output(ann, FANN_LINEAR);
        srand(42);  /* (fann_create_standard seeded rand() from the clock) */
        fann_randomize_weights(ann, -1.0f, 1.0f);
        if (argc >= 6 && atoi(argv[5])) {  /* inputs only: FANN writes the identity for the outputs */
            if (fann_set_input_scaling_params(ann, data, -1.0f, 1.0f) != 0) return 3;
        } else if (fann_set_scaling_params(ann, data, -1.0f, 1.0f, -0.8f, 0.8f) != 0) return 3;
        fann_set_training_algorithm(ann, (enum fann_train_enum)atoi(argv[4]));
        fann_set_learning_rate(ann, 0.3f);
        fann_set_learning_momentum(ann, 0.25f);
        fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
        fann_set_train_stop_function(ann, FANN_STOPFUNC_BIT);
        fann_set_bit_fail_limit(ann, 0.125f);
        fann_set_quickprop_mu(ann, 2.5f);
        fann_set_rprop_increase_factor(ann, 1.3f);
        fann_set_cascade_max_out_epochs(ann, 77);
        if (fann_save(ann, argv[2]) != 0) return 4;
        fann_destroy_train(data);
        fann_destroy(ann);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "run") == 0) {
        struct fann *ann = fann_create_from_file(argv[2]);
        struct fann_train_data *data = fann_read_train_from_file(argv[3]);
        unsigned int i, j, no;
        if (!ann || !data) return 2;
        no = fann_get_num_output(ann);
        for (i = 0; i < fann_length_train_data(data); i++) {
            fann_type x[64], y[64], *out;
            memcpy(x, data->input[i], sizeof(fann_type) * fann_get_num_input(ann));
            fann_scale_input(ann, x);
            out = fann_run(ann, x);
            memcpy(y, out, sizeof(fann_type) * no);
            fann_descale_output(ann, y);
            for (j = 0; j < no; j++) printf("%.9g ", (double)y[j]);
            printf("\n");
        }
        fann_destroy_train(data);
        fann_destroy(ann);
        return 0;
    }
    return 1;
}
"""


@pytest.fixture(scope="module")
def fann_program(fann: Fann, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C program above, built with gcc against libfann-dev (Debian's FANN 2.2)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build a C program against libfann-dev")
    folder = tmp_path_factory.mktemp("fannc")
    (folder / "prog.c").write_text(_C_PROGRAM)
    exe = folder / "prog"
    subprocess.run(["gcc", "-O1", "-o", str(exe), str(folder / "prog.c"), "-lfloatfann", "-lm"], check=True,
                   capture_output=True, timeout=120)
    return exe


def _scaling_data(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """Inputs far from FANN's range (means ~10, 0 and -50) and outputs around 100: scaling matters."""
    rng = np.random.default_rng(11)
    X = (rng.normal(size=(40, 3)) * [3.0, 0.5, 20.0] + [10.0, 0.0, -50.0]).astype(np.float32)
    Y = (rng.normal(size=(40, 2)) * [5.0, 30.0] + [100.0, -20.0]).astype(np.float32)
    _write_data(path, X, Y)
    return X, Y


def _make(program: Path, folder: Path, algorithm: int = 1,
          input_only: bool = False) -> Tuple[Path, Path, np.ndarray]:
    data = folder / "data.txt"
    X, _ = _scaling_data(data)
    net = folder / f"fann{algorithm}.net"
    subprocess.run([str(program), "make", str(net), str(data), str(algorithm), str(int(input_only))], check=True,
                   timeout=60)
    return net, data, X


def _run(program: Path, net: Path, data: Path) -> np.ndarray:
    out = subprocess.run([str(program), "run", str(net), str(data)], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    return np.array([[float(v) for v in line.split()] for line in out.splitlines()], dtype=np.float64)


def _lines(path: Path) -> Dict[str, str]:
    return dict(line.partition("=")[::2] for line in path.read_text().splitlines()[1:])


@pytest.mark.parametrize("input_only", [False, True])
def test_load_fann_applies_fanns_scaling(fann_program: Path, tmp_path: Path, input_only: bool) -> None:
    """A file FANN saved after fann_set_scaling_params (or fann_set_input_scaling_params): fastnet's predict
    equals FANN's fann_scale_input -> fann_run -> fann_descale_output, and save_fann writes the scale_* lines
    back as they were, which FANN runs the same."""
    path, data, X = _make(fann_program, tmp_path, input_only=input_only)
    assert _lines(path)["scale_included"] == "1"
    want = _run(fann_program, path, data)
    net = fn.load_fann(path)
    assert isinstance(net, fn.Network)
    assert net.scaling["input"] is not None and (net.scaling["output"] is None) == input_only
    np.testing.assert_allclose(net.predict(X), want, rtol=2e-6, atol=2e-5)
    plain = copy.deepcopy(net)
    plain.clear_scaling()
    assert np.max(np.abs(plain.predict(X) - want)) > 0.1  # (the scaling is not a no-op on this data)

    net.save_fann(tmp_path / "again.net")
    before, after = _lines(path), _lines(tmp_path / "again.net")
    for key in ("scale_included",) + tuple(f"scale_{w}_{d}" for d in ("in", "out")
                                           for w in ("mean", "deviation", "new_min", "factor")):
        assert after[key] == before[key], key
    np.testing.assert_array_equal(_run(fann_program, tmp_path / "again.net", data), want)


def test_save_fann_writes_fastnets_scaling_for_fann(fann_program: Path, tmp_path: Path) -> None:
    """A fastnet network with its own scaling (standardize / minmax): save_fann's scale_* lines make FANN's
    scale_input -> run -> descale_output give net.predict, and load_fann reads it back to the same predictions."""
    data = tmp_path / "data.txt"
    X, Y = _scaling_data(data)
    net = fn.Network([3, 4, 2], activation="tanh", output="linear", seed=2)
    net.set_input_scaling(X)
    net.set_output_scaling(Y, "minmax", (-0.5, 0.5))
    net.save_fann(tmp_path / "net.net")
    want = net.predict(X)
    np.testing.assert_allclose(_run(fann_program, tmp_path / "net.net", data), want, rtol=2e-6, atol=2e-5)
    back = fn.load_fann(tmp_path / "net.net")
    np.testing.assert_allclose(back.predict(X), want, rtol=2e-6, atol=2e-5)


_SETTINGS = ("learning_rate", "learning_momentum", "training_algorithm", "train_error_function",
             "train_stop_function", "bit_fail_limit", "quickprop_mu", "rprop_increase_factor",
             "cascade_max_out_epochs")


@pytest.mark.parametrize("algorithm", [0, 1, 2, 3])
def test_training_settings_survive_load_and_save(fann_program: Path, tmp_path: Path, algorithm: int) -> None:
    """A file FANN wrote with non-default settings (incremental, batch, RPROP, Quickprop) goes through
    load_fann -> save_fann with every line but the weights unchanged."""
    path, _, _ = _make(fann_program, tmp_path, algorithm)
    before = _lines(path)
    assert before["training_algorithm"] == str(algorithm) and before["train_stop_function"] == "1"
    net = fn.load_fann(path)
    assert net.fann_settings["learning_rate"] == before["learning_rate"]
    net.save_fann(tmp_path / "again.net")
    after = _lines(tmp_path / "again.net")
    weights = ("neurons (num_inputs, activation_function, activation_steepness)",
               "connections (connected_to_neuron, weight)")
    assert list(after) == list(before)
    for key in before:
        if key not in weights:
            assert after[key] == before[key], key
    for key in _SETTINGS:  # (kept by copy and pickle too)
        assert copy.deepcopy(net).fann_settings[key] == pickle.loads(pickle.dumps(net)).fann_settings[key]


def test_optimizer_changes_win_over_loaded_settings(fann_program: Path, tmp_path: Path) -> None:
    """What fit changed is written (another learning rate); what it cannot say (batch vs incremental) is kept."""
    path, _, _ = _make(fann_program, tmp_path, 1)
    net = fn.load_fann(path)
    assert isinstance(net.optimizer, fn.SGD)
    net.optimizer = fn.SGD(lr=0.05, momentum=0.25)
    net.save_fann(tmp_path / "again.net")
    after: Dict[str, Any] = _lines(tmp_path / "again.net")
    assert after["learning_rate"] == "0.050000"
    assert after["training_algorithm"] == "1" and after["learning_momentum"] == _lines(path)["learning_momentum"]
    net.optimizer = fn.RPROP(delta_max=20.0)
    net.save_fann(tmp_path / "rprop.net")
    after = _lines(tmp_path / "rprop.net")
    assert after["training_algorithm"] == "2" and after["rprop_delta_max"] == "20.000000"
    assert after["rprop_increase_factor"] == "1.200000"  # (the optimizer's, not the file's 1.3)
    for key in ("bit_fail_limit", "train_stop_function", "train_error_function", "quickprop_mu"):
        assert after[key] == _lines(path)[key], key
