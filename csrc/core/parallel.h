// fastnet/core/parallel.h — the one way loops are split across threads.
// parallel_for(n, parallel, body) calls body(begin, end) on contiguous, equal static chunks of [0, n), one per
// thread, or once on the whole range when `parallel` is false or only one thread is allowed — without entering
// an OpenMP region at all then, since even a one-thread region costs more than a small online-learning step.
// Chunks depend only on n and the thread count, and no element is touched by two threads, so results are
// deterministic. The body must not throw.
#pragma once
#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnet {

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

template <class Body>
inline void parallel_for(long n, bool parallel, Body&& body) {
  if (n <= 0) return;
#ifdef _OPENMP
  if (parallel && n > 1 && omp_get_max_threads() > 1) {
#pragma omp parallel
    {
      const long nt = omp_get_num_threads(), t = omp_get_thread_num();
      const long chunk = (n + nt - 1) / nt;
      const long begin = t * chunk, end = begin + chunk < n ? begin + chunk : n;
      if (begin < end) body(begin, end);
    }
    return;
  }
#endif
  body(0L, n);
}

}  // namespace fastnet
