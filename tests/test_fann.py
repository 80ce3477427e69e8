"""FANN network files: load_fann against FANN's own outputs, save_fann against the real FANN 2.2 library."""

from __future__ import annotations

import ctypes
import os
import re
import tracemalloc
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import pytest
from conftest import Fann

import fastnet as fn
from fastnet.fann import load_fann, save_fann

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "fann" / "samples"
SAMPLE_NETS = sorted(SAMPLES.glob("*.net")) if SAMPLES.is_dir() else []

# What each known sample must give: the architecture and the tolerance against FANN's outputs, or the reasons
# it is rejected. A sample not listed here is still checked: it must load and match its .io file, or be rejected
# as not expressible.
EXPECTED: Dict[str, dict] = {
    "xor_sigmoid_symmetric": dict(sizes=[2, 3, 1], acts=["tanh", "tanh"], atol=1e-6),
    "diabetes_sigmoid_linear": dict(sizes=[8, 16, 8, 2], acts=["sigmoid", "sigmoid", "linear"], atol=1e-6),
    # the .io holds the float network's outputs before fann_save_to_fixed rounded its weights to multiples of
    # 2**-12: agreement only to that precision (measured: 9e-6; a worst-case bound is ~1e-3)
    "xor_fixed": dict(sizes=[2, 3, 1], acts=["tanh", "tanh"], atol=1e-3, io="xor_float_of_fixed"),
    # ELLIOT_SYMMETRIC hidden neurons load (fastnet's elliot_symmetric), the stepwise output as FANN computes it
    "building_sparse_elliot_stepwise": dict(sizes=[14, 40, 3], acts=["elliot_symmetric", "sigmoid_stepwise"],
                                            atol=1e-6),
    # a shortcut network whose connections skip layers loads as a CascadeNetwork, FANN's neurons as they are
    "spiral_shortcut_gaussian": dict(cascade=dict(layer_sizes=[10, 10], hidden="gaussian", steepness=0.8),
                                     atol=1e-6),
}


XOR_NET = (  # samples/xor_sigmoid_symmetric.net, written by FANN 2.2 (embedded so the bad-file tests always run)
    'FANN_FLO_2.1\n'
    'num_layers=3\n'
    'learning_rate=0.700000\n'
    'connection_rate=1.000000\n'
    'network_type=0\n'
    'learning_momentum=0.000000\n'
    'training_algorithm=2\n'
    'train_error_function=1\n'
    'train_stop_function=0\n'
    'cascade_output_change_fraction=0.010000\n'
    'quickprop_decay=-0.000100\n'
    'quickprop_mu=1.750000\n'
    'rprop_increase_factor=1.200000\n'
    'rprop_decrease_factor=0.500000\n'
    'rprop_delta_min=0.000000\n'
    'rprop_delta_max=50.000000\n'
    'rprop_delta_zero=0.100000\n'
    'cascade_output_stagnation_epochs=12\n'
    'cascade_candidate_change_fraction=0.010000\n'
    'cascade_candidate_stagnation_epochs=12\n'
    'cascade_max_out_epochs=150\n'
    'cascade_min_out_epochs=50\n'
    'cascade_max_cand_epochs=150\n'
    'cascade_min_cand_epochs=50\n'
    'cascade_num_candidate_groups=2\n'
    'bit_fail_limit=3.49999994039535522461e-01\n'
    'cascade_candidate_limit=1.00000000000000000000e+03\n'
    'cascade_weight_multiplier=4.00000005960464477539e-01\n'
    'cascade_activation_functions_count=10\n'
    'cascade_activation_functions=3 5 7 8 10 11 14 15 16 17 \n'
    'cascade_activation_steepnesses_count=4\n'
    'cascade_activation_steepnesses=2.50000000000000000000e-01 5.00000000000000000000e-01 '
    '7.50000000000000000000e-01 1.00000000000000000000e+00 \n'
    'layer_sizes=3 4 2 \n'
    'scale_included=0\n'
    'neurons (num_inputs, activation_function, activation_steepness)='
    '(0, 0, 0.00000000000000000000e+00) '
    '(0, 0, 0.00000000000000000000e+00) (0, 0, 0.00000000000000000000e+00) '
    '(3, 5, 5.00000000000000000000e-01) (3, 5, 5.00000000000000000000e-01) '
    '(3, 5, 5.00000000000000000000e-01) (0, 5, 0.00000000000000000000e+00) '
    '(4, 5, 5.00000000000000000000e-01) (0, 5, 0.00000000000000000000e+00) \n'
    'connections (connected_to_neuron, weight)=(0, -4.02025133371353149414e-03) '
    '(1, 1.89519047737121582031e-01) (2, -8.37017250061035156250e+00) (0, 3.79425048828125000000e+00) '
    '(1, 3.78501462936401367188e+00) (2, 4.17006540298461914062e+00) (0, -4.19382143020629882812e+00) '
    '(1, -4.48343181610107421875e+00) (2, 3.62991046905517578125e+00) (3, 1.68864130973815917969e+00) '
    '(4, 5.32140731811523437500e+00) (5, 5.10095214843750000000e+00) (6, -3.50788140296936035156e+00) \n'
)


def read_io(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """A samples .io file: 'n num_inputs num_outputs', then per case a line of inputs and a line of outputs."""
    lines = path.read_text().split("\n")
    n, ni, no = map(int, lines[0].split())
    X = np.array([lines[1 + 2 * i].split() for i in range(n)], dtype=np.float64).reshape(n, ni)
    Y = np.array([lines[2 + 2 * i].split() for i in range(n)], dtype=np.float64).reshape(n, no)
    return X.astype(np.float32), Y


def xor_file(tmp_path: Path) -> Path:
    path = tmp_path / "xor.net"
    path.write_text(XOR_NET)
    return path


def sample(name: str) -> Path:
    p = SAMPLES / name
    if not p.exists():
        pytest.skip(f"FANN sample {name} not found in {SAMPLES} (../shared/fann/samples beside the repo)")
    return p


def edit(path: Path, out: Path, fn_: Callable[[str], str]) -> Path:
    out.write_text(fn_(path.read_text()))
    return out


def recode(text: str, mapping: Dict[int, int]) -> str:
    """Change activation function codes on the neurons line."""
    def sub(line: str) -> str:
        return re.sub(r"\((\d+), (\d+), ",
                      lambda m: f"({m.group(1)}, {mapping.get(int(m.group(2)), int(m.group(2)))}, ", line)
    return "\n".join(sub(l) if l.startswith("neurons (") else l for l in text.split("\n"))


# ----------------------------------------------------------------------------------------------- real FANN
def agrees_with_fann(fann: Optional[Fann], path: Path, X: np.ndarray, want: np.ndarray) -> None:
    if fann is not None:
        np.testing.assert_allclose(fann.run(path, X), want, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------- samples
def test_embedded_copy_is_the_sample() -> None:
    assert sample("xor_sigmoid_symmetric.net").read_text() == XOR_NET


@pytest.mark.parametrize("path", SAMPLE_NETS or [None], ids=[p.stem for p in SAMPLE_NETS] or ["no-samples"])
def test_sample(path: Optional[Path]) -> None:
    if path is None:
        pytest.skip(f"no FANN samples at {SAMPLES} (../shared/fann/samples beside the repo)")
    exp = EXPECTED.get(path.stem, {})
    if "errors" in exp:
        with pytest.raises(ValueError) as info:
            load_fann(path)
        msg = str(info.value)
        assert "cannot be expressed as a fastnet Network" in msg
        for part in exp["errors"]:
            assert part in msg
        return
    io = path.with_name(exp.get("io", path.stem) + ".io")
    try:
        net = load_fann(path)
    except ValueError as exc:
        assert not exp, f"{path.name} should load: {exc}"
        assert "cannot be expressed as a fastnet Network" in str(exc)  # an unknown sample fastnet cannot express
        return
    assert io.exists(), f"{path.name} loads, but there is no {io.name} to check it against"
    X, Y = read_io(io)
    if "cascade" in exp:
        c = exp["cascade"]
        assert isinstance(net, fn.CascadeNetwork) and net.layer_sizes == c["layer_sizes"]
        assert set(net.activations[:net.num_hidden]) == {c["hidden"]}
        np.testing.assert_allclose(net.steepness[:net.num_hidden], c["steepness"], rtol=1e-6)
    elif exp:
        assert net.sizes == exp["sizes"]
        assert [L.activation for L in net.layers] == exp["acts"]
    P = net.predict(X)
    assert P.dtype == np.float32 and P.shape == Y.shape
    np.testing.assert_allclose(P, Y, rtol=1e-6, atol=exp.get("atol", 1e-6))


def test_samples_match_real_fann_on_more_inputs(fann: Fann) -> None:
    rng = np.random.default_rng(0)
    for name, low in (("xor_sigmoid_symmetric.net", -1.0), ("diabetes_sigmoid_linear.net", 0.0)):
        path = sample(name)
        net = load_fann(path)
        X = rng.uniform(low, 1.0, (300, net.num_inputs)).astype(np.float32)
        np.testing.assert_allclose(net.predict(X), fann.run(path, X), rtol=1e-5, atol=1e-6)


def test_fixed_point_weights_are_integers_over_two_to_decimal_point(tmp_path: Path) -> None:
    path = sample("xor_fixed.net")
    net = load_fann(path)
    # (0, 645) (1, 1530) (2, 5678) feed hidden neuron 3, steepness 2048/4096 = 0.5: tanh(0.5 * w/4096 * x)
    np.testing.assert_array_equal(net.layers[0].weights[0], np.float32([645 / 4096, 1530 / 4096]))
    assert net.layers[0].bias[0] == np.float32(5678 / 4096)
    assert net.layers[0].steepness[0] == 0.5
    # the decimal point scales weights and steepnesses alike: one more bit halves each
    other = load_fann(edit(path, tmp_path / "dp13.net", lambda t: t.replace("decimal_point=12", "decimal_point=13")))
    np.testing.assert_array_equal(other.layers[0].weights, net.layers[0].weights / 2)
    np.testing.assert_array_equal(other.layers[0].steepness, net.layers[0].steepness / 2)
    # a fixed-point file holds integers only
    bad = edit(path, tmp_path / "frac.net", lambda t: t.replace("(1, 1530)", "(1, 1530.5)"))
    with pytest.raises(ValueError, match="connection 1 is '1530.5': a FANN_FIX file holds integers"):
        load_fann(bad)


# ----------------------------------------------------------------------------------------------- stepwise, sparse
def test_stepwise_exact_unless_approximation_requested(tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    orig = sample("diabetes_sigmoid_linear.net")
    stepwise = edit(orig, tmp_path / "stepwise.net", lambda t: recode(t, {3: 4}))  # FANN_SIGMOID -> _STEPWISE
    exact = load_fann(stepwise)
    assert [L.activation for L in exact.layers] == ["sigmoid_stepwise", "sigmoid_stepwise", "linear"]
    approx = load_fann(stepwise, approximate_stepwise=True)
    X = np.random.default_rng(1).uniform(0, 1, (400, 8)).astype(np.float32)
    np.testing.assert_array_equal(approx.predict(X), load_fann(orig).predict(X))  # the exact sigmoid
    if maybe_fann is not None:
        # how far FANN's stepwise network is from that (measured 0.069); the exact load is FANN's to float rounding
        err = np.abs(approx.predict(X) - maybe_fann.run(stepwise, X)).max()
        assert 0.01 < err < 0.2
        np.testing.assert_allclose(exact.predict(X), maybe_fann.run(stepwise, X), rtol=1e-5, atol=1e-6)


def test_sparse_network_matches_real_fann(tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    # the building sample with the activations fastnet lacks replaced: ELLIOT_SYMMETRIC -> SIGMOID_SYMMETRIC,
    # SIGMOID_STEPWISE -> SIGMOID; its sparse topology (connection_rate 0.4) stays
    path = edit(sample("building_sparse_elliot_stepwise.net"), tmp_path / "b.net", lambda t: recode(t, {11: 5, 4: 3}))
    net = load_fann(path)
    assert net.sizes == [14, 40, 3] and [L.activation for L in net.layers] == ["tanh", "sigmoid"]
    # missing connections are zero weights; every listed one (none is exactly 0 here) is a nonzero weight or bias
    conns = re.findall(r"\((\d+), ", path.read_text().split("connections (connected_to_neuron, weight)=")[1])
    nonzero = sum(int(np.count_nonzero(L.weights)) + int(np.count_nonzero(L.bias)) for L in net.layers)
    assert nonzero == len(conns) < (15 * 40 + 41 * 3)
    X, _ = read_io(sample("building_sparse_elliot_stepwise.io"))
    X = np.vstack([X, np.random.default_rng(2).uniform(0, 1, (200, 14)).astype(np.float32)])
    agrees_with_fann(maybe_fann, path, X, net.predict(X))


# ----------------------------------------------------------------------------------------------- saving
def dense_net(seed: int = 3) -> fn.Network:
    net = fn.Network([fn.Dense(5, 7, "tanh"), fn.Dense(7, 6, "sigmoid"), fn.Dense(6, 3, "linear")], loss="mse",
                     seed=seed)
    return net


def test_round_trip_is_bit_identical(tmp_path: Path) -> None:
    X = np.random.default_rng(3).normal(size=(200, 5)).astype(np.float32)
    for seed in (0, 1, 2):
        net = dense_net(seed)
        save_fann(net, tmp_path / "n.net")
        back = load_fann(tmp_path / "n.net")
        assert back.sizes == net.sizes and [L.activation for L in back.layers] == [L.activation for L in net.layers]
        for a, b in zip(net.layers, back.layers):
            np.testing.assert_array_equal(a.weights, b.weights)
            np.testing.assert_array_equal(a.bias, b.bias)
        np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_fann_sample_through_fastnet_and_back(tmp_path: Path) -> None:
    for name in ("diabetes_sigmoid_linear.net", "xor_sigmoid_symmetric.net"):
        first = load_fann(sample(name))
        save_fann(first, tmp_path / name)
        X = np.random.default_rng(4).uniform(-1, 1, (50, first.num_inputs)).astype(np.float32)
        np.testing.assert_array_equal(load_fann(tmp_path / name).predict(X), first.predict(X))


def test_saved_file_runs_in_real_fann(tmp_path: Path, fann: Fann) -> None:
    X = np.random.default_rng(5).normal(size=(300, 5)).astype(np.float32)
    net = dense_net()
    save_fann(net, tmp_path / "dense.net")
    np.testing.assert_allclose(fann.run(tmp_path / "dense.net", X), net.predict(X), rtol=1e-5, atol=1e-6)
    wide = fn.Network([fn.Dense(5, 40, "sigmoid"), fn.Dense(40, 2, "tanh")], loss="mse", seed=7, dtype="float64")
    save_fann(wide, tmp_path / "f64.net")
    np.testing.assert_allclose(fann.run(tmp_path / "f64.net", X), wide.predict(X), rtol=1e-5, atol=1e-6)


def test_sparse_layers_are_saved_sparse(tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    net = fn.Network([fn.Sparse(20, 30, density=0.3, activation="tanh"), fn.Dense(30, 4, "sigmoid")], loss="mse",
                     seed=1)
    save_fann(net, tmp_path / "sparse.net")
    text = (tmp_path / "sparse.net").read_text()
    rate = float(re.search(r"^connection_rate=(.*)$", text, re.M).group(1))
    assert rate < 1  # or FANN would ignore the stored connections
    X = np.random.default_rng(6).normal(size=(200, 20)).astype(np.float32)
    agrees_with_fann(maybe_fann, tmp_path / "sparse.net", X, net.predict(X))
    back = load_fann(tmp_path / "sparse.net")  # as a Sparse layer with the same connections
    assert back.layers[0].is_sparse and not back.layers[1].is_sparse
    np.testing.assert_array_equal(np.stack(back.layers[0].indices), np.stack(net.layers[0].indices))
    np.testing.assert_array_equal(back.layers[0].to_dense(), net.layers[0].to_dense())
    np.testing.assert_allclose(back.predict(X), net.predict(X), rtol=1e-6, atol=1e-6)


def test_save_rejects_what_fann_cannot_compute(tmp_path: Path) -> None:
    for act in ("relu", "leaky_relu", "softmax"):
        net = fn.Network([fn.Dense(3, 4, "tanh"), fn.Dense(4, 2, act)], loss="mse", seed=0)
        with pytest.raises(ValueError, match=f"layer 1 uses activation '{act}', which FANN 2.2 has no equivalent"):
            save_fann(net, tmp_path / "x.net")
    with pytest.raises(TypeError, match="fastnet Network"):
        save_fann("not a network", tmp_path / "x.net")  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_save_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "net.net"
    target.write_text("old contents")
    save_fann(dense_net(), target)
    assert target.read_text().startswith("FANN_FLO_2.1\n")
    assert [p.name for p in tmp_path.iterdir()] == ["net.net"]  # no temporary file left behind
    with pytest.raises(OSError):
        save_fann(dense_net(), tmp_path / "missing-dir" / "net.net")


# ----------------------------------------------------------------------------------------------- variants
def test_other_valid_variants_load(tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    net = dense_net()
    save_fann(net, tmp_path / "base.net")
    base = tmp_path / "base.net"
    X = np.random.default_rng(8).normal(size=(100, 5)).astype(np.float32)
    want = net.predict(X)
    # FANN_FLO_2.0 (no scale_included line), CRLF line ends, no final newline
    v20 = edit(base, tmp_path / "v20.net",
               lambda t: t.replace("FANN_FLO_2.1", "FANN_FLO_2.0").replace("scale_included=0\n", ""))
    crlf = edit(base, tmp_path / "crlf.net", lambda t: t.replace("\n", "\r\n").rstrip())
    # scaling parameters are applied as FANN's fann_scale_input / fann_descale_output apply them (here: inputs
    # + 0.5, outputs - 2; see test_fann_semantics.py), while fann_run ignores them
    scale = "scale_included=1\n" + "".join(f"scale_{w}_in=" + "0.500000 " * 5 + "\n"
                                           for w in ("mean", "deviation", "new_min", "factor")) \
        + "".join(f"scale_{w}_out=" + "2.000000 " * 3 + "\n" for w in ("mean", "deviation", "new_min", "factor"))
    scaled = edit(base, tmp_path / "scaled.net", lambda t: t.replace("scale_included=0\n", scale))
    for p in (v20, crlf):
        np.testing.assert_array_equal(load_fann(p).predict(X), want)
    np.testing.assert_allclose(load_fann(scaled).predict(X), net.predict(X + 0.5) - 2, rtol=1e-6, atol=1e-6)
    agrees_with_fann(maybe_fann, scaled, X, want)  # FANN takes these edited files too
    agrees_with_fann(maybe_fann, v20, X, want)


def shortcut_text(net: fn.Network, path: Path) -> str:
    """A one-layer fastnet net as a FANN shortcut network (no bias neuron in the output layer)."""
    save_fann(net, path)
    t = path.read_text().replace("network_type=0", "network_type=1")
    n_in, n_out = net.num_inputs, net.num_outputs
    t = t.replace(f"layer_sizes={n_in + 1} {n_out + 1} ", f"layer_sizes={n_in + 1} {n_out} ")
    head, _, neurons = t.partition("neurons (num_inputs, activation_function, activation_steepness)=")
    neurons, _, rest = neurons.partition("\n")
    neurons = " ".join(re.findall(r"\([^)]*\)", neurons)[:-1]) + " "  # drop the output bias neuron
    return head + "neurons (num_inputs, activation_function, activation_steepness)=" + neurons + "\n" + rest


def test_shortcut_network_without_skips_loads(tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    net = fn.Network([fn.Dense(4, 3, "tanh")], loss="mse", seed=2)
    path = tmp_path / "shortcut.net"
    path.write_text(shortcut_text(net, tmp_path / "tmp.net"))
    X = np.random.default_rng(9).normal(size=(100, 4)).astype(np.float32)
    agrees_with_fann(maybe_fann, path, X, net.predict(X))  # FANN agrees the file is valid and means this
    np.testing.assert_array_equal(load_fann(path).predict(X), net.predict(X))


def test_steepness_is_kept_per_neuron(tmp_path: Path, maybe_fann: Optional[Fann]) -> None:
    base = xor_file(tmp_path)
    steep = edit(base, tmp_path / "s.net", lambda t: t.replace("(3, 5, 5.00000000000000000000e-01)",
                                                               "(3, 5, 1.30000000000000000000e+00)", 1))
    X = np.random.default_rng(10).uniform(-1, 1, (100, 2)).astype(np.float32)
    net = load_fann(steep)
    agrees_with_fann(maybe_fann, steep, X, net.predict(X))
    # tanh(1.3 z) where the original had tanh(0.5 z): the weights stay FANN's, the steepness is the neuron's
    np.testing.assert_array_equal(net.layers[0].weights, load_fann(base).layers[0].weights)
    np.testing.assert_array_equal(net.layers[0].steepness, [1.3, 0.5, 0.5])


# ----------------------------------------------------------------------------------------------- not expressible
def test_not_expressible_structures(tmp_path: Path) -> None:
    base = xor_file(tmp_path)
    cases = {
        "negative steepness": (lambda t: t.replace("(4, 5, 5.00000000000000000000e-01)",
                                                   "(4, 5, -5.00000000000000000000e-01)"),
                               r"neuron 7 has a negative steepness"),
        # connection_rate < 1 makes FANN follow the stored sources: the output reads input 0, skipping layer 1
        "skip": (lambda t: t.replace("connection_rate=1.000000", "connection_rate=0.900000")
                 .replace("(3, 1.68864130973815917969e+00)", "(0, 1.68864130973815917969e+00)"),
                 r"network has 1 connection\(s\) that skip layers \(the first: neuron 7 in layer 2 reads neuron 0 in "
                 r"layer 0\)"),
        "backward": (lambda t: t.replace("connection_rate=1.000000", "connection_rate=0.900000")
                     .replace("(3, 1.68864130973815917969e+00)", "(7, 1.68864130973815917969e+00)"),
                     r"connection 9 does not come from an earlier layer"),
    }
    for name, (change, message) in cases.items():
        path = edit(base, tmp_path / f"{name.replace(' ', '_')}.net", change)
        with pytest.raises(ValueError, match="cannot be expressed as a fastnet Network: .*" + message):
            load_fann(path)
    # a skip connection of weight exactly 0 changes nothing: accepted
    zero = edit(base, tmp_path / "zero.net", lambda t: t.replace("connection_rate=1.000000", "connection_rate=0.9")
                .replace("(3, 1.68864130973815917969e+00)", "(0, 0.0)"))
    assert load_fann(zero).layers[1].to_dense()[0, 0] == 0


# ----------------------------------------------------------------------------------------------- bad files
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_fann(tmp_path / "nope.net")


def test_truncated_anywhere_fails_cleanly(tmp_path: Path) -> None:
    data = XOR_NET.encode()
    last = data.rindex(b")")  # a cut after the last connection only loses whitespace
    path = tmp_path / "cut.net"
    for cut in range(0, last + 1, 3):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="not a valid FANN network file"):
            load_fann(path)
    path.write_bytes(data[:last + 1])
    load_fann(path)


@pytest.mark.parametrize("content, message", [
    (b"", r"line 1: expected a FANN version line"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), r"line 1: expected a FANN version line"),
    (b"hello world\nnum_layers=3\n", r"line 1: expected a FANN version line"),
    (b"FANN_FLO_9.9\nnum_layers=3\n", r"line 1: unknown version 'FANN_FLO_9.9'"),
    (b"FANN_FLO_1.1\n3 0.7 1.0 0 5 5 0.5 0.5\n", r"FANN_FLO_1.1 files \(FANN 1.x\) are not supported"),
    (b"FANN_FLO_2.1\nnum_layers=3\n\xff\xfe\n", r"line 3: byte 0xff is not ASCII text"),
    (b"FANN_FLO_2.1\nthis line has no equals sign\n", r"line 2: expected key=value"),
    (b"FANN_FLO_2.1\nnum_layers=3\nnum_layers=3\n", r"line 3: 'num_layers' appears twice \(first on line 2\)"),
])
def test_garbage(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.net"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_fann(path)


def test_endless_stream_does_not_hang() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(ValueError, match="not a regular file"):
        load_fann("/dev/zero")


KEYS = ["num_layers", "connection_rate", "network_type", "layer_sizes",
        "neurons (num_inputs, activation_function, activation_steepness)", "connections (connected_to_neuron, weight)"]


def test_missing_keys(tmp_path: Path) -> None:
    text = XOR_NET
    for key in KEYS:
        lines = [l for l in text.split("\n") if not l.startswith(key + "=")]
        path = tmp_path / "k.net"
        path.write_text("\n".join(lines))
        with pytest.raises(ValueError, match=re.escape(f"the key {key!r} is missing")):
            load_fann(path)
    fixed = sample("xor_fixed.net").read_text().replace("decimal_point=12\n", "")
    (tmp_path / "f.net").write_text(fixed)
    with pytest.raises(ValueError, match="the key 'decimal_point' is missing"):
        load_fann(tmp_path / "f.net")
    # scale_included=1 promises eight scale_* lines
    (tmp_path / "s.net").write_text(text.replace("scale_included=0", "scale_included=1"))
    with pytest.raises(ValueError, match="the key 'scale_mean_in' is missing"):
        load_fann(tmp_path / "s.net")


BAD_VALUES: List[Tuple[str, str, str]] = [
    # (text to replace, replacement, expected message)
    ("layer_sizes=3 4 2 ", "layer_sizes=1000000000000 4 2 ",
     r"line 35: 1000000000006 neurons are expected, but the line is only \d+ characters long"),
    ("num_layers=3", "num_layers=1000000000000", r"layer_sizes lists 3 layers but num_layers=1000000000000"),
    ("layer_sizes=3 4 2 ", "layer_sizes=3 4 ", r"layer_sizes lists 2 layers but num_layers=3"),
    ("layer_sizes=3 4 2 ", "layer_sizes=3 5 2 ", r"10 neurons are expected, found 9"),
    ("layer_sizes=3 4 2 ", "layer_sizes=3 3 2 ", r"more than the 8 neurons the header announces"),
    ("layer_sizes=3 4 2 ", "layer_sizes=3 4 1 ", r"layer 2 has size 1; it needs at least 2"),
    ("layer_sizes=3 4 2 ", "layer_sizes=3 x 2 ", r"layer_sizes holds 'x', which is not a non-negative integer"),
    ("(4, 5, 5.0", "(40000000000000000, 5, 5.0",
     r"line 36: the neurons have 40000000000000009 inputs in all, but the connections line is only"),
    ("(4, 5, 5.0", "(5, 5, 5.0", r"14 connections are expected, found 13"),
    ("(4, 5, 5.0", "(3, 5, 5.0", r"more than the 12 connections the header announces"),
    ("(4, 5, 5.0", "(4, 99, 5.0", r"neuron 7 has activation function code 99, which FANN does not define"),
    ("(4, 5, 5.00000000000000000000e-01)", "(4, 5, nan)", r"the steepness of neuron 7 is not a finite number"),
    ("(2, 4.17006540298461914062e+00)", "(2, abc)", r"line 36: cannot read connection 5: '\(2, abc\)"),
    ("(2, 4.17006540298461914062e+00)", "(2, inf)", r"the weight of connection 5 is not a finite number \(inf\)"),
    ("(2, 4.17006540298461914062e+00)", "(2, 1e999)", r"the weight of connection 5 is not a finite number"),
    ("(2, 4.17006540298461914062e+00)", "(2, 1e39)", r"layer 1's weights overflow float32"),
    ("(2, 4.17006540298461914062e+00)", "(99999999999999999999999, 4.1)",
     r"connection 5 comes from neuron \(huge\), but the network has 9 neurons"),
    ("(2, 4.17006540298461914062e+00)", "(9, 4.1)", r"connection 5 comes from neuron 9, but the network has 9"),
    ("(2, 4.17006540298461914062e+00)", "(1, 4.1)",
     r"connection_rate=1 declares a fully connected network, in which connection 5 \(input 2 of neuron 4\) comes "
     r"from neuron 2, but the file names neuron 1"),
    ("(2, 4.17006540298461914062e+00)", "(2, 4.17006540298461914062e+00) trailing",
     r"cannot read connection 6: 'trailing"),
    ("network_type=0", "network_type=7", r"network_type=7 is unknown"),
    ("connection_rate=1.000000", "connection_rate=-1", r"connection_rate=-1.0 must be > 0"),
    ("connection_rate=1.000000", "connection_rate=fast", r"connection_rate must be a number, got 'fast'"),
    ("num_layers=3", "num_layers=-3", r"num_layers must be a non-negative integer, got '-3'"),
    ("scale_included=0", "scale_included=2", r"scale_included=2 must be 0 or 1"),
    ("num_layers=3", "num_layers=" + "9" * 5000, r"line 2: num_layers='9{20}\.\.\.' is absurdly large"),
    ("layer_sizes=3 4 2 ", "layer_sizes=3 " + "9" * 5000 + " 2 ", r"line 33: layer_sizes holds '9{20}\.\.\.'"),
    ("(4, 5, 5.0", "(" + "9" * 5000 + ", 5, 5.0", r"line 36: the neurons have 1000000000000000009 inputs in all"),
]


@pytest.mark.parametrize("old, new, message", BAD_VALUES, ids=[f"{i}" for i in range(len(BAD_VALUES))])
def test_bad_values(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = XOR_NET
    assert old in text
    (tmp_path / "bad.net").write_text(text.replace(old, new, 1))
    # absurd sizes fail without allocating for them: the reader's peak (Python objects and numpy arrays, which
    # report to tracemalloc) is its bounded read of the file (16 MiB, measured) plus small objects, far below the
    # gigabytes and more that any of the absurd claims here would need
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message):
            load_fann(tmp_path / "bad.net")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"load_fann peaked at {peak} bytes before rejecting the file"


def test_bad_fixed_point(tmp_path: Path) -> None:
    text = sample("xor_fixed.net").read_text()
    (tmp_path / "dp.net").write_text(text.replace("decimal_point=12", "decimal_point=99"))
    with pytest.raises(ValueError, match="decimal_point=99 is out of range"):
        load_fann(tmp_path / "dp.net")


@pytest.mark.parametrize("opt, code", [(fn.RPROP(increase_factor=1.3, delta_max=20.0, delta_zero=0.05), 2),
                                       (fn.Quickprop(lr=0.4, decay=-0.0002, mu=2.0), 3),
                                       (fn.SGD(lr=0.25, momentum=0.5), 0), (fn.SARPROP(delta_max=30.0), 4)],
                         ids=["RPROP", "Quickprop", "SGD", "SARPROP"])
def test_training_algorithm_round_trip(opt, code, tmp_path, fann):
    """net.optimizer travels through FANN's training fields: FANN reads the algorithm, load_fann gives it back."""
    net = fn.Network([3, 4, 2], activation="sigmoid", output="sigmoid", loss="mse", seed=0)
    X = np.random.default_rng(0).random((20, 3)).astype(np.float32)
    net.fit(X, X[:, :2], epochs=2, optimizer=opt, verbose=0, **({"batch_size": 5} if not opt.full_batch else {}))
    path = tmp_path / "t.net"
    net.save_fann(path)
    text = path.read_text()
    assert f"training_algorithm={code}\n" in text
    back = fn.load_fann(path)
    assert back.optimizer == opt
    lib = fann.lib
    lib.fann_get_training_algorithm.argtypes = [ctypes.c_void_p]
    lib.fann_get_training_algorithm.restype = ctypes.c_int
    ann = lib.fann_create_from_file(str(path).encode())
    try:
        assert lib.fann_get_training_algorithm(ann) == code
    finally:
        lib.fann_destroy(ann)


def test_training_fields_out_of_range_still_load(tmp_path):
    net = fn.Network([2, 2], activation="sigmoid", output="sigmoid", loss="mse")
    net.save_fann(tmp_path / "a.net")
    text = (tmp_path / "a.net").read_text().replace("rprop_increase_factor=1.200000", "rprop_increase_factor=0.5")
    (tmp_path / "a.net").write_text(text)
    back = fn.load_fann(tmp_path / "a.net")
    assert back.optimizer is None  # an invalid setting: the network loads, without an optimizer
