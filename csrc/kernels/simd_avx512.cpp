// fastnet/kernels/simd_avx512.cpp — every float32 SIMD kernel of the KernelTable, compiled for avx512
// (-mavx512f/vl/bw/dq -mavx2 -mfma, 512-bit vectors preferred: CMakeLists.txt's SIMD registry).
//
// The scheme (the same in simd_generic.cpp, simd_avx2.cpp, simd_avx512.cpp): the kernels are written once, with
// GCC vector extensions, in .inc files named by what they hold; each ISA unit defines the vector width and the
// GEMM register tile, then includes them all inside its own namespace, so that every kernel is compiled with
// that unit's flags and inlined within it:
//   sparse_impl.h     the sparse-layer loops in plain form (also the spec, in sparse.cpp; fallbacks here)
//   simd_common.inc   the vector type, loads/stores, horizontal sums, the Epilogue of a finished tile
//   dense_simd.inc    dense layers: the blocked GEMM, small batches, the SGD updates
//   sparse_simd.inc   sparse layers, and the transposes into and out of their (features, B) layout
//   cascade_simd.inc  Cascade2's sums over the rows of a unit matrix
//   simd_table.inc    this unit's KernelTable, the one symbol it exports (dispatch.cpp picks a table at run time)
// A new kernel file is included here, in all three units, before simd_table.inc.
// This unit: 16 floats per vector, a register tile of MR=8 rows × NR=2 vectors.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <utility>  // std::integer_sequence (compile-time only)
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/interrupt.h"
#include "core/parallel.h"
#include "kernels/kernels.h"

#define FASTNET_VBYTES 64
#define FASTNET_MR 8
#define FASTNET_ISA_NAME "avx512"
namespace fastnet::kernels::isa_avx512 {
#include "kernels/sparse_impl.h"
#include "kernels/simd_common.inc"
#include "kernels/dense_simd.inc"
#include "kernels/sparse_simd.inc"
#include "kernels/cascade_simd.inc"
#include "kernels/simd_table.inc"
}  // namespace fastnet::kernels::isa_avx512
