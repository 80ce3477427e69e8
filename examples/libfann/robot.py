"""FANN 2.2's examples/robot.c as a fann2 script on fastnet: PROBEN1's robot set (48 inputs, 3 outputs, 374
training samples), a 48-96-3 network with FANN's default functions, trained incrementally (FANN_TRAIN_INCREMENTAL,
learning rate 0.7, momentum 0.4) to MSE 0.001, at most 3000 epochs, then tested on robot.test.

    python examples/libfann/robot.py [--data ../shared/data/fann] [--seed N] [--out robot_float.net]

Only the import differs from the fann2 script. Exits 1 if the training MSE does not reach 0.001 (FANN's desired
error).
"""

import os
import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv, out=("robot_float.net", "where to save the network"))
    with _report.Watch() as watch:
        # ---- robot.c, line for line as fann2 writes it
        num_neurons_hidden = 96
        desired_error = 0.001

        print("Creating network.")

        train_data = libfann.training_data()
        train_data.read_train_from_file(os.path.join(args.data, "robot.train"))

        ann = libfann.neural_net()
        ann.create_standard_array([train_data.num_input_train_data(), num_neurons_hidden,
                                   train_data.num_output_train_data()])

        print("Training network.")

        ann.set_training_algorithm(libfann.TRAIN_INCREMENTAL)
        ann.set_learning_momentum(0.4)

        ann.train_on_data(train_data, 3000, 10, desired_error)

        print("Testing network.")

        test_data = libfann.training_data()
        test_data.read_train_from_file(os.path.join(args.data, "robot.test"))

        ann.reset_MSE()
        for inp, out in zip(test_data.get_input(), test_data.get_output()):
            ann.test(inp, out)
        print("MSE error on test data: %f" % ann.get_MSE())

        print("Saving network.")

        ann.save(args.out)

        print("Cleaning up.")
        # ---- end of robot.c
    test_mse = ann.get_MSE()
    epochs, mse, bit_fail = watch.reports()[-1]
    return _report.summary(mse <= desired_error, epochs=epochs, MSE=mse, bit_fail=bit_fail, test_MSE=test_mse)


if __name__ == "__main__":
    sys.exit(main())
