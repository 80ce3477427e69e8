"""FANN 2.2's examples/xor_test.c as a fann2 script on fastnet: loads the network xor_train.py saved, prints its
connections and parameters, and tests it on every sample of xor.data.

    python examples/libfann/xor_test.py [--data ../shared/data/fann] [--net xor_float.net]

Only the import differs from the fann2 script. As FANN's fixed-point branch does, exits 1 if an output is off by
more than 0.2 (and if the network file cannot be loaded).
"""

import os
import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv, net=("xor_float.net", "the network xor_train.py saved"))
    with _report.Watch():
        # ---- xor_test.c (its floating-point branch), line for line as fann2 writes it
        ret = 0
        print("Creating network.")

        ann = libfann.neural_net()
        if not ann.create_from_file(args.net):
            print("Error creating ann --- ABORTING.")
            return -1

        ann.print_connections()
        ann.print_parameters()

        print("Testing network.")

        data = libfann.training_data()
        data.read_train_from_file(os.path.join(args.data, "xor.data"))

        worst = 0.0
        for inp, out in zip(data.get_input(), data.get_output()):
            ann.reset_MSE()
            calc_out = ann.test(inp, out)
            print("XOR test (%f, %f) -> %f, should be %f, difference=%f"
                  % (inp[0], inp[1], calc_out[0], out[0], abs(calc_out[0] - out[0])))
            # (xor_test.c fails the fixed-point network on a difference above 0.2; here the float one)
            if abs(calc_out[0] - out[0]) > 0.2:
                print("Test failed")
                ret = -1
            worst = max(worst, abs(calc_out[0] - out[0]))

        print("Cleaning up.")
        # ---- end of xor_test.c
    return _report.summary(ret == 0, "every output within 0.2", largest_difference=worst, MSE=ann.test_data(data),
                           bit_fail=ann.get_bit_fail())


if __name__ == "__main__":
    sys.exit(main())
