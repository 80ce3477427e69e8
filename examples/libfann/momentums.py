"""FANN 2.2's examples/momentums.c as a fann2 script on fastnet: robot.py's network trained incrementally with
momentum 0.0, 0.1, ... 0.6 (a fresh network each time) to MSE 0.001, at most 2000 epochs, reports every 500;
prints the MSE on the training and test sets of each.

    python examples/libfann/momentums.py [--data ../shared/data/fann] [--seed N]

Only the import differs from the fann2 script. Exits 1 if a momentum's training misses the desired error (FANN
reached it in all 42 of the runs README.md reports).
"""

import os
import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv)
    runs = []
    # ---- momentums.c, line for line as fann2 writes it
    num_neurons_hidden = 96
    desired_error = 0.001

    train_data = libfann.training_data()
    train_data.read_train_from_file(os.path.join(args.data, "robot.train"))
    test_data = libfann.training_data()
    test_data.read_train_from_file(os.path.join(args.data, "robot.test"))

    momentum = 0.0
    while momentum < 0.7:
        print("============= momentum = %f =============" % momentum)

        ann = libfann.neural_net()
        ann.create_standard_array([train_data.num_input_train_data(), num_neurons_hidden,
                                   train_data.num_output_train_data()])

        ann.set_training_algorithm(libfann.TRAIN_INCREMENTAL)

        ann.set_learning_momentum(momentum)

        with _report.Watch() as watch:  # (not in the C program: for the summary)
            ann.train_on_data(train_data, 2000, 500, desired_error)

        print("MSE error on train data: %f" % ann.test_data(train_data))
        print("MSE error on test data : %f" % ann.test_data(test_data))
        runs.append(watch.reports()[-1])

        momentum += 0.1
    # ---- end of momentums.c
    missed = sum(mse > desired_error for _, mse, _ in runs)
    return _report.summary(missed == 0, "FANN's desired error at every momentum",
                           epochs="/".join(str(e) for e, _, _ in runs), missed=missed)


if __name__ == "__main__":
    sys.exit(main())
