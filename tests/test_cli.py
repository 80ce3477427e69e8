"""The ``fastnet`` command line (fastnet/cli.py): every subcommand through the real entry point
(``python -m fastnet`` in a subprocess, run from a temporary folder so that the installed package is imported),
plus in-process calls of ``fastnet.cli.main(argv)`` for the error paths. Small data only: the whole file runs in a
few seconds."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List, Sequence, Tuple

import numpy as np
import pytest

import fastnet as fn
from fastnet import cli

REPO = Path(__file__).resolve().parent.parent
MNIST = REPO / "data" / "mnist"
HAS_FANN = importlib.util.find_spec("fastnet.fann") is not None
SUBCOMMANDS = ["train", "eval", "predict", "info", "convert", "bench"]


# ------------------------------------------------------------------------------------------------- helpers
def run(args: Sequence[Any], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m fastnet ARGS`` in `cwd` (never the repo root, whose fastnet/ lacks the compiled core)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "fastnet", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def call(args: Sequence[Any], capsys: pytest.CaptureFixture) -> Tuple[int, str, str]:
    """``fastnet.cli.main(args)`` in-process: (exit status, stdout, stderr)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def blobs(n: int, n_in: int, k: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """k well-separated Gaussian classes: inputs (n, n_in) float32 and int64 labels."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, size=(k, n_in))
    y = np.arange(n) % k
    X = centers[y] + rng.normal(0, 0.5, size=(n, n_in))
    return X.astype(np.float32), y.astype(np.int64)


def write_fann(path: Path, X: np.ndarray, Y: np.ndarray) -> Path:
    """A FANN training-data text file."""
    lines = [f"{len(X)} {X.shape[1]} {Y.shape[1]}"]
    for x, t in zip(X, Y):
        lines.append(" ".join(f"{v:g}" for v in x))
        lines.append(" ".join(f"{v:g}" for v in t))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Tiny data sets: FANN classification (one-hot 0/1 and -1/1), FANN regression, npz labels."""
    d = tmp_path_factory.mktemp("cli-data")
    X, y = blobs(90, 4, 3, seed=1)
    Xt, yt = blobs(30, 4, 3, seed=2)
    eye = np.eye(3)
    reg_X = np.random.default_rng(3).uniform(-1, 1, size=(40, 2))
    reg_Y = np.stack([reg_X.sum(1), reg_X[:, 0] * reg_X[:, 1]], axis=1)
    np.savez(d / "blobs.npz", X=X, y=y)
    np.savez(d / "blobs_test.npz", X=Xt, y=yt)
    return {
        "dir": d,
        "train": write_fann(d / "blobs.train", X, eye[y]),
        "test": write_fann(d / "blobs.test", Xt, eye[yt]),
        "pm1": write_fann(d / "pm1.data", X, 2 * eye[y] - 1),
        "reg": write_fann(d / "reg.data", reg_X, reg_Y),
        "npz": d / "blobs.npz",
        "npz_test": d / "blobs_test.npz",
        "X_test": Xt,
        "y_test": yt,
    }


@pytest.fixture(scope="module")
def model(data: dict) -> Path:
    """A 4-8-3 model trained (in-process, 2 epochs) on the FANN blobs."""
    path = data["dir"] / "blobs.fnet"
    code = cli.main(["train", str(data["train"]), "--test", str(data["test"]), "--layers", "4,8,3", "--epochs",
                     "2", "--batch-size", "16", "--quiet", "--save", str(path)])
    assert code == 0 and path.exists()
    return path


# ------------------------------------------------------------------------------------------------- help
@pytest.mark.parametrize("sub", [None] + SUBCOMMANDS)
def test_help_exits_0(sub: str, tmp_path: Path) -> None:
    r = run(([sub] if sub else []) + ["--help"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: fastnet" + (f" {sub}" if sub else ""))
    if sub is None:
        for s in SUBCOMMANDS:
            assert s in r.stdout


def test_version_and_no_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    r = run(["--version"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"fastnet {fn.__version__}"
    code, out, err = call([], capsys)
    assert code == 2 and "a command is required" in err


# ------------------------------------------------------------------------------------------------- train
def test_train_fann_subprocess(data: dict, tmp_path: Path) -> None:
    out = tmp_path / "m.fnet"
    r = run(["train", data["train"], "--test", data["test"], "--layers", "4,8,3", "--epochs", "2",
             "--batch-size", "16", "--lr", "0.05", "--threads", "1", "--save", out], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "3 classes" in r.stdout  # one-hot FANN targets are classification
    assert "network: 4-8-3 relu/softmax, loss cross_entropy" in r.stdout
    assert "epoch 2/2" in r.stdout and "val_accuracy" in r.stdout
    assert "test: loss" in r.stdout and "accuracy" in r.stdout
    net = fn.load(out)
    assert net.sizes == [4, 8, 3]
    assert net.evaluate(data["X_test"], data["y_test"])["accuracy"] > 0.5


@pytest.mark.parametrize("algorithm", ["rprop", "quickprop", "sarprop", "adam"])
def test_train_algorithms(algorithm: str, data: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "a.fnet"
    code, stdout, err = call(["train", data["train"], "--test", data["test"], "--layers", "4,8,3", "--epochs", "30",
                              "--algorithm", algorithm, "--save", out], capsys)
    assert code == 0, err
    name = {"rprop": "RPROP", "quickprop": "Quickprop", "sarprop": "SARPROP", "adam": "Adam"}[algorithm]
    assert f"training: {name}(" in stdout
    assert ("full batch" in stdout) == (algorithm != "adam")
    net = fn.load(out)
    assert type(net.optimizer).__name__ == name  # saved with its optimizer (and state) for resuming
    assert net.evaluate(data["X_test"], data["y_test"])["accuracy"] > 0.4


def test_train_cascade(data: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for out in (tmp_path / "c.fnet", tmp_path / "c.net"):  # fastnet's format and FANN's shortcut network
        code, stdout, err = call(["train", data["train"], "--test", data["test"], "--algorithm", "cascade",
                                  "--max-neurons", "3", "--desired-error", "0.0001", "--save", out], capsys)
        assert code == 0, err
        assert "Cascade2 (RPROP), at most 3 hidden neurons" in stdout and "shortcut network" in stdout
        assert "FANN MSE" in stdout
        net = fn.load(out) if out.suffix == ".fnet" else fn.load_fann(out)
        assert type(net).__name__ == "CascadeNetwork" and net.num_hidden <= 3
        assert net.evaluate(data["X_test"], data["y_test"])["accuracy"] > 0.5


def test_train_npz_hidden_only(data: dict, tmp_path: Path) -> None:
    out = tmp_path / "n.fnet"
    r = run(["train", data["npz"], "--hidden", "6,5", "--epochs", "1", "--quiet", "--save", out], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "epoch" not in r.stdout  # --quiet: no progress
    assert r.stdout.startswith("train: loss")  # no --test: final metrics on the training data
    assert fn.load(out).sizes == [4, 6, 5, 3]


def test_train_layer_shorthands(data: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cases = [(["--layers", "7"], [4, 7, 3]), (["--hidden", "none"], [4, 3]), ([], [4, cli.DEFAULT_HIDDEN, 3]),
             (["--layers", "4-5-3"], [4, 5, 3])]
    for i, (opts, sizes) in enumerate(cases):
        out = tmp_path / f"s{i}.fnet"
        code, _, err = call(["train", data["npz"], *opts, "--epochs", "0", "--quiet", "--save", out], capsys)
        assert code == 0, err
        assert fn.load(out).sizes == sizes


def test_train_targets_interpretation(data: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # -1/1 one-hot rows: classification too
    code, out, err = call(["train", data["pm1"], "--epochs", "1", "--layers", "4,5,3"], capsys)
    assert code == 0, err
    assert "3 classes" in out and "accuracy" in out
    # other 2-D targets: regression, linear output, mse, no accuracy
    code, out, err = call(["train", data["reg"], "--epochs", "1", "--lr", "0.01"], capsys)
    assert code == 0, err
    assert "2 targets" in out and "linear, loss mse" in out and "accuracy" not in out
    # binary labels on a single sigmoid output
    X, y = blobs(20, 3, 2, seed=5)
    np.savez(tmp_path / "bin.npz", X=X, y=y)
    code, out, err = call(["train", tmp_path / "bin.npz", "--layers", "3,4,1", "--epochs", "1", "--quiet",
                           "--save", tmp_path / "bin.fnet"], capsys)
    assert code == 0, err
    assert fn.load(tmp_path / "bin.fnet").specs[-1].activation == "sigmoid"


def test_one_hot_labels() -> None:
    for Y in ([[0, 1, 0], [1, 0, 0]], [[-1, 1], [1, -1]]):
        labels = cli.one_hot_labels(np.array(Y, float))
        assert labels is not None and labels.tolist() == [1, 0]
    assert cli.one_hot_labels(np.array([[0, 1], [1, 1]], float)) is None       # two 1s
    assert cli.one_hot_labels(np.array([[0, 1], [-1, 1]], float)) is None      # mixed encodings
    assert cli.one_hot_labels(np.array([[0.2, 0.8], [1, 0]], float)) is None   # not 0/1
    assert cli.one_hot_labels(np.array([[1], [0]], float)) is None             # a single column


@pytest.mark.skipif(not MNIST.exists(), reason="data/mnist is not in this checkout")
def test_train_mnist_folder_limit(tmp_path: Path, capsys: pytest.CaptureFixture,
                                  request: pytest.FixtureRequest) -> None:
    request.addfinalizer(cli._mnist.cache_clear)  # do not keep 60,000 images alive for the other tests
    out = tmp_path / "mnist.fnet"
    code, stdout, err = call(["train", MNIST, "--limit", "600", "--layers", "784,16,10", "--epochs", "2",
                              "--batch-size", "32", "--save", out], capsys)
    assert code == 0, err
    assert "first 600 samples: 600 samples, 784 inputs, 10 classes" in stdout
    assert "MNIST t10k test set" in stdout  # the folder's t10k pair is the default test set
    line = next(L for L in stdout.splitlines() if L.startswith("test: loss"))
    assert "/10000)" in line
    acc = float(line.split("accuracy ")[1].split()[0])
    assert acc > 0.5
    code, stdout, err = call(["eval", out, MNIST, "--limit", "200"], capsys)
    assert code == 0, err
    assert "(MNIST t10k test set), first 200 samples" in stdout


# ------------------------------------------------------------------------------------------------ eval / predict / info
def test_eval(model: Path, data: dict, tmp_path: Path) -> None:
    r = run(["eval", model, data["test"]], tmp_path)
    assert r.returncode == 0, r.stderr
    net = fn.load(model)
    m = net.evaluate(data["X_test"], data["y_test"])
    lines = r.stdout.splitlines()
    loss = float(next(L for L in lines if L.startswith("loss (cross_entropy): ")).split(": ")[1])
    assert loss == pytest.approx(m["loss"], rel=1e-4, abs=1e-6)
    assert f"accuracy: {m['accuracy']:.4f}" in r.stdout
    i = lines.index("confusion matrix (rows: true class, columns: predicted class):")
    table = lines[i + 1:i + 5]
    assert table[0].split() == ["true\\pred", "0", "1", "2", "recall"]
    counts = np.array([[int(v) for v in row.split()[1:4]] for row in table[1:]])
    pred = net.predict_classes(data["X_test"])
    assert counts.sum() == 30 and np.trace(counts) == int((pred == data["y_test"]).sum())
    # the same samples as .npz labels (the FANN file rounds inputs to 6 digits): same accuracy and matrix
    r2 = run(["eval", model, data["npz_test"]], tmp_path)
    assert r2.returncode == 0 and r2.stdout.splitlines()[3:] == lines[3:]


def test_predict(model: Path, data: dict, tmp_path: Path) -> None:
    net = fn.load(model)
    expected = net.predict(data["X_test"])
    r = run(["predict", model, data["test"]], tmp_path)  # CSV on stdout
    assert r.returncode == 0, r.stderr
    got = np.loadtxt(r.stdout.splitlines(), delimiter=",")
    assert got.shape == (30, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)  # summation order may differ by thread count
    r = run(["predict", model, data["npz_test"], "--output", tmp_path / "p.npy"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "wrote 30 predictions" in r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), expected, rtol=1e-4, atol=1e-6)
    r = run(["predict", model, data["test"], "--classes", "--limit", "5", "-o", tmp_path / "c.csv"], tmp_path)
    assert r.returncode == 0, r.stderr
    classes = np.loadtxt(tmp_path / "c.csv", delimiter=",", dtype=np.int64)
    np.testing.assert_array_equal(classes, net.predict_classes(data["X_test"][:5]))
    # inputs only: an .npy file, or an .npz without y
    np.save(tmp_path / "x.npy", data["X_test"][:4])
    r = run(["predict", model, tmp_path / "x.npy"], tmp_path)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 4


def test_info(model: Path, tmp_path: Path) -> None:
    r = run(["info", model], tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"({model.stat().st_size:,} bytes)" in out
    assert f"written by:   fastnet {fn.__version__}" in out
    assert "format version 1" in out
    assert "architecture: 4-8-3" in out
    assert f"parameters:   {4 * 8 + 8 + 8 * 3 + 3}" in out
    assert "loss:         cross_entropy" in out and "dtype:        float32" in out
    assert "relu" in out and "softmax" in out


def test_info_refuses_an_endless_stream(tmp_path: Path) -> None:
    """Fails if `fastnet info` reads a device to its end (it read /dev/zero until memory ran out)."""
    r = run(["info", "/dev/zero"], tmp_path, timeout=30)
    assert r.returncode == 1 and "not a regular file" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------------------------------------- convert / bench
@pytest.mark.skipif(not HAS_FANN, reason="fastnet.fann (FANN .net support) is not in this checkout yet")
def test_convert_round_trip(data: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = tmp_path / "tanh.fnet"
    code, _, err = call(["train", data["train"], "--layers", "4,6,3", "--activation", "tanh", "--output", "sigmoid",
                         "--epochs", "1", "--quiet", "--save", src], capsys)
    assert code == 0, err
    r = run(["convert", src, tmp_path / "tanh.net"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "tanh.net").read_text().startswith("FANN_")
    r = run(["convert", tmp_path / "tanh.net", tmp_path / "back.fnet"], tmp_path)
    assert r.returncode == 0, r.stderr
    X = data["X_test"]
    np.testing.assert_allclose(fn.load(tmp_path / "back.fnet").predict(X), fn.load(src).predict(X), rtol=1e-6)
    # info and eval read .net files too
    code, out, _ = call(["info", tmp_path / "tanh.net"], capsys)
    assert code == 0 and "FANN .net" in out and "architecture: 4-6-3" in out
    # relu/softmax have no FANN equivalent: a clear error, before training when saving to .net
    code, _, err = call(["convert", src.with_name("x.fnet"), tmp_path / "x.net"], capsys)
    assert code == 1 and "no such model file" in err
    code, _, err = call(["train", data["train"], "--epochs", "1", "--save", tmp_path / "relu.net"], capsys)
    assert code == 2 and "cannot be saved as a FANN .net file" in err and "relu" in err


def test_convert_errors(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = call(["convert", model, tmp_path / "out.txt"], capsys)
    assert code == 2 and "out.txt: unknown model format" in err
    monkeypatch.setitem(sys.modules, "fastnet.fann", None)  # as if fastnet.fann did not exist
    code, _, err = call(["convert", model, tmp_path / "out.net"], capsys)
    assert code == 1 and "fastnet.fann is not available" in err
    assert not (tmp_path / "out.net").exists()


def test_bench(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    ran: List[List[str]] = []

    def fake_run(cmd: List[str], cwd: str) -> int:
        ran.append(cmd)
        return 0

    monkeypatch.setattr(cli, "_run_script", fake_run)
    if cli.bench_script() is not None:  # a source checkout (as when the tests run from the repo)
        code, _, err = call(["bench", "--quick", "--only", "5"], capsys)
        assert code == 0, err
        assert ran and ran[0][1].endswith(os.path.join("bench", "compare.py"))
        assert ran[0][2:] == ["--quick", "--only", "5"]
    monkeypatch.setattr(cli, "bench_script", lambda: None)  # an installed wheel: no benchmarks
    code, _, err = call(["bench", "--quick"], capsys)
    assert code == 2 and "need a source checkout" in err


# ------------------------------------------------------------------------------------------------- user errors
def test_errors_through_entry_point(data: dict, model: Path, tmp_path: Path) -> None:
    """Exit status and a one-line message naming the problem, never a traceback."""
    (tmp_path / "junk.fnet").write_bytes(b"not a model at all")
    cases = [
        (["train", "missing.data"], 1, "missing.data: no such file or folder"),
        (["eval", "missing.fnet", data["test"]], 1, "missing.fnet: no such model file"),
        (["info", tmp_path / "junk.fnet"], 1, "not a valid fastnet model"),
        (["train", data["train"], "--layers", "4,x,3"], 2, "argument --layers"),
        (["train", data["train"], "--layers", "5,8,3"], 2, "the first size must be the data's 4 inputs, not 5"),
        (["train", data["train"], "--layers", "4,8,2"], 2, "the last size must be the data's 3 classes, not 2"),
        (["train", data["train"], "--algorithm", "rprop", "--lr", "0.1"], 2, "rprop has no learning rate"),
        (["train", data["train"], "--algorithm", "rprop", "--batch-size", "8"], 2, "full-batch algorithm"),
        (["train", data["train"], "--algorithm", "adam", "--momentum", "0.5"], 2, "--momentum is for"),
        (["train", data["train"], "--algorithm", "cascade", "--layers", "4,8,3"], 2, "grows its own hidden neurons"),
        (["train", data["train"], "--algorithm", "cascade", "--desired-error", "-1"], 2, "argument --desired-error"),
        (["train", data["train"], "--algorithm", "genetic"], 2, "invalid choice: 'genetic'"),
        (["train", data["train"], "--epochs", "-1"], 2, "argument --epochs"),
        (["eval", model, data["reg"]], 1, "has 2 inputs per sample but the model"),
    ]
    for args, status, message in cases:
        r = run(args, tmp_path)
        assert r.returncode == status, (args, r.stdout, r.stderr)
        assert message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr and r.stdout == ""


def test_errors_in_process(data: dict, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    d = tmp_path
    (d / "bad.data").write_text("3 2 1\n1 2 3\n")
    (d / "notes.txt").write_text("hello world\n")
    (d / "bin.data").write_bytes(bytes(range(256)))
    np.savez(d / "noX.npz", inputs=np.zeros((3, 2)))
    np.savez(d / "noy.npz", X=np.zeros((3, 4)))
    (d / "empty").mkdir()
    np.save(d / "x.npy", np.zeros((3, 4)))
    np.savez(d / "nan.npz", X=np.array([[0.0, np.nan]]), y=np.array([1]))
    cases = [
        (["train", d / "bad.data"], 1, "expected 9 numbers for 3 samples"),
        (["train", d / "notes.txt"], 1, "unrecognized data format"),
        (["train", d / "bin.data"], 1, "not a text file"),
        (["train", d / "noX.npz"], 1, "has no array 'X' (it has: inputs)"),
        (["train", d / "noy.npz"], 1, "has no targets"),
        (["train", d / "empty"], 1, "not a data folder"),
        (["train", d / "x.npy"], 1, "holds inputs only"),
        (["train", d / "nan.npz"], 1, "nan.npz: the inputs contain NaN"),
        (["train", data["train"], "--test", data["reg"]], 1, "has 2 inputs per sample"),
        (["train", data["train"], "--layers", "4,3", "--hidden", "5"], 2, "either --layers or --hidden"),
        (["train", data["train"], "--output", "linear", "--loss", "cross_entropy"], 2, "needs a 'softmax'"),
        (["train", data["train"], "--save", d / "no" / "such" / "m.fnet"], 1, "does not exist"),
        (["train", data["train"], "--lr", "0"], 2, "argument --lr"),
        (["eval", d / "empty", data["test"]], 1, "is a folder, not a model file"),
        (["eval", model, d / "noy.npz"], 1, "has no targets"),
        (["predict", model, data["test"], "--output", d / "p.json"], 2, "must end in .csv or .npy"),
        (["info", data["train"]], 1, "not a valid fastnet model"),
    ]
    for args, status, message in cases:
        code, out, err = call(args, capsys)
        assert code == status, (args, out, err)
        assert message in err, (args, err)
        assert "Traceback" not in err
    assert not (d / "no").exists()


# ------------------------------------------------------------------------------------------------- saves that keep data
def test_interrupted_train_keeps_the_saved_model(data: dict, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C during training: the existing --save file is untouched, the partial model goes beside it."""
    path = tmp_path / "m.fnet"
    path.write_bytes(model.read_bytes())
    real_fit = fn.Network.fit

    def fit_then_ctrl_c(self: fn.Network, *args: Any, **kwargs: Any) -> Any:
        real_fit(self, *args, **dict(kwargs, epochs=1))
        raise KeyboardInterrupt  # as if Ctrl-C came during the second epoch

    monkeypatch.setattr(fn.Network, "fit", fit_then_ctrl_c)
    code, _, err = call(["train", data["train"], "--layers", "4,5,3", "--epochs", "50", "--quiet", "--save", path],
                        capsys)
    assert code == 130, err
    assert path.read_bytes() == model.read_bytes()
    checkpoint = tmp_path / "m.interrupted.fnet"
    assert f"saved the partly trained model to {checkpoint}; {path} was left unchanged" in err
    assert fn.load(checkpoint).sizes == [4, 5, 3]
    assert cli.interrupted_path("m.net") == "m.interrupted.net"
    assert cli.interrupted_path("model") == "model.interrupted.fnet"


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery as on POSIX")
def test_ctrl_c_through_entry_point(data: dict, model: Path, tmp_path: Path) -> None:
    import signal

    path = tmp_path / "m.fnet"
    path.write_bytes(model.read_bytes())
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "fastnet", "train", str(data["train"]), "--layers", "4,5,3",
                             "--epochs", "1000000", "--batch-size", "90", "--save", str(path)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # wait until training runs (the first epoch is printed), then Ctrl-C
            if line.startswith("epoch 1/"):
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert path.read_bytes() == model.read_bytes()
    assert fn.load(tmp_path / "m.interrupted.fnet").sizes == [4, 5, 3]


def test_outputs_that_are_inputs_are_refused(data: dict, model: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    X, y = blobs(30, 4, 3, seed=7)
    npz = tmp_path / "X.npz"
    np.savez(npz, X=X, y=y)
    alias = tmp_path / "alias.npz"
    if os.name == "posix":
        alias.symlink_to(npz)
    else:
        alias = npz
    np.save(tmp_path / "x.npy", X)
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    (mnist / "train-labels-idx1-ubyte").write_bytes(b"labels")
    saved_model = tmp_path / "m.fnet"
    saved_model.write_bytes(model.read_bytes())
    before = {p: p.read_bytes() for p in (npz, tmp_path / "x.npy", mnist / "train-labels-idx1-ubyte", saved_model)}
    cases = [
        (["train", npz, "--epochs", "1", "--save", npz], f"it is the input file {npz}"),
        (["train", npz, "--epochs", "1", "--save", alias], "it is the input file"),
        (["train", data["train"], "--test", npz, "--epochs", "1", "--save", npz], "it is the input file"),
        (["train", mnist, "--save", mnist / "train-labels-idx1-ubyte"], "(in "),
        (["predict", saved_model, tmp_path / "x.npy", "-o", tmp_path / "x.npy"], "refusing to write the predictions"),
        (["convert", saved_model, saved_model], "refusing to write the model"),
    ]
    for args, message in cases:
        code, out, err = call(args, capsys)
        assert code == 2, (args, out, err)
        assert message in err and "epoch" not in out, (args, err)
    for p, content in before.items():
        assert p.read_bytes() == content, p


@pytest.mark.skipif(os.name != "posix", reason="permission bits as on POSIX")
def test_read_only_save_path_is_refused_before_training(data: dict, model: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "m.fnet"
    path.write_bytes(model.read_bytes())
    path.chmod(0o444)
    try:
        code, out, err = call(["train", data["train"], "--epochs", "1", "--save", path], capsys)
        assert code == 1 and "read-only" in err and str(path) in err
        assert out == ""  # refused before reading the data and training
        assert path.read_bytes() == model.read_bytes()
    finally:
        path.chmod(0o644)


def _broken_npz_files(folder: Path) -> List[Path]:
    X, y = blobs(20, 4, 2, seed=9)
    good = folder / "good.npz"
    np.savez(good, X=X, y=y)
    raw = good.read_bytes()
    np.savez_compressed(folder / "zgood.npz", X=X, y=y)
    zraw = (folder / "zgood.npz").read_bytes()
    files = {
        "truncated.npz": raw[:len(raw) // 2],                                   # no central directory
        "crc.npz": raw[:200] + bytes([raw[200] ^ 0xFF]) + raw[201:],           # a flipped data byte: bad CRC-32
        "header.npz": raw.replace(b"'descr'", b"'dscr!'", 1),                   # the .npy header inside is bad
        "deflate.npz": zraw[:80] + bytes(40) + zraw[120:],                       # a broken deflate stream
        "zipjunk.npz": b"PK\x03\x04" + bytes(100),                              # zip magic, then nothing
    }
    paths = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        paths.append(folder / name)
    np.savez(folder / "objects.npz", X=np.array([{"a": 1}, None], dtype=object), y=np.array([0, 1]))
    paths.append(folder / "objects.npz")  # needs pickle, which fastnet never loads
    return paths


def test_broken_npz_is_one_line(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for path in _broken_npz_files(tmp_path):
        for args in (["train", path], ["eval", model, path], ["predict", model, path]):
            code, out, err = call(args, capsys)
            assert code == 1, (args, err)
            assert err.count("\n") == 1 and "Traceback" not in err, (args, err)
            assert f"{path}: not a readable .npz file" in err, (args, err)
    r = run(["train", tmp_path / "crc.npz"], tmp_path)  # and through the real entry point
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not a readable .npz file" in r.stderr


def test_lying_npy_header_is_one_line(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "huge.npy"
    np.save(path, np.zeros((2, 3), np.float32))
    path.write_bytes(path.read_bytes().replace(b"(2, 3)", b"(9999999999, 99999999)"))  # ~3 exabytes claimed
    code, _, err = call(["predict", model, path], capsys)
    assert code == 1 and err.count("\n") == 1
    assert f"{path}: not a readable .npy file" in err and "header is corrupted" in err


def test_unforeseen_error_is_one_line(data: dict, capsys: pytest.CaptureFixture,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a failure no handler foresaw")

    monkeypatch.setattr(cli, "read_data", broken)
    code, _, err = call(["train", data["train"]], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "fastnet train: error: RuntimeError: a failure no handler foresaw" in err and "FASTNET_DEBUG" in err
    monkeypatch.setenv("FASTNET_DEBUG", "1")  # for a bug report: the traceback
    with pytest.raises(RuntimeError, match="no handler foresaw"):
        cli.main(["train", str(data["train"])])
