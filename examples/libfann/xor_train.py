"""FANN 2.2's examples/xor_train.c as a fann2 script on fastnet: a 2-3-1 FANN_SIGMOID_SYMMETRIC network at
steepness 1, Nguyen-Widrow initialization (init_weights), RPROP, trained until no output is off by 0.01 or more
(FANN_STOPFUNC_BIT, desired error 0), at most 1000 epochs, a report every 10.

    python examples/libfann/xor_train.py [--data ../shared/data/fann] [--seed N] [--out xor_float.net]

Only the import differs from the fann2 script (``from fann2 import libfann``). Writes xor_float.net (which
xor_test.py reads) and, beside it, FANN's fixed-point xor_fixed.net and xor_fixed.data (for FANN's fixed-point
library). Exits 1 if the bit fail does not reach 0 (FANN's desired error).
"""

import os
import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv, out=("xor_float.net", "where to save the network"))
    # (FANN's fixed-point files beside it, as xor_train.c names them)
    fixed_net = os.path.join(os.path.dirname(args.out), "xor_fixed.net")
    fixed_data = os.path.join(os.path.dirname(args.out), "xor_fixed.data")
    with _report.Watch() as watch:
        # ---- xor_train.c, line for line as fann2 writes it
        num_input = 2
        num_output = 1
        num_neurons_hidden = 3
        desired_error = 0
        max_epochs = 1000
        epochs_between_reports = 10

        print("Creating network.")
        ann = libfann.neural_net()
        ann.create_standard_array([num_input, num_neurons_hidden, num_output])

        data = libfann.training_data()
        data.read_train_from_file(os.path.join(args.data, "xor.data"))

        ann.set_activation_steepness_hidden(1)
        ann.set_activation_steepness_output(1)

        ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
        ann.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)

        ann.set_train_stop_function(libfann.STOPFUNC_BIT)
        ann.set_bit_fail_limit(0.01)

        ann.set_training_algorithm(libfann.TRAIN_RPROP)

        ann.init_weights(data)

        print("Training network.")
        ann.train_on_data(data, max_epochs, epochs_between_reports, desired_error)

        print("Testing network. %f" % ann.test_data(data))

        for inp, out in zip(data.get_input(), data.get_output()):
            calc_out = ann.run(inp)
            print("XOR test (%f,%f) -> %f, should be %f, difference=%f"
                  % (inp[0], inp[1], calc_out[0], out[0], abs(calc_out[0] - out[0])))

        print("Saving network.")
        ann.save(args.out)

        decimal_point = ann.save_to_fixed(fixed_net)
        data.save_train_to_fixed(fixed_data, decimal_point)

        print("Cleaning up.")
        # ---- end of xor_train.c
    epochs, mse, bit_fail = watch.reports()[-1]
    return _report.summary(bit_fail == 0, epochs=epochs, MSE=mse, bit_fail=bit_fail,
                           test_MSE=ann.test_data(data))


if __name__ == "__main__":
    sys.exit(main())
