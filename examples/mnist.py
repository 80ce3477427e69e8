"""Train a 784-256-10 network on MNIST and report test accuracy after every epoch.

    python examples/mnist.py [--epochs 10] [--batch-size 128] [--lr 0.1] [--momentum 0.9] [--threads N]

Uses the MNIST files bundled in data/mnist/ (or --data DIR). Target: >= 98.0% test accuracy within 10 epochs
(the README's figure); the script exits 1 if the final accuracy is below --min-accuracy (default 0.98), so a
run that misses the figure fails. A shorter run (fewer --epochs) must lower it: tests/test_examples.py does.
"""

from __future__ import annotations

import argparse
import sys
import time

import fastnet as fn


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None, help="folder with the four MNIST .gz files (default: data/mnist)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--save", default=None, help="save the trained model to this .fnet file")
    p.add_argument("--min-accuracy", type=float, default=0.98,
                   help="exit 1 if the final test accuracy is below this (default: the README's 98%%)")
    args = p.parse_args(argv)

    if args.threads:
        fn.set_num_threads(args.threads)
    t0 = time.perf_counter()
    X_train, y_train, X_test, y_test = fn.datasets.load_mnist(args.data)
    print(f"MNIST: {len(X_train)} training and {len(X_test)} test images ({time.perf_counter() - t0:.2f}s to load)")
    net = fn.Network([784, args.hidden, 10], activation="relu", output="softmax", seed=args.seed)
    print(f"{net}, {net.num_parameters:,} parameters; fastnet {fn.__version__}, kernels {fn.get_isa()}, "
          f"{fn.get_num_threads()} thread(s)")
    hist = net.fit(X_train, y_train, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                   momentum=args.momentum, validation_data=(X_test, y_test), verbose=1)
    acc = hist["val_accuracy"][-1]
    print(f"test accuracy {acc:.2%} after {hist.epochs} epochs, {sum(hist['seconds']):.2f}s of training "
          f"(including the per-epoch test evaluation)")
    if args.save:
        net.save(args.save)
        print(f"saved to {args.save}")
    if acc < args.min_accuracy:
        print(f"FAILED: test accuracy {acc:.2%} is below the expected {args.min_accuracy:.2%}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
