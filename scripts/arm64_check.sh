#!/usr/bin/env bash
# scripts/arm64_check.sh — fastnet's C++ core on aarch64 (Graviton, Ampere, Apple silicon under Linux), checked
# from an x86-64 machine:
#   1. cross-compile the core and its kernel test program (csrc/tests/kernel_tests.cpp) with Debian's
#      aarch64-linux-gnu-g++, through the same CMakeLists.txt as the wheel (Release: -O3; OpenMP), so the x86
#      kernels must drop out and the dispatcher fall back to the portable ones by the build's own logic;
#   2. check in the disassembly that the portable kernels are NEON code: the GEMM micro-kernel, the small-batch
#      and sparse kernels must multiply-accumulate four floats at a time (fmla v<n>.4s); scalar code fails it;
#   3. run the test program under qemu-user: every kernel against its float64 specification, training
#      bit-identical at 1, 2 and 3 threads. (Emulated: correctness only, its timings mean nothing.)
# Needs: cmake, g++-aarch64-linux-gnu (with its binutils), qemu-user. .ci/run installs them and runs this.
# Environment: ARM64_BUILD_DIR (default build/arm64; reused, so a rerun rebuilds only what changed),
# AARCH64_SYSROOT (default /usr/aarch64-linux-gnu: the libraries qemu loads the program with).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD="${ARM64_BUILD_DIR:-build/arm64}"
SYSROOT="${AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}"
CXX=aarch64-linux-gnu-g++
OBJDUMP=aarch64-linux-gnu-objdump
QEMU=qemu-aarch64

for tool in cmake "$CXX" "$OBJDUMP" "$QEMU"; do
  command -v "$tool" >/dev/null || {
    echo "error: $tool not found (Debian: apt-get install cmake g++-aarch64-linux-gnu qemu-user)" >&2
    exit 1
  }
done
[ -d "$SYSROOT/lib" ] || { echo "error: no aarch64 sysroot at $SYSROOT (AARCH64_SYSROOT)" >&2; exit 1; }

# --- 1. cross-compile
mkdir -p "$BUILD"
cat >"$BUILD/aarch64-linux-gnu.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER $CXX)
set(CMAKE_CROSSCOMPILING_EMULATOR $QEMU -L $SYSROOT)
EOF
generator=()
if [ ! -f "$BUILD/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S . -B "$BUILD" "${generator[@]}" -DCMAKE_TOOLCHAIN_FILE="$PWD/$BUILD/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFASTNET_PYTHON=OFF -DFASTNET_KERNEL_TESTS=ON >"$BUILD/configure.log" \
  || { cat "$BUILD/configure.log"; exit 1; }
cmake --build "$BUILD" --target fastnet_kernel_tests -j "$(nproc)"

# --- 2. NEON: per function of the portable kernel unit, its fmla v<n>.4s (four-float fused multiply-adds)
obj=$(find "$BUILD" -name 'simd_generic.cpp.o' | head -n 1)
[ -n "$obj" ] || { echo "error: simd_generic.cpp.o not found under $BUILD" >&2; exit 1; }
if find "$BUILD" -name 'simd_avx*.o' | grep -q .; then
  echo "error: the aarch64 build compiled the x86 kernel units" >&2
  exit 1
fi
"$OBJDUMP" -d --no-show-raw-insn "$obj" >"$BUILD/simd_generic.s"
# functions are keyed by their mangled names (which spell out the kernel's name); count vector and scalar FMAs
awk '/^[0-9a-f]+ <.*>:$/ { fn = $2 }
     /\tfmla\tv[0-9]+\.4s/ { vec[fn]++ }
     /\tf(madd|msub|nmadd|nmsub)\ts[0-9]/ { sca[fn]++ }
     END { for (f in vec) print f, vec[f], sca[f] + 0 }' "$BUILD/simd_generic.s" >"$BUILD/neon_fmla.txt"
echo "NEON check of $obj: fmla v.4s per function (vector, scalar fmadd), portable kernel unit:"
sort -k2,2nr "$BUILD/neon_fmla.txt" | while read -r fn vec sca; do
  printf '  %4d %4d  %s\n' "$vec" "$sca" "$(echo "$fn" | tr -d '<>:' | c++filt | cut -c1-110)"
done
echo "  the unit in all: $(grep -cE $'\tf[a-z]+\tv[0-9]+\.4s' "$BUILD/simd_generic.s") NEON float instructions" \
  "(v.4s), $(grep -cE $'\tf[a-z]+\ts[0-9]+' "$BUILD/simd_generic.s") scalar ones (tails, edges, epilogues)"
status=0
# the kernels whose inner loops must be NEON: the blocked GEMM's micro-tile (gemm_rows), the thin-GEMM path, the
# forward product's dot-product tiles (dot_tile, every batch size), the small-batch backward path, the fused SGD
# span, the sparse weight gradient and forward, and Cascade2's row dot products
for kernel in gemm_rows gemm_thin dot_tile backward_input_small sgd_span csr_backward_weight_f \
  csr_forward_f rows_dot_f; do
  n=$(awk -v k="$kernel" 'index($1, length(k) k) { s += $2 } END { print s + 0 }' "$BUILD/neon_fmla.txt")
  if [ "$n" -eq 0 ]; then
    echo "FAIL: $kernel has no fmla v.4s: not vectorised for NEON" >&2
    status=1
  fi
done
# the GEMM's inner k-loop: the MR x NR register tile (4 rows x 2 vectors in simd_generic.cpp) is one
# uninterrupted run of 8 fmla v.4s per k step
tile=$(awk '/^[0-9a-f]+ <.*gemm_rows.*>:$/ { in_fn = 1; next } /^[0-9a-f]+ <.*>:$/ { in_fn = 0 }
            in_fn && /\tfmla\tv[0-9]+\.4s/ { run++; if (run > best) best = run; next }
            in_fn { run = 0 } END { print best + 0 }' "$BUILD/simd_generic.s")
echo "longest run of fmla v.4s in the GEMM (gemm_rows): $tile (the 4x8 register tile's k step: 8)"
if [ "$tile" -lt 8 ]; then
  echo "FAIL: the GEMM's register tile is not one NEON fmla per vector accumulator" >&2
  status=1
fi
[ "$status" -eq 0 ] || exit 1

# --- 3. run it, emulated
"$QEMU" -L "$SYSROOT" "$BUILD/fastnet_kernel_tests" | tee "$BUILD/kernel_tests.log"
grep -q "available ISAs generic;" "$BUILD/kernel_tests.log" \
  || { echo "error: the aarch64 build offers another ISA than generic" >&2; exit 1; }
grep -q "OpenMP on" "$BUILD/kernel_tests.log" || { echo "error: the aarch64 build runs without OpenMP" >&2; exit 1; }
echo "arm64 check passed"
