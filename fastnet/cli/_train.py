"""``fastnet train``: a layered network trained by one of the optimizers, or a shortcut network grown by
Cascade2; the save rule (PATH only when training completes, the partial model beside it on Ctrl-C) lives here."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any, Dict, List, Optional

import numpy as np

from .. import optimizers
from ..cascade import cascade_train
from ..network import Network
from ..training import resolve_batch_size
from ._data import Dataset, read_data
from ._errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, PROG, CLIError
from ._models import Model, _check_save_path, _describe_net, _fann_module, _is_fann_model, _set_threads, save_model

DEFAULT_HIDDEN = 64
ALGORITHMS = ("sgd", "adam", "rprop", "quickprop", "sarprop", "cascade")
# algorithms --algorithm accepts whose training is not implemented yet, with what is missing (none today)
NOT_YET: Dict[str, str] = {}
# default learning rate per algorithm (FANN's 0.7 for Quickprop); RPROP and SARPROP have none
DEFAULT_LR = {"sgd": 0.1, "adam": 0.001, "quickprop": 0.7}
CLI_BATCH_SIZE = 128  # the command line's default mini-batch (Network.fit's is 32)


def interrupted_path(path: str) -> str:
    """Where ``train --save PATH`` puts a model whose training was interrupted: beside PATH, never PATH itself,
    so that PATH only ever holds a completed training (m.fnet -> m.interrupted.fnet, m.net -> m.interrupted.net)."""
    root, ext = os.path.splitext(path)
    if ext.lower() in (".fnet", ".net"):
        return f"{root}.interrupted{ext}"
    return f"{path}.interrupted.fnet"


def _save_interrupted(net: Model, path: str) -> None:
    """Ctrl-C during ``train --save PATH``: keep whatever PATH holds; the partly trained model goes beside it."""
    checkpoint = interrupted_path(path)
    try:
        save_model(net, checkpoint)
    except CLIError as exc:
        print(f"{PROG} train: error: {exc}; {path} was left unchanged", file=sys.stderr)
        return
    print(f"{PROG} train: saved the partly trained model to {checkpoint}; {path} was left unchanged",
          file=sys.stderr)


def _check_fann_compatible(net: Model, path: str) -> None:
    """Before training: fail now if the network could not be written as the FANN .net file `path`."""
    fann = _fann_module()
    with tempfile.TemporaryDirectory(prefix="fastnet-cli-") as tmp:
        try:
            fann.save_fann(net, os.path.join(tmp, "check.net"))
        except (ValueError, TypeError, NotImplementedError) as exc:
            msg = str(exc).split(": ", 1)[-1] if str(exc).startswith(tmp) else str(exc)
            raise CLIError(f"--save {path}: this network cannot be saved as a FANN .net file: {msg}",
                           EXIT_USAGE) from None

def _resolve_sizes(args: argparse.Namespace, train: Dataset) -> List[int]:
    n_in, n_out = train.n_inputs, train.n_outputs
    if args.layers is not None and args.hidden is not None:
        raise CLIError("give either --layers or --hidden, not both", EXIT_USAGE)
    if args.layers is not None and len(args.layers) >= 2:
        sizes = list(args.layers)
        spec = ",".join(map(str, sizes))
        hint = f"; or give only the hidden sizes with --hidden {','.join(map(str, sizes[1:-1])) or 'none'}"
        if sizes[0] != n_in:
            raise CLIError(f"--layers {spec}: the first size must be the data's {n_in} inputs, not {sizes[0]}"
                           f"{hint}", EXIT_USAGE)
        last = sizes[-1]
        if train.is_classification:
            ok = last >= n_out or (last == 1 and n_out == 2)
            if not ok:
                raise CLIError(f"--layers {spec}: the last size must be the data's {n_out} classes, not {last}"
                               f"{hint}", EXIT_USAGE)
        elif last != n_out:
            raise CLIError(f"--layers {spec}: the last size must be the data's {n_out} outputs, not {last}"
                           f"{hint}", EXIT_USAGE)
        return sizes
    if args.layers is not None:
        hidden = list(args.layers)
    elif args.hidden is not None:
        hidden = list(args.hidden)
    else:
        hidden = [DEFAULT_HIDDEN]
    return [n_in] + hidden + [n_out]


def _output_activation(args: argparse.Namespace, train: Dataset, n_out: int) -> str:
    if args.output != "auto":
        return str(args.output)
    if train.is_classification:
        return "softmax" if n_out >= 2 else "sigmoid"
    return "linear"


def _metrics_line(name: str, metrics: Dict[str, float], n: int) -> str:
    parts = [f"{name}: loss {metrics['loss']:.6f}"]
    if "accuracy" in metrics:
        correct = int(round(metrics["accuracy"] * n))
        parts.append(f"accuracy {metrics['accuracy']:.4f} ({correct}/{n})")
    return " - ".join(parts)


def _optimizer(args: argparse.Namespace) -> optimizers.Optimizer:
    """The optimizer --algorithm names, with --lr/--momentum where it has them (an error where it has not)."""
    algo = args.algorithm
    if args.lr is not None and algo not in DEFAULT_LR:
        raise CLIError(f"--lr: {algo} has no learning rate (it adapts a step per weight)", EXIT_USAGE)
    if args.momentum is not None and algo != "sgd":
        raise CLIError(f"--momentum is for --algorithm sgd, not {algo}", EXIT_USAGE)
    full_batch = algo in ("rprop", "quickprop", "sarprop", "cascade")
    if args.batch_size is not None and full_batch:
        raise CLIError(f"--batch-size: {algo} is a full-batch algorithm (as in FANN); it uses the whole training "
                       "set per update", EXIT_USAGE)
    lr = DEFAULT_LR.get(algo, 0.0) if args.lr is None else args.lr
    if algo == "cascade":  # Cascade2 trains its outputs and candidates with FANN's default, RPROP
        return optimizers.RPROP()
    if algo == "sgd":
        return optimizers.SGD(lr=lr, momentum=0.9 if args.momentum is None else args.momentum)
    if algo == "adam":
        return optimizers.Adam(lr=lr)
    if algo == "quickprop":
        return optimizers.Quickprop(lr=lr)
    return optimizers.RPROP() if algo == "rprop" else optimizers.SARPROP()


def _train_cascade(args: argparse.Namespace, train: Dataset, test: Optional[Dataset]) -> int:
    """--algorithm cascade: grow a shortcut network by Cascade2 (fn.cascade_train) instead of training layers."""
    if args.layers is not None or args.hidden is not None:
        raise CLIError("--algorithm cascade grows its own hidden neurons: drop --layers/--hidden "
                       "(use --max-neurons)", EXIT_USAGE)

    def targets(d: Dataset) -> np.ndarray:
        y = d.y
        if y is None:
            raise CLIError(f"{d.source}: holds no targets to train on")
        if y.ndim == 1:  # class labels: one output per class, as FANN's one-hot data
            T: np.ndarray = np.eye(train.n_outputs, dtype=np.float32)[y]
            return T
        return np.asarray(y, dtype=np.float32)

    Y = targets(train)
    val = (test.X, targets(test)) if test is not None else None
    if not args.quiet:
        print(f"data:    {train.describe()}")
        if test is not None:
            print(f"test:    {test.describe()}")
        print(f"training: Cascade2 (RPROP), at most {args.max_neurons} hidden neurons, desired MSE "
              f"{args.desired_error}, seed {args.seed}")
    try:
        net = cascade_train(train.X, Y, max_neurons=args.max_neurons, desired_error=args.desired_error,
                            seed=args.seed, verbose=0 if args.quiet else 1, validation_data=val)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"training failed: {exc}") from None
    if not args.quiet:
        print(f"network: {_describe_net(net)}")
    final = net.evaluate(*val) if val is not None else net.evaluate(train.X, Y)
    print(_metrics_line("test" if test is not None else "train", final, test.n if test is not None else train.n)
          + f" - FANN MSE {final['mse']:.6f}")
    if args.save:
        save_model(net, args.save)
        print(f"saved:   {args.save}")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on DATA and report the final metrics; save it with --save."""
    if args.algorithm in NOT_YET:
        raise CLIError(f"--algorithm {args.algorithm}: {NOT_YET[args.algorithm]} is not implemented yet", EXIT_USAGE)
    optimizer = _optimizer(args)
    if args.save:
        _check_save_path(args.save, inputs=[args.data, args.test])
    _set_threads(args.threads)
    train = read_data(args.data, "train").limited(args.limit)
    test: Optional[Dataset] = None
    if args.test is not None:
        test = read_data(args.test, "test")
    elif os.path.isdir(args.data):
        test = read_data(args.data, "test")
    if test is not None:
        if test.n_inputs != train.n_inputs:
            raise CLIError(f"{test.source} has {test.n_inputs} inputs per sample but the training data "
                           f"{train.source} has {train.n_inputs}")
        if test.is_classification != train.is_classification:
            raise CLIError(f"{test.source} and {train.source} disagree on the task: one holds class labels "
                           "(one-hot targets), the other regression targets")
        if train.is_classification:
            train.n_outputs = max(train.n_outputs, test.n_outputs)
        elif test.n_outputs != train.n_outputs:
            raise CLIError(f"{test.source} has {test.n_outputs} targets per sample but the training data "
                           f"{train.source} has {train.n_outputs}")
    if args.algorithm == "cascade":
        return _train_cascade(args, train, test)
    batch_size = resolve_batch_size(optimizer, args.batch_size, train.n, default=CLI_BATCH_SIZE)
    sizes = _resolve_sizes(args, train)
    output = _output_activation(args, train, sizes[-1])
    try:
        net = Network(sizes, activation=args.activation, output=output,
                      loss=None if args.loss == "auto" else args.loss, seed=args.seed, dtype=args.dtype)
    except (ValueError, TypeError) as exc:
        raise CLIError(str(exc), EXIT_USAGE) from None
    if args.save and _is_fann_model(args.save):
        _check_fann_compatible(net, args.save)
    if not args.quiet:
        print(f"data:    {train.describe()}")
        if test is not None:
            print(f"test:    {test.describe()}")
        print(f"network: {_describe_net(net)}")
        batch = "full batch" if optimizer.full_batch else f"batch size {batch_size}"
        print(f"training: {optimizer}, {args.epochs} epochs, {batch}, seed {args.seed}")
    interrupted = False
    try:
        net.fit(train.X, train.y, epochs=args.epochs, batch_size=batch_size,
                optimizer=optimizer, validation_data=(test.X, test.y) if test is not None else None,
                verbose=0 if args.quiet else 1)
    except KeyboardInterrupt as exc:
        done = getattr(exc, "history", None)  # the core attaches the completed epochs' logs
        epochs: Any = getattr(done, "epochs", None)
        if epochs is None:
            epochs = len(done) if isinstance(done, (list, tuple)) else "some"
        print(f"\n{PROG} train: interrupted after {epochs} complete epoch(s); the network keeps the weights of "
              "the last completed batch", file=sys.stderr)
        interrupted = True
    except (ValueError, TypeError) as exc:
        raise CLIError(f"training failed: {exc}") from None
    try:
        final = net.evaluate(test.X, test.y) if test is not None else net.evaluate(train.X, train.y)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"evaluation failed: {exc}") from None
    print(_metrics_line("test" if test is not None else "train", final, test.n if test is not None else train.n))
    if args.save and interrupted:
        _save_interrupted(net, args.save)
    elif args.save:
        save_model(net, args.save)
        print(f"saved:   {args.save}")
    elif not args.quiet:
        print("(model not saved: use --save PATH to keep it)")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
