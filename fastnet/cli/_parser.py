"""The argument parser of the ``fastnet`` command: the argument types (each with a message naming what it
expects), the help formatter, and one subparser per command, each bound to its ``cmd_*`` function."""

from __future__ import annotations

import argparse
import math
from typing import Callable, List

from .. import __version__
from .._arrays import check_real
from ..layers import ACTIVATIONS
from ..network import LOSSES
from ._bench import cmd_bench
from ._errors import PROG
from ._eval_predict import cmd_eval, cmd_predict
from ._info_convert import cmd_convert, cmd_info
from ._train import ALGORITHMS, DEFAULT_HIDDEN, cmd_train


def _int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer >= minimum, with the message naming `what` is expected."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {v}")
        return v

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_nonneg_int = _int_at_least(0, "an integer >= 0")


def _real_arg(text: str, expected: str, lo: float, hi: float = math.inf, *, lo_open: bool = False,
              hi_open: bool = False) -> float:
    """An argparse number checked by fastnet._arrays.check_real (the library's range rule), with the message
    naming what is expected."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    try:
        return check_real(v, "value", lo, hi, lo_open=lo_open, hi_open=hi_open)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}, got {text}") from None


def _positive_float(text: str) -> float:
    return _real_arg(text, "expected a finite number > 0", 0.0, lo_open=True)


def _nonneg_float(text: str) -> float:
    return _real_arg(text, "expected a finite number >= 0", 0.0)


def _momentum(text: str) -> float:
    return _real_arg(text, "must be in [0, 1)", 0.0, 1.0, hi_open=True)


def _sizes(text: str, allow_empty: bool = False) -> List[int]:
    t = text.strip()
    if allow_empty and t.lower() in ("", "none", "0"):
        return []
    parts = [p.strip() for p in t.replace("-", ",").split(",")]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes like 784,256,10, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be integers >= 1, got {text!r}")
    return sizes


def _hidden_sizes(text: str) -> List[int]:
    return _sizes(text, allow_empty=True)



class _Formatter(argparse.HelpFormatter):
    """Wraps description and epilog paragraph by paragraph (blank lines kept), and shows an option's default
    where it has a meaningful one."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(super(_Formatter, self)._fill_text(par, width, indent) for par in text.split("\n\n"))

    def _get_help_string(self, action: argparse.Action) -> str:
        help_ = action.help or ""
        if (action.default is not None and action.default is not False and action.default != argparse.SUPPRESS
                and "%(default)" not in help_
                and "default" not in help_ and action.option_strings):
            help_ += " (default: %(default)s)"
        return help_


DATA_HELP = ("a FANN data file (.data/.train/.test), an MNIST folder (the four IDX files) or an .npz file with "
             "arrays X and y")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fastnet`` command, with one subparser per subcommand."""
    p = argparse.ArgumentParser(
        prog=PROG, formatter_class=_Formatter,
        description="fastnet: train, evaluate and inspect neural networks from the command line.",
        epilog="Run 'fastnet COMMAND --help' for a command's options. Exit status: 0 success, 1 bad or missing "
               "file, 2 bad arguments.")
    p.add_argument("--version", action="version", version=f"fastnet {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str, description: str = "",
            epilog: str = "") -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=description or help_, epilog=epilog,
                            formatter_class=_Formatter)
        sp.set_defaults(func=func)
        return sp

    t = add("train", cmd_train, "train a network on a data set",
            "Train a feed-forward network with mini-batch SGD, print progress and the final (test) metrics, and "
            "save the model with --save.",
            "DATA: " + DATA_HELP + ". With an MNIST folder the training pair is used and, without --test, the t10k "
            "pair is the test set.\n\n"
            "Layers: '--layers 784,256,10' (two or more sizes) is the whole network; its first size must be the "
            "data's inputs and its last the data's outputs or classes. '--layers 256' (one size) or "
            "'--hidden 256,128' give only the hidden layers, the input and output sizes coming from the data. "
            f"Default: one hidden layer of {DEFAULT_HIDDEN}.\n\n"
            "Targets: 2-D targets whose every row is one-hot (0/1 or -1/1, a single 1) are class labels "
            "(argmax); accuracy is then reported. --output auto is softmax for classification, linear for "
            "regression; --loss auto is cross_entropy for softmax outputs, mse otherwise.")
    t.add_argument("data", metavar="DATA", help="training data")
    t.add_argument("--test", metavar="DATA", help="test data, evaluated after every epoch and at the end "
                   "(default: an MNIST folder's t10k pair; else the final metrics are on the training data)")
    t.add_argument("--layers", type=_sizes, metavar="SIZES",
                   help="all layer sizes, e.g. 784,256,10; or one size: a single hidden layer")
    t.add_argument("--hidden", type=_hidden_sizes, metavar="SIZES",
                   help=f"hidden layer sizes only, e.g. 256,128 ('none': no hidden layer; default {DEFAULT_HIDDEN})")
    t.add_argument("--activation", default="relu", choices=[a for a in ACTIVATIONS if a != "softmax"],
                   help="hidden-layer activation")
    t.add_argument("--output", default="auto", choices=["auto"] + list(ACTIVATIONS),
                   help="output-layer activation")
    t.add_argument("--loss", default="auto", choices=["auto"] + list(LOSSES), help="loss function")
    t.add_argument("--epochs", type=_nonneg_int, default=10, help="training epochs")
    t.add_argument("--batch-size", type=_positive_int, default=None,
                   help="samples per SGD/Adam step (default 128; 1: online); not for the full-batch algorithms")
    t.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default: sgd 0.1, adam 0.001, quickprop 0.7; rprop/sarprop have none)")
    t.add_argument("--momentum", type=_momentum, default=None, help="SGD momentum, in [0, 1) (default 0.9)")
    t.add_argument("--seed", type=_nonneg_int, default=0, help="seed of the weights and the shuffles")
    t.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="parameter dtype")
    t.add_argument("--threads", type=_positive_int, help="threads for the kernels (default: all cores or "
                   "OMP_NUM_THREADS)")
    t.add_argument("--algorithm", default="sgd", choices=ALGORITHMS,
                   help="sgd (mini-batch, momentum), adam, FANN's full-batch rprop (iRPROP-), quickprop, sarprop, "
                        "or cascade (Cascade2: grows a shortcut network neuron by neuron)")
    t.add_argument("--max-neurons", type=_positive_int, default=30,
                   help="--algorithm cascade: at most this many hidden neurons (default 30)")
    t.add_argument("--desired-error", type=_nonneg_float, default=0.001,
                   help="--algorithm cascade: stop at this FANN MSE on the training data (default 0.001)")
    t.add_argument("--limit", type=_positive_int, metavar="N", help="train on the first N samples only")
    t.add_argument("--save", metavar="PATH",
                   help="save the trained model (.fnet; .net writes a FANN file), only when training completes: "
                        "on Ctrl-C the partial model goes to PATH's name + .interrupted, PATH is left unchanged")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress: print only the final metrics")

    e = add("eval", cmd_eval, "evaluate a saved model on a data set",
            "Print the loss and, for classification, the accuracy and a confusion matrix of MODEL on DATA.",
            "DATA: " + DATA_HELP + "; with an MNIST folder the t10k pair is used.")
    e.add_argument("model", metavar="MODEL", help="a .fnet model (or a FANN .net file)")
    e.add_argument("data", metavar="DATA", help="evaluation data")
    e.add_argument("--limit", type=_positive_int, metavar="N", help="evaluate on the first N samples only")
    e.add_argument("--threads", type=_positive_int, help="threads for the kernels")

    pr = add("predict", cmd_predict, "write a saved model's predictions",
             "Write MODEL's outputs for every sample of DATA: CSV (one row per sample, comma-separated, no "
             "header) on stdout or to a .csv file, or a .npy array.",
             "DATA: " + DATA_HELP + " (y is optional), or an .npy file with the 2-D inputs; with an MNIST folder "
             "the t10k images are used.")
    pr.add_argument("model", metavar="MODEL", help="a .fnet model (or a FANN .net file)")
    pr.add_argument("data", metavar="DATA", help="inputs")
    pr.add_argument("-o", "--output", metavar="PATH", help="out.csv or out.npy (default: CSV on stdout)")
    pr.add_argument("--classes", action="store_true", help="write the predicted class index per sample instead "
                    "of the outputs")
    pr.add_argument("--limit", type=_positive_int, metavar="N", help="predict the first N samples only")
    pr.add_argument("--threads", type=_positive_int, help="threads for the kernels")

    i = add("info", cmd_info, "describe a saved model",
            "Print a model's architecture, parameter count, loss, dtype, file size and the fastnet version that "
            "wrote it.")
    i.add_argument("model", metavar="MODEL", help="a .fnet model (or a FANN .net file)")

    c = add("convert", cmd_convert, "convert a model between .fnet and FANN .net",
            "Convert a model between fastnet's .fnet format and FANN's .net text format; the formats are "
            "chosen by the file extensions (needs fastnet.fann for .net).")
    c.add_argument("input", metavar="IN", help="the model to read (.fnet or .net)")
    c.add_argument("output", metavar="OUT", help="the file to write (.fnet or .net)")

    b = add("bench", cmd_bench, "run the benchmark comparison (source checkout only)",
            "Run bench/compare.py of a fastnet source checkout (fastnet against its peers on MNIST). An installed "
            "package has no benchmarks: the command then exits with status 2.")
    b.add_argument("--quick", action="store_true", help="smaller sample counts (a minute or two)")
    b.add_argument("--threads", type=_positive_int, help="threads for fastnet and the peers (compare.py's default: 2)")
    b.add_argument("--only", metavar="LIST", help="comma-separated configuration numbers to run, e.g. 1,3")
    return p
