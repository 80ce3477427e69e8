// fastnet/core/interrupt.h — stopping a long call early (Ctrl-C).
// The binding installs a poll on the calling thread for the duration of one call (ScopedInterruptPoll); long
// loops call check_interrupt() where stopping leaves the network as it was before the call: between layers,
// chunks of samples, epochs. The poll runs at most every kPollMs (it takes the GIL), and only on the thread that
// installed it and outside parallel regions, so the exception never crosses an OpenMP region. Code without a
// poll installed (fit's own loop, C++ callers) pays one thread-local test.
#pragma once
#include <exception>

namespace fastnet {

struct Interrupted : std::exception {
  const char* what() const noexcept override { return "interrupted"; }
};

using InterruptPoll = bool (*)();  // true: stop (the poll has recorded why, e.g. a pending KeyboardInterrupt)

class ScopedInterruptPoll {
 public:
  explicit ScopedInterruptPoll(InterruptPoll poll);
  ~ScopedInterruptPoll();
  ScopedInterruptPoll(const ScopedInterruptPoll&) = delete;
  ScopedInterruptPoll& operator=(const ScopedInterruptPoll&) = delete;

 private:
  InterruptPoll saved_;
};

// throws Interrupted when the installed poll says so
void check_interrupt();
// whether this thread's call has a poll (long kernels then split their work to check between the pieces)
bool interrupt_poll_installed();

}  // namespace fastnet
