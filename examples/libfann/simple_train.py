"""FANN 2.2's examples/simple_train.c as a fann2 script on fastnet: a 2-3-1 FANN_SIGMOID_SYMMETRIC network with
FANN's defaults (steepness 0.5, RPROP, the tanh error function) trained on xor.data to MSE 0.001, at most 500000
epochs, a report every 1000; saves xor_float.net (which simple_test.py runs).

    python examples/libfann/simple_train.py [--data ../shared/data/fann] [--seed N] [--out xor_float.net]

Only the import differs from the fann2 script. Exits 1 if the MSE does not reach 0.001 (FANN's desired error).
"""

import os
import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv, out=("xor_float.net", "where to save the network"))
    with _report.Watch() as watch:
        # ---- simple_train.c, line for line as fann2 writes it
        num_input = 2
        num_output = 1
        num_neurons_hidden = 3
        desired_error = 0.001
        max_epochs = 500000
        epochs_between_reports = 1000

        ann = libfann.neural_net()
        ann.create_standard_array([num_input, num_neurons_hidden, num_output])

        ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
        ann.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)

        ann.train_on_file(os.path.join(args.data, "xor.data"), max_epochs, epochs_between_reports, desired_error)

        ann.save(args.out)
        # ---- end of simple_train.c
    epochs, mse, bit_fail = watch.reports()[-1]
    return _report.summary(mse <= desired_error, epochs=epochs, MSE=mse, bit_fail=bit_fail)


if __name__ == "__main__":
    sys.exit(main())
