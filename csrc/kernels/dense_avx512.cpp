// fastnet/kernels/dense_avx512.cpp — the float32 dense kernels compiled for avx512 (flags set in CMakeLists.txt's SIMD registry).
// The code is dense_simd.inc; this unit only fixes the vector width and register tile (MR=8 rows × NR=2 vectors).
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
#include "kernels/dense_simd.inc"
}  // namespace fastnet::kernels::isa_avx512
