// fastnet/core/threads.cpp — OpenMP thread count and denormal mode.
#include "core/threads.h"

#include <atomic>

#include "core/errors.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define FASTNET_HAVE_MXCSR 1
#endif

namespace fastnet {

namespace {
std::atomic<int> g_threads{0};  // 0: not read from OpenMP's default yet

int default_threads() {
#ifdef _OPENMP
  const int n = omp_get_max_threads();
  return n < 1 ? 1 : n > kMaxThreads ? kMaxThreads : n;
#else
  return 1;
#endif
}
}  // namespace

void set_num_threads(int n) {
  FASTNET_CHECK(n >= 1 && n <= kMaxThreads, "num_threads must be between 1 and ", kMaxThreads, ", got ", n);
#ifdef _OPENMP
  g_threads.store(n, std::memory_order_relaxed);
#endif
}

int get_num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    int expected = 0;
    n = default_threads();
    if (!g_threads.compare_exchange_strong(expected, n, std::memory_order_relaxed)) n = expected;
  }
  return n;
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

// The regions that follow reuse this team's threads (libgomp keeps a calling thread's team alive), so the mode is
// set on the team of max_threads() that every fastnet region asks for.
ScopedFlushDenormals::ScopedFlushDenormals() : saved_(_mm_getcsr()), threads_(max_threads()) {
#ifdef _OPENMP
  if (threads_ > 1) {
#pragma omp parallel num_threads(threads_)
    _mm_setcsr(_mm_getcsr() | kFtzDaz);
  }
#endif
  _mm_setcsr(saved_ | kFtzDaz);
}

ScopedFlushDenormals::~ScopedFlushDenormals() {
  const unsigned saved = saved_;
#ifdef _OPENMP
  if (threads_ > 1) {
#pragma omp parallel num_threads(threads_)
    _mm_setcsr((_mm_getcsr() & ~kFtzDaz) | (saved & kFtzDaz));
  }
#endif
  _mm_setcsr(saved);
}
#else
ScopedFlushDenormals::ScopedFlushDenormals() {}
ScopedFlushDenormals::~ScopedFlushDenormals() {}
#endif

}  // namespace fastnet
