// fastnet/trainer.cpp — see trainer.h. No allocation per batch: the workspace is reserved before the loop.
#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <stdexcept>

#include "core/errors.h"
#include "core/parallel.h"
#include "core/threads.h"
#include "core/rng.h"
#include "kernels/update_rules.h"

namespace fastnet {

namespace {
[[noreturn]] void diverged(double loss, int epoch, long batch_index, bool full_batch) {
  throw std::domain_error(detail::concat(
      "training diverged: the loss became ", loss, " at epoch ", epoch,
      full_batch ? std::string(" (full batch)") : detail::concat(", batch ", batch_index + 1),
      " (the weights are those from before that ", full_batch ? "epoch" : "batch", ")",
      "; lower the learning rate or check the data"));
}

// FANN's MSE (mean over samples and outputs of (y−t)²) from fastnet's mean loss, for SARPROP: the MSE loss is
// ½·Σ(y−t)² per sample; for cross-entropy the loss itself stands in for it
double fann_mse(Loss loss, double mean_loss, int outputs) {
  if (loss == Loss::FannTanh) return mean_loss / (2.0 * outputs);  // Σ 2e·atanh(e) + ln(1 − e²) ≈ 2e² for small e
  return loss == Loss::MSE ? 2.0 * mean_loss / outputs : mean_loss;
}
}  // namespace

template <typename T>
std::vector<EpochLog> fit(Network<T>& net, const Dataset<T>& train, const Dataset<T>* validation,
                          const FitOptions& opts, const FitHook& hook) {
  using Collective = FitOptions::Collective;
  const bool dist = opts.distributed();
  const Collective& comm = opts.collective;
  FASTNET_CHECK(opts.batch_size >= 1, "batch_size must be >= 1, got ", opts.batch_size);
  FASTNET_CHECK(opts.epochs >= 0, "epochs must be >= 0, got ", opts.epochs);
  FASTNET_CHECK((dist ? comm.total : train.N) >= 1, "cannot fit on an empty data set");
  net.check_trainable();
  const bool full = opts.optim.full_batch();
  FASTNET_CHECK(std::isfinite(opts.clip_norm) && opts.clip_norm >= 0.0 && std::isfinite(opts.clip_value) &&
                    opts.clip_value >= 0.0,
                "clip_norm and clip_value must be finite and >= 0 (0: off), got ", opts.clip_norm, ", ",
                opts.clip_value);
  const bool clip = opts.clip_norm > 0.0 || opts.clip_value > 0.0;
  FASTNET_CHECK(!(clip && full), "gradient clipping bounds a mini-batch gradient before an SGD, Adam or AdamW "
                "step; RPROP, Quickprop and SARPROP bound their own steps (delta_max, mu), so it is not applied "
                "to them");
  FASTNET_CHECK(opts.input_dropout >= 0.0 && opts.input_dropout < 1.0, "input_dropout must be in [0, 1), got ",
                opts.input_dropout);
  net.check_lr_scales(opts.optim);
  // multi-label accuracy for this fit only (training and validation logs), restored however fit ends
  const bool per_label = opts.per_label_accuracy;
  struct AccuracyMode {
    Network<T>& n;
    bool before;
    ~AccuracyMode() { n.set_per_label_accuracy(before); }
  } accuracy_mode{net, net.per_label_accuracy()};
  net.set_per_label_accuracy(per_label);
  // Distributed mini-batch steps follow the global schedule (comm.bounds), not a stride of B rows
  const bool scheduled = dist && !full;
  long max_rows = 1;
  if (scheduled) {
    const std::size_t steps = comm.counts.size();
    FASTNET_CHECK(steps >= 1 && comm.bounds.size() == steps + 1 && comm.bounds.front() == 0 &&
                      comm.bounds.back() == train.N,
                  "distributed fit: the step bounds do not match this rank's ", train.N, " samples");
    for (std::size_t k = 0; k < steps; ++k) {
      const long c = comm.bounds[k + 1] - comm.bounds[k];
      FASTNET_CHECK(c >= 0 && c <= comm.counts[k] && comm.counts[k] >= 1, "distributed fit: bad step ", k);
      max_rows = std::max(max_rows, c);
    }
  }
  // full batch: chunks as large as a workspace comfortably holds (the sum over chunks is the same gradient)
  constexpr long kFullBatchChunk = 2048;
  const int B = static_cast<int>(scheduled ? max_rows
                                           : std::max<long>(1, std::min<long>(full ? kFullBatchChunk : opts.batch_size,
                                                                                train.N)));
  const long steps = scheduled ? static_cast<long>(comm.counts.size()) : (train.N + B - 1) / B;
  const int I = net.num_inputs();
  OptimizerConfig optim = opts.optim;
  // Adam's and AdamW's "momentum" is beta1, as PyTorch's OneCycleLR and CyclicLR cycle it
  const bool adam_kind = optim.kind == OptKind::Adam || optim.kind == OptKind::AdamW;
  FitControl control{optim.lr, adam_kind ? optim.adam.beta1 : optim.momentum};  // hooks may reschedule these
  net.prepare_optimizer(optim);

  // evaluate() on the validation set shares the workspace: size it for both now, so nothing grows later
  const long val_rows = validation ? std::min<long>(validation->N, Network<T>::kChunk) : 0;
  net.reserve(static_cast<int>(std::max<long>(B, val_rows)));
  T* acc = full ? net.accum() : nullptr;
  ScopedFlushDenormals ftz;
  std::vector<long> order(static_cast<std::size_t>(train.N));
  std::iota(order.begin(), order.end(), 0L);
  std::vector<EpochLog> history;
  using clock = std::chrono::steady_clock;
  // this rank's private streams (see FitOptions::Collective)
  Rng shuffle_rng, dropout_rng;
  shuffle_rng.set_state(comm.shuffle_state);
  dropout_rng.set_state(comm.dropout_state);
  // a forward + backward pass; distributed, with this rank's dropout stream in place of the network's
  auto local_backward = [&](const T* xb, const T* tb, const T* wb, int nb, bool xb_t, double& correct) {
    uint64_t shared[4];
    if (dist) {
      std::copy(net.rng().state(), net.rng().state() + 4, shared);
      net.rng().set_state(dropout_rng.state());
    }
    const T* out = net.forward(xb, nb, /*train=*/true, xb_t);
    correct += wb || per_label ? net.weighted_correct(out, tb, nb, wb)
                               : static_cast<double>(net.count_correct(out, tb, nb));
    const double loss = net.backward(xb, tb, nb, nullptr, wb);
    if (dist) {
      dropout_rng.set_state(net.rng().state());
      net.rng().set_state(shared);
    }
    return loss;
  };

  for (int epoch = 1; epoch <= opts.epochs; ++epoch) {
    const auto start = clock::now();
    // Fisher-Yates on the network's own generator: same seed, same order everywhere. A full-batch gradient
    // does not depend on the order, so those keep the data's (contiguous chunks, no gather)
    // Each epoch's order depends only on the generator's state (not on the previous epoch's order), so a fit
    // resumed from a saved network shuffles exactly as an uninterrupted one would.
    // Distributed, each rank permutes its own shard with its private stream (samples do not move between ranks).
    std::iota(order.begin(), order.end(), 0L);
    Rng& shuffler = dist ? shuffle_rng : net.rng();
    if (opts.shuffle && !full)
      for (long i = train.N - 1; i > 0; --i)
        std::swap(order[i], order[static_cast<long>(shuffler.below(static_cast<uint64_t>(i + 1)))]);
    EpochLog log;
    log.epoch = epoch;
    log.lr = control.lr;
    log.momentum = control.momentum;
    log.samples_total = dist ? comm.total : train.N;
    log.has_fann = opts.fann_error_scale > 0.0 && !dist;
    optim.lr = optim.quickprop.lr = control.lr;
    optim.momentum = control.momentum;
    if (adam_kind) optim.adam.beta1 = control.momentum;
    double loss_sum = 0.0;
    double correct = 0.0;  // weighted by the sample weights, when given
    long batch_index = 0, loss_samples = 0;
    bool stop = false, failed = false;  // failed: a collective reported a pending error (this rank stops now)
    if (full) std::fill(acc, acc + net.arena_size(), T(0));
    for (; batch_index < steps; ++batch_index) {
      const long s = scheduled ? comm.bounds[static_cast<std::size_t>(batch_index)] : batch_index * B;
      const int nb = static_cast<int>(scheduled ? comm.bounds[static_cast<std::size_t>(batch_index) + 1] - s
                                                : std::min<long>(B, train.N - s));
      const long* idx = order.data() + s;
      // fetched per batch: a callback may have evaluated with this network and grown its workspace
      T* tb = net.target_buffer();
      const T* xb = train.X + s * I;
      bool xb_t = false;  // xb is (I, nb): gathered straight into a sparse first layer's layout
      if (!full && nb > 0) {
        if (T* xt = net.transposed_input_buffer(nb)) {
          kernels::gather_transpose(xt, train.X, idx, nb, static_cast<int>(I));
          xb = xt;
          xb_t = true;
        } else {
          T* xg = net.input_buffer();
          parallel_for(nb, static_cast<long>(nb) * I > (1L << 16), [&](long b0, long b1) {
            for (long b = b0; b < b1; ++b) std::memcpy(xg + b * I, train.X + idx[b] * I, sizeof(T) * I);
          });
          xb = xg;
        }
      }
      if (nb > 0) net.gather_targets(tb, train.y, idx, nb);
      const T* wb = nullptr;  // this batch's sample weights (a full batch's chunks are contiguous: no gather)
      if (train.w && nb > 0) {
        if (full) {
          wb = train.w + s;
        } else {
          T* wg = net.weight_buffer();
          for (int b = 0; b < nb; ++b) wg[b] = train.w[idx[b]];
          wb = wg;
        }
      }
      if (opts.input_dropout > 0.0 && nb > 0) {
        // inverted dropout on the inputs, as a layer's on its outputs (x·m, m = 0 or 1/keep), on the gathered
        // copy (a full batch's chunk is read in place from X: copied first); this rank's stream when distributed
        T* xd = xb_t ? net.transposed_input_buffer(nb) : net.input_buffer();
        const std::size_t n = static_cast<std::size_t>(nb) * static_cast<std::size_t>(I);
        if (xb != xd) {
          std::memcpy(xd, xb, sizeof(T) * n);
          xb = xd;
        }
        Rng& r = dist ? dropout_rng : net.rng();
        const double keep = 1.0 - opts.input_dropout;
        const T scale = static_cast<T>(1.0 / keep);
        for (std::size_t i = 0; i < n; ++i) xd[i] *= r.uniform() < keep ? scale : T(0);
      }
      if (scheduled) {
        // One step of the global batch: this rank's mean-loss gradient over its nb rows, scaled by nb / count so
        // that the sum over the ranks is the mean gradient of the global batch; then every rank applies the
        // same update. A non-finite loss shows in the reduced sum, so every rank raises the same error.
        const long count = comm.counts[static_cast<std::size_t>(batch_index)];
        double stats[Collective::kStats] = {0.0, 0.0, 0.0};
        if (nb > 0) {
          double ok = 0.0;
          const double loss = local_backward(xb, tb, wb, nb, xb_t, ok);
          if (nb != count) {
            const T f = static_cast<T>(static_cast<double>(nb) / static_cast<double>(count));
            T* g = net.grads();
            for (std::size_t i = 0, n = net.arena_size(); i < n; ++i) g[i] *= f;
          }
          stats[0] = loss * nb;
          stats[1] = ok;
          stats[2] = static_cast<double>(nb);
        } else {
          std::fill(net.grads(), net.grads() + net.arena_size(), T(0));
        }
        if (!comm.allreduce(stats, net.grads(), net.arena_size())) {
          failed = stop = true;
          break;
        }
        if (!std::isfinite(stats[0])) diverged(stats[0] / count, epoch, batch_index, false);
        if (clip) net.clip_gradients(net.grads(), opts.clip_norm, opts.clip_value);  // the global batch's
        net.optimizer_step(optim, net.grads(), count, 0.0);
        net.constrain(static_cast<T>(optim.lr * opts.l1), static_cast<T>(opts.max_norm));
        loss_sum += stats[0];
        loss_samples += count;
        correct += stats[1];
        log.samples_done += count;
      } else if (dist) {  // full batch, one chunk of this rank's shard: summed locally, reduced after the loop
        const double loss = local_backward(xb, tb, wb, nb, false, correct);
        kernels::axpy(acc, net.grads(), static_cast<T>(nb), net.arena_size());
        loss_sum += loss * nb;
      } else {
        const T* out = net.forward(xb, nb, /*train=*/true, xb_t);
        const double ok =
            wb || per_label ? net.weighted_correct(out, tb, nb, wb)
                            : static_cast<double>(net.count_correct(out, tb, nb));
        correct += ok;
        if (log.has_fann) {  // FANN's MSE: each sample's error as the epoch meets it (before this batch's update)
          const long n = static_cast<long>(nb) * net.num_outputs();
          const bool per_output = opts.fann_error_scales.size() == static_cast<std::size_t>(net.num_outputs());
          for (long i = 0; i < n; ++i) {
            const double scale = per_output ? opts.fann_error_scales[static_cast<std::size_t>(i % net.num_outputs())]
                                            : opts.fann_error_scale;
            const double e = scale * (static_cast<double>(tb[i]) - static_cast<double>(out[i]));
            log.fann_sse += e * e;
            log.fann_bit_fail += std::fabs(e) >= opts.fann_bit_fail_limit ? 1 : 0;
          }
        }
        double loss;
        // SGD: the gradient goes straight into the update, fused in the kernels (which never decay biases;
        // decaying them too takes the unfused path below, as clipping does: it needs the whole gradient first)
        if (optim.kind == OptKind::SGD && !optim.decay_bias && !clip) {
          loss = net.sgd_step(xb, tb, nb, static_cast<T>(optim.lr), static_cast<T>(optim.momentum),
                              static_cast<T>(optim.weight_decay), optim.nesterov, wb);
          if (!std::isfinite(loss)) {  // the weights were left as they were
            if (!opts.skip_nonfinite) diverged(loss, epoch, batch_index, false);
            ++log.skipped_batches;
          }
        } else {
          loss = net.backward(xb, tb, nb, nullptr, wb);
          if (!std::isfinite(loss)) {  // nothing updated yet
            if (!opts.skip_nonfinite) diverged(loss, epoch, batch_index, full);
            ++log.skipped_batches;
          } else if (full)
            kernels::axpy(acc, net.grads(), static_cast<T>(nb), net.arena_size());  // Σ over samples
          else {
            if (clip) net.clip_gradients(net.grads(), opts.clip_norm, opts.clip_value);
            net.optimizer_step(optim, net.grads(), nb, 0.0);
          }
        }
        if (!full) net.constrain(static_cast<T>(optim.lr * opts.l1), static_cast<T>(opts.max_norm));
        if (std::isfinite(loss)) {  // a skipped batch counts in neither the loss nor the accuracy
          loss_sum += loss * nb;
          loss_samples += nb;
        } else {
          correct -= ok;
        }
        log.samples_done = s + nb;
      }
      // (distributed full batch: no progress until the epoch's statistics are reduced)
      if (hook && opts.progress_every > 0 && (batch_index + 1) % opts.progress_every == 0 &&
          batch_index + 1 < steps && !(dist && full)) {
        log.loss = loss_samples ? loss_sum / loss_samples : std::nan("");
        log.accuracy = loss_samples ? static_cast<double>(correct) / loss_samples : 0.0;
        log.seconds = std::chrono::duration<double>(clock::now() - start).count();
        if (!hook(log, control)) {
          stop = true;
          failed = dist;  // distributed, only an error stops mid-epoch (the other ranks are aborted)
          break;
        }
        // a per-step schedule: what the hook set applies from the next batch (a full-batch optimizer's one
        // update is the epoch's, so there it waits for the next epoch as before)
        if (!full) {
          optim.lr = optim.quickprop.lr = control.lr;
          optim.momentum = control.momentum;
          if (adam_kind) optim.adam.beta1 = control.momentum;
          log.lr = control.lr;
          log.momentum = control.momentum;
        }
      }
    }
    if (failed) break;
    if (dist && full) {  // the epoch's gradient summed over every rank's shard: one reduction, one update
      double stats[Collective::kStats] = {loss_sum, correct, static_cast<double>(train.N)};
      if (!comm.allreduce(stats, acc, net.arena_size())) break;
      loss_sum = stats[0];
      correct = stats[1];
      loss_samples = comm.total;
      log.samples_done = comm.total;
      if (!std::isfinite(loss_sum)) diverged(loss_sum / comm.total, epoch, 0, true);
    }
    log.loss = loss_samples ? loss_sum / loss_samples : std::nan("");
    log.accuracy = loss_samples ? correct / loss_samples : 0.0;
    if (full && !stop && loss_samples > 0) {  // the epoch's one update (a stop mid-epoch leaves the weights untouched)
      // (distributed: the sum over all ranks, so FANN's MSE and the step are those of one process on all the data)
      const long num_data = dist ? comm.total : train.N;
      OptimizerConfig step = optim;
      if (train.w && opts.weight_sum > 0.0) {
        // weights of mean 1 summed Σ w'·∇ℓ; the step takes Σ w·∇ℓ over Σ w samples (Quickprop's epsilon is
        // lr / num_data), which is what repeating each sample w times gives
        const double f = opts.weight_sum / static_cast<double>(num_data);
        for (std::size_t i = 0, n = net.arena_size(); i < n; ++i) acc[i] = static_cast<T>(acc[i] * f);
        step.quickprop.lr /= f;
      }
      net.optimizer_step(step, acc, num_data, fann_mse(net.loss(), log.loss, net.num_outputs()));
      net.constrain(T(0), static_cast<T>(opts.max_norm));
    }
    if (dist && validation) {  // sample-weighted over the ranks: the metrics of the union of their sets
      double v[Collective::kStats] = {0.0, 0.0, 0.0};
      if (validation->N > 0) {
        const Metrics m = net.evaluate(validation->X, validation->N, validation->y);
        const double nv = static_cast<double>(validation->N);
        v[0] = m.loss * nv;
        v[1] = std::round(m.accuracy * nv);
        v[2] = nv;
      }
      if (!comm.allreduce(v, nullptr, 0)) break;
      log.has_validation = true;
      log.val_loss = v[0] / v[2];
      log.val_accuracy = v[1] / v[2];
    } else if (validation && validation->N > 0) {
      const Metrics m = net.evaluate(validation->X, validation->N, validation->y);
      log.has_validation = true;
      log.val_loss = m.loss;
      log.val_accuracy = m.accuracy;
    }
    // SET: rewire after the epoch was measured, never after the last (the result is a trained network).
    // Distributed, every rank rewires from the same weights and the same generator state, so every rank draws
    // the same topology (the epoch-end hook of fastnet.distributed checks that the ranks still agree).
    if (!stop && opts.rewire_zeta > 0.0 && epoch < opts.epochs) net.rewire(opts.rewire_zeta);
    log.seconds = std::chrono::duration<double>(clock::now() - start).count();
    log.epoch_end = !stop;
    if (stop) break;
    history.push_back(log);
    if (hook && !hook(log, control)) break;
  }
  return history;
}

template std::vector<EpochLog> fit<float>(Network<float>&, const Dataset<float>&, const Dataset<float>*,
                                          const FitOptions&, const FitHook&);
template std::vector<EpochLog> fit<double>(Network<double>&, const Dataset<double>&, const Dataset<double>*,
                                           const FitOptions&, const FitHook&);

}  // namespace fastnet
