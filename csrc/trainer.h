// fastnet/trainer.h — the whole training loop, in C++: per epoch a seeded shuffle, then for every batch a
// gather, forward, loss, backward and one update; validation at epoch end. The full-batch optimizers (RPROP,
// Quickprop, SARPROP) instead sum the gradient over the whole set, in chunks, and update once per epoch. It calls back (the hook) only at
// epoch end and every `progress_every` batches, which is where bindings.cpp takes the GIL for Python.
// Data-parallel training (fastnet.distributed) runs this same loop on every rank, with a Collective: between
// backward and update the gradient and the step's statistics are summed over the ranks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "network.h"

namespace fastnet {

struct FitOptions {
  int epochs = 10;
  int batch_size = 32;     // ignored by the full-batch optimizers (they take the whole set, in chunks)
  OptimizerConfig optim;   // SGD by default (fused into the weight-gradient kernels)
  bool shuffle = true;
  long progress_every = 0;  // batches between progress hook calls (0: epoch end only)
  double rewire_zeta = 0.0;  // > 0: SET rewiring of the sparse layers after every epoch
  double l1 = 0.0;           // L1 strength (applied as a proximal step after each update; biases never)
  double max_norm = 0.0;     // > 0: each neuron's incoming weight vector kept at norm <= max_norm
  bool skip_nonfinite = false;  // a batch whose loss is NaN/Inf is skipped (no update) instead of stopping
  // Sample weights (Dataset::w set): the sum of the caller's weights before they were rescaled to mean 1 over
  // the training set (all ranks), so that a full-batch optimizer's one update sees Σ w·∇ℓ over Σ w samples, as
  // if every sample were repeated w times (Quickprop's and SARPROP's decay terms are not scale-free)
  double weight_sum = 0.0;
  // gradient clipping of every mini-batch gradient before the step (SGD, Adam, AdamW; 0: off): by the global L2
  // norm over the trainable layers, as torch.nn.utils.clip_grad_norm_, then by value (Network::clip_gradients)
  double clip_norm = 0.0;
  double clip_value = 0.0;
  double input_dropout = 0.0;  // inverted dropout on the network's inputs while training, in [0, 1)
  // > 0: also accumulate FANN's MSE and bit fail over the epoch, from each batch's outputs before its update (what
  // FANN_TRAIN_INCREMENTAL reports): the error t − y times this scale (½ for FANN's symmetric output functions),
  // squared and summed, and the errors whose magnitude is >= fann_bit_fail_limit counted (EpochLog::fann_*)
  double fann_error_scale = 0.0;
  // per output, when not empty (with fann_error_scale > 0): the scale of each output's error instead (an output
  // layer whose neurons mix FANN's symmetric functions with others)
  std::vector<double> fann_error_scales;
  double fann_bit_fail_limit = 0.35;
  // accuracy per label (multi-label targets: Network::set_per_label_accuracy) in the training and validation logs
  bool per_label_accuracy = false;

  // Data-parallel training: set (allreduce non-empty) when this process is one rank of several. The training
  // set given to fit is this rank's shard; step k takes local rows [bounds[k], bounds[k + 1]) (of the shard,
  // or of its per-epoch permutation) out of a global batch of counts[k] samples (fastnet.distributed's
  // step_bounds). Full-batch optimizers ignore the bounds: one reduction of the summed gradient per epoch.
  struct Collective {
    // Sums over the ranks, in place: `stats` (kStats doubles: loss sum, correct count, sample count) and, when
    // `grad` is not null, the n-value gradient arena (of the network's dtype). Returns false when this rank must
    // stop (an error is pending in the caller, which re-raises it; the other ranks are left to be aborted).
    std::function<bool(double* stats, void* grad, std::size_t n)> allreduce;
    std::vector<long> bounds;  // steps + 1 entries, bounds[0] == 0, bounds[steps] == this rank's samples
    std::vector<long> counts;  // steps entries, each >= 1
    long total = 0;            // samples over all ranks
    // private streams of this rank (shuffle of its shard; dropout masks), so that the network's own generator
    // (SET rewiring, SARPROP's noise) stays identical on every rank
    uint64_t shuffle_state[4] = {1, 0, 0, 0};
    uint64_t dropout_state[4] = {1, 0, 0, 0};
    static constexpr int kStats = 3;
  } collective;
  bool distributed() const { return static_cast<bool>(collective.allreduce); }
};

struct EpochLog {
  int epoch = 0;  // 1-based
  bool epoch_end = false;
  long samples_done = 0;  // in this epoch
  long samples_total = 0;
  double loss = 0.0;  // mean over the samples seen so far this epoch (skipped batches excluded)
  long skipped_batches = 0;  // batches skipped for a non-finite loss (skip_nonfinite)
  double accuracy = 0.0;
  bool has_validation = false;
  double val_loss = 0.0;
  double val_accuracy = 0.0;
  double seconds = 0.0;  // since the epoch started
  double lr = 0.0;       // the learning rate and momentum this epoch ran with
  double momentum = 0.0;
  bool has_fann = false;   // FitOptions::fann_error_scale > 0 (single process, mini-batch steps)
  double fann_sse = 0.0;   // Σ (scale·(t − y))² over the samples and outputs seen so far this epoch
  long fann_bit_fail = 0;  // outputs with |scale·(t − y)| >= fann_bit_fail_limit
};

// What a hook may change for the batches that follow it (learning-rate and momentum schedules).
struct FitControl {
  double lr = 0.0;
  double momentum = 0.0;
};

// Return false to stop training (after the current batch; the weights stay those of the last update).
using FitHook = std::function<bool(const EpochLog&, FitControl&)>;

template <typename T>
struct Dataset {
  const T* X = nullptr;  // (N, inputs)
  long N = 0;
  Targets<T> y;
  const T* w = nullptr;  // N sample weights (>= 0), or null: every sample weighs 1
};

// Runs up to opts.epochs epochs; returns one log per completed epoch. Throws std::domain_error naming the
// epoch and batch if the loss becomes NaN or infinite (the weights are those from before that batch).
template <typename T>
std::vector<EpochLog> fit(Network<T>& net, const Dataset<T>& train, const Dataset<T>* validation,
                          const FitOptions& opts, const FitHook& hook);

}  // namespace fastnet
