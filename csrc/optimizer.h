// fastnet/optimizer.h — which optimizer a fit runs, with its hyper-parameters. The state each one keeps lives in
// the Network's arenas (velocity = state 1, state2 = state 2, laid out like the parameters) with a step count;
// the update rules themselves are kernels (kernels/optim.cpp for SGD, kernels/update_rules.h for the others).
#pragma once
#include "kernels/update_rules.h"

namespace fastnet {

// The numbers are the file format's and the binding's: append, never renumber.
enum class OptKind : int { SGD = 0, Adam = 1, RPROP = 2, Quickprop = 3, SARPROP = 4, AdamW = 5 };
constexpr int kLastOptKind = 5;

struct OptimizerConfig {
  OptKind kind = OptKind::SGD;
  double lr = 0.01;           // SGD, Adam and AdamW (schedules change it between batches)
  double momentum = 0.0;      // SGD
  double weight_decay = 0.0;  // SGD and Adam: L2 on the weights; AdamW: decoupled (w ← w·(1 − lr·wd))
  bool nesterov = false;      // SGD
  bool decay_bias = false;    // SGD, Adam, AdamW: weight_decay on the biases too (off: the classic texts' L2)
  kernels::AdamParams adam;   // its lr and weight_decay are the two above
  kernels::RpropParams rprop;
  kernels::QuickpropParams quickprop;
  kernels::SarpropParams sarprop;

  // RPROP, Quickprop and SARPROP adapt per-weight steps from the sign (and size) of the gradient over the whole
  // training set, as in FANN: one update per epoch from the summed gradient
  bool full_batch() const { return kind == OptKind::RPROP || kind == OptKind::Quickprop || kind == OptKind::SARPROP; }
};

}  // namespace fastnet
