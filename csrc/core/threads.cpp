// fastnet/core/threads.cpp — OpenMP thread count and denormal mode.
#include "core/threads.h"

#include "core/errors.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define FASTNET_HAVE_MXCSR 1
#endif

namespace fastnet {

void set_num_threads(int n) {
  FASTNET_CHECK(n >= 1, "num_threads must be >= 1, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

int get_num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

bool openmp_enabled() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

#ifdef FASTNET_HAVE_MXCSR
static constexpr unsigned kFtzDaz = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)

ScopedFlushDenormals::ScopedFlushDenormals() : saved_(_mm_getcsr()) {
#ifdef _OPENMP
#pragma omp parallel
  _mm_setcsr(_mm_getcsr() | kFtzDaz);
#endif
  _mm_setcsr(saved_ | kFtzDaz);
}

ScopedFlushDenormals::~ScopedFlushDenormals() {
  const unsigned saved = saved_;
#ifdef _OPENMP
#pragma omp parallel
  _mm_setcsr((_mm_getcsr() & ~kFtzDaz) | (saved & kFtzDaz));
#endif
  _mm_setcsr(saved);
}
#else
ScopedFlushDenormals::ScopedFlushDenormals() {}
ScopedFlushDenormals::~ScopedFlushDenormals() {}
#endif

}  // namespace fastnet
