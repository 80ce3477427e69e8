#!/usr/bin/env bash
# Build fastnet's C++ core with AddressSanitizer + UBSan in a separate venv and build folder, then run the
# loader, save/load, FANN, cascade and fuzz tests against it.
#
#   scripts/sanitize.sh                 # build (if needed) and test
#   FASTNET_FUZZ_EXAMPLES=2000 scripts/sanitize.sh    # fuzz longer
#   ASAN_VENV=/tmp/other scripts/sanitize.sh  # another venv location
#   SANITIZE_REBUILD=1 scripts/sanitize.sh    # force a rebuild
#   scripts/sanitize.sh tests/test_fuzz.py -x  # pytest arguments replace the default test list
#
# Python itself is not instrumented, so libasan is LD_PRELOADed and leak detection is off (CPython's
# interned objects would otherwise be reported at exit). Any ASan/UBSan report aborts the run (exit != 0).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ASAN_VENV:-/tmp/fastnet-asan}"
PY="${PYTHON:-python3}"
CC_BIN="${CC:-gcc}"

cd "$ROOT"
if [[ ! -x "$VENV/bin/python" ]]; then
  "$PY" -m venv "$VENV"
fi
if [[ -n "${SANITIZE_REBUILD:-}" ]] || ! "$VENV/bin/python" -c "import fastnet" >/dev/null 2>&1; then
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "scikit-build-core>=0.10" "pybind11>=2.12" "numpy>=1.22" "pytest>=7" \
      "pytest-benchmark>=4" "hypothesis>=6"
  # Non-editable, own build folder: does not touch ./build or the development install.
  "$VENV/bin/pip" install -q --no-build-isolation --no-deps --force-reinstall \
      -C cmake.define.FASTNET_SANITIZE=ON -C cmake.build-type=RelWithDebInfo \
      -C build-dir=build/asan "$ROOT"
fi

LIBASAN="$("$CC_BIN" -print-file-name=libasan.so)"
if [[ ! -e "$LIBASAN" ]]; then
  echo "sanitize.sh: libasan.so not found via $CC_BIN -print-file-name" >&2
  exit 2
fi
# libstdc++ is preloaded too: Python does not link it, and ASan's __cxa_throw interceptor must find it at
# start-up, else the first C++ exception aborts with "CHECK failed ... real___cxa_throw".
export LD_PRELOAD="$LIBASAN $("$CC_BIN" -print-file-name=libstdc++.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

# Run from outside the checkout so that `import fastnet` finds the instrumented install, not ./fastnet.
CORE="$(cd / && "$VENV/bin/python" -c 'import fastnet._core as c; print(c.__file__)')"
echo "sanitize.sh: using $CORE"
if [[ "$(nm -D "$CORE" 2>/dev/null | grep -c __asan || true)" == 0 ]]; then
  echo "sanitize.sh: $CORE is not built with ASan" >&2
  exit 2
fi

if [[ $# -eq 0 ]]; then
  set -- tests/test_fuzz.py tests/test_fann_datasets.py tests/test_datasets.py tests/test_save_load.py \
         tests/test_fann.py tests/test_errors.py tests/test_optimizers.py tests/test_sparse.py \
         tests/test_fann_activations.py tests/test_cascade.py
fi
# The pytest script (not `python -m pytest`) keeps ./ off sys.path, so ./fastnet is not imported.
exec "$VENV/bin/pytest" --rootdir="$ROOT" -c "$ROOT/pyproject.toml" -p no:cacheprovider --capture=sys -q "$@"
