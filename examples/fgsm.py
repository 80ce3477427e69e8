"""Adversarial examples on MNIST with the fast gradient sign method, and adversarial training against them.

    python examples/fgsm.py [--epochs 8] [--eps 0.1] [--train-limit 60000]

1. Train 784-256-10 relu/softmax normally, then attack it: x_adv = clip(x + eps·sign(∂loss/∂x), 0, 1), with
   ∂loss/∂x from ``net.input_gradient`` (Goodfellow et al. 2015). Accuracy on the attacked test images falls
   from ~98% to a small fraction.
2. Adversarial training: a fresh network of the same shape trains on every mini-batch twice over — the clean
   batch and that batch attacked against the network's *current* weights (regenerated every step, so the
   attack keeps up with the model; examples crafted once against a frozen model barely help). Attacked again
   (white-box, against its own gradients), it keeps most of its accuracy, at a small cost in clean accuracy.

Measured (defaults, seed 0, 2 cores, 12 s in all): clean 97.86%, under FGSM eps=0.1 21.99%; adversarially
trained: clean 97.88%, under attack 86.63%.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import fastnet as fn


def fgsm(net: fn.Network, X: np.ndarray, y: np.ndarray, eps: float, chunk: int = 2000) -> np.ndarray:
    """X attacked against net: one step of size eps along the sign of the loss gradient, kept in [0, 1]."""
    out = np.empty_like(X)
    for s in range(0, len(X), chunk):
        g = net.input_gradient(X[s:s + chunk], y[s:s + chunk])
        out[s:s + chunk] = np.clip(X[s:s + chunk] + eps * np.sign(g), 0.0, 1.0)
    return out


def report(name: str, net: fn.Network, Xt: np.ndarray, yt: np.ndarray, eps: float) -> tuple:
    clean = net.evaluate(Xt, yt)["accuracy"]
    attacked = net.evaluate(fgsm(net, Xt, yt, eps), yt)["accuracy"]
    print(f"{name:<22} clean {clean:.2%}   FGSM eps={eps}: {attacked:.2%}")
    return clean, attacked


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--eps", type=float, default=0.1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--train-limit", type=int, default=60000, help="train on the first N images")
    p.add_argument("--test-limit", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    X, y, Xt, yt = fn.datasets.load_mnist(args.data)
    X, y, Xt, yt = X[:args.train_limit], y[:args.train_limit], Xt[:args.test_limit], yt[:args.test_limit]
    opt = fn.SGD(lr=0.05, momentum=0.9)

    t0 = time.perf_counter()
    plain = fn.Network([784, 256, 10], seed=args.seed)
    plain.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, optimizer=opt, verbose=0)
    print(f"normal training: {time.perf_counter() - t0:.1f}s")
    clean0, adv0 = report("normally trained", plain, Xt, yt, args.eps)

    t0 = time.perf_counter()
    robust = fn.Network([784, 256, 10], seed=args.seed)
    rng = np.random.default_rng(args.seed)
    B = args.batch_size
    for _ in range(args.epochs):
        order = rng.permutation(len(X))
        for s in range(0, len(X), B):
            idx = order[s:s + B]
            xb, yb = X[idx], y[idx]
            xa = np.clip(xb + args.eps * np.sign(robust.input_gradient(xb, yb)), 0.0, 1.0)
            # one step on clean and attacked samples together (the same optimizer state throughout)
            robust.fit(np.concatenate([xb, xa]), np.concatenate([yb, yb]), epochs=1, batch_size=2 * len(idx),
                       shuffle=False, optimizer=opt, verbose=0)
    print(f"adversarial training: {time.perf_counter() - t0:.1f}s")
    clean1, adv1 = report("adversarially trained", robust, Xt, yt, args.eps)
    print(f"robustness: {adv0:.2%} -> {adv1:.2%} under attack; clean accuracy {clean0:.2%} -> {clean1:.2%}")
    return 0 if adv1 > adv0 else 1


if __name__ == "__main__":
    sys.exit(main())
