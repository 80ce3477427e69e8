// fastnet/kernels/simd_avx512.cpp — every float32 SIMD kernel of the KernelTable, compiled for avx512
// (-mavx512f/vl/bw/dq -mavx2 -mfma, 512-bit vectors preferred: CMakeLists.txt's SIMD registry).
// The kernels themselves and how the three ISA units share them: simd_kernels.inc.
// This unit: 16 floats per vector, a register tile of MR=12 rows × NR=2 vectors (24 of the 32 registers).
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
// 12 rows, not 8: input gradient +3.6-4.0% geomean over the 18 benchmark shapes (+4-11% at batch 1024), weight
// gradient + SGD step +0.6-2.2%, in one process, two runs (docs/benchmarks.md, "GEMM epilogue prefetch"); 14 rows
// no better. (pack_a's two-k-step gather serves MR = 8 only; the plain copy loop packs 12 rows.)
#define FASTNET_MR 12
// GEMM micro-tile option (dense_simd.inc): prefetch what the tile's epilogue touches — with the fused SGD step the
// weight and velocity rows. Measured in one process against this unit without it (docs/benchmarks.md, "GEMM
// epilogue prefetch"): weight gradient + SGD step +6.8% geomean over the 18 benchmark shapes, +20-24% at batch
// 128 with 784-1024 × 784-1024 weights; input gradient +2.7%. Unrolling k (the AVX2 unit's other option) added
// nothing here.
#define FASTNET_GEMM_PREFETCH_C 1
#define FASTNET_ISA_NAME "avx512"
namespace fastnet::kernels::isa_avx512 {
#include "kernels/simd_kernels.inc"
}  // namespace fastnet::kernels::isa_avx512
