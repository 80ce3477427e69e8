"""FANN 2.2's examples/cascade_train.c as a fann2 script on fastnet: Cascade2 on the 8-bit parity set (256
samples, scaled to [-1, 1]), a shortcut network grown from 8 inputs and 1 FANN_LINEAR output with candidates
FANN_SIGMOID_SYMMETRIC at steepness 1 in 8 groups, RPROP, the linear error function, trained until no output is
off by 0.9 or more (FANN_STOPFUNC_BIT, desired error 0), at most 30 neurons, a report per neuron.

    python examples/libfann/cascade_train.py [--data ../shared/data/fann] [--seed N] [--out cascade_train.net]

Only the import differs from the fann2 script. (fann2 1.0.7 binds set_cascade_activation_functions only in its C++
form, a pointer and a count, which Python cannot call; libfann takes a list, as fann2's
set_cascade_activation_steepnesses does.) Exits 1 if the training bit fail does not reach 0 (FANN's desired
error) or an output has the wrong sign.
"""

import os
import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv, out=("cascade_train.net", "where to save the network"))
    # ---- cascade_train.c, line for line as fann2 writes it
    desired_error = 0.0
    max_neurons = 30
    neurons_between_reports = 1
    multi = False
    training_algorithm = libfann.TRAIN_RPROP

    print("Reading data.")

    train_data = libfann.training_data()
    train_data.read_train_from_file(os.path.join(args.data, "parity8.train"))
    test_data = libfann.training_data()
    test_data.read_train_from_file(os.path.join(args.data, "parity8.test"))

    train_data.scale_train_data(-1, 1)
    test_data.scale_train_data(-1, 1)

    print("Creating network.")

    ann = libfann.neural_net()
    ann.create_shortcut_array([train_data.num_input_train_data(), train_data.num_output_train_data()])

    ann.set_training_algorithm(training_algorithm)
    ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
    ann.set_activation_function_output(libfann.LINEAR)
    ann.set_train_error_function(libfann.ERRORFUNC_LINEAR)

    if not multi:
        # steepness = 0.5
        steepness = 1
        ann.set_cascade_activation_steepnesses([steepness])
        # activation = libfann.SIN_SYMMETRIC
        activation = libfann.SIGMOID_SYMMETRIC

        ann.set_cascade_activation_functions([activation])
        ann.set_cascade_num_candidate_groups(8)

    if training_algorithm == libfann.TRAIN_QUICKPROP:
        ann.set_learning_rate(0.35)
        ann.randomize_weights(-2.0, 2.0)

    ann.set_bit_fail_limit(0.9)
    ann.set_train_stop_function(libfann.STOPFUNC_BIT)
    ann.print_parameters()

    ann.save(os.path.join(os.path.dirname(args.out) or ".", "cascade_train2.net"))

    print("Training network.")

    with _report.Watch() as watch:  # (not in the C program: for the summary)
        ann.cascadetrain_on_data(train_data, max_neurons, neurons_between_reports, desired_error)

    ann.print_connections()

    mse_train = ann.test_data(train_data)
    bit_fail_train = ann.get_bit_fail()
    mse_test = ann.test_data(test_data)
    bit_fail_test = ann.get_bit_fail()

    print("\nTrain error: %f, Train bit-fail: %d, Test error: %f, Test bit-fail: %d\n"
          % (mse_train, bit_fail_train, mse_test, bit_fail_test))

    wrong = 0
    for inp, out in zip(train_data.get_input(), train_data.get_output()):
        output = ann.run(inp)
        if (out[0] >= 0 and output[0] <= 0) or (out[0] <= 0 and output[0] >= 0):
            print("ERROR: %f does not match %f" % (out[0], output[0]))
            wrong += 1

    print("Saving network.")

    ann.save(args.out)

    print("Cleaning up.")
    # ---- end of cascade_train.c
    neurons = [line for line in watch.text.splitlines() if line.startswith("Neurons ")]
    hidden = int(neurons[-1].split()[1].rstrip(".")) if neurons else 0
    return _report.summary(bit_fail_train == 0 and wrong == 0, "FANN's desired error (bit fail 0)",
                           hidden_neurons=hidden, train_MSE=mse_train,
                           train_bit_fail=bit_fail_train, test_MSE=mse_test, test_bit_fail=bit_fail_test)


if __name__ == "__main__":
    sys.exit(main())
