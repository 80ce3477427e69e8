// fastnet/network.cpp — construction (arena layout, seeded init), forward/backward over a batch, and the
// chunked predict/evaluate. The epoch loop is in trainer.cpp.
#include "network.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/errors.h"
#include "core/interrupt.h"
#include "core/threads.h"
#include "layers/dense.h"
#include "layers/sparse.h"

namespace fastnet {

namespace {
std::size_t align16(std::size_t n) { return (n + 15) / 16 * 16; }  // 64 bytes of floats
}  // namespace

template <typename T>
Network<T>::Network(const std::vector<LayerConfig>& layers, Loss loss, uint64_t seed)
    : loss_(loss), seed_(seed), rng_(seed) {
  FASTNET_CHECK(!layers.empty(), "a network needs at least one layer");
  for (std::size_t l = 0; l < layers.size(); ++l) {
    LayerConfig checked = layers[l];  // per-neuron steepness and activations: valid, dropped where they change nothing
    normalize_neurons(checked, ("layer " + std::to_string(l)).c_str());
    const LayerConfig& c = checked;
    FASTNET_CHECK(c.kind == "dense" || c.kind == "sparse", "layer ", l, ": unknown kind '", c.kind,
                  "' (accepted: dense, sparse)");
    if (l > 0)
      FASTNET_CHECK(c.in_features == layers[l - 1].out_features, "layer ", l, " has in_features=", c.in_features,
                    " but layer ", l - 1, " has out_features=", layers[l - 1].out_features);
    FASTNET_CHECK(c.activation != Act::Softmax || l + 1 == layers.size(), "layer ", l,
                  ": softmax is only allowed on the output layer");
    FASTNET_CHECK(static_cast<int>(c.activation) >= 0 && static_cast<int>(c.activation) < kernels::kNumActs,
                  "layer ", l, ": unknown activation code ", static_cast<int>(c.activation));
    FASTNET_CHECK(c.alpha > 0.0, "layer ", l, ": leaky_relu alpha must be > 0, got ", c.alpha);
    FASTNET_CHECK(c.dropout >= 0.0 && c.dropout < 1.0, "layer ", l, ": dropout must be in [0, 1), got ", c.dropout);
    FASTNET_CHECK(c.dropout == 0.0 || l + 1 < layers.size(), "layer ", l,
                  ": dropout is for hidden layers, not the output layer");
    FASTNET_CHECK(std::isfinite(c.lr_scale) && c.lr_scale > 0.0, "layer ", l,
                  ": lr_scale must be a finite number > 0, got ", c.lr_scale);
    if (c.kind == "sparse")
      layers_.push_back(std::make_unique<Sparse<T>>(checked, rng_));
    else
      layers_.push_back(std::make_unique<Dense<T>>(checked));
  }
  check_output_layer();
  const Act out = layers_.back()->activation();
  FASTNET_CHECK(static_cast<int>(loss) >= 0 && static_cast<int>(loss) < kernels::kNumLosses, "unknown loss code ",
                static_cast<int>(loss));
  FASTNET_CHECK((loss != Loss::Poisson && loss != Loss::BCEWithLogits) || out != Act::Softmax,
                "loss '", loss == Loss::Poisson ? "poisson" : "bce_with_logits", "' takes the output layer's values as ",
                loss == Loss::Poisson ? "log-rates" : "logits", " (one per output), not a softmax; use a 'linear' output");
  FASTNET_CHECK(loss != Loss::BCEWithLogits || (out != Act::Sigmoid && out != Act::FannSigmoid),
                "loss 'bce_with_logits' applies the sigmoid itself to a 'linear' output layer; for a 'sigmoid' output "
                "layer use loss='cross_entropy' (binary cross-entropy per output)");
  FASTNET_CHECK(loss != Loss::FannTanh || out != Act::Softmax,
                "loss 'fann_tanh' (FANN's tanh error function) is for per-output activations, not softmax");
  FASTNET_CHECK(out != Act::Softmax || num_outputs() >= 2, "a softmax output needs at least 2 outputs, got ",
                num_outputs());

  // arena: [W1 b1 W2 b2 ...], each span starting on a 64-byte boundary
  std::size_t total = 0;
  std::vector<std::size_t> offsets;
  for (auto& layer : layers_) {
    FASTNET_CHECK(layer->weight_count() < (std::size_t{1} << 40), "layer of ", layer->in_features(), "x",
                  layer->out_features(), " is too large");
    offsets.push_back(total);
    total += align16(layer->weight_count());
    offsets.push_back(total);
    total += align16(static_cast<std::size_t>(layer->out_features()));
  }
  // refuse sizes whose byte counts would overflow before asking the allocator (which would then be asked
  // for a wrapped-around, tiny size)
  FASTNET_CHECK(total <= (std::size_t{1} << 40) / sizeof(T), "network too large: ", total,
                " parameters (at most ", (std::size_t{1} << 40) / sizeof(T), ")");
  params_.resize(total);
  grads_.resize(total);
  velocity_.resize(total);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const std::size_t wo = offsets[2 * l], bo = offsets[2 * l + 1];
    layers_[l]->bind({params_.data() + wo, grads_.data() + wo, velocity_.data() + wo, layers_[l]->weight_count()},
                     {params_.data() + bo, grads_.data() + bo, velocity_.data() + bo,
                      static_cast<std::size_t>(layers_[l]->out_features())});
    layers_[l]->init(rng_);
  }
}

template <typename T>
void Network<T>::check_output_layer() const {
  const LayerConfig& c = layers_.back()->config();
  for (int o = 0; o < c.out_features; ++o) {
    const Act a = neuron_act(c, o);
    FASTNET_CHECK(loss_ != Loss::CrossEntropy || a == Act::Softmax || a == Act::Sigmoid || a == Act::FannSigmoid,
                  "loss 'cross_entropy' needs a 'softmax' or 'sigmoid' output layer, got another activation; "
                  "use loss='mse' or change the output activation");
  }
}

template <typename T>
void Network<T>::set_loss_options(const kernels::LossOptions& opts) {
  FASTNET_CHECK(std::isfinite(opts.delta) && opts.delta > 0.0, "huber delta must be > 0, got ", opts.delta);
  FASTNET_CHECK(opts.label_smoothing >= 0.0 && opts.label_smoothing < 1.0, "label_smoothing must be in [0, 1), got ",
                opts.label_smoothing);
  FASTNET_CHECK(opts.label_smoothing == 0.0 || loss_ == Loss::CrossEntropy,
                "label_smoothing is a parameter of loss 'cross_entropy' only");
  FASTNET_CHECK(static_cast<int>(opts.reduction) >= 0 && static_cast<int>(opts.reduction) <= 2,
                "unknown reduction code ", static_cast<int>(opts.reduction));
  loss_opts_ = opts;
}

template <typename T>
void Network<T>::set_neurons(int l, std::vector<double> steepness, std::vector<Act> activations, bool fann_clip) {
  FASTNET_CHECK(l >= 0 && l < num_layers(), "layer ", l, " out of range");
  Layer<T>& layer = *layers_[static_cast<std::size_t>(l)];
  const LayerConfig before = layer.config();
  LayerConfig c = before;
  c.steepness = std::move(steepness);
  c.activations = std::move(activations);
  c.fann_clip = fann_clip;
  normalize_neurons(c, "layer");
  layer.set_neurons(c);
  try {
    const Act a = layer.activation();
    FASTNET_CHECK(a != Act::Softmax || l + 1 == num_layers(), "layer ", l, ": softmax is only allowed on the output "
                  "layer");
    FASTNET_CHECK(a != Act::Softmax || (num_outputs() >= 2 && loss_ != Loss::FannTanh), "layer ", l,
                  ": a softmax output needs at least 2 outputs and a loss other than 'fann_tanh'");
    if (l + 1 == num_layers()) check_output_layer();
  } catch (...) {
    layer.set_neurons(before);
    throw;
  }
  capacity_ = 0;  // the workspace keeps pre-activations for other layers now: size it again
}

template <typename T>
void Network<T>::check_trainable() const {
  for (std::size_t l = 0; l < layers_.size(); ++l)
    for (int o = 0; o < layers_[l]->out_features(); ++o)
      FASTNET_CHECK(kernels::trainable(neuron_act(layers_[l]->config(), o)), "layer ", l, " uses a threshold "
                    "activation, whose derivative is zero wherever it exists, so gradient training cannot change it "
                    "(FANN refuses too: FANN_E_CANT_TRAIN_ACTIVATION); train with a smooth activation (e.g. sigmoid, "
                    "tanh, linear_piece) and set threshold units only for running the network");
}

template <typename T>
long Network<T>::rewire(double zeta, int only) {
  long replaced = 0;
  for (int l = 0; l < num_layers(); ++l) {
    if (only >= 0 && l != only) continue;
    auto* sparse = dynamic_cast<Sparse<T>*>(layers_[static_cast<std::size_t>(l)].get());
    FASTNET_CHECK(sparse || only < 0, "layer ", l, " is not sparse");
    if (!sparse) continue;
    if (only < 0 && !sparse->trainable()) continue;  // fit's SET step leaves a frozen layer's topology alone
    // the optimizer's second state (Adam's v, RPROP's steps) is permuted with the connections when it exists
    T* s2 = state2_.size() == params_.size() ? state2_.data() + (sparse->weight().value - params_.data()) : nullptr;
    replaced += sparse->rewire(zeta, rng_, s2);
  }
  return replaced;
}

template <typename T>
T* Network<T>::state2() {
  if (state2_.size() != params_.size()) {
    state2_.resize(params_.size());
    std::fill(state2_.data(), state2_.data() + state2_.size(), T(0));
  }
  return state2_.data();
}

template <typename T>
T* Network<T>::accum() {
  if (accum_.size() != params_.size()) accum_.resize(params_.size());
  return accum_.data();
}

template <typename T>
void Network<T>::reset_optimizer_state(const OptimizerConfig& cfg) {
  std::fill(velocity_.data(), velocity_.data() + velocity_.size(), T(0));
  T* s2 = state2();
  const T init = cfg.kind == OptKind::RPROP ? static_cast<T>(cfg.rprop.delta_zero) : T(0);
  std::fill(s2, s2 + state2_.size(), init);
  opt_kind_ = cfg.kind;
  opt_steps_ = 0;
}

template <typename T>
void Network<T>::set_layer_training(int l, bool trainable, double lr_scale) {
  FASTNET_CHECK(l >= 0 && l < num_layers(), "layer ", l, " out of range");
  FASTNET_CHECK(std::isfinite(lr_scale) && lr_scale > 0.0, "layer ", l, ": lr_scale must be a finite number > 0, got ",
                lr_scale);
  layers_[static_cast<std::size_t>(l)]->set_training(trainable, lr_scale);
}

template <typename T>
void Network<T>::check_lr_scales(const OptimizerConfig& cfg) const {
  if (!cfg.full_batch()) return;
  for (std::size_t l = 0; l < layers_.size(); ++l)
    FASTNET_CHECK(layers_[l]->lr_scale() == 1.0, "layer ", l, " has lr_scale=", layers_[l]->lr_scale(),
                  ", but RPROP, Quickprop and SARPROP adapt a step per weight (Quickprop's lr only scales its "
                  "gradient term), so there is no learning rate to scale; set lr_scale to 1 or train with SGD, "
                  "Adam or AdamW");
}

template <typename T>
double Network<T>::clip_gradients(T* g, double clip_norm, double clip_value) {
  double norm = 0.0;
  if (clip_norm > 0.0) {
    double ss = 0.0;  // in double: a float32 sum of squares over millions of values loses digits
    for (auto& layer : layers_) {
      if (!layer->trainable()) continue;
      for (const ParamView<T>* span : {&layer->weight(), &layer->bias()}) {
        const T* gs = g + (span->value - params_.data());
        // eight partial sums: the adds need not wait on each other (one chain would be latency-bound)
        double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t i = 0;
        for (; i + 8 <= span->size; i += 8)
          for (int k = 0; k < 8; ++k) part[k] += static_cast<double>(gs[i + k]) * static_cast<double>(gs[i + k]);
        for (; i < span->size; ++i) part[0] += static_cast<double>(gs[i]) * static_cast<double>(gs[i]);
        for (double p : part) ss += p;
      }
    }
    norm = std::sqrt(ss);
    const double coef = clip_norm / (norm + 1e-6);  // torch.nn.utils.clip_grad_norm_'s, with its eps
    if (coef < 1.0) {
      const T c = static_cast<T>(coef);
      for (auto& layer : layers_) {
        if (!layer->trainable()) continue;
        for (const ParamView<T>* span : {&layer->weight(), &layer->bias()}) {
          T* gs = g + (span->value - params_.data());
          for (std::size_t i = 0; i < span->size; ++i) gs[i] *= c;
        }
      }
    }
  }
  if (clip_value > 0.0) {
    const T v = static_cast<T>(clip_value);
    for (auto& layer : layers_) {
      if (!layer->trainable()) continue;
      for (const ParamView<T>* span : {&layer->weight(), &layer->bias()}) {
        T* gs = g + (span->value - params_.data());
        for (std::size_t i = 0; i < span->size; ++i) gs[i] = std::min(std::max(gs[i], -v), v);
      }
    }
  }
  return norm;
}

template <typename T>
void Network<T>::optimizer_step(const OptimizerConfig& cfg, const T* g, long num_data, double mse) {
  check_lr_scales(cfg);
  prepare_optimizer(cfg);
  ++opt_steps_;
  T* s1 = velocity_.data();
  T* s2 = state2();
  const uint64_t noise_key = cfg.kind == OptKind::SARPROP ? rng_.next() : 0;
  for (auto& layer : layers_) {
    // a frozen layer: no step, no decay, and its optimizer state stays as it was (a frozen PyTorch parameter's
    // absent .grad); a per-layer rate multiplies the optimizer's (PyTorch's parameter group with its own lr)
    if (!layer->trainable()) continue;
    const double lr = cfg.lr * layer->lr_scale();
    for (const ParamView<T>* span : {&layer->weight(), &layer->bias()}) {
      const std::size_t off = static_cast<std::size_t>(span->value - params_.data());
      T* w = span->value;
      const std::size_t n = span->size;
      // biases are decayed only when asked
      const double wd = (span == &layer->weight() || cfg.decay_bias) ? cfg.weight_decay : 0.0;
      switch (cfg.kind) {
        case OptKind::SGD:
          kernels::sgd_update(w, g + off, s1 + off, n, static_cast<T>(lr), static_cast<T>(cfg.momentum),
                              static_cast<T>(wd), cfg.nesterov);
          break;
        case OptKind::Adam:
        case OptKind::AdamW: {
          kernels::AdamParams p = cfg.adam;
          p.lr = lr;
          kernels::adam_update(w, g + off, s1 + off, s2 + off, n, opt_steps_, p, wd, cfg.kind == OptKind::AdamW);
          break;
        }
        case OptKind::RPROP:
          kernels::irprop_minus_update(w, g + off, s1 + off, s2 + off, n, cfg.rprop);
          break;
        case OptKind::Quickprop:
          kernels::quickprop_update(w, g + off, s1 + off, s2 + off, n, num_data, cfg.quickprop);
          break;
        case OptKind::SARPROP:
          kernels::sarprop_update(w, g + off, s1 + off, s2 + off, n, opt_steps_ - 1, mse, noise_key + off,
                                  cfg.sarprop);
          break;
      }
    }
  }
}

template <typename T>
void Network<T>::apply_gradients(const OptimizerConfig& cfg, long num_data, double mse) {
  ScopedFlushDenormals ftz;
  optimizer_step(cfg, grads_.data(), num_data, mse);
}

template <typename T>
T* Network<T>::param_slot(int l, bool bias, int slot) {
  const ParamView<T>& v = bias ? layer(l).bias() : layer(l).weight();
  FASTNET_CHECK(slot >= 0 && slot <= 2, "slot must be 0, 1 or 2");
  return slot == 0 ? v.value : slot == 1 ? v.velocity : state2() + (v.value - params_.data());
}

template <typename T>
void Network<T>::reserve(int B) {
  if (B <= capacity_) return;
  const std::size_t Bs = static_cast<std::size_t>(B);
  std::size_t widest = static_cast<std::size_t>(num_inputs());
  acts_.resize(layers_.size());
  pre_.resize(layers_.size());
  xin_.resize(layers_.size());
  drop_.resize(layers_.size());
  mask_.resize(layers_.size());
  inputs_.assign(layers_.size(), nullptr);
  bool prev_t = false;  // the network's input is row-major
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const std::size_t w = static_cast<std::size_t>(layers_[l]->out_features());
    acts_[l].resize(Bs * w);
    if (keeps_pre(static_cast<int>(l))) pre_[l].resize(Bs * w);
    if (layers_[l]->config().dropout > 0.0) {
      drop_[l].resize(Bs * w);
      mask_[l].resize(Bs * w);
    }
    if (layers_[l]->transposed_io() != prev_t) xin_[l].resize(Bs * layers_[l]->in_features());
    prev_t = layers_[l]->transposed_io();
    widest = std::max(widest, w);
    layers_[l]->reserve(B);
  }
  if (prev_t) out_.resize(Bs * num_outputs());
  if (prev_t && keeps_pre(num_layers() - 1)) pre_out_.resize(Bs * num_outputs());
  dz_.resize(Bs * widest);
  dtmp_.resize(Bs * widest);
  conv_.resize(Bs * widest);
  xbuf_.resize(Bs * num_inputs());
  tbuf_.resize(Bs * num_outputs());
  wbuf_.resize(Bs);
  capacity_ = B;
}

// Layouts: dense layers work on row-major (B, features) blocks; sparse ones on transposed (features, B) blocks,
// where each connection is one vector operation over the batch. A block is transposed only where layers of the
// two kinds meet (and at the network's input and output), never between two sparse layers.
template <typename T>
const T* Network<T>::forward(const T* inp, int B, bool train, bool inp_transposed) {
  const T* x = inp;
  bool x_t = inp_transposed && transposed(0, B);
  dropped_ = false;
  for (int l = 0; l < num_layers(); ++l) {
    check_interrupt();  // before a layer: only the workspace has changed
    const bool want = transposed(l, B);
    if (want != x_t) {
      const int F = layers_[l]->in_features();
      kernels::transpose(xin_[l].data(), x, x_t ? F : B, x_t ? B : F);
      x = xin_[l].data();
    }
    inputs_[l] = x;
    T* pre = keeps_pre(l) ? pre_[l].data() : nullptr;
    layers_[l]->forward(acts_[l].data(), x, B, pre);
    x = acts_[l].data();
    x_t = want;
    const double p = layers_[l]->config().dropout;
    if (train && p > 0.0) {  // inverted dropout: the next layer sees y·m, m = 0 or 1/keep (serial: one stream)
      const std::size_t n = static_cast<std::size_t>(B) * layers_[l]->out_features();
      const double keep = 1.0 - p;
      const T scale = static_cast<T>(1.0 / keep);
      T* m = mask_[l].data();
      T* d = drop_[l].data();
      for (std::size_t i = 0; i < n; ++i) {
        m[i] = rng_.uniform() < keep ? scale : T(0);
        d[i] = x[i] * m[i];
      }
      x = d;
      dropped_ = true;
    }
  }
  if (x_t) {
    kernels::transpose(out_.data(), x, num_outputs(), B);
    x = out_.data();
  }
  out_ptr_ = x;
  return x;
}

template <typename T>
T* Network<T>::loss_gradient(const T* target, int B, double* loss, T*& spare, const T* w) {
  const Layer<T>& last = *layers_.back();
  T* dz = dz_.data();
  const T* z = nullptr;  // the output layer's pre-activations, row-major like out_ptr_, where the loss needs them
  if (keeps_pre(num_layers() - 1)) {
    z = pre_.back().data();
    if (transposed(num_layers() - 1, B)) {
      kernels::transpose(pre_out_.data(), z, num_outputs(), B);
      z = pre_out_.data();
    }
  }
  *loss = last.custom() ? neurons_loss(last.config(), loss_, loss_opts_, out_ptr_, z, target, dz, B)
                        : kernels::loss_forward_backward(loss_, last.activation(), last.alpha(), out_ptr_, z, target,
                                                         dz, B, num_outputs(), loss_opts_);
  if (w) {  // sample weights: each sample's gradient row (already / B) times its weight, and the weighted loss
    *loss = weighted_loss_sum(out_ptr_, target, B, w) / B;
    const int O = num_outputs();
    for (int b = 0; b < B; ++b) {
      T* row = dz + static_cast<std::size_t>(b) * O;
      if (w[b] == T(0))
        std::fill(row, row + O, T(0));  // a removed sample: nothing, not 0·NaN
      else
        for (int o = 0; o < O; ++o) row[o] *= w[b];
    }
  }
  if (transposed(num_layers() - 1, B)) {
    kernels::transpose(spare, dz, B, num_outputs());
    std::swap(dz, spare);
  }
  return dz;
}

// dLoss/d(output of layer l-1), as layer l produced it, -> that layer's dz: into its layout (a transpose where a
// dense and a sparse layer meet; `spare` is the scratch, swapped in), then its activation derivative
template <typename T>
void Network<T>::to_dz_below(int l, int B, T*& d, T*& spare) {
  const Layer<T>& prev = *layers_[static_cast<std::size_t>(l) - 1];
  if (transposed(l, B) != transposed(l - 1, B)) {
    const int F = prev.out_features();
    kernels::transpose(spare, d, transposed(l, B) ? F : B, transposed(l, B) ? B : F);
    std::swap(d, spare);
  }
  if (dropped_ && prev.config().dropout > 0.0) {  // through the dropout mask of the forward pass
    const T* m = mask_[static_cast<std::size_t>(l) - 1].data();
    const std::size_t n = static_cast<std::size_t>(B) * prev.out_features();
    for (std::size_t i = 0; i < n; ++i) d[i] *= m[i];
  }
  if (prev.custom())
    return neurons_backward(prev.config(), d, acts_[static_cast<std::size_t>(l) - 1].data(),
                            pre_[static_cast<std::size_t>(l) - 1].data(), B, transposed(l - 1, B));
  kernels::activation_backward(prev.activation(), d, acts_[static_cast<std::size_t>(l) - 1].data(),
                               pre_[static_cast<std::size_t>(l) - 1].data(),
                               static_cast<std::size_t>(B) * prev.out_features(), prev.alpha());
}

template <typename T>
double Network<T>::backward(const T* inp, const T* target, int B, T* dinp, const T* w) {
  (void)inp;  // the forward pass recorded each layer's input (in its layout)
  check_trainable();
  const int L = num_layers();
  T* spare = conv_.data();
  T* dtmp = dtmp_.data();
  double loss = 0.0;
  T* dz = loss_gradient(target, B, &loss, spare, w);
  // the backward pass is the forward mirrored: each layer turns dz into its gradients and the previous
  // layer's dLoss/d(out), which that layer's activation derivative turns into its dz
  for (int l = L - 1; l >= 0; --l) {
    check_interrupt();  // backward writes gradients and the workspace, never the weights
    if (l == 0) {
      if (dinp && transposed(0, B)) {
        layers_[0]->backward(spare, dz, inputs_[0], B);
        kernels::transpose(dinp, spare, num_inputs(), B);
      } else {
        layers_[0]->backward(dinp, dz, inputs_[0], B);
      }
      break;
    }
    layers_[l]->backward(dtmp, dz, inputs_[l], B);
    to_dz_below(l, B, dtmp, spare);
    std::swap(dz, dtmp);
  }
  return loss;
}

template <typename T>
double Network<T>::sgd_step(const T* inp, const T* target, int B, T lr, T momentum, T weight_decay,
                            bool nesterov, const T* w) {
  (void)inp;
  const int L = num_layers();
  T* spare = conv_.data();
  T* dtmp = dtmp_.data();
  double loss = 0.0;
  T* dz = loss_gradient(target, B, &loss, spare, w);
  if (!std::isfinite(loss)) return loss;  // leave the weights as they were
  // below the lowest trainable layer nothing changes: the backward pass stops there (frozen layers at the bottom,
  // the usual fine-tuning case, cost a forward pass only)
  int lowest = 0;
  while (lowest < L && !layers_[static_cast<std::size_t>(lowest)]->trainable()) ++lowest;
  for (int l = L - 1; l >= lowest; --l) {
    if (l > lowest) {  // propagate with the weights as they were in the forward pass, then update them
      const Layer<T>& prev = *layers_[static_cast<std::size_t>(l) - 1];
      // between two layers of one layout and without dropout, the layer below's derivative can ride on the
      // input gradient's stores (to_dz_below would only apply it). Not at batch 1: there the store is scalar
      // and the relu test a branch that mispredicts, where activation_backward's pass is a vector select.
      const bool plain =
          B > 1 && transposed(l, B) == transposed(l - 1, B) && !(dropped_ && prev.config().dropout > 0.0) &&
          !prev.custom();
      if (!(plain && layers_[l]->backward_input_gated(dtmp, dz, B, prev.activation(),
                                                      acts_[static_cast<std::size_t>(l) - 1].data(), prev.alpha()))) {
        layers_[l]->backward_input(dtmp, dz, B);
        to_dz_below(l, B, dtmp, spare);
      }
    }
    if (layers_[l]->trainable())  // (a frozen layer only hands the gradient down)
      layers_[l]->sgd_step(dz, inputs_[l], B, static_cast<T>(lr * layers_[l]->lr_scale()), momentum, weight_decay,
                           nesterov);
    std::swap(dz, dtmp);
  }
  return loss;
}

template <typename T>
void Network<T>::predict(const T* X, long N, T* out) {
  reserve(static_cast<int>(std::min<long>(std::max<long>(N, 1), kChunk)));
  const int O = num_outputs(), I = num_inputs();
  for (long s = 0; s < N; s += kChunk) {
    const int B = static_cast<int>(std::min<long>(kChunk, N - s));
    const T* y = forward(X + s * I, B);
    std::memcpy(out + s * O, y, sizeof(T) * static_cast<std::size_t>(B) * O);
  }
}

template <typename T>
void Network<T>::gather_targets(T* dst, Targets<T> y, const long* idx, int B) const {
  const int O = num_outputs();
  for (int b = 0; b < B; ++b) {
    T* row = dst + static_cast<std::size_t>(b) * O;
    if (y.labels) {
      const int32_t c = y.labels[idx[b]];
      if (O == 1) {
        row[0] = static_cast<T>(c);  // binary labels 0/1 for a single output
      } else {
        std::fill(row, row + O, T(0));
        row[c] = T(1);
      }
    } else {
      std::memcpy(row, y.values + idx[b] * O, sizeof(T) * O);
    }
  }
}

template <typename T>
long Network<T>::count_correct(const T* y, const T* t, int B) const {
  const int O = num_outputs();
  long correct = 0;
  if (O == 1) {
    const Act act = layers_.back()->activation();
    const T thr = kernels::symmetric(act) ? T(0) : T(0.5);
    for (int b = 0; b < B; ++b) correct += (y[b] > thr) == (t[b] > thr);
    return correct;
  }
  for (int b = 0; b < B; ++b) {
    const T* yr = y + static_cast<std::size_t>(b) * O;
    const T* tr = t + static_cast<std::size_t>(b) * O;
    correct += std::max_element(yr, yr + O) - yr == std::max_element(tr, tr + O) - tr;
  }
  return correct;
}

template <typename T>
double Network<T>::weighted_correct(const T* y, const T* t, int B, const T* w) const {
  const int O = num_outputs();
  double correct = 0.0;
  if (per_label_accuracy_) {
    const T thr = kernels::symmetric(layers_.back()->activation()) ? T(0) : T(0.5);
    for (int b = 0; b < B; ++b) {
      const T* yr = y + static_cast<std::size_t>(b) * O;
      const T* tr = t + static_cast<std::size_t>(b) * O;
      long ok = 0;
      for (int o = 0; o < O; ++o) ok += (yr[o] > thr) == (tr[o] > thr);
      correct += (w ? static_cast<double>(w[b]) : 1.0) * static_cast<double>(ok) / O;
    }
    return correct;
  }
  for (int b = 0; b < B; ++b)
    if (count_correct(y + static_cast<std::size_t>(b) * O, t + static_cast<std::size_t>(b) * O, 1))
      correct += w ? static_cast<double>(w[b]) : 1.0;
  return correct;
}

template <typename T>
double Network<T>::weighted_loss_sum(const T* y, const T* t, int B, const T* w) const {
  // one row at a time through the loss kernel (value only): the per-sample losses the batch's mean is made of
  const Layer<T>& last = *layers_.back();
  const int O = num_outputs();
  double sum = 0.0;
  for (int b = 0; b < B; ++b) {
    if (w[b] == T(0)) continue;
    const std::size_t r = static_cast<std::size_t>(b) * O;
    const double value = last.custom() ? neurons_loss<T>(last.config(), loss_, loss_opts_, y + r, nullptr, t + r,
                                                         nullptr, 1)
                                       : kernels::loss_forward_backward<T>(loss_, last.activation(), last.alpha(),
                                                                           y + r, nullptr, t + r, nullptr, 1, O,
                                                                           loss_opts_);
    sum += static_cast<double>(w[b]) * value;
  }
  return sum;
}

template <typename T>
BatchGradients Network<T>::batch_gradients(const T* inp, int B, Targets<T> y, bool train, T* dinp) {
  reserve(B);
  std::vector<long> idx(static_cast<std::size_t>(B));
  for (int b = 0; b < B; ++b) idx[b] = b;
  gather_targets(tbuf_.data(), y, idx.data(), B);
  const T* out = forward(inp, B, train);
  BatchGradients r;
  r.correct = count_correct(out, tbuf_.data(), B);
  r.loss = backward(inp, tbuf_.data(), B, dinp);
  return r;
}

template <typename T>
Metrics Network<T>::evaluate(const T* X, long N, Targets<T> y, const T* w) {
  reserve(static_cast<int>(std::min<long>(std::max<long>(N, 1), kChunk)));
  const int I = num_inputs();
  const Layer<T>& last = *layers_.back();
  double loss_sum = 0.0, weight_sum = 0.0, weighted_ok = 0.0;
  long correct = 0;
  std::vector<long> idx(kChunk);
  for (long s = 0; s < N; s += kChunk) {
    const int B = static_cast<int>(std::min<long>(kChunk, N - s));
    for (int b = 0; b < B; ++b) idx[b] = s + b;
    const T* out = forward(X + s * I, B);
    gather_targets(tbuf_.data(), y, idx.data(), B);
    if (w) {
      const T* wb = w + s;
      loss_sum += weighted_loss_sum(out, tbuf_.data(), B, wb);
      weighted_ok += weighted_correct(out, tbuf_.data(), B, wb);
      for (int b = 0; b < B; ++b) weight_sum += static_cast<double>(wb[b]);
      continue;
    }
    loss_sum += B * (last.custom() ? neurons_loss<T>(last.config(), loss_, loss_opts_, out, nullptr, tbuf_.data(),
                                                     nullptr, B)
                                   : kernels::loss_forward_backward<T>(loss_, last.activation(), last.alpha(), out,
                                                                       nullptr, tbuf_.data(), nullptr, B,
                                                                       num_outputs(), loss_opts_));
    if (per_label_accuracy_)
      weighted_ok += weighted_correct(out, tbuf_.data(), B, nullptr);
    else
      correct += count_correct(out, tbuf_.data(), B);
  }
  Metrics m;
  if (w) {
    m.loss = weight_sum > 0.0 ? loss_sum / weight_sum : 0.0;
    m.accuracy = weight_sum > 0.0 ? weighted_ok / weight_sum : 0.0;
    return m;
  }
  m.loss = N > 0 ? loss_sum / N : 0.0;
  m.accuracy = N > 0 ? (per_label_accuracy_ ? weighted_ok : static_cast<double>(correct)) / N : 0.0;
  return m;
}

template class Network<float>;
template class Network<double>;

}  // namespace fastnet
