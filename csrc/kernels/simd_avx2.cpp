// fastnet/kernels/simd_avx2.cpp — every float32 SIMD kernel of the KernelTable, compiled for avx2
// (-mavx2 -mfma: CMakeLists.txt's SIMD registry).
// The kernels themselves and how the three ISA units share them: simd_kernels.inc.
// This unit: 8 floats per vector, a register tile of MR=6 rows × NR=2 vectors.
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

#define FASTNET_VBYTES 32
#define FASTNET_MR 6
// GEMM micro-tile options (dense_simd.inc): prefetch what the tile's epilogue touches (the C tile; with the fused
// SGD step the weight and velocity rows), unroll k by 4. Measured on this unit (docs/benchmarks.md, "AVX2 GEMM"):
// +10-22% on both backward products at batch 1024 with N, K >= 784 (C re-read between KC slices), elsewhere within
// noise; the same results. Prefetching the weight and velocity rows instead of the (then unused) C scratch for the
// SGD epilogue: +10.5% geomean on the fused weight gradient + step, up to +55% at batch 128 with large weights
// ("GEMM epilogue prefetch").
#define FASTNET_GEMM_PREFETCH_C 1
#define FASTNET_GEMM_UNROLL_K 1
#define FASTNET_ISA_NAME "avx2"
namespace fastnet::kernels::isa_avx2 {
#include "kernels/simd_kernels.inc"
}  // namespace fastnet::kernels::isa_avx2
