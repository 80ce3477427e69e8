// fastnet/kernels/simd_generic.cpp — every float32 SIMD kernel of the KernelTable, compiled for generic
// (baseline flags: SSE2 on x86-64, NEON on arm64).
// The kernels themselves and how the three ISA units share them: simd_kernels.inc.
// This unit: 4 floats per vector, a register tile of MR=4 rows × NR=2 vectors.
#include <cstddef>
#include <cstdint>
#include <utility>  // std::integer_sequence (compile-time only)
#if defined(__SSE__)
#include <xmmintrin.h>  // _mm_set1_ps (simd_common.inc's splat)
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/interrupt.h"
#include "core/parallel.h"
#include "kernels/kernels.h"

#define FASTNET_VBYTES 16
#define FASTNET_MR 4
#define FASTNET_ISA_NAME "generic"
namespace fastnet::kernels::isa_generic {
#include "kernels/simd_kernels.inc"
}  // namespace fastnet::kernels::isa_generic
