"""fastnet.libfann, the fann2-compatible module, against the real FANN 2.2 library (the `fann` fixture): FANN's xor
example written as a fann2 script, the constants, the defaults, FANN's MSE and bit fail, the report lines, FANN's
own training (epoch by epoch), network files both ways, and the errors."""

import ctypes
import re
from pathlib import Path
from typing import Any, List

import numpy as np
import pytest
from conftest import fann_file

from fastnet import libfann

HEADER = Path("/usr/include/fann_data.h")


def _lib(fann: Any) -> Any:
    """The fixture's ctypes library with the extra functions these tests call declared."""
    lib = fann.lib
    vp, u, f = ctypes.c_void_p, ctypes.c_uint, ctypes.c_float
    sig = {
        "fann_read_train_from_file": (vp, [ctypes.c_char_p]), "fann_destroy_train": (None, [vp]),
        "fann_test_data": (f, [vp, vp]), "fann_get_MSE": (f, [vp]), "fann_get_bit_fail": (u, [vp]),
        "fann_train_epoch": (f, [vp, vp]), "fann_train_on_data": (None, [vp, vp, u, u, f]),
        "fann_create_standard_array": (vp, [u, ctypes.POINTER(u)]), "fann_save": (ctypes.c_int, [vp, ctypes.c_char_p]),
        "fann_set_activation_function_hidden": (None, [vp, ctypes.c_int]),
        "fann_set_activation_function_output": (None, [vp, ctypes.c_int]),
        "fann_set_activation_steepness_hidden": (None, [vp, f]),
        "fann_set_activation_steepness_output": (None, [vp, f]),
        "fann_set_training_algorithm": (None, [vp, ctypes.c_int]),
        "fann_set_train_error_function": (None, [vp, ctypes.c_int]),
        "fann_get_training_algorithm": (ctypes.c_int, [vp]), "fann_get_train_error_function": (ctypes.c_int, [vp]),
        "fann_get_train_stop_function": (ctypes.c_int, [vp]), "fann_get_learning_rate": (f, [vp]),
        "fann_get_bit_fail_limit": (f, [vp]), "fann_get_rprop_delta_zero": (f, [vp]),
        "fann_get_activation_function": (ctypes.c_int, [vp, ctypes.c_int, ctypes.c_int]),
        "fann_get_activation_steepness": (f, [vp, ctypes.c_int, ctypes.c_int]),
        "fann_get_total_neurons": (u, [vp]), "fann_get_total_connections": (u, [vp]),
        "fann_randomize_weights": (None, [vp, f, f]), "fann_print_parameters": (None, [vp]),
        "fann_set_learning_rate": (None, [vp, f]), "fann_set_train_stop_function": (None, [vp, ctypes.c_int]),
        "fann_create_shortcut_array": (vp, [u, ctypes.POINTER(u)]),
        "fann_cascadetrain_on_data": (None, [vp, vp, u, u, f]),
        "fann_set_scaling_params": (ctypes.c_int, [vp, vp, f, f, f, f]), "fann_scale_train": (None, [vp, vp]),
        "fann_save_train": (ctypes.c_int, [vp, ctypes.c_char_p]),
        "fann_scale_input_train_data": (None, [vp, f, f]), "fann_scale_output_train_data": (None, [vp, f, f]),
    }
    for name, (res, args) in sig.items():
        getattr(lib, name).restype = res
        getattr(lib, name).argtypes = args
    return lib


def _create(lib: Any, layers: List[int]) -> Any:
    arr = (ctypes.c_uint * len(layers))(*layers)
    ann = lib.fann_create_standard_array(len(layers), arr)
    assert ann
    return ann


def _fann_mse(lib: Any, net: Path, data: Path) -> tuple:
    ann = lib.fann_create_from_file(str(net).encode())
    d = lib.fann_read_train_from_file(str(data).encode())
    assert ann and d
    try:
        mse = lib.fann_test_data(ann, d)
        return float(mse), int(lib.fann_get_bit_fail(ann))
    finally:
        lib.fann_destroy_train(d)
        lib.fann_destroy(ann)


XOR = [([-1, -1], -1), ([-1, 1], 1), ([1, -1], 1), ([1, 1], -1)]


def test_xor_example_as_fann2_writes_it(fann, tmp_path, capsys):
    """FANN's xor_train.c as a fann2 script: reaches the desired error, right signs, and the saved file runs in
    FANN with the same outputs."""
    data = fann_file("xor.data")
    ann = libfann.neural_net(seed=0)
    ann.create_standard_array([2, 3, 1])
    ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
    ann.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)
    ann.train_on_file(str(data), 100000, 1000, 0.0001)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Max epochs   100000. Desired error: 0.0001000000."
    assert out[1].startswith("Epochs            1. Current error: ")
    last = re.fullmatch(r"Epochs +(\d+)\. Current error: (\d\.\d{10})\. Bit fail (\d+)\.", out[-1])
    assert last and float(last.group(2)) <= 0.0001 and int(last.group(1)) < 100000
    for x, t in XOR:
        assert np.sign(ann.run(x)[0]) == t
    net = tmp_path / "xor_float.net"
    ann.save(str(net))
    X = np.array([x for x, _ in XOR], np.float32)
    theirs = fann.run(net, X)
    ours = np.array([ann.run(list(x)) for x in X], np.float32)
    np.testing.assert_allclose(theirs, ours, atol=2e-6)
    # FANN's MSE of the saved network on the file is the error our training stopped at (same weights)
    mse, bits = _fann_mse(_lib(fann), net, data)
    assert mse <= 0.0001 and bits == 0


def test_constants_are_fanns_enum_values():
    if not HEADER.exists():
        pytest.skip(f"FANN's header {HEADER} not found; install Debian's libfann-dev")
    text = HEADER.read_text()
    for enum, count in (("fann_train_enum", 5), ("fann_activationfunc_enum", 18), ("fann_errorfunc_enum", 2),
                        ("fann_stopfunc_enum", 2), ("fann_nettype_enum", 2)):
        body = re.search(r"enum " + enum + r"\s*\{(.*?)\}", text, re.S)
        assert body, enum
        names = re.findall(r"^\s*(FANN_[A-Z_]+)", re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S), re.M)
        assert len(names) == count, (enum, names)
        for value, name in enumerate(names):
            assert getattr(libfann, name[len("FANN_"):]) == value, name
    assert libfann.ACTIVATIONFUNC_NAMES[libfann.SIGMOID_SYMMETRIC] == "FANN_SIGMOID_SYMMETRIC"


def test_defaults_and_sizes_match_fann(fann):
    lib = _lib(fann)
    for layers in ([2, 3, 1], [5, 7, 4, 3]):
        ann = _create(lib, layers)
        try:
            ours = libfann.neural_net(seed=0)
            ours.create_standard_array(layers)
            assert ours.get_training_algorithm() == lib.fann_get_training_algorithm(ann) == libfann.TRAIN_RPROP
            assert ours.get_train_error_function() == lib.fann_get_train_error_function(ann) == 1
            assert ours.get_train_stop_function() == lib.fann_get_train_stop_function(ann) == 0
            assert ours.get_learning_rate() == pytest.approx(lib.fann_get_learning_rate(ann))
            assert ours.get_bit_fail_limit() == pytest.approx(lib.fann_get_bit_fail_limit(ann))
            assert ours.get_rprop_delta_zero() == pytest.approx(lib.fann_get_rprop_delta_zero(ann))
            assert ours.get_total_neurons() == lib.fann_get_total_neurons(ann)
            assert ours.get_total_connections() == lib.fann_get_total_connections(ann)
            assert ours.get_activation_steepness(1, 0) == pytest.approx(lib.fann_get_activation_steepness(ann, 1, 0))
            # FANN starts with FANN_SIGMOID_STEPWISE, and so does libfann (computed as FANN computes it)
            assert lib.fann_get_activation_function(ann, 1, 0) == libfann.SIGMOID_STEPWISE
            assert ours.get_activation_function(1, 0) == libfann.SIGMOID_STEPWISE
            assert ours.get_activation_function(len(layers) - 1, 0) == libfann.SIGMOID_STEPWISE
            w = [c[2] for c in ours.get_connection_array()]
            assert len(w) == ours.get_total_connections() and max(map(abs, w)) <= 0.1
        finally:
            lib.fann_destroy(ann)


@pytest.mark.parametrize("output", [libfann.SIGMOID_SYMMETRIC, libfann.SIGMOID, libfann.LINEAR])
def test_get_MSE_and_bit_fail_equal_fanns_test_data(fann, tmp_path, output):
    """FANN's MSE (halved error for symmetric outputs, mean over samples and outputs) and bit fail on a 3-output
    set: fann_test_data on the same .net file and data."""
    data = fann_file("robot.test")
    ann = libfann.neural_net(seed=3)
    ann.create_standard_array([48, 10, 3])
    ann.set_activation_function_hidden(output)
    ann.set_activation_function_output(output)
    ann.set_bit_fail_limit(0.05)
    train = libfann.training_data()
    train.read_train_from_file(str(fann_file("robot.train")))
    for _ in range(5):
        ann.train_epoch(train)
    net = tmp_path / "robot.net"
    ann.save(str(net))
    test = libfann.training_data()
    test.read_train_from_file(str(data))
    ours = ann.test_data(test)
    mse, bits = _fann_mse(_lib(fann), net, data)
    assert ours == pytest.approx(mse, rel=1e-5) and ann.get_MSE() == ours
    assert ann.get_bit_fail() == bits and 0 < bits < 3 * test.length_train_data()
    # test() accumulates one sample at a time, get_MSE and reset_MSE as FANN's
    ann.reset_MSE()
    assert ann.get_MSE() == 0.0 and ann.get_bit_fail() == 0
    for x, y in zip(test.get_input(), test.get_output()):
        ann.test(x, y)
    assert ann.get_MSE() == pytest.approx(mse, rel=1e-5) and ann.get_bit_fail() == bits


def test_report_lines_are_fanns(fann, capfd):
    """The lines fann_train_on_data prints, from the real library, match ours character for character where the
    numbers agree (first line) and in format everywhere."""
    lib = _lib(fann)
    data = fann_file("xor.data")
    ann = _create(lib, [2, 3, 1])
    d = lib.fann_read_train_from_file(str(data).encode())
    try:
        lib.fann_set_activation_function_hidden(ann, libfann.SIGMOID_SYMMETRIC)
        lib.fann_set_activation_function_output(ann, libfann.SIGMOID_SYMMETRIC)
        lib.fann_train_on_data(ann, d, 7, 3, ctypes.c_float(0.0))
        ctypes.CDLL(None).fflush(None)
    finally:
        lib.fann_destroy_train(d)
        lib.fann_destroy(ann)
    theirs = capfd.readouterr().out.splitlines()
    ours_net = libfann.neural_net(seed=0)
    ours_net.create_standard_array([2, 3, 1])
    ours_net.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
    ours_net.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)
    ours_net.train_on_file(str(data), 7, 3, 0.0)
    ours = capfd.readouterr().out.splitlines()
    assert ours[0] == theirs[0] == "Max epochs        7. Desired error: 0.0000000000."
    pattern = re.compile(r"Epochs {5}( {7}\d| {6}\d\d)\. Current error: \d\.\d{10}\. Bit fail \d+\.")
    assert len(ours) == len(theirs) == 5  # epochs 1, 3, 6 and the last, 7
    for a, b in zip(ours[1:], theirs[1:]):
        assert pattern.fullmatch(a) and pattern.fullmatch(b), (a, b)
        assert a.split(".")[0] == b.split(".")[0]  # the same epochs reported
    # epochs_between_reports 0: silent
    ours_net.train_on_file(str(data), 2, 0, 0.0)
    assert capfd.readouterr().out == ""


@pytest.mark.parametrize("algorithm, hidden, output, steep", [
    (libfann.TRAIN_RPROP, libfann.SIGMOID_SYMMETRIC, libfann.SIGMOID_SYMMETRIC, 0.5),
    (libfann.TRAIN_RPROP, libfann.SIGMOID, libfann.SIGMOID, 0.5),
    (libfann.TRAIN_INCREMENTAL, libfann.SIGMOID_SYMMETRIC, libfann.SIGMOID_SYMMETRIC, 0.5),
    (libfann.TRAIN_BATCH, libfann.SIGMOID, libfann.SIGMOID, 0.5),
    (libfann.TRAIN_BATCH, libfann.SIGMOID_SYMMETRIC, libfann.SIGMOID_SYMMETRIC, 0.5),
    (libfann.TRAIN_QUICKPROP, libfann.SIGMOID, libfann.SIGMOID, 0.5),
    (libfann.TRAIN_QUICKPROP, libfann.SIGMOID_SYMMETRIC, libfann.SIGMOID_SYMMETRIC, 1.0),
    (libfann.TRAIN_SARPROP, libfann.SIGMOID, libfann.SIGMOID, 0.5),
    (libfann.TRAIN_RPROP, libfann.LINEAR, libfann.SIGMOID_SYMMETRIC, 0.5),
    (-libfann.TRAIN_INCREMENTAL - 1, libfann.SIGMOID_SYMMETRIC, libfann.SIGMOID_SYMMETRIC, 0.5),
    (-libfann.TRAIN_QUICKPROP - 1, libfann.SIGMOID_SYMMETRIC, libfann.SIGMOID_SYMMETRIC, 1.0),
])
def test_training_follows_fann_epoch_by_epoch(fann, tmp_path, algorithm, hidden, output, steep):
    """The same network file trained by FANN's fann_train_epoch and by ours: the MSE each epoch reports agrees
    (steepness folded into the weights, step sizes rescaled) to float32 drift: about 1e-6 relative over the first
    ten epochs, growing after; a wrong rescaling is off by percents within ten epochs."""
    lib = _lib(fann)
    linear_error = algorithm < 0  # (negative: the algorithm -1 - a with FANN_ERRORFUNC_LINEAR)
    algorithm = -1 - algorithm if linear_error else algorithm
    data = fann_file("xor.data")
    start = libfann.neural_net(seed=5)
    start.create_standard_array([2, 4, 1])
    start.set_activation_function_hidden(hidden)
    start.set_activation_function_output(output)
    start.set_activation_steepness_hidden(steep)
    start.set_activation_steepness_output(steep)
    start.randomize_weights(-0.5, 0.5)
    start.set_training_algorithm(algorithm)
    if linear_error:
        start.set_train_error_function(libfann.ERRORFUNC_LINEAR)
    net = tmp_path / "start.net"
    start.save(str(net))  # FANN reads the algorithm and error function from the file
    ours = libfann.neural_net(seed=0)
    ours.create_from_file(str(net))
    assert ours.get_training_algorithm() == algorithm and ours.get_activation_function(1, 0) == hidden
    assert ours.get_train_error_function() == (0 if linear_error else 1)
    train = libfann.training_data()
    train.read_train_from_file(str(data))
    ann = lib.fann_create_from_file(str(net).encode())
    d = lib.fann_read_train_from_file(str(data).encode())
    theirs_mse, ours_mse, theirs_bits, ours_bits = [], [], [], []
    try:
        assert lib.fann_get_training_algorithm(ann) == algorithm
        for _ in range(25):
            theirs_mse.append(lib.fann_train_epoch(ann, d))
            ours_mse.append(ours.train_epoch(train))
            theirs_bits.append(lib.fann_get_bit_fail(ann))
            ours_bits.append(ours.get_bit_fail())
    finally:
        lib.fann_destroy_train(d)
        lib.fann_destroy(ann)
    np.testing.assert_allclose(ours_mse[:10], theirs_mse[:10], rtol=1e-5)
    assert ours_bits[:10] == theirs_bits[:10]  # the bit fail the epoch met, as the MSE
    np.testing.assert_allclose(ours_mse, theirs_mse, rtol=1e-3, atol=2e-5)
    assert ours_mse[-1] < ours_mse[0]  # it trained


def test_create_from_file_keeps_fanns_functions_steepness_and_weights(fann, tmp_path):
    lib = _lib(fann)
    ann = _create(lib, [3, 5, 2])
    net = tmp_path / "fann.net"
    try:
        lib.fann_set_activation_function_hidden(ann, libfann.SIGMOID_SYMMETRIC)
        lib.fann_set_activation_function_output(ann, libfann.LINEAR)
        lib.fann_set_activation_steepness_hidden(ann, 0.7)
        lib.fann_randomize_weights(ann, -1.0, 1.0)
        assert lib.fann_save(ann, str(net).encode()) == 0
    finally:
        lib.fann_destroy(ann)
    ours = libfann.neural_net()
    ours.create_from_file(str(net))
    assert ours.get_activation_function(1, 4) == libfann.SIGMOID_SYMMETRIC
    assert ours.get_activation_function(2, 1) == libfann.LINEAR
    assert ours.get_activation_steepness(1, 2) == pytest.approx(0.7)
    X = np.random.default_rng(0).uniform(-1, 1, (6, 3)).astype(np.float32)
    np.testing.assert_allclose([ours.run(list(x)) for x in X], fann.run(net, X), atol=2e-6)
    # the weights are FANN's (steepness unfolded): saving again writes the same connections
    again = tmp_path / "again.net"
    ours.save(str(again))

    def connections(p: Path) -> List[float]:
        line = next(t for t in p.read_text().splitlines() if t.startswith("connections"))
        return [float(w) for w in re.findall(r"\(\d+, ([^)]+)\)", line)]

    np.testing.assert_allclose(connections(again), connections(net), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fann.run(again, X), fann.run(net, X), atol=2e-6)


def test_connection_array_roundtrip_and_steepness_fold():
    ann = libfann.neural_net(seed=1)
    ann.create_standard_array([2, 2, 1])
    conns = ann.get_connection_array()
    assert len(conns) == 9 and conns[0][:2] == (0, 3) and conns[2][:2] == (2, 3)  # (2 = the input bias neuron)
    new = [(a, b, 0.25 * (i + 1)) for i, (a, b, _) in enumerate(conns)]
    ann.set_weight_array(new)
    assert [c[2] for c in ann.get_connection_array()] == pytest.approx([w for _, _, w in new])
    before = ann.run([0.3, -0.2])
    ann.set_weight(new[0][0], new[0][1], new[0][2])
    assert ann.run([0.3, -0.2]) == before
    with pytest.raises(libfann.FannError, match="Unable to find connection"):
        ann.set_weight(0, 1, 1.0)
    # steepness changes the function (FANN: f(s * sum)) and not the FANN weights
    ann.set_activation_steepness_output(1.0)
    assert [c[2] for c in ann.get_connection_array()] == pytest.approx([w for _, _, w in new])
    assert ann.run([0.3, -0.2]) != before


def test_sparse_network_saves_for_fann(fann, tmp_path):
    ann = libfann.neural_net(seed=2)
    ann.create_sparse_array(0.5, [6, 8, 2])
    dense = 7 * 8 + 9 * 2
    assert ann.get_total_connections() < dense and ann.get_connection_rate() == 0.5
    net = tmp_path / "sparse.net"
    ann.save(str(net))
    X = np.random.default_rng(1).uniform(-1, 1, (5, 6)).astype(np.float32)
    np.testing.assert_allclose(fann.run(net, X), [ann.run(list(x)) for x in X], atol=2e-6)
    lib = _lib(fann)
    theirs = lib.fann_create_from_file(str(net).encode())
    try:
        assert lib.fann_get_total_connections(theirs) == ann.get_total_connections()
    finally:
        lib.fann_destroy(theirs)


def test_training_data(tmp_path):
    d = libfann.training_data()
    d.read_train_from_file(str(fann_file("xor.data")))
    assert (d.length_train_data(), d.num_input_train_data(), d.num_output_train_data()) == (4, 2, 1)
    assert d.get_input()[1] == [-1.0, 1.0] and d.get_output()[1] == [1.0]
    p = tmp_path / "copy.data"
    d.save_train(str(p))
    e = libfann.training_data()
    e.read_train_from_file(str(p))
    assert e.get_input() == d.get_input() and e.get_output() == d.get_output()
    e.merge_train_data(d)
    assert e.length() == 8
    e.subset_train_data(2, 3)
    assert e.get_input() == d.get_input()[2:] + d.get_input()[:1]
    with pytest.raises(libfann.FannError, match="not within range"):
        e.subset_train_data(2, 2)
    e.shuffle_train_data(seed=0)
    assert sorted(map(tuple, e.get_input())) == sorted(map(tuple, d.get_input()[2:] + d.get_input()[:1]))
    d.scale_input_train_data(0.0, 1.0)  # FANN: one min and max over all inputs
    assert d.get_input() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    d.scale_train_data(-2.0, 2.0)
    assert d.get_output() == [[-2.0], [2.0], [2.0], [-2.0]]
    bad = libfann.training_data()
    bad.set_train_data([[1.0, 2.0, 3.0]], [[1.0]])
    with pytest.raises(libfann.FannError, match="different sizes"):
        d.merge_train_data(bad)


def test_bad_input_is_rejected(tmp_path):
    ann = libfann.neural_net(seed=0)
    with pytest.raises(libfann.FannError, match="not been created"):
        ann.run([0.0, 0.0])
    with pytest.raises(libfann.FannError, match="at least 2 layers"):
        ann.create_standard_array([3])
    with pytest.raises(libfann.FannError, match=">= 1"):
        ann.create_standard_array([2, 0, 1])
    ann.create_standard_array([2, 3, 1])
    with pytest.raises(libfann.FannError, match="needs 2 input values"):
        ann.run([1.0, 2.0, 3.0])
    with pytest.raises(libfann.FannError, match="unknown activation function 18"):
        ann.set_activation_function_hidden(18)
    ann.set_activation_function_output(libfann.GAUSSIAN_STEPWISE)  # runs as FANN 2.2 (0); FANN has no derivative
    with pytest.raises(NotImplementedError, match="FANN_GAUSSIAN_STEPWISE"):
        ann.train([0.5, 0.5], [1.0])
    ann.set_activation_function_output(libfann.SIGMOID)
    with pytest.raises(libfann.FannError, match="out of bound"):
        ann.get_activation_steepness(3, 0)
    with pytest.raises(libfann.FannError, match="unknown training algorithm"):
        ann.set_training_algorithm(5)
    with pytest.raises(NotImplementedError, match="negative steepness"):
        ann.set_activation_steepness_hidden(-0.5)
    data = libfann.training_data()
    with pytest.raises(libfann.FannError, match="empty"):
        ann.train_epoch(data)
    data.set_train_data([[1.0, 2.0, 3.0]], [[1.0]])
    with pytest.raises(libfann.FannError, match="equivalent structure"):
        ann.train_on_data(data, 10, 1, 0.0)
    with pytest.raises(FileNotFoundError):
        ann.train_on_file(str(tmp_path / "missing.data"), 10, 1, 0.0)
    # the steepness is the layers' own: any mix of functions and steepnesses trains, with every algorithm
    ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
    ann.set_activation_steepness(1.7, 1, 2)
    xor = libfann.training_data()
    xor.set_train_data([x for x, _ in XOR], [[t] for _, t in XOR])
    for algo in (libfann.TRAIN_RPROP, libfann.TRAIN_QUICKPROP, libfann.TRAIN_SARPROP, libfann.TRAIN_INCREMENTAL):
        ann.set_training_algorithm(algo)
        assert ann.train_epoch(xor) > 0
    with pytest.raises(libfann.FannError, match="Scaling parameters not present"):
        ann.scale_train(xor)
    (tmp_path / "bad.net").write_text("not a network\n")
    with pytest.raises(ValueError, match="not a valid FANN network file"):
        ann.create_from_file(str(tmp_path / "bad.net"))


def test_print_parameters_is_fanns(fann, capfd):
    lib = _lib(fann)
    ann = _create(lib, [4, 6, 5, 2])
    try:
        lib.fann_set_learning_rate(ann, 0.25)
        lib.fann_set_training_algorithm(ann, libfann.TRAIN_QUICKPROP)
        lib.fann_set_train_stop_function(ann, libfann.STOPFUNC_BIT)
        lib.fann_print_parameters(ann)
        ctypes.CDLL(None).fflush(None)
    finally:
        lib.fann_destroy(ann)
    theirs = capfd.readouterr().out
    ours = libfann.neural_net(seed=0)
    ours.create_standard_array([4, 6, 5, 2])
    ours.set_learning_rate(0.25)
    ours.set_training_algorithm(libfann.TRAIN_QUICKPROP)
    ours.set_train_stop_function(libfann.STOPFUNC_BIT)
    ours.print_parameters()
    assert capfd.readouterr().out == theirs
    assert "Cascade no. of candidates            :  80" in theirs


def test_cascadetrain_as_fann(fann, tmp_path, capfd):
    """fann2's cascade script (create_shortcut_array, cascadetrain_on_file): FANN's report lines, a saved shortcut
    network that FANN runs with the same outputs, and get_MSE equal to FANN's fann_test_data on it."""
    lib = _lib(fann)
    data = fann_file("two-spiral.train")
    ann = _create_shortcut(lib, [2, 1])
    d = lib.fann_read_train_from_file(str(data).encode())
    try:
        lib.fann_set_activation_function_output(ann, libfann.SIGMOID_SYMMETRIC)
        lib.fann_cascadetrain_on_data(ann, d, 4, 2, ctypes.c_float(0.001))
        ctypes.CDLL(None).fflush(None)
    finally:
        lib.fann_destroy_train(d)
        lib.fann_destroy(ann)
    theirs = capfd.readouterr().out.splitlines()
    ours = libfann.neural_net(seed=0)
    ours.create_shortcut_array([2, 1])
    assert ours.get_network_type() == libfann.NETTYPE_SHORTCUT
    ours.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)
    ours.cascadetrain_on_file(str(data), 4, 2, 0.001)
    lines = capfd.readouterr().out.splitlines()
    assert lines[0] == theirs[0] == "Max neurons   4. Desired error: 0.001000"
    assert len(lines) == len(theirs) == 5  # rounds 1, 2 and 4 (the last; "Neurons 3") and the final training

    def shape(line: str) -> str:
        line = re.sub(r"FANN_[A-Z_]+", "F", line)
        return re.sub(r"[ :]*\d+(\.\d+)?", lambda m: "#" * len(m.group(0).split(".")[-1]) if "." in m.group(0)
                      else " N", line)  # (decimals kept by count: %.6f, %.4f, %.2f)

    assert [shape(a) for a in lines[1:]] == [shape(b) for b in theirs[1:]]
    assert ours.get_total_neurons() == 2 + 1 + 4 + 1
    net = tmp_path / "cascade.net"
    ours.save(str(net))
    X = np.random.default_rng(0).uniform(-1, 1, (8, 2)).astype(np.float32)
    np.testing.assert_allclose(fann.run(net, X), [ours.run(list(x)) for x in X], atol=2e-6)
    mse, bits = _fann_mse(lib, net, data)
    assert ours.get_MSE() == pytest.approx(mse, rel=1e-5) and ours.get_bit_fail() == bits
    again = libfann.neural_net()
    again.create_from_file(str(net))
    assert again.get_network_type() == libfann.NETTYPE_SHORTCUT and again.run([0.1, 0.2]) == ours.run([0.1, 0.2])
    with pytest.raises(NotImplementedError, match="shortcut network"):
        again.train_epoch(libfann.training_data())
    layered = libfann.neural_net()
    layered.create_standard_array([2, 1])
    with pytest.raises(libfann.FannError, match="shortcut network"):
        layered.cascadetrain_on_file(str(data), 2, 1, 0.0)


def _create_shortcut(lib: Any, layers: List[int]) -> Any:
    arr = (ctypes.c_uint * len(layers))(*layers)
    ann = lib.fann_create_shortcut_array(len(layers), arr)
    assert ann
    return ann


def _fann_data(path: Path) -> tuple:
    lines = path.read_text().split("\n")
    n, ni, no = map(int, lines[0].split())
    rows = [list(map(float, ln.split())) for ln in lines[1:1 + 2 * n]]
    return np.array(rows[0::2]), np.array(rows[1::2])


def test_scaling_is_fanns(fann, tmp_path):
    """set_scaling_params + scale_train against fann_set_scaling_params + fann_scale_train on the same data; the
    parameters survive save/create_from_file and FANN reads them back (its scale_train on our file agrees)."""
    lib = _lib(fann)
    src = fann_file("building.train")  # 14 inputs, 3 outputs, no constant column
    ours = libfann.neural_net(seed=0)
    ours.create_standard_array([14, 4, 3])
    data = libfann.training_data()
    data.read_train_from_file(str(src))
    ours.set_scaling_params(data, -1.0, 1.0, 0.0, 1.0)
    ours.scale_train(data)
    X, Y = np.array(data.get_input()), np.array(data.get_output())
    ours_net = tmp_path / "ours.net"
    ours.save(str(ours_net))
    ann = _create(lib, [14, 4, 3])
    d = lib.fann_read_train_from_file(str(src).encode())
    d2 = lib.fann_read_train_from_file(str(src).encode())
    theirs_ann = lib.fann_create_from_file(str(ours_net).encode())
    try:
        assert lib.fann_set_scaling_params(ann, d, -1.0, 1.0, 0.0, 1.0) == 0
        lib.fann_scale_train(ann, d)
        lib.fann_save_train(d, str(tmp_path / "theirs.data").encode())
        lib.fann_scale_train(theirs_ann, d2)  # FANN scaling with the parameters our file holds
        lib.fann_save_train(d2, str(tmp_path / "theirs_from_ours.data").encode())
    finally:
        for h in (d, d2):
            lib.fann_destroy_train(h)
        lib.fann_destroy(ann)
        lib.fann_destroy(theirs_ann)
    for name in ("theirs.data", "theirs_from_ours.data"):
        TX, TY = _fann_data(tmp_path / name)
        # (FANN sums the mean and deviation in float32: 1e-5 relative on this set)
        np.testing.assert_allclose(X, TX, rtol=5e-5, atol=2e-5)
        np.testing.assert_allclose(Y, TY, rtol=5e-5, atol=2e-5)
    # FANN's scaling is standardization mapped from [-1, 1] to the new range: for [-1, 1] mean 0 and deviation 1,
    # for [0, 1] mean 0.5 and deviation 0.5 per column
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-5)
    np.testing.assert_allclose(Y.mean(axis=0), 0.5, atol=1e-5)
    np.testing.assert_allclose(Y.std(axis=0), 0.5, atol=1e-5)
    # descaling inverts scaling; the parameters are read back from the file
    again = libfann.neural_net()
    again.create_from_file(str(ours_net))
    x = data.get_input()[7]
    raw = libfann.training_data()
    raw.read_train_from_file(str(src))
    np.testing.assert_allclose(again.descale_input(x), raw.get_input()[7], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(again.scale_output(raw.get_output()[7]), data.get_output()[7], atol=1e-5)
    again.descale_train(data)
    np.testing.assert_allclose(data.get_output(), raw.get_output(), atol=1e-5)
    again.clear_scaling_params()
    with pytest.raises(libfann.FannError, match="Scaling parameters not present"):
        again.scale_input(x)
    const = libfann.training_data()
    const.set_train_data([[1.0] * 14, [1.0] * 14], [[0.0] * 3, [1.0] * 3])
    with pytest.raises(libfann.FannError, match="input 0 has the same value"):
        again.set_input_scaling_params(const, -1, 1)


def test_training_data_scaling_is_fanns(fann, tmp_path):
    lib = _lib(fann)
    src = fann_file("diabetes.train")
    d = lib.fann_read_train_from_file(str(src).encode())
    try:
        lib.fann_scale_input_train_data(d, -0.5, 0.5)
        lib.fann_scale_output_train_data(d, -1.0, 1.0)
        lib.fann_save_train(d, str(tmp_path / "theirs.data").encode())
    finally:
        lib.fann_destroy_train(d)
    ours = libfann.training_data()
    ours.read_train_from_file(str(src))
    ours.scale_input_train_data(-0.5, 0.5)
    ours.scale_output_train_data(-1.0, 1.0)
    TX, TY = _fann_data(tmp_path / "theirs.data")
    np.testing.assert_allclose(ours.get_input(), TX, atol=2e-6)
    np.testing.assert_allclose(ours.get_output(), TY, atol=2e-6)


def test_create_from_file_reads_cascade_settings(tmp_path):
    """fann_save writes the cascade parameters and fann_create_from_file restores them; so do libfann's save and
    create_from_file, for shortcut and layered networks (a network keeps the settings it was trained with)."""
    from fastnet import libfann

    ann = libfann.neural_net()
    ann.create_shortcut_array([2, 1])
    ann.set_cascade_max_out_epochs(123)
    ann.set_cascade_output_change_fraction(0.02)
    ann.set_cascade_num_candidate_groups(3)
    ann.set_cascade_weight_multiplier(0.3)
    ann.set_cascade_activation_functions([libfann.SIGMOID, libfann.GAUSSIAN])
    ann.set_cascade_activation_steepnesses([0.5, 1.5])
    path = str(tmp_path / "c.net")
    ann.save(path)
    b = libfann.neural_net()
    b.create_from_file(path)
    assert b.get_cascade_max_out_epochs() == 123
    assert b.get_cascade_output_change_fraction() == pytest.approx(0.02)
    assert b.get_cascade_num_candidate_groups() == 3
    assert b.get_cascade_weight_multiplier() == pytest.approx(0.3)
    assert b.get_cascade_activation_functions() == [libfann.SIGMOID, libfann.GAUSSIAN]
    assert b.get_cascade_activation_steepnesses() == pytest.approx([0.5, 1.5])
    # a layered network's file too
    c = libfann.neural_net()
    c.create_standard_array([2, 3, 1])
    c.set_cascade_min_out_epochs(7)
    c.save(path)
    d = libfann.neural_net()
    d.create_from_file(path)
    assert d.get_cascade_min_out_epochs() == 7
