"""FANN 2.2's examples/simple_test.c as a fann2 script on fastnet: runs the network simple_train.py saved on the
input (-1, 1).

    python examples/libfann/simple_test.py [--net xor_float.net]

Only the import differs from the fann2 script. Exits 1 unless the output is xor's answer, positive (FANN's
simple_test.c only prints it).
"""

import sys

import _report

from fastnet import libfann


def main(argv=None):
    args = _report.arguments(__doc__, argv, net=("xor_float.net", "the network simple_train.py saved"))
    # ---- simple_test.c, line for line as fann2 writes it
    ann = libfann.neural_net()
    ann.create_from_file(args.net)

    input = [-1, 1]
    calc_out = ann.run(input)

    print("xor test (%f,%f) -> %f" % (input[0], input[1], calc_out[0]))
    # ---- end of simple_test.c
    return _report.summary(calc_out[0] > 0, "xor's answer (a positive output)", output=calc_out[0])


if __name__ == "__main__":
    sys.exit(main())
