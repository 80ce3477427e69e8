// fastnet/core/threads.h — the one thread knob, and the floating-point mode of training threads.
#pragma once

namespace fastnet {

// Upper bound of set_num_threads. Far above any machine's cores (a 2-socket server has a few hundred hardware
// threads), and low enough that per-thread counts times tile counts stay far from int overflow.
constexpr int kMaxThreads = 1024;

// The thread count is one process-wide value: OpenMP's own (omp_set_num_threads) belongs to the calling thread
// only, so a fit running in a worker thread would ignore a count set from the main thread. Every parallel
// region in fastnet asks for max_threads() threads explicitly. It starts as OMP_NUM_THREADS (else the core
// count), capped at kMaxThreads.
void set_num_threads(int n);  // 1 <= n <= kMaxThreads, else std::invalid_argument
int get_num_threads();
inline int max_threads() { return get_num_threads(); }
bool openmp_enabled();

// Flush denormals to zero (FTZ/DAZ on x86, FPCR.FZ on aarch64) on every OpenMP worker and the calling thread
// while alive; restores the previous mode after. Momentum buffers decay into denormals, which cost x86 cores ~100 cycles each
// (FANN's momentum runs 1.6x slower for this alone), and nothing a network computes needs them.
class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals();
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
  int threads_ = 1;  // the team whose workers were switched (restored with the same count)
};

}  // namespace fastnet
