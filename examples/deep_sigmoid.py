"""Vanishing gradients in a deep sigmoid network, seen in fit's per-layer gradient norms.

    python examples/deep_sigmoid.py [--epochs 5] [--plot curves.png]

784-30-30-30-10 sigmoid on MNIST (cross-entropy, mini-batch 10, lr 0.1) with the textbook's unit-variance
initialization (uniform in ±√3, FANN's randomize_weights): the first hidden layer's neurons learn several times
slower than the last hidden layer's — the textbook's observation. (fastnet's default Glorot initialization is
designed to avoid exactly this; try --glorot.)
"""

from __future__ import annotations

import argparse
import sys

import fastnet as fn


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--plot", default=None, help="write the curves to this PNG (needs matplotlib)")
    p.add_argument("--glorot", action="store_true", help="keep fastnet's default initialization")
    args = p.parse_args(argv)
    X, y, Xt, yt = fn.datasets.load_mnist(args.data)
    net = fn.Network([784, 30, 30, 30, 10], activation="sigmoid", output="sigmoid", loss="cross_entropy", seed=0)
    if not args.glorot:
        net.randomize_weights(-3**0.5, 3**0.5)  # variance 1, as the textbook's N(0, 1)
    h = net.fit(X[:50_000], y[:50_000], epochs=args.epochs, batch_size=10, lr=0.1, validation_data=(Xt, yt),
                verbose=0, track_gradients=True)
    for e, norms in enumerate(h["grad_norms"], 1):
        print(f"epoch {e}: test accuracy {h['val_accuracy'][e - 1]:.2%}; gradient norm per layer "
              + "  ".join(f"{n:.4f}" for n in norms))
    first, last_hidden = h["grad_norms"][0][0], h["grad_norms"][0][2]
    print(f"after epoch 1 the last hidden layer's neurons learn {last_hidden / first:.1f}x as fast as the first's")
    if args.plot:
        h.plot(args.plot)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
