// fastnet/cascade/cascade_train.h — FANN's Cascade2 (fann_cascadetrain_on_data in FANN 2.2's fann_cascade.c).
//
// Start from a shortcut network (normally without hidden neurons), then repeat: train the output neurons' weights
// (full batch, RPROP/Quickprop/SARPROP, until the error stagnates), stop if the desired error is reached; else
// train a pool of candidate neurons — every cascade activation function × steepness × candidate group, each fed
// by every unit — to maximize FANN's Cascade2 score: the sum of squared output errors minus what remains when
// the candidate's value, times its own trained output weights, is subtracted from them; install the best as a
// new hidden neuron (a new layer of one) connected to every output; until max_neurons. Then train the outputs one
// last time. The parameter names, defaults and stopping rules are FANN's (fann_set_cascade_*).
//
// What differs from FANN, and why:
//  - Hidden units never change after installation, so their values over the training set are computed once
//    (neuron-major, one row per unit) and reused by every later epoch; FANN reruns the whole network per sample
//    per epoch. Output and candidate epochs then cost one axpy per connection per sample block.
//  - Candidates train in parallel (OpenMP over candidates); each candidate's arithmetic is serial and the same
//    on any thread, so a seed gives the same network for any thread count. Output epochs sum their gradient in
//    fixed sample blocks, reduced in block order, for the same reason.
//  - Derivatives are exact (cascade/neuron.h lists FANN's deviations); the update rules are fastnet's
//    (kernels/update_rules.h: FANN's iRPROP−, Quickprop and SARPROP, with their documented departures).
//  - On installation, output o receives candidate output weight o (times weight_multiplier); FANN 2.2 hands
//    them out in reverse output order (its loop walks the outputs backwards while counting the candidate's
//    weights forwards), which only matters with several outputs.
//  - Random numbers come from fastnet's seeded generator (FANN uses rand()).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "cascade/shortcut.h"
#include "core/rng.h"
#include "optimizer.h"

namespace fastnet::cascade {

struct CascadeParams {
  int max_neurons = 30;
  double desired_error = 0.0;  // FANN's MSE (or, with stop_on_bit_fail, the number of bit fails)
  bool stop_on_bit_fail = false;  // FANN_STOPFUNC_BIT
  double bit_fail_limit = 0.35;
  bool tanh_error = true;  // FANN_ERRORFUNC_TANH (FANN's default); false: FANN_ERRORFUNC_LINEAR
  OptimizerConfig optim;   // RPROP (FANN's default), Quickprop or SARPROP
  double output_change_fraction = 0.01;
  int output_stagnation_epochs = 12, min_out_epochs = 50, max_out_epochs = 150;
  double candidate_change_fraction = 0.01;
  int candidate_stagnation_epochs = 12, min_cand_epochs = 50, max_cand_epochs = 150;
  std::vector<Act> candidate_acts;      // FANN's default: the 10 below in cascade_train.py
  std::vector<float> candidate_steepnesses;
  int num_candidate_groups = 2;
  double weight_multiplier = 0.4;
  double candidate_limit = 1000.0;
  void validate() const;  // std::invalid_argument naming the first bad value
  int num_candidates() const {
    return static_cast<int>(candidate_acts.size() * candidate_steepnesses.size()) * num_candidate_groups;
  }
};

// What one round measured: after training the outputs with `hidden` hidden neurons, and the candidate then
// installed (installed = false in the last round, or when training stopped there)
struct CascadeReport {
  int hidden = 0;
  double mse = 0.0;       // FANN's MSE on the training set (mean over samples and outputs, symmetric halved)
  long bit_fail = 0;      // outputs off by at least bit_fail_limit
  int output_epochs = 0;
  int candidate_epochs = 0;
  long total_epochs = 0;  // output and candidate epochs so far
  bool installed = false;
  Act candidate_act = Act::Linear;
  float candidate_steepness = 0.0f;
  double candidate_score = 0.0;
  bool final = false;     // the last output training (desired error 0)
  double seconds = 0.0;   // since training started
};

// Called after every round with its report and the network as that round's output training left it (before the
// candidate was installed); return false to stop (the network is left as trained so far).
using CascadeHook = std::function<bool(const CascadeReport&, const ShortcutNet&)>;

// Grows `net` on X (N, I) and T (N, O), row-major. Throws std::invalid_argument for bad parameters or a network
// whose activations cannot be trained, std::domain_error if the error becomes NaN or infinite.
std::vector<CascadeReport> cascade_train(ShortcutNet& net, const float* X, const float* T, long N,
                                         const CascadeParams& p, Rng& rng, const CascadeHook& hook);

// One candidate epoch without updating anything, for tests: with the output errors of `net` on (X, T), the
// score of each candidate (acts[c], steepness[c], weights (C, F + O): F = net.num_units() incoming, then O
// output weights) relative to `sse`, and its slopes (FANN's sign: −gradient) into slopes (C, F + O).
void candidate_scores(const ShortcutNet& net, const float* X, const float* T, long N, double sse,
                      const std::vector<Act>& acts, const std::vector<float>& steepness, const float* weights,
                      double* scores, float* slopes);

// FANN's MSE and bit fail of `net` on (X, T): (mse, bit_fail)
std::pair<double, long> fann_mse(const ShortcutNet& net, const float* X, const float* T, long N,
                                 double bit_fail_limit);

}  // namespace fastnet::cascade
