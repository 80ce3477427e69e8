// fastnet/core/threads.cpp — OpenMP thread count and denormal mode.
#include "core/threads.h"

#include <atomic>
#include <cstdint>

#include "core/errors.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define FASTNET_HAVE_MXCSR 1
#elif defined(__aarch64__)
#define FASTNET_HAVE_FPCR 1
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

// The floating-point control register whose flush bits ScopedFlushDenormals sets: MXCSR on x86; on AArch64 FPCR,
// whose FZ bit flushes denormal inputs and results to zero as FTZ|DAZ do (arm64 cores mostly handle denormals at
// full speed: there the point is the same numbers as on x86). FPCR's defined bits fit in 32.
namespace {
#if defined(FASTNET_HAVE_FPCR)
constexpr unsigned kFtzDaz = 1u << 24;  // FZ
inline unsigned fp_mode() {
  uint64_t v;
  __asm__ volatile("mrs %0, fpcr" : "=r"(v));
  return static_cast<unsigned>(v);
}
inline void set_fp_mode(unsigned v) { __asm__ volatile("msr fpcr, %0" : : "r"(static_cast<uint64_t>(v))); }
#elif defined(FASTNET_HAVE_MXCSR)
constexpr unsigned kFtzDaz = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
inline unsigned fp_mode() { return _mm_getcsr(); }
inline void set_fp_mode(unsigned v) { _mm_setcsr(v); }
#endif
}  // namespace

#if defined(FASTNET_HAVE_MXCSR) || defined(FASTNET_HAVE_FPCR)

// The regions that follow reuse this team's threads (libgomp keeps a calling thread's team alive), so the mode is
// set on the team of max_threads() that every fastnet region asks for.
ScopedFlushDenormals::ScopedFlushDenormals() : saved_(fp_mode()), threads_(max_threads()) {
#ifdef _OPENMP
  if (threads_ > 1) {
#pragma omp parallel num_threads(threads_)
    set_fp_mode(fp_mode() | kFtzDaz);
  }
#endif
  set_fp_mode(saved_ | kFtzDaz);
}

ScopedFlushDenormals::~ScopedFlushDenormals() {
  const unsigned saved = saved_;
#ifdef _OPENMP
  if (threads_ > 1) {
#pragma omp parallel num_threads(threads_)
    set_fp_mode((fp_mode() & ~kFtzDaz) | (saved & kFtzDaz));
  }
#endif
  set_fp_mode(saved);
}
#else
ScopedFlushDenormals::ScopedFlushDenormals() {}
ScopedFlushDenormals::~ScopedFlushDenormals() {}
#endif

}  // namespace fastnet
