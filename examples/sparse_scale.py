"""Train a network with two hidden layers of 100,000 neurons on MNIST, on a laptop-class machine.

    python examples/sparse_scale.py [--hidden 100000] [--connections 2000000] [--epochs 1] [--batch-size 128]

Each sparse layer stores only its connections (about 2 million each), so memory follows the connections: the
dense equivalent of this network would need about 40 GB for its weights alone. Prints the time per epoch, the
test accuracy and the peak memory of the process. Exits 1 if the final test accuracy is below --min-accuracy
(default 0.94: the README's 94.6% after one epoch, less a margin); smaller runs must lower it
(tests/test_examples.py does).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import fastnet as fn


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None, help="MNIST folder (default: data/mnist)")
    p.add_argument("--hidden", type=int, default=100_000)
    p.add_argument("--connections", type=int, default=2_000_000, help="connections per sparse layer")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    p.add_argument("--min-accuracy", type=float, default=0.94, help="exit 1 if the final test accuracy is below this")
    args = p.parse_args(argv)

    X, y, Xt, yt = fn.datasets.load_mnist(args.data)
    if args.limit:
        X, y = X[: args.limit], y[: args.limit]
    H, C = args.hidden, args.connections
    t0 = time.perf_counter()
    net = fn.Network([fn.Sparse(784, H, density=min(1.0, C / (784 * H)), activation="relu"),
                      fn.Sparse(H, H, density=min(1.0, C / (H * H)), activation="relu"),
                      fn.Dense(H, 10, activation="softmax")], seed=0)
    conn = sum(L.nnz for L in net.layers)
    dense_equiv = 784 * H + H * H + H * 10
    print(f"784-{H}-{H}-10: {conn:,} connections ({[L.nnz for L in net.layers]}); the dense equivalent has "
          f"{dense_equiv:,} weights = {dense_equiv * 4 / 1e9:.1f} GB in float32. "
          f"Built in {time.perf_counter() - t0:.1f}s")
    hist = net.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, momentum=0.9,
                   validation_data=(Xt, yt), verbose=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"time per epoch {sum(hist['seconds']) / hist.epochs:.1f}s (incl. test evaluation), test accuracy "
          f"{hist['val_accuracy'][-1]:.2%}, peak memory {peak:,.0f} MiB, {fn.get_num_threads()} threads")
    if hist["val_accuracy"][-1] < args.min_accuracy:
        print(f"FAILED: test accuracy {hist['val_accuracy'][-1]:.2%} is below the expected {args.min_accuracy:.2%}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
