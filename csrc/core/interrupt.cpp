// fastnet/core/interrupt.cpp — the calling thread's interrupt poll (see interrupt.h).
#include "core/interrupt.h"

#include <chrono>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnet {
namespace {
using Clock = std::chrono::steady_clock;
// 20 ms between polls: a Ctrl-C is seen well within the 0.2 s a user waits for, and taking the GIL that
// rarely costs nothing measurable even when another Python thread holds it.
constexpr auto kPollInterval = std::chrono::milliseconds(20);
thread_local InterruptPoll t_poll = nullptr;
thread_local Clock::time_point t_next_poll;
}  // namespace

ScopedInterruptPoll::ScopedInterruptPoll(InterruptPoll poll) : saved_(t_poll) {
  t_poll = poll;
  t_next_poll = Clock::now() + kPollInterval;
}

ScopedInterruptPoll::~ScopedInterruptPoll() { t_poll = saved_; }

bool interrupt_poll_installed() { return t_poll != nullptr; }

void check_interrupt() {
  if (!t_poll) return;
#ifdef _OPENMP
  if (omp_in_parallel()) return;
#endif
  const auto now = Clock::now();
  if (now < t_next_poll) return;
  t_next_poll = now + kPollInterval;
  if (t_poll()) throw Interrupted();
}

}  // namespace fastnet
