// fastnet/core/threads.h — the one thread knob, and the floating-point mode of training threads.
#pragma once

namespace fastnet {

void set_num_threads(int n);  // n >= 1
int get_num_threads();
bool openmp_enabled();

// Flush denormals to zero (FTZ/DAZ) on every OpenMP worker and the calling thread while alive; restores the
// previous mode after. Momentum buffers decay into denormals, which cost x86 cores ~100 cycles each
// (FANN's momentum runs 1.6x slower for this alone), and nothing a network computes needs them.
class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals();
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

}  // namespace fastnet
