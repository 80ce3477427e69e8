"""FANN's example programs, with their settings, on fastnet: xor, mushroom, robot and two-spiral.

    python examples/fann_examples.py [--only xor,mushroom] [--data ../shared/data/fann]

Each trains as FANN's example does (network shape, FANN_TRAIN_RPROP — FANN's default algorithm —, desired
error and maximum epochs, with FANN's MSE as the stop criterion) and prints epochs used, time, the final
training MSE and the test MSE and accuracy. xor needs no files; the others read FANN's PROBEN1 files from
../shared/data/fann (skipped with a note when absent).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import fastnet as fn

REPO = Path(__file__).resolve().parent.parent
# name: (hidden layers, hidden activation, output activation, max epochs, desired MSE) as in FANN's examples
EXAMPLES = {
    "xor": ([3], "tanh", "tanh", 1000, 0.0001),           # xor_train.c: 2-3-1 sigmoid_symmetric
    "mushroom": ([32], "sigmoid", "sigmoid", 300, 0.0001),  # mushroom.c
    "robot": ([96], "sigmoid", "sigmoid", 3000, 0.001),     # robot.c
    "two-spiral": ([30, 30], "sigmoid", "sigmoid", 3000, 0.0001),  # FANN trains it with cascade; MLP + RPROP here
}


class FannMSE:
    """Stop once FANN's MSE (mean over samples and outputs of (y − t)², i.e. 2·loss/outputs) is below target."""

    def __init__(self, target: float, outputs: int) -> None:
        self.target, self.outputs = target, outputs

    def __call__(self, logs: dict) -> bool:
        return 2 * logs["loss"] / self.outputs > self.target


def run(name: str, X, Y, Xt, Yt, seed: int) -> dict:
    hidden, act, out, epochs, desired = EXAMPLES[name]
    net = fn.Network([X.shape[1], *hidden, Y.shape[1]], activation=act, output=out, loss="mse", seed=seed)
    t0 = time.perf_counter()
    h = net.fit(X, Y, epochs=epochs, optimizer=fn.RPROP(), callbacks=[FannMSE(desired, Y.shape[1])], verbose=0)
    seconds = time.perf_counter() - t0
    m = net.evaluate(Xt, Yt, metrics=["mse", "accuracy"])
    train_mse = fn.metrics.mse(Y, net.predict(X))
    print(f"{name:<11} {'-'.join(map(str, net.sizes)):<12} {h.epochs:>5} epochs  {seconds:6.2f}s  "
          f"train MSE {train_mse:.6f}  test MSE {m['mse']:.6f}  test accuracy {m['accuracy']:.2%}")
    return {"epochs": h.epochs, "train_mse": train_mse, **m}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", default=",".join(EXAMPLES))
    p.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "fann"))
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    results = {}
    for name in args.only.split(","):
        if name not in EXAMPLES:
            p.error(f"unknown example {name!r}; known: {', '.join(EXAMPLES)}")
        if name == "xor":
            X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], np.float32)  # xor.data: symmetric inputs
            Y = np.array([[-1], [1], [1], [-1]], np.float32)
            results[name] = run(name, X, Y, X, Y, args.seed)
            continue
        train, test = Path(args.data) / f"{name}.train", Path(args.data) / f"{name}.test"
        if not train.exists():
            print(f"{name:<11} skipped: {train} not found (FANN's data sets live in ../shared/data/fann)")
            continue
        X, Y = fn.datasets.load_fann_data(train)
        Xt, Yt = fn.datasets.load_fann_data(test)
        results[name] = run(name, X, Y, Xt, Yt, args.seed)
    return 0 if all(r["accuracy"] > 0.5 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
