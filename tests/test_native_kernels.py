"""The C++ kernel test program (csrc/tests/kernel_tests.cpp), built natively with CMake and run.

It checks the core without Python: the portable float32 kernel table against the float64 specifications at
awkward shapes (dense GEMM forward/backward, small batches, fused SGD, sparse layers), the activations, losses,
SGD and Adam updates, denormal flushing, and training runs that must be bit-identical at 1, 2 and 3 threads. It
is the program scripts/arm64_check.sh cross-compiles for aarch64 and runs under qemu-user; building and running
it here keeps it compiling and passing on every run of the suite.

The build is CMake's own (the same CMakeLists.txt as the wheel, with -DFASTNET_PYTHON=OFF), with
-DFASTNET_X86_KERNELS=OFF: only the portable kernels, as on every non-x86 CPU, so this also checks that the
dispatcher falls back to them (the AVX2/AVX-512 tables are checked from Python by tests/test_kernels.py). The
build folder, build/kernel-tests, is kept so that a rerun rebuilds only what changed.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "kernel-tests"


@pytest.fixture(scope="module")
def kernel_tests() -> Path:
    if os.name == "nt":
        pytest.skip("the native kernel test builds with a GCC-compatible toolchain (POSIX only)")
    cmake = shutil.which("cmake")
    if cmake is None or not (ROOT / "CMakeLists.txt").is_file():
        pytest.skip("cmake not found (or not run from a source checkout): the native kernel test needs it")
    configure = [cmake, "-S", str(ROOT), "-B", str(BUILD), "-DCMAKE_BUILD_TYPE=Release", "-DFASTNET_PYTHON=OFF",
                 "-DFASTNET_KERNEL_TESTS=ON", "-DFASTNET_X86_KERNELS=OFF"]
    if not (BUILD / "CMakeCache.txt").exists() and shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    subprocess.run(configure, check=True, capture_output=True, text=True)
    build = subprocess.run([cmake, "--build", str(BUILD), "--target", "fastnet_kernel_tests", "-j",
                            str(os.cpu_count() or 2)], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return BUILD / "fastnet_kernel_tests"


def test_kernel_test_program_passes(kernel_tests: Path) -> None:
    run = subprocess.run([str(kernel_tests)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "FASTNET_ISA": ""})
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    out = run.stdout
    # only the portable table was built, and the program really ran its sections on it
    assert re.search(r"available ISAs generic;", out), out[:500]
    for section in ("dense", "sgd", "sparse", "cascade", "training", "elementwise", "denormals"):
        assert re.search(rf"^\s+{section}\s+ok\s", out, re.M), (section, out)
    checks = re.search(r"^(\d+) checks, 0 failed$", out, re.M)
    assert checks and int(checks.group(1)) > 500, out[-500:]


def test_kernel_test_program_reports_failures(kernel_tests: Path) -> None:
    # asking for an ISA the build does not have must fail loudly, not pass having tested nothing
    run = subprocess.run([str(kernel_tests), "avx512"], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "not available" in run.stdout
