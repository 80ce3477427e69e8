// fastnet/network.h — a feed-forward stack of layers, its parameter arenas and its workspace.
//
// Memory: one allocation for all parameters, one for their gradients and one for the optimizer's velocity,
// laid out identically ([W1 b1 W2 b2 ...], each span 64-byte aligned), so an update is one pass over flat
// memory and optimizer state is found by offset (llm.c's malloc_and_point_parameters). The workspace (the
// activations of every layer for a batch, and two gradient buffers) is sized once per fit/predict call.
//
// The Network knows nothing of Python: bindings.cpp converts arrays; trainer.cpp runs the epoch loop.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/aligned.h"
#include "core/rng.h"
#include "kernels/kernels.h"
#include "layers/layer.h"
#include "optimizer.h"

namespace fastnet {

using kernels::Loss;

// Targets for a set of samples: class labels (N) or a dense (N, outputs) array; exactly one is set.
template <typename T>
struct Targets {
  const int32_t* labels = nullptr;
  const T* values = nullptr;
};

struct Metrics {
  double loss = 0.0;
  double accuracy = 0.0;  // fraction correct (argmax; threshold for one output)
};

struct BatchGradients {
  double loss = 0.0;  // the batch's mean loss
  long correct = 0;   // correct predictions (argmax; threshold for one output) of the forward pass
};

template <typename T>
class Network {
 public:
  Network(const std::vector<LayerConfig>& layers, Loss loss, uint64_t seed);

  int num_layers() const { return static_cast<int>(layers_.size()); }
  int num_inputs() const { return layers_.front()->in_features(); }
  int num_outputs() const { return layers_.back()->out_features(); }
  Loss loss() const { return loss_; }
  // the loss's parameters (Huber's delta, label smoothing, reduction); throws std::invalid_argument for values
  // out of range or a parameter the loss does not take
  const kernels::LossOptions& loss_options() const { return loss_opts_; }
  // Multi-label targets (0/1 rows with several 1s, sigmoid or logit outputs): accuracy is the fraction of labels on
  // the right side of the threshold (what fastnet.metrics.label_accuracy computes), not the argmax match. fit sets
  // it for its duration (FitOptions::per_label_accuracy); evaluate from Python computes its own.
  void set_per_label_accuracy(bool on) { per_label_accuracy_ = on; }
  bool per_label_accuracy() const { return per_label_accuracy_; }
  void set_loss_options(const kernels::LossOptions& opts);
  Layer<T>& layer(int i) { return *layers_.at(static_cast<std::size_t>(i)); }
  const Layer<T>& layer(int i) const { return *layers_.at(static_cast<std::size_t>(i)); }
  Rng& rng() { return rng_; }
  uint64_t seed() const { return seed_; }

  std::size_t arena_size() const { return params_.size(); }
  T* params() { return params_.data(); }
  T* grads() { return grads_.data(); }
  T* velocity() { return velocity_.data(); }
  // throws std::invalid_argument naming the first layer whose activation cannot be trained (threshold kinds)
  void check_trainable() const;
  // FANN's per-neuron steepness, activations and clamp of layer l (see LayerConfig); validated, the old ones kept
  // on failure
  void set_neurons(int l, std::vector<double> steepness, std::vector<Act> activations, bool fann_clip);
  T* state2();  // the optimizer's second state arena (allocated on first use)
  T* accum();   // a gradient accumulator arena (full-batch training; allocated on first use)
  // Optimizer state: which optimizer it belongs to and how many updates it has made (Adam's t, SARPROP's
  // epoch). reset_optimizer_state() zeroes it for `kind` (RPROP's steps start at delta_zero).
  OptKind optimizer_kind() const { return opt_kind_; }
  long optimizer_steps() const { return opt_steps_; }
  void set_optimizer_state(OptKind kind, long steps) {
    opt_kind_ = kind;
    opt_steps_ = steps;
  }
  void reset_optimizer_state(const OptimizerConfig& cfg = OptimizerConfig());
  // keep the state when it belongs to cfg's optimizer, reset it otherwise
  void prepare_optimizer(const OptimizerConfig& cfg) {
    if (cfg.kind != opt_kind_) reset_optimizer_state(cfg);
  }
  // One update of every parameter from the arena-shaped gradient g: the mean-loss gradient of a batch (SGD,
  // Adam) or the loss gradient summed over the num_data samples of the training set (full-batch optimizers);
  // mse is the epoch's error (FANN's MSE, used by SARPROP).
  void optimizer_step(const OptimizerConfig& cfg, const T* g, long num_data, double mse);
  // one optimizer update from the grads arena as it stands (filled by batch_gradients, perhaps averaged across
  // processes by the caller since): optimizer_step with denormals flushed, as fit runs it
  void apply_gradients(const OptimizerConfig& cfg, long num_data, double mse);
  // SET rewiring of every sparse layer (see Sparse::rewire), or of layer `only`; returns the connections replaced
  long rewire(double zeta, int only = -1);
  // layer l's weights (or bias) in one of the three arena slots: 0 the values, 1 the optimizer's first state
  // (SGD's velocity), 2 its second state (allocated on first use); the span is layer(l).weight().size long
  // (bias().size). Throws std::invalid_argument for another slot.
  T* param_slot(int l, bool bias, int slot);

  // ---- batch-level steps (the workspace must hold B rows: reserve(B) first)
  void reserve(int B);
  int capacity() const { return capacity_; }
  T* input_buffer() { return xbuf_.data(); }   // (capacity, inputs): a gathered batch
  // where a batch of B rows may be gathered already transposed, (inputs, B), for forward(…, inp_transposed):
  // the first layer's own input buffer when that layer works transposed at B, else null
  T* transposed_input_buffer(int B) { return transposed(0, B) ? xin_[0].data() : nullptr; }
  T* target_buffer() { return tbuf_.data(); }  // (capacity, outputs)
  // out of the last layer for inp (B, inputs); the returned block lives in the workspace. With train, layers
  // with dropout drop outputs (inverted dropout, masks drawn from the network's generator) for the backward
  // pass that follows.
  // inp_transposed: inp is (inputs, B), as transposed_input_buffer(B) takes it.
  const T* forward(const T* inp, int B, bool train = false, bool inp_transposed = false);
  // after forward(inp, B): loss on target (B, outputs), every layer's gradient into the grads arena, and
  // dinp (B, inputs) = dLoss/d(inp) when not null. Returns the mean loss.
  // w (B per-sample weights, or null): each sample's loss and gradient row times its weight, the batch's loss
  // and gradient then Σ_b w_b·ℓ_b / B (Keras's sample_weight; fastnet.Network.fit rescales weights to mean 1)
  double backward(const T* inp, const T* target, int B, T* dinp, const T* w = nullptr);
  // one SGD-momentum step after forward(inp, B): each layer's gradient goes straight into its update (never
  // written out), after the gradient for the layer below was taken with the weights of the forward pass.
  // Returns the loss (the update is applied even if it is not finite: the caller checks and stops).
  // w: per-sample weights as in backward
  double sgd_step(const T* inp, const T* target, int B, T lr, T momentum, T weight_decay, bool nesterov,
                  const T* w = nullptr);
  // L1 (proximal) and max-norm on every layer's weights, after an update (no-op when both are 0). Frozen layers
  // are left alone; the L1 step is that of the layer's own learning rate (l1_step·lr_scale)
  void constrain(T l1_step, T max_norm) {
    if (l1_step > T(0) || max_norm > T(0))
      for (auto& layer : layers_)
        if (layer->trainable()) layer->constrain(static_cast<T>(l1_step * layer->lr_scale()), max_norm);
  }
  // fastnet's layer.trainable / layer.lr_scale of layer l (lr_scale finite and > 0, else std::invalid_argument)
  void set_layer_training(int l, bool trainable, double lr_scale);
  // Gradient clipping of the arena-shaped gradient g of a batch, before the optimizer step, over the trainable
  // layers' spans (a frozen layer's gradient takes no part, as a frozen PyTorch parameter's absent .grad):
  // clip_norm > 0 scales g by clip_norm / (‖g‖₂ + 1e-6) when that is < 1 (torch.nn.utils.clip_grad_norm_, the
  // norm over all of them at once), then clip_value > 0 clamps every element to [−clip_value, clip_value]
  // (clip_grad_value_). Returns the norm before clipping (0 when clip_norm is 0).
  double clip_gradients(T* g, double clip_norm, double clip_value);
  // throws std::invalid_argument when a layer has lr_scale != 1 and cfg is a full-batch optimizer (no rate)
  void check_lr_scales(const OptimizerConfig& cfg) const;

  // ---- whole-array helpers (chunked through the workspace)
  void predict(const T* X, long N, T* out);
  // w (N weights, or null): loss and accuracy are the weighted means Σ w·ℓ / Σ w (every weight >= 0, Σ w > 0)
  Metrics evaluate(const T* X, long N, Targets<T> y, const T* w = nullptr);
  // One batch, inp (B, inputs) with the targets of its rows 0..B: forward, then every layer's mean-loss gradient
  // into the grads arena and, when dinp is not null, dinp (B, inputs) = dLoss/d(inp). The weights are not
  // changed. With train, the forward pass drops outputs as fit's does (masks drawn from the network's generator).
  BatchGradients batch_gradients(const T* inp, int B, Targets<T> y, bool train, T* dinp);

  // target rows for samples idx[0..B) (one-hot for labels) into dst (B, outputs)
  void gather_targets(T* dst, Targets<T> y, const long* idx, int B) const;
  // correct predictions among B rows of outputs y against targets t (B, outputs)
  long count_correct(const T* y, const T* t, int B) const;
  // the same, each correct row counted with its weight w[b] (w null: 1), and per label when per_label_accuracy()
  double weighted_correct(const T* y, const T* t, int B, const T* w) const;
  T* weight_buffer() { return wbuf_.data(); }  // (capacity): a gathered batch's sample weights

  static constexpr int kChunk = 1024;  // rows per step of predict/evaluate

  // Calls from several threads share one workspace, so the binding serializes them on this lock; recursive so a
  // fit callback may still evaluate or predict with the network it trains (between batches).
  std::recursive_mutex& busy() const { return busy_; }

 private:
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  Loss loss_;
  kernels::LossOptions loss_opts_;
  bool per_label_accuracy_ = false;
  uint64_t seed_;
  Rng rng_;
  AlignedBuffer<T> params_, grads_, velocity_, state2_, accum_;
  OptKind opt_kind_ = OptKind::SGD;
  long opt_steps_ = 0;
  // workspace
  int capacity_ = 0;
  std::vector<AlignedBuffer<T>> acts_;  // acts_[l]: (B, out_l), or (out_l, B) for a transposed-I/O layer
  std::vector<AlignedBuffer<T>> pre_;   // pre_[l]: layer l's pre-activations, same layout, only where its
                                        // activation's derivative needs them (kernels::needs_preactivation)
  AlignedBuffer<T> pre_out_;            // the output layer's pre-activations row-major, when its layout is not
  std::vector<AlignedBuffer<T>> xin_;   // xin_[l]: layer l's input converted to its layout, where needed
  std::vector<const T*> inputs_;        // what each layer got as input in the last forward pass
  std::vector<AlignedBuffer<T>> drop_, mask_;  // dropout: dropped outputs and masks (0 or 1/keep), per layer
  bool dropped_ = false;                       // the last forward pass applied dropout
  AlignedBuffer<T> out_;                // row-major output when the last layer's is transposed
  const T* out_ptr_ = nullptr;          // the last forward pass's output, row-major
  AlignedBuffer<T> dz_, dtmp_, conv_;   // (B, max width) gradient buffers and a layout-conversion buffer
  void check_output_layer() const;  // the loss suits every output neuron's activation
  // layer l keeps its pre-activations: its derivative needs them, or it has per-neuron settings
  bool keeps_pre(int l) const {
    const Layer<T>& layer = *layers_[static_cast<std::size_t>(l)];
    return kernels::needs_preactivation(layer.activation()) || layer.custom();
  }
  bool transposed(int l, int B) const { return B > 1 && layers_[static_cast<std::size_t>(l)]->transposed_io(); }
  // the output gradient (row-major) as the last layer wants it; returns its buffer
  T* loss_gradient(const T* target, int B, double* loss, T*& spare, const T* w = nullptr);
  // Σ_b w_b·ℓ_b over B rows of outputs y against targets t (rows of weight 0 count for nothing, even non-finite)
  double weighted_loss_sum(const T* y, const T* t, int B, const T* w) const;
  void to_dz_below(int l, int B, T*& d, T*& spare);
  AlignedBuffer<T> xbuf_, tbuf_, wbuf_;  // gathered inputs, targets and sample weights
  mutable std::recursive_mutex busy_;
};

}  // namespace fastnet
