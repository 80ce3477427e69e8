"""FANN 2.2's example programs against their fann2 translations in examples/libfann (fastnet.libfann).

For each example, a C program making the same calls as FANN's own examples/*.c (below, built with gcc against
libfann-dev, Debian's FANN 2.2, with rand() seeded so that a run is repeatable) gives FANN's run-to-run spread over a
few seeds; the Python example is run with a few seeds of its own, and its figures (epochs to the desired error, MSE,
bit fail, test MSE) must fall within FANN's spread. Both print FANN's report lines, which are what is compared.

Tolerance: a handful of runs shows only part of FANN's spread (its epochs to the desired error are long-tailed:
mushroom takes 14 to 300 epochs over ten seeds), so the median of fastnet's runs that reached FANN's desired error
must fall within FANN's range over its runs that reached it (min .. max), widened by SLACK (x1.5 both ways) or by
the factor a test states; the runs that miss it are compared in number with FANN's misses (no_more_misses).

Where libfann does not yet have what an example needs from FANN (FANN_*_STEPWISE, FANN's default activation;
steepness other than FANN's default in training), the example raises NotImplementedError naming it. A probe of
libfann at import decides: while it lacks it, the test is an expected failure (strict, on NotImplementedError);
once libfann has it, the test runs as it stands. Until libfann starts its networks with FANN's default
FANN_SIGMOID_STEPWISE, robot and momentums (which keep that default without naming it) are compared with FANN
running the same programs with FANN_SIGMOID, the exact function libfann's networks start with: a stated change.
"""

import contextlib
import importlib.util
import io
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pytest
from conftest import FANN_DATA, fann_file

from fastnet import libfann

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "libfann"
SLACK = 1.5  # FANN's range widened by this factor both ways (see the module docstring)

REPORT = re.compile(r"^Epochs +(\d+)\. Current error: (\d+\.\d+)(?:\. Bit fail (\d+)\.)?$", re.M)
TEST_MSE = re.compile(r"^MSE error on test data ?: (\d+\.\d+)$", re.M)
CASCADE = re.compile(r"^Train error: (\d+\.\d+), Train bit-fail: (\d+), Test error: (\d+\.\d+), "
                     r"Test bit-fail: (\d+)$", re.M)
NEURONS = re.compile(r"^Neurons +(\d+)\. Current error: (\d+\.\d+)\..*Bit fail +(\d+)", re.M)

# FANN's example programs (FANN 2.2's examples/*.c): the same calls with the same parameters, and the lines the
# comparisons read (FANN's report lines, the test MSE, cascade_train.c's error line; the others left out); the
# data files are read from argv[2] and rand() is seeded from argv[3]. "print FILE" prints a network as xor_test.c does.
_C_PROGRAM = r"""
/* FANN 2.2's example programs (examples/xor_train.c, simple_train.c, ...): the same calls with the same
   parameters, and the lines the test reads; the data files read from argv[2], rand() seeded from argv[3]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "floatfann.h"

static char dir[4096];
static unsigned seed;
static const char *path(const char *name) {
    static char buf[8][4200]; static int k = 0;
    k = (k + 1) % 8; snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name); return buf[k];
}
static int exact;  /* "exact": FANN_SIGMOID in place of FANN's default FANN_SIGMOID_STEPWISE (robot, momentums) */
/* FANN seeds rand() from /dev/urandom when it creates a network; re-seeded here and the weights drawn again as
   fann_create_* drew them (uniform in [-0.1, 0.1]), so that a run is repeatable */
static void reseed(struct fann *ann, unsigned s) { srand(s); fann_randomize_weights(ann, -0.1f, 0.1f); }
static void exact_sigmoid(struct fann *ann) {
    fann_set_activation_function_hidden(ann, FANN_SIGMOID);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
}

static int xor_train(void) {
    unsigned i;
    struct fann *ann = fann_create_standard(3, 2, 3, 1);
    struct fann_train_data *data = fann_read_train_from_file(path("xor.data"));
    srand(seed);
    fann_set_activation_steepness_hidden(ann, 1);
    fann_set_activation_steepness_output(ann, 1);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_train_stop_function(ann, FANN_STOPFUNC_BIT);
    fann_set_bit_fail_limit(ann, 0.01f);
    fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
    fann_init_weights(ann, data);
    fann_train_on_data(ann, data, 1000, 10, 0);
    printf("Testing network. %f\n", fann_test_data(ann, data));
    for (i = 0; i < fann_length_train_data(data); i++) {
        fann_type *o = fann_run(ann, data->input[i]);
        printf("XOR test (%f,%f) -> %f, should be %f, difference=%f\n", data->input[i][0], data->input[i][1],
               o[0], data->output[i][0], fann_abs(o[0] - data->output[i][0]));
    }
    fann_destroy_train(data); fann_destroy(ann); return 0;
}

static int simple_train(void) {
    struct fann *ann = fann_create_standard(3, 2, 3, 1);
    fann_type in[2] = {-1, 1}, *o;
    reseed(ann, seed);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID_SYMMETRIC);
    fann_train_on_file(ann, path("xor.data"), 500000, 1000, 0.001f);
    o = fann_run(ann, in);
    printf("xor test (%f,%f) -> %f\n", in[0], in[1], o[0]);
    fann_destroy(ann); return 0;
}

static int steepness_train(void) {
    unsigned i, max_epochs = 500000, every = 1000;
    float error, desired_error = 0.001f, s = 1.0f, step = 0.1f, end = 20.0f;
    struct fann *ann = fann_create_standard(3, 2, 3, 1);
    struct fann_train_data *data = fann_read_train_from_file(path("xor.data"));
    reseed(ann, seed);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_training_algorithm(ann, FANN_TRAIN_QUICKPROP);
    printf("Max epochs %8d. Desired error: %.10f\n", max_epochs, desired_error);
    fann_set_activation_steepness_hidden(ann, s);
    fann_set_activation_steepness_output(ann, s);
    for (i = 1; i <= max_epochs; i++) {
        error = fann_train_epoch(ann, data);
        if (i % every == 0 || i == max_epochs || i == 1 || error < desired_error)
            printf("Epochs     %8d. Current error: %.10f\n", i, error);
        if (error < desired_error) {
            s += step;
            if (s <= end) {
                printf("Steepness: %f\n", s);
                fann_set_activation_steepness_hidden(ann, s);
                fann_set_activation_steepness_output(ann, s);
            } else break;
        }
    }
    fann_set_activation_function_hidden(ann, FANN_THRESHOLD_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_THRESHOLD_SYMMETRIC);
    for (i = 0; i != fann_length_train_data(data); i++) {
        fann_type *o = fann_run(ann, data->input[i]);
        printf("XOR test (%f, %f) -> %f, should be %f, difference=%f\n", data->input[i][0], data->input[i][1],
               o[0], data->output[i][0], fann_abs(o[0] - data->output[i][0]));
    }
    fann_destroy_train(data); fann_destroy(ann); return 0;
}

static int train_test(const char *name, int robot, unsigned epochs) {
    char tr[64], te[64]; unsigned i;
    struct fann_train_data *train, *test; struct fann *ann;
    snprintf(tr, sizeof tr, "%s.train", name); snprintf(te, sizeof te, "%s.test", name);
    train = fann_read_train_from_file(path(tr));
    ann = fann_create_standard(3, fann_num_input_train_data(train), robot ? 96 : 32, fann_num_output_train_data(train));
    reseed(ann, seed);
    if (robot) {
        fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
        fann_set_learning_momentum(ann, 0.4f);
        if (exact) exact_sigmoid(ann);
    } else {
        fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC_STEPWISE);
        fann_set_activation_function_output(ann, FANN_SIGMOID_STEPWISE);
    }
    fann_train_on_data(ann, train, epochs, 10, robot ? 0.001f : 0.0001f);
    test = fann_read_train_from_file(path(te));
    fann_reset_MSE(ann);
    for (i = 0; i < fann_length_train_data(test); i++) fann_test(ann, test->input[i], test->output[i]);
    printf("MSE error on test data: %f\n", fann_get_MSE(ann));
    fann_destroy_train(train); fann_destroy_train(test); fann_destroy(ann); return 0;
}

static int momentums(void) {
    struct fann_train_data *train = fann_read_train_from_file(path("robot.train"));
    struct fann_train_data *test = fann_read_train_from_file(path("robot.test"));
    float m; unsigned k = 0;
    for (m = 0.0f; m < 0.7f; m += 0.1f, k++) {
        struct fann *ann;
        printf("============= momentum = %f =============\n", m);
        ann = fann_create_standard(3, fann_num_input_train_data(train), 96, fann_num_output_train_data(train));
        reseed(ann, seed * 16 + k);
        if (exact) exact_sigmoid(ann);
        fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
        fann_set_learning_momentum(ann, m);
        fann_train_on_data(ann, train, 2000, 500, 0.001f);
        printf("MSE error on train data: %f\n", fann_test_data(ann, train));
        printf("MSE error on test data : %f\n", fann_test_data(ann, test));
        fann_destroy(ann);
    }
    fann_destroy_train(train); fann_destroy_train(test); return 0;
}

static int scaling(void) {
    struct fann *ann = fann_create_standard(4, 3, 5, 5, 1);
    struct fann_train_data *data;
    reseed(ann, seed);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
    data = fann_read_train_from_file(path("scaling.data"));
    fann_set_scaling_params(ann, data, -1, 1, -1, 1);
    fann_scale_train(ann, data);
    fann_train_on_data(ann, data, 5000, 1000, 0.0001f);
    fann_destroy_train(data); fann_destroy(ann); return 0;
}

static int cascade_train(void) {
    struct fann_train_data *train = fann_read_train_from_file(path("parity8.train"));
    struct fann_train_data *test = fann_read_train_from_file(path("parity8.test"));
    struct fann *ann; fann_type steepness = 1; float mse_train, mse_test; unsigned bf_train, bf_test, i;
    enum fann_activationfunc_enum activation = FANN_SIGMOID_SYMMETRIC;
    fann_scale_train_data(train, -1, 1);
    fann_scale_train_data(test, -1, 1);
    ann = fann_create_shortcut(2, fann_num_input_train_data(train), fann_num_output_train_data(train));
    reseed(ann, seed);
    fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_cascade_activation_steepnesses(ann, &steepness, 1);
    fann_set_cascade_activation_functions(ann, &activation, 1);
    fann_set_cascade_num_candidate_groups(ann, 8);
    fann_set_bit_fail_limit(ann, 0.9f);
    fann_set_train_stop_function(ann, FANN_STOPFUNC_BIT);
    fann_cascadetrain_on_data(ann, train, 30, 1, 0);
    mse_train = fann_test_data(ann, train); bf_train = fann_get_bit_fail(ann);
    mse_test = fann_test_data(ann, test); bf_test = fann_get_bit_fail(ann);
    printf("\nTrain error: %f, Train bit-fail: %d, Test error: %f, Test bit-fail: %d\n\n",
           mse_train, bf_train, mse_test, bf_test);
    for (i = 0; i < train->num_data; i++) {
        fann_type *o = fann_run(ann, train->input[i]);
        if ((train->output[i][0] >= 0 && o[0] <= 0) || (train->output[i][0] <= 0 && o[0] >= 0))
            printf("ERROR: %f does not match %f\n", train->output[i][0], o[0]);
    }
    fann_destroy_train(train); fann_destroy_train(test); fann_destroy(ann); return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "print")) {  /* xor_test.c's and cascade_train.c's pictures of a network */
        struct fann *ann = fann_create_from_file(argv[2]);
        if (!ann) return 3;
        fann_print_connections(ann);
        fann_print_parameters(ann);
        fann_destroy(ann);
        return 0;
    }
    if (argc != 4 && argc != 5) return 2;
    exact = argc == 5 && !strcmp(argv[4], "exact");
    snprintf(dir, sizeof dir, "%s", argv[2]); seed = (unsigned)strtoul(argv[3], NULL, 10);
    if (!strcmp(argv[1], "xor_train")) return xor_train();
    if (!strcmp(argv[1], "simple_train")) return simple_train();
    if (!strcmp(argv[1], "steepness_train")) return steepness_train();
    if (!strcmp(argv[1], "mushroom")) return train_test("mushroom", 0, 300);
    if (!strcmp(argv[1], "robot")) return train_test("robot", 1, 3000);
    if (!strcmp(argv[1], "momentums")) return momentums();
    if (!strcmp(argv[1], "scaling")) return scaling();
    if (!strcmp(argv[1], "cascade_train")) return cascade_train();
    return 2;
}
"""


# ----------------------------------------------------------------------------------------------- what libfann lacks
def _lacks(probe: Any) -> Optional[str]:
    """None when ``probe()`` runs; the NotImplementedError's message when libfann lacks what it needs."""
    try:
        probe()
    except NotImplementedError as exc:
        return str(exc)
    return None


def _tiny() -> Tuple[libfann.neural_net, libfann.training_data]:
    ann = libfann.neural_net(seed=0)
    ann.create_standard_array([2, 3, 1])
    data = libfann.training_data()
    data.set_train_data([[-1, -1], [-1, 1], [1, -1], [1, 1]], [[-1], [1], [1], [-1]])
    return ann, data


def _stepwise_probe() -> None:  # mushroom.c: stepwise functions, the symmetric one hidden, the other output
    ann, data = _tiny()
    ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC_STEPWISE)
    ann.set_activation_function_output(libfann.SIGMOID_STEPWISE)
    ann.train_epoch(data)


def _steepness_probe() -> None:  # steepness_train.c: Quickprop at steepness 1.1
    ann, data = _tiny()
    ann.set_activation_function_hidden(libfann.SIGMOID_SYMMETRIC)
    ann.set_activation_function_output(libfann.SIGMOID_SYMMETRIC)
    ann.set_training_algorithm(libfann.TRAIN_QUICKPROP)
    ann.set_activation_steepness_hidden(1.1)
    ann.set_activation_steepness_output(1.1)
    ann.train_epoch(data)


STEPWISE_MISSING = _lacks(_stepwise_probe)
STEEPNESS_MISSING = _lacks(_steepness_probe)
# FANN's default activation function: until libfann starts networks with it, robot.c and momentums.c (which keep
# FANN's default) are compared with FANN running them with FANN_SIGMOID, the function libfann starts with
DEFAULT_IS_STEPWISE = _tiny()[0].get_activation_function(1, 0) == libfann.SIGMOID_STEPWISE


# ----------------------------------------------------------------------------------------------- running both
@pytest.fixture(scope="module")
def fann_examples(fann: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C program above, built with gcc against libfann-dev (Debian's FANN 2.2)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build a C program against libfann-dev")
    fann_file("xor.data")  # (skips when FANN's data sets are not beside the repository)
    folder = tmp_path_factory.mktemp("fannex")
    (folder / "fannex.c").write_text(_C_PROGRAM)
    exe = folder / "fannex"
    subprocess.run(["gcc", "-O1", "-o", str(exe), str(folder / "fannex.c"), "-lfloatfann", "-lm"], check=True,
                   capture_output=True, timeout=120)
    return exe


class FannRuns:
    """FANN's example ``name``, once per seed (rand() seeded from it), started at once and run while the caller
    runs fastnet's (the C runs use the other core); ``texts()`` waits and gives their standard outputs. As a
    context manager it kills any run still going when the block exits."""

    def __init__(self, exe: Path, name: str, seeds: Sequence[int], exact: bool = False) -> None:
        self.procs = [subprocess.Popen([str(exe), name, str(FANN_DATA), str(s)] + (["exact"] if exact else []),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in seeds]

    def texts(self) -> List[str]:
        out = []
        for p in self.procs:
            stdout, stderr = p.communicate(timeout=300)
            assert p.returncode == 0, f"FANN's example failed ({p.args}): {stderr}"
            out.append(stdout)
        return out

    def __enter__(self) -> "FannRuns":
        return self

    def __exit__(self, *exc: Any) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.communicate()


def fann_print(exe: Path, net: Path) -> List[str]:
    """How FANN prints the network file ``net`` (fann_print_connections, fann_print_parameters)."""
    return subprocess.run([str(exe), "print", str(net)], capture_output=True, text=True, check=True,
                          timeout=60).stdout.splitlines()


_MODULES: Dict[str, Any] = {}


def run_example(name: str, *args: str) -> Tuple[int, str]:
    """examples/libfann/<name>.py's main(args), in this process; (exit code, standard output)."""
    if name not in _MODULES:
        if str(EXAMPLES) not in sys.path:
            sys.path.insert(0, str(EXAMPLES))  # (the examples import their helper, _report, from their folder)
        spec = importlib.util.spec_from_file_location(f"libfann_example_{name}", EXAMPLES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[name] = module
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = _MODULES[name].main(["--data", str(FANN_DATA), *args])
    return int(code), out.getvalue()


def run_ours(name: str, seed: int, folder: Path, out: Optional[str] = None) -> Tuple[int, str]:
    return run_example(name, "--seed", str(seed), *(["--out", str(folder / out)] if out else []))


# ----------------------------------------------------------------------------------------------- figures
def last_report(text: str) -> Tuple[int, float, Optional[int]]:
    """FANN's last report line: (epochs, current error, bit fail or None)."""
    found = REPORT.findall(text)
    assert found, f"no FANN report line in:\n{text[-2000:]}"
    e, err, bits = found[-1]
    return int(e), float(err), (int(bits) if bits else None)


def mse_on_test_set(text: str) -> float:
    """The MSE on the test set the example printed (fann_test over mushroom.test / robot.test)."""
    found = TEST_MSE.findall(text)
    assert len(found) == 1, text[-2000:]
    return float(found[0])


def within(what: str, ours: Sequence[float], theirs: Sequence[float], slack: float = SLACK) -> None:
    """The median of fastnet's runs within FANN's range over its runs, widened by ``slack`` both ways."""
    assert ours and theirs, (what, ours, theirs)
    lo, hi = min(theirs) / slack, max(theirs) * slack
    med = statistics.median(ours)
    assert lo <= med <= hi, (f"{what}: fastnet's median {med:g} (runs {list(ours)}) is outside FANN's "
                             f"{min(theirs):g} .. {max(theirs):g} (runs {list(theirs)}) widened x{slack}")


def no_more_misses(what: str, ours: Sequence[bool], theirs: Sequence[bool]) -> None:
    """fastnet's runs miss FANN's desired error no more often than FANN's do, give or take one run (FANN's miss
    rate estimated as (misses + 1) / (runs + 2): a few runs that all reached it do not make it 0)."""
    missed, fann_missed = list(ours).count(False), list(theirs).count(False)
    rate = (fann_missed + 1) / (len(theirs) + 2)
    assert missed <= rate * len(ours) + 1, (
        f"{what}: {missed} of fastnet's {len(ours)} runs missed FANN's desired error, FANN {fann_missed} of "
        f"{len(theirs)}")


def _printed_network(text: str) -> List[str]:
    """The lines xor_test's fann_print_connections and fann_print_parameters wrote (before "Testing network.")."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Layer / Neuron "))
    return lines[start:lines.index("Testing network.")]


# ----------------------------------------------------------------------------------------------- the examples
def test_xor_train_and_xor_test(fann_examples: Path, tmp_path: Path) -> None:
    """xor_train.c: bit fail 0 (desired error 0, FANN_STOPFUNC_BIT at 0.01) within 1000 epochs, in as many
    epochs as FANN; xor_test.c on the saved network: every output within 0.2, and the network printed
    (fann_print_connections, fann_print_parameters) exactly as FANN prints the same file."""
    with FannRuns(fann_examples, "xor_train", range(1, 11)) as c_runs:
        ours = []
        for s in range(1, 6):
            code, text = run_ours("xor_train", s, tmp_path, "xor_float.net")
            e, err, bits = last_report(text)
            assert code == (0 if bits == 0 else 1)
            assert f"Summary: epochs {e}, MSE {err:.6f}, bit fail {bits}" in text
            ours.append((e, err, bits))
        theirs = [last_report(t) for t in c_runs.texts()]
    no_more_misses("xor_train", [b == 0 for _, _, b in ours], [b == 0 for _, _, b in theirs])
    within("xor_train epochs", [e for e, _, b in ours if b == 0], [e for e, _, b in theirs if b == 0])
    within("xor_train MSE", [m for _, m, b in ours if b == 0], [m for _, m, b in theirs if b == 0])

    code, text = run_example("xor_test", "--net", str(tmp_path / "xor_float.net"))
    assert code == 0, text
    assert len(re.findall(r"^XOR test \(.*difference=0\.[01]\d*$", text, re.M)) == 4, text
    assert _printed_network(text) == fann_print(fann_examples, tmp_path / "xor_float.net")


def test_simple_train_and_simple_test(fann_examples: Path, fann: Any, tmp_path: Path) -> None:
    """simple_train.c (FANN's defaults, MSE 0.001): as many epochs as FANN; simple_test.c runs the saved network
    and prints what FANN's fann_run gives on the same file."""
    with FannRuns(fann_examples, "simple_train", range(1, 11)) as c_runs:
        ours = []
        for s in range(1, 6):
            code, text = run_ours("simple_train", s, tmp_path, "xor_float.net")
            e, err, bits = last_report(text)
            assert code == (0 if err <= 0.001 else 1)
            ours.append((e, err, bits))
        theirs = [last_report(t) for t in c_runs.texts()]
    no_more_misses("simple_train", [m <= 0.001 for _, m, _ in ours], [m <= 0.001 for _, m, _ in theirs])
    within("simple_train epochs", [e for e, m, _ in ours if m <= 0.001], [e for e, m, _ in theirs if m <= 0.001])

    code, text = run_example("simple_test", "--net", str(tmp_path / "xor_float.net"))
    assert code == 0, text
    printed = float(re.findall(r"^xor test \(-1\.000000,1\.000000\) -> (-?\d+\.\d+)$", text, re.M)[0])
    expected = fann.run(tmp_path / "xor_float.net", np.array([[-1, 1]], np.float32))[0, 0]
    assert f"{printed:.6f}" == f"{expected:.6f}"


@pytest.mark.xfail(STEEPNESS_MISSING is not None, raises=NotImplementedError, strict=True,
                   reason=f"libfann: {STEEPNESS_MISSING}")
def test_steepness_train(fann_examples: Path, tmp_path: Path) -> None:
    """steepness_train.c: Quickprop, the steepness raised from 1 to 20 in steps of 0.1 each time the MSE falls below
    0.001; the total epochs as FANN's, and the threshold network answers xor right as often as FANN's does (not
    always: a hidden unit still short of saturation at steepness 20 flips under the threshold; FANN's own runs
    miss it for 1 seed of 10, measured)."""
    def epochs(text: str) -> int:
        return int(re.findall(r"^Epochs +(\d+)\. Current error: \d+\.\d+$", text, re.M)[-1])

    def xor_right(text: str) -> bool:
        return len(re.findall(r"^XOR test .*difference=-?0\.000000$", text, re.M)) == 4

    code, text = run_ours("steepness_train", 1, tmp_path, "xor_float.net")  # (first: it raises while unsupported)
    assert epochs(text) and text.count("XOR test") == 4, text[-2000:]
    ours, ours_right = [epochs(text)], [xor_right(text)]
    assert code == (0 if ours_right[0] else 1)
    with FannRuns(fann_examples, "steepness_train", range(1, 11)) as c_runs:
        for s in range(2, 5):
            code, text = run_ours("steepness_train", s, tmp_path, "xor_float.net")
            assert code == (0 if xor_right(text) else 1), text[-2000:]
            ours.append(epochs(text))
            ours_right.append(xor_right(text))
        texts = c_runs.texts()
        theirs, theirs_right = [epochs(t) for t in texts], [xor_right(t) for t in texts]
    within("steepness_train epochs", ours, theirs)
    no_more_misses("steepness_train xor right", ours_right, theirs_right)


@pytest.mark.xfail(STEPWISE_MISSING is not None, raises=NotImplementedError, strict=True,
                   reason=f"libfann: {STEPWISE_MISSING}")
def test_mushroom(fann_examples: Path, tmp_path: Path) -> None:
    """mushroom.c (stepwise functions, RPROP, MSE 0.0001 within 300 epochs): epochs and test MSE as FANN's (whose
    spread is wide: 14 to 300 epochs, test MSE 0.00006 to 0.05 over ten seeds)."""
    def figures(text: str) -> Tuple[int, float, float]:
        e, err, _ = last_report(text)
        return e, err, mse_on_test_set(text)

    code, text = run_ours("mushroom", 1, tmp_path, "mushroom_float.net")  # (first: it raises while unsupported)
    ours = [figures(text)]
    assert code == (0 if ours[-1][1] <= 0.0001 else 1)
    with FannRuns(fann_examples, "mushroom", range(1, 5)) as c_runs:
        code, text = run_ours("mushroom", 2, tmp_path, "mushroom_float.net")
        ours.append(figures(text))
        assert code == (0 if ours[-1][1] <= 0.0001 else 1)
        theirs = [figures(t) for t in c_runs.texts()]
    no_more_misses("mushroom", [r[1] <= 0.0001 for r in ours], [r[1] <= 0.0001 for r in theirs])
    within("mushroom epochs", [r[0] for r in ours if r[1] <= 0.0001], [r[0] for r in theirs if r[1] <= 0.0001])
    within("mushroom test MSE", [r[2] for r in ours], [r[2] for r in theirs], slack=3.0)


def test_robot(fann_examples: Path, tmp_path: Path) -> None:
    """robot.c (incremental training, momentum 0.4, MSE 0.001 within 3000 epochs): epochs and test MSE as FANN's.
    FANN's runs use FANN_SIGMOID in place of its default FANN_SIGMOID_STEPWISE until libfann starts networks with
    the latter (DEFAULT_IS_STEPWISE): the stepwise function takes some 8 epochs more (60-67 against 52-58)."""
    def figures(text: str) -> Tuple[int, float, float]:
        e, err, _ = last_report(text)
        return e, err, mse_on_test_set(text)

    with FannRuns(fann_examples, "robot", range(1, 7), exact=not DEFAULT_IS_STEPWISE) as c_runs:
        ours = []
        for s in range(1, 4):
            code, text = run_ours("robot", s, tmp_path, "robot_float.net")
            ours.append(figures(text))
            assert code == (0 if ours[-1][1] <= 0.001 else 1)
        theirs = [figures(t) for t in c_runs.texts()]
    no_more_misses("robot", [r[1] <= 0.001 for r in ours], [r[1] <= 0.001 for r in theirs])
    # FANN's epochs to the desired error vary little from run to run (+-4): the range is widened by 10%
    within("robot epochs", [r[0] for r in ours if r[1] <= 0.001], [r[0] for r in theirs if r[1] <= 0.001],
           slack=1.1)
    within("robot test MSE", [r[2] for r in ours], [r[2] for r in theirs], slack=1.1)


def test_momentums(fann_examples: Path, tmp_path: Path) -> None:
    """momentums.c (robot.c's training at momentum 0 .. 0.6, MSE 0.001 within 2000 epochs): epochs as FANN's, as
    few misses, and fewer epochs at momentum 0.6 than at 0 (FANN: about 45 against 100). FANN with FANN_SIGMOID as
    in test_robot."""
    def runs(text: str) -> List[Tuple[int, float]]:
        blocks = text.split("============= momentum = ")[1:]
        assert len(blocks) == 7, text[-2000:]
        return [last_report(b)[:2] for b in blocks]

    with FannRuns(fann_examples, "momentums", (1, 2), exact=not DEFAULT_IS_STEPWISE) as c_runs:
        code, text = run_ours("momentums", 1, tmp_path)
        ours = runs(text)
        theirs = [r for t in c_runs.texts() for r in runs(t)]
    assert code == (0 if all(m <= 0.001 for _, m in ours) else 1)
    no_more_misses("momentums", [m <= 0.001 for _, m in ours], [m <= 0.001 for _, m in theirs])
    within("momentums epochs", [e for e, m in ours if m <= 0.001], [e for e, m in theirs if m <= 0.001], slack=1.25)
    assert ours[-1][0] < ours[0][0], ours


def test_scaling(fann_examples: Path, tmp_path: Path) -> None:
    """scaling_train.c (FANN's input/output scaling, 3-5-5-1, RPROP, 5000 epochs): FANN does not reach its desired
    0.0001 and ends anywhere between about 0.001 and 0.012, or (about one run in three) stays stuck at 0.836 with
    every output failing; the runs that end below 0.02 as often as FANN's, their MSE as FANN's (widened x3); the
    saved network, with its scaling parameters, loads in FANN and prints there as here."""
    with FannRuns(fann_examples, "scaling", range(1, 4)) as c_runs:
        ours = []
        for s in range(1, 3):
            code, text = run_ours("scaling", s, tmp_path, "scaling.net")
            ours.append(last_report(text))
            assert code == (0 if ours[-1][1] <= 0.02 else 1)
        theirs = [last_report(t) for t in c_runs.texts()]
    assert all(e == 5000 for e, _, _ in theirs + ours)
    no_more_misses("scaling", [m <= 0.02 for _, m, _ in ours], [m <= 0.02 for _, m, _ in theirs])
    within("scaling MSE", [m for _, m, _ in ours if m <= 0.02], [m for _, m, _ in theirs if m <= 0.02], slack=3.0)
    ann = libfann.neural_net()
    ann.create_from_file(str(tmp_path / "scaling.net"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ann.print_connections()
        ann.print_parameters()
    assert out.getvalue().splitlines() == fann_print(fann_examples, tmp_path / "scaling.net")


def test_cascade_train(fann_examples: Path, tmp_path: Path) -> None:
    """cascade_train.c (Cascade2 on parity8, bit fail 0 within 30 neurons): as many neurons and epochs as FANN,
    the final MSE and bit fail as FANN's, the first report line (the bare network's output training) FANN's to the
    epoch, and the grown network printed as FANN prints it."""
    def figures(text: str) -> Tuple[int, int, float, int]:
        neurons = NEURONS.findall(text)
        assert neurons and neurons[0][0] == "0", text[-3000:]
        epochs = int(re.findall(r"^Neurons +\d+\..*Epochs +(\d+)\.", text, re.M)[-1])
        train_mse, train_bits, test_mse, test_bits = CASCADE.findall(text)[0]
        assert (train_mse, train_bits) == (test_mse, test_bits)  # (cascade_train.c tests on the same set)
        return int(neurons[-1][0]), epochs, float(train_mse), int(train_bits)

    def first_line(text: str) -> str:  # without its error figures, which differ in the last digits
        return re.sub(r"\d+\.\d+", "#", re.findall(r"^Neurons +0\. .*$", text, re.M)[0])

    with FannRuns(fann_examples, "cascade_train", range(1, 13)) as c_runs:
        ours, texts = [], []
        for s in range(1, 5):
            code, text = run_ours("cascade_train", s, tmp_path, "cascade_train.net")
            ours.append(figures(text))
            texts.append(text)
            assert code == (0 if ours[-1][3] == 0 and "ERROR:" not in text else 1)
        c_texts = c_runs.texts()
    theirs = [figures(t) for t in c_texts]
    assert {first_line(t) for t in texts} <= {first_line(t) for t in c_texts}
    no_more_misses("cascade_train", [r[3] == 0 for r in ours], [r[3] == 0 for r in theirs])
    within("cascade_train hidden neurons", [r[0] for r in ours], [r[0] for r in theirs], slack=1.25)
    within("cascade_train epochs", [r[1] for r in ours], [r[1] for r in theirs], slack=1.25)
    within("cascade_train MSE", [r[2] for r in ours], [r[2] for r in theirs], slack=2.0)
    # the grown network prints (fann_print_connections) as FANN prints the saved file; its parameters are left out:
    # the file carries FANN's default cascade parameters (CascadeNetwork.save_fann), not the ones trained with
    ann = libfann.neural_net()
    ann.create_from_file(str(tmp_path / "cascade_train.net"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ann.print_connections()
    mine = out.getvalue().splitlines()
    assert mine == fann_print(fann_examples, tmp_path / "cascade_train.net")[:len(mine)]
