"""FANN's xor example as a fann2 script, run on fastnet: only the import differs from fann2's
(``from fann2 import libfann``).

    python examples/fann2_xor.py [--data ../shared/data/fann/xor.data] [--out xor_float.net]

Trains a 2-3-1 FANN_SIGMOID_SYMMETRIC network with FANN's defaults (FANN_TRAIN_RPROP, FANN_ERRORFUNC_TANH) to
FANN's MSE 0.0001, printing FANN's report lines, saves it as a FANN network file (FANN's fann_create_from_file
loads it) and prints the outputs for the four xor inputs. Without the data file it writes FANN's xor.data first.
Exits 1 if the desired error is not reached or an output has the wrong sign.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

from fastnet import libfann

REPO = Path(__file__).resolve().parent.parent
XOR_DATA = REPO.parent / "shared" / "data" / "fann" / "xor.data"
XOR = "4 2 1\n-1 -1\n-1\n-1 1\n1\n1 -1\n1\n1 1\n-1\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(XOR_DATA),
                        help="FANN's xor.data (written to a temporary folder if absent)")
    parser.add_argument("--out", default=None, help="where to save the network (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=0, help="weight initialization seed (not in fann2)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if not os.path.exists(data):
            data = os.path.join(tmp, "xor.data")
            Path(data).write_text(XOR)
        out = args.out or os.path.join(tmp, "xor_float.net")

        # ---- FANN's xor_train.c, as fann2 users write it
        connection_rate = 1
        learning_rate = 0.7
        num_input = 2
        num_hidden = 3
        num_output = 1
        desired_error = 0.0001
        max_iterations = 100000
        iterations_between_reports = 1000

        ann = libfann.neural_net(seed=args.seed)
        ann.create_sparse_array(connection_rate, (num_input, num_hidden, num_output))
        ann.set_learning_rate(learning_rate)
        ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
        ann.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)
        ann.train_on_file(data, max_iterations, iterations_between_reports, desired_error)
        ann.save(out)
        # ---- end of the fann2 script

        test = libfann.training_data()
        test.read_train_from_file(data)
        mse = ann.test_data(test)
        ok = mse <= desired_error
        for x, t in zip(test.get_input(), test.get_output()):
            y = ann.run(x)[0]
            ok = ok and (y > 0) == (t[0] > 0)
            print(f"xor({x[0]:+.0f}, {x[1]:+.0f}) = {y:+.6f} (target {t[0]:+.0f})")
        print(f"MSE {mse:.10f}, bit fail {ann.get_bit_fail()}; saved {out}" if args.out else
              f"MSE {mse:.10f}, bit fail {ann.get_bit_fail()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
