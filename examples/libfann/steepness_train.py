"""FANN 2.2's examples/steepness_train.c as a fann2 script on fastnet: a 2-3-1 FANN_SIGMOID_SYMMETRIC network
trained on xor.data with Quickprop; each time an epoch's MSE falls below 0.001 the steepness of every neuron is
raised by 0.1, from 1 to 20, then the functions are switched to FANN_THRESHOLD_SYMMETRIC and xor is tested.

    python examples/libfann/steepness_train.py [--data ../shared/data/fann] [--seed N] [--out xor_float.net]

Only the import differs from the fann2 script. Exits 1 unless the steepness reached 20 within the 500000 epochs
(every step met FANN's desired error) and the threshold network answers xor right.
"""

import os
import sys

import _report

from fastnet import libfann


# ---- steepness_train.c, line for line as fann2 writes it
def train_on_steepness_file(ann, filename, max_epochs, epochs_between_reports, desired_error, steepness_start,
                            steepness_step, steepness_end):
    data = libfann.training_data()
    data.read_train_from_file(filename)

    if epochs_between_reports:
        print("Max epochs %8d. Desired error: %.10f" % (max_epochs, desired_error))

    ann.set_activation_steepness_hidden(steepness_start)
    ann.set_activation_steepness_output(steepness_start)
    for i in range(1, max_epochs + 1):
        # train
        error = ann.train_epoch(data)

        # print current output
        if epochs_between_reports and (i % epochs_between_reports == 0 or i == max_epochs or i == 1
                                       or error < desired_error):
            print("Epochs     %8d. Current error: %.10f" % (i, error))

        if error < desired_error:
            steepness_start += steepness_step
            if steepness_start <= steepness_end:
                print("Steepness: %f" % steepness_start)
                ann.set_activation_steepness_hidden(steepness_start)
                ann.set_activation_steepness_output(steepness_start)
            else:
                break
    return i, steepness_start  # (not in the C function: for the summary)


def main(argv=None):
    args = _report.arguments(__doc__, argv, out=("xor_float.net", "where to save the network"))
    num_input = 2
    num_output = 1
    num_neurons_hidden = 3
    desired_error = 0.001
    max_epochs = 500000
    epochs_between_reports = 1000

    ann = libfann.neural_net()
    ann.create_standard_array([num_input, num_neurons_hidden, num_output])

    data = libfann.training_data()
    data.read_train_from_file(os.path.join(args.data, "xor.data"))

    ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
    ann.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)

    ann.set_training_algorithm(libfann.TRAIN_QUICKPROP)

    epochs, steepness = train_on_steepness_file(ann, os.path.join(args.data, "xor.data"), max_epochs,
                                                epochs_between_reports, desired_error, 1.0, 0.1, 20.0)

    ann.set_activation_function_hidden(libfann.THRESHOLD_SYMMETRIC)
    ann.set_activation_function_output(libfann.THRESHOLD_SYMMETRIC)

    right = 0
    for inp, out in zip(data.get_input(), data.get_output()):
        calc_out = ann.run(inp)
        print("XOR test (%f, %f) -> %f, should be %f, difference=%f"
              % (inp[0], inp[1], calc_out[0], out[0], abs(calc_out[0] - out[0])))
        right += calc_out[0] == out[0]

    ann.save(args.out)
    # ---- end of steepness_train.c
    return _report.summary(steepness > 20.0 and right == 4, "steepness 20 and xor right", epochs=epochs,
                           final_steepness=steepness, xor_right=right)


if __name__ == "__main__":
    sys.exit(main())
