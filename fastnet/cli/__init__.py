"""The ``fastnet`` command line (also ``python -m fastnet``): train, evaluate, predict, inspect, convert, benchmark.

Usage summary (every subcommand takes ``--help``)::

    fastnet train DATA [--test DATA] [--layers 784,256,10 | --layers 256 | --hidden 256,128]
                  [--activation relu] [--output auto] [--loss auto] [--epochs 10] [--batch-size 128]
                  [--lr 0.1] [--momentum 0.9] [--seed 0] [--dtype float32] [--threads N] [--algorithm sgd]
                  [--limit N] [--save model.fnet] [--quiet]
    fastnet eval MODEL DATA [--limit N] [--threads N]
    fastnet predict MODEL DATA [--output out.csv|out.npy] [--classes] [--limit N] [--threads N]
    fastnet info MODEL
    fastnet convert IN OUT                    # .fnet <-> FANN .net, chosen by extension
    fastnet bench [--quick] [--threads N] [--only 1,3]
    fastnet --version

DATA is one of

* a FANN training-data file (text: ``num_data num_input num_output`` then the samples), recognized by the
  extensions .data/.train/.test/.dat, or any other file that parses as one;
* an MNIST folder holding the four IDX files (gzipped or not): ``train`` uses the training pair and, unless
  ``--test`` is given, the folder's t10k pair as test set; ``eval`` and ``predict`` use the t10k pair;
* an ``.npz`` file with an array ``X`` (samples x inputs) and, except for ``predict``, ``y`` (or ``Y``);
* (``predict`` only) an ``.npy`` file holding the 2-D input array.

Targets: a 1-D integer ``y`` holds class labels (classes = largest label + 1); a 1-D float ``y`` is a single
regression target. 2-D targets (always the case for FANN data) whose every row is one-hot -- all values 0/1,
or all -1/1, with exactly one 1 per row -- are read as classification: the labels are the argmax of each row
and the number of classes is the number of columns, so accuracy (and for ``eval`` a confusion matrix) is
reported. Any other 2-D targets are regression targets, used as they are.

Layers: ``--layers`` with two or more sizes is the whole network, input and output sizes included; the first
must equal the data's inputs and the last its outputs (for class labels: at least the number of classes, or 1
for 0/1 labels with a sigmoid output). ``--layers`` with a single size, or ``--hidden`` with any number of sizes
(``--hidden none`` for no hidden layer), gives only the hidden layers: input and output sizes come from the
data. Without either, one hidden layer of 64 neurons.

Exit status: 0 on success, 1 for a missing or unreadable file, a file that is not what it should be, or data
that does not fit the model, 2 for bad arguments (including a network that does not fit the data and
algorithms that are not implemented yet, and an output file that is one of the command's inputs), 130 when
interrupted. Errors are one line on stderr, never a traceback (``FASTNET_DEBUG=1`` shows the traceback of an
unexpected one).

Outputs (``--save``, ``predict --output``, ``convert``'s OUT) are written atomically through the file a symlink
points to; read-only files, files with several hard links, folders and special files (devices, FIFOs) are
refused before any work. ``train --save PATH`` writes PATH only when training completes: on Ctrl-C the partly
trained model goes to ``PATH.interrupted.fnet`` (``m.fnet`` -> ``m.interrupted.fnet``, ``m.net`` ->
``m.interrupted.net``) and an existing PATH is left unchanged.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Optional, Sequence

# The command line was one module; its names stay importable from fastnet.cli ("X as X": an explicit re-export
# for mypy --strict and ruff). Each submodule holds one job: _errors (exit codes, CLIError, one-line reporting),
# _data (reading DATA), _models (model files, output checks), one module per command group, _parser.
from . import _bench, _data, _errors, _eval_predict, _info_convert, _models, _parser, _train
from ._bench import _run_script as _run_script
from ._bench import bench_script as bench_script
from ._bench import cmd_bench as cmd_bench
from ._data import FANN_DATA_EXTENSIONS as FANN_DATA_EXTENSIONS
from ._data import Dataset as Dataset
from ._data import _mnist as _mnist
from ._data import one_hot_labels as one_hot_labels
from ._data import read_data as read_data
from ._errors import EXIT_FAILURE as EXIT_FAILURE
from ._errors import EXIT_INTERRUPTED as EXIT_INTERRUPTED
from ._errors import EXIT_OK as EXIT_OK
from ._errors import EXIT_USAGE as EXIT_USAGE
from ._errors import PROG as PROG
from ._errors import CLIError as CLIError
from ._errors import _exit_code, run_command
from ._eval_predict import MAX_CONFUSION_CLASSES as MAX_CONFUSION_CLASSES
from ._eval_predict import cmd_eval as cmd_eval
from ._eval_predict import cmd_predict as cmd_predict
from ._eval_predict import confusion_matrix as confusion_matrix
from ._eval_predict import format_confusion as format_confusion
from ._info_convert import cmd_convert as cmd_convert
from ._info_convert import cmd_info as cmd_info
from ._models import Model as Model
from ._models import load_model as load_model
from ._models import save_model as save_model
from ._parser import DATA_HELP as DATA_HELP
from ._parser import build_parser as build_parser
from ._train import ALGORITHMS as ALGORITHMS
from ._train import CLI_BATCH_SIZE as CLI_BATCH_SIZE
from ._train import DEFAULT_HIDDEN as DEFAULT_HIDDEN
from ._train import DEFAULT_LR as DEFAULT_LR
from ._train import NOT_YET as NOT_YET
from ._train import cmd_train as cmd_train
from ._train import interrupted_path as interrupted_path

__all__ = ["main", "build_parser", "Dataset", "read_data", "CLIError"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]) and return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # --help, --version and argparse's usage errors (status 2)
        return _exit_code(exc.code)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: a command is required (train, eval, predict, info, convert, bench); "
              f"see '{PROG} --help'", file=sys.stderr)
        return EXIT_USAGE
    return run_command(args)


_SUBMODULES = (_bench, _data, _errors, _eval_predict, _info_convert, _models, _parser, _train)


class _Package(types.ModuleType):
    """fastnet.cli itself. Setting one of its re-exported names (``monkeypatch.setattr(cli, "read_data", ...)``,
    as worked when the CLI was one module) also rebinds that name in every submodule holding the same object:
    the commands call the submodules' bindings, so a patch of the package alone would never reach them."""

    def __setattr__(self, name: str, value: Any) -> None:
        old = self.__dict__.get(name, _Package)  # the class itself: a sentinel no submodule holds
        if old is not _Package:
            for module in _SUBMODULES:
                if module.__dict__.get(name, _Package) is old:
                    setattr(module, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
