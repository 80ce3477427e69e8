// fastnet/core/parallel.h — the one way loops are split across threads.
// parallel_for(n, parallel, body) calls body(begin, end) on contiguous, equal static chunks of [0, n), one per
// thread, or once on the whole range when `parallel` is false or only one thread is allowed — without entering
// an OpenMP region at all then, since even a one-thread region costs more than a small online-learning step.
// Chunks depend only on n and the thread count, and no element is touched by two threads, so results are
// deterministic. The body must not throw. The team is never larger than n (idle threads would only wait at the
// barrier), and its size is read once: a caller that sized per-thread scratch passes its own count to
// parallel_for_threads, so a set_num_threads from another thread meanwhile cannot outgrow that scratch.
#pragma once
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/threads.h"

namespace fastnet {

template <class Body>
inline void parallel_for_threads(long n, int nthreads, Body&& body) {
  if (n <= 0) return;
#ifdef _OPENMP
  const int nt = static_cast<long>(nthreads) < n ? nthreads : static_cast<int>(n);
  if (nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      const long team = omp_get_num_threads(), t = omp_get_thread_num();
      const long chunk = (n + team - 1) / team;
      const long begin = t * chunk, end = begin + chunk < n ? begin + chunk : n;
      if (begin < end) body(begin, end);
    }
    return;
  }
#else
  (void)nthreads;
#endif
  body(0L, n);
}

template <class Body>
inline void parallel_for(long n, bool parallel, Body&& body) {
  parallel_for_threads(n, parallel ? max_threads() : 1, static_cast<Body&&>(body));
}

}  // namespace fastnet
