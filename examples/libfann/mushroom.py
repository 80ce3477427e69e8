"""FANN 2.2's examples/mushroom.c as a fann2 script on fastnet: PROBEN1's mushroom set (125 inputs, 2 outputs,
4062 training samples), a 125-32-2 network with FANN_SIGMOID_SYMMETRIC_STEPWISE hidden and FANN_SIGMOID_STEPWISE
output neurons, FANN's defaults otherwise (RPROP), trained to MSE 0.0001, at most 300 epochs, then tested on
mushroom.test.

    python examples/libfann/mushroom.py [--data ../shared/data/fann] [--seed N] [--out mushroom_float.net]

Only the import differs from the fann2 script. Exits 1 if the training MSE does not reach 0.0001 (FANN's desired
error).
"""

import os
import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv, out=("mushroom_float.net", "where to save the network"))
    with _report.Watch() as watch:
        # ---- mushroom.c, line for line as fann2 writes it
        num_neurons_hidden = 32
        desired_error = 0.0001
        max_epochs = 300
        epochs_between_reports = 10

        print("Creating network.")

        train_data = libfann.training_data()
        train_data.read_train_from_file(os.path.join(args.data, "mushroom.train"))

        ann = libfann.neural_net()
        ann.create_standard_array([train_data.num_input_train_data(), num_neurons_hidden,
                                   train_data.num_output_train_data()])

        print("Training network.")

        ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC_STEPWISE)
        ann.set_activation_function_output(libfann.SIGMOID_STEPWISE)

        # ann.set_training_algorithm(libfann.TRAIN_INCREMENTAL)

        ann.train_on_data(train_data, max_epochs, epochs_between_reports, desired_error)

        print("Testing network.")

        test_data = libfann.training_data()
        test_data.read_train_from_file(os.path.join(args.data, "mushroom.test"))

        ann.reset_MSE()
        for inp, out in zip(test_data.get_input(), test_data.get_output()):
            ann.test(inp, out)

        print("MSE error on test data: %f" % ann.get_MSE())

        print("Saving network.")

        ann.save(args.out)

        print("Cleaning up.")
        # ---- end of mushroom.c
    test_mse = ann.get_MSE()
    epochs, mse, bit_fail = watch.reports()[-1]
    return _report.summary(mse <= desired_error, epochs=epochs, MSE=mse, bit_fail=bit_fail, test_MSE=test_mse)


if __name__ == "__main__":
    sys.exit(main())
