#!/usr/bin/env python
"""FANN's full-batch training algorithms, FANN 2.2 against fastnet, on FANN's own PROBEN1 data sets.

    python bench/compare_fann.py [--threads 2] [--algorithms rprop,quickprop] [--sets mushroom,robot]
                                 [--epochs-scale 1.0] [--data ../shared/data/fann] [--out bench/results]

For every data set (X.train / X.test in FANN's text format) and algorithm, both libraries train the same network
shape (inputs-hidden-outputs, sigmoid hidden and output neurons: FANN_SIGMOID, i.e. the logistic function, and
fastnet's sigmoid), for the same number of epochs, with the same algorithm and FANN's default parameters:

* FANN 2.2 (Debian's libfann-dev, libfloatfann.so.2 through ctypes): ``fann_create_standard_array``, weights
  uniform in [-0.1, 0.1] as FANN creates them, ``fann_set_training_algorithm`` (FANN_TRAIN_RPROP is FANN's
  default, FANN_TRAIN_QUICKPROP), its default error function (FANN_ERRORFUNC_TANH), ``fann_train_epoch`` per
  epoch (FANN's C loop: one pass computing the summed slopes, then the update).
* fastnet: ``fn.Network(sizes, activation="sigmoid", output="sigmoid", loss="fann_tanh")``: the logistic
  function with its exact derivative and FANN's default error function (``--activation fann_sigmoid`` trains
  with FANN's clipped derivative instead, ``--loss mse`` with the plain error); default initialization,
  ``net.fit(X, Y, epochs, optimizer=fn.RPROP() | fn.Quickprop())`` on ``--threads`` threads.

Each library runs --repeats times (FANN seeds its own generator from the clock; fastnet takes seeds
seed, seed+1, ...). Reported per set and algorithm: seconds per epoch (training only, median run) and fastnet's
speed-up, and averaged over the runs the final training MSE, test MSE (± its standard deviation over the runs,
and the difference fastnet − FANN in units of its standard error: within ±2 is run-to-run noise) and test
classification accuracy (argmax over the outputs; > 0.5 for one output). MSE here is the mean over samples and
outputs of (y - t)^2 for both libraries, computed in numpy from each one's outputs.

Targets (issue #7): fastnet's RPROP reaches FANN's RPROP test error or better on every set, at least 2x faster
per epoch on 2 threads. Nothing is asserted; the table says PASS/FAIL.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fastnet as fn  # noqa: E402

from peers import Unavailable, _FannTrainData, fann_lib  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FANN_SIGMOID = 3
FANN_TRAIN = {"rprop": 2, "quickprop": 1}

# (hidden neurons, epochs): FANN's example programs where they exist (mushroom 32/300, robot 96/3000 scaled
# down), otherwise a middle-sized layer and enough epochs for RPROP to settle
SETS: Dict[str, Tuple[List[int], int]] = {
    "mushroom": ([32], 300),
    "diabetes": ([16], 500),
    "thyroid": ([32], 500),
    "building": ([16], 500),
    "soybean": ([32], 500),
    "robot": ([96], 1000),
    "gene": ([32], 300),
    "two-spiral": ([30, 30], 2000),
}


def fann_fit(lib, sizes: List[int], algorithm: str, X: np.ndarray, Y: np.ndarray, epochs: int):
    """Train with FANN; returns (seconds of training, predict function)."""
    layers = (ctypes.c_uint * len(sizes))(*sizes)
    ann = lib.fann_create_standard_array(len(sizes), layers)
    if not ann:
        raise Unavailable("fann_create_standard_array failed")
    lib.fann_set_activation_function_hidden(ann, FANN_SIGMOID)
    lib.fann_set_activation_function_output(ann, FANN_SIGMOID)
    lib.fann_set_training_algorithm(ann, FANN_TRAIN[algorithm])
    data = lib.fann_create_train(len(X), X.shape[1], Y.shape[1])
    td = _FannTrainData.from_address(data)
    Xc = np.ascontiguousarray(X, np.float32)
    Yc = np.ascontiguousarray(Y, np.float32)
    for i in range(len(X)):  # FANN allocates the rows in one block, but copy row by row to rely on nothing
        ctypes.memmove(td.input[i], Xc[i].ctypes.data, Xc.shape[1] * 4)
        ctypes.memmove(td.output[i], Yc[i].ctypes.data, Yc.shape[1] * 4)
    t0 = time.perf_counter()
    for _ in range(epochs):
        lib.fann_train_epoch(ann, data)
    seconds = time.perf_counter() - t0
    lib.fann_destroy_train(data)
    no = sizes[-1]

    def predict(Xp: np.ndarray) -> np.ndarray:
        Xp = np.ascontiguousarray(Xp, np.float32)
        out = np.empty((len(Xp), no), np.float32)
        for i in range(len(Xp)):
            out[i] = np.ctypeslib.as_array(lib.fann_run(ann, Xp[i].ctypes.data), (no,))
        return out

    return seconds, predict, lambda: lib.fann_destroy(ann)


def fastnet_fit(sizes: List[int], algorithm: str, X: np.ndarray, Y: np.ndarray, epochs: int, seed: int,
                loss: str = "fann_tanh", activation: str = "sigmoid", init: str = "default",
                fann_zero_slope: bool = False):
    opt = fn.RPROP(fann_zero_slope=fann_zero_slope) if algorithm == "rprop" else fn.Quickprop()
    net = fn.Network(sizes, activation=activation, output=activation, loss=loss, seed=seed)
    if init == "fann":  # FANN's fann_create_standard: every weight and bias uniform in [-0.1, 0.1]
        net.randomize_weights(-0.1, 0.1)
    t0 = time.perf_counter()
    net.fit(X, Y, epochs=epochs, optimizer=opt, verbose=0)
    return time.perf_counter() - t0, net.predict


def scores(P: np.ndarray, Y: np.ndarray) -> Tuple[float, float]:
    mse = float(np.mean((P.astype(np.float64) - Y) ** 2))
    if Y.shape[1] == 1:
        acc = float(np.mean((P[:, 0] > 0.5) == (Y[:, 0] > 0.5)))
    else:
        acc = float(np.mean(P.argmax(1) == Y.argmax(1)))
    return mse, acc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--algorithms", default="rprop,quickprop")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--epochs-scale", type=float, default=1.0, help="multiply every set's epoch count")
    ap.add_argument("--seed", type=int, default=0, help="fastnet's first seed (FANN seeds itself from the clock)")
    ap.add_argument("--loss", default="fann_tanh", choices=["fann_tanh", "mse"],
                    help="fastnet's error function (FANN's default is its tanh error function)")
    ap.add_argument("--activation", default="sigmoid", choices=["sigmoid", "fann_sigmoid"],
                    help="fastnet's units: the logistic function with its exact derivative, or trained with FANN's "
                         "clipped one (fann_sigmoid)")
    ap.add_argument("--init", default="default", choices=["default", "fann"],
                    help="fastnet's initial weights: its default (Glorot uniform, zero biases) or FANN's "
                         "(weights and biases uniform in [-0.1, 0.1], net.randomize_weights)")
    ap.add_argument("--fann-zero-slope", action="store_true",
                    help="RPROP as FANN 2.2's code has it (fn.RPROP(fann_zero_slope=True): a zero slope moves the "
                         "weight up by its step)")
    ap.add_argument("--fann-exact", action="store_true",
                    help="FANN's algorithm throughout: --activation fann_sigmoid --init fann --fann-zero-slope")
    ap.add_argument("--repeats", type=int, default=3, help="runs per library and set; errors are averaged")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "fann"))
    ap.add_argument("--out", default=str(REPO / "bench" / "results"))
    args = ap.parse_args()
    if args.fann_exact:
        args.activation, args.init, args.fann_zero_slope = "fann_sigmoid", "fann", True
    try:
        lib, libpath = fann_lib()
    except Unavailable as exc:
        print(f"FANN unavailable: {exc}")
        return 1
    fn.set_num_threads(args.threads)
    data = Path(args.data)
    if not data.is_dir():
        print(f"no FANN data at {data} (../shared/data/fann beside the repository)")
        return 1
    algorithms = [a for a in args.algorithms.split(",") if a]
    for a in algorithms:
        if a not in FANN_TRAIN:
            ap.error(f"unknown algorithm {a!r} (rprop, quickprop)")
    head = (f"# FANN 2.2 vs fastnet, full-batch algorithms\n\n{datetime.datetime.now():%Y-%m-%d %H:%M}, "
            f"{platform.processor() or platform.machine()}, fastnet {fn.__version__} ISA {fn.get_isa()} on "
            f"{args.threads} thread(s), fastnet {args.activation} units, loss {args.loss} and {args.init} init"
            f"{', RPROP with FANN 2.2 zero-slope steps' if args.fann_zero_slope else ''}, "
            f"FANN {libpath}, "
            f"{args.repeats} runs each, "
            f"load average {os.getloadavg()[0]:.2f}\n")
    print(head)
    cols = ["set", "algorithm", "shape", "epochs", "FANN s/epoch", "fastnet s/epoch", "speed-up",
            "FANN train MSE", "fastnet train MSE", "FANN test MSE", "fastnet test MSE", "difference / SE",
            "FANN test acc", "fastnet test acc", "result"]
    rows: List[List[str]] = []
    raw = []
    print(" | ".join(cols))
    for set_name in args.sets.split(","):
        if set_name not in SETS:
            ap.error(f"unknown set {set_name!r}; known: {', '.join(SETS)}")
        train, test = data / f"{set_name}.train", data / f"{set_name}.test"
        if not train.exists():
            print(f"{set_name}: {train} missing, skipped")
            continue
        X, Y = fn.datasets.load_fann_data(train)
        Xt, Yt = fn.datasets.load_fann_data(test)
        hidden, epochs = SETS[set_name]
        epochs = max(1, int(round(epochs * args.epochs_scale)))
        sizes = [X.shape[1], *hidden, Y.shape[1]]
        for algo in algorithms:
            f_runs, n_runs = [], []
            for r in range(args.repeats):  # alternate the libraries so background load hits both alike
                f_sec, f_pred, f_free = fann_fit(lib, sizes, algo, X, Y, epochs)
                f_runs.append((f_sec, scores(f_pred(X), Y)[0], *scores(f_pred(Xt), Yt)))
                f_free()
                n_sec, n_pred = fastnet_fit(sizes, algo, X, Y, epochs, args.seed + r, args.loss, args.activation,
                                           args.init, args.fann_zero_slope)
                n_runs.append((n_sec, scores(n_pred(X), Y)[0], *scores(n_pred(Xt), Yt)))
            # time: the median run; errors and accuracy: the mean over runs
            f_sec, n_sec = float(np.median([r[0] for r in f_runs])), float(np.median([r[0] for r in n_runs]))
            f_train, f_test, f_acc = np.mean([r[1:] for r in f_runs], axis=0)
            n_train, n_test, n_acc = np.mean([r[1:] for r in n_runs], axis=0)
            speed = f_sec / n_sec
            # the test-MSE difference in units of its standard error (Welch): |z| < 2 is within run-to-run noise
            f_sd = float(np.std([r[2] for r in f_runs], ddof=1)) if len(f_runs) > 1 else 0.0
            n_sd = float(np.std([r[2] for r in n_runs], ddof=1)) if len(n_runs) > 1 else 0.0
            se = float(np.sqrt(f_sd ** 2 / len(f_runs) + n_sd ** 2 / len(n_runs)))
            z = (n_test - f_test) / se if se > 0 else 0.0
            ok = n_test <= f_test * 1.0 + 1e-12 and (algo != "rprop" or speed >= 2.0)
            row = [set_name, algo, "-".join(map(str, sizes)), str(epochs), f"{f_sec / epochs * 1e3:.3f} ms",
                   f"{n_sec / epochs * 1e3:.3f} ms", f"{speed:.1f}x", f"{f_train:.5f}", f"{n_train:.5f}",
                   f"{f_test:.5f} ± {f_sd:.5f}", f"{n_test:.5f} ± {n_sd:.5f}", f"{z:+.1f}", f"{f_acc:.4f}",
                   f"{n_acc:.4f}", "PASS" if ok else "FAIL"]
            rows.append(row)
            raw.append(dict(zip(cols, row), fann_seconds=f_sec, fastnet_seconds=n_sec))
            print(" | ".join(row), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    md = [head, "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    (out / "fann_algorithms.md").write_text("\n".join(md) + "\n")
    (out / "fann_algorithms.json").write_text(json.dumps(raw, indent=1))
    print(f"\nwrote {out / 'fann_algorithms.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
