// fastnet/kernels/dense_generic.cpp — the float32 dense kernels compiled for generic (baseline flags: SSE2 on x86-64, NEON on arm64).
// The code is dense_simd.inc; this unit only fixes the vector width and register tile (MR=4 rows × NR=2 vectors).
#include <cstddef>
#include <cstdint>
#include <utility>  // std::integer_sequence (compile-time only)
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
#include "kernels/sparse_impl.h"
#include "kernels/dense_simd.inc"
}  // namespace fastnet::kernels::isa_generic
