"""fastnet.distributed: data-parallel training over MPI, and the shard helpers.

The MPI tests launch ``mpiexec -n 2 python tests/mpi/<script>.py`` (one launch for all training scenarios, one
for the error cases) with a timeout, and compare what the ranks trained with single-process runs done here.
They skip, saying why, only when mpiexec or mpi4py is absent (.ci/run installs both). The shard helpers and
the schedule are tested without MPI.
"""

import gzip
import importlib.util
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import fastnet as fn
from fastnet.distributed import load_fann_data_shard, load_idx_shard, shard, shard_indices, step_bounds

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "mpi"))
from scenarios import SCENARIOS, SINGLE_PROCESS_EQUIVALENT, data, global_order, snapshot  # noqa: E402

MPIEXEC = shutil.which("mpiexec")
HAVE_MPI4PY = importlib.util.find_spec("mpi4py") is not None
needs_mpi = pytest.mark.skipif(
    MPIEXEC is None or not HAVE_MPI4PY,
    reason="distributed tests need an MPI runtime (mpiexec) and mpi4py: apt-get install mpich libmpich-dev && "
           "pip install --no-binary=mpi4py mpi4py (see the README); .ci/run installs them")
TIMEOUT = 90  # seconds for one mpiexec launch; a hang fails the test instead of blocking the suite


def run_mpi(script, *args, ranks=2, timeout=TIMEOUT):
    """mpiexec -n ranks python script args, killed (the whole process group) after `timeout` seconds."""
    env = dict(os.environ, OMP_NUM_THREADS="1",
               # Open MPI refuses root (CI runs as root) and, on 2-core machines, more ranks than cores
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    cmd = [MPIEXEC, "-n", str(ranks), sys.executable, str(HERE / "mpi" / script), *map(str, args)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} hung: killed after {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    return proc.returncode, out, err, time.monotonic() - start


@pytest.fixture(scope="module")
def scenario_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpi_scenarios")
    rc, stdout, stderr, _ = run_mpi("run_scenarios.py", out)
    assert rc == 0, f"mpiexec failed ({rc})\nstdout:\n{stdout}\nstderr:\n{stderr}"

    def load(name, rank):
        with open(out / f"{name}.rank{rank}.pkl", "rb") as f:
            return pickle.load(f)

    return load


@pytest.fixture(scope="module")
def error_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpi_errors")
    rc, stdout, stderr, seconds = run_mpi("errors.py", out)
    results = []
    for rank in range(2):
        p = out / f"errors.rank{rank}.json"
        assert p.exists(), f"rank {rank} wrote no results ({rc})\nstdout:\n{stdout}\nstderr:\n{stderr}"
        results.append(json.loads(p.read_text()))
    return rc, stdout, stderr, seconds, results


# ---------------------------------------------------------------- 2 ranks against one process
@needs_mpi
@pytest.mark.parametrize("name", SINGLE_PROCESS_EQUIVALENT)
def test_two_ranks_train_like_one_process(scenario_results, name):
    """Strided (or contiguous) shards, global batch B, shuffle off: after N steps the 2-rank weights equal those
    of a single-process fit with batch B over the same samples per step, to float32 tolerance; the ranks hold
    bit-identical weights; loss/accuracy and validation metrics equal the single-process ones."""
    build, mode, kwargs, with_val = SCENARIOS[name]
    r0, r1 = scenario_results(name, 0), scenario_results(name, 1)
    assert r0["size"] == 2, "mpiexec did not start 2 ranks of one job (mpi4py built for another MPI?)"
    assert np.array_equal(r0["arena"], r1["arena"]), "the ranks' weights differ"
    assert r0["in_sync"] and r1["in_sync"]
    assert r0["history"] == r1["history"]

    X, y, Xv, yv = data()
    order = global_order(len(X), 2, mode)
    net = build()
    if "sample_weight" in kwargs:  # the weights in the order the ranks visit the samples
        kwargs = dict(kwargs, sample_weight=kwargs["sample_weight"][order])
    h = net.fit(X[order], y[order], verbose=0, **kwargs, **({"validation_data": (Xv, yv)} if with_val else {}))
    ref = snapshot(net)
    for i, (t_ref, t_mpi) in enumerate(zip(ref["topology"], r0["topology"])):
        if t_ref is not None:  # the same sparse topology (also after SET rewiring, decided on rank 0)
            assert np.array_equal(t_ref[0], t_mpi[0]) and np.array_equal(t_ref[1], t_mpi[1]), f"layer {i}"
    for i, (a, b) in enumerate(zip(ref["weights"] + ref["bias"], r0["weights"] + r0["bias"])):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5, err_msg=f"parameter array {i}")
    assert r0["history"]["samples_per_second"][0] > 0
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "momentum"):
        assert (key in h) == (key in r0["history"]), key
        if key in h:
            np.testing.assert_allclose(r0["history"][key], h[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert ("val_loss" in h) == with_val


@needs_mpi
def test_dropout_and_shuffle_keep_ranks_identical_and_runs_reproducible(scenario_results):
    r0, r1 = scenario_results("dropout_shuffle", 0), scenario_results("dropout_shuffle", 1)
    assert np.array_equal(r0["arena"], r1["arena"])
    assert np.array_equal(r0["again"], r0["arena"]) and np.array_equal(r1["again"], r1["arena"])
    assert r0["history"] == r1["history"] and len(r0["history"]["loss"]) == 2


# ---------------------------------------------------------------- errors: raised everywhere, or the job aborts
@needs_mpi
@pytest.mark.parametrize("case, kind, words", [
    ("architecture", "ValueError", ["architecture differs across ranks", "Dense(12, 16", "Dense(12, 17"]),
    ("nan_shard", "ValueError", ["rank 1 of 2", "NaN"]),
    ("features", "ValueError", ["rank 1 of 2", "12 features"]),
    ("batch_size", "ValueError", ["batch_size differs across ranks", "rank 1 has 17"]),
    ("callback", "ValueError", ["epoch 2", "rank 1 of 2", "callback failure on rank 1"]),
    ("diverged", "FloatingPointError", ["training diverged", "epoch 1"]),
])
def test_bad_arguments_raise_the_same_error_on_every_rank(error_run, case, kind, words):
    results = error_run[4]
    for rank in range(2):
        got = results[rank][case]
        assert got is not None, f"rank {rank}: no error for {case}"
        assert got[0] == kind, got
        for w in words:
            assert w in got[1], (w, got[1])
    assert results[0][case] == results[1][case]


@needs_mpi
def test_job_stays_usable_after_collective_errors_syncs_seeds_and_saves_on_rank0(error_run):
    results = error_run[4]
    assert all(r["in_sync"] and r["saved"] and r["seeds_synced"] for r in results)


@needs_mpi
def test_a_rank_that_raises_stops_the_whole_job_with_its_message(error_run):
    rc, stdout, stderr, seconds, _ = error_run
    assert rc != 0
    assert "injected failure on rank 1" in stderr and "rank 1 of 2 failed during fit" in stderr
    assert "should not have" not in stdout
    assert seconds < TIMEOUT


# ---------------------------------------------------------------- without MPI
class SelfComm:
    """The few communicator methods fit looks for, for one process (no mpi4py needed)."""

    def Get_rank(self):
        return 0

    def Get_size(self):
        return 1

    def Allreduce(self, *a):
        pass

    def allgather(self, x):
        return [x]

    def bcast(self, x, root=0):
        return x


def test_one_rank_is_the_ordinary_fit():
    X, y, _, _ = data()
    a, b = SCENARIOS["sgd"][0](), SCENARIOS["sgd"][0]()
    ha = a.fit(X, y, epochs=2, batch_size=16, lr=0.1, verbose=0)
    hb = b.fit(X, y, epochs=2, batch_size=16, lr=0.1, verbose=0, comm=SelfComm())
    assert np.array_equal(snapshot(a)["arena"], snapshot(b)["arena"]) and ha["loss"] == hb["loss"]
    with pytest.raises(TypeError, match="mpi4py communicator"):
        a.fit(X, y, comm=object())


@pytest.mark.parametrize("mode", ["contiguous", "strided"])
@pytest.mark.parametrize("n, size", [(10, 3), (7, 7), (3, 5), (0, 2), (1000, 4)])
def test_shard_indices_partition(n, size, mode):
    parts = [shard_indices(n, r, size, mode) for r in range(size)]
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(n))
    lens = [len(p) for p in parts]
    assert max(lens) - min(lens) <= 1 and lens == sorted(lens, reverse=True)
    if mode == "strided":
        assert all(np.array_equal(p, np.arange(r, n, size)) for r, p in enumerate(parts))
    else:
        assert all(np.all(np.diff(p) == 1) for p in parts)


def test_shard_arguments():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    Xs, ys = shard(X, y, rank=1, size=3)
    assert np.array_equal(Xs, X[4:7]) and np.array_equal(ys, y[4:7]) and np.shares_memory(Xs, X)
    Xs, ys = shard(X, y, rank=2, size=3, mode="strided")
    assert np.array_equal(Xs, X[2::3]) and Xs.flags.c_contiguous
    assert np.array_equal(shard(X, rank=0, size=2), X[:5])
    with pytest.raises(ValueError, match="same number of rows"):
        shard(X, y[:9], rank=0, size=2)
    with pytest.raises(ValueError, match="shard mode"):
        shard_indices(10, 0, 2, "random")
    with pytest.raises(ValueError, match="rank must be <= 1"):
        shard_indices(10, 2, 2)
    with pytest.raises(ValueError, match="rank= and size="):
        shard(X, y, rank=0)
    with pytest.raises(ValueError, match="not both"):
        shard(X, y, SelfComm(), rank=0, size=1)


def _round_robin(sizes):
    return [r for t in range(max(sizes)) for r, n in enumerate(sizes) if n > t]


@pytest.mark.parametrize("sizes, batch", [([51, 50], 10), ([5, 3], 4), ([80, 20, 1], 7), ([4, 4], 3),
                                          ([0, 6, 2], 5), ([3], 1), ([2, 2], 100)])
def test_step_bounds_are_global_batches_of_the_round_robin_interleaving(sizes, batch):
    b = step_bounds(sizes, batch)
    order = _round_robin(sizes)
    steps = -(-len(order) // batch)
    assert b.shape == (steps + 1, len(sizes))
    for k in range(steps):
        seg = order[: (k + 1) * batch]
        assert list(b[k + 1]) == [seg.count(r) for r in range(len(sizes))]
    counts = np.diff(b.sum(axis=1))
    assert (counts[:-1] == batch).all() and counts.sum() == sum(sizes)


def _write_idx(path, a, dtype_code):
    header = bytes([0, 0, dtype_code, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    payload = header + a.tobytes()
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        Path(path).write_bytes(payload)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("mode", ["contiguous", "strided"])
def test_load_idx_shard_equals_the_rows_of_load_idx(tmp_path, gz, mode, rng):
    images = rng.integers(0, 256, size=(23, 4, 3), dtype=np.uint8)
    floats = rng.normal(size=(23, 5)).astype(">f4")
    for name, a, code in (("img", images, 0x08), ("flt", floats, 0x0D)):
        p = tmp_path / (name + (".idx.gz" if gz else ".idx"))
        _write_idx(p, a, code)
        full = fn.datasets.load_idx(p)
        for size in (1, 3, 5, 30):
            got = [load_idx_shard(p, rank=r, size=size, mode=mode) for r in range(size)]
            for r, g in enumerate(got):
                assert g.dtype == full.dtype and g.dtype.isnative
                assert np.array_equal(g, full[shard_indices(len(full), r, size, mode)])


def test_load_idx_shard_checks_the_file(tmp_path):
    a = np.zeros((6, 4), np.uint8)
    for gz in (False, True):
        p = tmp_path / ("t.idx.gz" if gz else "t.idx")
        _write_idx(p, a, 0x08)
        raw = gzip.decompress(p.read_bytes()) if gz else p.read_bytes()
        for bad, match in ((raw[:-1], "payload"), (raw + b"\0", "payload|longer"), (b"\1" + raw[1:], "magic")):
            p.write_bytes(gzip.compress(bad) if gz else bad)
            with pytest.raises(ValueError, match=match):
                load_idx_shard(p, rank=0, size=2)
    p = tmp_path / "junk.gz"
    p.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="gzip"):
        load_idx_shard(p, rank=0, size=1)


def test_load_mnist_shard(mnist):
    Xtr, ytr, Xte, yte = fn.distributed.load_mnist_shard(rank=1, size=3, mode="strided")
    assert np.array_equal(Xtr, mnist[0][1::3]) and np.array_equal(ytr, mnist[1][1::3])
    assert np.array_equal(Xte, mnist[2][1::3]) and np.array_equal(yte, mnist[3][1::3])
    assert Xtr.dtype == np.float32 and ytr.dtype == np.int64


@pytest.mark.parametrize("mode", ["contiguous", "strided"])
def test_load_fann_data_shard_equals_the_rows_of_load_fann_data(tmp_path, mode, rng):
    X = rng.normal(size=(37, 3)).astype(np.float32)
    Y = rng.normal(size=(37, 2)).astype(np.float32)
    p = tmp_path / "a.data"
    fn.datasets.save_fann_data(p, X, Y)
    # the same numbers laid out unusually: header over two lines, several samples on one line, blank lines
    q = tmp_path / "b.data"
    tokens = p.read_text().split()
    q.write_text("37 3\n 2\n\n" + "\n".join(" ".join(tokens[3 + i:3 + i + 7]) for i in range(0, 37 * 5, 7)) + "\n")
    for path in (p, q):
        Xf, Yf = fn.datasets.load_fann_data(path)
        for size in (1, 2, 5, 40):
            for r in range(size):
                Xs, Ys = load_fann_data_shard(path, rank=r, size=size, mode=mode)
                idx = shard_indices(37, r, size, mode)
                assert np.array_equal(Xs, Xf[idx]) and np.array_equal(Ys, Yf[idx])
                assert Xs.dtype == np.float32 and Xs.shape == (len(idx), 3) and Ys.shape == (len(idx), 2)


@pytest.mark.parametrize("text, match", [
    ("2 1 1\n1 2\n3\n", r"truncated file: expected 4 numbers .* found 3: the file ends \(line 3\) before output 1 of 1 "
                         r"of sample 2 of 2"),
    ("2 1 1\n1 2\n3 4\n5\n", r":4: .*extra data.*'5'"),
    ("2 1 1\n1 2\n3 x\n", r":3: value 'x' \(output 1 of 1 of sample 2 of 2\) is a non-numeric value"),
    ("2 1 1\n1 nan\n3 4\n", r":2: value 'nan' .* is not finite"),
    ("2 1 1\n1 1e39\n3 4\n", r":2: .*out of float32 range"),
    ("2 1\n", "not a FANN data file"),
    ("2 x 1\n1 2\n", ":1: the first line must be three integers"),
    ("2 0 1\n", "invalid sizes"),
])
def test_load_fann_data_shard_errors_name_the_line(tmp_path, text, match):
    p = tmp_path / "bad.data"
    p.write_text(text)
    for r in range(2):  # every rank fails the same way, whichever rows it keeps
        with pytest.raises(ValueError, match=match):
            load_fann_data_shard(p, rank=r, size=2)


@needs_mpi
def test_sarprop_on_fann_tanh_error_trains_like_one_process(tmp_path):
    """SARPROP's step uses FANN's MSE, which the fann_tanh loss converts differently from mse: a distributed epoch
    (gradient and loss summed over the ranks, one update in trainer.cpp) must compute the same MSE as one process,
    so the loss history and the weights after 50 epochs equal the single-process run's."""
    from scenarios import SARPROP_TANH_EPOCHS, sarprop_tanh_data, sarprop_tanh_net

    rc, stdout, stderr, _ = run_mpi("sarprop_tanh.py", tmp_path)
    assert rc == 0, f"mpiexec failed ({rc})\nstdout:\n{stdout}\nstderr:\n{stderr}"
    r = []
    for rank in range(2):
        with open(tmp_path / f"sarprop_tanh.rank{rank}.pkl", "rb") as f:
            r.append(pickle.load(f))
    assert r[0]["size"] == 2
    assert np.array_equal(r[0]["arena"], r[1]["arena"]) and r[0]["in_sync"] and r[1]["in_sync"]
    assert r[0]["history"] == r[1]["history"]

    X, T = sarprop_tanh_data()
    net = sarprop_tanh_net()
    h = net.fit(X, T, epochs=SARPROP_TANH_EPOCHS, optimizer=fn.SARPROP(), shuffle=False, verbose=0)
    assert len(h["loss"]) == len(r[0]["history"]["loss"]) == SARPROP_TANH_EPOCHS
    assert len(set(h["loss"])) > 1  # it trains (the loss moves), so equality below is not vacuous
    np.testing.assert_allclose(r[0]["history"]["loss"], h["loss"], rtol=1e-5, atol=1e-6, err_msg="loss")
    ref = snapshot(net)
    for i, (a, b) in enumerate(zip(ref["weights"] + ref["bias"], r[0]["weights"] + r[0]["bias"])):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5, err_msg=f"parameter array {i}")
